package cli

import (
	"context"
	"flag"
	"io"
	"os"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/dockerengine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
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
		return dockerengine.HelperMain(args, os.Stdin, stdout, stderr)
	})
}

func dockerFlags(fs *flag.FlagSet) {
	fs.StringVar(&dockerImage, "image", dockerengine.DefaultImage,
		"docker engine: the OSSEC manager `image`, or \""+dockerengine.ImageStandin+"\" for the stand-in built from this binary")
	fs.StringVar(&dockerEndpoint, "docker-endpoint", "",
		"docker engine: the Docker `endpoint` (default $DOCKER_HOST, else the local socket)")
}

// openDocker starts the run's manager container; the run closes the
// backend, which removes it.
func openDocker(ctx context.Context, o EngineOptions) (harness.Backend, error) {
	return dockerengine.NewBackend(ctx, dockerengine.Config{
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
	return dockerengine.NewLiveBackend(ctx, dockerengine.Config{
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
