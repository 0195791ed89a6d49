package docker

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	dc "github.com/ory/dockertest/v3/docker"
)

// ExecResult is what a command run inside the container printed and its
// exit code.
type ExecResult struct {
	Stdout, Stderr []byte
	ExitCode       int
}

// Exec runs cmd inside the container with stdin as its standard input
// (nil for none) and waits for it to end.
func (m *Manager) Exec(ctx context.Context, cmd []string, stdin io.Reader) (ExecResult, error) {
	var res ExecResult
	if m.isClosed() {
		return res, m.closedError()
	}
	var out, errb bytes.Buffer
	if traceOn {
		t0 := time.Now()
		defer func() {
			tracef("exec %.0fms %.120q", float64(time.Since(t0).Microseconds())/1000, strings.Join(cmd, " "))
		}()
	}
	p, err := m.startExec(ctx, cmd, stdin, &out, &errb)
	if err != nil {
		return res, err
	}
	code, err := p.wait(ctx)
	res = ExecResult{Stdout: out.Bytes(), Stderr: errb.Bytes(), ExitCode: code}
	return res, err
}

// Upload copies files into the container under dir (an absolute path)
// and creates the directories in dirs (relative to dir, with their mode).
func (m *Manager) Upload(ctx context.Context, dir string, files []File, dirs map[string]int64) error {
	if m.isClosed() {
		return m.closedError()
	}
	if traceOn {
		t0 := time.Now()
		defer func() {
			tracef("upload %.0fms %s %d files", float64(time.Since(t0).Microseconds())/1000, dir, len(files))
		}()
	}
	tarball, err := tarTree(strings.TrimPrefix(dir, "/"), files, dirs)
	if err != nil {
		return m.errorf(CodeExec, err, "cannot pack files for %s", dir)
	}
	err = m.pool.Client.UploadToContainer(m.ContainerID(), dc.UploadToContainerOptions{
		InputStream: bytes.NewReader(tarball), Path: "/", Context: ctx})
	if err != nil {
		if m.isClosed() {
			return m.closedError()
		}
		return m.errorf(CodeExec, err, "cannot copy files into %s in the container", dir)
	}
	return nil
}

// put is Upload through live injection's served helper once it runs (an
// archive upload costs a second on a busy Docker daemon), else Upload.
func (m *Manager) put(ctx context.Context, dir string, files []File, dirs map[string]int64) error {
	srv := m.servedHelper()
	if srv == nil {
		return m.Upload(ctx, dir, files, dirs)
	}
	req := Request{Op: "write"}
	for _, f := range files {
		clean := path.Clean(f.Path)
		if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			return m.errorf(CodeExec, nil, "file %q is outside the ruleset directory", f.Path)
		}
		req.Files = append(req.Files, WireFile{Path: path.Join(dir, clean), Data: f.Data, Mode: f.Mode})
	}
	r, err := srv.call(ctx, &req)
	if err != nil {
		return err
	}
	if r.Err != "" {
		return m.errorf(CodeExec, nil, "cannot write files into %s in the container: %s", dir, r.Err)
	}
	script := `set -e; d=$1; shift; while [ $# -gt 1 ]; do mkdir -p "$d/$1"; chmod "$2" "$d/$1"; shift 2; done`
	args := []string{dir}
	for d, mode := range dirs {
		args = append(args, d, strconv.FormatInt(mode, 8))
	}
	if _, err := m.sh(ctx, script, args...); err != nil {
		return m.errorf(CodeExec, err, "cannot make the directories of %s", dir)
	}
	return nil
}

// process is a command running inside the container through docker exec.
type process struct {
	m     *Manager
	id    string
	cmd   []string
	cw    dc.CloseWaiter
	done  chan struct{}
	err   error // stream error, set before done closes
	once  sync.Once
	stdin io.Closer
}

// startExec starts cmd in the container with its streams attached.
func (m *Manager) startExec(ctx context.Context, cmd []string, stdin io.Reader, stdout, stderr io.Writer) (*process, error) {
	ex, err := m.pool.Client.CreateExec(dc.CreateExecOptions{
		Container: m.ContainerID(), Cmd: cmd, Context: ctx,
		AttachStdin: stdin != nil, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		if m.isClosed() {
			return nil, m.closedError()
		}
		return nil, m.errorf(CodeExec, err, "cannot run %s in the container", strings.Join(cmd, " "))
	}
	success := make(chan struct{})
	// The stream must outlive ctx of this call for long-lived processes,
	// so it gets none; Close ends it.
	cw, err := m.pool.Client.StartExecNonBlocking(ex.ID, dc.StartExecOptions{
		InputStream: stdin, OutputStream: stdout, ErrorStream: stderr, Success: success,
	})
	if err != nil {
		return nil, m.errorf(CodeExec, err, "cannot start %s in the container", strings.Join(cmd, " "))
	}
	select {
	case <-success:
		success <- struct{}{}
	case <-ctx.Done():
		cw.Close()
		return nil, ctx.Err()
	}
	p := &process{m: m, id: ex.ID, cmd: cmd, cw: cw, done: make(chan struct{})}
	if c, ok := stdin.(io.Closer); ok {
		p.stdin = c
	}
	go func() {
		p.err = cw.Wait()
		close(p.done)
	}()
	return p, nil
}

// wait waits for the process's streams to end and returns its exit code.
func (p *process) wait(ctx context.Context) (int, error) {
	select {
	case <-p.done:
	case <-ctx.Done():
		p.close()
		return -1, ctx.Err()
	}
	if p.err != nil {
		if p.m.isClosed() {
			return -1, p.m.closedError()
		}
		return -1, p.m.errorf(CodeExec, p.err, "lost the streams of %s", strings.Join(p.cmd, " "))
	}
	ins, err := p.m.pool.Client.InspectExec(p.id)
	if err != nil {
		if p.m.isClosed() {
			return -1, p.m.closedError()
		}
		return -1, p.m.errorf(CodeExec, err, "cannot inspect %s", strings.Join(p.cmd, " "))
	}
	if ins.Running {
		return -1, p.m.errorf(CodeExec, nil, "%s closed its output but still runs", strings.Join(p.cmd, " "))
	}
	return ins.ExitCode, nil
}

// close ends the process's streams; the process gets EOF on its stdin.
func (p *process) close() {
	p.once.Do(func() {
		if p.stdin != nil {
			p.stdin.Close()
		}
		p.cw.Close()
	})
}

func (p *process) String() string { return fmt.Sprintf("exec %s %v", shortID(p.id), p.cmd) }

var traceOn = os.Getenv("RULETEST_DOCKER_TRACE") != ""

var traceStart = time.Now()

func tracef(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "docker-trace %7.3fs "+format+"\n", append([]any{time.Since(traceStart).Seconds()}, args...)...)
}
