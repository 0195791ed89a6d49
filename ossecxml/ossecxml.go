// Package ossecxml reads XML the way OSSEC 4.3.0's os_xml library does, so
// that the stock rule, decoder and configuration files load exactly as
// analysisd loads them, and it keeps the line and column of every element,
// attribute and content.
//
// os_xml is not an XML parser in the W3C sense, and the stock files are not
// well-formed XML: decoder.xml has raw '&' and '>' inside <pcre2> and
// <prematch_pcre2> and writes '<' as '\<', rule files have several
// top-level <group> elements. Libraries built on encoding/xml (etree and the
// like) reject those files; this package accepts what os_xml accepts and
// rejects what it rejects:
//
//   - An optional UTF-8 byte order mark and an optional "<?xml ...?>"
//     declaration at the very start are skipped; a declaration anywhere else
//     is read as an element named "?xml" (and fails).
//   - Comments start with "<!" anywhere (so "<!DOCTYPE" and "<![CDATA[" are
//     comments too) and end at "!>" or "-->"; they may appear inside content
//     and are removed from it.
//   - There are no entities: "&lt;" stays "&lt;", and '&' and '>' are plain
//     characters. A '<' preceded by a backslash is content (the backslash
//     is kept).
//   - Content is not trimmed. The content of an element with children is
//     the text after its last child.
//   - Several top-level elements are allowed; text outside elements is ignored.
//   - Attribute values are quoted with ' or "; "name =" (a space before
//     '=') is rejected, '>' inside a value is rejected, duplicate attribute
//     names are rejected.
//   - A closing tag must repeat the name exactly ("</a >" does not close "a").
//   - Element names, attribute names, values and content segments are
//     limited to 8191 bytes; nesting to 1023 levels. A NUL byte ends a string.
//
// After reading, ApplyVariables performs os_xml_variables.c's <var name="x">
// substitution of $x in contents and attribute values.
//
// A Document keeps os_xml's flat list of items (elements, attributes and
// variables with their depth), and Roots and Node.Children walk it with
// OS_GetElementsbyNode's rules, quirks included.
package ossecxml

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"unsafe"
)

// Limits of os_xml.
const (
	// MaxSize is XML_MAXSIZE: a name, attribute value or content segment
	// reaching this many bytes is an overflow.
	MaxSize = 8192
	// MaxDepth is the deepest nesting os_xml reads (its recursion limit).
	MaxDepth = 1024
	// MaxVariableSize is XML_VARIABLE_MAXSIZE.
	MaxVariableSize = 256
	// MaxFileSize is the largest file this package reads (2 GiB - 2):
	// offsets in a file are kept as int32. os_xml has no such limit, but
	// no OSSEC file comes near it.
	MaxFileSize = math.MaxInt32 - 1
)

// Code is a stable identifier for a kind of error.
type Code string

// Error codes.
const (
	CodeNotFound         Code = "xml-not-found"          // the file cannot be read
	CodeFileTooLarge     Code = "xml-file-too-large"     // the file has more than MaxFileSize bytes
	CodeDeclNotClosed    Code = "xml-decl-not-closed"    // "<?xml" without "?>"
	CodeCommentNotClosed Code = "xml-comment-not-closed" // "<!" without "!>" or "-->"
	CodeElementNotOpened Code = "xml-element-not-opened" // "</x>" where no element is open
	CodeElementNotClosed Code = "xml-element-not-closed" // "</y>" closes "<x>", or "<x>" never closed (at "<x>")
	CodeUnexpectedEOF    Code = "xml-unexpected-eof"     // the file ends inside an element (at the innermost one)
	CodeOverflow         Code = "xml-overflow"           // a string reaches MaxSize
	CodeMaxDepth         Code = "xml-max-depth"          // nesting deeper than MaxDepth
	CodeAttrNoValue      Code = "xml-attr-no-value"      // attribute without "=value"
	CodeAttrNotQuoted    Code = "xml-attr-not-quoted"    // '=' not followed by a quote
	CodeAttrNotClosed    Code = "xml-attr-not-closed"    // '>' inside a quoted value
	CodeAttrBadClosing   Code = "xml-attr-bad-closing"   // value not followed by space, '>' or '/'
	CodeAttrDuplicate    Code = "xml-attr-duplicate"     // same attribute twice
	CodeAttrEOF          Code = "xml-attr-eof"           // the file ends inside an attribute
	CodeVarBadAttr       Code = "xml-var-bad-attribute"  // <var> with an attribute other than name
	CodeVarNoValue       Code = "xml-var-no-value"       // <var> without name attribute
	CodeVarNameSize      Code = "xml-var-name-size"      // variable name too long
	CodeVarUnknown       Code = "xml-var-unknown"        // $x where no variable x is defined
)

// Error is an input that os_xml rejects. Line and Col are 1-based and
// point at the byte where os_xml gave up (Col counts bytes), except for an
// element left open (CodeElementNotClosed, CodeUnexpectedEOF): they point
// at that element's '<', and Msg says where the mismatching closing tag or
// the end of the file was found.
type Error struct {
	File string
	Line int
	Col  int
	Code Code
	Msg  string
	// Err is the underlying error of CodeNotFound.
	Err error
}

// Error formats the error as "file:line:col: message".
func (e *Error) Error() string {
	if e.Line == 0 {
		if e.Err != nil {
			return fmt.Sprintf("%s: %s: %v", e.File, e.Msg, e.Err)
		}
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// Pos is a position in a file: Line and Col are 1-based (Col counts
// bytes). They are int32 for the size of the nodes, which carry two or
// four: a file has at most MaxFileSize bytes, so neither passes 2^31-1
// (the column after its last byte included).
type Pos struct {
	Line, Col int32
}

// Kind is the kind of an Item.
type Kind uint8

// Item kinds (os_xml's XML_TYPE).
const (
	KindElement   Kind = iota // an element
	KindAttribute             // an attribute of the element before it
	// KindVariable is an element or attribute named "var" (in any case):
	// os_xml marks those as variable definitions, and OS_GetElementsbyNode
	// does not return them.
	KindVariable
)

// Item is one entry of os_xml's flat list: an element, an attribute or a
// variable, in document order, each element followed by its attributes.
type Item struct {
	Kind Kind
	// IsAttr is true for an attribute (also when Kind is KindVariable).
	IsAttr bool
	// Closed is os_xml's "ck": the element was closed (always true for an
	// attribute).
	Closed bool
	// Depth is the nesting depth: 0 for a top-level element and its
	// attributes.
	Depth int32
	// Name is the element or attribute name.
	Name string
	// Content is the attribute value, or the element's content (the text
	// after its last child element).
	Content string
	// pos is the offset where the item starts: the '<' of an element, the
	// first byte of an attribute name. contentPos is where Content starts
	// (the attribute value after the quote, or the first byte of the
	// element's last content segment); after variable substitution it
	// still points at the original text. Document.pos makes positions of
	// them: an item is half the size it would be with two Pos, and a stock
	// load reads eleven thousand. They are int32 (a file is at most
	// MaxFileSize bytes): 48 bytes an item instead of 56.
	pos, contentPos int32
}

// Document is a file read by os_xml's rules.
type Document struct {
	// File is the name used in positions and errors.
	File string
	// Items is os_xml's flat list.
	Items []Item
	// dropped maps the index of an element in Items to the offset of
	// the first non-blank text os_xml dropped from it: text before one of
	// its child elements (os_xml keeps only the text after the last one).
	dropped map[int]int
	// lines are the offsets of the line starts (int32: half the size of
	// an int, and a stock load reads fourteen thousand lines).
	lines []int32
	// replacedBy is the file a Reader read into the memory of this
	// document, emptying it ("" while it is valid).
	replacedBy string
}

// valid panics if a Reader has emptied d: its Items and line starts
// are another file's now, and what they would say of d is wrong.
func (d *Document) valid() {
	if d.replacedBy != "" {
		panic(fmt.Sprintf("ossecxml: Document of %s used after Reader read %s", d.File, d.replacedBy))
	}
}

// ReadFile reads and parses a file (OS_ReadXML). A file that cannot be
// read gives an *Error with CodeNotFound that wraps the os error.
func ReadFile(name string) (*Document, error) {
	return ReadFileAs(name, name)
}

// ReadFileAs is ReadFile for the file at path, called name in positions
// and errors.
func ReadFileAs(path, name string) (*Document, error) {
	data, err := ReadData(path, name)
	if err != nil {
		return nil, err
	}
	// The document's strings share the file's bytes, which nothing else
	// holds, instead of a copy of them (Parse's): a stock load reads half
	// a megabyte of files.
	return parseText(name, data, unsafe.String(unsafe.SliceData(data), len(data)))
}

// Parse parses data (the contents of file) as os_xml does.
func Parse(file string, data []byte) (*Document, error) {
	if len(data) > maxFileSize { // before the copy
		return nil, tooLarge(file, int64(len(data)))
	}
	return parseText(file, data, string(data))
}

// ReadData returns the contents of the file at path, called name in
// errors, as ReadFileAs reads them for parsing: a file that cannot be
// read gives an *Error with CodeNotFound, one larger than MaxFileSize an
// *Error with CodeFileTooLarge, from its size, before it is read.
func ReadData(path, name string) ([]byte, error) {
	return readData(path, name, nil)
}

// readData is ReadData reading into buf's memory when it is large enough.
func readData(path, name string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: name, Code: CodeNotFound, Msg: "cannot read file", Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &Error{File: name, Code: CodeNotFound, Msg: "cannot read file", Err: err}
	}
	if fi.Size() > int64(maxFileSize) {
		return nil, tooLarge(name, fi.Size())
	}
	// One buffer of the file's size, as os.ReadFile; a file that grew
	// since (or has no size, a pipe) is read up to one byte past the
	// limit, which parseInto refuses.
	b := bytes.NewBuffer(slices.Grow(buf[:0], int(fi.Size())+bytes.MinRead))
	if _, err := b.ReadFrom(io.LimitReader(f, int64(maxFileSize)+1)); err != nil {
		return nil, &Error{File: name, Code: CodeNotFound, Msg: "cannot read file", Err: err}
	}
	return b.Bytes(), nil
}

// tooLarge is the error for file, of size bytes, larger than
// MaxFileSize.
func tooLarge(file string, size int64) *Error {
	return &Error{File: file, Code: CodeFileTooLarge, Msg: fmt.Sprintf("file of %d bytes: at most %d are read", size, maxFileSize)}
}

// parseText parses data, whose bytes text holds too.
func parseText(file string, data []byte, text string) (*Document, error) {
	doc, err := parseInto(file, data, text, nil, &parser{})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// parseInto is parseText with the document's items and line starts
// appended to items[:0] and p's line starts, and p's buffers (its other
// fields are set here). It returns the document also with an error (for
// its memory).
func parseInto(file string, data []byte, text string, items []Item, p *parser) (*Document, error) {
	doc := &Document{File: file}
	if len(data) > maxFileSize {
		return doc, tooLarge(file, int64(len(data)))
	}
	doc.lines = lineStarts(data, p.lines)
	// An item per element (a '<' not starting a closing tag or a
	// comment) and per attribute (a quote after '='), give or take
	// comments holding those.
	n := bytes.Count(data, []byte("<")) - bytes.Count(data, []byte("</")) - bytes.Count(data, []byte("<!")) +
		bytes.Count(data, []byte(`="`)) + bytes.Count(data, []byte(`='`))
	doc.Items = slices.Grow(items[:0], n+1)
	p.data, p.text, p.off, p.back, p.doc, p.lastLine = data, text, 0, p.back[:0], doc, 0
	return doc, p.run()
}

// Reader reads files as ReadFileAs does, each into the memory of the
// item list and line starts of the one before: a Document it returns is
// valid until its next call, which empties it (its Items become nil);
// its methods, and those of its Nodes, then panic, naming both files. A
// loader that reads its files one after the other then allocates that
// memory for its largest file only instead of for each (a stock load:
// 200 against 600 KB).
//
// ReadFileAs also reads each file into the memory of the one before,
// and copies the names and contents of its items (the strings a caller
// can keep) out of it: element and attribute names are mostly the same
// few, kept once; contents go into blocks of memory shared by many. The
// strings of a Document stay valid after the next call: a stock load
// keeps 150 KB of them instead of the 500 KB of its files.
type Reader struct {
	last  *Document
	items []Item
	p     parser // its buffers and line starts
	// data is the memory of the last file read by ReadFileAs.
	data []byte
	// names holds the names seen, each its own key.
	names map[string]string
	// free is the unused end of the block the contents are copied to.
	free []byte
}

// ReadFileAs is ReadFileAs with r's memory.
func (r *Reader) ReadFileAs(path, name string) (*Document, error) {
	r.empty(name)
	data, err := readData(path, name, r.data)
	if err != nil {
		return nil, err
	}
	r.data = data[:0]
	r.p.copies = r
	return r.parse(name, data)
}

// ParseOwned parses data, the contents of file, with r's memory. The
// caller gives data away: the document's strings share its bytes, which
// must not change.
func (r *Reader) ParseOwned(file string, data []byte) (*Document, error) {
	r.empty(file)
	r.p.copies = nil
	return r.parse(file, data)
}

// empty empties the last document, replaced by file.
func (r *Reader) empty(file string) {
	if r.last != nil {
		clear(r.last.Items) // no string of the last file stays reachable
		r.last.Items, r.last.lines = nil, nil
		r.last.replacedBy = file
		r.last = nil
	}
}

func (r *Reader) parse(file string, data []byte) (*Document, error) {
	doc, err := parseInto(file, data, unsafe.String(unsafe.SliceData(data), len(data)), r.items, &r.p)
	if doc.Items != nil { // nil when refused before reading
		r.items, r.p.lines = doc.Items[:0], doc.lines[:0]
	}
	r.p.data, r.p.text, r.p.doc = nil, "", nil
	r.last = doc
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// contentBlock is the size of the blocks contents are copied to;
// contents longer than an eighth of it get their own memory (a block
// then wastes less than that at its end).
const contentBlock = 16 << 10

// content returns a copy of b.
func (r *Reader) content(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > cap(r.free)-len(r.free) {
		if len(b) > contentBlock/8 {
			return string(b)
		}
		r.free = make([]byte, 0, contentBlock)
	}
	i := len(r.free)
	r.free = append(r.free, b...)
	return unsafe.String(&r.free[i], len(b))
}

// name returns a copy of b, one per distinct name the Reader has seen.
func (r *Reader) name(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if n, ok := r.names[string(b)]; ok {
		return n
	}
	if r.names == nil {
		r.names = make(map[string]string)
	}
	n := r.content(b)
	r.names[n] = n
	return n
}

// maxFileSize is MaxFileSize (tests lower it).
var maxFileSize = MaxFileSize

// lineStarts returns the offsets of the line starts of data, which has at
// most MaxFileSize bytes, appended to buf[:0].
func lineStarts(data []byte, buf []int32) []int32 {
	lines := append(slices.Grow(buf[:0], bytes.Count(data, []byte{'\n'})+1), 0)
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			return lines
		}
		i += j + 1
		lines = append(lines, int32(i))
	}
}

// pos returns the position of offset o. *line is the index in d.lines of
// the last position resolved, updated: offsets come mostly in increasing
// order, a few lines apart (the options of a rule), so the search walks
// on from there for a few lines before it bisects.
func (d *Document) pos(o int, line *int) Pos {
	lines := d.lines
	i := *line
	if i >= len(lines) || int(lines[i]) > o {
		i = 0
	}
	for k := 0; i+1 < len(lines) && int(lines[i+1]) <= o; k++ {
		if k == 8 {
			n, _ := slices.BinarySearch(lines[i:], int32(o+1))
			i += n - 1
			break
		}
		i++
	}
	*line = i
	// A file has at most MaxFileSize bytes, o is at most its size: both
	// fit (TestPosNearLimit).
	return Pos{Line: int32(i + 1), Col: int32(o - int(lines[i]) + 1)}
}

const eof = -1

// byteByByte turns off the fast paths of readElem that consume runs of
// plain bytes at once (tests check that they change nothing).
var byteByByte bool

// parser is a byte-level port of os_xml's reader. Like os_xml it reads
// one byte at a time with a pushback stack (ungetc), and some of its
// quirks come from where that stack is used.
type parser struct {
	data []byte
	text string // data as a string: names and contents share it
	off  int    // next unread byte
	back []int  // pushed-back offsets, top last
	doc  *Document
	// lastLine is the index in doc.lines of the last position resolved.
	lastLine int
	// bufs are the byte buffers of readElem, by level, and attr and value
	// those of attributes, reused.
	bufs        []elemBufs
	attr, value []byte
	// lines is the memory of the line starts.
	lines []int32
	// copies, when set, makes the names and contents of the items
	// copies of the text instead of parts of it.
	copies *Reader
}

// elemBufs are the buffers of one level of readElem.
type elemBufs struct{ elem, cont, closing []byte }

// get returns the next byte and its offset, or eof.
func (p *parser) get() (int, int) {
	if n := len(p.back); n > 0 {
		o := p.back[n-1]
		p.back = p.back[:n-1]
		return int(p.data[o]), o
	}
	if p.off >= len(p.data) {
		return eof, len(p.data)
	}
	o := p.off
	p.off++
	return int(p.data[o]), o
}

// unget pushes back the byte at offset o (ungetc); a pushed-back eof is
// ignored, as ungetc(EOF) is.
func (p *parser) unget(c, o int) {
	if c == eof {
		return
	}
	p.back = append(p.back, o)
}

func isSpace(c int) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// cstr returns b up to its first NUL byte, as a C string would end.
func cstr(b []byte) string {
	return string(cut(b))
}

// cut returns b up to its first NUL byte.
func cut(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// str is cstr(b) for b read at offset o: when b is the text of the file
// there (no comment or pushed-back byte inside), the string shares the
// file's text instead of being a copy.
func (p *parser) str(b []byte, o int) string {
	b = cut(b)
	if p.copies != nil {
		return p.copies.content(b)
	}
	if o >= 0 && o+len(b) <= len(p.text) && p.text[o:o+len(b)] == string(b) {
		return p.text[o : o+len(b)]
	}
	return string(b)
}

// name is str for an element or attribute name.
func (p *parser) name(b []byte, o int) string {
	if p.copies != nil {
		return p.copies.name(cut(b))
	}
	return p.str(b, o)
}

// errAt records an error at offset o; positions are resolved later.
func (p *parser) errAt(o int, code Code, format string, args ...any) *Error {
	l, c := p.lineCol(o)
	return &Error{File: p.doc.File, Line: l, Col: c, Code: code, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) lineCol(o int) (int, int) {
	pos := p.doc.pos(o, &p.lastLine)
	return int(pos.Line), int(pos.Col)
}

func (p *parser) run() error {
	p.skipDeclaration()
	if p.off < 0 {
		return p.errAt(len(p.data), CodeDeclNotClosed, "XML declaration not closed")
	}
	if _, err := p.readElem(0, 0); err != nil {
		return err
	}
	for i := range p.doc.Items {
		if !p.doc.Items[i].Closed {
			it := &p.doc.Items[i]
			return p.errAt(int(it.pos), CodeElementNotClosed, "element '%s' not closed", it.Name)
		}
	}
	return nil
}

// skipDeclaration skips a byte order mark and a leading "<?xml ...?>".
// It sets p.off to -1 when the declaration is not closed.
func (p *parser) skipDeclaration() {
	d := p.data
	if len(d) >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF {
		p.off = 3
	}
	if len(d)-p.off >= 5 && string(d[p.off:p.off+5]) == "<?xml" {
		prev := byte('l')
		for i := p.off + 5; i < len(d); i++ {
			if prev == '?' && d[i] == '>' {
				p.off = i + 1
				return
			}
			prev = d[i]
		}
		p.off = -1
	}
}

// comment is _oscomment, called after a '<' was read: it returns 1 when a
// comment was skipped, 0 when none starts here, -1 when it is not closed.
func (p *parser) comment() int {
	c, o := p.get()
	if c != '!' {
		p.unget(c, o)
		return 0
	}
	if !byteByByte && len(p.back) == 0 {
		// Fast path: with nothing pushed back, the loop below stops after
		// the first "!>" or "-->" of the text (the bytes it pushes back
		// are read again, so it skips none; the third byte it pushes back
		// twice only repeats a '-' or '!' that is in the text already).
		// A quarter of the stock files' bytes are comments.
		rest := p.data[p.off:]
		for k := 0; ; k++ {
			i := bytes.IndexByte(rest[k:], '>')
			if i < 0 {
				p.off = len(p.data)
				return -1
			}
			k += i
			if k >= 1 && rest[k-1] == '!' || k >= 2 && rest[k-1] == '-' && rest[k-2] == '-' {
				p.off += k + 1
				return 1
			}
		}
	}
	for {
		c, _ = p.get()
		switch c {
		case eof:
			return -1
		case '!':
			c2, o2 := p.get()
			if c2 == '>' {
				return 1
			}
			p.unget(c2, o2)
		case '-':
			c2, o2 := p.get()
			if c2 == '-' {
				c3, o3 := p.get()
				if c3 == '>' {
					return 1
				}
				// os_xml pushes the third byte back twice.
				p.unget(c3, o3)
				p.unget(c3, o3)
			} else {
				p.unget(c2, o2)
			}
		}
	}
}

// add appends an item as _writememory does and returns its index.
func (p *parser) add(name string, attr bool, depth int32, off int) int {
	k := KindElement
	if attr {
		k = KindAttribute
	}
	if len(name) == 3 && (name[0]|0x20) == 'v' && (name[1]|0x20) == 'a' && (name[2]|0x20) == 'r' {
		k = KindVariable
	}
	p.doc.Items = append(p.doc.Items, Item{Kind: k, IsAttr: attr, Depth: depth, Name: name, Closed: attr, pos: int32(off)})
	return len(p.doc.Items) - 1
}

// readElem is _ReadElem: at depth 0 it reads every top-level element; at
// a deeper level it reads one element. It returns leof when the input
// ended outside any element.
func (p *parser) readElem(depth int32, level int) (bool, error) {
	level++
	if level > MaxDepth {
		return false, p.errAt(p.nextOffset(), CodeMaxDepth, "maximum nesting depth (%d) reached", MaxDepth)
	}
	if level >= len(p.bufs) {
		p.bufs = append(p.bufs, make([]elemBufs, level+1-len(p.bufs))...)
	}
	b := p.bufs[level]
	elem, cont, closing := b.elem[:0], b.cont[:0], b.closing[:0]
	defer func() { p.bufs[level] = elemBufs{elem, cont, closing} }()
	var (
		location   = -1
		prevv      = false
		cur        = -1 // index of the element being read
		elemStart  = 0  // offset of the element's '<'
		contStart  = 0  // offset of the current content segment
		closeStart = 0  // offset of the '<' of the closing tag
	)
	count := func() int {
		switch location {
		case 0:
			return len(elem)
		case 1:
			return len(cont)
		case 2:
			return len(closing)
		}
		return 0
	}
	for {
		// Fast path: a run of plain bytes outside tags or in content.
		if byteByByte {
			// no fast path
		} else if !prevv && len(p.back) == 0 && (location == 1 || location == -1) {
			i, limit := p.off, len(p.data)
			if location == 1 && i+MaxSize-len(cont) < limit {
				limit = i + MaxSize - len(cont)
			}
			j := i
			for j < limit && p.data[j] != '<' && p.data[j] != '\\' {
				j++
			}
			if location == 1 {
				cont = append(cont, p.data[i:j]...)
			}
			p.off = j
		} else if !prevv && len(p.back) == 0 {
			// A run of bytes of an element name (up to '>' or a space)
			// or of a closing tag (up to '>'); '<' and '\\' go the slow way.
			buf := &elem
			if location == 2 {
				buf = &closing
			}
			i, limit := p.off, min(len(p.data), p.off+MaxSize-len(*buf))
			j := i
			for j < limit {
				c := p.data[j]
				if c == '<' || c == '\\' || c == '>' || (location == 0 && isSpace(int(c))) {
					break
				}
				j++
			}
			*buf = append(*buf, p.data[i:j]...)
			p.off = j
		}
		c, o := p.get()
		if c == eof {
			break
		}
		if c == '\\' {
			prevv = true
		} else if prevv && c != '<' {
			prevv = false
		}
		if count() >= MaxSize {
			return false, p.errAt(o, CodeOverflow, "string overflow (more than %d bytes)", MaxSize-1)
		}
		if c == '<' {
			switch p.comment() {
			case -1:
				return false, p.errAt(o, CodeCommentNotClosed, "comment not closed")
			case 1:
				continue
			}
		}
		switch {
		case location == -1 && !prevv:
			if c != '<' {
				continue
			}
			c2, o2 := p.get()
			if c2 == '/' {
				return false, p.errAt(o, CodeElementNotOpened, "closing tag but no element is open")
			}
			p.unget(c2, o2)
			location = 0
			elem = elem[:0]
			cur = -1
			elemStart = o
		case location == 0 && (c == '>' || isSpace(c)):
			selfClosed := false
			if n := len(elem); n > 0 && elem[n-1] == '/' {
				selfClosed = true
				elem = elem[:n-1]
			}
			cur = p.add(p.name(elem, elemStart+1), false, depth, elemStart)
			if isSpace(c) {
				r, err := p.attributes(depth)
				if err != nil {
					return false, err
				}
				if r == '/' {
					selfClosed = true
				}
			}
			if selfClosed {
				it := &p.doc.Items[cur]
				it.Closed = true
				it.contentPos = int32(o)
				cur = -1
				location = -1
				elem = elem[:0]
				if depth > 0 {
					return false, nil
				}
			} else {
				location = 1
				cont = cont[:0]
				contStart = p.nextOffset()
			}
		case location == 2 && c == '>':
			if string(cut(closing)) != string(cut(elem)) {
				// Reported at the element left open; the mismatch can be
				// many lines below it.
				l, c := p.lineCol(closeStart)
				return false, p.errAt(elemStart, CodeElementNotClosed, "element '%s' not closed (the closing tag at line %d, col %d is '</%s>')", cstr(elem), l, c, cstr(closing))
			}
			it := &p.doc.Items[cur]
			it.Content = p.str(cont, contStart)
			it.contentPos = int32(contStart)
			it.Closed = true
			cur = -1
			location = -1
			elem = elem[:0]
			if depth > 0 {
				return false, nil
			}
		case location == 1 && c == '<' && !prevv:
			c2, o2 := p.get()
			if c2 == '/' {
				location = 2
				closing = closing[:0]
				closeStart = o
			} else {
				p.unget(c2, o2)
				p.unget(c, o)
				p.noteDropped(cur, cont, contStart)
				if _, err := p.readElem(depth+1, level); err != nil {
					return false, err
				}
				cont = cont[:0]
				contStart = p.nextOffset()
			}
		default:
			switch location {
			case 0:
				elem = append(elem, byte(c))
			case 1:
				cont = append(cont, byte(c))
			case 2:
				closing = append(closing, byte(c))
			}
			if c == '<' && prevv {
				prevv = false
			}
		}
	}
	if location == -1 {
		return true, nil
	}
	// Reported at the innermost element left open (the elements around it
	// are open too).
	l, c := p.lineCol(len(p.data))
	return false, p.errAt(elemStart, CodeUnexpectedEOF, "element '%s' not closed (end of file at line %d, col %d)", p.str(elem, elemStart+1), l, c)
}

// noteDropped records, for the first time it happens to element cur, the
// content segment cont (read from offset start) that a child element is
// about to make os_xml drop, when it is more than white space and '>'
// (os_xml leaves the '>' of "<a b='c'/>" or "<a />" unread: it becomes text).
func (p *parser) noteDropped(cur int, cont []byte, start int) {
	if cur < 0 {
		return
	}
	i := 0
	for i < len(cont) && (isSpace(int(cont[i])) || cont[i] == '>') {
		i++
	}
	if i == len(cont) || cont[i] == 0 {
		return
	}
	if _, ok := p.doc.dropped[cur]; ok {
		return
	}
	if p.doc.dropped == nil {
		p.doc.dropped = map[int]int{}
	}
	off := start
	if start+len(cont) <= len(p.text) && p.text[start:start+len(cont)] == string(cont) {
		off = start + i // the segment is the file's text (no comment inside)
	}
	p.doc.dropped[cur] = off
}

// nextOffset is the offset of the byte get would return next.
func (p *parser) nextOffset() int {
	if n := len(p.back); n > 0 {
		return p.back[n-1]
	}
	return p.off
}

// attributes is _getattributes: it reads the attributes of the element
// just added and returns '/' when the tag ended with "/" (the '>' after it
// is left unread, as os_xml does), 0 when it ended with '>'.
func (p *parser) attributes(depth int32) (int, error) {
	attr, value := p.attr[:0], p.value[:0]
	defer func() { p.attr, p.value = attr, value }()
	for {
		attr, value = attr[:0], value[:0]
		name := ""
		location := 0
		quote := 0
		attrStart, valueStart := -1, 0
	read:
		for {
			c, o := p.get()
			if c == eof {
				return 0, p.errAt(o, CodeAttrEOF, "end of file while reading an attribute")
			}
			count := len(attr)
			if location == 1 {
				count = len(value)
			}
			switch {
			case count >= MaxSize:
				name := cstr(attr)
				if len(name) > 20 {
					name = name[:20]
				}
				return 0, p.errAt(o, CodeOverflow, "overflow at attribute '%s' (more than %d bytes)", name, MaxSize-1)
			case c == '>' || (location == 0 && c == '/'):
				if location == 1 {
					return 0, p.errAt(o, CodeAttrNotClosed, "attribute '%s' not closed ('>' inside its value)", cstr(attr))
				}
				if len(attr) > 0 {
					return 0, p.errAt(o, CodeAttrNoValue, "attribute '%s' has no value", cstr(attr))
				}
				if c == '/' {
					return '/', nil
				}
				return 0, nil
			case location == 0 && c == '=':
				if attrStart < 0 {
					attrStart = o
				}
				name = p.name(attr, attrStart)
				// Attributes of the same element, searched backwards as
				// os_xml does (stopping at anything that is not a plain attribute).
				for i := len(p.doc.Items) - 1; i >= 0; i-- {
					it := &p.doc.Items[i]
					if it.Depth != depth || it.Kind != KindAttribute {
						break
					}
					if it.Name == name {
						return 0, p.errAt(attrStart, CodeAttrDuplicate, "attribute '%s' already defined", name)
					}
				}
				c, o = p.get()
				if c != '"' && c != '\'' {
					ok := false
					if isSpace(c) {
						for {
							c, o = p.get()
							if c == eof {
								break
							}
							if isSpace(c) {
								continue
							}
							ok = c == '"' || c == '\''
							break
						}
					}
					if !ok {
						return 0, p.errAt(o, CodeAttrNotQuoted, "attribute '%s' not followed by a \" or '", name)
					}
				}
				quote = c
				location = 1
				valueStart = o + 1
			case location == 0 && isSpace(c):
				if len(attr) > 0 {
					return 0, p.errAt(o, CodeAttrNoValue, "attribute '%s' has no value", cstr(attr))
				}
			case location == 1 && c == quote:
				i := p.add(name, true, depth, attrStart)
				p.doc.Items[i].Content = p.str(value, valueStart)
				p.doc.Items[i].contentPos = int32(valueStart)
				c, o = p.get()
				switch {
				case isSpace(c):
					break read // next attribute
				case c == '>':
					return 0, nil
				case c == '/':
					return '/', nil
				}
				return 0, p.errAt(o, CodeAttrBadClosing, "bad attribute closing for '%s'='%s'", cstr(attr), cstr(value))
			case location == 0:
				if attrStart < 0 {
					attrStart = o
				}
				attr = append(attr, byte(c))
			default:
				value = append(value, byte(c))
			}
		}
	}
}
