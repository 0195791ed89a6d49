package docker

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
)

// JSONAlert is one line of OSSEC 4.3.0's alerts.json (analysisd with
// <jsonout_output>yes</jsonout_output>, format/to_json.c).
type JSONAlert struct {
	ID        string  `json:"id"`        // "TIME.OFFSET", as in alerts.log
	TimeStamp float64 `json:"TimeStamp"` // milliseconds since the epoch
	Rule      struct {
		Level      int      `json:"level"`
		Comment    string   `json:"comment"`
		SIDID      int      `json:"sidid"`
		CVE        string   `json:"cve"`
		Info       string   `json:"info"`
		Frequency  int      `json:"frequency"`
		FiredTimes int      `json:"firedtimes"`
		Group      string   `json:"group"`  // as in rules, "syslog,sshd,"
		Groups     []string `json:"groups"` // split
	} `json:"rule"`
	Decoder        string        `json:"decoder"`
	DecoderParent  string        `json:"decoder_parent"`
	Location       string        `json:"location"`
	FullLog        string        `json:"full_log"`
	PreviousOutput string        `json:"previous_output"`
	Hostname       string        `json:"hostname"`
	ProgramName    string        `json:"program_name"`
	SyscheckFile   *SyscheckFile `json:"SyscheckFile"`
	// Added by json_extended.c: the agent's name and address, the time
	// as alerts.log prints it, the log's location.
	AgentName string `json:"agent_name"`
	AgentIP   string `json:"agentip"`
	Timestamp string `json:"timestamp"`
	Logfile   string `json:"logfile"`
	// Fields holds every string member at the top level that is not one
	// of the above: the static fields (srcip, dstuser, action, ...) and
	// the decoder's dynamic ones.
	Fields map[string]string `json:"-"`
}

// SyscheckFile is the file-integrity part of a JSON alert.
type SyscheckFile struct {
	Path         string `json:"path"`
	MD5Before    string `json:"md5_before"`
	MD5After     string `json:"md5_after"`
	SHA1Before   string `json:"sha1_before"`
	SHA1After    string `json:"sha1_after"`
	SHA256Before string `json:"sha256_before"`
	SHA256After  string `json:"sha256_after"`
	OwnerBefore  string `json:"owner_before"`
	OwnerAfter   string `json:"owner_after"`
	GOwnerBefore string `json:"gowner_before"`
	GOwnerAfter  string `json:"gowner_after"`
	PermBefore   int    `json:"perm_before"`
	PermAfter    int    `json:"perm_after"`
}

var jsonKnown = map[string]bool{"id": true, "TimeStamp": true, "rule": true, "decoder": true, "decoder_parent": true,
	"location": true, "full_log": true, "previous_output": true, "hostname": true, "program_name": true,
	"SyscheckFile": true, "decoder_desc": true, "agent_name": true, "agentip": true, "timestamp": true,
	"logfile": true, "PCI_DSS": true, "CIS": true}

// ParseAlertsJSON reads alerts.json: one JSON object per line. A line that
// is not a JSON object is an error naming name and the line number. A last
// line without its newline (being written) is left out.
func ParseAlertsJSON(name string, r io.Reader) ([]JSONAlert, error) {
	return jsonLines(name, r, jsonKnown, func(a *JSONAlert, extra map[string]string) error {
		if a.ID == "" || a.Rule.SIDID == 0 {
			return errors.New("not an alert (no id or rule.sidid)")
		}
		a.Fields = extra
		return nil
	})
}

// jsonLines reads one JSON object per line of r (alerts.json,
// archives.json) into a T each, and gives keep the object's top-level
// string members that known does not name (nil when there are none). A
// line that is not a JSON object, or that keep refuses, is an error naming
// name and the line number. A last line without its newline (being
// written) is left out.
func jsonLines[T any](name string, r io.Reader, known map[string]bool, keep func(*T, map[string]string) error) ([]T, error) {
	br := bufio.NewReader(r)
	var out []T
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			return out, nil // a partial last line is still being written
		}
		if err != nil {
			return nil, err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(line, &v); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		var all map[string]json.RawMessage
		if err := json.Unmarshal(line, &all); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		var extra map[string]string
		for k, raw := range all {
			if known[k] {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) == nil {
				if extra == nil {
					extra = map[string]string{}
				}
				extra[k] = s
			}
		}
		if err := keep(&v, extra); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		out = append(out, v)
	}
}

// ParseAlertsLog reads alerts.log, whose alerts have the format that
// ossec-logtest -a prints (alerts/log.c writes both), so the logtest
// engine's parser reads it. A last alert still being written (no empty
// line after it yet) is left out.
func ParseAlertsLog(data []byte) ([]logtestfmt.Alert, error) {
	if i := bytes.LastIndex(data, []byte("\n\n")); i >= 0 {
		data = data[:i+2]
	} else {
		data = nil
	}
	return logtestfmt.ParseAlerts(bytes.NewReader(data))
}

// ARLine is one line of active-responses.log.
type ARLine struct {
	Text    string // the whole line
	Program string // the program's path or name as logged
	Args    []string
}

// arLogLine matches the date OSSEC's scripts and ossec-ar-verify-file put
// in front of each line ("Thu Nov 26 10:00:00 UTC 2026"), then the
// program.
var arLogLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \S+ \d{4} (\S+?):? (.*)$`)
})

// ParseARLog reads active-responses.log. Lines in another format are kept
// with their text only.
func ParseARLog(data []byte) []ARLine {
	var out []ARLine
	for _, l := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		a := ARLine{Text: l}
		if m := arLogLine().FindStringSubmatch(l); m != nil {
			a.Program = m[1]
			a.Args = strings.Fields(m[2])
		}
		out = append(out, a)
	}
	return out
}

// liveResult makes the engine.Result of an event from its JSON alert and
// the matching alerts.log entry (groups, mail), as far as alerts show it:
// no Phase 1 beyond hostname and program name, the decoded fields that
// alerts.json carries.
func liveResult(text string, j *JSONAlert, l *logtestfmt.Alert) engine.Result {
	r := engine.Result{Log: text}
	if j == nil {
		return r
	}
	r.Phase1.Hostname = j.Hostname
	r.Phase1.ProgramName = j.ProgramName
	r.Phase1.HasProgramName = j.ProgramName != ""
	r.Decoder = j.Decoder
	for _, k := range sortedKeys(j.Fields) {
		name := k
		if n, ok := jsonFieldNames[k]; ok {
			name = n
		}
		r.Fields = append(r.Fields, engine.Field{Name: name, Value: j.Fields[k]})
	}
	r.Rule = &engine.RuleMatch{ID: j.Rule.SIDID, Level: j.Rule.Level, Description: j.Rule.Comment}
	r.Alert = true
	if j.Rule.Group != "" {
		r.Rule.Groups = logtestfmt.SplitGroups(j.Rule.Group)
	}
	if l != nil {
		r.Rule.Groups = l.Groups // as printed, blanks kept
		r.Mail = l.Mail
	}
	return r
}

// jsonFieldNames maps alerts.json's names of static fields to the names
// ossec-logtest prints (decoders/decoder.c); the others are the same.
var jsonFieldNames = map[string]string{"data": "extra_data", "protocol": "proto", "systemname": "system_name"}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// alertKey is the "TIME.OFFSET" id both alert files share.
func alertKey(l logtestfmt.Alert) string {
	return strconv.FormatInt(l.Time, 10) + "." + strconv.FormatInt(l.ID, 10)
}
