// Package dockercli registers the docker engines into package cli: the
// engines docker and docker-live (--image, --docker-endpoint), and the
// commands base, docker-helper (the container-side helper of live
// injection) and standin-entrypoint (the stand-in image's entrypoint).
// Only cmd/ossec-ruletest-docker imports it, for its side effect:
//
//	import _ "github.com/ossec-ruletest/ossec-ruletest/internal/cli/dockercli"
//
// so that ossec-ruletest links none of the Docker client's packages; it
// runs ossec-ruletest-docker for the command lines that need them
// (cli.Main).
package dockercli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/cli"
	"github.com/ossec-ruletest/ossec-ruletest/internal/engines/docker"
	"github.com/ossec-ruletest/ossec-ruletest/internal/engines/docker/layout"
)

// The engines and commands are registered by package cli (in every
// program, with their flags and help); this package provides them.
func init() {
	cli.ProvideEngine("docker", openDocker)
	cli.ProvideEngine("docker-live", openDockerLive)
	cli.ProvideCommand("docker-helper", func(args []string, stdout, stderr io.Writer) int {
		return docker.HelperMain(args, os.Stdin, stdout, stderr)
	})
	cli.ProvideCommand("standin-entrypoint", func(args []string, _, stderr io.Writer) int {
		return layout.EntrypointMain(args, stderr)
	})
	cli.ProvideCommand("base", runBase)
}

const baseUsage = `usage: ossec-ruletest base --image IMAGE [--docker-endpoint ENDPOINT] DIR

Copies the OSSEC installation of a manager image (etc/ and rules/ of
/var/ossec, links resolved, whatever the image's layout) into DIR, which
must not exist or be empty, so that the native engine can run cases on
exactly the ruleset the manager runs: run --base DIR.

Flags:
`

// runBase is the base subcommand.
func runBase(args []string, stdout, stderr io.Writer) int {
	fl := cli.NewFlagSet("base", baseUsage, stderr)
	image := fl.String("image", docker.DefaultImage, "the OSSEC manager `image`")
	endpoint := fl.String("docker-endpoint", "", "the Docker `endpoint` (default $DOCKER_HOST, else the local socket)")
	if code, ok := cli.ParseFlags(fl, args); !ok {
		return code
	}
	if fl.NArg() != 1 {
		fl.Usage()
		return cli.ExitUsage
	}
	dir := fl.Arg(0)
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		fmt.Fprintf(stderr, "ossec-ruletest base: %s is not empty\n", dir)
		return cli.ExitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b, err := docker.NewBackend(ctx, docker.Config{Image: *image, Endpoint: *endpoint, Log: stderr})
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest base: %v\n", err)
		return cli.ExitFailed
	}
	defer b.Close()
	src, err := b.InstallationBase(ctx)
	if err == nil && src == "" {
		err = fmt.Errorf("image %s has no OSSEC installation of its own", *image)
	}
	if err == nil {
		err = os.CopyFS(dir, os.DirFS(src))
	}
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest base: %v\n", err)
		return cli.ExitFailed
	}
	fmt.Fprintf(stdout, "%s: the installation of %s (%s layout)\n", dir, *image, b.Manager().Layout())
	return cli.ExitOK
}

// dockerConfig is the configuration both docker engines start from.
func dockerConfig(o cli.EngineOptions) docker.Config {
	return docker.Config{
		Image:    cli.DockerOptions.Image,
		Endpoint: cli.DockerOptions.Endpoint,
		Hostname: shortHost(o.Hostname),
		Log:      os.Stderr,
	}
}

// openDocker starts the run's manager container; the run closes the
// backend, which removes it.
func openDocker(ctx context.Context, o cli.EngineOptions) (harness.Backend, error) {
	return docker.NewBackend(ctx, dockerConfig(o))
}

// openDockerLive starts the manager container for live injection: each
// case's ruleset is installed in the manager, its daemons restarted, and
// the events sent to its syslog listener and analysis queue.
func openDockerLive(ctx context.Context, o cli.EngineOptions) (harness.Backend, error) {
	return docker.NewLiveBackend(ctx, dockerConfig(o))
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
