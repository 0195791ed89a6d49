package docker

import (
	"io"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
)

// Archived is one line of OSSEC 4.3.0's archives.json (analysisd with
// <logall_json>yes</logall_json>, format/to_json.c Archiveinfo_to_jsonstr):
// every event analysisd analysed, after its rules, alert or not, with its
// decoder and decoded fields. An event whose rule has level 0 has no rule.
type Archived struct {
	FullLog     string `json:"full_log"`
	Log         string `json:"log"`
	Hostname    string `json:"agent_name"` // the hostname, as json_extended.c names it
	ProgramName string `json:"program_name"`
	// Logfile is the event's location, without the agent part of
	// "(agent) ip->location".
	Logfile  string `json:"logfile"`
	Filename string `json:"filename"`
	// MD5After is an integrity event's new md5 sum.
	MD5After string `json:"md5_after"`
	Decoder  *struct {
		Name   string `json:"name"`
		Parent string `json:"parent"`
	} `json:"decoder"`
	Rule *struct {
		Level   int    `json:"level"`
		Comment string `json:"comment"`
		SIDID   int    `json:"sidid"`
		Group   string `json:"group"`
	} `json:"rule"`
	// Fields holds the static fields (srcip, action, data, ...) and the
	// decoder's dynamic ones, by the names archives.json gives them.
	Fields map[string]string `json:"-"`
}

// archiveKnown are the members of an archives.json line that are not
// decoded fields.
var archiveKnown = map[string]bool{"full_log": true, "log": true, "hostname": true, "program_name": true,
	"logfile": true, "filename": true, "decoder": true, "rule": true, "timestamp": true, "agentip": true,
	"agent_name": true, "md5_before": true, "md5_after": true, "sha1_before": true, "sha1_after": true,
	"sha256_before": true, "sha256_after": true, "owner_before": true, "owner_after": true,
	"gowner_before": true, "gowner_after": true, "perm_before": true, "perm_after": true,
	"PCI_DSS": true, "CIS": true}

// ParseArchivesJSON reads archives.json: one JSON object per line. A line
// that is not one is an error naming name and the line number; a last
// line without its newline (being written) is left out.
func ParseArchivesJSON(name string, r io.Reader) ([]Archived, error) {
	return jsonLines(name, r, archiveKnown, func(a *Archived, extra map[string]string) error {
		a.Fields = extra
		return nil
	})
}

// Result is the engine.Result of the archived event: decoder, fields
// under the names ossec-logtest prints, rule. Alert, mail and the
// groups as alerts.log prints them come from the event's alert, when it
// has one (nil: none).
func (a *Archived) Result(text string, alert *logtestfmt.Alert) engine.Result {
	r := engine.Result{Log: text}
	r.Phase1.Hostname = a.Hostname
	r.Phase1.ProgramName = a.ProgramName
	r.Phase1.HasProgramName = a.ProgramName != ""
	if a.Decoder != nil {
		r.Decoder = a.Decoder.Name
	}
	for _, k := range sortedKeys(a.Fields) {
		name := k
		if n, ok := jsonFieldNames[k]; ok {
			name = n
		}
		r.Fields = append(r.Fields, engine.Field{Name: name, Value: a.Fields[k]})
	}
	if a.Rule != nil && a.Rule.SIDID != 0 {
		r.Rule = &engine.RuleMatch{ID: a.Rule.SIDID, Level: a.Rule.Level, Description: a.Rule.Comment}
		if a.Rule.Group != "" {
			r.Rule.Groups = logtestfmt.SplitGroups(a.Rule.Group)
		}
	}
	if alert != nil && r.Rule != nil {
		r.Alert = true
		r.Mail = alert.Mail
		r.Rule.Groups = alert.Groups // as printed, blanks kept
	}
	return r
}

// text is what the event was made from: the full log.
func (a *Archived) text() string {
	if a.FullLog != "" {
		return a.FullLog
	}
	return a.Log
}

// sameEvent reports whether the alert is the archived event's.
func (a *Archived) sameEvent(l *logtestfmt.Alert) bool {
	if a.Rule == nil || l.Rule != a.Rule.SIDID {
		return false
	}
	full := a.text()
	return l.FullLog == full || strings.HasPrefix(full, l.FullLog) || (a.Filename != "" && strings.Contains(l.FullLog, a.Filename))
}
