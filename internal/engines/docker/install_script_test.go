package docker

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dc "github.com/ory/dockertest/v3/docker"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// installRepos are rules repositories laid out as installations, by slash
// path: one whose ossec.conf has its own <rules> list (a file it does not
// name is not loaded), one without (its new rule file, decoder file and
// list load after the base's).
var installRepos = map[string]map[string]string{
	"own-list": {
		"ossec.conf": `<ossec_config>
  <alerts>
    <log_alert_level>2</log_alert_level>
  </alerts>
  <rules>
    <include>rules_config.xml</include>
    <include>syslog_rules.xml</include>
    <include>sshd_rules.xml</include>
    <include>local_rules.xml</include>
  </rules>
</ossec_config>
`,
		"rules/local_rules.xml": `<group name="local,payapi,">
  <rule id="100001" level="5">
    <decoded_as>payapi</decoded_as>
    <description>payapi refused a payment</description>
  </rule>
  <rule id="100002" level="10">
    <if_sid>5716</if_sid>
    <user>^deploy$</user>
    <description>sshd: authentication failure for deploy</description>
  </rule>
</group>
`,
		"rules/forgotten_rules.xml": `<group name="forgotten,">
  <rule id="100100" level="3">
    <if_sid>100001</if_sid>
    <description>no include names this file</description>
  </rule>
</group>
`,
		"etc/local_decoder.xml": `<decoder name="payapi">
  <program_name>^payapi$</program_name>
  <regex>^refused payment (\S+) from (\S+)$</regex>
  <order>id, srcip</order>
</decoder>
`,
		"cases/payapi.txtar": "logtest 'Oct 15 21:07:00 web1 payapi: refused payment 1 from 192.0.2.7'\nrule 100001\n",
	},
	"no-list": {
		"ossec.conf": `<ossec_config>
  <alerts>
    <email_alert_level>9</email_alert_level>
  </alerts>
</ossec_config>
`,
		"rules/local_rules.xml": `<group name="local,">
  <rule id="100001" level="5">
    <decoded_as>payapi</decoded_as>
    <description>payapi event</description>
  </rule>
</group>
`,
		"rules/payapi_rules.xml": `<group name="payapi,">
  <rule id="100010" level="7">
    <if_sid>100001</if_sid>
    <list field="srcip" lookup="address_match_key">lists/bad-hosts</list>
    <description>payapi event from a bad host</description>
  </rule>
</group>
`,
		"etc/local_decoder.xml": `<decoder name="payapi">
  <program_name>^payapi$</program_name>
  <regex>^refused payment (\S+) from (\S+)$</regex>
  <order>id, srcip</order>
</decoder>
`,
		"decoders/billing_decoders.xml": `<decoder name="billing">
  <program_name>^billing$</program_name>
</decoder>
`,
		"lists/bad-hosts": "192.0.2.7:\n",
	},
}

// TestInstallScript runs containers/manager/install.sh, as the manager
// image's Dockerfile does, on a copy of the stock installation laid out
// flat and as the official image (etc, rules, logs links into an empty
// volume, files in *-template), with ossec-ruletest's drop-in standing for
// the image's ossec-logtest (install.sh's -t check). The installation it
// leaves must load what the tests load for the repository over the stock
// base (the same rule and decoder files, rules and decoders, in the same
// order), and the docker engine's upstreamBase must get the stock
// installation back from it, byte for byte.
func TestInstallScript(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds ossec-ruletest")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skipf("no sh to run install.sh: %v", err)
	}
	stock := testenv.StockRuleset(t)
	bin := realRuletest(t)
	for name, files := range installRepos {
		for _, lay := range []Layout{LayoutFlat, LayoutOfficial} {
			t.Run(name+"/"+string(lay), func(t *testing.T) {
				repo := t.TempDir()
				writeTree(t, repo, files)
				inst := t.TempDir()
				layOut(t, inst, stock, lay, bin)
				stage := t.TempDir()
				copyTree(t, repo, filepath.Join(stage, "repo"))
				for _, f := range []string{"install.sh", "live.conf", "ossec-ar-verify.conf"} {
					copyFile(t, filepath.Join("../../../containers/manager", f), filepath.Join(stage, f))
				}
				copyFile(t, bin, filepath.Join(stage, "ossec-ruletest"))

				cmd := exec.Command("sh", filepath.Join(stage, "install.sh"), inst)
				cmd.Env = append(os.Environ(), "RULETEST_STAGE="+stage)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("install.sh: %v\n%s", err, out)
				}
				if name == "own-list" && !strings.Contains(string(out), "rules/forgotten_rules.xml: warning: not loaded") {
					t.Errorf("install.sh did not report the file no <include> names:\n%s", out)
				}

				view := installed(t, inst, lay)
				want := loadView(t, stock, repo)
				got := loadView(t, view, "")
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("the installation loads otherwise than the tests (-tests +installed):\n%s", diff)
				}

				// The docker engine's base: the image's etc/ and rules/ undone.
				back := t.TempDir()
				for _, d := range []string{"etc", "rules"} {
					copyTree(t, filepath.Join(view, d), filepath.Join(back, d))
				}
				if err := upstreamBase(back); err != nil {
					t.Fatal(err)
				}
				wantBase := map[string]string{}
				for _, d := range []string{"etc", "rules"} {
					for p, data := range treeOf(t, filepath.Join(stock, d)) {
						wantBase[d+"/"+p] = data
					}
				}
				if diff := cmp.Diff(wantBase, treeOf(t, back)); diff != "" {
					t.Errorf("upstreamBase did not give the stock installation back (-stock +got):\n%s", diff)
				}
			})
		}
	}
}

// TestRealImageManagerBuild builds containers/manager's Dockerfile FROM
// the real OSSEC image of RULETEST_OSSEC_IMAGE (unless that is a manager
// image already) with a repository built from scratch that has its own
// <rules> list: the build's check (the image's ossec-logtest -t) passes;
// the image's ossec-logtest, on the configuration the build installed,
// ends the repository's line on the repository's rule 100001, not on the
// child rule of the file its list does not name; and the docker engine
// gets back from the new image the OSSEC image's own base, file for file.
func TestRealImageManagerBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds an image")
	}
	img := realImageOrSkip(t)
	pool := dockerOrSkip(t)
	info, err := pool.Client.InspectImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config != nil && info.Config.Labels["org.ossec-ruletest.manager"] == "1" {
		t.Skipf("%s is a manager image already (built from containers/manager): give the OSSEC image it came from", img)
	}
	bin := realRuletest(t)
	ctxDir := t.TempDir()
	writeTree(t, ctxDir, installRepos["own-list"])
	mgr := filepath.Join(ctxDir, "containers", "manager")
	if err := os.MkdirAll(mgr, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"Dockerfile", "install.sh", "live.conf", "ossec-ar-verify.conf"} {
		copyFile(t, filepath.Join("../../../containers/manager", f), filepath.Join(mgr, f))
	}
	copyFile(t, bin, filepath.Join(mgr, "ossec-ruletest"))
	// Named so, the binary is the active response (cli.Main).
	copyFile(t, bin, filepath.Join(mgr, "ossec-ar-verify-file"))

	tag := "ossec-ruletest-install-test:" + strconv.FormatInt(time.Now().UnixNano(), 36)
	var out bytes.Buffer
	err = pool.Client.BuildImage(dc.BuildImageOptions{
		Name: tag, Dockerfile: "containers/manager/Dockerfile", ContextDir: ctxDir,
		BuildArgs:    []dc.BuildArg{{Name: "OSSEC_IMAGE", Value: img}},
		OutputStream: &out, RmTmpContainer: true, ForceRmTmpContainer: true,
	})
	if err != nil {
		t.Fatalf("docker build FROM %s: %v\n%s", img, err, out.String())
	}
	t.Cleanup(func() { pool.Client.RemoveImageExtended(tag, dc.RemoveImageOptions{Force: true}) })
	for _, want := range []string{"rules/forgotten_rules.xml: warning: not loaded", "install.sh: ruleset installed and checked"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the build did not print %q:\n%s", want, out.String())
		}
	}

	ctx := context.Background()
	base := func(image string) map[string]string {
		b, err := NewBackend(ctx, Config{Image: image, Log: testWriter{t}})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		dir, err := b.InstallationBase(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return treeOf(t, dir)
	}
	if diff := cmp.Diff(base(img), base(tag)); diff != "" {
		t.Errorf("the manager image's base is not the OSSEC image's (-%s +manager):\n%s", img, diff)
	}

	b, err := NewBackend(ctx, Config{Image: tag, Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := b.m.sh(ctx, `printf '%s\n' "$1" | /var/ossec/bin/ossec-logtest 2>&1`, "Oct 15 21:07:00 web1 payapi: refused payment 8812 from 192.0.2.7")
	if err != nil {
		t.Fatalf("ossec-logtest in %s: %v\n%s", tag, err, got)
	}
	if !strings.Contains(got, "Rule id: '100001'") || strings.Contains(got, "100100") {
		t.Errorf("the installed configuration: want the line to end on rule 100001 (and the unlisted file's 100100 not loaded):\n%s", got)
	}
}

// loaded is what TestInstallScript compares of two loads: files by their
// path in the installation, rules and decoders in order.
type loaded struct {
	RuleFiles, DecoderFiles []string
	Rules                   []string // id level file
	Decoders                []string // name file
	LogLevel, MailLevel     int
}

// loadView loads base with repo deployed ("" for none) as run does.
func loadView(t *testing.T, base, repo string) loaded {
	t.Helper()
	src, err := harness.Sources(base, repo)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ruleset.Load(src)
	if err != nil {
		t.Fatalf("loading base %s, repository %q: %v", base, repo, err)
	}
	inst := map[string]string{}
	if src.Repo != nil {
		for p, f := range src.Repo.Files {
			inst[f] = p
		}
	}
	rel := func(f string) string {
		if p, ok := inst[f]; ok {
			return p
		}
		r, err := filepath.Rel(base, f)
		if err != nil || strings.HasPrefix(r, "..") {
			t.Fatalf("loaded file %s is neither in %s nor in the repository", f, base)
		}
		return filepath.ToSlash(r)
	}
	var l loaded
	for _, f := range rs.RuleFiles {
		l.RuleFiles = append(l.RuleFiles, rel(f))
	}
	for _, f := range rs.DecoderFiles {
		l.DecoderFiles = append(l.DecoderFiles, rel(f))
	}
	for _, r := range rs.AllRules {
		l.Rules = append(l.Rules, fmt.Sprintf("%d %d %s", r.ID, r.Level, rel(r.Pos.File)))
	}
	for _, d := range rs.Decoders {
		l.Decoders = append(l.Decoders, d.OwnName+" "+rel(d.Pos.File))
	}
	l.LogLevel, l.MailLevel = rs.Config.LogAlertLevel, rs.Config.EmailAlertLevel
	return l
}

// layOut makes inst an OSSEC installation with stock's etc/ and rules/,
// in layout lay, whose bin/ossec-logtest is bin's drop-in on inst.
func layOut(t *testing.T, inst, stock string, lay Layout, bin string) {
	t.Helper()
	for _, d := range []string{"etc", "rules"} {
		dst := filepath.Join(inst, d)
		if lay == LayoutOfficial {
			dst += "-template"
		}
		copyTree(t, filepath.Join(stock, d), dst)
	}
	if lay == LayoutOfficial {
		for _, d := range []string{"logs", "stats", "queue"} {
			if err := os.MkdirAll(filepath.Join(inst, d+"-template"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range []string{"etc", "rules", "logs", "stats", "queue"} {
			if err := os.Symlink(filepath.Join("data", d), filepath.Join(inst, d)); err != nil {
				t.Fatal(err)
			}
		}
	}
	writeTree(t, inst, map[string]string{
		"bin/ossec-logtest":                        "#!/bin/sh\nexec " + bin + " logtest -D " + inst + " \"$@\"\n",
		"active-response/bin/ossec-ar-verify-file": "#!/bin/sh\n",
	})
	if err := os.Chmod(filepath.Join(inst, "bin", "ossec-logtest"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// installed returns the installation install.sh left in inst as the
// image's containers see it: for the official layout, a copy with the
// templates in place of the volume's links, which must be empty again.
func installed(t *testing.T, inst string, lay Layout) string {
	t.Helper()
	if lay == LayoutFlat {
		return inst
	}
	if _, err := os.Stat(filepath.Join(inst, "data", "etc")); err == nil {
		t.Errorf("install.sh left the volume filled (%s/data/etc)", inst)
	}
	view := t.TempDir()
	for _, d := range []string{"etc", "rules", "logs"} {
		copyTree(t, filepath.Join(inst, d+"-template"), filepath.Join(view, d))
	}
	for _, d := range []string{"decoders", "lists"} {
		if _, err := os.Stat(filepath.Join(inst, d)); err == nil {
			copyTree(t, filepath.Join(inst, d), filepath.Join(view, d))
		}
	}
	return view
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		f := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, fi.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}
