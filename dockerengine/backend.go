package dockerengine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/logtestfmt"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// Backend is the "docker" engine for the harness: one manager container
// for the whole run, one ossec-logtest session per case. Close removes
// the container.
type Backend struct {
	m *Manager
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

// Close removes the manager container.
func (b *Backend) Close() error { return b.m.Close() }

// Open copies the ruleset of src into the container and starts the
// case's ossec-logtest session on it.
func (b *Backend) Open(ctx context.Context, src ruleset.Sources) (harness.Session, error) {
	files, useImageBase, err := sessionFiles(src, b.m.standin)
	if err != nil {
		return nil, err
	}
	dir := b.m.newSessionDir()
	if useImageBase {
		// The real image's own installation is the base: copy its etc/
		// and rules/ into the session directory first.
		res, err := b.m.Exec(ctx, []string{"/bin/sh", "-c",
			`set -e; mkdir -p "$1"; cp -R /var/ossec/etc /var/ossec/rules "$1"/`, "sh", dir}, nil)
		if err != nil {
			return nil, err
		}
		if res.ExitCode != 0 {
			return nil, b.m.errorf(CodeExec, nil, "cannot copy the image's /var/ossec into %s: %s", dir, strings.TrimSpace(string(res.Stderr)))
		}
	}
	if err := b.m.Upload(ctx, dir, files, sessionDirs); err != nil {
		return nil, err
	}
	lt, err := b.m.startLogtest(ctx, dir, true)
	if err != nil {
		return nil, err
	}
	return &Session{lt: lt}, nil
}

// sessionFiles lists the files of src as they go into a session
// directory. Without a base, a real manager image's own installation is
// the base (useImageBase); the stand-in has none.
func sessionFiles(src ruleset.Sources, standin bool) (files []File, useImageBase bool, err error) {
	if len(src.Configs)+len(src.Decoders)+len(src.Rules)+len(src.Lists) > 0 {
		return nil, false, &harness.UnsupportedError{Engine: "docker",
			What: "layer rules, decoders, lists or ossec.conf files over the base yet (needs ruleset.Sources.Files)"}
	}
	if src.Base == "" {
		if standin {
			return nil, false, &harness.UnsupportedError{Engine: "docker", What: "run without a base ruleset on the stand-in image (give --base)"}
		}
		if src.Config != "" {
			data, err := os.ReadFile(src.Config)
			if err != nil {
				return nil, false, err
			}
			files = append(files, File{Path: "etc/ossec.conf", Data: data})
		}
		return files, true, nil
	}
	for _, sub := range []string{"etc", "rules"} {
		root := filepath.Join(src.Base, sub)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == root {
					return nil
				}
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			rel, err := filepath.Rel(src.Base, p)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files = append(files, File{Path: filepath.ToSlash(rel), Data: data})
			return nil
		})
		if err != nil {
			return nil, false, fmt.Errorf("reading the base ruleset %s: %w", src.Base, err)
		}
	}
	if src.Config != "" {
		data, err := os.ReadFile(src.Config)
		if err != nil {
			return nil, false, err
		}
		files = append(files, File{Path: "etc/ossec.conf", Data: data})
	}
	return files, false, nil
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
