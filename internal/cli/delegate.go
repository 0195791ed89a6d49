package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
)

// DockerProgram is the program with the docker engines: every command of
// ossec-ruletest plus the docker and docker-live engines and the commands
// that run in or for a manager container (cmd/ossec-ruletest-docker). Its
// dependencies (the Docker client) cost every process start-up time and
// memory, so ossec-ruletest does not link them and runs DockerProgram for
// the command lines that need them (Main).
const DockerProgram = "ossec-ruletest-docker"

// dockerInstall says how to install DockerProgram.
const dockerInstall = "CGO_ENABLED=0 go install github.com/ossec-ruletest/ossec-ruletest/cmd/" + DockerProgram + "@latest" +
	" (or .../cmd/...@latest for all the programs)"

// The docker engines' defaults (those of package
// internal/engines/docker, which this package does not link; dockercli's
// test checks them).
const (
	DockerDefaultImage = "atomicorp/ossec-docker:4.3.0"
	DockerImageStandin = "standin"
)

// DockerOptions are the values of the docker engines' flags, which every
// program declares (a command line parses the same in both): package
// dockercli's engines read them.
var DockerOptions struct {
	Image, Endpoint string
}

func dockerFlags(fs *flag.FlagSet) {
	fs.StringVar(&DockerOptions.Image, "image", DockerDefaultImage,
		"docker engine: the OSSEC manager `image`, or \""+DockerImageStandin+"\" for the stand-in built from this binary")
	fs.StringVar(&DockerOptions.Endpoint, "docker-endpoint", "",
		"docker engine: the Docker `endpoint` (default $DOCKER_HOST, else the local socket)")
}

// The engines and commands of DockerProgram are registered in every
// program, without their implementation, which package dockercli provides
// (ProvideEngine, ProvideCommand): a program without it runs DockerProgram
// for them (Main), or says how to install it.
func init() {
	RegisterEngine("docker", dockerFlags, nil)
	RegisterEngine("docker-live", nil, nil) // shares the docker flags
	RegisterCommand("base", "export a manager image's OSSEC installation to a directory", nil)
	RegisterCommand("docker-helper", "", nil)      // the container-side helper of live injection
	RegisterCommand("standin-entrypoint", "", nil) // the stand-in image's entrypoint
}

// ProvideEngine gives the engine name, registered without it, its open
// (see RegisterEngine). Call it from init.
func ProvideEngine(name string, open func(ctx context.Context, o EngineOptions) (harness.Backend, error)) {
	e, ok := engines[name]
	if !ok || e.open != nil {
		panic("cli: engine " + name + " is not one to provide")
	}
	e.open = open
	engines[name] = e
}

// ProvideCommand gives the command name, registered without it, its run
// (see RegisterCommand). Call it from init.
func ProvideCommand(name string, run func(args []string, stdout, stderr io.Writer) int) {
	c, ok := commands[name]
	if !ok || c.run != nil {
		panic("cli: command " + name + " is not one to provide")
	}
	c.run = run
}

// envDelegated is set, to DockerProgram's path, in the environment of the
// DockerProgram that Main runs: a program found under that name without
// the docker engines (a copy of ossec-ruletest) says so instead of running
// itself again and again.
const envDelegated = "RULETEST_DOCKER_PROGRAM"

// hasDocker reports whether this program has the docker engines (package
// dockercli is linked in).
func hasDocker() bool {
	return engines["docker"].open != nil
}

// engineCommands are the commands that take --engine (engineFlags), each
// with the function that builds its flag set, its errors and help going
// to the writer given.
var engineCommands = map[string]func(io.Writer) *flag.FlagSet{
	"run": func(w io.Writer) *flag.FlagSet { fl, _ := newRunFlags(w); return fl },
}

// NeedsDocker reports whether the command line args (without the program
// name) needs what only DockerProgram has: its command is one of its
// commands (base, docker-helper, standin-entrypoint; also after help), or
// it is a command that takes --engine whose own flag set parses args to
// one of its engines. A command line that does not parse is not
// delegated: the command says what is wrong with it. One that asks for
// help after such an --engine is (the help of DockerProgram lists the
// docker engines).
func NeedsDocker(args []string) bool {
	if len(args) == 0 {
		return false
	}
	cmd := args[0]
	if cmd == "help" && len(args) > 1 {
		cmd = args[1]
	}
	if c, ok := commands[cmd]; ok && c.run == nil {
		return true
	}
	newFlags, ok := engineCommands[args[0]]
	if !ok {
		return false
	}
	fl := newFlags(io.Discard)
	if err := fl.Parse(args[1:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		return false
	}
	e, ok := engines[fl.Lookup("engine").Value.String()]
	return ok && e.open == nil
}

// dockerMissing is the one-line error for what needs DockerProgram in a
// program that cannot run it: what, then how to install it.
func dockerMissing(what string) string {
	return what + "; install it with: " + dockerInstall
}

// findDockerProgram returns the path of DockerProgram: beside this
// program's executable (go install puts both in GOBIN), else on PATH.
func findDockerProgram() (string, error) {
	name := DockerProgram
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	beside := ""
	if exe, err := os.Executable(); err == nil {
		beside = filepath.Dir(exe)
		p := filepath.Join(beside, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && (runtime.GOOS == "windows" || fi.Mode()&0o111 != 0) {
			return p, nil
		}
	}
	p, err := exec.LookPath(DockerProgram)
	if err == nil {
		return p, nil
	}
	where := "not on PATH"
	if beside != "" {
		where = "neither in " + beside + " nor on PATH"
	}
	if errors.Is(err, exec.ErrDot) {
		where += " (only in a relative folder of PATH, which is not searched)"
	}
	return "", fmt.Errorf("the docker engines are in the program %s, which is %s", DockerProgram, where)
}

// runDockerProgram runs DockerProgram with args in place of this program
// (see execProgram) and returns its exit code, or ExitUsage when it cannot.
func runDockerProgram(args []string, stderr io.Writer) int {
	if p := os.Getenv(envDelegated); p != "" {
		fmt.Fprintf(stderr, "ossec-ruletest: %s\n", dockerMissing(p+", run as "+DockerProgram+", has no docker engines"))
		return ExitUsage
	}
	path, err := findDockerProgram()
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest: %s\n", dockerMissing(err.Error()))
		return ExitUsage
	}
	os.Setenv(envDelegated, path)
	code, err := execProgram(path, args)
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest: running %s: %v\n", path, err)
		return ExitUsage
	}
	return code
}
