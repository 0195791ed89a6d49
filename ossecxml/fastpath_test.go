package ossecxml

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// parseBoth parses data with and without readElem's fast paths and fails
// when the documents or the errors differ.
func parseBoth(t *testing.T, name string, data []byte) {
	t.Helper()
	fast, ferr := Parse(name, data)
	byteByByte = true
	slow, serr := Parse(name, data)
	byteByByte = false
	if diff := cmp.Diff(slow, fast, cmp.AllowUnexported(Document{}, Item{})); diff != "" {
		t.Fatalf("%s: fast path changes the document (-byte by byte +fast):\n%s", name, diff)
	}
	if (ferr == nil) != (serr == nil) || (ferr != nil && ferr.Error() != serr.Error()) {
		t.Fatalf("%s: fast path error %v, byte by byte %v", name, ferr, serr)
	}
}

// TestFastPathsChangeNothing compares the fast paths with reading byte by
// byte on random XML-ish text (long names and contents included, to reach
// MaxSize) and on the stock files.
func TestFastPathsChangeNothing(t *testing.T) {
	long := strings.Repeat("n", MaxSize-3)
	tokens := []string{"<", ">", "/", "</", "/>", "<!--", "-->", "!>", "<!", `\`, `\<`, "=", `"`, "'",
		" ", "\t", "\n", "a", "b", "var", "\x00", "&", "<a>", "</a>", "<a ", "</a >", `<b x="1">`, "</b>", long, "nn", "-", "!", "->", "<!-"}
	r := newRand(7)
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := r.intn(30); n > 0; n-- {
			b.WriteString(tokens[r.intn(len(tokens))])
		}
		parseBoth(t, "r.xml", []byte(b.String()))
	}
	files, _ := filepath.Glob(filepath.Join(testenv.StockRuleset(t), "rules", "*.xml"))
	files = append(files, filepath.Join(testenv.StockRuleset(t), "etc", "decoder.xml"), filepath.Join(testenv.StockRuleset(t), "etc", "ossec.conf"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		parseBoth(t, filepath.Base(f), data)
	}
}
