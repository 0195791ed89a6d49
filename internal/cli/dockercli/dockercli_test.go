package dockercli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ossec-ruletest/ossec-ruletest/internal/cli"
	"github.com/ossec-ruletest/ossec-ruletest/internal/engines/docker"
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

// TestDockerEngineFlags: the docker engines' flags, which package cli
// declares in every program, take their defaults from the docker engine
// and reach it: the values a command line gives are in the configuration
// the engines start from.
func TestDockerEngineFlags(t *testing.T) {
	if cli.DockerDefaultImage != docker.DefaultImage || cli.DockerImageStandin != docker.ImageStandin {
		t.Errorf("cli declares the images %q and %q; the docker engine's are %q and %q",
			cli.DockerDefaultImage, cli.DockerImageStandin, docker.DefaultImage, docker.ImageStandin)
	}
	defer func(old struct{ Image, Endpoint string }) { cli.DockerOptions = old }(cli.DockerOptions)
	var stdout, stderr bytes.Buffer
	cli.Run([]string{"run", "--engine", "docker", "--image", "img-x", "--docker-endpoint", "unix:///nonexistent/x.sock", "-h"}, &stdout, &stderr)
	for _, want := range []string{"-image", "-docker-endpoint", docker.DefaultImage} {
		if !strings.Contains(stderr.String()+stdout.String(), want) {
			t.Errorf("run's help does not show %q:\n%s", want, stderr.String())
		}
	}
	cli.DockerOptions.Image, cli.DockerOptions.Endpoint = "img-x", "unix:///nonexistent/x.sock"
	if c := dockerConfig(cli.EngineOptions{}); c.Image != "img-x" || c.Endpoint != "unix:///nonexistent/x.sock" {
		t.Errorf("dockerConfig = image %q endpoint %q, want the flags' values", c.Image, c.Endpoint)
	}
}
