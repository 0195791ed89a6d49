package harness

import (
	"sort"
	"strconv"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// Summary is the one-line account of an event that the logtest and
// syscheck commands print, in the words of the assertions:
//
//	decoder=ossec-ar-verify rule=107002 level=12 alert mail
//	decoder=syscheck_integrity_changed rule=106002 level=1 alert !mail
//	decoder=none rule=none noalert
//
// It holds only what every engine sees, so that golden output is the same
// on all of them: active responses are left out (an ossec-logtest never
// runs them; the ar command asserts them where the engine knows them, and
// SummaryAR adds them for failure messages).
// A line ossec-logtest ignores (shorter than two bytes) is "skipped", a
// message analysisd drops before decoding "noevent: REASON"; a
// line too long for ossec-logtest, analysed as several events, gets one
// more line "+ ..." per further event.
func Summary(r engine.Result) string {
	return summary(r, false)
}

// SummaryAR is Summary followed by the active responses of each event, as
// " ar=COMMAND(ARG=VALUE,...)".
func SummaryAR(r engine.Result) string {
	return summary(r, true)
}

func summary(r engine.Result, withAR bool) string {
	if r.Skipped {
		return "skipped"
	}
	if r.Error != "" {
		return "noevent: " + r.Error
	}
	var b strings.Builder
	b.WriteString("decoder=")
	if r.Decoder == "" {
		b.WriteString("none")
	} else {
		b.WriteString(r.Decoder)
	}
	if r.Rule == nil {
		b.WriteString(" rule=none")
	} else {
		b.WriteString(" rule=")
		b.WriteString(strconv.Itoa(r.Rule.ID))
		b.WriteString(" level=")
		b.WriteString(strconv.Itoa(r.Rule.Level))
	}
	if r.Alert {
		b.WriteString(" alert")
		if r.Mail {
			b.WriteString(" mail")
		} else {
			b.WriteString(" !mail")
		}
	} else {
		b.WriteString(" noalert")
	}
	if withAR {
		for _, ar := range r.ActiveResponses {
			b.WriteString(" ar=")
			b.WriteString(FormatAR(ar))
		}
	}
	for _, x := range r.Extra {
		b.WriteString("\n+ ")
		b.WriteString(summary(x, withAR))
	}
	return b.String()
}

// FormatAR formats an active response as COMMAND(arg=value,...), arguments
// sorted by name, with the location when it is not "local".
func FormatAR(ar engine.ActiveResponse) string {
	var b strings.Builder
	b.WriteString(ar.Command)
	b.WriteByte('(')
	names := make([]string, 0, len(ar.Args))
	for k := range ar.Args {
		names = append(names, k)
	}
	sort.Strings(names)
	for i, k := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(ar.Args[k])
	}
	b.WriteByte(')')
	if ar.Location != "" && ar.Location != "local" {
		b.WriteString("@")
		b.WriteString(ar.Location)
		if ar.AgentID != "" {
			b.WriteString(":")
			b.WriteString(ar.AgentID)
		}
	}
	return b.String()
}
