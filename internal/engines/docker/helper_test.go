package docker

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHelperSendsSyslogDatagrams(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no UDP on loopback: %v", err)
	}
	defer pc.Close()
	var stdout, stderr bytes.Buffer
	lines := []string{"Nov 26 10:00:00 web1 sshd[1]: one", "Nov 26 10:00:01 web1 sshd[1]: two"}
	code := HelperMain([]string{"syslog", pc.LocalAddr().String()}, strings.NewReader(strings.Join(lines, "\n")+"\n"), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	buf := make([]byte, 2048)
	for _, want := range lines {
		pc.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(buf[:n]); got != want {
			t.Errorf("datagram %q, want %q (one line each, no newline)", got, want)
		}
	}
	if stdout.String() != "sent 2\n" {
		t.Errorf("stdout %q", stdout.String())
	}
}

func TestHelperWritesQueueMessages(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "queue")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skipf("no unix datagram sockets: %v", err)
	}
	defer conn.Close()
	msg := "8:(agent) any->syscheck:123:33188:0:0:abc:def:root:root:1:2:3 /etc/hosts"
	var stdout, stderr bytes.Buffer
	if code := HelperMain([]string{"queue", sock}, strings.NewReader(msg+"\n"), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	buf := make([]byte, 4096)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if string(buf[:n]) != msg {
		t.Errorf("queue got %q, want %q", buf[:n], msg)
	}
}

func TestHelperRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		stdin string
		code  int
		want  string
	}{
		{nil, "", 2, "usage"},
		{[]string{"mail", "x"}, "", 2, "usage"},
		{[]string{"queue", filepath.Join(os.TempDir(), "no-such-ossec-queue")}, "8:x:y\n", 1, "docker-helper"},
	} {
		var stdout, stderr bytes.Buffer
		code := HelperMain(tc.args, strings.NewReader(tc.stdin), &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("HelperMain(%q) = %d, %q; want %d and %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
	sock := filepath.Join(t.TempDir(), "queue")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skipf("no unix datagram sockets: %v", err)
	}
	defer conn.Close()
	var stdout, stderr bytes.Buffer
	if code := HelperMain([]string{"queue", sock}, strings.NewReader("not a queue message\n"), &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "Q:LOCATION:TEXT") {
		t.Errorf("malformed queue message: %d, %q", code, stderr.String())
	}
}

func TestLiveConfMatchesTheManagerImage(t *testing.T) {
	img, err := os.ReadFile("../../../containers/manager/live.conf")
	if err != nil {
		t.Fatal(err)
	}
	if string(img) != LiveConf {
		t.Errorf("internal/engines/docker/live.conf and containers/manager/live.conf differ: keep them equal")
	}
}
