package fleet

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/corpus"
	"github.com/ossec-ruletest/ossec-ruletest/internal/noise"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"os/exec"
)

// sides loads the stock ruleset (before) and the repository's (after).
func sides(tb testing.TB) (noise.Side, noise.Side) {
	b := testenv.StockRuleset(tb)
	load := func(label, repo string) noise.Side {
		src, err := harness.Sources(b, repo)
		if err != nil {
			tb.Fatal(err)
		}
		rs, _, err := harness.Load(src)
		if err != nil {
			tb.Fatal(err)
		}
		return noise.Side{Label: label, EmailAlertLevel: rs.Config.EmailAlertLevel, NewAnalyzer: noise.Native(rs, "manager")}
	}
	return load("stock", ""), load("ours", "../..")
}

type memSource struct {
	lines []string
	i     int
}

func (m *memSource) Next() (corpus.Event, error) {
	if m.i == len(m.lines) {
		return corpus.Event{}, errEOF
	}
	ev := corpus.Parse(m.lines[m.i], corpus.Options{})
	ev.Seq, ev.Source, ev.Line = int64(m.i), "mem", m.i+1
	m.i++
	return ev, nil
}

func generate(tb testing.TB, cfg Config) []string {
	var b bytes.Buffer
	if _, err := Generate(&b, cfg); err != nil {
		tb.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

func TestGenerateIsReproducible(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Days = 3
	var a, b bytes.Buffer
	sa, _ := Generate(&a, cfg)
	Generate(&b, cfg)
	if sha256.Sum256(a.Bytes()) != sha256.Sum256(b.Bytes()) {
		t.Fatal("two runs with the same seed differ")
	}
	cfg.Seed++
	var c bytes.Buffer
	Generate(&c, cfg)
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Fatal("another seed gives the same corpus")
	}
	if sa.Lines != strings.Count(a.String(), "\n") || sa.FIM == 0 || sa.Verdicts["ok"] == 0 || sa.OtherSyslog == 0 {
		t.Errorf("stats %+v do not describe the corpus", sa)
	}
	// Every verdict follows a file-integrity event of its host for its path.
	lines := strings.Split(a.String(), "\n")
	last := map[string]string{}
	for i, l := range lines {
		ev := corpus.Parse(l, corpus.Options{})
		if ev.Queued {
			_, path, _ := strings.Cut(ev.Message.Text, " ")
			last[ev.Host] = path
			continue
		}
		if _, v, ok := strings.Cut(l, "ossec-ar-verify: file "); ok {
			path := v[strings.Index(v, "(")+1 : strings.LastIndex(v, ")")]
			if last[ev.Host] != path {
				t.Fatalf("line %d: verdict for %s on %s, whose last event was for %q", i+1, path, ev.Host, last[ev.Host])
			}
		}
	}
}

// TestCheckedInCorpus checks that corpus.log.gz is what gen writes.
func TestCheckedInCorpus(t *testing.T) {
	f, err := os.Open("corpus.log.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if _, err := Generate(&want, DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("corpus.log.gz is not what gen writes: regenerate it (go run ./examples/fleet/gen -o examples/fleet/corpus.log.gz)")
	}
}

// BenchmarkReplay replays a large generated fleet corpus through the stock
// ruleset and ours on all cores and reports events per second.
func BenchmarkReplay(b *testing.B) {
	before, after := sides(b)
	cfg := DefaultConfig()
	cfg.Hosts, cfg.Days = 200, 30
	lines := generate(b, cfg)
	b.ResetTimer()
	for range b.N {
		rep, err := noise.Run(context.Background(), &memSource{lines: lines}, before, after, noise.Options{Year: 2026})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Replayed != int64(len(lines)) {
			b.Fatalf("replayed %d of %d", rep.Replayed, len(lines))
		}
	}
	b.ReportMetric(float64(len(lines)*b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "cores")
}

var errEOF = io.EOF

// TestGenLinksNoTestCode: the generator is a program users run; no test
// package (testing, testscript, which registers -testwork and -flaky on
// the program's flags) may be linked into it.
func TestGenLinksNoTestCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./gen").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "testing" || strings.Contains(p, "testscript") || strings.HasSuffix(p, "/testenv") {
			t.Errorf("./gen links %s", p)
		}
	}
}
