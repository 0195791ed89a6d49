package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
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

// dockerCommands are the commands of DockerProgram, with their summary for
// the help of a program without them ("" for the hidden ones).
var dockerCommands = map[string]string{
	"base":               "export a manager image's OSSEC installation to a directory",
	"docker-helper":      "", // the container-side helper of live injection
	"standin-entrypoint": "", // the stand-in image's entrypoint
}

// dockerEngines are the engines of DockerProgram.
var dockerEngines = []string{"docker", "docker-live"}

// envDelegated is set, to DockerProgram's path, in the environment of the
// DockerProgram that Main runs: a program found under that name without
// the docker engines (a copy of ossec-ruletest) says so instead of running
// itself again and again.
const envDelegated = "RULETEST_DOCKER_PROGRAM"

// hasDocker reports whether this program has the docker engines (package
// dockercli is linked in).
func hasDocker() bool {
	_, ok := engines["docker"]
	return ok
}

// dockerEngineFlags are the flags the docker engines add to the commands
// that take --engine (package dockercli's dockerFlags; its test checks
// this list): each takes a value. NeedsDocker declares them in a program
// without those engines, so that a command line parses as in
// DockerProgram.
var dockerEngineFlags = []string{"image", "docker-endpoint"}

// DockerEngineFlags returns the flags NeedsDocker declares, as flags
// that take a value, for the docker engines in a program without them.
// Package dockercli's test checks them against the engines' own flags.
func DockerEngineFlags() []string { return slices.Clone(dockerEngineFlags) }

// engineCommands are the commands that take --engine (engineFlags), each
// with the function that builds its flag set, its errors and help going
// to the writer given.
var engineCommands = map[string]func(io.Writer) *flag.FlagSet{
	"run": func(w io.Writer) *flag.FlagSet { fl, _ := newRunFlags(w); return fl },
}

// NeedsDocker reports whether the command line args (without the program
// name) needs the docker engines: its command is one of DockerProgram's
// (base, docker-helper, standin-entrypoint; also after help), or it is a
// command that takes --engine and its own flag set, given the docker
// engines' flags, parses args to an engine docker or docker-live. A
// command line that does not parse is not delegated: the command says
// what is wrong with it. One that asks for help after such an --engine is
// (the help of DockerProgram lists the docker engines' flags).
func NeedsDocker(args []string) bool {
	if len(args) == 0 {
		return false
	}
	cmd := args[0]
	if cmd == "help" && len(args) > 1 {
		cmd = args[1]
	}
	if _, ok := dockerCommands[cmd]; ok {
		return true
	}
	newFlags, ok := engineCommands[args[0]]
	if !ok {
		return false
	}
	fl := newFlags(io.Discard)
	for _, name := range dockerEngineFlags {
		if fl.Lookup(name) == nil {
			fl.String(name, "", "")
		}
	}
	if err := fl.Parse(args[1:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		return false
	}
	return slices.Contains(dockerEngines, fl.Lookup("engine").Value.String())
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
