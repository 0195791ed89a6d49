package docker

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path"
	"strings"
)

// HelperMain is the container-side helper of live injection, which the
// CLI runs as `ossec-ruletest docker-helper ...` inside the manager
// container (our static binary is copied there):
//
//	docker-helper syslog HOST:PORT   send each stdin line as one UDP datagram
//	docker-helper queue PATH         write each stdin line ("Q:LOCATION:TEXT")
//	                                 as one datagram to the unix socket PATH
//	docker-helper serve              answer requests (see Serve) until stdin ends
//
// The second is how OSSEC's own daemons hand events to analysisd
// (/var/ossec/queue/ossec/queue). It returns the exit code.
func HelperMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 1 && args[0] == "serve" {
		if err := Serve(stdin, stdout); err != nil {
			fmt.Fprintf(stderr, "docker-helper: %v\n", err)
			return 1
		}
		return 0
	}
	if len(args) != 2 || (args[0] != "syslog" && args[0] != "queue") {
		fmt.Fprintln(stderr, "usage: ossec-ruletest docker-helper syslog HOST:PORT | queue SOCKET  (events on stdin, one a line) | serve")
		return 2
	}
	conn, err := dialTarget(args[0], args[1])
	if err != nil {
		fmt.Fprintf(stderr, "docker-helper: %v\n", err)
		return 1
	}
	defer conn.Close()
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if args[0] == "queue" && !validQueueMessage(line) {
			fmt.Fprintf(stderr, "docker-helper: line %d: %q is not a queue message (Q:LOCATION:TEXT)\n", n+1, line)
			return 1
		}
		if _, err := conn.Write([]byte(line)); err != nil {
			fmt.Fprintf(stderr, "docker-helper: line %d: %v\n", n+1, err)
			return 1
		}
		n++
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(stderr, "docker-helper: reading stdin: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "sent %d\n", n)
	return 0
}

// validQueueMessage checks the "Q:LOCATION:TEXT" shape analysisd reads.
func validQueueMessage(s string) bool {
	return len(s) > 2 && s[1] == ':' && strings.Contains(s[2:], ":")
}

// dialTarget connects to a syslog listener ("syslog", HOST:PORT, UDP) or
// to analysisd's queue ("queue", a unix datagram socket).
func dialTarget(kind, target string) (net.Conn, error) {
	if kind == "syslog" {
		return net.Dial("udp", target)
	}
	return net.DialUnix("unixgram", nil, &net.UnixAddr{Name: target, Net: "unixgram"})
}

// Request is one request to the serving helper (docker-helper serve), one
// JSON object a line on its standard input.
type Request struct {
	// Op is "sh" (run Script with Args under /bin/sh), "send" (each of
	// Lines as one datagram to Target, Kind "syslog" or "queue"), "read"
	// (the bytes of Path from Off on, at most 8 MiB), "write" (Files,
	// paths absolute, parents made 0755) or "procs" (the processes
	// running: "PID NAME" a line in Out, NAME the base name of argv[0]).
	Op     string     `json:"op"`
	Script string     `json:"script,omitempty"`
	Args   []string   `json:"args,omitempty"`
	Kind   string     `json:"kind,omitempty"`
	Target string     `json:"target,omitempty"`
	Lines  []string   `json:"lines,omitempty"`
	Path   string     `json:"path,omitempty"`
	Off    int64      `json:"off,omitempty"`
	Files  []WireFile `json:"files,omitempty"`
}

// WireFile is a file of a write request.
type WireFile struct {
	Path string `json:"path"`
	Data []byte `json:"data"`
	Mode int64  `json:"mode"`
}

// Response answers one Request, one JSON object a line on the helper's
// standard output. Err is set when the request could not be carried out
// (a script that ran and exited non-zero is no error: see Code).
type Response struct {
	Out  string `json:"out,omitempty"`  // sh: standard output, then standard error
	Code int    `json:"code,omitempty"` // sh: exit code
	Data []byte `json:"data,omitempty"` // read
	// Missing is true when the file of a read does not exist.
	Missing bool   `json:"missing,omitempty"`
	Err     string `json:"err,omitempty"`
}

// maxRead bounds the bytes one read request returns.
const maxRead = 8 << 20

// Serve answers requests read from in, one a line, on out, in order, until
// in ends. It is the container side of live injection: one docker exec
// for the whole run instead of one per step (each costs 0.2-1 s on a busy
// Docker daemon).
func Serve(in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(bufio.NewReaderSize(in, 1<<20))
	enc := json.NewEncoder(out)
	for {
		var req Request
		if err := dec.Decode(&req); err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("reading a request: %w", err)
		}
		if err := enc.Encode(serveOne(&req)); err != nil {
			return fmt.Errorf("writing a response: %w", err)
		}
	}
}

func serveOne(req *Request) Response {
	switch req.Op {
	case "sh":
		cmd := exec.Command("/bin/sh", append([]string{"-c", req.Script, "sh"}, req.Args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		r := Response{Out: stdout.String() + stderr.String()}
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			r.Code = ee.ExitCode()
		case err != nil:
			r.Err = err.Error()
		}
		return r
	case "send":
		if req.Kind != "syslog" && req.Kind != "queue" {
			return Response{Err: fmt.Sprintf("send: kind %q is neither syslog nor queue", req.Kind)}
		}
		conn, err := dialTarget(req.Kind, req.Target)
		if err != nil {
			return Response{Err: err.Error()}
		}
		defer conn.Close()
		for i, line := range req.Lines {
			if req.Kind == "queue" && !validQueueMessage(line) {
				return Response{Err: fmt.Sprintf("line %d: %q is not a queue message (Q:LOCATION:TEXT)", i+1, line)}
			}
			if _, err := conn.Write([]byte(line)); err != nil {
				return Response{Err: fmt.Sprintf("line %d: %v", i+1, err)}
			}
		}
		return Response{}
	case "read":
		f, err := os.Open(req.Path)
		if errors.Is(err, fs.ErrNotExist) {
			return Response{Missing: true}
		}
		if err != nil {
			return Response{Err: err.Error()}
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(io.NewSectionReader(f, req.Off, maxRead), maxRead))
		if err != nil {
			return Response{Err: err.Error()}
		}
		return Response{Data: data}
	case "write":
		for _, f := range req.Files {
			if !path.IsAbs(f.Path) {
				return Response{Err: fmt.Sprintf("write: %q is not an absolute path", f.Path)}
			}
			if err := os.MkdirAll(path.Dir(f.Path), 0o755); err != nil {
				return Response{Err: err.Error()}
			}
			mode := fs.FileMode(f.Mode)
			if mode == 0 {
				mode = 0o644
			}
			if err := os.WriteFile(f.Path, f.Data, mode); err != nil {
				return Response{Err: err.Error()}
			}
			if err := os.Chmod(f.Path, mode); err != nil { // WriteFile keeps an existing file's mode
				return Response{Err: err.Error()}
			}
		}
		return Response{}
	case "procs":
		return Response{Out: strings.Join(programs("/proc"), "\n")}
	}
	return Response{Err: fmt.Sprintf("unknown request %q", req.Op)}
}

// programs returns "PID NAME" for each process under the proc file system
// at root, NAME the base name of its argv[0] (kernel threads and
// processes gone meanwhile left out).
func programs(root string) []string {
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		data, err := os.ReadFile(root + "/" + e.Name() + "/cmdline")
		if err != nil || len(data) == 0 {
			continue
		}
		arg0, _, _ := bytes.Cut(data, []byte{0})
		out = append(out, e.Name()+" "+path.Base(string(arg0)))
	}
	return out
}
