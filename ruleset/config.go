package ruleset

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ossecxml"
)

// readConfig reads an ossec.conf as GlobalConf (and, with
// Sources.ActiveResponse, AR_ReadConfig) do. base is true for the main
// configuration, whose <rules> entries follow OSSEC's replacement rule;
// the entries of extra layers are appended.
func (l *loader) readConfig(file string, base bool) {
	doc, ok := l.readXML(file, file, false, CodeFileRead)
	if !ok {
		l.errf(Pos{File: file}, CodeFileNotFound, "configuration file not found")
		return
	}
	if doc == nil {
		return
	}
	for _, root := range doc.Roots() {
		if root.Name != "ossec_config" {
			l.errf(xpos(file, root.Pos), CodeConfigRoot, "invalid element <%s>: only <ossec_config> is allowed at the top of %s", root.Name, filepath.Base(file))
			continue
		}
		for _, sec := range root.Children() {
			// A section with an error stops there; the others are read.
			l.readSection(file, sec, base)
		}
	}
}

// readSection is read_main_elements for one section; false when it has
// an error (OSSEC stops there).
func (l *loader) readSection(file string, sec *ossecxml.Node, base bool) bool {
	kids := sec.Children()
	if kids == nil {
		l.errf(xpos(file, sec.Pos), CodeConfigEmptySection, "section <%s> has no elements", sec.Name)
		return false
	}
	switch sec.Name {
	case "global", "rules", "alerts", "command", "active-response":
		// Their elements are values: an element inside one is ignored.
		for _, n := range kids {
			l.checkOption(file, n)
		}
	}
	switch sec.Name {
	case "global":
		return l.readGlobal(file, kids)
	case "rules":
		return l.readRulesSection(file, kids, base)
	case "syscheck":
		return l.readGlobalSyscheck(file, kids)
	case "alerts":
		return l.readAlerts(file, kids)
	case "command":
		if l.src.ActiveResponse {
			return l.readCommand(file, sec, kids)
		}
	case "active-response":
		if l.src.ActiveResponse {
			return l.readActiveResponse(file, sec, kids)
		}
	case "email_alerts", "database_output", "syslog_output", "agentless",
		"rootcheck", "localfile", "remote", "client", "reports":
		// Read by other daemons.
	default:
		l.errf(xpos(file, sec.Pos), CodeConfigSection, "invalid element <%s> in <ossec_config>", sec.Name)
		return false
	}
	return true
}

func (l *loader) badValue(file string, n *ossecxml.Node) bool {
	l.errf(xpos(file, n.ContentPos), CodeConfigValue, "invalid value %q for <%s>", n.Content, n.Name)
	return false
}

func (l *loader) yesNo(file string, n *ossecxml.Node, dst *bool) bool {
	switch n.Content {
	case "yes":
		if dst != nil {
			*dst = true
		}
	case "no":
		if dst != nil {
			*dst = false
		}
	default:
		return l.badValue(file, n)
	}
	return true
}

// looksLikeEmail reports whether s has an '@' between two bytes of
// [a-zA-Z0-9._-] (what the regular expression [a-zA-Z0-9._-]+@[a-zA-Z0-9._-]
// finds; a hand-written check spares every process compiling it at start).
func looksLikeEmail(s string) bool {
	for i := 1; i+1 < len(s); i++ {
		if s[i] == '@' && emailByte(s[i-1]) && emailByte(s[i+1]) {
			return true
		}
	}
	return false
}

func emailByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// readGlobal is Read_Global as GlobalConf calls it (no mail structure).
func (l *loader) readGlobal(file string, kids []*ossecxml.Node) bool {
	c := &l.rs.Config
	allOK := true
	for _, n := range kids {
		ok := true
		switch n.Name {
		case "email_notification":
			var v bool
			if ok = l.yesNo(file, n, &v); ok {
				l.mailNotify = 0
				if v {
					l.mailNotify = 1
				}
			}
		case "logall":
			ok = l.yesNo(file, n, &c.LogAll)
		case "logall_json":
			ok = l.yesNo(file, n, &c.LogAllJSON)
		case "jsonout_output":
			ok = l.yesNo(file, n, &c.JSONOutput)
		case "prelude_output", "zeromq_output", "auth_smtp", "secure_smtp", "smtp_tls_verify":
			ok = l.yesNo(file, n, nil)
		case "prelude_log_level", "integrity_checking", "rootkit_detection", "host_information":
			ok = isNum(n.Content) || l.badValue(file, n)
		case "stats":
			if ok = isNum(n.Content) || l.badValue(file, n); ok {
				c.Stats = int(uint8(atoi(n.Content)))
			}
		case "memory_size":
			if ok = isNum(n.Content) || l.badValue(file, n); ok {
				c.MemorySize = atoi(n.Content)
				if c.MemorySize < 2048 {
					c.MemorySize = 2048
				}
			}
		case "white_list", "allow_list":
			if ip, valid := parseIP(n.Content); valid {
				c.AllowList = append(c.AllowList, ip)
			} else {
				c.HostnameAllowList = append(c.HostnameAllowList, n.Content)
			}
		case "email_to":
			if !looksLikeEmail(n.Content) {
				l.errf(xpos(file, n.ContentPos), CodeConfigValue, "invalid email address %q", n.Content)
				ok = false
			}
		case "custom_alert_output", "geoipdb", "prelude_profile", "zeromq_uri",
			"zeromq_server_cert", "zeromq_client_cert", "compress_alerts",
			"email_from", "email_reply_to", "email_idsname", "smtp_user",
			"smtp_password", "smtp_server", "helo_server", "smtp_port", "email_maxperhour":
			// Output settings: accepted, not used here.
		default:
			l.errf(xpos(file, n.Pos), CodeConfigElement, "invalid element <%s> in <global>", n.Name)
			ok = false
		}
		allOK = allOK && ok
	}
	return allOK
}

// readGlobalSyscheck is Read_GlobalSK: analysisd reads the syscheck
// options it uses and ignores the others.
func (l *loader) readGlobalSyscheck(file string, kids []*ossecxml.Node) bool {
	c := &l.rs.Config
	for _, n := range kids {
		switch n.Name {
		case "auto_ignore":
			if !l.yesNo(file, n, &c.SyscheckAutoIgnore) {
				return false
			}
		case "alert_new_files":
			if !l.yesNo(file, n, &c.SyscheckAlertNew) {
				return false
			}
		case "ignore":
			c.SyscheckIgnore = append(c.SyscheckIgnore, n.Content)
		}
	}
	return true
}

// readAlerts is Read_Alerts.
func (l *loader) readAlerts(file string, kids []*ossecxml.Node) bool {
	ok := true
	for _, n := range kids {
		switch n.Name {
		case "email_alert_level", "log_alert_level":
			if !isNum(n.Content) {
				ok = l.badValue(file, n)
				continue
			}
			v := int(uint8(atoi(n.Content)))
			if n.Name == "email_alert_level" {
				l.mailLevel = v
			} else {
				l.logLevel = v
			}
		default:
			l.errf(xpos(file, n.Pos), CodeConfigElement, "invalid element <%s> in <alerts>", n.Name)
			ok = false
		}
	}
	return ok
}

// readRulesSection is Read_Rules. In the main configuration a <rules>
// section that names rule files replaces the files named by an earlier
// section (OSSEC restarts its list for each section); likewise for
// decoders and lists.
func (l *loader) readRulesSection(file string, kids []*ossecxml.Node, base bool) bool {
	var inc, dec, lists []cfgPath
	for _, n := range kids {
		p := cfgPath{name: n.Content, pos: xpos(file, n.ContentPos), inBase: true}
		switch n.Name {
		case "include", "rule":
			p.path = n.Content
			if !strings.Contains(n.Content, "/") {
				p.path = "rules/" + n.Content
			}
			inc = append(inc, p)
		case "decoder":
			p.path = n.Content
			dec = append(dec, p)
		case "list":
			lists = append(lists, p)
		case "decoder_dir", "rule_dir":
			pattern := ".xml$"
			var re *osregex.Pattern
			for _, a := range n.Attrs {
				if strings.EqualFold(a.Name, "pattern") {
					pattern = a.Value
				}
			}
			re, err := osregex.Compile(osregex.KindRegex, pattern, 0)
			if err != nil {
				l.errf(xpos(file, n.Pos), patternCode(err), "pattern in <%s> does not compile: %v", n.Name, err)
				return false
			}
			list := &inc
			if n.Name == "decoder_dir" {
				list = &dec
			}
			*list = l.readDir(n, re, *list, p)
		default:
			l.errf(xpos(file, n.Pos), CodeConfigElement, "invalid element <%s> in <rules>", n.Name)
			return false
		}
	}
	merge := func(dst *[]cfgPath, add []cfgPath) {
		if base {
			if len(add) > 0 {
				*dst = add
			}
			return
		}
		*dst = append(*dst, add...)
	}
	if l.inRepoConfig {
		l.repoLists.rules = l.repoLists.rules || len(inc) > 0
		l.repoLists.decoders = l.repoLists.decoders || len(dec) > 0
		l.repoLists.lists = l.repoLists.lists || len(lists) > 0
	}
	merge(&l.includes, inc)
	merge(&l.decoderFiles, dec)
	merge(&l.listFiles, lists)
	if base && len(dec) > 0 {
		l.baseHasDecoders = true
	}
	return true
}

// readDir adds the files of a rule_dir/decoder_dir that match re, sorted,
// skipping names already in the section's list.
func (l *loader) readDir(n *ossecxml.Node, re *osregex.Pattern, list []cfgPath, p cfgPath) []cfgPath {
	var names []string
	if l.src.Base != "" || l.src.Repo == nil {
		entries, _ := os.ReadDir(l.basePath(n.Content))
		for _, e := range entries {
			names = append(names, e.Name())
		}
	}
	for _, name := range l.repoDir(n.Content) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	var added []cfgPath
	for _, name := range names {
		fname := n.Content + "/" + name
		dup := false
		for _, q := range list {
			if q.name == fname || q.name == name {
				dup = true
			}
		}
		if dup || !re.Match(fname) {
			continue
		}
		q := p
		q.name, q.path = fname, fname
		added = append(added, q)
	}
	sort.Slice(added, func(i, j int) bool { return added[i].path < added[j].path })
	return append(list, added...)
}

// readCommand is ReadActiveCommands.
func (l *loader) readCommand(file string, sec *ossecxml.Node, kids []*ossecxml.Node) bool {
	cmd := &Command{Pos: xpos(file, sec.Pos)}
	expect, hasExpect := "", false
	for _, n := range kids {
		switch n.Name {
		case "name":
			cmd.Name = n.Content
		case "expect":
			expect, hasExpect = n.Content, true
		case "executable":
			cmd.Executable = n.Content
		case "timeout_allowed":
			if !l.yesNo(file, n, &cmd.TimeoutAllowed) {
				return false
			}
		default:
			l.errf(xpos(file, n.Pos), CodeConfigElement, "invalid element <%s> in <command>", n.Name)
			return false
		}
	}
	if !hasElem(kids, "name") || !hasExpect || !hasElem(kids, "executable") {
		l.errf(cmd.Pos, CodeARCommandMissing, "<command> needs <name>, <executable> and <expect>")
		return false
	}
	seen := map[string]bool{}
	for _, tok := range strings.FieldsFunc(expect, func(r rune) bool {
		return r == ',' || r == ' ' || (r >= '\t' && r <= '\r')
	}) {
		t := strings.ToLower(tok)
		switch t {
		case "username":
			t = "user"
		case "user", "srcip", "filename":
		default:
			continue
		}
		if !seen[t] {
			seen[t] = true
			cmd.Expect = append(cmd.Expect, t)
		}
	}
	l.rs.Commands = append(l.rs.Commands, cmd)
	return true
}

func hasElem(kids []*ossecxml.Node, name string) bool {
	for _, n := range kids {
		if n.Name == name {
			return true
		}
	}
	return false
}

// arLocations are the patterns ReadActiveResponses matches an
// <active-response>'s <location> with, compiled when one is first read (a
// load without --json reads none; compiling them took a tenth of a stock
// logtest run's package initialisation).
var arLocations = sync.OnceValue(func() (re struct{ server, local, defined, all *osregex.Pattern }) {
	re.server, _ = osregex.Compile(osregex.KindRegex, "AS|analysisd|analysis-server|server", 0)
	re.local, _ = osregex.Compile(osregex.KindRegex, "local", 0)
	re.defined, _ = osregex.Compile(osregex.KindRegex, "defined-agent", 0)
	re.all, _ = osregex.Compile(osregex.KindRegex, "all|any", 0)
	return re
})

// readActiveResponse is ReadActiveResponses.
func (l *loader) readActiveResponse(file string, sec *ossecxml.Node, kids []*ossecxml.Node) bool {
	ar := &ActiveResponse{Pos: xpos(file, sec.Pos)}
	var location string
	hasCommand, hasLocation, hasAgent, disabled, repeated := false, false, false, false, false
	for _, n := range kids {
		switch n.Name {
		case "command":
			ar.CommandName, hasCommand = n.Content, true
		case "location":
			location, hasLocation = n.Content, true
		case "agent_id":
			ar.AgentID, hasAgent = n.Content, true
		case "rules_id":
			ar.RulesID = n.Content
		case "rules_group":
			ar.RulesGroupText = n.Content
		case "level":
			if !isNum(n.Content) {
				return l.badValue(file, n)
			}
			ar.Level = atoi(n.Content)
			if ar.Level < 0 || ar.Level > 20 {
				return l.badValue(file, n)
			}
		case "timeout":
			ar.Timeout = atoi(n.Content)
		case "disabled":
			switch n.Content {
			case "yes":
				disabled = true
			case "no":
			default:
				return l.badValue(file, n)
			}
		case "repeated_offenders":
			repeated = true
		default:
			l.errf(xpos(file, n.Pos), CodeConfigElement, "invalid element <%s> in <active-response>", n.Name)
			return false
		}
	}
	if disabled {
		return true
	}
	if !hasCommand || !hasLocation {
		if repeated {
			return true
		}
		l.errf(ar.Pos, CodeARMissing, "<active-response> needs <command> and <location>")
		return false
	}
	re := arLocations()
	if re.server != nil && re.server.Match(location) {
		ar.Location |= ARServer
	}
	if re.local != nil && re.local.Match(location) {
		ar.Location |= ARRemoteAgent
	}
	if re.defined != nil && re.defined.Match(location) {
		if !hasAgent {
			l.errf(ar.Pos, CodeARLocation, "location defined-agent needs <agent_id>")
			return false
		}
		ar.Location |= ARSpecificAgent
	}
	if re.all != nil && re.all.Match(location) {
		ar.Location |= ARAllAgents
	}
	if ar.Location == 0 {
		l.errf(ar.Pos, CodeARLocation, "invalid active response location %q", location)
		return false
	}
	for _, c := range l.rs.Commands {
		if c.Name == ar.CommandName {
			ar.Command = c
			break
		}
	}
	if ar.Command == nil {
		l.errf(ar.Pos, CodeARCommand, "active response command %q is not defined (a <command> must come before)", ar.CommandName)
		return false
	}
	if ar.Timeout != 0 && !ar.Command.TimeoutAllowed {
		l.errf(ar.Pos, CodeARTimeout, "command %q does not allow a timeout", ar.Command.Name)
		return false
	}
	if ar.RulesGroupText != "" {
		if p, err := osregex.Compile(osregex.KindRegex, ar.RulesGroupText, 0); err == nil {
			ar.RulesGroup = p
		} else {
			l.warnf(ar.Pos, CodeARRulesGroup, "rules_group %q does not compile, it never matches: %v", ar.RulesGroupText, err)
		}
	}
	ar.Name = ar.Command.Name + itoa(ar.Timeout)
	l.rs.ActiveResponses = append(l.rs.ActiveResponses, ar)
	l.rs.Config.ActiveResponse = true
	return true
}

// itoa is strconv.Itoa, short for the many places that print a rule id.
func itoa(n int) string { return strconv.Itoa(n) }
