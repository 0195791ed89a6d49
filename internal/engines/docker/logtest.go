package docker

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// LogtestPath is where ossec-logtest lives in a manager image.
const LogtestPath = "/var/ossec/bin/ossec-logtest"

// SessionRoot is the directory under which each case's ruleset goes, one
// subdirectory per session: /ruletest/s1, /ruletest/s2, ...
const SessionRoot = "/ruletest"

// Logtest is one ossec-logtest process inside the manager container,
// running on one case's ruleset: it holds that case's correlation state.
// Its methods must not be called concurrently; different Logtests may run
// at the same time.
type Logtest struct {
	m      *Manager
	Dir    string // the session directory in the container
	p      *process
	stdin  *io.PipeWriter
	outW   *io.PipeWriter
	fr     *framer
	alerts *alertStream    // the -a process, nil until the first alert
	cmd    []string        // the default-mode command line
	withA  bool            // start an -a process at the first alert
	sent   strings.Builder // all input so far, for the -a process
	mu     sync.Mutex
	broken error
	closed bool
}

// Output is what ossec-logtest printed for one line: Block from its
// default mode (from the "**Phase 1" header on, "" for a skipped line) and
// Alert, the alert its -a mode printed ("" when the line raised none or
// the session runs without -a).
type Output struct {
	Block string
	Alert string
}

// sessionDirs are the directories ossec-logtest writes to after it drops
// privileges (the FTS queue), writable by the ossec user.
var sessionDirs = map[string]int64{"queue/fts": 0o1777, "logs": 0o1777}

// OpenLogtest copies files (the case's effective ruleset: etc/ossec.conf,
// etc/decoder.xml, rules/..., paths relative to the OSSEC directory) into a
// fresh session directory and starts ossec-logtest on it with
// "-D dir -c dir/etc/ossec.conf", as OSSEC's own tools take them. With
// withAlerts, a second process in -a mode starts at the first alert, is
// fed every line so far (so it holds the same state) and from then on
// gets the same lines: it gives the groups and mail flag that only alerts
// show.
func (m *Manager) OpenLogtest(ctx context.Context, files []File, withAlerts bool) (*Logtest, error) {
	dir := m.newSessionDir()
	if err := m.Upload(ctx, dir, files, sessionDirs); err != nil {
		return nil, err
	}
	return m.startLogtest(ctx, dir, withAlerts)
}

func (m *Manager) newSessionDir() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextSess++
	return fmt.Sprintf("%s/s%d", SessionRoot, m.nextSess)
}

func (m *Manager) startLogtest(ctx context.Context, dir string, withAlerts bool) (*Logtest, error) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	cmd := []string{LogtestPath, "-D", dir, "-c", dir + "/etc/ossec.conf"}
	p, err := m.startExec(ctx, cmd, inR, outW, outW)
	if err != nil {
		inW.Close()
		outW.Close()
		return nil, err
	}
	lt := &Logtest{m: m, Dir: dir, p: p, stdin: inW, outW: outW,
		fr: newFramer(inW, outR, m.runID), cmd: cmd, withA: withAlerts}
	go func() {
		<-p.done
		outW.CloseWithError(io.EOF)
	}()
	return lt, nil
}

// Next runs one log line through ossec-logtest and returns what it
// printed for it.
func (lt *Logtest) Next(ctx context.Context, line string) (Output, error) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if lt.broken != nil {
		return Output{}, lt.broken
	}
	if lt.closed {
		return Output{}, lt.m.errorf(CodeExec, nil, "the ossec-logtest session in %s is closed", lt.Dir)
	}
	ch := make(chan error, 1)
	var out Output
	go func() {
		input := line + "\n" + lt.fr.nextSyncLine() + "\n"
		lt.sent.WriteString(input)
		var err error
		if lt.alerts != nil {
			// The -a process gets the same input, sync lines included, so
			// that both hold the same state.
			if err = lt.alerts.send(input); err != nil {
				ch <- err
				return
			}
		}
		out.Block, err = lt.fr.next(line)
		if err == nil && lt.withA && strings.Contains(out.Block, alertLine) {
			if lt.alerts == nil {
				if lt.alerts, err = lt.m.startAlertStream(ctx, append(lt.cmd, "-a")); err == nil {
					err = lt.alerts.send(lt.sent.String())
				}
			}
			if err == nil {
				out.Alert, err = lt.alerts.next()
			}
		}
		ch <- err
	}()
	select {
	case err := <-ch:
		if err != nil {
			lt.broken = lt.wrap(err)
			lt.kill()
			return Output{}, lt.broken
		}
		return out, nil
	case <-ctx.Done():
		lt.broken = lt.m.errorf(CodeExec, context.Cause(ctx), "ossec-logtest in %s was stopped", lt.Dir)
		lt.kill()
		<-ch
		return Output{}, lt.broken
	}
}

// kill ends both processes' streams.
func (lt *Logtest) kill() {
	lt.p.close()
	lt.outW.CloseWithError(io.EOF)
	if lt.alerts != nil {
		lt.alerts.close()
	}
}

// wrap turns a framing error into an Error, saying when the container is
// gone.
func (lt *Logtest) wrap(err error) error {
	if lt.m.isClosed() {
		return lt.m.closedError()
	}
	if _, ok := err.(*SyncAlertError); ok {
		return err
	}
	msg := fmt.Sprintf("ossec-logtest in %s failed", lt.Dir)
	if lt.fr.prelude != "" && lt.fr.seq <= 1 {
		msg += " at start"
	}
	return lt.m.errorf(CodeExec, err, "%s", msg)
}

// Close ends the ossec-logtest process: it gets EOF on stdin and exits.
// It returns an error when the process failed or the sync line alerted.
func (lt *Logtest) Close() error {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if lt.closed {
		return nil
	}
	lt.closed = true
	lt.stdin.Close()
	if lt.alerts != nil {
		lt.alerts.stdin.Close()
	}
	if lt.broken != nil {
		lt.kill()
		return nil // already reported
	}
	errc := make(chan error, 1)
	go func() { errc <- lt.fr.finish() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var ferr error
	select {
	case ferr = <-errc:
	case <-ctx.Done():
		lt.p.close()
		return lt.m.errorf(CodeExec, nil, "ossec-logtest in %s did not exit after its input ended", lt.Dir)
	}
	code, err := lt.p.wait(ctx)
	if err != nil {
		return err
	}
	if ferr != nil {
		return ferr
	}
	if code != 0 {
		return lt.m.errorf(CodeExec, nil, "ossec-logtest in %s exited with code %d: %s", lt.Dir, code,
			strings.TrimSpace(lt.fr.prelude))
	}
	if lt.alerts != nil {
		return lt.alerts.finish(ctx)
	}
	return nil
}

// alertStream is an ossec-logtest -a process: its standard output holds
// only alerts, each flushed as a block that ends with an empty line.
type alertStream struct {
	m      *Manager
	p      *process
	stdin  *io.PipeWriter
	outW   *io.PipeWriter
	r      *bufio.Reader
	stderr *lockedBuffer
}

func (m *Manager) startAlertStream(ctx context.Context, cmd []string) (*alertStream, error) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	a := &alertStream{m: m, stdin: inW, outW: outW, r: bufio.NewReader(outR), stderr: &lockedBuffer{}}
	p, err := m.startExec(ctx, cmd, inR, outW, a.stderr)
	if err != nil {
		inW.Close()
		outW.Close()
		return nil, err
	}
	a.p = p
	go func() {
		<-p.done
		outW.CloseWithError(io.EOF)
	}()
	return a, nil
}

func (a *alertStream) send(s string) error {
	if _, err := io.WriteString(a.stdin, s); err != nil {
		return fmt.Errorf("writing to ossec-logtest -a: %w", err)
	}
	return nil
}

// next reads one alert: lines from "** Alert" up to the empty line that
// ends it.
func (a *alertStream) next() (string, error) {
	var b strings.Builder
	for {
		l, err := a.r.ReadString('\n')
		if err != nil {
			if err == io.EOF {
				return "", fmt.Errorf("ossec-logtest -a ended before it printed the alert; it said:\n%s", strings.TrimSpace(b.String()+l+a.stderr.String()))
			}
			return "", fmt.Errorf("reading from ossec-logtest -a: %w", err)
		}
		if b.Len() == 0 {
			if strings.TrimSpace(l) == "" {
				continue
			}
			if !strings.HasPrefix(l, "** Alert ") {
				return "", fmt.Errorf("ossec-logtest -a printed %q where an alert should start", strings.TrimSpace(l))
			}
		} else if l == "\n" {
			return b.String(), nil
		}
		b.WriteString(l)
	}
}

func (a *alertStream) close() {
	a.stdin.Close()
	a.p.close()
	a.outW.CloseWithError(io.EOF)
}

// finish waits for the -a process after its input ended; anything it
// still prints is an alert the default mode did not announce.
func (a *alertStream) finish(ctx context.Context) error {
	rest, _ := io.ReadAll(a.r)
	code, err := a.p.wait(ctx)
	if err != nil {
		return err
	}
	if s := strings.TrimSpace(string(rest)); s != "" {
		return a.m.errorf(CodeExec, nil, "ossec-logtest -a printed alerts that its default mode did not announce:\n%s", s)
	}
	if code != 0 {
		return a.m.errorf(CodeExec, nil, "ossec-logtest -a exited with code %d: %s", code, strings.TrimSpace(a.stderr.String()))
	}
	return nil
}

// lockedBuffer is a bytes.Buffer safe for one writer and other readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
