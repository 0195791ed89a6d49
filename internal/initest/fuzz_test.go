package initest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/initest"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// recorder is a harness backend that records the lines it is fed.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) Name() string { return "recorder" }

func (r *recorder) Open(context.Context, ruleset.Sources) (harness.Session, error) { return r, nil }

func (r *recorder) Process(_ context.Context, m engine.Message) (engine.Result, error) {
	r.mu.Lock()
	r.lines = append(r.lines, m.Text)
	r.mu.Unlock()
	return engine.Result{Log: m.Text}, nil
}

func (r *recorder) Close() error { return nil }

// FuzzINI parses fuzzed .ini test files: parsing never panics, and every
// log line it finds reaches the engine byte for byte through the case that
// Cases makes of it (quoting survives testscript's word splitting).
func FuzzINI(f *testing.F) {
	var seeds []string
	if base := testenv.StockRulesetIfAny(f); base != "" {
		seeds, _ = filepath.Glob(filepath.Join(base, "tests", "*.ini"))
	}
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("[a ' b]\nrule = 1\nalert = 2\ndecoder = x\nlog 1 pass = it's $HOME # not a comment\nlog 2 fail =   tabs\there  \n"))
	f.Add([]byte("[s]\nlog 1 pass = a\n[s]\nlog 1 pass = b\nlog 1 pass = c ; d\n"))
	f.Add([]byte("log 1 pass = no section\n[x\nrule=\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := initest.ParseBytes("fuzz.ini", data)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.ini") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		dir := t.TempDir()
		var paths, want []string
		for i, c := range initest.Cases(file) {
			if strings.ContainsAny(c.Log.Text, "\n\x00") || len(c.Log.Text) < 2 {
				continue // not one line ossec-logtest would read whole
			}
			p := filepath.Join(dir, strings.Repeat("c", 1)+string(rune('a'+i%26))+strings.Repeat("x", i/26)+".txtar")
			if err := os.WriteFile(p, txtar.Format(c.Archive), 0o644); err != nil {
				t.Fatal(err)
			}
			paths = append(paths, p)
			want = append(want, c.Log.Text)
			if len(paths) == 8 {
				break
			}
		}
		for i, p := range paths {
			rec := &recorder{}
			res := harness.RunFiles(&harness.Config{Backend: rec}, []string{p}, false)
			if len(rec.lines) != 1 || rec.lines[0] != want[i] {
				t.Fatalf("case %d fed %q, want %q\n%s", i, rec.lines, want[i], res[0].Log)
			}
		}
	})
}
