package engine_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// TestPreDecodeHeaders checks the header formats OS_CleanMSG knows, with
// expectations worked out from its C code.
func TestPreDecodeHeaders(t *testing.T) {
	type want struct {
		host, prog, log string
		noProg          bool
		ts              string
	}
	tests := []struct {
		name, loc, text string
		want            want
	}{
		{"syslog pid", "stdin", "Dec 29 10:00:01 host sshd[1234]: msg x", want{"host", "sshd", "msg x", false, "Dec 29 10:00:01"}},
		{"syslog no pid", "stdin", "Dec 29 10:00:01 host su: msg", want{"host", "su", "msg", false, "Dec 29 10:00:01"}},
		{"single digit day", "stdin", "Dec  9 10:00:01 host su: msg", want{"host", "su", "msg", false, "Dec  9 10:00:01"}},
		{"solaris without hostname", "stdin", "Dec 29 10:00:01 sshd: msg", want{"melancia", "sshd", "msg", false, "Dec 29 10:00:01"}},
		{"solaris ID", "stdin", "Dec 29 10:00:01 host sshd[1]: [ID 800047 auth.info] Accepted", want{"host", "sshd", "Accepted", false, "Dec 29 10:00:01"}},
		{"pid without colon", "stdin", "Dec 29 10:00:01 host prog[12] msg", want{"host", "prog", "msg", false, "Dec 29 10:00:01"}},
		{"broken pid", "stdin", "Dec 29 10:00:01 host prog[12x msg", want{"host", "", "prog[12x msg", true, "Dec 29 10:00:01"}},
		{"no program", "stdin", "Dec 29 10:00:01 host just words", want{"host", "", "just words", true, "Dec 29 10:00:01"}},
		{"bad hostname", "stdin", "Dec 29 10:00:01 ho$t prog: x", want{"melancia", "", "ho$t prog: x", true, "Dec 29 10:00:01"}},
		{"aix", "stdin", "Dec 29 10:00:01 host auth|security:info sshd: msg", want{"host", "sshd", "msg", false, "Dec 29 10:00:01"}},
		{"aix broken pid", "stdin", "Dec 29 10:00:01 host auth|security:info sshd[12x msg", want{"host", "sshd", "auth|security:info sshd", false, "Dec 29 10:00:01"}},
		{"aix no terminator", "stdin", "Dec 29 10:00:01 host auth|security:info sshd msg", want{"host", "sshd msg", " msg", false, "Dec 29 10:00:01"}},
		{"umlaut month", "stdin", "M\xc3\xa4r 02 17:30:52 host prog: msg", want{"host", "prog", "msg", false, "M\xc3\xa4r 02 17:30:52"}},
		{"iso8601 fraction", "stdin", "2009-05-22T09:36:46.214994-07:00 host prog[1]: x", want{"host", "prog", "x", false, "2009-05-22T09:36:46.214994-07:00"}},
		{"iso8601", "stdin", "2007-06-14T15:48:55-04:00 host prog: x", want{"host", "prog", "x", false, "2007-06-14T15:48:55-04:00"}},
		{"proftpd", "stdin", "2015-04-16 21:51:02,805 host prog: x", want{"host", "prog", "x", false, "2015-04-16 21:51:02,805"}},
		{"year first", "stdin", "2015 Dec 29 10:00:01 host prog: x", want{"host", "prog", "x", false, "2015 Dec 29 10:00:01"}},
		{"xferlog", "stdin", "Mon Apr 17 18:27:14 2006 1 64.160.42.130 5 /x b _ o r u ftp 0 * c", want{"melancia", "", " 1 64.160.42.130 5 /x b _ o r u ftp 0 * c", true, "Mon Apr 17 18:27:14 2006"}},
		{"snort", "stdin", "01/28-09:13:16.240702  [**] [1:2003:8] x", want{"melancia", "", "[**] [1:2003:8] x", true, "01/28-09:13:16.240702"}},
		{"squid", "stdin", "1140804070.368  11623 1.2.3.4 TCP_MISS/200 1 GET http://x/ -", want{"melancia", "", "11623 1.2.3.4 TCP_MISS/200 1 GET http://x/ -", true, "1140804070.368"}},
		{"apache", "stdin", "[Fri Feb 11 18:06:35 2004] [warn] x", want{"melancia", "", "[warn] x", true, "[Fri Feb 11 18:06:35 2004]"}},
		{"asl", "stdin", "[Time 2006.12.28 15:53:55 UTC] [Facility auth] [Sender sshd] [PID 483] [Message error: x] [Level 3] [Host h1]",
			want{"h1", "sshd", "error: x", false, "[Time 2006.12.28 15:53:55 UTC]"}},
		{"agent location wins", "(agent) 1.2.3.4->/var/log/secure", "Dec 29 10:00:01 host sshd[1]: x", want{"(agent) 1.2.3.4->/var/log/secure", "sshd", "x", false, "Dec 29 10:00:01"}},
		{"control characters", "stdin", "a\tb\x01c\x7fd", want{"melancia", "", "abcd", true, ""}},
		{"nul ends the line", "stdin", "abc\x00Dec 29 10:00:01 host p: x", want{"melancia", "", "abc", true, ""}},
	}
	e := engine.New(&ruleset.Ruleset{}, engine.Options{Hostname: "melancia", Now: fixedClock})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.NewSession().ProcessMessage(engine.Message{Queue: engine.QueueLocalFile, Location: tt.loc, Text: tt.text})
			if r.Error != "" {
				t.Fatalf("error %s", r.Error)
			}
			got := want{r.Phase1.Hostname, r.Phase1.ProgramName, r.Phase1.Log, !r.Phase1.HasProgramName, r.Phase1.Timestamp}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMessageErrors(t *testing.T) {
	e := engine.New(&ruleset.Ruleset{}, engine.Options{Hostname: "melancia", Now: fixedClock})
	s := e.NewSession()
	for _, loc := range []string{"../etc", "/var/log/../../etc/x", "(agent) no arrow"} {
		if r := s.ProcessMessage(engine.Message{Queue: engine.QueueLocalFile, Location: loc, Text: "hello world"}); r.Error == "" {
			t.Errorf("location %q accepted", loc)
		}
	}
	r := s.ProcessMessage(engine.Message{Queue: engine.QueueLocalFile, Location: "a:b", Text: "hello"})
	if r.Error != "" || r.Phase1.Log != "b:hello" {
		t.Errorf("location with a colon: error %q log %q, want log \"b:hello\" (OSSEC splits at the first colon)", r.Error, r.Phase1.Log)
	}
	r = s.Process("first line\nsecond line")
	if r.Phase1.Log != "first line" || len(r.Extra) != 1 || r.Extra[0].Phase1.Log != "second line" {
		t.Errorf("embedded newline: %q + %d extra", r.Phase1.Log, len(r.Extra))
	}
}
