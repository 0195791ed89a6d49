package logtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Backend is the harness.Backend of a real ossec-logtest. It builds one
// installation directory per distinct ruleset and removes them in Close.
type Backend struct {
	// Dir is the OSSEC installation: Dir/bin/ossec-logtest runs, and
	// Dir/etc/internal_options.conf is used where the ruleset has none.
	Dir string
	// Hostname is the server hostname ossec-logtest must see ("" for the
	// machine's); see Command.Hostname.
	Hostname string

	mu       sync.Mutex
	installs map[string]*install
}

type install struct {
	once sync.Once
	cmd  *Command
	err  error
}

// NewBackend returns a backend on the OSSEC installation dir, or an error
// saying why it cannot run there.
func NewBackend(dir, hostname string) (*Backend, error) {
	if _, err := FindBinary(dir); err != nil {
		return nil, err
	}
	return &Backend{Dir: dir, Hostname: hostname}, nil
}

// Name returns "logtest".
func (b *Backend) Name() string { return "logtest" }

// InstallationBase returns Dir when it holds an installation's ruleset
// (etc/ossec.conf and rules/), the base of the cases that are given none,
// as a manager image's own installation is for the docker engine; "" when
// it does not.
func (b *Backend) InstallationBase(context.Context) (string, error) {
	for _, p := range []string{filepath.Join("etc", "ossec.conf"), "rules"} {
		if _, err := os.Stat(filepath.Join(b.Dir, p)); err != nil {
			return "", nil
		}
	}
	return b.Dir, nil
}

// Open starts a session on the ruleset of src.
func (b *Backend) Open(ctx context.Context, src ruleset.Sources) (harness.Session, error) {
	cmd, err := b.Install(src)
	if err != nil {
		return nil, err
	}
	return &Session{run: cmd.Run}, nil
}

// Install returns the command that runs ossec-logtest on the ruleset of
// src, building its installation directory on first use.
func (b *Backend) Install(src ruleset.Sources) (*Command, error) {
	key, err := harness.SourcesKey(src)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	if b.installs == nil {
		b.installs = map[string]*install{}
	}
	in := b.installs[key]
	if in == nil {
		in = &install{}
		b.installs[key] = in
	}
	b.mu.Unlock()
	in.once.Do(func() { in.cmd, in.err = b.build(src) })
	return in.cmd, in.err
}

// Close removes the installation directories the backend built.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var first error
	for k, in := range b.installs {
		if in.cmd != nil {
			if err := os.RemoveAll(in.cmd.Dir); err != nil && first == nil {
				first = err
			}
		}
		delete(b.installs, k)
	}
	return first
}

// build lays out a temporary installation from src.Files() (the base's
// etc/, rules/ and lists/, the layers, an ossec.conf that names them), the
// installation's internal_options.conf where the ruleset has none, every
// list compiled to its .cdb (as ossec-makelists would), and an empty
// queue/fts.
func (b *Backend) build(src ruleset.Sources) (*Command, error) {
	bin, err := FindBinary(b.Dir)
	if err != nil {
		return nil, err
	}
	if src.Base == "" && len(src.Configs)+len(src.Decoders)+len(src.Rules)+len(src.Lists)+len(src.FirstRules) == 0 && src.Repo == nil {
		src.Base = b.Dir
	}
	files, err := src.Files()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "ruletest-ossec-")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	have := map[string]bool{}
	for _, f := range files {
		if err := writeFile(filepath.Join(tmp, filepath.FromSlash(f.Path)), f.Data); err != nil {
			return nil, err
		}
		have[f.Path] = true
	}
	for _, f := range files {
		if isListSource(f.Path) && !have[f.Path+".cdb"] {
			if err := writeFile(filepath.Join(tmp, filepath.FromSlash(f.Path))+".cdb", makeCDB(f.Data)); err != nil {
				return nil, err
			}
		}
	}
	if !have["etc/ossec.conf"] {
		return nil, fmt.Errorf("the ruleset has no ossec.conf (base %q)", src.Base)
	}
	if !have["etc/internal_options.conf"] {
		if err := copyFile(filepath.Join(tmp, "etc", "internal_options.conf"), filepath.Join(b.Dir, "etc", "internal_options.conf")); err != nil {
			return nil, fmt.Errorf("ossec-logtest needs etc/internal_options.conf: %v", err)
		}
	}
	// First-time-seen keeps its files in queue/fts (empty: ossec-logtest
	// never writes them, so every process starts with no state).
	if err := os.MkdirAll(filepath.Join(tmp, "queue", "fts"), 0o755); err != nil {
		return nil, err
	}
	// ossec-logtest drops root for the installation's own user after the
	// chroot and then opens queue/fts for writing: the scratch queue
	// belongs to whoever owns the installation's queue/fts.
	owner, hasOwner := ownerOf(filepath.Join(b.Dir, "queue", "fts"))
	if hasOwner {
		if err := owner.chown(filepath.Join(tmp, "queue", "fts")); err != nil {
			return nil, fmt.Errorf("queue/fts for ossec-logtest's user: %v", err)
		}
	}
	// ossec-logtest chroots into the directory: it must be searchable.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	ok = true
	cmd := &Command{Binary: bin, Dir: tmp, Config: filepath.Join(tmp, "etc", "ossec.conf"), Hostname: b.Hostname, Scratch: true}
	if hasOwner {
		cmd.QueueOwner = &owner
	}
	return cmd, nil
}

// isListSource reports a CDB list source file of an installation.
func isListSource(p string) bool {
	return (strings.HasPrefix(p, "lists/") || strings.HasPrefix(p, "etc/lists/")) &&
		!strings.HasSuffix(p, ".cdb") && !strings.HasSuffix(p, ".tmp")
}

// Session is one case session on a real ossec-logtest: it keeps the lines
// fed so far and replays them in a fresh process for every event.
type Session struct {
	run   RunFunc
	lines []string
}

// NewSession returns a session that runs ossec-logtest through run (for
// engines that start the program elsewhere, e.g. in a container).
func NewSession(run RunFunc) *Session { return &Session{run: run} }

// Process analyses m after the earlier events of the session. Only log
// lines typed into ossec-logtest (queue 1, location stdin) can be fed;
// other messages are a *harness.UnsupportedError. A line longer than
// ossec-logtest reads at once gives its further events in Extra.
func (s *Session) Process(ctx context.Context, m engine.Message) (engine.Result, error) {
	if m.Queue != engine.QueueLocalFile || m.Location != "stdin" {
		return engine.Result{}, &harness.UnsupportedError{Engine: "logtest", What: fmt.Sprintf("feed a message of queue %q from %q (ossec-logtest reads only log lines)", m.Queue, m.Location)}
	}
	pieces := logtestfmt.SplitInput(m.Text)
	lines := append(s.lines[:len(s.lines):len(s.lines)], pieces...)
	res, err := Replay(ctx, s.run, lines)
	if err != nil {
		return engine.Result{}, err
	}
	s.lines = lines
	mine := res[len(res)-len(pieces):]
	out := mine[0]
	for _, x := range mine[1:] {
		if !x.Skipped {
			out.Extra = append(out.Extra, x)
		}
	}
	out.Log = m.Text
	return out, nil
}

// Close ends the session.
func (s *Session) Close() error {
	s.lines = nil
	return nil
}
