//go:build !arverify_mutation

package arverify

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

const chainCase = "../../cases/ar-verify-chain.txtar"

// TestChainCase proves the verdict lines of cases/ar-verify-chain.txtar are
// the program's own: it verifies the case's three paths with the program
// (Verify and Verdict.Line) against fake host state built here, and compares
// with the lines in the case's verdict-*.log files. Then it runs the case on
// the native engine (the whole chain: integrity event, 106002, the active
// response, the verdict line, 107001-107003).
func TestChainCase(t *testing.T) {
	ar, err := txtar.ParseFile(chainCase)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range ar.Files {
		files[f.Name] = string(f.Data)
	}

	// The host: facts.yaml is edited by hand but rpm ships other content;
	// puppet-job holds exactly what the Puppet catalog says; the hostile
	// name belongs to no one.
	dir := privateTempDir(t)
	onDisk := map[string]string{
		"/etc/mcollective/facts.yaml":    "edited by hand\n",
		"/etc/cron.d/puppet-job":         "*/5 * * * * root /usr/local/bin/job\n",
		"/etc/cron.d/job (copy) file ok": "* * * * * root /tmp/x\n",
	}
	tmp := map[string]string{}
	for p, content := range onDisk {
		tmp[p] = writeFile(t, filepath.Join(dir, "host", p), content, 0o644)
	}
	open := func(ctx context.Context, p string) (*File, error) {
		f, err := OpenForVerify(ctx, tmp[p])
		if err != nil {
			return nil, err
		}
		f.Path, f.RealPath = p, p
		return f, nil
	}
	run := newFakeRunner()
	db := &fakeRPMDB{run: run, bin: "/usr/bin/rpm", pkgs: map[string][]rpmFileSpec{
		"mcollective-2.8.4-1.el7.noarch": {{name: "/etc/mcollective/facts.yaml", content: "shipped\n", mode: 0o100644,
			user: userName(uint32(os.Getuid())), group: groupName(uint32(os.Getgid())), flags: 1}},
	}}
	db.install()
	catalogs := filepath.Join(dir, "catalog")
	data, _ := json.Marshal(map[string]any{"resources": []map[string]any{
		{"type": "File", "title": "/etc/cron.d/puppet-job", "parameters": map[string]any{"content": onDisk["/etc/cron.d/puppet-job"]}},
	}})
	writeFile(t, filepath.Join(catalogs, "web-01.json"), string(data), 0o600)
	v := &Verifier{
		Open:     open,
		Configs:  []ConfigManager{&Puppet{CatalogDirs: []string{catalogs}, TrustedUID: uint32(os.Getuid())}},
		Packages: []PackageManager{&RPM{Binary: "/usr/bin/rpm", Runner: run}},
	}
	for file, path := range map[string]string{
		"verdict-managed.log":   "/etc/mcollective/facts.yaml",
		"verdict-ok.log":        "/etc/cron.d/puppet-job",
		"verdict-unmanaged.log": "/etc/cron.d/job (copy) file ok",
	} {
		// As execd passes the name: through OSSEC's argv.
		req, err := ParseArgs(execdArgv("syscheck", path))
		if err != nil || req.Path != path {
			t.Fatalf("ParseArgs: %q, %v", req.Path, err)
		}
		got := v.Verify(context.Background(), req.Path).Line() // as logged by hand: no alert id
		line := strings.TrimSuffix(files[file], "\n")
		_, logged, ok := strings.Cut(line, " "+Tag+"[4242]: ")
		if !ok || logged != got {
			t.Errorf("%s: %s holds %q; the program writes %q", chainCase, file, line, got)
		}
	}

	base := testenv.StockRuleset(t)
	abs, err := filepath.Abs(base)
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := filepath.Abs("../..")
	cfg := &harness.Config{Backend: harness.NewNative("manager"), Base: abs, Repo: repo}
	p := cfg.Params()
	p.Files = []string{chainCase}
	testscript.Run(t, p)
}
