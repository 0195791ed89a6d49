package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Hostname is the manager hostname the recordings were made with.
const Hostname = "melancia"

// TableEnv names the environment variable that, when set to a path, makes
// TestConformance write its agreement table there too.
const TableEnv = "RULETEST_CONFORMANCE_TABLE"

// maxReported is how many differing events TestConformance spells out;
// the rest are counted.
const maxReported = 40

var (
	stockOnce sync.Once
	stockRS   *ruleset.Ruleset
	stockErr  error
)

// stock loads the stock ruleset once per test binary.
func stock(tb testing.TB) *ruleset.Ruleset {
	tb.Helper()
	dir := testenv.StockRuleset(tb)
	stockOnce.Do(func() { stockRS, stockErr = ruleset.Load(ruleset.Sources{Base: dir}) })
	if stockErr != nil {
		tb.Fatalf("loading the stock ruleset %s: %v", dir, stockErr)
	}
	return stockRS
}

// clock is a fake wall clock: it stands still unless advanced.
type clock struct{ t time.Time }

// start is a Wednesday noon, inside every business-hours <time> window.
var start = time.Date(2026, time.November, 25, 12, 0, 0, 0, time.UTC)

func (c *clock) Now() time.Time { return c.t }

func (c *clock) advance(seconds float64) {
	c.t = c.t.Add(time.Duration(seconds * float64(time.Second)))
}

var (
	sharedMu  sync.Mutex
	sharedEng = map[*ruleset.Ruleset]*engine.Engine{}
)

// newSession returns a fresh engine state, as a fresh ossec-logtest
// process, on an engine whose clock stands at start. Sessions share one
// engine (engines are immutable); the clock never moves.
func newSession(rs *ruleset.Ruleset) (*engine.Session, *clock) {
	sharedMu.Lock()
	e := sharedEng[rs]
	if e == nil {
		c := &clock{t: start}
		e = engine.New(rs, engine.Options{Hostname: Hostname, Now: c.Now})
		sharedEng[rs] = e
	}
	sharedMu.Unlock()
	return e.NewSession(), nil
}

// newTimedSession returns a fresh engine state on an engine of its own,
// whose clock the caller advances.
func newTimedSession(rs *ruleset.Ruleset) (*engine.Session, *clock) {
	c := &clock{t: start}
	e := engine.New(rs, engine.Options{Hostname: Hostname, Now: c.Now})
	return e.NewSession(), c
}

// event is one compared event: its id, the record, the input it came
// from and the native result.
type event struct {
	id    string
	rec   *Record
	input string
	got   engine.Result
}

// run feeds a record (or each item of a sequence) to fresh sessions as the
// recording did and returns every event with its result; problems that are
// not field differences (an extra event too many, a bad wall_clock) go to bad.
func run(rs *ruleset.Ruleset, r *Record, bad func(string)) []event {
	var out []event
	add := func(id string, rec *Record, res engine.Result) {
		out = append(out, event{id, rec, rec.Log, res})
		for k, x := range rec.ExtraEvents {
			var got engine.Result
			if k < len(res.Extra) {
				got = res.Extra[k]
			}
			out = append(out, event{fmt.Sprintf("%s+%d", id, k+1), x, x.Log, got})
		}
		if len(res.Extra) > len(rec.ExtraEvents) {
			bad(fmt.Sprintf("%s: %s: native engine gives %d extra events, OSSEC printed %d", rec.Where(), id, len(res.Extra), len(rec.ExtraEvents)))
		}
	}
	at := start
	if r.WallClock != "" {
		t, err := time.Parse(time.RFC3339, r.WallClock)
		if err != nil {
			bad(fmt.Sprintf("%s: %s: wall_clock: %v", r.Where(), r.ID, err))
			return nil
		}
		at = t
	}
	timed := !at.Equal(start)
	for _, it := range r.Sequence {
		timed = timed || it.DelayBeforeS > 0
	}
	if timed {
		// The clock is not the shared engine's, or must move: replay on
		// an engine of its own.
		s, c := newTimedSession(rs)
		c.t = at
		items := r.Sequence
		if len(items) == 0 {
			items = []*Record{r}
		}
		for _, it := range items {
			c.advance(it.DelayBeforeS)
			add(it.ID, it, s.Process(it.Log))
		}
		return out
	}
	s, _ := newSession(rs)
	if len(r.Sequence) > 0 {
		for _, it := range r.Sequence {
			add(it.ID, it, s.Process(it.Log))
		}
		return out
	}
	add(r.ID, r, s.Process(r.Log))
	return out
}

func TestConformance(t *testing.T) {
	dir := testenv.Conformance(t)
	rs := stock(t)
	recs, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	check(t, rs, recs, "exceptions.txt", dir)
}

// ExtraGlob names our own recordings of real ossec-logtest (made with
// conformance/internal/record from the differential corpora, see
// testdata/README.md): they need only the stock ruleset.
const ExtraGlob = "testdata/extra-*.jsonl"

// customDir holds the decoders, rules and CDB lists that the
// testdata/extra-custom-*.jsonl recordings were made with, on top of the
// stock ruleset.
const customDir = "testdata/extra-custom"

// customSources returns the stock ruleset with the custom layer.
func customSources(base string) ruleset.Sources {
	return ruleset.Sources{
		Base:     base,
		Decoders: []string{customDir + "/decoders.xml"},
		Rules:    []string{customDir + "/rules.xml"},
		Lists:    []string{customDir + "/lists/rt-ips", customDir + "/lists/rt-users", customDir + "/lists/rt-urls"},
	}
}

func TestExtraConformance(t *testing.T) {
	rs := stock(t)
	custom, err := ruleset.Load(customSources(testenv.StockRuleset(t)))
	if err != nil {
		t.Fatalf("loading the custom layer: %v", err)
	}
	paths, err := filepath.Glob(ExtraGlob)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no %s", ExtraGlob)
	}
	var recs []*Record
	for _, p := range paths {
		rr, err := LoadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(filepath.Base(p), "extra-custom-") {
			for _, r := range rr {
				r.ruleset = custom
			}
		}
		recs = append(recs, rr...)
	}
	check(t, rs, recs, "testdata/extra-exceptions.txt", ExtraGlob)
}

// check runs recs through the native engine, compares every event with the
// recording under the exceptions of exceptionsFile, and logs the agreement
// table (also written to $RULETEST_CONFORMANCE_TABLE for the shared data).
func check(t *testing.T, rs *ruleset.Ruleset, recs []*Record, exceptionsFile, what string) {
	t.Helper()
	exList, err := LoadExceptions(exceptionsFile)
	if err != nil {
		t.Fatal(err)
	}
	exceptions := NewExceptionSet(exList)

	table := NewTable()
	reported, unreported := 0, 0
	for _, r := range recs {
		rrs := rs
		if r.ruleset != nil {
			rrs = r.ruleset
		}
		for _, ev := range run(rrs, r, func(msg string) { t.Error(msg) }) {
			want, got := Expected(ev.rec, ev.input), Observed(ev.got)
			diffs := Compare(want, got)
			failing, problems := exceptions.Apply(ev.id, diffs)
			for _, p := range problems {
				t.Error(p)
			}
			table.Add(want, diffs, func(field string) bool { return exceptions.Excepted(ev.id, field) })
			if len(failing) == 0 {
				continue
			}
			if reported >= maxReported {
				unreported++
				continue
			}
			reported++
			var b strings.Builder
			fmt.Fprintf(&b, "%s: %s: input %.120q\n", ev.rec.Where(), ev.id, ev.input)
			for _, d := range failing {
				fmt.Fprintf(&b, "  %s (-ossec +native):\n%s", d.Field, indent(d.Text))
			}
			t.Error(b.String())
		}
	}
	if unreported > 0 {
		t.Errorf("... and %d more differing events", unreported)
	}
	for _, msg := range exceptions.Unused() {
		t.Error(msg)
	}

	var b strings.Builder
	table.Write(&b)
	t.Logf("agreement with real OSSEC 4.3.0 (%d records of %s):\n%s", len(recs), what, b.String())
	if p := os.Getenv(TableEnv); p != "" && exceptionsFile == "exceptions.txt" {
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n") + "\n"
}
