package ruleset

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// diagKeys returns "file:line:col code" for each diagnostic of severity
// error, file as its base name.
func diagKeys(t *testing.T, err error) []string {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *Error", err)
	}
	var out []string
	for _, d := range e.Errors() {
		out = append(out, fmt.Sprintf("%s:%d:%d %s", filepath.Base(d.Pos.File), d.Pos.Line, d.Pos.Col, d.Code))
	}
	return out
}

// TestEveryError: loading goes on after an error and reports every error
// of every decoder and rule file, sorted by file, line and column (the
// decoder file z.xml is read before the rule file r.xml, but sorts after
// it), without the errors that only follow from another (a rule below a
// rule that did not load, a decoder below one that did not load).
func TestEveryError(t *testing.T) {
	f := newFixture(t)
	decoders := f.file("z.xml", testDecoders+`<decoder name="bad">
  <prematch>a</prematch>
  <type>web</type>
</decoder>
<decoder name="bad-child">
  <parent>bad</parent>
  <prematch>b</prematch>
</decoder>
<decoder name="orphan">
  <parent>nothing</parent>
  <prematch>b</prematch>
</decoder>
`)
	rules := f.file("r.xml", `<group name="g,">
  <rule id="10" level="1">
    <if_sid>1</if_sid>
    <regex>a)</regex>
  </rule>
  <rule id="11" level="1">
    <if_sid>10</if_sid>
    <match>below a rule that did not load</match>
  </rule>
  <rule id="12" level="1">
    <if_sid>1</if_sid>
    <time>25:00-26:00</time>
  </rule>
  <rule id="13" level="1">
    <if_sid>99</if_sid>
  </rule>
  <rule id="14" level="1" overwrite="yes">
    <match>overwrites a rule that did not load</match>
    <if_sid>1</if_sid>
  </rule>
  <rule id="10" level="1" overwrite="yes">
    <match>overwrites a rule that did not load</match>
    <if_sid>1</if_sid>
  </rule>
</group>
<group name="empty,">
</group>
`)
	_, err := Load(Sources{
		Decoders: []string{decoders},
		Rules:    []string{f.file("root.xml", rootRule), rules},
	})
	want := []string{
		"r.xml:4:12 " + string(CodePattern),
		"r.xml:12:11 " + string(CodeRuleValue),
		"r.xml:15:13 " + string(CodeRuleIfSID),
		"r.xml:17:3 " + string(CodeRuleOverwrite),
		"r.xml:26:1 " + string(CodeRuleGroupEmpty),
		"z.xml:12:9 " + string(CodeDecoderType),
		"z.xml:18:1 " + string(CodeDecoderParent),
	}
	if diff := cmp.Diff(want, diagKeys(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	// One "file:line:col: " line per error, in the same order.
	lines := strings.Split(err.Error(), "\n")
	var e *Error
	errors.As(err, &e)
	if len(lines) != len(e.Errors()) {
		t.Fatalf("%d lines for %d errors:\n%s", len(lines), len(e.Errors()), err)
	}
	for i, d := range e.Errors() {
		prefix := fmt.Sprintf("%s:%d:%d: ", d.Pos.File, d.Pos.Line, d.Pos.Col)
		if !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("line %d %q does not start with %q", i+1, lines[i], prefix)
		}
	}
}

// TestErrorsAfterBadFile: a rule file that does not parse (an element
// left open, a bad top-level element) stops that file only; the errors of
// the files after it are reported too, and structure errors point at the
// element left open. Only a missing parent, which the broken file may
// have defined, is not reported.
func TestErrorsAfterBadFile(t *testing.T) {
	f := newFixture(t)
	unclosed := f.file("a.xml", `<group name="a,">
  <rule id="10" level="1">
    <if_sid>1</if_sid>
    <status>open
    <description>status left open</description>
  </rule>
</group>
`)
	badRoot := f.file("b.xml", `<rule id="20" level="1">
  <if_sid>1</if_sid>
</rule>
`)
	openRule := f.file("c.xml", `<group name="c,">
  <rule id="30" level="1">
    <if_sid>1</if_sid>

  <rule id="31" level="1">
    <if_sid>1</if_sid>
  </rule>
</group>
`)
	later := f.file("d.xml", `<group name="d,">
  <rule id="40" level="1">
    <if_sid>1</if_sid>
    <regex>(a</regex>
  </rule>
  <rule id="41" level="1">
    <if_sid>99</if_sid>
  </rule>
  <rule id="42" level="1">
    <if_sid>1</if_sid>
    <bogus>x</bogus>
  </rule>
</group>
`)
	_, err := Load(Sources{Rules: []string{f.file("root.xml", rootRule), unclosed, badRoot, openRule, later}})
	want := []string{
		"a.xml:4:5 xml-element-not-closed",
		"b.xml:1:1 " + string(CodeRuleRoot),
		"c.xml:2:3 xml-element-not-closed",
		"d.xml:4:12 " + string(CodePattern),
		"d.xml:11:5 " + string(CodeRuleOption),
	}
	if diff := cmp.Diff(want, diagKeys(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestEveryConfigError: every error of the configuration files is
// reported; loading stops after them (the files they name are not read).
func TestEveryConfigError(t *testing.T) {
	f := newFixture(t)
	f.file("etc/decoder.xml", "<decoder name=\"x\"><regex>(</regex></decoder>")
	cfg := f.file("etc/ossec.conf", `<ossec_config>
  <global>
    <logall>true</logall>
    <log_all>yes</log_all>
  </global>
  <alerts>
    <log_alert_level>high</log_alert_level>
  </alerts>
  <rulez/>
</ossec_config>
`)
	extra := f.file("extra.conf", "<ossec>\n</ossec>\n")
	_, err := Load(Sources{Base: f.dir, Config: cfg, Configs: []string{extra}})
	want := []string{ // sorted by path: DIR/etc/ossec.conf, DIR/extra.conf
		"ossec.conf:3:13 " + string(CodeConfigValue),
		"ossec.conf:4:5 " + string(CodeConfigElement),
		"ossec.conf:7:22 " + string(CodeConfigValue),
		"ossec.conf:9:3 " + string(CodeConfigEmptySection),
		"extra.conf:1:1 " + string(CodeConfigRoot),
	}
	if diff := cmp.Diff(want, diagKeys(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestErrorAPI: a load failure is found with errors.As, as an *Error or
// as its first Diagnostic, and errors.Is sees every diagnostic.
func TestErrorAPI(t *testing.T) {
	_, err := loadRules(t, `<group name="g,">
  <rule id="10" level="1"><if_sid>1</if_sid><time>x</time></rule>
  <rule id="11" level="1"><if_sid>1</if_sid><weekday>y</weekday></rule>
</group>`)
	wrapped := fmt.Errorf("case x: %w", err)
	var e *Error
	if !errors.As(wrapped, &e) || len(e.Errors()) != 2 {
		t.Fatalf("errors.As(*Error) on %v: %v", wrapped, e)
	}
	var d Diagnostic
	if !errors.As(wrapped, &d) || d.Code != CodeRuleValue || d.Pos.Line != 2 {
		t.Errorf("errors.As(Diagnostic) = %v, want the error at line 2", d)
	}
	if !errors.Is(wrapped, e.Errors()[1]) {
		t.Errorf("errors.Is does not find the second diagnostic")
	}
	if d.Error() != d.String() {
		t.Errorf("Diagnostic.Error %q != String %q", d.Error(), d.String())
	}
}

// TestXMLWarnings: XML that OSSEC reads without complaint but ignores in
// part loads, with a warning at the ignored part: a <rule> pasted into a
// <description> (OSSEC never loads it), text between the rules of a
// group or between the options of a rule or decoder, attributes OSSEC
// does not read (<match negate="yes">).
func TestXMLWarnings(t *testing.T) {
	f := newFixture(t)
	decoders := f.file("d.xml", testDecoders+`<decoder name="x">
  <prematch>z<regex>(y)</regex>x</prematch>
  <regex offset="after_prematch" type="pcre2">(\d+)</regex> typed here
  <order>id</order>
  <type on="x">ids</type>
</decoder>
`)
	rules := f.file("r.xml", `<group name="g,">
  <rule id="10" level="1">
    <if_sid>1</if_sid>
    <description>first <rule id="11" level="5"><match>pasted</match></rule></description>
  </rule>
  rule id="12" level="1"
  <rule id="13" level="1">
    <if_sid>1</if_sid>
    <if_fts />
    <match>x</match>
    trailing
  </rule>
  <rule id="14" level="1">
    <if_sid>1</if_sid>
    <match negate="yes">x</match>
    <info type="link" lang="en">http://x</info>
    <if_fts why="not read"/>
  </rule>
</group>
`)
	rs, err := Load(Sources{Decoders: []string{decoders}, Rules: []string{f.file("root.xml", rootRule), rules}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range rs.Warnings {
		got = append(got, fmt.Sprintf("%s:%d:%d %s %s", filepath.Base(w.Pos.File), w.Pos.Line, w.Pos.Col, w.Severity, w.Code))
	}
	want := []string{
		"d.xml:11:14 warning " + string(CodeXMLNested),
		"d.xml:12:34 warning " + string(CodeXMLAttr),
		"d.xml:12:61 warning " + string(CodeXMLText),
		"d.xml:14:9 warning " + string(CodeXMLAttr),
		"r.xml:4:24 warning " + string(CodeXMLNested),
		"r.xml:6:3 warning " + string(CodeXMLText),
		"r.xml:11:5 warning " + string(CodeXMLText),
		"r.xml:15:12 warning " + string(CodeXMLAttr),
		"r.xml:16:23 warning " + string(CodeXMLAttr),
		"r.xml:17:13 warning " + string(CodeXMLAttr),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if rs.ByID[11] != nil || rs.ByID[10] == nil || rs.ByID[13] == nil {
		t.Errorf("rules 10 %v, 11 %v, 13 %v: want 10 and 13 loaded, 11 (pasted in a description) not", rs.ByID[10], rs.ByID[11], rs.ByID[13])
	}
}

// TestFlagOptions pins what each same_*/different_*/not_same_* element,
// check_diff and if_fts do, with rules.h's values written out: the bits
// set on a rule that has only that element (after if_matched_sid), and
// what a not_same_* clears after all the same_* were set.
func TestFlagOptions(t *testing.T) {
	if notSameUser != 0xffe || notSameSrcIP != 0xffd || notSameID != 0xffb || notSameAgent != 0xff7 {
		t.Errorf("masks %#x %#x %#x %#x, want rules.h's 0xffe 0xffd 0xffb 0xff7", notSameUser, notSameSrcIP, notSameID, notSameAgent)
	}
	const allSame = "<same_user/><same_source_ip/><same_id/><same_location/>"
	for _, tc := range []struct {
		elems   string
		context ContextOpts
		alert   AlertOpts // beyond DoLogAlert
	}{
		{"<same_source_ip/>", 0x002, 0},
		{"<same_src_port/>", 0x020, 0x200},
		{"<same_dst_port/>", 0x040, 0x200},
		{"<same_id/>", 0x004, 0},
		{"<same_user/>", 0x001, 0x200},
		{"<same_location/>", 0x008, 0x200},
		{"<different_url/>", 0x010, 0x200},
		{"<different_srcip/>", 0x200, 0x200},
		{"<different_srcgeoip/>", 0x400, 0x200},
		{"<check_diff/>", 0x100, 0x100},
		{"<if_fts/>", 0, 0x001},
		{allSame + "<not_same_user/>", 0x00e, 0x200},
		{allSame + "<not_same_source_ip/>", 0x00d, 0x200},
		{allSame + "<not_same_id/>", 0x00b, 0x200},
		{allSame + "<not_same_agent/>", 0x007, 0x200},
		{"<not_same_id/><same_id/>", 0x004, 0},
	} {
		rs, err := loadRules(t, `<group name="g,"><rule id="10" level="1"><if_sid>1</if_sid><match>a</match></rule>
<rule id="11" level="1"><if_matched_sid>10</if_matched_sid>`+tc.elems+`</rule></group>`)
		if err != nil {
			t.Errorf("%s: %v", tc.elems, err)
			continue
		}
		r := rs.ByID[11]
		if r.ContextOpts != tc.context || r.AlertOpts != DoLogAlert|tc.alert {
			t.Errorf("%s: context %#x alert %#x, want %#x %#x", tc.elems, r.ContextOpts, r.AlertOpts, tc.context, DoLogAlert|tc.alert)
		}
	}
}

// TestConfigXMLWarnings: an element inside a value of ossec.conf (here a
// <include> pasted into another) is ignored by OSSEC: a warning.
func TestConfigXMLWarnings(t *testing.T) {
	f := newFixture(t)
	f.file("etc/decoder.xml", testDecoders)
	f.file("rules/root.xml", rootRule)
	cfg := f.file("etc/ossec.conf", `<ossec_config>
  <rules>
    <include>x<include>other.xml</include>root.xml</include>
  </rules>
  <alerts>
    <log_alert_level>1</log_alert_level>
  </alerts>
</ossec_config>
`)
	rs, err := Load(Sources{Base: f.dir, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range rs.Warnings {
		got = append(got, fmt.Sprintf("%s:%d:%d %s", filepath.Base(w.Pos.File), w.Pos.Line, w.Pos.Col, w.Code))
	}
	if diff := cmp.Diff([]string{"ossec.conf:3:15 " + string(CodeXMLNested)}, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
