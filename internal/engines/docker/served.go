package docker

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"
)

// served is the helper serving requests inside the container (docker-helper
// serve), started once per run by live injection: every step of a live
// case (a shell script, a datagram, reading a log from an offset, writing
// the case's files) is one line to it and one line back, where a docker
// exec or an archive upload each cost 0.2-1 s on a busy Docker daemon.
type served struct {
	m      *Manager
	p      *process
	in     *io.PipeWriter
	out    *bufio.Reader
	stderr *lockedBuffer
	mu     sync.Mutex
	broken error
}

// startServed starts docker-helper serve in the container (the helper
// binary must be installed).
func (m *Manager) startServed(ctx context.Context) (*served, error) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &served{m: m, in: inW, out: bufio.NewReaderSize(outR, 1<<20), stderr: &lockedBuffer{}}
	p, err := m.startExec(ctx, append(append([]string{}, m.helperCmd...), "docker-helper", "serve"), inR, outW, s.stderr)
	if err != nil {
		inW.Close()
		return nil, err
	}
	s.p = p
	go func() {
		<-p.done
		outW.CloseWithError(io.ErrUnexpectedEOF)
	}()
	return s, nil
}

// call sends req and returns the response. A request that ctx abandons
// leaves the helper in an unknown state: it is closed, and later calls
// fail.
func (s *served) call(ctx context.Context, req *Request) (Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if traceOn {
		t0 := time.Now()
		defer func() {
			what := req.Op + " " + req.Script + req.Path + strings.Join(req.Lines, "|")
			if len(what) > 100 {
				what = what[:100]
			}
			tracef("served %.1fms %q", float64(time.Since(t0).Microseconds())/1000, what)
		}()
	}
	if s.broken != nil {
		return Response{}, s.broken
	}
	line, err := json.Marshal(req)
	if err != nil {
		return Response{}, err
	}
	type answer struct {
		r   Response
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		if _, err := s.in.Write(append(line, '\n')); err != nil {
			ch <- answer{err: err}
			return
		}
		data, err := s.out.ReadBytes('\n')
		if err != nil {
			ch <- answer{err: err}
			return
		}
		var r Response
		err = json.Unmarshal(data, &r)
		ch <- answer{r: r, err: err}
	}()
	var a answer
	select {
	case a = <-ch:
	case <-ctx.Done():
		s.broken = ctx.Err()
		s.p.close()
		return Response{}, ctx.Err()
	}
	if a.err != nil {
		if s.m.isClosed() {
			s.broken = s.m.closedError()
		} else {
			s.broken = s.m.errorf(CodeExec, a.err, "the helper inside the container stopped answering%s", s.said())
		}
		s.p.close()
		return Response{}, s.broken
	}
	return a.r, nil
}

// said quotes what the helper wrote to its standard error, for errors.
func (s *served) said() string {
	t := strings.TrimSpace(s.stderr.String())
	if len(t) > 2000 {
		t = t[len(t)-2000:]
	}
	if t == "" {
		return ""
	}
	return ": " + t
}

func (s *served) close() {
	s.in.Close()
	s.p.close()
}
