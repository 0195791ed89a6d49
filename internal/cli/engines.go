package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
)

// EngineOptions are the settings every engine gets from the command line.
type EngineOptions struct {
	// Hostname is the manager's hostname (--hostname), "" for the
	// machine's.
	Hostname string
}

type engineDef struct {
	flags func(*flag.FlagSet)
	open  func(ctx context.Context, o EngineOptions) (harness.Backend, error)
}

var engines = map[string]engineDef{}

// RegisterEngine makes `--engine name` available to the commands that run
// cases. flags, when not nil, adds the engine's own flags to a command's
// flag set (it may be called for several flag sets; open reads the values
// of the one that was parsed). open starts the engine; a Backend that is
// an io.Closer is closed when the command ends; nil is an engine of
// DockerProgram (see ProvideEngine). Call it from init.
func RegisterEngine(name string, flags func(*flag.FlagSet), open func(ctx context.Context, o EngineOptions) (harness.Backend, error)) {
	if _, dup := engines[name]; dup {
		panic("cli: engine " + name + " registered twice")
	}
	engines[name] = engineDef{flags: flags, open: open}
}

func init() {
	RegisterEngine("native", nil, func(_ context.Context, o EngineOptions) (harness.Backend, error) {
		if watchNative != nil && watchNative.Hostname == o.Hostname {
			return watchNative, nil // run --watch: one engine cache for every cycle
		}
		return harness.NewNative(o.Hostname), nil
	})
}

// engineFlags adds --engine, --hostname and every engine's flags to fs.
func engineFlags(fs *flag.FlagSet) (name, hostname *string) {
	var here, there []string
	for _, n := range engineNames() {
		if engines[n].open != nil {
			here = append(here, n)
		} else {
			there = append(there, n)
		}
	}
	known := "the engine to run cases on: " + strings.Join(here, ", ")
	if len(there) > 0 {
		known += "; and " + strings.Join(there, ", ") + ", which run through the program " + DockerProgram
	}
	name = fs.String("engine", "native", known)
	hostname = fs.String("hostname", "", "the manager's hostname, given to events without a syslog header (default: this machine's)")
	for _, n := range engineNames() {
		if f := engines[n].flags; f != nil {
			f(fs)
		}
	}
	return name, hostname
}

func engineNames() []string {
	names := make([]string, 0, len(engines))
	for n := range engines {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func openEngine(ctx context.Context, name string, o EngineOptions) (harness.Backend, error) {
	e, ok := engines[name]
	if ok && e.open == nil {
		return nil, errors.New(dockerMissing("engine " + name + " is in the program " + DockerProgram))
	}
	if !ok {
		return nil, fmt.Errorf("unknown engine %q (known: %s)", name, strings.Join(engineNames(), ", "))
	}
	return e.open(ctx, o)
}
