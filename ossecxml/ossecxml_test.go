package ossecxml

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

func TestStockFilesParse(t *testing.T) {
	dir := testenv.StockRuleset(t)
	files, _ := filepath.Glob(filepath.Join(dir, "rules", "*.xml"))
	files = append(files, filepath.Join(dir, "etc", "decoder.xml"), filepath.Join(dir, "etc", "ossec.conf"))
	items := 0
	for _, f := range files {
		doc, err := ReadFile(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if err := doc.ApplyVariables(); err != nil {
			t.Errorf("%v", err)
		}
		if len(doc.Roots()) == 0 {
			t.Errorf("%s: no top-level element", f)
		}
		items += len(doc.Items)
	}
	t.Logf("%d files, %d items", len(files), items)
	if len(files) < 10 {
		t.Errorf("only %d files found in %s", len(files), dir)
	}
}

// TestReader: a Reader reads each file as ReadFile does (items, contents
// after variables, positions, errors), into the memory of the file before
// it, whose document it empties; the names and contents it gave for a
// file stay as they were after it read the others.
// TestReaderStale: a Document (or Node) that a Reader emptied, by
// reading the next file, panics naming both files when it is used,
// instead of reading the other file's memory or out of range.
func TestReaderStale(t *testing.T) {
	var r Reader
	a, err := r.ParseOwned("a.xml", []byte("<group>\n  text\n  <rule>x</rule>\n</group>\n"))
	if err != nil {
		t.Fatal(err)
	}
	g := a.Roots()[0]
	if _, ok := g.DroppedText(); !ok || !g.HasChildren() {
		t.Fatal("<group> of a.xml: no dropped text or children")
	}
	b, err := r.ParseOwned("b.xml", []byte("<b><c/></b>"))
	if err != nil {
		t.Fatal(err)
	}
	const want = "ossecxml: Document of a.xml used after Reader read b.xml"
	for name, use := range map[string]func(){
		"Roots": func() { a.Roots() },
		"RootsSeq": func() {
			for range a.RootsSeq(&Nodes{}) {
			}
		},
		"ApplyVariables": func() { _ = a.ApplyVariables() },
		"Children":       func() { g.Children() },
		"ChildrenIn":     func() { g.ChildrenIn(&Nodes{}) },
		"DroppedText":    func() { g.DroppedText() },
		"HasChildren":    func() { g.HasChildren() },
	} {
		func() {
			defer func() {
				if got := recover(); got != want {
					t.Errorf("%s of a stale document: panic %v, want %q", name, got, want)
				}
			}()
			use()
		}()
	}
	if roots := b.Roots(); len(roots) != 1 || roots[0].Name != "b" || len(roots[0].Children()) != 1 {
		t.Errorf("b.xml after a.xml: roots %v", roots)
	}
}

func TestReader(t *testing.T) {
	dir := testenv.StockRuleset(t)
	files, _ := filepath.Glob(filepath.Join(dir, "rules", "*.xml"))
	files = append([]string{filepath.Join(dir, "etc", "decoder.xml")}, files...)
	bad := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(bad, []byte("<a>\n<b></a>"), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files[:3], append([]string{bad, filepath.Join(dir, "nope.xml")}, files[3:]...)...)
	var r Reader
	var last *Document
	type strs struct {
		file      string
		want, got []flat
	}
	var kept []strs
	for _, f := range files {
		want, wantErr := ReadFile(f)
		got, err := r.ReadFileAs(f, f)
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("%s: Reader error %v, ReadFile error %v", f, err, wantErr)
		}
		if err != nil {
			continue
		}
		if last != nil && last.Items != nil {
			t.Errorf("%s: the document before it still has %d items", f, len(last.Items))
		}
		if err := got.ApplyVariables(); err != nil {
			t.Fatal(err)
		}
		if err := want.ApplyVariables(); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(flatten(want), flatten(got)); diff != "" {
			t.Fatalf("%s: Reader's items differ from ReadFile's (-ReadFile +Reader):\n%s", f, diff)
		}
		kept = append(kept, strs{f, flatten(want), flatten(got)})
		if diff := cmp.Diff(want.Roots()[0].Children()[0], got.Roots()[0].Children()[0], cmpopts.IgnoreUnexported(Node{})); diff != "" {
			t.Errorf("%s: first node (-ReadFile +Reader):\n%s", f, diff)
		}
		last = got
	}
	for _, k := range kept {
		if diff := cmp.Diff(k.want, k.got); diff != "" {
			t.Fatalf("%s: the strings the Reader gave changed when it read the other files (-ReadFile +Reader):\n%s", k.file, diff)
		}
	}
	// decoder.xml, read first, is the largest: every file after it is read
	// into its memory.
	if first := cap(r.items); first == 0 || len(last.Items) > first {
		t.Errorf("Reader's memory %d items, the last file %d", first, len(last.Items))
	}
	data, _ := os.ReadFile(files[1])
	before := &r.items[:1][0]
	doc, err := r.ParseOwned("x.xml", data)
	if err != nil || &doc.Items[0] != before {
		t.Errorf("ParseOwned: %v; items at %p, the Reader's memory at %p", err, &doc.Items[0], before)
	}
}

// TestStockContent checks what the reader makes of stock constructs that
// encoding/xml rejects.
func TestStockContent(t *testing.T) {
	dir := testenv.StockRuleset(t)
	doc, err := ReadFile(filepath.Join(dir, "rules", "syslog_rules.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.ApplyVariables(); err != nil {
		t.Fatal(err)
	}
	// <var name="BAD_WORDS">...</var> is used as $BAD_WORDS in a <pcre2>.
	var vars, used int
	for _, it := range doc.Items {
		if it.Kind == KindVariable && !it.IsAttr {
			vars++
		}
		if strings.Contains(it.Content, "$BAD_WORDS") {
			p := itemPos(doc, &it)
			t.Errorf("%d:%d: $BAD_WORDS not substituted: %q", p.Line, p.Col, it.Content)
		}
		if it.Name == "pcre2" && strings.Contains(it.Content, "core_dumped|failure|error") {
			used++
		}
	}
	if vars == 0 || used == 0 {
		t.Errorf("variables: %d definitions, %d substituted uses; want both > 0", vars, used)
	}
}

func parse(t *testing.T, src string) *Document {
	t.Helper()
	doc, err := Parse("t.xml", []byte(src))
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return doc
}

type flat struct {
	Kind    Kind
	Depth   int
	Name    string
	Content string
	Line    int
	Col     int
}

func flatten(d *Document) []flat {
	var out []flat
	for _, it := range d.Items {
		p := itemPos(d, &it)
		out = append(out, flat{it.Kind, int(it.Depth), it.Name, it.Content, int(p.Line), int(p.Col)})
	}
	return out
}

// itemPos is the position of item it of d.
func itemPos(d *Document, it *Item) Pos {
	line := 0
	return d.pos(int(it.pos), &line)
}

func TestAccepts(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want []flat
	}{
		{"escaped lt, raw amp and gt in content", `<regex>^a\<b & c>d</regex>`,
			[]flat{{KindElement, 0, "regex", `^a\<b & c>d`, 1, 1}}},
		{"no entities", "<a>&lt;&amp;</a>", []flat{{KindElement, 0, "a", "&lt;&amp;", 1, 1}}},
		{"escaped lt keeps backslash", `<a>x\<b>y</a>`, []flat{{KindElement, 0, "a", `x\<b>y`, 1, 1}}},
		{"content not trimmed", "<a>  x \n</a>", []flat{{KindElement, 0, "a", "  x \n", 1, 1}}},
		{"several roots, text between ignored", "junk <a>1</a> more\n<b>2</b>",
			[]flat{{KindElement, 0, "a", "1", 1, 6}, {KindElement, 0, "b", "2", 2, 1}}},
		{"comment forms", "<!-- c --><a>x<!-- in -->y</a><! old !><!DOCTYPE z !>",
			[]flat{{KindElement, 0, "a", "xy", 1, 11}}},
		{"comment ending in --->", "<!-- a ---><a/>", []flat{{KindElement, 0, "a", "", 1, 12}}},
		{"declaration and BOM", "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<a>x</a>",
			[]flat{{KindElement, 0, "a", "x", 2, 1}}},
		{"parent content is text after last child", "<g>a<r>1</r>b<r>2</r>c</g>",
			[]flat{{KindElement, 0, "g", "c", 1, 1}, {KindElement, 1, "r", "1", 1, 5}, {KindElement, 1, "r", "2", 1, 14}}},
		{"self-closed child leaves its '>' in the parent", `<g><x a="1"/></g>`,
			[]flat{{KindElement, 0, "g", ">", 1, 1}, {KindElement, 1, "x", "", 1, 4}, {KindAttribute, 1, "a", "1", 1, 7}}},
		{"NUL ends a string", "<a>x\x00y</a>", []flat{{KindElement, 0, "a", "x", 1, 1}}},
		{"var is a variable", `<var name="v">1</var>`,
			[]flat{{KindVariable, 0, "var", "1", 1, 1}, {KindAttribute, 0, "name", "v", 1, 6}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := parse(t, tc.src)
			if tc.want == nil {
				return
			}
			if diff := cmp.Diff(tc.want, flatten(doc)); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAttributeSpacing: "z = ..." is rejected by os_xml ("has no value")
// while 'z= "3"' is accepted.
func TestAttributeSpacing(t *testing.T) {
	doc := parse(t, `<a x= "1" y='2'/>`)
	n := doc.Roots()[0]
	if diff := cmp.Diff([]Attr{
		{Name: "x", Value: "1", Pos: Pos{1, 4}, ValuePos: Pos{1, 8}},
		{Name: "y", Value: "2", Pos: Pos{1, 11}, ValuePos: Pos{1, 14}},
	}, n.Attrs); diff != "" {
		t.Errorf("attrs (-want +got):\n%s", diff)
	}
	_, err := Parse("t.xml", []byte(`<a z = "3"/>`))
	checkErr(t, err, CodeAttrNoValue, 1, 5)
}

func checkErr(t *testing.T, err error, code Code, line, col int) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *Error with code %s", err, code)
	}
	if e.Code != code || e.Line != line || e.Col != col {
		t.Errorf("error = %s [%s], want %s at %d:%d", e, e.Code, code, line, col)
	}
	if !strings.HasPrefix(e.Error(), e.File+":") {
		t.Errorf("error %q does not start with the file name", e.Error())
	}
}

func TestRejects(t *testing.T) {
	for _, tc := range []struct {
		name      string
		src       string
		code      Code
		line, col int
	}{
		{"closing tag with nothing open", "<a>1</a>\n</b>", CodeElementNotOpened, 2, 1},
		{"mismatched closing tag: at the element left open", "<a>\n<b>x</c>\n</a>", CodeElementNotClosed, 2, 1},
		{"space in closing tag", "<a>x</a >", CodeElementNotClosed, 1, 1},
		{"unclosed element at EOF: at the element left open", "<a>\n<b>x</b>\n", CodeUnexpectedEOF, 1, 1},
		{"unclosed inner element at EOF: the innermost", "<a>\n <b>x\n <c/>\n", CodeUnexpectedEOF, 2, 2},
		{"EOF inside a start tag", "<a>\n  <bcd", CodeUnexpectedEOF, 2, 3},
		{"EOF inside a closing tag", "<a>\n  <b>x</b", CodeUnexpectedEOF, 2, 3},
		{"unclosed element: at it, not at the closing tag far below", "<group>\n  <rule>\n    <status>x\n    <match>y</match>\n  </rule>\n</group>", CodeElementNotClosed, 3, 5},
		{"unclosed rule: at it, not at </group>", "<group>\n  <rule>\n    <match>y</match>\n  <rule>\n    <match>z</match>\n  </rule>\n</group>", CodeElementNotClosed, 2, 3},
		{"unclosed comment", "<a/><!-- x", CodeCommentNotClosed, 1, 5},
		{"DOCTYPE is a comment that '>' does not end", "<!DOCTYPE z>", CodeCommentNotClosed, 1, 1},
		{"unclosed declaration", "<?xml version='1.0'", CodeDeclNotClosed, 1, 20},
		{"declaration not first", "\n<?xml version=\"1.0\"?><a/>", CodeAttrBadClosing, 2, 20},
		{"attribute without value", "<a b>", CodeAttrNoValue, 1, 5},
		{"attribute not quoted", "<a b=c>", CodeAttrNotQuoted, 1, 6},
		{"gt inside a value", `<a b="x>y">`, CodeAttrNotClosed, 1, 8},
		{"bad attribute closing", `<a b="x"c="y">`, CodeAttrBadClosing, 1, 9},
		{"duplicate attribute", `<a b="1" b="2"/>`, CodeAttrDuplicate, 1, 10},
		{"EOF in attribute", `<a b="1`, CodeAttrEOF, 1, 8},
		{"content overflow", "<a>" + strings.Repeat("x", MaxSize) + "</a>", CodeOverflow, 1, 4 + MaxSize},
		{"name overflow", "<" + strings.Repeat("x", MaxSize+1) + ">", CodeOverflow, 1, 2 + MaxSize},
		{"too deep", strings.Repeat("<a>", MaxDepth+1), CodeMaxDepth, 1, 3*MaxDepth + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.xml", []byte(tc.src))
			checkErr(t, err, tc.code, tc.line, tc.col)
		})
	}
}

func TestMaxSizes(t *testing.T) {
	// MaxSize-1 bytes of content are fine; MaxDepth-1 levels of nesting too.
	parse(t, "<a>"+strings.Repeat("x", MaxSize-1)+"</a>")
	parse(t, strings.Repeat("<a>", MaxDepth-1)+strings.Repeat("</a>", MaxDepth-1))
}

// TestFileTooLarge: a file longer than the reader takes (MaxFileSize,
// lowered here) is refused, not read with wrong positions; one at the
// limit is read, its last line's position right.
func TestFileTooLarge(t *testing.T) {
	defer func(old int) { maxFileSize = old }(maxFileSize)
	text := "<a>x</a>\n<b>y</b>"
	maxFileSize = len(text)
	d := parse(t, text)
	if p := itemPos(d, &d.Items[1]); p != (Pos{Line: 2, Col: 1}) {
		t.Errorf("<b> at %v, want 2:1", p)
	}
	maxFileSize = len(text) - 1
	_, err := Parse("big.xml", []byte(text))
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeFileTooLarge || e.File != "big.xml" {
		t.Fatalf("Parse(%d bytes, limit %d) = %v, want CodeFileTooLarge", len(text), maxFileSize, err)
	}
}

// TestFileTooLargeNotRead: a file larger than MaxFileSize (lowered
// here) is refused before it is read, or copied by Parse; the error
// names the file, its size and the limit.
func TestFileTooLargeNotRead(t *testing.T) {
	defer func(old int) { maxFileSize = old }(maxFileSize)
	maxFileSize = 1000
	const size = 4 << 20
	data := make([]byte, size)
	file := filepath.Join(t.TempDir(), "big.xml")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var r Reader
	for _, c := range []struct {
		name string
		read func() (*Document, error)
	}{
		{"ReadFileAs", func() (*Document, error) { return ReadFileAs(file, "rules/big.xml") }},
		{"Reader.ReadFileAs", func() (*Document, error) { return r.ReadFileAs(file, "rules/big.xml") }},
		{"Parse", func() (*Document, error) { return Parse("rules/big.xml", data) }},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		doc, err := c.read()
		runtime.ReadMemStats(&after)
		var e *Error
		if doc != nil || !errors.As(err, &e) || e.Code != CodeFileTooLarge {
			t.Errorf("%s: %v, want CodeFileTooLarge", c.name, err)
			continue
		}
		if want := "rules/big.xml: file of 4194304 bytes: at most 1000 are read"; err.Error() != want {
			t.Errorf("%s: %q, want %q", c.name, err, want)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > size/4 {
			t.Errorf("%s: %d bytes allocated to refuse a file of %d", c.name, n, size)
		}
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "nope.xml"))
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeNotFound || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadFile(missing) = %v, want CodeNotFound wrapping ErrNotExist", err)
	}
}

// ReadFileAs reads the file at its path and names it as told, in the
// document and in its errors; what it reads is what Parse reads.
func TestReadFileAs(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.xml")
	src := "<g name=\"x\"><r id=\"1\">a</r></g>"
	if err := os.WriteFile(good, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := ReadFileAs(good, "rules/good.xml")
	if err != nil {
		t.Fatal(err)
	}
	want := parse(t, src)
	if d := cmp.Diff(flatten(want), flatten(doc)); doc.File != "rules/good.xml" || d != "" {
		t.Errorf("ReadFileAs(%s) = %s (-want +got):\n%s", good, doc.File, d)
	}
	bad := filepath.Join(dir, "bad.xml")
	if err := os.WriteFile(bad, []byte("<g>\n<r>"), 0o644); err != nil {
		t.Fatal(err)
	}
	var e *Error
	if _, err := ReadFileAs(bad, "rules/bad.xml"); !errors.As(err, &e) || e.File != "rules/bad.xml" || e.Line != 2 {
		t.Errorf("ReadFileAs(bad) = %v, want an error at rules/bad.xml line 2", err)
	}
	if _, err := ReadFileAs(filepath.Join(dir, "nope.xml"), "rules/nope.xml"); !errors.As(err, &e) || e.File != "rules/nope.xml" || e.Code != CodeNotFound {
		t.Errorf("ReadFileAs(missing) = %v, want CodeNotFound for rules/nope.xml", err)
	}
}

func TestChildren(t *testing.T) {
	doc := parse(t, `<g name="x"><r id="1"><m>a</m></r><r id="2"/></g><g name="y"><r id="3"/></g>`)
	roots := doc.Roots()
	if len(roots) != 2 {
		t.Fatalf("roots = %d, want 2", len(roots))
	}
	var got []string
	for _, g := range roots {
		v, _ := g.Attr("name")
		for _, r := range g.Children() {
			id, _ := r.Attr("id")
			got = append(got, v+"/"+id)
			for _, c := range r.Children() {
				got = append(got, v+"/"+id+"/"+c.Name+"="+c.Content)
			}
		}
	}
	want := []string{"x/1", "x/1/m=a", "x/2", "y/3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
}

// TestChildrenIn: ChildrenIn gives what Children gives, call after call
// with the same buffer, whatever the number of children and attributes of
// the one before.
func TestChildrenIn(t *testing.T) {
	doc := parse(t, `<g><r id="1" level="2"><m>a</m><n x="1" y="2">b</n><o/></r><r/><r id="3"><p z="9">c</p></r><r id="4"><q>d</q><s>e</s></r></g>`)
	var buf Nodes
	for _, r := range doc.Roots()[0].Children() {
		want := r.Children()
		got := r.ChildrenIn(&buf)
		if d := cmp.Diff(want, got, cmpopts.IgnoreUnexported(Node{})); d != "" {
			t.Errorf("<r %v>: ChildrenIn (-Children +ChildrenIn):\n%s", r.Attrs, d)
		}
	}
}

// TestVarIsInvisible: OS_GetElementsbyNode does not return <var>, and an
// attribute called var ends the attribute list.
func TestVarIsInvisible(t *testing.T) {
	doc := parse(t, `<var name="v">1</var><a x="1" var="2" y="3"/>`)
	roots := doc.Roots()
	if len(roots) != 1 || roots[0].Name != "a" {
		t.Fatalf("roots = %v, want only <a>", roots)
	}
	if diff := cmp.Diff([]string{"x"}, attrNames(roots[0])); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
}

func attrNames(n *Node) []string {
	var s []string
	for _, a := range n.Attrs {
		s = append(s, a.Name)
	}
	return s
}

func TestVariables(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want []string // contents of the elements named "m", in order
	}{
		{"substitution", `<var name="X">a|b</var><m>^$X$</m><m>$x.y</m>`, []string{"^a|b$", "a|b.y"}},
		{"before definition left alone", `<m>$X</m><var name="X">1</var><m>$X,</m>`, []string{"$X", "1,"}},
		{"short contents left alone", `<var name="X">1</var><m>$X</m>`, []string{"$X"}},
		{"lone dollar stays", `<var name="X">1</var><m>a $ b</m><m>a$$X</m>`, []string{"a $ b", "a$1"}},
		{"case-insensitive, first wins", `<var name="X">1</var><var name="x">2</var><m>$x $X</m>`, []string{"1 1"}},
		{"attribute values too", `<var name="X">1</var><m k="$X|2">zz</m>`, []string{"zz"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := parse(t, tc.src)
			if err := doc.ApplyVariables(); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range doc.Items {
				if it.Name == "m" {
					got = append(got, it.Content)
				}
				if it.Name == "k" && it.Content != "1|2" {
					t.Errorf("attribute k = %q, want %q", it.Content, "1|2")
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("contents (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVariableErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		src       string
		code      Code
		line, col int
	}{
		{"unknown variable", "<var name=\"X\">1</var>\n<m>$YY</m>", CodeVarUnknown, 2, 4},
		{"no name", "<var>1</var>", CodeVarNoValue, 1, 1},
		{"other attribute", `<var id="X">1</var>`, CodeVarBadAttr, 1, 6},
		{"name too long", `<var name="` + strings.Repeat("n", MaxVariableSize) + `">1</var>`, CodeVarNameSize, 1, 12},
		{"use too long", `<var name="X">1</var><m>$` + strings.Repeat("n", MaxVariableSize) + `</m>`, CodeVarNameSize, 1, 25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := parse(t, tc.src)
			checkErr(t, doc.ApplyVariables(), tc.code, tc.line, tc.col)
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<group name="g"><rule id="1" level="2"><match>a</match></rule></group>`,
		`<var name="X">a</var><a b='$X'>$X.$X</a><!-- c -->`,
		`<a>\<b</a><b/ ><c x="1"/>`,
		"<a><!-- x --->y<!-- a -!- b --!>z</a><!->",
		"\xEF\xBB\xBF<?xml?><a>&amp;</a>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		parseBoth(t, "f.xml", data)
		doc, err := Parse("f.xml", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.Col < 1 {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		_ = doc.ApplyVariables()
		var walk func([]*Node, int)
		walk = func(ns []*Node, depth int) {
			if depth > MaxDepth {
				t.Fatal("tree deeper than MaxDepth")
			}
			for _, n := range ns {
				walk(n.Children(), depth+1)
			}
		}
		walk(doc.Roots(), 0)
	})
}

// TestParseRandom is a short, deterministic fuzz run: random sequences of
// XML-ish tokens never panic, and errors carry a position.
func TestParseRandom(t *testing.T) {
	tokens := []string{"<", ">", "/", "</", "/>", "<!--", "-->", "!>", "<!", `\`, `\<`, "=", `"`, "'",
		" ", "\n", "a", "b", "var", "name", "$", "$a", ".", "<?xml", "?>", "\x00", "&", "<a>", "</a>", `<var name="a">x</var>`}
	r := newRand(1)
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := r.intn(40); n > 0; n-- {
			b.WriteString(tokens[r.intn(len(tokens))])
		}
		src := b.String()
		doc, err := Parse("r.xml", []byte(src))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 || e.Col < 1 {
				t.Fatalf("Parse(%q): bad error %#v", src, err)
			}
			continue
		}
		if err := doc.ApplyVariables(); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 {
				t.Fatalf("ApplyVariables(%q): bad error %#v", src, err)
			}
		}
		for _, n := range doc.Roots() {
			n.Children()
		}
	}
}

// rng is a small deterministic generator (xorshift).
type rng struct{ s uint64 }

func newRand(seed uint64) *rng { return &rng{seed*2654435761 + 1} }

func (r *rng) intn(n int) int {
	r.s ^= r.s << 13
	r.s ^= r.s >> 7
	r.s ^= r.s << 17
	return int(r.s % uint64(n))
}

func BenchmarkParseDecoderXML(b *testing.B) {
	dir := testenv.StockRuleset(b)
	data, err := os.ReadFile(filepath.Join(dir, "etc", "decoder.xml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("decoder.xml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDroppedText: text before a child element is dropped by os_xml
// (Content is the text after the last child); DroppedText says where the
// first non-blank piece was. White space and the '>' os_xml leaves unread
// after "<x />" are not reported.
func TestDroppedText(t *testing.T) {
	doc := parse(t, "<g>\n  <a>x</a>\n  lost <b y='1' />\n  <c/>\n</g>\n<h>\n <a />\n <b/>\n</h><i>t<!-- c --><j/>u</i>")
	roots := doc.Roots()
	if len(roots) != 3 {
		t.Fatalf("%d roots", len(roots))
	}
	for i, want := range []struct {
		ok        bool
		line, col int32
	}{{true, 3, 3}, {false, 0, 0}, {true, 9, 8}} {
		p, ok := roots[i].DroppedText()
		if ok != want.ok || ok && (p.Line != want.line || p.Col != want.col) {
			t.Errorf("<%s>: dropped text %v at %d:%d, want %v at %d:%d", roots[i].Name, ok, p.Line, p.Col, want.ok, want.line, want.col)
		}
		if !roots[i].HasChildren() {
			t.Errorf("<%s>: HasChildren false", roots[i].Name)
		}
	}
	for _, n := range roots[0].Children() {
		if _, ok := n.DroppedText(); ok || n.HasChildren() {
			t.Errorf("<%s>: dropped text or children", n.Name)
		}
	}
}

// TestPos: the position of an offset is the same whatever position was
// resolved before it (pos walks on from the last one, or bisects).
func TestPos(t *testing.T) {
	r := newRand(3)
	var b strings.Builder
	for i := 0; i < 500; i++ {
		b.WriteString(strings.Repeat("x", r.intn(5)))
		b.WriteByte('\n')
	}
	text := b.String()
	d := &Document{lines: lineStarts([]byte(text), nil)}
	want := func(o int) Pos {
		before := text[:o]
		return Pos{Line: int32(strings.Count(before, "\n") + 1), Col: int32(o - strings.LastIndexByte(before, '\n'))}
	}
	line := 0
	for o := 0; o < len(text); o += r.intn(40) {
		// Mostly forward, a few lines or many; now and then back.
		if r.intn(10) == 0 {
			o = r.intn(len(text))
		}
		if got := d.pos(o, &line); got != want(o) {
			t.Fatalf("pos(%d) = %v, want %v", o, got, want(o))
		}
	}
}

// TestPosNearLimit: positions in a file of MaxFileSize bytes (line
// starts made up, not read), the last ones at 2^31-1, are right, walked
// to or bisected.
func TestPosNearLimit(t *testing.T) {
	const end = MaxFileSize // the offset after the last byte
	lines := []int32{0}
	for o := end - 40; o <= end; o += 2 {
		lines = append(lines, int32(o)) // a line of one byte and its '\n'
	}
	d := &Document{lines: lines}
	want := func(o int) Pos {
		i := len(lines) - 1
		for int(lines[i]) > o {
			i--
		}
		return Pos{Line: int32(i + 1), Col: int32(o - int(lines[i]) + 1)}
	}
	if got := want(end); got != (Pos{Line: int32(len(lines)), Col: 1}) {
		t.Fatalf("want(%d) = %v", end, got)
	}
	for _, from := range []int{0, end - 41, end - 40, end - 20, end} {
		for o := end - 45; o <= end; o++ {
			line := 0
			d.pos(from, &line)
			if got := d.pos(o, &line); got != want(o) {
				t.Errorf("pos(%d) after pos(%d) = %v, want %v", o, from, got, want(o))
			}
		}
	}
	// One line of MaxFileSize bytes: the column after it is 2^31-1.
	d = &Document{lines: []int32{0}}
	line := 0
	if got := d.pos(end, &line); got != (Pos{Line: 1, Col: math.MaxInt32}) {
		t.Errorf("pos(%d) on one line = %v, want 1:%d", end, got, math.MaxInt32)
	}
}

// TestRootsSeq: RootsSeq yields the nodes Roots returns (names,
// contents, attributes, positions), one at a time in one buffer, and
// stops when asked to.
func TestRootsSeq(t *testing.T) {
	dir := testenv.StockRuleset(t)
	files, _ := filepath.Glob(filepath.Join(dir, "rules", "*.xml"))
	files = append(files, filepath.Join(dir, "etc", "decoder.xml"))
	var docs []*Document
	for _, f := range files {
		doc, err := ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, doc)
	}
	for _, src := range []string{
		`<var name="x">1</var><a k="v" l='w'>t<b/></a> text <c/><d m="$x">$x</d>`,
		`<a/>`,
		``,
	} {
		doc, err := Parse("x.xml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if err := doc.ApplyVariables(); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, doc)
	}
	var buf Nodes
	for _, doc := range docs {
		var got []Node
		for n := range doc.RootsSeq(&buf) {
			c := *n
			c.Attrs = slices.Clone(n.Attrs) // buf's, the next root's after this one
			got = append(got, c)
		}
		var want []Node
		for _, n := range doc.Roots() {
			want = append(want, *n)
		}
		if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(Node{}), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: RootsSeq (-Roots +RootsSeq):\n%s", doc.File, diff)
		}
		k := 0
		for range doc.RootsSeq(&buf) {
			k++
			break
		}
		if k != min(1, len(want)) {
			t.Errorf("%s: %d roots yielded after a break", doc.File, k)
		}
	}
}
