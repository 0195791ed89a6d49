package ruleset

import (
	"errors"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const deployDecoder = `<decoder name="payapi">
  <program_name>^payapi$</program_name>
</decoder>
`

const deployLocalRules = `<group name="local,">
  <rule id="100001" level="5">
    <decoded_as>payapi</decoded_as>
    <description>payapi event</description>
  </rule>
</group>
`

const deployPayRules = `<group name="payapi,">
  <rule id="100010" level="7">
    <if_sid>100001</if_sid>
    <match>refused</match>
    <description>payapi refused</description>
  </rule>
</group>
`

// deployRepo writes a rules repository laid out as an installation: a
// rules/local_rules.xml with rule 100001 (the id of the stock example in
// the base's local_rules.xml), an etc/local_decoder.xml and
// rules/payapi_rules.xml, with conf as its ossec.conf when not "".
func deployRepo(t *testing.T, conf string) *Repo {
	f := newFixture(t)
	r := &Repo{Files: map[string]string{
		"rules/local_rules.xml":  f.file("repo/rules/local_rules.xml", deployLocalRules),
		"rules/payapi_rules.xml": f.file("repo/rules/payapi_rules.xml", deployPayRules),
		"etc/local_decoder.xml":  f.file("repo/etc/local_decoder.xml", deployDecoder),
	}}
	if conf != "" {
		r.Config = f.file("repo/ossec.conf", conf)
	}
	return r
}

// TestRepoReplacesBaseFiles: a repository's rules/local_rules.xml takes
// the place of the base's (its rule 100001 is no duplicate of the stock
// example) and etc/local_decoder.xml is read as the local decoder file;
// without <rules> in its ossec.conf, its other rule files load after the
// base's list.
func TestRepoReplacesBaseFiles(t *testing.T) {
	base := testenv.StockRuleset(t)
	r := deployRepo(t, "")
	rs, err := Load(Sources{Base: base, Repo: r})
	if err != nil {
		t.Fatal(err)
	}
	if got := rs.ByID[100001]; got == nil || got.Description != "payapi event" {
		t.Fatalf("rule 100001 = %+v, want the repository's", got)
	}
	if rs.ByID[100010] == nil {
		t.Errorf("rule 100010 of rules/payapi_rules.xml not loaded")
	}
	if rs.ByID[5711] == nil {
		t.Errorf("stock rule 5711 not loaded")
	}
	if !slices.Contains(rs.DecoderFiles, r.Files["etc/local_decoder.xml"]) {
		t.Errorf("decoder files %q: want the repository's etc/local_decoder.xml", rs.DecoderFiles)
	}
	for _, f := range rs.RuleFiles {
		if f == filepath.Join(base, "rules", "local_rules.xml") {
			t.Errorf("the base's local_rules.xml loaded too: %q", rs.RuleFiles)
		}
	}
}

// TestRepoConfigRulesList: the repository's own <rules> list is what
// loads, resolved in the installation (the repository's files first), and
// a repository rule file it does not name is reported and not loaded.
func TestRepoConfigRulesList(t *testing.T) {
	base := testenv.StockRuleset(t)
	r := deployRepo(t, `<ossec_config>
  <rules>
    <include>rules_config.xml</include>
    <include>sshd_rules.xml</include>
    <include>local_rules.xml</include>
  </rules>
</ossec_config>
`)
	rs, err := Load(Sources{Base: base, Repo: r})
	if err != nil {
		t.Fatal(err)
	}
	if rs.ByID[100001] == nil || rs.ByID[5711] == nil {
		t.Errorf("want rules 100001 and 5711 loaded")
	}
	if rs.ByID[100010] != nil {
		t.Errorf("rule 100010 loaded: rules/payapi_rules.xml is in no <include>")
	}
	if rs.ByID[31101] != nil {
		t.Errorf("stock web rule 31101 loaded: the repository's list replaces the base's")
	}
	var warned bool
	for _, d := range rs.Warnings {
		if d.Code == CodeRepoUnlisted && d.Pos.File == r.Files["rules/payapi_rules.xml"] {
			warned = true
			if !strings.Contains(d.Msg, "rules/payapi_rules.xml") {
				t.Errorf("warning %q does not name the file", d.Msg)
			}
		}
	}
	if !warned {
		t.Errorf("warnings %v: want rules/payapi_rules.xml reported as not loaded", rs.Warnings)
	}

	// The same list naming the file loads it, and a missing file is an
	// error at the <include> of the repository's ossec.conf.
	r = deployRepo(t, `<ossec_config>
  <rules>
    <include>rules_config.xml</include>
    <include>local_rules.xml</include>
    <include>payapi_rules.xml</include>
    <include>nosuch_rules.xml</include>
  </rules>
</ossec_config>
`)
	_, err = Load(Sources{Base: base, Repo: r})
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want a load error for nosuch_rules.xml", err)
	}
	found := false
	for _, d := range le.Diagnostics {
		if d.Code == CodeFileNotFound && d.Pos.File == r.Config && d.Pos.Line == 6 {
			found = true
		}
	}
	if !found {
		t.Errorf("diagnostics %v: want file-not-found at %s:6", le.Diagnostics, r.Config)
	}
}

// TestRepoRuleDir: a <rule_dir> sees the repository's files with the
// base's.
func TestRepoRuleDir(t *testing.T) {
	base := testenv.StockRuleset(t)
	r := deployRepo(t, `<ossec_config>
  <rules>
    <include>rules_config.xml</include>
    <rule_dir pattern="^rules/payapi|^rules/local_rules">rules</rule_dir>
  </rules>
</ossec_config>
`)
	rs, err := Load(Sources{Base: base, Repo: r})
	if err != nil {
		t.Fatal(err)
	}
	if rs.ByID[100001] == nil || rs.ByID[100010] == nil {
		t.Errorf("want the repository's rules loaded by <rule_dir>; rule files %q", rs.RuleFiles)
	}
}

// TestRepoFiles: the installation Files builds for another engine has the
// repository's files in place of the base's, and loads as Load does.
func TestRepoFiles(t *testing.T) {
	base := testenv.StockRuleset(t)
	r := deployRepo(t, "")
	src := Sources{Base: base, Repo: r}
	files, err := src.Files()
	if err != nil {
		t.Fatal(err)
	}
	inst := t.TempDir()
	for _, f := range files {
		(&fixture{t, inst}).file(f.Path, string(f.Data))
		if f.Path == "rules/local_rules.xml" && !strings.Contains(string(f.Data), "payapi event") {
			t.Errorf("rules/local_rules.xml is the base's, want the repository's")
		}
	}
	rs, err := Load(Sources{Base: inst})
	if err != nil {
		t.Fatal(err)
	}
	if rs.ByID[100001] == nil || rs.ByID[100001].Description != "payapi event" || rs.ByID[100010] == nil {
		t.Errorf("the installation does not load the repository's rules")
	}
}
