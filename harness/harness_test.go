package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// TestCommands runs the case commands on the fake engine: every
// assertion in testdata/script must hold.
func TestCommands(t *testing.T) {
	cfg := &Config{Backend: &fakeBackend{}}
	p := cfg.Params()
	p.Dir = "testdata/script"
	testscript.Run(t, p)
}

// TestFailures checks that wrong expectations fail, with a diff, the case
// file and line, and that misuse is a usage error.
func TestFailures(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   []string // substrings of the log
		status Status
	}{
		{"rule id", "logtest 'dec=a rule=2 level=3'\nrule 1\n",
			[]string{"case.txtar:2: rule: mismatch (-want +got)", `-`, `"rule": "1"`, `+`, `"rule": "2"`, `event: "dec=a rule=2 level=3"`}, Failed},
		{"rule level", "logtest 'dec=a rule=2 level=3'\nrule 2 level=4\n", []string{`"level": "4"`, `"level": "3"`}, Failed},
		{"mail", "logtest 'dec=a rule=2 level=3 alert'\nrule 2 mail\n", []string{`"mail": "true"`, `"mail": "false"`}, Failed},
		{"group", "logtest 'dec=a rule=2 group=x'\nrule 2 group=y\n", []string{`"group y": "member"`, `"group y": "not a member"`}, Failed},
		{"negated rule", "logtest 'dec=a rule=2'\n! rule 2\n", []string{"want a rule other than 2"}, Failed},
		{"no rule", "logtest 'dec=a rule=2'\n! rule\n", []string{"want no rule, got rule 2"}, Failed},
		{"field", "logtest 'dec=a field=srcip:1.1.1.1'\ndecoded a srcip=2.2.2.2 user=x\n",
			[]string{`"field srcip": "2.2.2.2"`, `"field srcip": "1.1.1.1"`, `"field user":  "<not decoded>"`}, Failed},
		{"absent field", "logtest 'dec=a field=srcip:1.1.1.1'\ndecoded a !srcip\n", []string{`"field srcip": "<not decoded>"`}, Failed},
		{"decoder", "logtest 'dec=a'\ndecoded b\n", []string{`"decoder": "b"`, `"decoder": "a"`}, Failed},
		{"alert", "logtest 'dec=a'\nalert\n", []string{"alert: mismatch"}, Failed},
		{"noalert", "logtest 'dec=a alert'\nnoalert\n", []string{"noalert: mismatch"}, Failed},
		{"ar missing", "logtest 'dec=a'\nar host-deny\n", []string{"want active response host-deny, got none"}, Failed},
		{"ar args", "logtest 'dec=a ar=host-deny:srcip=1'\nar host-deny srcip=2\n", []string{`"srcip": "2"`, `"srcip": "1"`}, Failed},
		{"ar negated", "logtest 'dec=a ar=host-deny:srcip=1'\n! ar host-deny\n", []string{"want no active response host-deny, got host-deny(srcip=1)"}, Failed},
		{"ut", "logtest 'dec=a rule=2 level=3'\nut 2:4:a\n", []string{"rule 2 level 3, want level 4 (ossec-logtest would exit 1)"}, Failed},
		{"ut no rule", "logtest 'dec=a'\nut 2:4:a\n", []string{"no rule matched for decoder \"a\" (ossec-logtest would exit 255)"}, Failed},
		{"ut negated", "logtest 'dec=a rule=2 level=3'\n! ut 2:3:A\n", []string{"want the unit test to fail, it passed"}, Failed},
		{"no event", "rule 1\n", []string{"rule: no event fed yet"}, Failed},
		{"usage rule", "logtest x1\nrule\n", []string{"usage: rule ID"}, Failed},
		{"usage rule option", "logtest x1\nrule 1 lvl=2\n", []string{`unknown option "lvl=2"`}, Failed},
		{"usage negated logtest", "! logtest x1\n", []string{"unsupported: ! logtest"}, Failed},
		{"usage negated alert", "logtest x1\n! alert\n", []string{"unsupported: ! alert (write noalert)"}, Failed},
		{"usage syscheck", "syscheck moved /etc/x\n", []string{`"moved" is not changed, added or deleted`}, Failed},
		{"usage syscheck attr", "syscheck changed /etc/x colour=red\n", []string{`unknown attribute "colour"`}, Failed},
		{"usage ut", "logtest x1\nut 1:2\n", []string{`"1:2" is not RULE:ALERT:DECODER`}, Failed},
		{"missing file", "logtest <nofile.log\n", []string{"nofile.log", "a log line starting with '<' must contain a space"}, Failed},
		{"empty file", "logtest <empty.log\n-- empty.log --\n", []string{"logtest: empty.log is empty"}, Failed},
		{"unknown condition", "[bogus] logtest x1\n", []string{`unknown condition "bogus"`}, Failed},
		{"base skip", "[!base] skip 'needs the stock ruleset'\nrule 1\n", []string{"needs the stock ruleset"}, Skipped},
		{"clock skip", "clock +121s\nlogtest 'dec=a rule=1'\nrule 2\n", []string{"engine fake reads events on its own wall clock", "needs --engine native"}, Skipped},
		{"usage clock", "clock\n", []string{"usage: clock TIME | clock +DURATION | clock log"}, Failed},
		{"usage clock time", "clock 2026-11-26\n", []string{`"2026-11-26" is not an RFC 3339 time`}, Failed},
		{"usage clock duration", "clock +2days\n", []string{`"+2days" is not +DURATION`}, Failed},
		{"usage negated clock", "! clock +1s\n", []string{"unsupported: ! clock"}, Failed},
		{"decoded child", "logtest 'dec=a own=a-child'\ndecoded b\n", []string{`"decoder": "b"`, `"decoder": "a (child decoder a-child)"`}, Failed},
		{"decoded child negated", "logtest 'dec=a own=a-child'\n! decoded a-child\n", []string{`want a decoder other than "a-child", got it`}, Failed},
		{"decoded order name", "logtest 'dec=a field=dstuser:bob'\ndecoded a user=alice\n", []string{`"field user": "alice"`, `"field user": "bob"`}, Failed},
		{"pass", "logtest 'dec=a rule=1'\nrule 1\n", nil, Passed},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"), "case.txtar")
			if err := os.MkdirAll(filepath.Dir(file), 0o777); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(tt.script), 0o666); err != nil {
				t.Fatal(err)
			}
			cfg := &Config{Backend: &fakeBackend{}}
			res := RunFiles(cfg, []string{file}, false)
			if len(res) != 1 {
				t.Fatalf("got %d results, want 1", len(res))
			}
			r := res[0]
			if r.Status != tt.status {
				t.Fatalf("status %s, want %s; log:\n%s", r.Status, tt.status, r.Log)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Log, w) {
					t.Errorf("log lacks %q; log:\n%s", w, r.Log)
				}
			}
		})
	}
}

// TestUnsupported: an event the engine cannot take skips the case.
func TestUnsupported(t *testing.T) {
	b := &fakeBackend{}
	s, _ := b.Open(t.Context(), LayerSources(""))
	_, err := s.Process(t.Context(), engine.Message{Queue: 'U'})
	if _, ok := err.(*UnsupportedError); !ok {
		t.Fatalf("fake backend: got %v, want an UnsupportedError", err)
	}
}

// TestSyscheckMessages checks the messages the syscheck command feeds
// against the format analysisd's syscheck decoder reads: "CHECKSUM PATH",
// CHECKSUM being size:mode:uid:gid:md5:sha1:sha256 (or -1 for a deleted
// file), the change text after a newline.
func TestSyscheckMessages(t *testing.T) {
	b := &fakeBackend{}
	dir := t.TempDir()
	file := filepath.Join(dir, "c.txtar")
	script := "syscheck changed '/etc/my file' diff=x\nsyscheck deleted /etc/gone\nsyscheck added /etc/new\nsyscheck changed '/etc/my file'\n"
	if err := os.WriteFile(file, []byte(script), 0o666); err != nil {
		t.Fatal(err)
	}
	res := RunFiles(&Config{Backend: b}, []string{file}, false)
	if res[0].Status != Passed {
		t.Fatalf("case %s:\n%s", res[0].Status, res[0].Log)
	}
	if len(b.msgs) != 6 {
		t.Fatalf("fed %d messages, want 6 (changed: 2, deleted: 2, added: 1, changed again: 1)", len(b.msgs))
	}
	type parsed struct {
		Queue, Location, Path, Diff string
		Sum                         []string
	}
	parse := func(m engine.Message) parsed {
		sum, rest, _ := strings.Cut(m.Text, " ")
		path, diff, _ := strings.Cut(rest, "\n")
		return parsed{string(m.Queue), m.Location, path, diff, strings.Split(sum, ":")}
	}
	before, after := parse(b.msgs[0]), parse(b.msgs[1])
	for _, p := range []parsed{before, after} {
		if p.Queue != "8" || p.Location != "(agent) any->syscheck" || p.Path != "/etc/my file" || len(p.Sum) != 7 {
			t.Errorf("changed: bad message %+v", p)
		}
	}
	if after.Diff != "x" || before.Diff != "" {
		t.Errorf("changed: diff before %q after %q, want \"\" and \"x\"", before.Diff, after.Diff)
	}
	if d := cmp.Diff(before.Sum[1:4], after.Sum[1:4]); d != "" {
		t.Errorf("changed: mode/uid/gid changed:\n%s", d)
	}
	if before.Sum[1] != "33188" { // 0100644
		t.Errorf("mode %s, want 33188 (a 0644 regular file)", before.Sum[1])
	}
	for _, i := range []int{0, 4, 5, 6} { // size and hashes
		if before.Sum[i] == after.Sum[i] {
			t.Errorf("changed: checksum field %d did not change: %s", i, before.Sum[i])
		}
	}
	if got := b.msgs[3].Text; got != "-1 /etc/gone" {
		t.Errorf("deleted: %q, want \"-1 /etc/gone\"", got)
	}
	if p := parse(b.msgs[2]); p.Path != "/etc/gone" || len(p.Sum) != 7 {
		t.Errorf("deleted: earlier state %q", b.msgs[2].Text)
	}
	if p := parse(b.msgs[4]); p.Path != "/etc/new" || len(p.Sum) != 7 {
		t.Errorf("added: %q", b.msgs[4].Text)
	}
	// The second change of a file starts from the state the first left.
	again := parse(b.msgs[5])
	if again.Path != "/etc/my file" || len(again.Sum) != 7 || again.Sum[4] == after.Sum[4] || again.Sum[4] == before.Sum[4] {
		t.Errorf("changed again: %q after %q", b.msgs[5].Text, b.msgs[1].Text)
	}
}

func TestSummary(t *testing.T) {
	r := engine.Result{
		Decoder: "syscheck_integrity_changed",
		Rule:    &engine.RuleMatch{ID: 106002, Level: 1},
		Alert:   true,
		ActiveResponses: []engine.ActiveResponse{
			{Command: "ossec-ar-verify-file", Location: "local", Args: map[string]string{"filename": "/etc/hosts"}},
			{Command: "x", Location: "defined-agent", AgentID: "001", Args: map[string]string{"srcip": "1.2.3.4", "user": "u"}},
		},
	}
	// The summary is what every engine sees: no active responses (the
	// docker engine's ossec-logtest never runs them), so golden output
	// written on one engine holds on the others.
	want := "decoder=syscheck_integrity_changed rule=106002 level=1 alert !mail"
	if got := Summary(r); got != want {
		t.Errorf("Summary:\n got %s\nwant %s", got, want)
	}
	noAR := r
	noAR.ActiveResponses = nil
	if Summary(noAR) != Summary(r) {
		t.Errorf("Summary differs with and without active responses: %q, %q", Summary(noAR), Summary(r))
	}
	wantAR := want + " ar=ossec-ar-verify-file(filename=/etc/hosts) ar=x(srcip=1.2.3.4,user=u)@defined-agent:001"
	if got := SummaryAR(r); got != wantAR {
		t.Errorf("SummaryAR:\n got %s\nwant %s", got, wantAR)
	}
	if got := Summary(engine.Result{Skipped: true}); got != "skipped" {
		t.Errorf("Summary of a skipped line: %q", got)
	}
}

// TestWallClockEngineSkipsBeforeOpening: a case that sets the clock on an
// engine that reads the wall clock only is skipped without a session (a
// live manager's costs seconds).
func TestWallClockEngineSkipsBeforeOpening(t *testing.T) {
	for _, script := range []string{
		"clock +121s\nlogtest 'dec=a rule=1'\nrule 1\n",
		"logtest 'dec=a rule=1'\nclock 2026-11-26T10:00:00Z\nrule 1\n",
	} {
		file := filepath.Join(t.TempDir(), "case.txtar")
		if err := os.WriteFile(file, []byte(script), 0o666); err != nil {
			t.Fatal(err)
		}
		b := &wallClockBackend{}
		res := RunFiles(&Config{Backend: b}, []string{file}, false)
		if len(res) != 1 || res[0].Status != Skipped || !strings.Contains(res[0].Log, "reads events on its own wall clock") {
			t.Fatalf("%q: %+v", script, res)
		}
		want := 0
		if strings.HasPrefix(script, "logtest") {
			want = 1 // the line before the clock command ran
		}
		if b.opened != want {
			t.Errorf("%q: %d sessions opened, want %d", script, b.opened, want)
		}
	}
}
