package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
)

func TestNeedsDocker(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"run"}, false},
		{[]string{"run", "cases/"}, false},
		{[]string{"run", "--engine", "native", "cases/"}, false},
		{[]string{"run", "--engine=logtest"}, false},
		{[]string{"run", "--engine", "docker", "cases/"}, true},
		{[]string{"run", "--engine=docker", "cases/"}, true},
		{[]string{"run", "-engine", "docker"}, true},
		{[]string{"run", "-engine=docker-live"}, true},
		{[]string{"run", "--engine", "docker-live"}, true},
		{[]string{"run", "--junit", "j.xml", "--engine", "docker", "cases/"}, true},
		{[]string{"run", "--engine", "dockerish"}, false},
		{[]string{"run", "--engine"}, false},
		{[]string{"run", "--", "--engine", "docker"}, false},
		{[]string{"run", "--engines=docker"}, false},
		// Exactly as run's flag parsing: --hostname takes "--" as its
		// value, so --engine docker is parsed after it...
		{[]string{"run", "--hostname", "--", "--engine", "docker", "cases/"}, true},
		{[]string{"run", "--hostname=--", "--engine", "docker"}, true},
		{[]string{"run", "--junit", "--engine", "docker"}, false},
		{[]string{"run", "--base", "-engine=docker"}, false},
		// ... parsing stops at the first argument that is not a flag...
		{[]string{"run", "cases/", "--engine", "docker"}, false},
		{[]string{"run", "-v", "cases/", "-engine=docker"}, false},
		{[]string{"run", "-", "--engine", "docker"}, false},
		// ... a bool flag takes no value but its own =value...
		{[]string{"run", "-v", "--engine", "docker"}, true},
		{[]string{"run", "--json=true", "--engine", "docker"}, true},
		// ... the docker engines' flags take a value...
		{[]string{"run", "--image", "img", "--engine", "docker", "cases/"}, true},
		{[]string{"run", "--docker-endpoint", "--engine", "native"}, false},
		{[]string{"run", "--docker-endpoint", "unix:///d.sock", "-engine=docker-live"}, true},
		// ... the last --engine counts...
		{[]string{"run", "--engine", "docker", "--engine", "native"}, false},
		{[]string{"run", "--engine", "native", "--engine=docker"}, true},
		// ... a bad flag is the command's own error, not delegated...
		{[]string{"run", "--engine", "docker", "--nosuchflag"}, false},
		{[]string{"run", "--nosuchflag", "--engine", "docker"}, false},
		{[]string{"run", "--engine", "docker", "-v=maybe"}, false},
		// ... and help after --engine docker is the docker program's,
		// which lists the docker engines' flags.
		{[]string{"run", "--engine", "docker", "-h"}, true},
		{[]string{"run", "-h", "--engine", "docker"}, false},
		// Only run takes --engine.
		{[]string{"logtest", "--engine", "docker"}, false},
		{[]string{"coverage", "--engine=docker"}, false},
		{[]string{"base"}, true},
		{[]string{"base", "-h"}, true},
		{[]string{"docker-helper", "serve"}, true},
		{[]string{"standin-entrypoint"}, true},
		{[]string{"help", "base"}, true},
		{[]string{"help", "run"}, false},
		{[]string{"logtest", "-q"}, false},
		{[]string{"docker"}, false}, // an engine, not a command
	} {
		if got := NeedsDocker(tc.args); got != tc.want {
			t.Errorf("NeedsDocker(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

// TestEngineCommands: the commands whose help lists -engine are those
// whose flag set NeedsDocker parses (engineCommands), and that flag set
// has the engine flag.
func TestEngineCommands(t *testing.T) {
	for name := range commands {
		var out bytes.Buffer
		Run([]string{"help", name}, &out, &out)
		_, listed := engineCommands[name]
		if takes := strings.Contains(out.String(), "-engine"); takes != listed {
			t.Errorf("command %s: its help lists -engine: %v; in engineCommands (delegate.go): %v", name, takes, listed)
		}
	}
	for name, newFlags := range engineCommands {
		if newFlags(io.Discard).Lookup("engine") == nil {
			t.Errorf("engineCommands[%q] builds a flag set without -engine", name)
		}
	}
}

// TestMainProgramLinksNoDocker: cmd/ossec-ruletest links none of the
// docker engines' dependencies (they cost every run start-up time and
// memory); cmd/ossec-ruletest-docker does, which shows that the check sees
// them.
func TestMainProgramLinksNoDocker(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool on PATH to list the dependencies with: %v", err)
	}
	root := testenv.ModuleRoot(t)
	docker := func(pkg string) []string {
		cmd := exec.Command(goTool, "list", "-deps", pkg)
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		var found []string
		for _, p := range strings.Fields(string(out)) {
			if strings.HasPrefix(p, "github.com/ory/dockertest") || strings.HasPrefix(p, "github.com/docker/") {
				found = append(found, p)
			}
		}
		return found
	}
	if found := docker("./cmd/ossec-ruletest"); len(found) > 0 {
		t.Errorf("cmd/ossec-ruletest links the docker engines' dependencies (they belong in cmd/%s): %s", DockerProgram, strings.Join(found, " "))
	}
	if found := docker("./cmd/" + DockerProgram); len(found) == 0 {
		t.Errorf("cmd/%s links no github.com/ory/dockertest nor github.com/docker/ package: does the check still see them?", DockerProgram)
	}
}

// programs builds the programs of cmd/ named (ossec-ruletest,
// ossec-ruletest-docker) into one directory of the test's and returns it;
// the program name is filepath.Join(dir, exe(name)).
func programs(t *testing.T, names ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds the programs")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool on PATH to build the programs with: %v", err)
	}
	dir := t.TempDir()
	args := []string{"build", "-o", dir + string(os.PathSeparator)}
	for _, n := range names {
		args = append(args, "./cmd/"+n)
	}
	cmd := exec.Command(goTool, args...)
	cmd.Dir = testenv.ModuleRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return dir
}

// exe returns the file name of the program name: name.exe on Windows.
func exe(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}

// runProgram runs bin with args, an empty PATH and no
// RULETEST_DOCKER_PROGRAM, and returns its exit code, stdout and stderr.
func runProgram(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.EqualFold(name, "PATH") && !strings.EqualFold(name, envDelegated) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PATH=", EnvCache+"=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s %q: %v", bin, args, err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// TestDelegationToTheDockerProgram runs ossec-ruletest, built beside
// ossec-ruletest-docker, with command lines that need the docker engines:
// the docker program runs them, and its output and exit code come through.
func TestDelegationToTheDockerProgram(t *testing.T) {
	dir := programs(t, "ossec-ruletest", DockerProgram)
	bin := filepath.Join(dir, exe("ossec-ruletest"))
	cases := t.TempDir()
	if err := os.WriteFile(filepath.Join(cases, "a.txtar"), []byte("logtest 'Nov 26 10:00:00 h sshd[1]: hello'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const endpoint = "unix:///nonexistent/docker.sock"
	// The last: as Go's flag package parses it, --hostname takes "--" as
	// its value, and --engine docker follows.
	for _, engine := range [][]string{{"--engine", "docker"}, {"--engine=docker-live"}, {"-engine", "docker"}, {"--hostname", "--", "--engine", "docker"}} {
		args := append(append([]string{"run"}, engine...), "--docker-endpoint", endpoint, cases)
		code, _, stderr := runProgram(t, bin, args...)
		if code != ExitUsage || !strings.Contains(stderr, "cannot reach the Docker daemon") || !strings.Contains(stderr, endpoint) {
			t.Errorf("ossec-ruletest %q: exit %d, want %d and the docker program's error about %s; stderr:\n%s", args, code, ExitUsage, endpoint, stderr)
		}
		if strings.Contains(stderr, "unknown engine") || strings.Contains(stderr, "not defined") {
			t.Errorf("ossec-ruletest %q ran the engine itself:\n%s", args, stderr)
		}
	}

	code, _, stderr := runProgram(t, bin, "base")
	if code != ExitUsage || !strings.Contains(stderr, "usage: ossec-ruletest base --image IMAGE") {
		t.Errorf("ossec-ruletest base: exit %d, want %d and the docker program's usage; stderr:\n%s", code, ExitUsage, stderr)
	}
	// Another exit code than the usage error's comes through too.
	code, _, stderr = runProgram(t, bin, "base", "--docker-endpoint", endpoint, filepath.Join(t.TempDir(), "base"))
	if code != ExitFailed || !strings.Contains(stderr, "cannot reach the Docker daemon") {
		t.Errorf("ossec-ruletest base on a dead endpoint: exit %d, want %d; stderr:\n%s", code, ExitFailed, stderr)
	}
	// The docker program's own help has the docker engines' flags.
	code, _, stderr = runProgram(t, bin, "run", "--engine", "docker", "-h")
	if code != ExitOK || !strings.Contains(stderr, "-docker-endpoint") || strings.Contains(stderr, "which run through the program") {
		t.Errorf("ossec-ruletest run --engine docker -h: exit %d, want the docker program's help with -docker-endpoint, its engines its own; stderr:\n%s", code, stderr)
	}
	// Other command lines stay in ossec-ruletest, whose help names the
	// docker engines and the program that has them, and has their flags
	// (a command line parses the same in both); help before --engine is
	// asked before the flag is parsed.
	for _, args := range [][]string{{"run", "-h"}, {"run", "-h", "--engine", "docker"}} {
		code, _, stderr = runProgram(t, bin, args...)
		if code != ExitOK || !strings.Contains(stderr, "-docker-endpoint") || !strings.Contains(stderr, "docker, docker-live, which run through the program "+DockerProgram) {
			t.Errorf("ossec-ruletest %q: exit %d, want its own help naming the docker engines of %s; stderr:\n%s", args, code, DockerProgram, stderr)
		}
	}
	code, stdout, _ := runProgram(t, bin, "help")
	if code != ExitOK || !strings.Contains(stdout, "\n  base ") || !strings.Contains(stdout, "(runs "+DockerProgram+")") {
		t.Errorf("ossec-ruletest help: exit %d, want base listed as running %s:\n%s", code, DockerProgram, stdout)
	}
}

// TestDockerProgramMissing: without ossec-ruletest-docker beside it or on
// PATH, a command line that needs it ends with the way to install it.
func TestDockerProgramMissing(t *testing.T) {
	dir := programs(t, "ossec-ruletest")
	bin := filepath.Join(dir, exe("ossec-ruletest"))
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"run", "--engine", "docker", "cases/"}, {"run", "--engine=docker-live"}, {"base"}} {
		code, stdout, stderr := runProgram(t, bin, args...)
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if code != ExitUsage || len(lines) != 1 || stdout != "" ||
			!strings.Contains(stderr, DockerProgram+", which is neither in "+dir+" nor on PATH") ||
			!strings.Contains(stderr, "CGO_ENABLED=0 go install github.com/ossec-ruletest/ossec-ruletest/cmd/ossec-ruletest-docker@latest") {
			t.Errorf("ossec-ruletest %q without %s: exit %d, want %d and one line saying how to install it; stdout %q, stderr:\n%s", args, DockerProgram, code, ExitUsage, stdout, stderr)
		}
	}

	// Flag parsing stops at the first path: --engine and docker are paths
	// too, and run says that the first does not exist.
	missing := filepath.Join(t.TempDir(), "cases")
	code, stdout, stderr := runProgram(t, bin, "run", "--no-repo", missing, "--engine", "docker")
	if code != ExitUsage || stdout != "" || strings.Contains(stderr, DockerProgram) || !strings.Contains(stderr, missing) {
		t.Errorf("ossec-ruletest run %s --engine docker: exit %d, want %d and run's own error about %s; stdout %q, stderr:\n%s", missing, code, ExitUsage, missing, stdout, stderr)
	}

	// A program of that name without the docker engines (a copy of
	// ossec-ruletest) says so instead of running itself again.
	if err := os.WriteFile(filepath.Join(dir, exe(DockerProgram)), data, 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runProgram(t, bin, "run", "--engine", "docker")
	if code != ExitUsage || !strings.Contains(stderr, "has no docker engines") {
		t.Errorf("ossec-ruletest with a copy of itself as %s: exit %d, want %d and 'has no docker engines'; stderr:\n%s", DockerProgram, code, ExitUsage, stderr)
	}
}

// TestRunWithoutTheDockerEngines: in-process (Run, which never runs
// another program), the docker engines and commands name the program
// that has them.
func TestRunWithoutTheDockerEngines(t *testing.T) {
	cases := t.TempDir()
	if err := os.WriteFile(filepath.Join(cases, "a.txtar"), []byte("logtest 'Nov 26 10:00:00 h sshd[1]: hello'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"run", "--engine", "docker", cases}, &stdout, &stderr); code != ExitUsage ||
		!strings.Contains(stderr.String(), "engine docker is in the program "+DockerProgram+"; install it with: ") {
		t.Errorf("run --engine docker: exit %d, stderr:\n%s", code, stderr.String())
	}
	stderr.Reset()
	if code := Run([]string{"base"}, &stdout, &stderr); code != ExitUsage ||
		!strings.Contains(stderr.String(), "base is a command of "+DockerProgram+"; install it with: ") {
		t.Errorf("base: exit %d, stderr:\n%s", code, stderr.String())
	}
}
