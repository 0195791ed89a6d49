package cli

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

// readmeSection returns the text of the README section whose heading line
// is heading, up to the next heading of level 2.
func readmeSection(t *testing.T, readme, heading string) string {
	t.Helper()
	i := strings.Index(readme, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no %q section", heading)
	}
	rest := readme[i+len(heading)+2:]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// codeBlocks returns the fenced code blocks of text, in order.
func codeBlocks(text string) []string {
	re := regexp.MustCompile("(?ms)^```[a-z]*\n(.*?)^```$")
	var out []string
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestReadmeNewcomer follows the README as a newcomer: the install command
// it shows first (go install of the module's cmd/..., here from this
// checkout into an empty GOBIN, without cgo: the network is not needed to
// check that the pattern builds and installs every program of cmd/, each
// static: ossec-ruletest, ossec-ruletest-docker, ossec-ar-verify), `version`,
// then the "Your first case" block, run by sh as written in an empty
// directory, with /var/ossec standing for the stock ruleset; every
// `ossec-ruletest run` must end with the summary the README shows.
func TestReadmeNewcomer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command with go install")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool on PATH: %v", err)
	}
	stock := testenv.StockRuleset(t)
	root := testenv.ModuleRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	module := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(string(gomod), "\n", 2)[0], "module"))

	// The first way to get the tool is go install of the command.
	install := codeBlocks(readmeSection(t, readme, "## Install"))
	if len(install) == 0 {
		t.Fatal("README ## Install has no code block")
	}
	lines := strings.Split(strings.TrimSpace(install[0]), "\n")
	wantInstall := regexp.MustCompile(`^CGO_ENABLED=0 go install ` + regexp.QuoteMeta(module+"/") + `(\S+)@\S+$`)
	m := wantInstall.FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("README install line %q: want CGO_ENABLED=0 go install %s/cmd/...@VERSION", lines[0], module)
	}
	pattern := "./" + m[1]
	if first := strings.Index(readme, "go install "); first < 0 || strings.Contains(readme[:first], "go run ") {
		t.Errorf("go install is not the first way the README shows to get the tool")
	}

	// The line installs every program of cmd/ (the README names them):
	// ossec-ruletest runs ossec-ruletest-docker for the docker engines.
	gobin := t.TempDir()
	cmd := exec.Command(goTool, "install", pattern)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install %s: %v\n%s", pattern, err, out)
	}
	programs, err := os.ReadDir(filepath.Join(root, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range programs {
		if !p.IsDir() {
			continue
		}
		if !strings.Contains(readme, "`"+p.Name()+"`") {
			t.Errorf("README does not name the program %s that its install line installs", p.Name())
		}
		bin := filepath.Join(gobin, p.Name())
		if runtime.GOOS == "windows" {
			bin += ".exe"
		}
		if _, err := os.Stat(bin); err != nil {
			t.Errorf("README's install line %q does not install cmd/%s: %v", lines[0], p.Name(), err)
			continue
		}
		if runtime.GOOS == "linux" {
			f, err := elf.Open(bin)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Errorf("%s has a program interpreter: not a static binary", bin)
				}
			}
			f.Close()
		}
	}
	env := append(os.Environ(), "PATH="+gobin+string(os.PathListSeparator)+os.Getenv("PATH"))
	for _, l := range lines[1:] {
		out, err := runShell(t, t.TempDir(), env, l)
		if err != nil {
			t.Fatalf("%s: %v\n%s", l, err, out)
		}
		if strings.HasPrefix(l, "ossec-ruletest version") && !strings.Contains(out, "models OSSEC "+OSSECVersion) {
			t.Errorf("%s printed %q: want the OSSEC version it models", l, out)
		}
	}

	// The newcomer's repository, case and runs.
	first := readmeSection(t, readme, "## Your first case, in your own rules repository")
	blocks := codeBlocks(first)
	if len(blocks) < 2 {
		t.Fatalf("README's first-case section has %d code blocks, want the script and its summary", len(blocks))
	}
	script, summary := blocks[0], strings.TrimSpace(blocks[1])
	if !strings.Contains(script, "/var/ossec") {
		t.Fatalf("the first-case script does not set the base to /var/ossec")
	}
	script = strings.ReplaceAll(script, "/var/ossec", stock)
	dir := t.TempDir()
	out, err := runShell(t, dir, env, "set -e\n"+script)
	if err != nil {
		t.Fatalf("the README's first-case script failed: %v\n%s", err, out)
	}
	runs := strings.Count(script, "ossec-ruletest run")
	if got := strings.Count(out, "\n"+summary+"\n"); got != runs {
		t.Errorf("output has %d lines %q, want one per ossec-ruletest run (%d):\n%s", got, summary, runs, out)
	}
	if !strings.Contains(out, "loaded ") || strings.Contains(out, "duplicate") {
		t.Errorf("output does not say what loaded, or reports a duplicate:\n%s", out)
	}
}

// runShell runs script with sh in dir and returns its combined output.
func runShell(t *testing.T, dir string, env []string, script string) (string, error) {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return "\n" + string(out), err
}
