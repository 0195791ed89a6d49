package docker

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/deploy"
	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Backend is the "docker" engine for the harness: one manager container
// for the whole run, one ossec-logtest session per case. Close removes
// the container.
type Backend struct {
	m        *Manager
	baseOnce sync.Once
	baseDir  string // the image's installation, copied here
	baseErr  error
}

var _ harness.Backend = (*Backend)(nil)

// NewBackend starts the manager container described by cfg. The container
// lives until Close, until ctx ends, or until SIGINT, SIGTERM or SIGHUP.
// It fails fast when the daemon is absent or the image cannot be had.
func NewBackend(ctx context.Context, cfg Config) (*Backend, error) {
	m, err := Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Backend{m: m}, nil
}

// Name returns "docker".
func (b *Backend) Name() string { return "docker" }

// Manager returns the backend's manager container.
func (b *Backend) Manager() *Manager { return b.m }

// Close removes the manager container and the copy of its installation.
func (b *Backend) Close() error {
	err := b.m.Close()
	if b.baseDir != "" {
		os.RemoveAll(b.baseDir)
	}
	return err
}

// Open copies the ruleset of src into the container and starts the
// case's ossec-logtest session on it. Without a base in src, a real
// manager image's own installation (/var/ossec) is the base.
func (b *Backend) Open(ctx context.Context, src ruleset.Sources) (harness.Session, error) {
	files, hasLists, err := b.caseFiles(ctx, src)
	if err != nil {
		return nil, err
	}
	return b.openSession(ctx, files, hasLists)
}

// openSession copies files into a new session directory and starts
// ossec-logtest on them.
func (b *Backend) openSession(ctx context.Context, files []File, hasLists bool) (*Session, error) {
	dir := b.m.newSessionDir()
	if err := b.m.put(ctx, dir, files, sessionDirs); err != nil {
		return nil, err
	}
	if !b.m.standin {
		// Real OSSEC reads etc/internal_options.conf and compiled lists.
		// The copy must be readable by the ossec user that ossec-logtest
		// becomes (the image's is root:ossec 0640).
		script := `set -e; d=$1; [ -f "$d/etc/internal_options.conf" ] || { cp /var/ossec/etc/internal_options.conf "$d/etc/"; chmod 0644 "$d/etc/internal_options.conf"; }`
		if hasLists {
			script += `; /var/ossec/bin/ossec-makelists -c "$d/etc/ossec.conf" -D "$d" >/dev/null`
		}
		if _, err := b.m.sh(ctx, script, dir); err != nil {
			return nil, b.m.errorf(CodeExec, err, "cannot prepare the session directory %s", dir)
		}
	}
	lt, err := b.m.startLogtest(ctx, dir, true)
	if err != nil {
		return nil, err
	}
	return &Session{lt: lt}, nil
}

// caseFiles returns the files of src's ruleset; without a base in src,
// the image's own installation is the base, and a stand-in without one
// loads what the native engine loads without a base
// (harness.NoBaseSources).
func (b *Backend) caseFiles(ctx context.Context, src ruleset.Sources) (files []File, hasLists bool, err error) {
	switch {
	case src.Base == "" && b.m.installed:
		base, err := b.imageBase(ctx)
		if err != nil {
			return nil, false, err
		}
		src.Base = base
	case src.Base == "" && src.Config == "":
		// The stand-in has no installation: load what the native engine
		// loads without a base.
		if src, _, err = harness.NoBaseSources(src); err != nil {
			return nil, false, err
		}
	}
	rf, err := src.Files()
	if err != nil {
		return nil, false, err
	}
	files = make([]File, len(rf))
	for i, f := range rf {
		files[i] = File{Path: f.Path, Data: f.Data}
		hasLists = hasLists || strings.HasPrefix(f.Path, "lists/")
	}
	return files, hasLists, nil
}

// LiveBackend is the "docker-live" engine: cases run by live injection
// into a real manager's daemons (see Live), one case at a time.
type LiveBackend struct {
	*Backend
}

// NewLiveBackend starts the manager container for live injection.
func NewLiveBackend(ctx context.Context, cfg Config) (*LiveBackend, error) {
	b, err := NewBackend(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if b.m.standin {
		b.Close()
		return nil, b.m.errorf(CodeLive, nil, "live injection needs a real OSSEC manager image (the stand-in has no daemons)")
	}
	// A manager that cannot start fails the run here, once, in seconds,
	// naming the daemon: on the image's own configuration.
	l, err := b.m.StartLive(ctx, nil)
	if err != nil {
		b.Close()
		return nil, err
	}
	if err := l.Close(); err != nil {
		b.Close()
		return nil, err
	}
	return &LiveBackend{Backend: b}, nil
}

// Name returns "docker-live".
func (b *LiveBackend) Name() string { return "docker-live" }

// Open installs src's ruleset in the manager and starts its daemons on
// it, after the previous live case closed.
func (b *LiveBackend) Open(ctx context.Context, src ruleset.Sources) (harness.Session, error) {
	files, hasLists, err := b.caseFiles(ctx, src)
	if err != nil {
		return nil, err
	}
	l, err := b.m.StartLive(ctx, files)
	if err != nil {
		return nil, err
	}
	l.openCompanion = func(ctx context.Context) (*Session, error) { return b.openSession(ctx, files, hasLists) }
	return l, nil
}

// WallClockOnly marks the engine as one whose manager reads the wall
// clock (harness.WallClock).
func (b *LiveBackend) WallClockOnly() {}

// WallClockOnly marks the engine as one whose ossec-logtest reads the
// wall clock (harness.WallClock).
func (b *Backend) WallClockOnly() {}

// InstallationBase returns a directory on this host holding a copy of the
// image's own installation (etc/ and rules/, links resolved in the
// container, whatever the layout), made once and removed by Close, or ""
// when the image has none (a stand-in built without a base). It is the
// base of the cases that are given none.
func (b *Backend) InstallationBase(ctx context.Context) (string, error) {
	if !b.m.installed {
		return "", nil
	}
	return b.imageBase(ctx)
}

// imageBase copies the image's /var/ossec/etc and /var/ossec/rules to a
// directory on this host, once, and returns it. An image built from
// containers/manager gives back the OSSEC image it started from: its
// install.sh deployed the repository keeping every file it replaced
// (deploy.Upstream), and the repository's files come again from the run's
// sources.
func (b *Backend) imageBase(ctx context.Context) (string, error) {
	b.baseOnce.Do(func() {
		b.baseDir, b.baseErr = b.m.DownloadInstallation(ctx, ossecDir, "etc", "rules")
		if b.baseErr == nil {
			b.baseErr = upstreamBase(b.baseDir)
		}
	})
	return b.baseDir, b.baseErr
}

// upstreamBase undoes containers/manager/install.sh in a copy of an
// image's installation (etc/ and rules/): deploy.Undo, and the files of
// live injection and the active response removed. Images built before
// install.sh deployed with ossec-ruletest deploy kept ossec.conf.upstream
// and local_decoder.xml.upstream instead.
func upstreamBase(dir string) error {
	etc := filepath.Join(dir, "etc")
	if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(deploy.Upstream))); err == nil {
		if err := deploy.Undo(dir); err != nil {
			return fmt.Errorf("manager image: %w", err)
		}
		if err := os.Remove(filepath.Join(etc, "ossec-ar-verify.conf")); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	if _, err := os.Stat(filepath.Join(etc, "ossec.conf.upstream")); err != nil {
		return nil // not one of our manager images
	}
	if err := os.Rename(filepath.Join(etc, "ossec.conf.upstream"), filepath.Join(etc, "ossec.conf")); err != nil {
		return err
	}
	local := filepath.Join(etc, "local_decoder.xml")
	if err := os.Rename(local+".upstream", local); err != nil {
		if _, none := os.Stat(local + ".none"); none != nil {
			return fmt.Errorf("manager image: neither %s.upstream nor .none: %w", local, err)
		}
		os.Remove(local)
	}
	for _, p := range []string{local + ".none", filepath.Join(etc, "ossec-ar-verify.conf"), filepath.Join(etc, "ruletest-ossec.conf"), filepath.Join(etc, "ruletest-live.conf"),
		filepath.Join(etc, "ruletest-install.sh"), filepath.Join(etc, "ruletest-decoders"), filepath.Join(dir, "rules", "ruletest")} {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}

// Session is one case on the docker engine: an ossec-logtest process
// (and its -a companion) inside the manager container.
type Session struct {
	lt *Logtest
}

var _ harness.Session = (*Session)(nil)

// Process analyses one log line typed into ossec-logtest. Other messages
// (file-integrity events) are a *harness.UnsupportedError: ossec-logtest
// reads only log lines; live injection takes them. A line longer than
// ossec-logtest reads at once gives its further events in Extra.
func (s *Session) Process(ctx context.Context, m engine.Message) (engine.Result, error) {
	if m.Queue != engine.QueueLocalFile || m.Location != "stdin" {
		return engine.Result{}, &harness.UnsupportedError{Engine: "docker",
			What: fmt.Sprintf("feed a message of queue %q from %q to ossec-logtest (it reads only log lines)", m.Queue, m.Location)}
	}
	var mine []engine.Result
	for _, piece := range logtestfmt.SplitInput(m.Text) {
		r, err := s.next(ctx, piece)
		if err != nil {
			return engine.Result{}, err
		}
		mine = append(mine, r)
	}
	out := mine[0]
	for _, x := range mine[1:] {
		if !x.Skipped {
			out.Extra = append(out.Extra, x)
		}
	}
	out.Log = m.Text
	return out, nil
}

// next runs one piece (a line as fgets reads it) and parses its output.
func (s *Session) next(ctx context.Context, piece string) (engine.Result, error) {
	out, err := s.lt.Next(ctx, piece)
	if err != nil {
		return engine.Result{}, err
	}
	if out.Block == "" {
		if len(piece) >= 2 {
			return engine.Result{}, s.lt.m.errorf(CodeExec, nil, "ossec-logtest printed nothing for %q", piece)
		}
		return engine.Result{Log: piece, Skipped: true}, nil
	}
	parsed, err := logtestfmt.Parse(strings.NewReader(out.Block))
	if err != nil {
		return engine.Result{}, s.lt.m.errorf(CodeExec, err, "cannot parse what ossec-logtest printed for %q", piece)
	}
	if len(parsed) != 1 {
		return engine.Result{}, s.lt.m.errorf(CodeExec, nil, "ossec-logtest printed %d events for one line %q", len(parsed), piece)
	}
	r := parsed[0]
	r.Log = piece
	if r.Alert {
		alerts, err := logtestfmt.ParseAlerts(strings.NewReader(out.Alert))
		if err != nil {
			return engine.Result{}, s.lt.m.errorf(CodeExec, err, "cannot parse the alert ossec-logtest -a printed for %q", piece)
		}
		one := []engine.Result{r}
		if err := logtestfmt.MergeAlerts(one, alerts); err != nil {
			return engine.Result{}, s.lt.m.errorf(CodeExec, err, "ossec-logtest -a disagrees on %q", piece)
		}
		r = one[0]
	}
	return r, nil
}

// Close ends the case's ossec-logtest processes.
func (s *Session) Close() error { return s.lt.Close() }
