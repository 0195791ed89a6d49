package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// shellWords splits a command line as sh would for the simple quoting the
// READMEs use ("..." and '...', no escapes inside).
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// TestFleetReadmeCommands: every ossec-ruletest command that
// examples/fleet/README.md shows is accepted as written (flags and their
// combinations; the inputs are made up), and the README does not point at
// this repository's own development layout (../shared).
func TestFleetReadmeCommands(t *testing.T) {
	root := testenv.ModuleRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "examples", "fleet", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	if strings.Contains(text, "../shared") {
		t.Errorf("examples/fleet/README.md points at ../shared, which only this repository's development layout has")
	}
	n := 0
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "ossec-ruletest ") {
			continue
		}
		if i := strings.Index(line, " >"); i >= 0 {
			line = line[:i]
		}
		args := shellWords(line)[1:]
		n++
		// Flags are checked before any input is read: run the command on
		// inputs that do not exist and look for a usage refusal.
		for i, a := range args {
			switch {
			case i > 0 && (args[i-1] == "--html" || args[i-1] == "--junit" || args[i-1] == "--markdown"):
				args[i] = filepath.Join(t.TempDir(), filepath.Base(a)) // never write into the source tree
			case strings.Contains(a, "*") || a == "logs/":
				args[i] = filepath.Join(t.TempDir(), "none.json")
			case a == "known.txt" || strings.HasPrefix(a, "examples/"):
				// The fleet's own known changes stand for the user's.
				args[i] = filepath.Join(root, "examples", "fleet", "known-changes.txt")
				if strings.HasSuffix(a, ".gz") {
					args[i] = filepath.Join(root, filepath.FromSlash(a))
				}
			}
		}
		var out, errb bytes.Buffer
		Run(args, &out, &errb)
		for _, refusal := range []string{"flag provided but not defined", "takes shard reports, not", "usage:"} {
			if strings.Contains(errb.String(), refusal) {
				t.Errorf("README command %q is refused:\n%s", line, errb.String())
			}
		}
	}
	if n < 2 {
		t.Fatalf("found %d ossec-ruletest commands in the README, want the noise and merge examples", n)
	}
}
