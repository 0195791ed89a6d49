package docker

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serveSession runs Serve on a pipe and returns a function that sends
// one request and reads its response.
func serveSession(t *testing.T) func(Request) Response {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Serve(inR, outW)
		outW.Close()
	}()
	t.Cleanup(func() {
		inW.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	out := bufio.NewReader(outR)
	return func(req Request) Response {
		t.Helper()
		data, _ := json.Marshal(req)
		if _, err := inW.Write(append(data, '\n')); err != nil {
			t.Fatal(err)
		}
		line, err := out.ReadBytes('\n')
		if err != nil {
			t.Fatalf("no response to %s: %v", data, err)
		}
		var r Response
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("response %q: %v", line, err)
		}
		return r
	}
}

func TestServeRunsScriptsReadsAndWritesFiles(t *testing.T) {
	call := serveSession(t)
	dir := t.TempDir()
	r := call(Request{Op: "sh", Script: `echo "out $1"; echo err >&2; exit 3`, Args: []string{"a b"}})
	if r.Out != "out a b\nerr\n" || r.Code != 3 || r.Err != "" {
		t.Errorf("sh: %+v, want its output, then its errors, and code 3", r)
	}
	f := filepath.Join(dir, "new", "deeper", "f.conf")
	if r := call(Request{Op: "write", Files: []WireFile{{Path: f, Data: []byte("one\ntwo\n"), Mode: 0o640}}}); r.Err != "" {
		t.Fatalf("write: %s", r.Err)
	}
	if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("written file: %v %v, want mode 0640", st, err)
	}
	// An existing file gets the new content and mode.
	if r := call(Request{Op: "write", Files: []WireFile{{Path: f, Data: []byte("one\ntwo\nthree\n")}}}); r.Err != "" {
		t.Fatalf("rewrite: %s", r.Err)
	}
	if st, _ := os.Stat(f); st.Mode().Perm() != 0o644 {
		t.Errorf("rewritten file has mode %v, want the default 0644", st.Mode().Perm())
	}
	if r := call(Request{Op: "read", Path: f, Off: 4}); string(r.Data) != "two\nthree\n" || r.Missing {
		t.Errorf("read from 4: %+v", r)
	}
	if r := call(Request{Op: "read", Path: f, Off: 100}); len(r.Data) != 0 || r.Err != "" {
		t.Errorf("read past the end: %+v, want nothing", r)
	}
	if r := call(Request{Op: "read", Path: filepath.Join(dir, "absent")}); !r.Missing || r.Err != "" {
		t.Errorf("read of a missing file: %+v, want Missing", r)
	}
	if r := call(Request{Op: "write", Files: []WireFile{{Path: "relative/x"}}}); !strings.Contains(r.Err, "not an absolute path") {
		t.Errorf("write to a relative path: %+v", r)
	}
	if r := call(Request{Op: "mail"}); !strings.Contains(r.Err, `unknown request "mail"`) {
		t.Errorf("unknown op: %+v", r)
	}
}

func TestServeSendsDatagramsAndProbesQueues(t *testing.T) {
	call := serveSession(t)
	sock := filepath.Join(t.TempDir(), "queue")
	// No listener yet: a send without lines is how the engine waits for
	// analysisd's queue.
	if r := call(Request{Op: "send", Kind: "queue", Target: sock}); r.Err == "" {
		t.Errorf("connecting to a queue nobody listens on succeeded")
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skipf("no unix datagram sockets: %v", err)
	}
	defer conn.Close()
	if r := call(Request{Op: "send", Kind: "queue", Target: sock}); r.Err != "" {
		t.Errorf("probe of a listening queue: %s", r.Err)
	}
	msgs := []string{"8:syscheck:1:2:3 /etc/a", "1:127.0.0.1:a line"}
	if r := call(Request{Op: "send", Kind: "queue", Target: sock, Lines: msgs}); r.Err != "" {
		t.Fatal(r.Err)
	}
	buf := make([]byte, 4096)
	for _, want := range msgs {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := conn.Read(buf)
		if err != nil || string(buf[:n]) != want {
			t.Errorf("queue got %q (%v), want %q", buf[:n], err, want)
		}
	}
	if r := call(Request{Op: "send", Kind: "queue", Target: sock, Lines: []string{"not a message"}}); !strings.Contains(r.Err, "Q:LOCATION:TEXT") {
		t.Errorf("malformed queue message: %+v", r)
	}
	if r := call(Request{Op: "send", Kind: "mail", Target: sock}); !strings.Contains(r.Err, "neither syslog nor queue") {
		t.Errorf("bad kind: %+v", r)
	}
}

func TestServeListsProcesses(t *testing.T) {
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		t.Skipf("no /proc: %v", err)
	}
	call := serveSession(t)
	r := call(Request{Op: "procs"})
	me := strconv.Itoa(os.Getpid()) + " " + filepath.Base(os.Args[0])
	if !slices.Contains(strings.Split(r.Out, "\n"), me) {
		t.Errorf("procs does not list this test process as %q:\n%s", me, r.Out)
	}
}

func TestDaemonKeysFollowWhatEachDaemonReads(t *testing.T) {
	base := `<ossec_config>
  <global><logall_json>yes</logall_json></global>
  <localfile><log_format>syslog</log_format><location>/var/log/a</location></localfile>
  <remote><connection>syslog</connection><allowed-ips>127.0.0.1</allowed-ips></remote>
  <command><name>c</name><executable>c</executable></command>
  <active-response><command>c</command><rules_id>1</rules_id></active-response>
  <syscheck><auto_ignore>no</auto_ignore></syscheck>
</ossec_config>`
	k0 := daemonKeys(base, nil)
	same := func(conf string, files []File, changed ...string) {
		t.Helper()
		k := daemonKeys(conf, files)
		for _, d := range []string{"ossec-execd", "ossec-logcollector", "ossec-remoted"} {
			if got, want := k[d] != k0[d], slices.Contains(changed, d); got != want {
				t.Errorf("key of %s changed: %v, want %v", d, got, want)
			}
		}
	}
	same(strings.Replace(base, "<auto_ignore>no", "<auto_ignore>yes", 1), nil)
	same(strings.Replace(base, "<syscheck>", "<!-- <localfile>x</localfile> --><syscheck>", 1), []File{{Path: "rules/x.xml", Data: []byte("x")}, {Path: "etc/local_decoder.xml", Data: []byte("x")}})
	same(strings.Replace(base, "/var/log/a", "/var/log/b", 1), nil, "ossec-logcollector")
	same(strings.Replace(base, "<rules_id>1", "<rules_id>2", 1), nil, "ossec-execd")
	same(strings.Replace(base, "127.0.0.1", "10.0.0.0/8", 1), nil, "ossec-remoted")
	same(base, []File{{Path: "etc/client.keys", Data: []byte("001 a any k")}}, "ossec-remoted")
}
