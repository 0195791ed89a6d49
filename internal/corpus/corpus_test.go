package corpus

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

func TestParse(t *testing.T) {
	tests := []struct {
		line string
		want Event
	}{
		{
			"Sep 15 00:26:10 ether ossec-ar-verify: file ok (/etc/x)",
			Event{Message: engine.Message{Queue: '1', Location: "stdin", Text: "Sep 15 00:26:10 ether ossec-ar-verify: file ok (/etc/x)"}, Host: "ether"},
		},
		{
			"Sep  5 00:26:10 db2 sshd[1]: x",
			Event{Message: engine.Message{Queue: '1', Location: "stdin", Text: "Sep  5 00:26:10 db2 sshd[1]: x"}, Host: "db2"},
		},
		{
			"8:(web01) 10.0.0.5->syscheck:1024:33188:0:0:a:b:c /etc/hosts",
			Event{Message: engine.Message{Queue: '8', Location: "(web01) 10.0.0.5->syscheck", Text: "1024:33188:0:0:a:b:c /etc/hosts"}, Queued: true, Host: "web01"},
		},
		{
			"1:(web01) any->/var/log/messages:Sep 15 00:26:10 web01 prog: a:b",
			Event{Message: engine.Message{Queue: '1', Location: "(web01) any->/var/log/messages", Text: "Sep 15 00:26:10 web01 prog: a:b"}, Queued: true, Host: "web01"},
		},
		{
			"8:syscheck:-1 /etc/gone",
			Event{Message: engine.Message{Queue: '8', Location: "syscheck", Text: "-1 /etc/gone"}, Queued: true},
		},
		{
			"1:/var/log/auth.log:Sep 15 00:26:10 bastion sshd[2]: hi",
			Event{Message: engine.Message{Queue: '1', Location: "/var/log/auth.log", Text: "Sep 15 00:26:10 bastion sshd[2]: hi"}, Queued: true, Host: "bastion"},
		},
		// Not queue messages: unknown location word, blank in location, no agent arrow.
		{"1:foo:bar", Event{Message: engine.Message{Queue: '1', Location: "stdin", Text: "1:foo:bar"}}},
		{"2:my file:bar", Event{Message: engine.Message{Queue: '1', Location: "stdin", Text: "2:my file:bar"}}},
		{"8:(web01) 10.0.0.5 syscheck:x", Event{Message: engine.Message{Queue: '1', Location: "stdin", Text: "8:(web01) 10.0.0.5 syscheck:x"}}},
		{"0:syscheck:x", Event{Message: engine.Message{Queue: '1', Location: "stdin", Text: "0:syscheck:x"}}},
		{
			"2026-09-15T00:26:10.123+00:00 edge7 kernel: up",
			Event{Message: engine.Message{Queue: '1', Location: "stdin", Text: "2026-09-15T00:26:10.123+00:00 edge7 kernel: up"}, Host: "edge7"},
		},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, Parse(tt.line, Options{})); d != "" {
			t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.line, d)
		}
	}
	plain := Parse("8:syscheck:-1 /etc/gone", Options{Plain: true})
	if plain.Queued || plain.Message.Location != "stdin" {
		t.Errorf("Parse with Plain = %+v, want a plain line", plain)
	}
}

func TestReaderFilesDirsGzipStdin(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("logs/a.log", "Sep 15 00:00:01 h1 a: one\r\nSep 15 00:00:02 h1 a: two\n")
	write("logs/.hidden", "never read\n")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, "8:(h2) any->syscheck:-1 /etc/x\nno newline at end")
	zw.Close()
	write("logs/sub/b.log.1", gz.String()) // gzip found by magic, not by name
	write("single.log", "Sep 15 00:00:03 h3 a: three\n")

	r, err := Open([]string{filepath.Join(dir, "logs"), "-", filepath.Join(dir, "single.log")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r.SetStdin(strings.NewReader("from stdin\n"))
	type got struct {
		Seq    int64
		Source string
		Line   int
		Text   string
		Host   string
	}
	var all []got
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, got{ev.Seq, strings.TrimPrefix(ev.Source, dir+"/"), ev.Line, ev.Message.Text, ev.Host})
	}
	want := []got{
		{0, "logs/a.log", 1, "Sep 15 00:00:01 h1 a: one", "h1"},
		{1, "logs/a.log", 2, "Sep 15 00:00:02 h1 a: two", "h1"},
		{2, "logs/sub/b.log.1", 1, "-1 /etc/x", "h2"},
		{3, "logs/sub/b.log.1", 2, "no newline at end", ""},
		{4, "-", 1, "from stdin", ""},
		{5, "single.log", 1, "Sep 15 00:00:03 h3 a: three", "h3"},
	}
	if d := cmp.Diff(want, all); d != "" {
		t.Errorf("events mismatch (-want +got):\n%s", d)
	}
	if r.BytesRead() == 0 || r.BytesRead() > r.TotalSize() {
		t.Errorf("BytesRead %d, TotalSize %d", r.BytesRead(), r.TotalSize())
	}
}

func TestReaderErrors(t *testing.T) {
	if _, err := Open([]string{"/nonexistent/x.log"}, Options{}); err == nil {
		t.Error("Open of a missing file: no error")
	}
	if _, err := Open([]string{"-", "-"}, Options{}); err == nil {
		t.Error("Open of stdin twice: no error")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "long.log")
	os.WriteFile(p, []byte("ok\n"+strings.Repeat("x", 100)+"\n"), 0o644)
	r, err := Open([]string{p}, Options{MaxLine: 50})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, err = r.Next()
	if err == nil || !strings.Contains(err.Error(), "long.log:2: line longer than 50 bytes") {
		t.Errorf("long line: err = %v, want file:line and the limit", err)
	}
	bad := filepath.Join(dir, "bad.gz")
	os.WriteFile(bad, []byte{0x1f, 0x8b, 0, 0}, 0o644)
	r, _ = Open([]string{bad}, Options{})
	if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "bad.gz") {
		t.Errorf("corrupt gzip: err = %v, want an error naming the file", err)
	}
}

func TestSyslogTime(t *testing.T) {
	got, ok := SyslogTime("Sep  5 00:26:10 ether x", 2026)
	if want := time.Date(2026, 9, 5, 0, 26, 10, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("SyslogTime = %v %v, want %v", got, ok, want)
	}
	got, ok = SyslogTime("2026-09-15T00:26:10+02:00 h x", 0)
	if want := time.Date(2026, 9, 14, 22, 26, 10, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("SyslogTime RFC 3339 = %v %v, want %v", got, ok, want)
	}
	if _, ok := SyslogTime("-1 /etc/x", 2026); ok {
		t.Error("SyslogTime of a line without header: ok")
	}
}
