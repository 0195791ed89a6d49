package cli

import (
	"context"
	"flag"
	"io"
	"os"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/engines/docker"
)

// The docker engine's flags, shared by the flag sets of the commands that
// run cases (only the parsed one sets them).
var (
	dockerImage    string
	dockerEndpoint string
)

func init() {
	RegisterEngine("docker", dockerFlags, openDocker)
	RegisterEngine("docker-live", nil, openDockerLive) // shares the docker flags
	// The container-side helper of live injection; hidden from the help.
	RegisterCommand("docker-helper", "", func(args []string, stdout, stderr io.Writer) int {
		return docker.HelperMain(args, os.Stdin, stdout, stderr)
	})
}

func dockerFlags(fs *flag.FlagSet) {
	fs.StringVar(&dockerImage, "image", docker.DefaultImage,
		"docker engine: the OSSEC manager `image`, or \""+docker.ImageStandin+"\" for the stand-in built from this binary")
	fs.StringVar(&dockerEndpoint, "docker-endpoint", "",
		"docker engine: the Docker `endpoint` (default $DOCKER_HOST, else the local socket)")
}

// openDocker starts the run's manager container; the run closes the
// backend, which removes it.
func openDocker(ctx context.Context, o EngineOptions) (harness.Backend, error) {
	return docker.NewBackend(ctx, docker.Config{
		Image:    dockerImage,
		Endpoint: dockerEndpoint,
		Hostname: shortHost(o.Hostname),
		Log:      os.Stderr,
	})
}

// openDockerLive starts the manager container for live injection: each
// case's ruleset is installed in the manager, its daemons restarted, and
// the events sent to its syslog listener and analysis queue.
func openDockerLive(ctx context.Context, o EngineOptions) (harness.Backend, error) {
	return docker.NewLiveBackend(ctx, docker.Config{
		Image:    dockerImage,
		Endpoint: dockerEndpoint,
		Hostname: shortHost(o.Hostname),
		Log:      os.Stderr,
	})
}

// shortHost is the manager hostname ossec-logtest uses: the given one, or
// this machine's without its domain.
func shortHost(h string) string {
	if h == "" {
		h, _ = os.Hostname()
	}
	if i := strings.IndexByte(h, '.'); i >= 0 {
		h = h[:i]
	}
	return h
}
