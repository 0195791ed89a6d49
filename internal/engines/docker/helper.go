package docker

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
)

// HelperMain is the container-side helper of live injection, which the
// CLI runs as `ossec-ruletest docker-helper ...` inside the manager
// container (our static binary is copied there):
//
//	docker-helper syslog HOST:PORT   send each stdin line as one UDP datagram
//	docker-helper queue PATH         write each stdin line ("Q:LOCATION:TEXT")
//	                                 as one datagram to the unix socket PATH
//
// The second is how OSSEC's own daemons hand events to analysisd
// (/var/ossec/queue/ossec/queue). It returns the exit code.
func HelperMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 2 || (args[0] != "syslog" && args[0] != "queue") {
		fmt.Fprintln(stderr, "usage: ossec-ruletest docker-helper syslog HOST:PORT | queue SOCKET  (events on stdin, one a line)")
		return 2
	}
	var conn net.Conn
	var err error
	if args[0] == "syslog" {
		conn, err = net.Dial("udp", args[1])
	} else {
		conn, err = net.DialUnix("unixgram", nil, &net.UnixAddr{Name: args[1], Net: "unixgram"})
	}
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
