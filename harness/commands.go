package harness

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// notDecoded stands for a field the event does not have, in diffs.
const notDecoded = "<not decoded>"

// cmdLogtest feeds log lines, as ossec-logtest reads them from stdin:
//
//	logtest [-fresh] LINE...
//	logtest [-fresh] <FILE
//
// All lines go to the case's session (correlation state is kept); with
// -fresh every line gets a new session, as if each ran in its own
// ossec-logtest process. It prints a Summary line per event.
func cmdLogtest(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: logtest [-fresh] LINE... | logtest [-fresh] <FILE"
	if neg {
		ts.Fatalf("unsupported: ! logtest (assert on the event with decoded, rule, noalert, ...)")
	}
	fresh := false
	if len(args) > 0 && args[0] == "-fresh" {
		fresh = true
		args = args[1:]
	}
	if len(args) == 0 {
		ts.Fatalf("%s", usage)
	}
	type input struct{ text, what string }
	var inputs []input
	for _, a := range args {
		name, isFile := strings.CutPrefix(a, "<")
		if !isFile || name == "" || strings.ContainsAny(name, " \t") {
			inputs = append(inputs, input{a, strconv.Quote(a)})
			continue
		}
		data, err := os.ReadFile(ts.MkAbs(name))
		if err != nil {
			ts.Fatalf("logtest: %v (an argument <FILE feeds a file; a log line starting with '<' must contain a space)", err)
		}
		if len(data) == 0 {
			ts.Fatalf("logtest: %s is empty", name)
		}
		text := strings.TrimSuffix(string(data), "\n")
		for i, line := range strings.Split(text, "\n") {
			inputs = append(inputs, input{line, fmt.Sprintf("%s:%d: %q", name, i+1, line)})
		}
	}
	st := state(ts)
	out := ts.Stdout()
	for _, in := range inputs {
		m := engine.Message{Queue: engine.QueueLocalFile, Location: "stdin", Text: in.text}
		res := st.feed(ts, m, in.what, fresh)
		fmt.Fprintln(out, Summary(res))
	}
}

// cmdClock sets the case's clock, the time the manager reads the events
// that follow:
//
//	clock TIME     stop the clock at TIME (RFC 3339: 2026-11-26T10:00:00Z;
//	               its zone is the manager's local time for <time>/<weekday>)
//	clock +DUR     advance it by DUR (121s, 5m, 36h); from the wall clock's
//	               reading when no clock was set
//	clock log      from now on, each line's syslog timestamp (in the year
//	               and zone of the clock), as a replayed corpus
//
// Until the first clock command a case runs on the wall clock, as a live
// manager. The clock is the case's: -fresh sessions share it. On an engine
// whose time cannot be set (a real ossec-logtest, a container) the case is
// skipped with the reason.
func cmdClock(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: clock TIME | clock +DURATION | clock log"
	if neg {
		ts.Fatalf("unsupported: ! clock")
	}
	if len(args) != 1 {
		ts.Fatalf("%s", usage)
	}
	st := state(ts)
	var set func()
	switch a := args[0]; {
	case a == "log":
		set = st.clock.FollowLog
	case strings.HasPrefix(a, "+"):
		d, err := time.ParseDuration(a[1:])
		if err != nil || d < 0 {
			ts.Fatalf("clock: %q is not +DURATION (such as +121s, +5m, +36h)\n%s", a, usage)
		}
		set = func() { st.clock.Advance(d) }
	default:
		t, err := time.Parse(time.RFC3339, a)
		if err != nil {
			ts.Fatalf("clock: %q is not an RFC 3339 time (such as 2026-11-26T10:00:00Z)\n%s", a, usage)
		}
		set = func() { st.clock.Set(t) }
	}
	if _, ok := st.cfg.Backend.(WallClock); ok {
		st.t.Skip(noClock(st.cfg.Backend.Name())) // before a session that can cost seconds
	}
	if _, ok := st.session(ts).(Clocked); !ok {
		st.t.Skip(noClock(st.cfg.Backend.Name()))
	}
	set()
}

// cmdExplain prints why a rule did not fire on the last event, walking
// from the rule towards the root: its first failing condition, or the
// parent that did not match and why (for assertions with stdout):
//
//	explain RULE
//
// Native engine only: elsewhere the case is skipped, saying why.
func cmdExplain(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: explain RULE"
	if neg {
		ts.Fatalf("unsupported: ! explain (assert on its output with stdout)")
	}
	if len(args) != 1 {
		ts.Fatalf("%s", usage)
	}
	id, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("explain: %q is not a rule id\n%s", args[0], usage)
	}
	st := state(ts)
	ev := st.lastEvent(ts, "explain")
	x, ok := ev.sess.(Explaining)
	if ev.sess == nil {
		ts.Fatalf("explain: the last event went to a -fresh session, which is gone")
	}
	if !ok {
		st.t.Skip("engine " + st.cfg.Backend.Name() + " cannot say why a rule did not fire: explain needs --engine native")
	}
	text, ok := x.Explain(id)
	if !ok {
		ts.Fatalf("explain: the session did not trace its events")
	}
	fmt.Fprint(ts.Stdout(), text)
}

// cmdProduced makes the next event the engine analysed on its own, after
// the ones the case fed, the event the assertions apply to: on a live
// manager, the verdict line an active response wrote and the manager's
// log collection read back; on the native engine, the line the response's
// program (from Config.ARBin), run as ossec-execd runs it, appended to a
// log of the case's OSSEC directory (see ResponseDir), analysed in turn.
//
//	produced [-wait DURATION]   (default 30s: how long a live manager, or
//	                            each program the native engine runs, may take)
//
// On an engine that analyses only what it is fed the case is skipped with
// the reason.
func cmdProduced(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: produced [-wait DURATION]"
	if neg {
		ts.Fatalf("unsupported: ! produced")
	}
	wait := 30 * time.Second
	switch {
	case len(args) == 0:
	case len(args) == 2 && args[0] == "-wait":
		d, err := time.ParseDuration(args[1])
		if err != nil || d <= 0 {
			ts.Fatalf("produced: -wait %q is not a duration (such as 10s)\n%s", args[1], usage)
		}
		wait = d
	default:
		ts.Fatalf("%s", usage)
	}
	st := state(ts)
	sess := st.session(ts)
	if _, ok := sess.(ResponsesOnly); ok {
		m, err := st.responder().next(st.cfg.ctx(), wait)
		if err != nil {
			ts.Fatalf("produced: %s", st.tidy(err.Error()))
		}
		what := "the event an active response produced: " + strconv.Quote(m.Text) + " from " + st.tidy(m.Location)
		res := st.feed(ts, m, what, false)
		fmt.Fprintln(ts.Stdout(), Summary(LastEvent(res)))
		return
	}
	p, ok := sess.(Producer)
	if !ok {
		st.t.Skip((&UnsupportedError{Engine: st.cfg.Backend.Name(),
			What: "produce events of its own (an active response's verdict read back): it analyses only what the case feeds; --engine native runs the responses from --ar-bin, --engine docker-live runs the manager's daemons"}).Error())
	}
	res, err := p.Produced(st.cfg.ctx(), wait)
	if err != nil {
		ts.Fatalf("engine %s: produced: %v", st.cfg.Backend.Name(), err)
	}
	st.last = &event{what: "the event the manager produced: " + strconv.Quote(res.Log), res: res, sess: st.sess}
	st.analysed = st.last
	fmt.Fprintln(ts.Stdout(), Summary(res))
}

// cmdDecoded asserts on the decoder of the last event and its fields:
//
//	decoded NAME [FIELD=VALUE | !FIELD ...]
//	! decoded NAME     the decoder is not NAME
//	! decoded          no decoder matched
func cmdDecoded(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: decoded NAME [FIELD=VALUE | !FIELD ...]; ! decoded [NAME]"
	ev := state(ts).lastEvent(ts, "decoded")
	r := ev.res
	if neg {
		switch len(args) {
		case 0:
			if r.Decoder != "" {
				ts.Fatalf("want no decoder, got decoder %q\n%s", r.Decoder, ev.context())
			}
		case 1:
			if r.Decoder == args[0] || r.DecoderOwnName == args[0] {
				ts.Fatalf("want a decoder other than %q, got it\n%s", args[0], ev.context())
			}
		default:
			ts.Fatalf("%s (a negated decoded takes no fields)", usage)
		}
		return
	}
	if len(args) == 0 {
		ts.Fatalf("%s", usage)
	}
	want := map[string]string{"decoder": args[0]}
	got := map[string]string{"decoder": r.Decoder}
	switch {
	case r.Decoder == "":
		got["decoder"] = "<none>"
	case args[0] == r.DecoderOwnName:
		// The child decoder that matched, by its own name.
		got["decoder"] = r.DecoderOwnName
	case r.DecoderOwnName != "" && r.DecoderOwnName != r.Decoder:
		got["decoder"] = r.Decoder + " (child decoder " + r.DecoderOwnName + ")"
		if args[0] == r.Decoder {
			got["decoder"] = r.Decoder
		}
	}
	for _, a := range args[1:] {
		name, value, ok := strings.Cut(a, "=")
		if name, absent := strings.CutPrefix(a, "!"); absent && !ok {
			if name == "" {
				ts.Fatalf("%s", usage)
			}
			want["field "+name] = notDecoded
			got["field "+name] = fieldOf(r, name)
			continue
		}
		if !ok || name == "" {
			ts.Fatalf("decoded: %q is not FIELD=VALUE or !FIELD\n%s", a, usage)
		}
		want["field "+name] = value
		got["field "+name] = fieldOf(r, name)
	}
	// A field written as in <order> (user) is asserted under the name
	// OSSEC prints (dstuser): when the two differ, say both.
	for k, v := range got {
		name, ok := strings.CutPrefix(k, "field ")
		if !ok || v != notDecoded {
			continue
		}
		if printed := orderLabel(name); printed != name {
			if pv := fieldOf(r, printed); pv != notDecoded {
				got[k] = pv
			}
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		ts.Fatalf("decoded: mismatch (-want +got):\n%s%s", d, ev.context())
	}
}

// orderLabel is the name OSSEC prints for the field an <order> entry
// called name sets ("dstuser" for "user").
func orderLabel(name string) string {
	return engine.FieldLabel(ruleset.FieldSetter{Kind: ruleset.OrderFieldKind(name), Name: name})
}

func fieldOf(r engine.Result, name string) string {
	if v, ok := r.Field(name); ok {
		return v
	}
	return notDecoded
}

// cmdRule asserts on the rule the last event matched:
//
//	rule ID [level=N] [mail | !mail] [group=G ...] [description=TEXT]
//	! rule ID     the event did not end on rule ID
//	! rule        no rule matched
func cmdRule(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: rule ID [level=N] [mail|!mail] [group=G ...] [description=TEXT]; ! rule [ID]"
	ev := state(ts).lastEvent(ts, "rule")
	r := ev.res
	gotID := "<none>"
	if r.Rule != nil {
		gotID = strconv.Itoa(r.Rule.ID)
	}
	if neg {
		switch len(args) {
		case 0:
			if r.Rule != nil {
				ts.Fatalf("want no rule, got rule %s\n%s", gotID, ev.context())
			}
		case 1:
			if _, err := strconv.Atoi(args[0]); err != nil {
				ts.Fatalf("rule: %q is not a rule id\n%s", args[0], usage)
			}
			if gotID == args[0] {
				ts.Fatalf("want a rule other than %s, got it\n%s", args[0], ev.context())
			}
		default:
			ts.Fatalf("%s (a negated rule takes no options)", usage)
		}
		return
	}
	if len(args) == 0 {
		ts.Fatalf("%s", usage)
	}
	if _, err := strconv.Atoi(args[0]); err != nil {
		ts.Fatalf("rule: %q is not a rule id\n%s", args[0], usage)
	}
	want := map[string]string{"rule": args[0]}
	got := map[string]string{"rule": gotID}
	for _, a := range args[1:] {
		switch {
		case a == "mail" || a == "!mail":
			want["mail"] = strconv.FormatBool(a == "mail")
			got["mail"] = strconv.FormatBool(r.Mail)
		case strings.HasPrefix(a, "level="):
			v := strings.TrimPrefix(a, "level=")
			if _, err := strconv.Atoi(v); err != nil {
				ts.Fatalf("rule: level %q is not a number\n%s", v, usage)
			}
			want["level"] = v
			got["level"] = "<none>"
			if r.Rule != nil {
				got["level"] = strconv.Itoa(r.Rule.Level)
			}
		case strings.HasPrefix(a, "group="):
			g := strings.TrimPrefix(a, "group=")
			if g == "" {
				ts.Fatalf("rule: empty group\n%s", usage)
			}
			want["group "+g] = "member"
			got["group "+g] = "not a member"
			if r.Rule != nil && hasGroup(r.Rule.Groups, g) {
				got["group "+g] = "member"
			}
		case strings.HasPrefix(a, "description="):
			want["description"] = strings.TrimPrefix(a, "description=")
			got["description"] = "<none>"
			if r.Rule != nil {
				got["description"] = r.Rule.Description
			}
		default:
			ts.Fatalf("rule: unknown option %q\n%s", a, usage)
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		ts.Fatalf("rule: mismatch (-want +got):\n%s%s", d, ev.context())
	}
}

func hasGroup(groups []string, g string) bool {
	for _, x := range groups {
		if strings.TrimSpace(x) == g {
			return true
		}
	}
	return false
}

// cmdAlert asserts that the last event generated an alert.
func cmdAlert(ts *testscript.TestScript, neg bool, args []string) {
	alertCmd(ts, neg, args, "alert", true)
}

// cmdNoalert asserts that the last event generated no alert.
func cmdNoalert(ts *testscript.TestScript, neg bool, args []string) {
	alertCmd(ts, neg, args, "noalert", false)
}

func alertCmd(ts *testscript.TestScript, neg bool, args []string, name string, want bool) {
	if neg {
		other := "noalert"
		if !want {
			other = "alert"
		}
		ts.Fatalf("unsupported: ! %s (write %s)", name, other)
	}
	if len(args) != 0 {
		ts.Fatalf("usage: %s", name)
	}
	ev := state(ts).lastEvent(ts, name)
	if ev.res.Alert != want {
		d := cmp.Diff(map[string]bool{"alert": want}, map[string]bool{"alert": ev.res.Alert})
		ts.Fatalf("%s: mismatch (-want +got):\n%s%s", name, d, ev.context())
	}
}

// cmdAR asserts on the active responses the last event triggered:
//
//	ar COMMAND [ARG=VALUE ...] [location=L]
//	! ar COMMAND     COMMAND did not fire
//	! ar             no active response fired
func cmdAR(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: ar COMMAND [ARG=VALUE ...] [location=LOCATION]; ! ar [COMMAND]"
	ev := state(ts).lastEvent(ts, "ar")
	ars := ev.res.ActiveResponses
	if neg {
		switch len(args) {
		case 0:
			if len(ars) != 0 {
				ts.Fatalf("want no active response, got %s\n%s", formatARs(ars), ev.context())
			}
		case 1:
			for _, ar := range ars {
				if ar.Command == args[0] {
					ts.Fatalf("want no active response %s, got %s\n%s", args[0], FormatAR(ar), ev.context())
				}
			}
		default:
			ts.Fatalf("%s (a negated ar takes no arguments)", usage)
		}
		return
	}
	if len(args) == 0 {
		ts.Fatalf("%s", usage)
	}
	want := engine.ActiveResponse{Command: args[0], Args: map[string]string{}}
	wantLocation := false
	for _, a := range args[1:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			ts.Fatalf("ar: %q is not ARG=VALUE\n%s", a, usage)
		}
		if k == "location" {
			want.Location = v
			wantLocation = true
			continue
		}
		want.Args[k] = v
	}
	var best *engine.ActiveResponse
	for i := range ars {
		ar := &ars[i]
		if ar.Command != want.Command {
			continue
		}
		got := engine.ActiveResponse{Command: ar.Command, Args: map[string]string{}}
		for k := range want.Args {
			v, ok := ar.Args[k]
			if !ok {
				v = "<absent>"
			}
			got.Args[k] = v
		}
		if wantLocation {
			got.Location = ar.Location
		}
		if cmp.Diff(want, got) == "" {
			return
		}
		if best == nil {
			best = &got
		}
	}
	if best == nil {
		ts.Fatalf("ar: want active response %s, got %s\n%s", want.Command, formatARs(ars), ev.context())
	}
	ts.Fatalf("ar: mismatch (-want +got):\n%s%s", cmp.Diff(want, *best), ev.context())
}

func formatARs(ars []engine.ActiveResponse) string {
	if len(ars) == 0 {
		return "none"
	}
	s := make([]string, len(ars))
	for i, ar := range ars {
		s[i] = FormatAR(ar)
	}
	return strings.Join(s, " ")
}

// cmdUT is ossec-logtest's unit test (-U RULE:ALERT:DECODER) on the last
// event: it passes when the decoder name (any case), the rule id and the
// rule level, compared as text, are the ones given. `! ut` passes when that
// unit test fails, as OSSEC's ini tests say with "log N fail".
func cmdUT(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: ut RULE:ALERT:DECODER"
	if len(args) != 1 {
		ts.Fatalf("%s", usage)
	}
	rule, alert, decoder, ok := splitCheck(args[0])
	if !ok {
		ts.Fatalf("ut: %q is not RULE:ALERT:DECODER", args[0])
	}
	st := state(ts)
	st.lastEvent(ts, "ut")
	ev := st.analysed
	code, why := 0, ""
	if ev == nil {
		// ossec-logtest skips lines shorter than two bytes without
		// touching its exit code, which starts at 0.
		ev = st.last
	} else {
		code, why = UnitTest(ev.res, rule, alert, decoder)
	}
	if neg && code == 0 {
		ts.Fatalf("ut %s: want the unit test to fail, it passed\n%s", args[0], ev.context())
	}
	if !neg && code != 0 {
		ts.Fatalf("ut %s: %s (ossec-logtest would exit %d)\n%s", args[0], why, code, ev.context())
	}
}

// UnitTest applies ossec-logtest's -U RULE:ALERT:DECODER check to r and
// returns the exit code ossec-logtest gives after that event (0 passed; 3,
// 2, 1 when the decoder, rule id or level differ, in that order; 255 when
// the decoder matched but no rule did) and why it failed.
func UnitTest(r engine.Result, rule, alert, decoder string) (int, string) {
	if r.Decoder == "" {
		return 3, "no decoder matched, want decoder " + strconv.Quote(decoder)
	}
	if !strings.EqualFold(r.Decoder, decoder) {
		return 3, fmt.Sprintf("decoder %q, want %q", r.Decoder, decoder)
	}
	if r.Rule == nil {
		return 255, fmt.Sprintf("no rule matched for decoder %q", r.Decoder)
	}
	if id := strconv.Itoa(r.Rule.ID); !strings.EqualFold(rule, id) {
		return 2, fmt.Sprintf("rule %s, want %s", id, rule)
	}
	if lvl := strconv.Itoa(r.Rule.Level); !strings.EqualFold(alert, lvl) {
		return 1, fmt.Sprintf("rule %d level %s, want level %s", r.Rule.ID, lvl, alert)
	}
	return 0, ""
}

// context describes the event for a failure message.
func (ev *event) context() string {
	var b strings.Builder
	fmt.Fprintf(&b, "event: %s\n", ev.what)
	fmt.Fprintf(&b, "result: %s\n", SummaryAR(ev.res))
	r := ev.res
	if len(r.Fields) > 0 {
		parts := make([]string, len(r.Fields))
		for i, f := range r.Fields {
			parts[i] = f.Name + "=" + strconv.Quote(f.Value)
		}
		fmt.Fprintf(&b, "fields: %s\n", strings.Join(parts, " "))
	}
	if r.Rule != nil {
		fmt.Fprintf(&b, "rule: %d level %d %q groups %s\n", r.Rule.ID, r.Rule.Level, r.Rule.Description, strings.Join(r.Rule.Groups, ","))
	}
	for _, p := range r.JITStackLimit {
		fmt.Fprintf(&b, "note: %s\n", logtestfmt.JITStackNote(p))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}
