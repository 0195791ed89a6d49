package dockerengine

import (
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
	mu     sync.Mutex
	broken error
	closed bool
}

// sessionDirs are the directories ossec-logtest writes to after it drops
// privileges (the FTS queue), writable by the ossec user.
var sessionDirs = map[string]int64{"queue/fts": 0o1777, "logs": 0o1777}

// OpenLogtest copies files (the case's effective ruleset: etc/ossec.conf,
// etc/decoder.xml, rules/..., paths relative to the OSSEC directory) into a
// fresh session directory and starts ossec-logtest on it with
// "-D dir -c dir/etc/ossec.conf", as OSSEC's own tools take them.
func (m *Manager) OpenLogtest(ctx context.Context, files []File) (*Logtest, error) {
	m.mu.Lock()
	m.nextSess++
	dir := fmt.Sprintf("%s/s%d", SessionRoot, m.nextSess)
	m.mu.Unlock()
	if err := m.Upload(ctx, dir, files, sessionDirs); err != nil {
		return nil, err
	}
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
		fr: newFramer(inW, outR, m.runID)}
	go func() {
		<-p.done
		outW.CloseWithError(io.EOF)
	}()
	return lt, nil
}

// Next runs one log line through ossec-logtest and returns the text it
// printed for it, from its "**Phase 1" header on ("" for a line that
// ossec-logtest skips).
func (lt *Logtest) Next(ctx context.Context, line string) (string, error) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if lt.broken != nil {
		return "", lt.broken
	}
	if lt.closed {
		return "", lt.m.errorf(CodeExec, nil, "the ossec-logtest session in %s is closed", lt.Dir)
	}
	type answer struct {
		block string
		err   error
	}
	ch := make(chan answer, 1)
	go func() {
		b, err := lt.fr.next(line)
		ch <- answer{b, err}
	}()
	select {
	case a := <-ch:
		if a.err != nil {
			lt.broken = lt.wrap(a.err)
			lt.p.close()
			return "", lt.broken
		}
		return a.block, nil
	case <-ctx.Done():
		lt.broken = lt.m.errorf(CodeExec, context.Cause(ctx), "ossec-logtest in %s was stopped", lt.Dir)
		lt.p.close()
		lt.outW.CloseWithError(io.EOF)
		<-ch
		return "", lt.broken
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
	if lt.broken != nil {
		lt.p.close()
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
	return nil
}
