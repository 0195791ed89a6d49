package ruleset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/internal/cputime"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

func TestStockLoads(t *testing.T) {
	rs, err := Load(Sources{Base: testenv.StockRuleset(t)})
	if err != nil {
		t.Fatal(err)
	}
	tops := 0
	for _, d := range rs.Decoders {
		if d.Parent == "" {
			tops++
		}
	}
	t.Logf("stock ruleset: %d rules (%d top-level) from %d files, %d decoders (%d top-level) from %d files, %d decoder names, %d warnings",
		len(rs.AllRules), len(rs.Rules), len(rs.RuleFiles), len(rs.Decoders), tops, len(rs.DecoderFiles), len(rs.DecoderNames)-1, len(rs.Warnings))
	for _, w := range rs.Warnings {
		t.Log(w)
	}
	if len(rs.RuleFiles) != 67 {
		t.Errorf("rule files = %d, want the 67 <include>s of etc/ossec.conf", len(rs.RuleFiles))
	}
	// Rules 1 to 7 of rules_config.xml are the category templates.
	var topIDs []int
	for _, n := range rs.Rules {
		topIDs = append(topIDs, n.Rule.ID)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4, 5, 6, 7}, topIDs); diff != "" {
		t.Errorf("top-level rules (-want +got):\n%s", diff)
	}
	for i, r := range rs.AllRules {
		if r.Index != i {
			t.Fatalf("AllRules[%d].Index = %d", i, r.Index)
		}
		if r.ID >= 10 && len(r.Nodes) == 0 {
			t.Errorf("rule %d (%s) is in no node", r.ID, posString(r.Pos))
		}
	}

	c := rs.Config
	if c.LogAlertLevel != 1 || c.EmailAlertLevel != 7 || !c.EmailNotification || c.DecoderOrderSize != 256 || c.DefaultTimeframe != 360 {
		t.Errorf("config = %+v", c)
	}
	if len(c.AllowList) != 6 || c.AllowList[1].Prefix.String() != "::1/128" {
		t.Errorf("allow list = %v", c.AllowList)
	}
	if len(c.SyscheckIgnore) != 7 || c.SyscheckIgnore[0] != "/etc/mtab" || !c.SyscheckAutoIgnore || c.SyscheckAlertNew {
		t.Errorf("syscheck: ignore %q auto_ignore %v alert_new_files %v", c.SyscheckIgnore, c.SyscheckAutoIgnore, c.SyscheckAlertNew)
	}

	// local_rules.xml: two <description>s are concatenated, srcip parsed.
	r := rs.ByID[100001]
	if r == nil {
		t.Fatal("rule 100001 not loaded")
	}
	if r.Description != "Example of rule that will ignore sshd failed logins from IP 1.1.1.1." || r.Level != 0 ||
		len(r.SrcIP()) != 1 || r.SrcIP()[0].Prefix.String() != "192.0.2.1/32" || len(r.Parents) != 1 || r.Parents[0].ID != 5711 {
		t.Errorf("rule 100001 = %+v", r)
	}
	// 5720: frequency over the history of 5716.
	r = rs.ByID[5720]
	if r.Frequency != 6 || r.EventSearch != SearchLastSids || r.SidSearch != rs.ByID[5716] || !rs.ByID[5716].KeepsSidHistory || r.ContextOpts&SameSrcIP == 0 {
		t.Errorf("rule 5720: frequency %d search %d sidSearch %v", r.Frequency, r.EventSearch, r.SidSearch)
	}
	// syslog_rules.xml: $BAD_WORDS is substituted in rule 1002's <pcre2>.
	if p := rs.ByID[1002].PCRE2; p == nil || !strings.Contains(p.String(), "core_dumped|failure") {
		t.Errorf("rule 1002 pcre2 = %v", p)
	}
	if rs.ByID[1002].AlertOpts&DoMailAlert == 0 {
		t.Errorf("rule 1002 (options alert_by_email) has no DoMailAlert")
	}

	// Child decoders report their parent's name; IDs follow the sorted names.
	var pam []*Decoder
	for _, d := range rs.ProgramNameDecoders {
		if d.OwnName == "pam" {
			pam = append(pam, d)
		}
	}
	if len(pam) == 0 || len(pam[len(pam)-1].Children) == 0 {
		t.Fatalf("no pam decoder with children")
	}
	for _, ch := range pam[len(pam)-1].Children {
		if ch.Name != "pam" || ch.ID != pam[0].ID || rs.DecoderNames[ch.ID] != "pam" {
			t.Errorf("child %q: name %q id %d", ch.OwnName, ch.Name, ch.ID)
		}
	}
	for i := 2; i < len(rs.DecoderNames); i++ {
		if rs.DecoderNames[i-1] >= rs.DecoderNames[i] {
			t.Fatalf("decoder names not sorted at %d: %q, %q", i, rs.DecoderNames[i-1], rs.DecoderNames[i])
		}
	}
}

// TestByIDFromTree: Ruleset.ByID, the loader's map of the rules by id,
// maps each id to the rule of the first node of that id in the tree,
// depth first, and has no other entry (it was built by that walk).
func TestByIDFromTree(t *testing.T) {
	f := newFixture(t)
	rules := f.file("r.xml", `<group name="g,">
  <rule id="1" level="0"><category>syslog</category><description>root</description></rule>
  <rule id="2" level="5"><category>syslog</category><description>root 2</description></rule>
  <rule id="100" level="3"><if_sid>1, 2</if_sid><match>a</match><group>x,</group></rule>
  <rule id="101" level="7"><if_sid>100</if_sid><match>b</match></rule>
  <rule id="102" level="3"><if_group>x</if_group><match>c</match></rule>
  <rule id="103" level="3"><if_level>5</if_level><match>d</match></rule>
  <rule id="101" level="9" overwrite="yes"><if_sid>100</if_sid><match>e</match></rule>
  <rule id="104" level="3"><if_matched_sid>101</if_matched_sid><same_source_ip /></rule>
  <rule id="5" level="0"><category>syslog</category><description>first</description></rule>
  <rule id="5" level="3" overwrite="yes"><category>syslog</category><description>second, after the first</description></rule>
  <rule id="6" level="3"><category>syslog</category><description>first</description></rule>
  <rule id="6" level="0" overwrite="yes"><category>syslog</category><description>second, before the first</description></rule>
</group>
`)
	for name, src := range map[string]Sources{
		"stock":   {Base: testenv.StockRuleset(t)},
		"fixture": {Rules: []string{rules}},
	} {
		rs, err := Load(src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := map[int]*Rule{}
		var walk func([]*RuleNode)
		walk = func(nodes []*RuleNode) {
			for _, n := range nodes {
				if _, ok := want[n.Rule.ID]; !ok {
					want[n.Rule.ID] = n.Rule
				}
				walk(n.Children)
			}
		}
		walk(rs.Rules)
		if len(rs.ByID) != len(want) {
			t.Errorf("%s: ByID has %d rules, the tree %d", name, len(rs.ByID), len(want))
		}
		for id, r := range want {
			if rs.ByID[id] != r {
				t.Errorf("%s: ByID[%d] is not the rule of the tree", name, id)
			}
		}
		checkNoSettings(t)
	}
}

// BenchmarkLoadStock loads the stock installation (ossec-logtest needs
// 46 ms to start on it). It also reports the process CPU time per load,
// which stays meaningful on a busy machine. "known" loads with every
// pattern in the pattern cache in memory (a later load of a process),
// "file" with every pattern in the cache file (the first load of a
// command's process, after its first run), the others with an empty cache.
func BenchmarkLoadStock(b *testing.B) {
	src := Sources{Base: testenv.StockRuleset(b)}
	for _, mode := range []string{"parallel", "sequential", "known", "file"} {
		b.Run(mode, func(b *testing.B) {
			dir := ""
			if mode == "file" {
				dir = b.TempDir()
			}
			usePatternCache(b, dir)
			noPrefetch = mode == "sequential"
			defer func() { noPrefetch = false }()
			if mode == "known" || mode == "file" {
				if _, err := Load(src); err != nil {
					b.Fatal(err)
				}
			}
			start := cputime.Used()
			for b.Loop() {
				if mode != "known" {
					b.StopTimer()
					usePatternCache(b, dir)
					b.StartTimer()
				}
				if _, err := Load(src); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cputime.Used()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// fixture writes files into a temporary directory and returns their paths.
type fixture struct {
	t   *testing.T
	dir string
}

func newFixture(t *testing.T) *fixture { return &fixture{t, t.TempDir()} }

func (f *fixture) file(name, content string) string {
	p := filepath.Join(f.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// Common inputs of the crafted cases.
const (
	testDecoders = `<decoder name="sshd">
  <program_name>^sshd</program_name>
</decoder>
<decoder name="sshd-fail">
  <parent>sshd</parent>
  <prematch>^Failed </prematch>
  <regex offset="after_prematch">from (\S+)</regex>
  <order>srcip</order>
</decoder>
`
	rootRule = `<group name="root,">
  <rule id="1" level="0" noalert="1">
    <category>syslog</category>
    <description>root</description>
  </rule>
</group>
`
)

// loadRules loads rootRule and rules over testDecoders.
func loadRules(t *testing.T, rules string) (*Ruleset, error) {
	f := newFixture(t)
	return Load(Sources{
		Decoders: []string{f.file("d.xml", testDecoders)},
		Rules:    []string{f.file("root.xml", rootRule), f.file("r.xml", rules)},
	})
}

func mustLoadRules(t *testing.T, rules string) *Ruleset {
	t.Helper()
	rs, err := loadRules(t, rules)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// firstError returns the first error diagnostic of err.
func firstError(t *testing.T, err error) Diagnostic {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *Error", err)
	}
	for _, d := range e.Diagnostics {
		if d.Severity == SeverityError {
			return d
		}
	}
	t.Fatalf("no error diagnostic in %v", err)
	return Diagnostic{}
}

type wantDiag struct {
	file      string
	line, col int
	code      Code
}

func checkDiag(t *testing.T, err error, w wantDiag) {
	t.Helper()
	if err == nil {
		t.Fatalf("loaded; want %s at %s:%d:%d", w.code, w.file, w.line, w.col)
	}
	d := firstError(t, err)
	if d.Code != w.code || filepath.Base(d.Pos.File) != w.file || d.Pos.Line != w.line || d.Pos.Col != w.col {
		t.Errorf("got %s\nwant %s at %s:%d:%d", d, w.code, w.file, w.line, w.col)
	}
	if !strings.HasPrefix(err.Error(), fmt.Sprintf("%s:%d:%d: ", d.Pos.File, d.Pos.Line, d.Pos.Col)) {
		t.Errorf("error text %q does not start with file:line:col", err.Error())
	}
}

func TestRuleErrors(t *testing.T) {
	rule := func(attrs, body string) string {
		return "<group name=\"g,\">\n  <rule " + attrs + ">\n" + body + "\n  </rule>\n</group>\n"
	}
	for _, tc := range []struct {
		name  string
		rules string
		want  wantDiag
	}{
		{"root element", "<groups name=\"g\"/>", wantDiag{"r.xml", 1, 1, CodeRuleRoot}},
		{"group attributes", "<group name=\"g\" x=\"y\"><rule/></group>", wantDiag{"r.xml", 1, 1, CodeRuleRoot}},
		{"empty group", "<group name=\"g\">\n</group>", wantDiag{"r.xml", 1, 1, CodeRuleGroupEmpty}},
		{"not a rule", "<group name=\"g\">\n  <rul id=\"10\"/>\n</group>", wantDiag{"r.xml", 2, 3, CodeRuleElement}},
		{"no attributes", rule("", "<match>x</match>"), wantDiag{"r.xml", 2, 3, CodeRuleIDLevel}},
		{"no level", rule(`id="10"`, "<match>x</match>"), wantDiag{"r.xml", 2, 3, CodeRuleIDLevel}},
		{"bad attribute", rule(`id="10" level="1" lvl="2"`, "<match>x</match>"), wantDiag{"r.xml", 2, 27, CodeRuleAttr}},
		{"id not a number", rule(`id="1x0" level="1"`, "<match>x</match>"), wantDiag{"r.xml", 2, 13, CodeRuleAttr}},
		{"duplicate id", rule(`id="10" level="1"`, "<match>x</match>") + rule(`id="10" level="2"`, "<match>y</match>"),
			wantDiag{"r.xml", 7, 3, CodeRuleDuplicate}},
		{"no options", rule(`id="10" level="1"`, ""), wantDiag{"r.xml", 2, 3, CodeRuleNoOptions}},
		{"unknown option", rule(`id="10" level="1"`, "    <match>x</match>\n    <matches>y</matches>"), wantDiag{"r.xml", 4, 5, CodeRuleOption}},
		{"same_id is case-sensitive", rule(`id="10" level="1"`, "    <if_matched_sid>1</if_matched_sid>\n    <Same_ID/>"), wantDiag{"r.xml", 4, 5, CodeRuleOption}},
		{"unknown decoder", rule(`id="10" level="1"`, "    <decoded_as>sshd2</decoded_as>"), wantDiag{"r.xml", 3, 17, CodeRuleDecoder}},
		{"info type OSSEC loops on", rule(`id="10" level="1"`, "    <match>x</match>\n    <info type=\"bugtrack\">1</info>"), wantDiag{"r.xml", 4, 5, CodeRuleInfo}},
		{"bad time", rule(`id="10" level="1"`, "    <time>25:00-26:00</time>"), wantDiag{"r.xml", 3, 11, CodeRuleValue}},
		{"negated weekday", rule(`id="10" level="1"`, "    <weekday>!monday</weekday>"), wantDiag{"r.xml", 3, 14, CodeRuleValue}},
		{"bad srcip", rule(`id="10" level="1"`, "    <srcip>10.0.0.300</srcip>"), wantDiag{"r.xml", 3, 12, CodeRuleValue}},
		{"bad category", rule(`id="10" level="1"`, "    <category>web</category>"), wantDiag{"r.xml", 3, 15, CodeRuleValue}},
		{"bad options", rule(`id="10" level="1"`, "    <match>x</match>\n    <options>no_mail</options>"), wantDiag{"r.xml", 4, 14, CodeRuleValue}},
		{"bad ignore", rule(`id="10" level="1"`, "    <match>x</match>\n    <ignore>port</ignore>"), wantDiag{"r.xml", 4, 13, CodeRuleValue}},
		{"field without name", rule(`id="10" level="1"`, "    <field>x</field>"), wantDiag{"r.xml", 3, 5, CodeRuleField}},
		{"list without field", rule(`id="10" level="1"`, "    <list lookup=\"match_key\">lists/x</list>"), wantDiag{"r.xml", 3, 5, CodeRuleList}},
		{"frequency without if_matched", rule(`id="10" level="1" frequency="4"`, "    <if_sid>1</if_sid>"), wantDiag{"r.xml", 2, 3, CodeRuleContext}},
		{"overwrite of nothing", rule(`id="10" level="1" overwrite="yes"`, "    <match>x</match>"), wantDiag{"r.xml", 2, 3, CodeRuleOverwrite}},
		{"if_sid not loaded", rule(`id="10" level="1"`, "    <if_sid>1, 77</if_sid>"), wantDiag{"r.xml", 3, 16, CodeRuleIfSID}},
		{"if_sid not numbers", rule(`id="10" level="1"`, "    <if_sid>1,x</if_sid>"), wantDiag{"r.xml", 3, 15, CodeRuleIfSID}},
		{"if_level nowhere", rule(`id="10" level="1"`, "    <if_level>100</if_level>"), wantDiag{"r.xml", 3, 15, CodeRuleIfLevel}},
		{"if_group nowhere", rule(`id="10" level="1"`, "    <if_group>nothing</if_group>"), wantDiag{"r.xml", 3, 15, CodeRuleIfGroup}},
		{"no root of the category", rule(`id="10" level="1"`, "    <category>firewall</category>\n    <match>x</match>"), wantDiag{"r.xml", 2, 3, CodeRuleCategory}},
		{"bad pcre2", rule(`id="10" level="1"`, "    <pcre2>ab(c</pcre2>"), wantDiag{"r.xml", 3, 16, CodePattern}},
		{"bad regex", rule(`id="10" level="1"`, "    <regex>a)</regex>"), wantDiag{"r.xml", 3, 12, CodePattern}},
		{"pcre2 this tool cannot run: \\K", rule(`id="10" level="1"`, "    <pcre2>a\\Kb</pcre2>"), wantDiag{"r.xml", 3, 13, CodePatternUnsupported}},
		{"pcre2 this tool cannot run: recursion", rule(`id="10" level="1"`, "    <match_pcre2>a(?R)?b</match_pcre2>"), wantDiag{"r.xml", 3, 19, CodePatternUnsupported}},
		{"pcre2 this tool cannot run: \\p", rule(`id="10" level="1"`, "    <user_pcre2>^\\p{Lu}</user_pcre2>"), wantDiag{"r.xml", 3, 18, CodePatternUnsupported}},
		{"backslash escapes the closing tag", rule(`id="10" level="1"`, "    <regex>\\</regex>"), wantDiag{"r.xml", 3, 5, "xml-element-not-closed"}},
		{"xml error", "<group name=\"g\">\n  <rule id=\"10\" level=\"1\">\n</group>", wantDiag{"r.xml", 2, 3, "xml-element-not-closed"}},
		{"unknown variable", "<var name=\"A\">x</var>\n<group name=\"g\"><rule id=\"10\" level=\"1\"><match>$AB</match></rule></group>", wantDiag{"r.xml", 2, 48, "xml-var-unknown"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadRules(t, tc.rules)
			checkDiag(t, err, tc.want)
		})
	}
}

func TestDecoderErrors(t *testing.T) {
	dec := func(name, body string) string {
		return "<decoder name=\"" + name + "\">\n" + body + "\n</decoder>\n"
	}
	for _, tc := range []struct {
		name     string
		decoders string
		want     wantDiag
	}{
		{"root element", "<decoders name=\"x\"/>", wantDiag{"x.xml", 1, 1, CodeDecoderRoot}},
		{"no name", "<decoder id=\"x\"><prematch>a</prematch></decoder>", wantDiag{"x.xml", 1, 1, CodeDecoderName}},
		{"extra attribute", "<decoder name=\"x\" status=\"y\"><prematch>a</prematch></decoder>", wantDiag{"x.xml", 1, 19, CodeDecoderName}},
		{"no elements", "<decoder name=\"x\"></decoder>", wantDiag{"x.xml", 1, 1, CodeDecoderEmpty}},
		{"unknown element", dec("x", "  <prematch>a</prematch>\n  <regexp>b</regexp>"), wantDiag{"x.xml", 3, 3, CodeDecoderElement}},
		{"Type is case-sensitive", dec("x", "  <prematch>a</prematch>\n  <Type>ids</Type>"), wantDiag{"x.xml", 3, 3, CodeDecoderElement}},
		{"bad type", dec("x", "  <prematch>a</prematch>\n  <type>web</type>"), wantDiag{"x.xml", 3, 9, CodeDecoderType}},
		{"bad offset", dec("x", "  <prematch>a</prematch>\n  <regex offset=\"after_match\">(b)</regex>\n  <order>id</order>"), wantDiag{"x.xml", 3, 18, CodeDecoderOffset}},
		{"offset on a second regex", dec("x", "  <prematch>a</prematch>\n  <regex>(b)</regex>\n  <regex offset=\"after_prematch\">(c)</regex>\n  <order>id</order>"), wantDiag{"x.xml", 4, 3, CodeDecoderOffset}},
		{"unknown plugin", dec("x", "  <prematch>a</prematch>\n  <plugin_decoder>Foo_Decoder</plugin_decoder>"), wantDiag{"x.xml", 3, 19, CodeDecoderPlugin}},
		{"empty order field", dec("x", "  <prematch>a</prematch>\n  <regex>(b)</regex>\n  <order>id,,url</order>"), wantDiag{"x.xml", 4, 10, CodeDecoderOrder}},
		{"bad fts", dec("x", "  <prematch>a</prematch>\n  <regex>(b)</regex>\n  <order>id</order>\n  <fts>port</fts>"), wantDiag{"x.xml", 5, 8, CodeDecoderFTS}},
		{"no prematch", dec("x", "  <regex>(b)</regex>\n  <order>id</order>"), wantDiag{"x.xml", 1, 1, CodeDecoderNoPrematch}},
		{"regex without order", dec("x", "  <prematch>a</prematch>\n  <regex>(b)</regex>"), wantDiag{"x.xml", 1, 1, CodeDecoderRegex}},
		{"order without regex", dec("x", "  <prematch>a</prematch>\n  <order>id</order>"), wantDiag{"x.xml", 1, 1, CodeDecoderRegex}},
		{"after_parent without parent", dec("x", "  <prematch>a</prematch>\n  <regex offset=\"after_parent\">(b)</regex>\n  <order>id</order>"), wantDiag{"x.xml", 1, 1, CodeDecoderOffset}},
		{"prematch after_prematch", dec("x", "  <parent>sshd</parent>\n  <prematch offset=\"after_prematch\">a</prematch>"), wantDiag{"x.xml", 1, 1, CodeDecoderOffset}},
		{"regex without captures", dec("x", "  <prematch>a</prematch>\n  <regex>^b$</regex>\n  <order>id</order>"), wantDiag{"x.xml", 3, 10, CodeDecoderSubstrings}},
		{"parent not found", dec("x", "  <parent>ssh</parent>\n  <prematch>a</prematch>"), wantDiag{"x.xml", 1, 1, CodeDecoderParent}},
		{"after_regex first of its name", dec("x", "  <parent>sshd</parent>\n  <regex offset=\"after_regex\">(b)</regex>\n  <order>id</order>"), wantDiag{"x.xml", 1, 1, CodeDecoderOffset}},
		{"repeated name with prematch", dec("sshd-fail", "  <parent>sshd</parent>\n  <prematch>b</prematch>"), wantDiag{"x.xml", 1, 1, CodeDecoderSibling}},
		{"repeated name mixing regex kinds", dec("sshd-fail", "  <parent>sshd</parent>\n  <pcre2>(b)</pcre2>\n  <order>id</order>"), wantDiag{"x.xml", 1, 1, CodeDecoderSibling}},
		{"plugin with regex", dec("x", "  <prematch>a</prematch>\n  <plugin_decoder>PF_Decoder</plugin_decoder>\n  <regex>(b)</regex>\n  <order>id</order>"), wantDiag{"x.xml", 1, 1, CodeDecoderPlugin}},
		{"bad prematch", dec("x", "  <prematch_pcre2>a[</prematch_pcre2>"), wantDiag{"x.xml", 2, 21, CodePattern}},
		{"prematch this tool cannot run", dec("x", "  <prematch_pcre2>(?(1)a|b)</prematch_pcre2>"), wantDiag{"x.xml", 2, 19, CodePatternUnsupported}},
		{"empty file", "<!-- nothing -->", wantDiag{"x.xml", 1, 1, CodeDecoderEmpty}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := Load(Sources{Decoders: []string{f.file("d.xml", testDecoders), f.file("x.xml", tc.decoders)}})
			checkDiag(t, err, tc.want)
		})
	}
}

func TestConfigErrors(t *testing.T) {
	conf := func(body string) string { return "<ossec_config>\n" + body + "\n</ossec_config>\n" }
	cmd := "  <command>\n    <name>deny</name>\n    <executable>deny.sh</executable>\n    <expect>srcip</expect>\n  </command>\n"
	for _, tc := range []struct {
		name string
		conf string
		want wantDiag
	}{
		{"root element", "<ossec>\n</ossec>", wantDiag{"c.conf", 1, 1, CodeConfigRoot}},
		{"agent_config", "<agent_config>\n<global><logall>yes</logall></global></agent_config>", wantDiag{"c.conf", 1, 1, CodeConfigRoot}},
		{"empty section", conf("  <global>\n  </global>"), wantDiag{"c.conf", 2, 3, CodeConfigEmptySection}},
		{"unknown section", conf("  <rulez><include>x</include></rulez>"), wantDiag{"c.conf", 2, 3, CodeConfigSection}},
		{"unknown global element", conf("  <global>\n    <log_all>yes</log_all>\n  </global>"), wantDiag{"c.conf", 3, 5, CodeConfigElement}},
		{"bad yes/no", conf("  <global>\n    <logall>true</logall>\n  </global>"), wantDiag{"c.conf", 3, 13, CodeConfigValue}},
		{"bad email", conf("  <global>\n    <email_to>root</email_to>\n  </global>"), wantDiag{"c.conf", 3, 15, CodeConfigValue}},
		{"bad alert level", conf("  <alerts>\n    <log_alert_level>high</log_alert_level>\n  </alerts>"), wantDiag{"c.conf", 3, 22, CodeConfigValue}},
		{"unknown alerts element", conf("  <alerts>\n    <use_geoip>yes</use_geoip>\n  </alerts>"), wantDiag{"c.conf", 3, 5, CodeConfigElement}},
		{"unknown rules element", conf("  <rules>\n    <includes>x.xml</includes>\n  </rules>"), wantDiag{"c.conf", 3, 5, CodeConfigElement}},
		{"missing rule file", conf("  <rules>\n    <include>nope.xml</include>\n  </rules>"), wantDiag{"c.conf", 3, 14, CodeFileNotFound}},
		{"command without executable", conf("  <command>\n    <name>x</name>\n    <expect>srcip</expect>\n  </command>"), wantDiag{"c.conf", 2, 3, CodeARCommandMissing}},
		{"unknown command element", conf("  <command>\n    <name>x</name>\n    <timeout>1</timeout>\n  </command>"), wantDiag{"c.conf", 4, 5, CodeConfigElement}},
		{"ar without location", conf(cmd + "  <active-response>\n    <command>deny</command>\n  </active-response>"), wantDiag{"c.conf", 7, 3, CodeARMissing}},
		{"ar bad location", conf(cmd + "  <active-response>\n    <command>deny</command>\n    <location>everywhere</location>\n  </active-response>"), wantDiag{"c.conf", 7, 3, CodeARLocation}},
		{"defined-agent without agent_id", conf(cmd + "  <active-response>\n    <command>deny</command>\n    <location>defined-agent</location>\n  </active-response>"), wantDiag{"c.conf", 7, 3, CodeARLocation}},
		{"ar unknown command", conf(cmd + "  <active-response>\n    <command>drop</command>\n    <location>local</location>\n  </active-response>"), wantDiag{"c.conf", 7, 3, CodeARCommand}},
		{"ar timeout not allowed", conf(cmd + "  <active-response>\n    <command>deny</command>\n    <location>local</location>\n    <timeout>60</timeout>\n  </active-response>"), wantDiag{"c.conf", 7, 3, CodeARTimeout}},
		{"ar level", conf(cmd + "  <active-response>\n    <command>deny</command>\n    <location>local</location>\n    <level>21</level>\n  </active-response>"), wantDiag{"c.conf", 10, 12, CodeConfigValue}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.file("etc/decoder.xml", testDecoders)
			_, err := Load(Sources{Base: f.dir, Config: f.file("c.conf", tc.conf), ActiveResponse: true})
			checkDiag(t, err, tc.want)
		})
	}
}

// TestLogtestIgnoresActiveResponse: ossec-logtest does not read <command>
// and <active-response>, so their errors go unnoticed there.
func TestLogtestIgnoresActiveResponse(t *testing.T) {
	f := newFixture(t)
	f.file("etc/decoder.xml", testDecoders)
	f.file("rules/root.xml", rootRule)
	cfg := f.file("etc/ossec.conf", "<ossec_config><rules><include>root.xml</include></rules>"+
		"<active-response><command>nope</command><location>local</location></active-response></ossec_config>")
	if _, err := Load(Sources{Base: f.dir, Config: cfg}); err != nil {
		t.Errorf("logtest mode: %v", err)
	}
	_, err := Load(Sources{Base: f.dir, Config: cfg, ActiveResponse: true})
	checkDiag(t, err, wantDiag{"ossec.conf", 1, 57, CodeARCommand})
}

func TestRuleWarnings(t *testing.T) {
	rs := mustLoadRules(t, `<group name="g,">
  <rule id="10" level="1">
    <if_level>0</if_level>
    <description>not attached</description>
  </rule>
  <rule id="11" level="1">
    <if_sid>1</if_sid>
    <match>`+strings.Repeat("a", 2048)+`</match>
  </rule>
</group>`)
	var codes []Code
	for _, w := range rs.Warnings {
		codes = append(codes, w.Code)
	}
	if diff := cmp.Diff([]Code{CodeRuleNotAttached, CodeRuleTooLong}, codes); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if rs.ByID[10] != nil {
		t.Errorf("rule 10 (if_level 0) is in the tree")
	}
	if r := rs.ByID[11]; r == nil || r.Match() != nil {
		t.Errorf("rule 11: a <match> of 2048 bytes must be dropped, got %v", r)
	}
}

// treeString prints the rule tree as "id(child,child)".
func treeString(nodes []*RuleNode) string {
	var parts []string
	for _, n := range nodes {
		s := fmt.Sprint(n.Rule.ID)
		if len(n.Children) > 0 {
			s += "(" + treeString(n.Children) + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ",")
}

func TestRuleTree(t *testing.T) {
	for _, walk := range []bool{false, true} {
		attachByWalk = walk
		testRuleTree(t)
	}
	attachByWalk = false
}

func testRuleTree(t *testing.T) {
	rs := mustLoadRules(t, `<group name="g,">
  <rule id="10" level="3"><if_sid>1</if_sid><match>a</match></rule>
  <rule id="11" level="5"><if_sid>1</if_sid><match>b</match></rule>
  <rule id="12" level="3"><if_sid>1</if_sid><match>c</match></rule>
  <rule id="13" level="0"><if_sid>1</if_sid><match>d</match></rule>
  <rule id="14" level="9" accuracy="0"><if_sid>1</if_sid><match>e</match></rule>
  <rule id="20" level="2"><if_sid>10,11</if_sid><match>f</match></rule>
  <rule id="21" level="2"><if_sid>20</if_sid><match>g</match></rule>
  <rule id="22" level="2"><if_sid>12 12</if_sid><match>h</match></rule>
  <rule id="23" level="2"><if_sid>22</if_sid><match>i</match></rule>
  <rule id="24" level="4"><if_level>5</if_level><match>j</match></rule>
</group>
<group name="g2,">
  <rule id="30" level="1"><if_sid>13</if_sid><match>l</match></rule>
  <rule id="31" level="1"><match>m</match></rule>
</group>`)
	// Level 0 counts as 99 and goes first; accuracy="0" keeps 9 and goes
	// last; equal levels keep their order. 20 hangs below both 10 and 11,
	// and 21 below both 20s; 22 twice below 12 but 23 only below the first
	// 22 (the search of a sibling list stops there). 24 (if_level 5) hangs
	// below every rule of level 5 or more, root rule 1 (level 0) included.
	// 31 (no if_*) hangs below the first top-level rule of its category.
	want := "1(13(24,30),11(24,20(21)),24,10(20(21)),12(22(23),22),31,14)"
	if got := treeString(rs.Rules); got != want {
		t.Errorf("tree:\n got %s\nwant %s", got, want)
	}
	if r := rs.ByID[24]; len(r.Nodes) != 3 || len(r.Parents) != 3 || r.Parents[0].ID != 1 {
		t.Errorf("rule 24: %d nodes, parents %v", len(r.Nodes), r.Parents)
	}
}

func TestRuleTreeIfGroup(t *testing.T) {
	_, err := loadRules(t, `<group name="g,">
  <rule id="25" level="1"><if_group>g2</if_group><match>k</match></rule>
</group>`)
	checkDiag(t, err, wantDiag{"r.xml", 2, 37, CodeRuleIfGroup})

	rs := mustLoadRules(t, `<group name="g2,">
  <rule id="30" level="1"><if_sid>1</if_sid><match>l</match></rule>
  <rule id="31" level="3"><if_sid>30</if_sid><match>m</match></rule>
</group>
<group name="x,">
  <rule id="25" level="1"><if_group>g2</if_group><match>k</match></rule>
  <rule id="26" level="1"><if_matched_group>g2</if_matched_group><same_source_ip/></rule>
</group>`)
	if got, want := treeString(rs.Rules), "1(30(31(25,26),25,26))"; got != want {
		t.Errorf("tree:\n got %s\nwant %s", got, want)
	}
	r26 := rs.ByID[26]
	if r26.IfGroup() != "g2" || r26.EventSearch != SearchLastGroups || len(rs.ByID[30].GroupHistories) != 1 || len(rs.ByID[31].GroupHistories) != 1 {
		t.Errorf("rule 26: if_group %q search %d; histories of 30: %d, 31: %d", r26.IfGroup(), r26.EventSearch,
			len(rs.ByID[30].GroupHistories), len(rs.ByID[31].GroupHistories))
	}
}

func TestRuleValues(t *testing.T) {
	f := newFixture(t)
	list := f.file("lists/hosts", "a:1\nb:2 ### comment\n### only comment\nno-colon\na:3\n")
	rules := f.file("r.xml", `<group name="g,">
  <rule id="10" level="7">
    <if_sid>1</if_sid>
    <group>x,</group><group>y,</group>
    <description>one
two</description>
    <info type="link">http://a</info><cve>CVE-1</cve><info>t3</info><info>t4</info><info>t5</info>
    <info>t6</info><info>t7</info><info>t8</info><info>t9</info><info>t10</info><info>t11</info>
    <list field="srcip" lookup="address_match_key">lists/hosts</list>
    <list field="user">lists/hosts</list>
    <list field="url" lookup="match_key_value" check_value="^1">lists/other</list>
    <time>10 pm - 6 am</time>
    <weekday>weekdays, sat</weekday>
    <srcip>!10.1/16</srcip>
    <options>no_email_alert</options>
  </rule>
  <rule id="11" level="0"><if_sid>1</if_sid><if_sid>0</if_sid><match>z</match></rule>
</group>`)
	rs, err := Load(Sources{Rules: []string{f.file("root.xml", rootRule), rules}, Lists: []string{list}})
	if err != nil {
		t.Fatal(err)
	}
	r := rs.ByID[10]
	if r.Groups != "g,x,y," || r.Description != "one two" {
		t.Errorf("groups %q description %q", r.Groups, r.Description)
	}
	// OSSEC keeps 9 info details at most (its counter adds up).
	if len(r.InfoDetails()) != 9 || r.InfoDetails()[0] != (InfoDetail{InfoLink, "http://a"}) || r.InfoDetails()[1] != (InfoDetail{InfoCVE, "CVE-1"}) {
		t.Errorf("info details = %v", r.InfoDetails())
	}
	// Three <list>s: OS_AddListRule leaves the last two on the rule.
	if len(r.Lists()) != 2 || r.Lists()[0].Field != ListUser || r.Lists()[0].List == nil || r.Lists()[1].List != nil || r.Lists()[1].CheckValue == nil {
		t.Errorf("lists = %+v", r.Lists())
	}
	if diff := cmp.Diff(map[string]string{"a": "1", "b": "2"}, rs.Lists[0].Entries); diff != "" {
		t.Errorf("list entries (-want +got):\n%s", diff)
	}
	if *r.Time() != (TimeRange{Negate: true, Start: "06:00", End: "22:00"}) {
		t.Errorf("time = %+v", *r.Time())
	}
	if r.Weekday().Days != [7]bool{false, true, true, true, true, true, true} {
		t.Errorf("weekday = %v", r.Weekday().Days)
	}
	if ip := r.SrcIP()[0]; !ip.Negate || ip.Prefix.String() != "10.0.0.1/16" {
		t.Errorf("srcip = %+v", ip)
	}
	if r.AlertOpts&(DoMailAlert|DoLogAlert|DoExtraInfo|DoPacketInfo) != DoLogAlert|DoExtraInfo|DoPacketInfo {
		t.Errorf("alert options = %#x", r.AlertOpts)
	}
	// if_sid contents are concatenated: "1" + "0" is rule 10.
	if r11 := rs.ByID[11]; r11.IfSID != "10" || r11.Parents[0] != r || r11.Level != 0 {
		t.Errorf("rule 11: if_sid %q parents %v level %d", r11.IfSID, r11.Parents, r11.Level)
	}
}

func TestOverwrite(t *testing.T) {
	rs := mustLoadRules(t, `<group name="g,">
  <rule id="10" level="3"><if_sid>1</if_sid><match>a</match><description>old</description><info>kept</info></rule>
  <rule id="11" level="3"><if_sid>10</if_sid><match>b</match></rule>
</group>
<group name="h,">
  <rule id="10" level="8" overwrite="yes"><if_sid>1</if_sid><match>c</match><description>new</description></rule>
</group>`)
	r := rs.ByID[10]
	if r.Level != 8 || r.Description != "new" || r.Match().String() != "c" || r.Groups != "h," || r.Overwritten().Line != 6 || r.Pos.Line != 2 {
		t.Errorf("overwritten rule = level %d %q %q groups %q at %d, overwritten at %d", r.Level, r.Description, r.Match(), r.Groups, r.Pos.Line, r.Overwritten().Line)
	}
	if len(r.InfoDetails()) != 1 || r.InfoDetails()[0].Data != "kept" || len(rs.AllRules) != 3 {
		t.Errorf("info details %v, %d rules", r.InfoDetails(), len(rs.AllRules))
	}
	if got := treeString(rs.Rules); got != "1(10(11))" {
		t.Errorf("tree %s", got)
	}
}

func TestDecoderValues(t *testing.T) {
	f := newFixture(t)
	d := f.file("d.xml", testDecoders+`<decoder name="sshd-fail">
  <parent>sshd</parent>
  <regex offset="after_regex">port (\d+)</regex>
  <order>srcport</order>
</decoder>
<decoder name="sshd-own">
  <parent>sshd</parent>
  <use_own_name>true</use_own_name>
  <prematch>^Accepted</prematch>
  <regex>(\S+) (\S+) (\S+)</regex>
  <order>user,  two words, x_filename_y</order>
  <fts>name, srcuser, location</fts>
</decoder>
<decoder name="fw">
  <prematch_pcre2>^FW</prematch_pcre2>
  <type>firewall</type>
</decoder>`)
	rs, err := Load(Sources{Decoders: []string{d}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.ProgramNameDecoders) != 1 || len(rs.NoProgramNameDecoders) != 1 || len(rs.Decoders) != 5 {
		t.Fatalf("lists: %d with program name, %d without, %d in all", len(rs.ProgramNameDecoders), len(rs.NoProgramNameDecoders), len(rs.Decoders))
	}
	sshd := rs.ProgramNameDecoders[0]
	var names []string
	for _, c := range sshd.Children {
		names = append(names, fmt.Sprintf("%s/%s/%d/%v", c.OwnName, c.Name, c.ID, c.GetNext))
	}
	// IDs: 1 fw, then the built-in names and ours in sorted order.
	id := func(n string) int {
		for i, x := range rs.DecoderNames {
			if x == n {
				return i
			}
		}
		return -1
	}
	want := []string{
		fmt.Sprintf("sshd-fail/sshd/%d/true", id("sshd")),
		fmt.Sprintf("sshd-fail/sshd/%d/false", id("sshd")),
		fmt.Sprintf("sshd-own/sshd-own/%d/false", id("sshd-own")),
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("children (-want +got):\n%s", diff)
	}
	own := sshd.Children[2]
	if diff := cmp.Diff([]FieldSetter{{FieldDstUser, "user"}, {FieldDynamic, " two"}, {FieldFileName, "x_filename_y"}}, own.Order); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if own.FTS != FTSName|FTSDstUser|FTSLocation {
		t.Errorf("fts = %o", own.FTS)
	}
	if fw := rs.NoProgramNameDecoders[0]; fw.Type != CategoryFirewall || id("fw") != 1 || id("rootcheck") < 0 {
		t.Errorf("fw type %d, ids %v", fw.Type, rs.DecoderNames)
	}
	// after_prematch without a parent becomes after_parent.
	if sshd.Children[0].RegexOffset != OffsetAfterPrematch || sshd.Children[1].RegexOffset != OffsetAfterRegex {
		t.Errorf("offsets %d %d", sshd.Children[0].RegexOffset, sshd.Children[1].RegexOffset)
	}
}

func TestLayers(t *testing.T) {
	f := newFixture(t)
	f.file("base/etc/decoder.xml", testDecoders)
	f.file("base/etc/ossec.conf", "<ossec_config><rules><include>root.xml</include></rules>"+
		"<alerts><email_alert_level>9</email_alert_level></alerts></ossec_config>")
	f.file("base/rules/root.xml", rootRule)
	layer := f.file("layer.conf", "<ossec_config><alerts><email_alert_level>3</email_alert_level></alerts>"+
		"<global><white_list>10.0.0.0/8</white_list></global>"+
		"<syscheck><alert_new_files>yes</alert_new_files><ignore>/tmp</ignore></syscheck></ossec_config>")
	dec := f.file("extra/d.xml", "<decoder name=\"extra\"><prematch>^extra</prematch></decoder>")
	rules := f.file("extra/r.xml", "<group name=\"e,\"><rule id=\"100\" level=\"4\"><decoded_as>extra</decoded_as><if_sid>1</if_sid></rule></group>")
	src := Sources{Base: filepath.Join(f.dir, "base"), Configs: []string{layer}, Decoders: []string{dec}, Rules: []string{rules}}
	rs, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	if rs.Config.EmailAlertLevel != 3 || len(rs.Config.AllowList) != 1 || !rs.Config.SyscheckAlertNew || len(rs.Config.SyscheckIgnore) != 1 {
		t.Errorf("config %+v", rs.Config)
	}
	r := rs.ByID[100]
	if r == nil || rs.DecoderNames[r.DecodedAs] != "extra" || r.AlertOpts&DoMailAlert == 0 {
		t.Fatalf("rule 100 = %+v", r)
	}
	// Files gives an installation real OSSEC loads the same way.
	files, err := src.Files()
	if err != nil {
		t.Fatal(err)
	}
	inst := t.TempDir()
	for _, fl := range files {
		p := filepath.Join(inst, filepath.FromSlash(fl.Path))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, fl.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rs2, err := Load(Sources{Base: inst})
	if err != nil {
		t.Fatalf("loading Files(): %v", err)
	}
	if len(rs2.AllRules) != len(rs.AllRules) || len(rs2.Decoders) != len(rs.Decoders) || rs2.Config.EmailAlertLevel != 3 ||
		len(rs2.Config.AllowList) != 1 || !rs2.Config.SyscheckAlertNew {
		t.Errorf("Files() installation: %d rules, %d decoders, config %+v; want %d, %d", len(rs2.AllRules), len(rs2.Decoders), rs2.Config, len(rs.AllRules), len(rs.Decoders))
	}
}

func TestChrootPaths(t *testing.T) {
	// ossec-logtest -c cfg -D dir: the configuration is an ordinary path,
	// the files it names are inside dir.
	f := newFixture(t)
	f.file("chroot/etc/decoder.xml", testDecoders)
	f.file("chroot/rules/root.xml", rootRule)
	f.file("chroot/etc/extra/r.xml", `<group name="e,"><rule id="10" level="1"><if_sid>1</if_sid><match>x</match></rule></group>`)
	f.file("chroot/etc/internal_options.conf", "analysisd.default_timeframe=120\nanalysisd.decoder_order_size=64\n")
	cfg := f.file("elsewhere/my.conf", `<ossec_config><rules>
  <include>root.xml</include>
  <include>/etc/extra/r.xml</include>
</rules></ossec_config>`)
	rs, err := Load(Sources{Base: filepath.Join(f.dir, "chroot"), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if rs.ByID[10] == nil || rs.ByID[10].Timeframe != 120 || rs.Config.DecoderOrderSize != 64 {
		t.Errorf("rule 10 %v, decoder_order_size %d", rs.ByID[10], rs.Config.DecoderOrderSize)
	}
}

func FuzzRules(f *testing.F) {
	f.Add(`<group name="g,"><rule id="10" level="3"><if_sid>1</if_sid><match>a</match></rule></group>`,
		`<decoder name="x"><prematch>^x</prematch><regex>(\S+)</regex><order>user</order></decoder>`)
	f.Add(`<group name="g,"><rule id="11" level="0" frequency="2" timeframe="30"><if_matched_sid>1</if_matched_sid><same_user/><description>d</description></rule></group>`,
		`<decoder name="y"><program_name>y</program_name></decoder><decoder name="y1"><parent>y</parent><regex offset="after_parent">^(\d+)</regex><order>id, a b</order></decoder>`)
	f.Add(`<var name="V">a|b</var><group name="g,"><rule id="12" level="2"><if_group>root</if_group><list field="srcip">lists/x</list><time>1-2</time></rule></group>`, `<decoder name="z"><prematch_pcre2>^(</prematch_pcre2></decoder>`)
	root := []byte(rootRule)
	f.Fuzz(func(t *testing.T, rules, decoders string) {
		if len(rules)+len(decoders) > 1<<14 {
			return
		}
		dir := t.TempDir()
		write := func(name string, data []byte) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
		rs, err := Load(Sources{
			Decoders: []string{write("d.xml", []byte(decoders))},
			Rules:    []string{write("root.xml", root), write("r.xml", []byte(rules))},
		})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || len(e.Diagnostics) == 0 {
				t.Fatalf("error %v is not an *Error with diagnostics", err)
			}
			for i, d := range e.Diagnostics {
				if d.Pos.File == "" || d.Code == "" {
					t.Fatalf("diagnostic without file or code: %v", d)
				}
				if i > 0 {
					p := e.Diagnostics[i-1].Pos
					if p.File > d.Pos.File || p.File == d.Pos.File && (p.Line > d.Pos.Line || p.Line == d.Pos.Line && p.Col > d.Pos.Col) {
						t.Fatalf("diagnostics not sorted by position: %v before %v", e.Diagnostics[i-1], d)
					}
				}
			}
			if len(e.Errors()) == 0 {
				t.Fatalf("error %v has no diagnostic of severity error", err)
			}
			return
		}
		for i, r := range rs.AllRules {
			if r.Index != i || (r.ID >= 10 && len(r.Nodes) == 0) {
				t.Fatalf("rule %d: index %d, %d nodes", r.ID, r.Index, len(r.Nodes))
			}
		}
	})
}

// TestFastAttachMatchesWalk: the if_sid shortcut builds the same stock
// tree as OSSEC's depth-first search.
func TestFastAttachMatchesWalk(t *testing.T) {
	src := Sources{Base: testenv.StockRuleset(t)}
	fast, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	attachByWalk = true
	defer func() { attachByWalk = false }()
	walk, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	a, b := treeString(fast.Rules), treeString(walk.Rules)
	if a != b {
		t.Errorf("trees differ:\nfast %s\nwalk %s", a, b)
	}
	// if_matched_sid: the rule searched and the rules keeping a history.
	searches := func(rs *Ruleset) (out []string) {
		for _, r := range rs.AllRules {
			s := fmt.Sprintf("%d keeps %v", r.ID, r.KeepsSidHistory)
			if r.SidSearch != nil {
				s += fmt.Sprintf(" searches %d@%d", r.SidSearch.ID, r.SidSearch.Index)
			}
			out = append(out, s)
		}
		return out
	}
	if diff := cmp.Diff(searches(walk), searches(fast)); diff != "" {
		t.Errorf("if_matched_sid searches differ (-walk +fast):\n%s", diff)
	}
	t.Logf("stock tree: %d bytes as text, %d rules", len(a), len(fast.AllRules))
}

// TestLoadRandom is a short, deterministic fuzz run of Load: mutations
// of valid rule and decoder files never panic, and every failure has
// diagnostics with a file, a position inside the file and a code.
func TestLoadRandom(t *testing.T) {
	rules := `<var name="W">x|y</var>
<group name="g,">
  <rule id="10" level="3"><if_sid>1</if_sid><match>$W</match><description>d</description></rule>
  <rule id="11" level="5" frequency="2" timeframe="60"><if_matched_sid>10</if_matched_sid><same_source_ip/></rule>
  <rule id="12" level="0"><if_group>g</if_group><srcip>10.0.0.0/8</srcip><time>6 pm - 8 am</time></rule>
  <rule id="13" level="2"><decoded_as>sshd</decoded_as><user_pcre2>^r</user_pcre2><options>no_log</options></rule>
  <rule id="10" level="4" overwrite="yes"><if_sid>1</if_sid><regex>^(\d+)</regex></rule>
</group>`
	tokens := []string{"<", ">", "/", "\"", "=", " ", "\n", "rule", "group", "if_sid", "1", "0", "10", "level", "id",
		"<match>", "</match>", "<if_sid>", "</if_sid>", "(", ")", "\\", "$W", "overwrite=\"yes\"", "<!--", "-->", "x"}
	f := newFixture(t)
	dec := f.file("d.xml", testDecoders)
	root := f.file("root.xml", rootRule)
	seed := uint64(1)
	rnd := func(n int) int {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return int(seed % uint64(n))
	}
	loaded := 0
	for i := 0; i < 300; i++ {
		b := []byte(rules)
		for m := 1 + rnd(3); m > 0; m-- {
			at := rnd(len(b))
			switch rnd(3) {
			case 0: // delete a span
				end := at + rnd(12)
				if end > len(b) {
					end = len(b)
				}
				b = append(b[:at:at], b[end:]...)
			case 1: // insert a token
				tok := tokens[rnd(len(tokens))]
				b = append(b[:at:at], append([]byte(tok), b[at:]...)...)
			default: // duplicate a span
				end := at + rnd(40)
				if end > len(b) {
					end = len(b)
				}
				b = append(b[:end:end], append(append([]byte{}, b[at:end]...), b[end:]...)...)
			}
		}
		r := f.file("r.xml", string(b))
		rs, err := Load(Sources{Decoders: []string{dec}, Rules: []string{root, r}})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || len(e.Diagnostics) == 0 {
				t.Fatalf("mutation %d: error %v is not an *Error with diagnostics", i, err)
			}
			for _, d := range e.Diagnostics {
				if d.Code == "" || d.Pos.File == "" || (d.Pos.File == r && d.Code != CodeFileNotFound && d.Pos.Line < 1) {
					t.Fatalf("mutation %d: bad diagnostic %v for\n%s", i, d, b)
				}
			}
			continue
		}
		loaded++
		for j, x := range rs.AllRules {
			if x.Index != j || (x.ID >= 10 && len(x.Nodes) == 0) {
				t.Fatalf("mutation %d: rule %d index %d nodes %d", i, x.ID, x.Index, len(x.Nodes))
			}
		}
	}
	t.Logf("%d of 300 mutations loaded", loaded)
}

func TestParseCDB(t *testing.T) {
	// A constant database with three records and empty hash tables.
	var recs []byte
	for _, kv := range [][2]string{{"a", "1"}, {"bb", "22"}, {"a", "3"}} {
		var h [8]byte
		binary.LittleEndian.PutUint32(h[0:], uint32(len(kv[0])))
		binary.LittleEndian.PutUint32(h[4:], uint32(len(kv[1])))
		recs = append(append(append(recs, h[:]...), kv[0]...), kv[1]...)
	}
	end := uint32(2048 + len(recs))
	data := make([]byte, 2048)
	for i := 0; i < 256; i++ {
		binary.LittleEndian.PutUint32(data[i*8:], end)
	}
	data = append(data, recs...)
	m, ok := parseCDB(data)
	if !ok {
		t.Fatal("parseCDB failed")
	}
	if diff := cmp.Diff(map[string]string{"a": "1", "bb": "22"}, m); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if _, ok := parseCDB(data[:2050]); ok {
		t.Errorf("truncated CDB accepted")
	}
}

func TestRuleDir(t *testing.T) {
	f := newFixture(t)
	f.file("etc/decoder.xml", testDecoders)
	f.file("rules/root.xml", rootRule)
	f.file("rules/more/b.xml", `<group name="b,"><rule id="11" level="1"><if_sid>10</if_sid><match>b</match></rule></group>`)
	f.file("rules/more/a.xml", `<group name="a,"><rule id="10" level="1"><if_sid>1</if_sid><match>a</match></rule></group>`)
	f.file("rules/more/skip.txt", `not a rule file`)
	f.file("rules/more/c_rules.xml", `<group name="c,"><rule id="12" level="1"><if_sid>1</if_sid><match>c</match></rule></group>`)
	cfg := f.file("etc/ossec.conf", `<ossec_config><rules>
  <include>root.xml</include>
  <rule_dir pattern="_rules.xml$">rules/more</rule_dir>
  <rule_dir>rules/more</rule_dir>
</rules></ossec_config>`)
	rs, err := Load(Sources{Base: f.dir, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rs.RuleFiles {
		rel, _ := filepath.Rel(f.dir, p)
		got = append(got, filepath.ToSlash(rel))
	}
	// The first rule_dir takes c_rules.xml; the second adds a.xml and b.xml
	// in name order and skips c_rules.xml, already listed.
	want := []string{"rules/root.xml", "rules/more/c_rules.xml", "rules/more/a.xml", "rules/more/b.xml"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rule files (-want +got):\n%s", diff)
	}
}
