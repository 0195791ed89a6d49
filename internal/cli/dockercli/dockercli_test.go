package dockercli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/cli"
)

func TestRunDockerFailsFastOnADeadEndpoint(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txtar"), []byte("logtest 'Nov 26 10:00:00 h sshd[1]: hello'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := "unix://" + filepath.Join(dir, "docker.sock")
	var stdout, stderr bytes.Buffer
	code := cli.Run([]string{"run", "--engine", "docker", "--image", "standin", "--docker-endpoint", sock, dir}, &stdout, &stderr)
	if code != cli.ExitUsage {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, cli.ExitUsage, stderr.String())
	}
	if !strings.Contains(stderr.String(), "cannot reach the Docker daemon") || !strings.Contains(stderr.String(), sock) {
		t.Errorf("stderr does not name the dead endpoint:\n%s", stderr.String())
	}
}

func TestDockerHelperUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := cli.Run([]string{"docker-helper"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "usage: ossec-ruletest docker-helper") {
		t.Errorf("docker-helper without arguments: %d, %q", code, stderr.String())
	}
	var help bytes.Buffer
	cli.Run([]string{"help"}, &help, &help)
	if strings.Contains(help.String(), "docker-helper") {
		t.Errorf("the container-side helper shows in the help:\n%s", help.String())
	}
	if !strings.Contains(help.String(), "run") {
		t.Fatalf("help lists no commands:\n%s", help.String())
	}
}

// TestDockerEngineFlags: the flags the docker engines add to a command
// are those cli.NeedsDocker declares for them in a program without them,
// and each takes a value, so that a command line parses there as here.
func TestDockerEngineFlags(t *testing.T) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	dockerFlags(fs)
	var got []string
	fs.VisitAll(func(f *flag.Flag) {
		got = append(got, f.Name)
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			t.Errorf("docker engine flag -%s takes no value; cli.NeedsDocker declares the docker engines' flags as flags that take one", f.Name)
		}
	})
	want := cli.DockerEngineFlags()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the docker engines' flags are %q; cli.NeedsDocker declares %q (internal/cli/delegate.go, dockerEngineFlags)", got, want)
	}
}
