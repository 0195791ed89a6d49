package docker

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
)

// Paths inside a real manager container.
const (
	ossecDir       = "/var/ossec"
	liveHelper     = SessionRoot + "/bin/ossec-ruletest"
	liveQueue      = ossecDir + "/queue/ossec/queue"
	liveSyslogAddr = "127.0.0.1:514"
	alertsJSONPath = ossecDir + "/logs/alerts/alerts.json"
	alertsLogPath  = ossecDir + "/logs/alerts/alerts.log"
	archivesPath   = ossecDir + "/logs/archives/archives.log"
	arLogPath      = ossecDir + "/logs/active-responses.log"
)

// LiveConf is appended to a live case's ossec.conf: the settings live
// injection relies on. It is containers/manager/live.conf (a test keeps
// the two equal).
//
//go:embed live.conf
var LiveConf string

// Live is a live-injection session on a real manager: the daemons run on
// the case's ruleset, events go in through the remote syslog listener
// (log lines) or analysisd's queue (other messages), and results come
// from alerts.json, alerts.log and active-responses.log. Only one Live
// runs in a container at a time (StartLive waits for the previous one's
// Close).
type Live struct {
	m *Manager
	// Seen counts, per archived text, the events already matched, and
	// the alerts and AR lines already read.
	seen      map[string]int
	alertsN   int
	arN       int
	ARWait    time.Duration // how long to wait for active responses after an alert (default 5s)
	EventWait time.Duration // how long to wait for a log line to be archived (default 30s)
	QueueWait time.Duration // how long to wait for a queue message to be archived (default 5s)
	closed    bool
}

// StartLive installs files (the case's effective ruleset, as for
// OpenLogtest) into the container's /var/ossec with LiveConf appended to
// its ossec.conf, restarts the OSSEC daemons and waits until remoted's
// syslog listener feeds analysisd.
func (m *Manager) StartLive(ctx context.Context, files []File) (*Live, error) {
	if m.standin {
		return nil, m.errorf(CodeLive, nil, "live injection needs a real OSSEC manager image (the stand-in has no daemons)")
	}
	m.liveLock.Lock() // cases take turns: the daemons serve one ruleset

	ok := false
	defer func() {
		if !ok {
			m.liveLock.Unlock()
		}
	}()
	if err := m.installHelper(ctx); err != nil {
		return nil, err
	}
	if _, err := m.sh(ctx, `/var/ossec/bin/ossec-control stop >/dev/null 2>&1 || true`); err != nil {
		return nil, err
	}
	conf := []byte(nil)
	var rest []File
	for _, f := range files {
		if f.Path == "etc/ossec.conf" {
			conf = f.Data
			continue
		}
		rest = append(rest, f)
	}
	if conf == nil {
		out, err := m.sh(ctx, `cat /var/ossec/etc/ossec.conf`)
		if err != nil {
			return nil, err
		}
		conf = []byte(out)
	}
	conf = append(append(bytes.TrimRight(conf, "\n"), "\n\n<!-- ossec-ruletest live injection -->\n"...), LiveConf...)
	rest = append(rest, File{Path: "etc/ossec.conf", Data: conf})
	if err := m.Upload(ctx, ossecDir, rest, nil); err != nil {
		return nil, err
	}
	script := `set -e
for f in ` + alertsJSONPath + ` ` + alertsLogPath + ` ` + archivesPath + ` ` + arLogPath + ` /var/ossec/logs/ar-verify.log; do
  mkdir -p "$(dirname "$f")"; : > "$f"
done
chgrp -R ossec /var/ossec/etc /var/ossec/rules 2>/dev/null || true
if ls /var/ossec/lists/* >/dev/null 2>&1; then /var/ossec/bin/ossec-makelists >/dev/null; fi
/var/ossec/bin/ossec-control start`
	if out, err := m.sh(ctx, script); err != nil {
		return nil, m.errorf(CodeLive, err, "cannot start the OSSEC daemons: %s", out)
	}
	l := &Live{m: m, seen: map[string]int{}, ARWait: 5 * time.Second, EventWait: 30 * time.Second, QueueWait: 5 * time.Second}
	if err := l.waitReady(ctx); err != nil {
		return nil, err
	}
	ok = true
	return l, nil
}

// installHelper copies our binary into the container, once, with its
// loader and libraries when it is not static (they go under
// SessionRoot/rt and the helper runs through that loader, so the image's
// own C library does not matter).
func (m *Manager) installHelper(ctx context.Context) error {
	m.helperOnce.Do(func() {
		exe := m.cfg.Executable
		if exe == "" {
			var err error
			if exe, err = os.Executable(); err != nil {
				m.helperErr = err
				return
			}
		}
		rt, err := RuntimeFiles(exe)
		if err != nil {
			m.helperErr = m.errorf(CodeLive, err, "live injection runs this binary inside the container")
			return
		}
		data, err := os.ReadFile(exe)
		if err != nil {
			m.helperErr = err
			return
		}
		files := []File{{Path: strings.TrimPrefix(liveHelper, SessionRoot+"/"), Data: data, Mode: 0o755}}
		m.helperCmd = []string{liveHelper}
		for i, f := range rt {
			data, err := os.ReadFile(f.Host)
			if err != nil {
				m.helperErr = err
				return
			}
			files = append(files, File{Path: "rt" + f.Path, Data: data, Mode: 0o755})
			if i == 0 { // the loader
				m.helperCmd = []string{SessionRoot + "/rt" + f.Path, "--library-path", SessionRoot + "/rt" + RuntimeLibDir, liveHelper}
			}
		}
		m.helperErr = m.Upload(ctx, SessionRoot, files, nil)
	})
	return m.helperErr
}

// sh runs a shell script in the container and returns its output; a
// non-zero exit is an error quoting it.
func (m *Manager) sh(ctx context.Context, script string, args ...string) (string, error) {
	res, err := m.Exec(ctx, append([]string{"/bin/sh", "-c", script, "sh"}, args...), nil)
	if err != nil {
		return "", err
	}
	out := string(res.Stdout) + string(res.Stderr)
	if res.ExitCode != 0 {
		return out, m.errorf(CodeExec, nil, "shell script exited with code %d: %s", res.ExitCode, strings.TrimSpace(out))
	}
	return out, nil
}

// waitReady sends probe lines until one shows in the archive. Each probe
// is a new line: a manager may drop a repeat of the line it just analysed.
func (l *Live) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(l.m.cfg.DaemonTimeout)
	prefix := fmt.Sprintf("ossec-ruletest live probe %s %d ", l.m.runID, time.Now().UnixNano())
	for n := 0; time.Now().Before(deadline); n++ {
		if err := l.send(ctx, "syslog", liveSyslogAddr, prefix+strconv.Itoa(n)); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
		out, err := l.m.sh(ctx, `cat "$1"`, archivesPath)
		if err != nil {
			return err
		}
		if strings.Contains(out, prefix) {
			return nil
		}
	}
	logs, _ := l.m.sh(ctx, `tail -n 20 /var/ossec/logs/ossec.log`)
	return l.m.errorf(CodeLive, nil, "the manager did not archive a probe line sent to its syslog listener within %v; ossec.log ends with:\n%s",
		l.m.cfg.DaemonTimeout, logs)
}

func (l *Live) send(ctx context.Context, kind, target, line string) error {
	res, err := l.m.Exec(ctx, append(append([]string{}, l.m.helperCmd...), "docker-helper", kind, target), strings.NewReader(line+"\n"))
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return l.m.errorf(CodeLive, nil, "injecting %q: %s", line, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}

// Process injects one event and returns what the manager did with it: a
// log line typed into ossec-logtest (queue 1, location stdin) goes to the
// remote syslog listener; any other message goes into analysisd's queue as
// OSSEC's daemons write it. The result has the alert (rule, groups, mail,
// decoded fields as alerts.json shows them) and the active responses that
// logged a line within ARWait after it; an event without alert gives a
// Result with no rule.
func (l *Live) Process(ctx context.Context, msg engine.Message) (engine.Result, error) {
	syslog := msg.Queue == engine.QueueLocalFile && msg.Location == "stdin"
	before, err := l.archived(ctx)
	if err != nil {
		return engine.Result{}, err
	}
	if syslog {
		err = l.send(ctx, "syslog", liveSyslogAddr, msg.Text)
	} else {
		err = l.send(ctx, "queue", liveQueue, fmt.Sprintf("%c:%s:%s", msg.Queue, msg.Location, msg.Text))
	}
	if err != nil {
		return engine.Result{}, err
	}
	if syslog {
		// A log line is archived as it came: wait for it.
		err = l.waitArchived(ctx, func(lines []string) bool {
			n := 0
			for _, line := range lines {
				if strings.HasSuffix(line, " "+msg.Text) {
					n++
				}
			}
			if n > l.seen[msg.Text] {
				l.seen[msg.Text] = n
				return true
			}
			return false
		}, l.EventWait)
	} else {
		// Other messages are rewritten (a file-integrity event is archived
		// as "Integrity checksum changed for: ...") or dropped (a file
		// seen for the first time): wait for any new archive entry, a
		// little while.
		err = l.waitArchived(ctx, func(lines []string) bool { return len(lines) > before }, l.QueueWait)
		var e *Error
		if errors.As(err, &e) && e.Code == CodeLive {
			err = nil // dropped: no alert
		}
	}
	if err != nil {
		return engine.Result{}, err
	}
	time.Sleep(300 * time.Millisecond) // the alert is written right after the archive entry
	js, err := l.m.sh(ctx, `cat "$1"`, alertsJSONPath)
	if err != nil {
		return engine.Result{}, err
	}
	alerts, err := ParseAlertsJSON(alertsJSONPath, strings.NewReader(js))
	if err != nil {
		return engine.Result{}, l.m.errorf(CodeLive, err, "reading alerts.json")
	}
	var mine *JSONAlert
	for i := l.alertsN; i < len(alerts); i++ {
		if alertOf(&alerts[i], msg, syslog) {
			mine = &alerts[i]
		}
	}
	l.alertsN = len(alerts)
	if mine == nil {
		return engine.Result{Log: msg.Text}, nil
	}
	var logAlert *logtestfmt.Alert
	raw, err := l.m.sh(ctx, `cat "$1"`, alertsLogPath)
	if err != nil {
		return engine.Result{}, err
	}
	logAlerts, err := ParseAlertsLog([]byte(raw))
	if err != nil {
		return engine.Result{}, l.m.errorf(CodeLive, err, "reading alerts.log")
	}
	for i := range logAlerts {
		if alertKey(logAlerts[i]) == mine.ID {
			logAlert = &logAlerts[i]
		}
	}
	r := liveResult(msg.Text, mine, logAlert)
	ars, err := l.waitAR(ctx)
	if err != nil {
		return engine.Result{}, err
	}
	for _, a := range ars {
		r.ActiveResponses = append(r.ActiveResponses, engine.ActiveResponse{
			Command: path.Base(a.Program), Location: "local", Args: map[string]string{"log": a.Text}})
	}
	return r, nil
}

// alertOf reports whether a is the alert of the injected msg: a log line
// is its full log; a file-integrity event's alert names its file; other
// queue messages match by location.
func alertOf(a *JSONAlert, msg engine.Message, syslog bool) bool {
	if syslog {
		return a.FullLog == msg.Text || strings.HasSuffix(a.FullLog, msg.Text)
	}
	if a.SyscheckFile != nil {
		_, file, ok := strings.Cut(msg.Text, " ")
		return ok && a.SyscheckFile.Path == file
	}
	return a.Location == msg.Location && strings.Contains(msg.Text, a.FullLog)
}

// archivedLines returns the archive's lines.
func (l *Live) archivedLines(ctx context.Context) ([]string, error) {
	out, err := l.m.sh(ctx, `cat "$1"`, archivesPath)
	if err != nil {
		return nil, err
	}
	out = strings.TrimSuffix(out, "\n")
	if out == "" {
		return nil, nil
	}
	return strings.Split(out, "\n"), nil
}

// archived returns how many lines the archive has.
func (l *Live) archived(ctx context.Context) (int, error) {
	lines, err := l.archivedLines(ctx)
	return len(lines), err
}

// waitArchived polls the archive until done says so, for at most wait.
func (l *Live) waitArchived(ctx context.Context, done func([]string) bool, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		lines, err := l.archivedLines(ctx)
		if err != nil {
			return err
		}
		if done(lines) {
			return nil
		}
		if time.Now().After(deadline) {
			return l.m.errorf(CodeLive, nil, "the manager did not archive the event within %v (managers can drop a line identical to one they analysed just before)", wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitAR returns the active-response log lines that appear within ARWait.
func (l *Live) waitAR(ctx context.Context) ([]ARLine, error) {
	deadline := time.Now().Add(l.ARWait)
	var lines []ARLine
	for {
		out, err := l.m.sh(ctx, `cat "$1"`, arLogPath)
		if err != nil {
			return nil, err
		}
		lines = ParseARLog([]byte(out))
		if len(lines) > l.arN || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	if len(lines) < l.arN {
		l.arN = 0 // the log was rotated
	}
	fresh := lines[l.arN:]
	l.arN = len(lines)
	return fresh, nil
}

// Close stops the daemons and frees the container for the next live
// session.
func (l *Live) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	defer l.m.liveLock.Unlock()
	if l.m.isClosed() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := l.m.sh(ctx, `/var/ossec/bin/ossec-control stop >/dev/null 2>&1 || true`)
	return err
}
