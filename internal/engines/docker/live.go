package docker

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"fmt"
	"net"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
)

// Paths inside a real manager container.
const (
	ossecDir       = "/var/ossec"
	liveHelper     = SessionRoot + "/bin/ossec-ruletest"
	liveQueue      = ossecDir + "/queue/ossec/queue"
	archivesJSON   = ossecDir + "/logs/archives/archives.json"
	alertsJSONPath = ossecDir + "/logs/alerts/alerts.json"
	alertsLogPath  = ossecDir + "/logs/alerts/alerts.log"
	arLogPath      = ossecDir + "/logs/active-responses.log"
	verdictLog     = ossecDir + "/logs/ar-verify.log"
	arVerifyBin    = ossecDir + "/active-response/bin/ossec-ar-verify-file"
	arVerifyConf   = ossecDir + "/etc/ossec-ar-verify.conf"
	// probeLocation is the agent the integrity probes come from, and
	// probePath the start of their file names.
	probeLocation = "(ossec-ruletest-probe) 127.0.0.1->syscheck"
	probePath     = "/ossec-ruletest-probe/"
	// ourSyslogPort is the port of the syslog listener the engine adds
	// when the configuration's own listener on 514 takes no lines from
	// 127.0.0.1.
	ourSyslogPort = 51400
)

// LiveConf is appended to a live case's ossec.conf: the settings live
// injection relies on. It is containers/manager/live.conf (a test keeps
// the two equal).
//
//go:embed live.conf
var LiveConf string

// liveInternalOptions are appended to the image's
// local_internal_options.conf for live runs: remoted runs without agent
// keys; one thread per analysisd stage, so that events are analysed in
// the order they were sent, as ossec-logtest does; logcollector looks at
// the verdict file every second.
const liveInternalOptions = `
# ossec-ruletest docker-live
remoted.pass_empty_keyfile=1
analysisd.input_demux_threads=1
analysisd.event_threads=1
analysisd.rule_matching_threads=1
analysisd.syscheck_threads=1
logcollector.loop_timeout=1
`

// arVerifyLiveConf is ossec-ar-verify-file's configuration in a manager
// container without one: no syslog daemon runs there, so verdicts go to
// the file that LiveConf has OSSEC read back.
const arVerifyLiveConf = "# ossec-ruletest docker-live: verdicts to the file OSSEC reads back\nverdict_file = " + verdictLog + "\n"

// liveDaemons are the daemons a live case runs, in ossec-control's order:
// execd before analysisd (which connects to it), analysisd before the
// daemons that feed it. ossec-maild, syscheckd, monitord and authd are not
// started: e-mail is off, events come from the engine.
var liveDaemons = []string{"ossec-execd", "ossec-analysisd", "ossec-logcollector", "ossec-remoted"}

// Live is a live-injection session on a real manager: the daemons run on
// the case's ruleset, log lines go in through a remote syslog listener,
// other messages through analysisd's queue, and results come from
// archives.json (every event, with its decoder and fields), alerts.log
// (alert, mail, groups) and active-responses.log. Only one Live runs in a
// container at a time (StartLive waits for the previous one's Close).
type Live struct {
	m          *Manager
	syslogAddr string     // where log lines go
	syslogLoc  string     // the location analysisd gives them
	arRules    arConfig   // which rules run active responses
	archOff    int        // bytes of archives.json already read
	partial    []byte     // a last line not complete yet
	events     []Archived // read, not yet claimed
	alertsUsed int        // alerts of alerts.log already claimed
	arN        int        // active-responses.log lines already read
	recent     []string   // the last three distinct syslog lines sent
	last       *Archived  // the last event claimed
	probes     int        // filler probes sent
	// The companion is an ossec-logtest session on the case's ruleset in
	// the same container, started at the first log line that the manager
	// analysed without a rule (openCompanion) and fed every log line the
	// case fed (syslogFed), so that it holds the same correlation state:
	// a rule of level 0 matched is recorded nowhere by the manager, and
	// is taken from it.
	openCompanion func(context.Context) (*Session, error)
	companion     *Session
	syslogFed     []string
	daemons       []string // the daemons the case runs
	started       time.Time
	// ARWait bounds the wait for an active response of a rule that has
	// one; EventWait the wait for an event to be analysed.
	ARWait, EventWait time.Duration
	closed            bool
}

// StartLive installs files (the case's effective ruleset) into the
// container's /var/ossec with LiveConf appended to its ossec.conf, starts
// the daemons on it from a clean state (no integrity database, no
// first-time-seen list, empty logs), checks that each runs, and waits
// until a probe line sent to the syslog listener is analysed.
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
	t0 := time.Now()
	if traceOn {
		defer func() { tracef("StartLive %.0fms", float64(time.Since(t0).Microseconds())/1000) }()
	}
	if err := m.liveSetup(ctx); err != nil {
		return nil, err
	}
	var conf []byte
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
	l := &Live{m: m, ARWait: 15 * time.Second, EventWait: 20 * time.Second, started: t0}
	conf = append(append(bytes.TrimRight(conf, "\n"), "\n\n<!-- ossec-ruletest live injection -->\n"...), LiveConf...)
	listener, port := syslogListener(string(conf))
	l.syslogAddr = "127.0.0.1:" + strconv.Itoa(port)
	l.syslogLoc = "127.0.0.1"
	if listener != "" {
		conf = append(conf, listener...)
	}
	l.arRules = parseARConfig(string(conf))
	rest = append(rest, File{Path: "etc/ossec.conf", Data: conf})
	daemons := liveDaemons
	if !strings.Contains(string(conf), "<active-response>") {
		daemons = daemons[1:]
	}
	// Only analysisd holds a case's state (correlation, first-time-seen,
	// integrity databases, its LastMsg check) and reads the rules: it
	// restarts for every case. Each other daemon stays from the case
	// before when the part of the configuration it reads is the same
	// (ossec-logcollector alone waits 6 s at its start).
	keys := daemonKeys(string(conf), rest)
	var stop, start []string
	for _, d := range daemons {
		if d != "ossec-analysisd" && m.liveKeys[d] == keys[d] {
			continue
		}
		start = append(start, d)
	}
	dead, err := m.deadDaemons(ctx, daemons)
	if err != nil {
		return nil, err
	}
	for _, d := range dead {
		if !slices.Contains(start, d) {
			start = append(start, d)
		}
	}
	for _, d := range liveDaemons {
		if slices.Contains(start, d) || !slices.Contains(daemons, d) {
			stop = append(stop, d)
		}
	}
	slices.SortFunc(start, func(a, b string) int { return slices.Index(liveDaemons, a) - slices.Index(liveDaemons, b) })
	m.liveKeys = nil
	if err := m.stopDaemons(ctx, stop); err != nil {
		return nil, err
	}
	if err := m.uploadInstallation(ctx, rest); err != nil {
		return nil, err
	}
	l.daemons = daemons
	if err := m.startDaemons(ctx, start, slices.Contains(start, "ossec-logcollector")); err != nil {
		return nil, err
	}
	if traceOn {
		tracef("daemons started %.0fms (%v)", float64(time.Since(t0).Microseconds())/1000, start)
	}
	if err := l.waitReady(ctx); err != nil {
		return nil, err
	}
	m.liveKeys = keys
	ok = true
	return l, nil
}

// daemonKeys sums, for each daemon but analysisd, what it reads of conf
// (an ossec.conf) and of files: ossec-execd the commands and active
// responses, ossec-logcollector the files and commands to read,
// ossec-remoted its listeners, the agent keys and shared files.
func daemonKeys(conf string, files []File) map[string]string {
	conf = xmlComment().ReplaceAllString(conf, "")
	sum := func(tags []string, paths func(string) bool) string {
		h := sha256.New()
		for _, tag := range tags {
			re := regexp.MustCompile(`(?s)<` + tag + `>.*?</` + tag + `>`)
			for _, b := range re.FindAllString(conf, -1) {
				fmt.Fprintf(h, "%d\n%s\n", len(b), b)
			}
		}
		for _, f := range files {
			if paths != nil && paths(f.Path) {
				fmt.Fprintf(h, "%q %o %d\n", f.Path, f.Mode, len(f.Data))
				h.Write(f.Data)
			}
		}
		return fmt.Sprintf("%x", h.Sum(nil))
	}
	return map[string]string{
		"ossec-execd":        sum([]string{"command", "active-response"}, nil),
		"ossec-logcollector": sum([]string{"localfile"}, nil),
		"ossec-remoted": sum([]string{"remote"}, func(p string) bool {
			return p == "etc/client.keys" || strings.HasPrefix(p, "etc/shared/")
		}),
	}
}

// uploadInstallation writes files (paths relative to /var/ossec) into the
// installation through the served helper, which follows the official
// layout's links (/var/ossec/etc is a link into the data volume, which an
// archive upload through it would replace by a directory). A file whose
// content the previous case already installed is not sent again.
func (m *Manager) uploadInstallation(ctx context.Context, files []File) error {
	srv := m.servedHelper()
	if srv == nil {
		return m.errorf(CodeLive, nil, "live injection's helper is not running")
	}
	var req Request
	req.Op = "write"
	sums := map[string][sha256.Size]byte{}
	for _, f := range files {
		clean := path.Clean(f.Path)
		if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			return m.errorf(CodeLive, nil, "file %q is outside the installation", f.Path)
		}
		full := ossecDir + "/" + clean
		sum := sha256.Sum256(append(strconv.AppendInt(nil, f.Mode, 8), f.Data...))
		sums[full] = sum
		if m.liveFiles[full] == sum {
			continue
		}
		req.Files = append(req.Files, WireFile{Path: full, Data: f.Data, Mode: f.Mode})
	}
	if len(req.Files) > 0 {
		r, err := srv.call(ctx, &req)
		if err != nil {
			return err
		}
		if r.Err != "" {
			m.liveFiles = nil
			return m.errorf(CodeLive, nil, "cannot install the case's ruleset: %s", r.Err)
		}
	}
	if m.liveFiles == nil {
		m.liveFiles = map[string][sha256.Size]byte{}
	}
	for k, v := range sums {
		m.liveFiles[k] = v
	}
	return nil
}

// liveSetup prepares the container once per run: our helper binary, the
// ossec-ar-verify-file active response when the image has none (our
// binary answers to that name), the internal options live runs need.
func (m *Manager) liveSetup(ctx context.Context) error {
	m.liveOnce.Do(func() {
		if m.liveErr = m.installHelper(ctx); m.liveErr != nil {
			return
		}
		srv, err := m.startServed(ctx)
		if err != nil {
			m.liveErr = err
			return
		}
		m.mu.Lock()
		m.srv = srv
		m.mu.Unlock()
		static := len(m.helperCmd) == 1
		script := `set -e
cd /var/ossec
test -x bin/ossec-analysisd || { echo "no /var/ossec/bin/ossec-analysisd: not an OSSEC manager image"; exit 3; }
cp -p etc/local_internal_options.conf etc/local_internal_options.conf.ruletest 2>/dev/null || : > etc/local_internal_options.conf.ruletest
if [ ! -e ` + arVerifyBin + ` ] && [ "$1" = static ]; then
  cp ` + liveHelper + ` ` + arVerifyBin + `
  chown root:ossec ` + arVerifyBin + `; chmod 0750 ` + arVerifyBin + `
fi
if [ ! -e ` + arVerifyConf + ` ]; then
  printf '%s' "$2" > ` + arVerifyConf + `
  chown root:root ` + arVerifyConf + `; chmod 0644 ` + arVerifyConf + `
fi`
		arg := "dynamic"
		if static {
			arg = "static"
		}
		if out, err := m.sh(ctx, script, arg, arVerifyLiveConf); err != nil {
			m.liveErr = m.errorf(CodeLive, err, "cannot prepare the manager for live injection: %s", out)
		}
	})
	return m.liveErr
}

// stopDaemons ends the OSSEC daemons named, found by their programs, and
// waits until they are gone (a daemon that has not written its pid file
// yet is stopped too).
func (m *Manager) stopDaemons(ctx context.Context, names []string) error {
	pids, err := m.daemonPids(ctx, names)
	if err != nil {
		return err
	}
	if len(pids) == 0 {
		return nil
	}
	const script = `for p in "$@"; do kill "$p" 2>/dev/null; done
for i in $(seq 1 100); do
  alive=
  for p in "$@"; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
  [ -z "$alive" ] && exit 0
  sleep 0.02
done
for p in $alive; do kill -9 "$p" 2>/dev/null; done
exit 0`
	if out, err := m.sh(ctx, script, pids...); err != nil {
		return m.errorf(CodeLive, err, "cannot stop the OSSEC daemons: %s", out)
	}
	return nil
}

// startDaemons starts the daemons named, in liveDaemons' order, each as
// ossec-control would; the daemons that read from analysisd's queue only
// once it takes messages (they retry after 1, 2, 5, 10 s, and
// ossec-remoted would hold the first lines that long). With reset, the
// state and logs of the daemons that stay between cases are emptied too
// (the verdict file, which ossec-logcollector keeps open). A daemon that
// refuses to start is an error quoting what it printed and its lines of
// ossec.log.
func (m *Manager) startDaemons(ctx context.Context, daemons []string, reset bool) error {
	logs := "logs/ossec.log " + archivesJSON + " " + alertsJSONPath + " " + alertsLogPath + " " + arLogPath
	if reset {
		logs += " " + verdictLog
	}
	prepare := `cd /var/ossec
cat etc/local_internal_options.conf.ruletest > etc/local_internal_options.conf
printf '%s' "$1" >> etc/local_internal_options.conf
shift
rm -rf queue/syscheck/* queue/diff/* queue/fts/* queue/rootcheck/* queue/agent-info/* var/ossec-ar-verify 2>/dev/null
mkdir -p logs/alerts logs/archives
for f in ` + logs + `; do : > "$f"; done
chown ossec:ossec logs/ossec.log logs/alerts/* logs/archives/* 2>/dev/null
chgrp ossec logs/active-responses.log ` + verdictLog + ` 2>/dev/null; chmod 0660 logs/active-responses.log ` + verdictLog + `
chgrp -R ossec etc rules 2>/dev/null
chmod -R g+r etc rules 2>/dev/null
if ls lists/* >/dev/null 2>&1; then bin/ossec-makelists >/dev/null 2>&1; fi
`
	const run = `cd /var/ossec
for d in "$@"; do
  if ! out=$(bin/$d 2>&1); then
    echo "$d"
    echo "$out"
    exit 3
  fi
done
exit 0`
	var first, then []string
	for _, d := range daemons {
		if d == "ossec-execd" || d == "ossec-analysisd" {
			first = append(first, d)
		} else {
			then = append(then, d)
		}
	}
	for i, group := range [][]string{first, then} {
		script := run
		args := group
		if i == 0 {
			script = prepare + run[len("cd /var/ossec\n"):]
			args = append([]string{liveInternalOptions}, group...)
		}
		out, err := m.sh(ctx, script, args...)
		if err != nil {
			name, said, _ := strings.Cut(strings.TrimSpace(out), "\n")
			return m.errorf(CodeLive, nil, "%s did not start: %s%s", name, strings.TrimSpace(said), m.daemonLog(ctx, name))
		}
		if i == 0 && slices.Contains(first, "ossec-analysisd") {
			if err := m.waitQueue(ctx, first); err != nil {
				return err
			}
		}
	}
	return nil
}

// waitQueue waits until analysisd's queue takes a connection, as
// ossec-control's probe does, checking that the daemons started runs.
func (m *Manager) waitQueue(ctx context.Context, started []string) error {
	srv := m.servedHelper()
	deadline := time.Now().Add(m.cfg.DaemonTimeout)
	for n := 0; ; n++ {
		r, err := srv.call(ctx, &Request{Op: "send", Kind: "queue", Target: liveQueue})
		if err != nil {
			return err
		}
		if r.Err == "" {
			return nil
		}
		if n%20 == 19 {
			dead, err := m.deadDaemons(ctx, started)
			if err != nil {
				return err
			}
			if len(dead) > 0 {
				return m.errorf(CodeLive, nil, "%s stopped after its start%s", dead[0], m.daemonLog(ctx, dead[0]))
			}
		}
		if time.Now().After(deadline) {
			return m.errorf(CodeLive, nil, "analysisd's queue %s took no connection within %v: %s%s", liveQueue, m.cfg.DaemonTimeout, r.Err, m.daemonLog(ctx, "ossec-analysisd"))
		}
		if err := sleepCtx(ctx, 25*time.Millisecond); err != nil {
			return err
		}
	}
}

// daemonLog quotes the lines of ossec.log of daemon, for errors.
func (m *Manager) daemonLog(ctx context.Context, daemon string) string {
	out, _ := m.sh(ctx, `grep -F -- "$1" /var/ossec/logs/ossec.log | tail -n 8`, daemon)
	out = strings.TrimSpace(out)
	if out == "" {
		return "\n(ossec.log has no line of " + daemon + ")"
	}
	return "\nossec.log:\n  " + strings.ReplaceAll(out, "\n", "\n  ")
}

// deadDaemons returns the daemons named that do not run: no process
// runs their program (a daemon writes its pid file only once it has read
// its configuration, which takes analysisd a second or more).
func (m *Manager) deadDaemons(ctx context.Context, daemons []string) ([]string, error) {
	procs, err := m.procs(ctx)
	if err != nil {
		return nil, err
	}
	running := map[string]bool{}
	for _, p := range procs {
		running[p.name] = true
	}
	var dead []string
	for _, d := range daemons {
		if !running[d] {
			dead = append(dead, d)
		}
	}
	return dead, nil
}

// daemonPids returns the process ids of the daemons named.
func (m *Manager) daemonPids(ctx context.Context, daemons []string) ([]string, error) {
	procs, err := m.procs(ctx)
	if err != nil {
		return nil, err
	}
	var pids []string
	for _, p := range procs {
		for _, d := range daemons {
			if p.name == d {
				pids = append(pids, p.pid)
			}
		}
	}
	return pids, nil
}

type proc struct{ pid, name string }

// procs lists the container's processes through the served helper.
func (m *Manager) procs(ctx context.Context) ([]proc, error) {
	srv := m.servedHelper()
	if srv == nil {
		return nil, m.errorf(CodeLive, nil, "live injection's helper is not running")
	}
	r, err := srv.call(ctx, &Request{Op: "procs"})
	if err != nil {
		return nil, err
	}
	var out []proc
	for _, line := range strings.Split(r.Out, "\n") {
		if pid, name, ok := strings.Cut(line, " "); ok {
			out = append(out, proc{pid, name})
		}
	}
	return out, nil
}

// syslogListener finds, in an ossec.conf text, a remote syslog listener
// on UDP that takes lines from 127.0.0.1, and returns its port and no
// block; without one it returns a block that adds ours: on 514, or on
// ourSyslogPort when a listener on 514 exists for other addresses.
func syslogListener(conf string) (block string, port int) {
	taken := false
	for _, m := range remoteBlock().FindAllStringSubmatch(conf, -1) {
		body := m[1]
		if strings.TrimSpace(tagValue(body, "connection")) != "syslog" {
			continue
		}
		p := 514
		if v := strings.TrimSpace(tagValue(body, "port")); v != "" {
			if n, err := strconv.Atoi(v); err == nil {
				p = n
			}
		}
		if proto := strings.TrimSpace(tagValue(body, "protocol")); proto != "" && proto != "udp" {
			if p == 514 {
				continue // TCP does not take the UDP port
			}
			continue
		}
		for _, ip := range allowedIPs().FindAllStringSubmatch(body, -1) {
			a := strings.TrimSpace(ip[1])
			if a == "127.0.0.1" || strings.HasPrefix(a, "127.0.0.0/") || a == "0.0.0.0/0" || a == "any" {
				return "", p
			}
		}
		if p == 514 {
			taken = true
		}
	}
	port = 514
	if taken {
		port = ourSyslogPort
	}
	return fmt.Sprintf("\n<ossec_config>\n  <remote>\n    <connection>syslog</connection>\n    <port>%d</port>\n    <protocol>udp</protocol>\n    <allowed-ips>127.0.0.1</allowed-ips>\n  </remote>\n</ossec_config>\n", port), port
}

var (
	remoteBlock = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)<remote>(.*?)</remote>`) })
	allowedIPs  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)<allowed-ips>(.*?)</allowed-ips>`) })
	arBlock     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)<active-response>(.*?)</active-response>`) })
	xmlComment  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)<!--.*?-->`) })
)

func tagValue(body, tag string) string {
	re := regexp.MustCompile(`(?s)<` + tag + `>(.*?)</` + tag + `>`)
	if m := re.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// arConfig says which alerts run an active response: OSSEC 4.3.0 gives a
// rule the responses whose <rules_id> name it, whose <rules_group> it is
// in, or whose <level> it reaches; allow lists the <white_list> and
// <allow_list> entries of <global>, whose source addresses get none.
type arConfig struct {
	entries []arEntry
	allow   []string
}

type arEntry struct {
	command  string
	expect   []string // filename, srcip, user
	ids      map[int]bool
	groups   []string
	level    int // 0: none
	location string
}

var (
	globalBlock = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)<global>(.*?)</global>`) })
	allowEntry  = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?s)<(?:white_list|allow_list)>(.*?)</(?:white_list|allow_list)>`)
	})
)

func parseARConfig(conf string) arConfig {
	conf = xmlComment().ReplaceAllString(conf, "")
	var out arConfig
	for _, m := range arBlock().FindAllStringSubmatch(conf, -1) {
		body := m[1]
		if strings.TrimSpace(tagValue(body, "disabled")) == "yes" || strings.TrimSpace(tagValue(body, "command")) == "" {
			continue
		}
		e := arEntry{command: strings.TrimSpace(tagValue(body, "command")), ids: map[int]bool{},
			location: strings.TrimSpace(tagValue(body, "location"))}
		e.expect = commandExpect(conf, e.command)
		for _, s := range strings.Split(tagValue(body, "rules_id"), ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
				e.ids[n] = true
			}
		}
		for _, g := range strings.Split(tagValue(body, "rules_group"), "|") {
			if g = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(g), ",")); g != "" {
				e.groups = append(e.groups, g)
			}
		}
		if v := strings.TrimSpace(tagValue(body, "level")); v != "" {
			e.level, _ = strconv.Atoi(v)
		}
		out.entries = append(out.entries, e)
	}
	for _, g := range globalBlock().FindAllStringSubmatch(conf, -1) {
		for _, a := range allowEntry().FindAllStringSubmatch(g[1], -1) {
			if v := strings.TrimSpace(a[1]); v != "" {
				out.allow = append(out.allow, v)
			}
		}
	}
	return out
}

func (e *arEntry) matches(id, level int, groups []string) bool {
	if e.ids[id] || (e.level > 0 && level >= e.level) {
		return true
	}
	for _, g := range e.groups {
		for _, h := range groups {
			if strings.TrimSpace(h) == g {
				return true
			}
		}
	}
	return false
}

// runsOnServer reports whether analysisd hands the response to the
// manager's own execd for an event from location (alerts/exec.c):
// location "server" (or AS, analysisd, analysis-server), or "local" for
// an event that no agent sent. Others go to the agents.
func (e *arEntry) runsOnServer(location string) bool {
	for _, w := range []string{"AS", "analysisd", "analysis-server", "server"} {
		if strings.Contains(e.location, w) {
			return true
		}
	}
	return strings.Contains(e.location, "local") && !strings.HasPrefix(location, "(")
}

var (
	arUserChars = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z._0-9@?-]*$`) })
	arIPChars   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z.:_0-9-]*$`) })
)

// sent returns the responses analysisd sends for the alert r of the
// archived event a, as OSSEC 4.3.0 decides (analysisd_stages.c,
// alerts/exec.c): each response of the rule whose expected values the
// event has (a user name, dstuser before srcuser, and a source address of
// the characters OSSEC allows) and whose source address is in no allow
// list. onServer are those of them that the manager's own execd runs for
// an event from location.
func (c arConfig) sent(r engine.Result, a *Archived, location string) (all, onServer []engine.ActiveResponse) {
	for _, e := range c.entries {
		if !e.matches(r.Rule.ID, r.Rule.Level, r.Rule.Groups) {
			continue
		}
		ar := engine.ActiveResponse{Command: e.command, Location: "local", Args: map[string]string{}}
		ok := true
		for _, x := range e.expect {
			var v string
			switch x {
			case "filename":
				v = a.Filename
			case "srcip":
				v = a.Fields["srcip"]
				ok = ok && arIPChars().MatchString(v) && !c.allowed(strings.TrimPrefix(v, "::ffff:"))
			case "user":
				if v = a.Fields["dstuser"]; v == "" {
					v = a.Fields["srcuser"]
				}
				ok = ok && arUserChars().MatchString(v)
			}
			ok = ok && v != ""
			ar.Args[x] = v
		}
		if !ok {
			continue
		}
		all = append(all, ar)
		if e.runsOnServer(location) {
			onServer = append(onServer, ar)
		}
	}
	return all, onServer
}

// allowed reports whether ip is in the allow list: an address or network
// of it, or a host name entry that starts with ip (OSSEC compares so).
func (c arConfig) allowed(ip string) bool {
	addr := net.ParseIP(ip)
	for _, a := range c.allow {
		if _, n, err := net.ParseCIDR(a); err == nil {
			if addr != nil && n.Contains(addr) {
				return true
			}
			continue
		}
		if x := net.ParseIP(a); x != nil {
			if addr != nil && x.Equal(addr) {
				return true
			}
			continue
		}
		if strings.HasPrefix(a, ip) {
			return true
		}
	}
	return false
}

var commandBlock = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)<command>(.*?)</command>`) })

// commandExpect returns the <expect> of the <command> named name.
func commandExpect(conf, name string) []string {
	for _, m := range commandBlock().FindAllStringSubmatch(conf, -1) {
		if strings.TrimSpace(tagValue(m[1], "name")) != name {
			continue
		}
		var out []string
		for _, x := range strings.Split(tagValue(m[1], "expect"), ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		return out
	}
	return nil
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
// Once live injection started the served helper, the script runs
// through it.
func (m *Manager) sh(ctx context.Context, script string, args ...string) (string, error) {
	var out string
	var code int
	if srv := m.servedHelper(); srv != nil {
		r, err := srv.call(ctx, &Request{Op: "sh", Script: script, Args: args})
		if err != nil {
			return "", err
		}
		if r.Err != "" {
			return "", m.errorf(CodeExec, nil, "cannot run a shell script: %s", r.Err)
		}
		out, code = r.Out, r.Code
	} else {
		res, err := m.Exec(ctx, append([]string{"/bin/sh", "-c", script, "sh"}, args...), nil)
		if err != nil {
			return "", err
		}
		out, code = string(res.Stdout)+string(res.Stderr), res.ExitCode
	}
	if code != 0 {
		return out, m.errorf(CodeExec, nil, "shell script exited with code %d: %s", code, strings.TrimSpace(out))
	}
	return out, nil
}

func (m *Manager) servedHelper() *served {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.srv
}

// readFrom returns the bytes of the container's file name from offset off
// on (nil for a missing file), through the served helper.
func (m *Manager) readFrom(ctx context.Context, name string, off int) ([]byte, error) {
	srv := m.servedHelper()
	if srv == nil {
		return nil, m.errorf(CodeLive, nil, "live injection's helper is not running")
	}
	r, err := srv.call(ctx, &Request{Op: "read", Path: name, Off: int64(off)})
	if err != nil {
		return nil, err
	}
	if r.Err != "" {
		return nil, m.errorf(CodeLive, nil, "reading %s: %s", name, r.Err)
	}
	return r.Data, nil
}

// waitReady sends probe lines until the manager analysed one that came
// through its syslog listener and one that its log collection read from
// the verdict file (logcollector opens a file at its end: a verdict
// written before it did would never be read), checking that every daemon
// still runs; a daemon that died is an error naming it and quoting its
// lines of ossec.log.
func (l *Live) waitReady(ctx context.Context) error {
	start := time.Now()
	deadline := start.Add(l.m.cfg.DaemonTimeout)
	prefix := fmt.Sprintf("ossec-ruletest live probe %s %d ", l.m.runID, start.UnixNano())
	var syslogSeen, fileSeen bool
	var lastSend, lastCheck time.Time
	for n := 0; ; n++ {
		if time.Since(lastSend) >= 500*time.Millisecond {
			lastSend = time.Now()
			if !syslogSeen {
				if err := l.send(ctx, "syslog", l.syslogAddr, prefix+"syslog "+strconv.Itoa(n)); err != nil {
					return err
				}
			}
			if !fileSeen {
				if _, err := l.m.sh(ctx, `printf '%s\n' "$1" >> "$2"`, prefix+"file "+strconv.Itoa(n), verdictLog); err != nil {
					return err
				}
			}
		}
		if err := l.read(ctx); err != nil {
			return err
		}
		for k := range l.events {
			if t := l.events[k].text(); strings.HasPrefix(t, prefix) {
				if traceOn && (!syslogSeen && strings.HasPrefix(t, prefix+"syslog ") || !fileSeen && strings.HasPrefix(t, prefix+"file ")) {
					tracef("probe %q after %.0fms", t, float64(time.Since(start).Microseconds())/1000)
				}
				syslogSeen = syslogSeen || strings.HasPrefix(t, prefix+"syslog ")
				fileSeen = fileSeen || strings.HasPrefix(t, prefix+"file ")
				if syslogSeen && fileSeen {
					l.events = l.events[k+1:]
					if traceOn {
						tracef("ready after %.0fms", float64(time.Since(start).Microseconds())/1000)
					}
					return nil
				}
			}
		}
		if time.Since(lastCheck) >= 500*time.Millisecond {
			lastCheck = time.Now()
			dead, err := l.m.deadDaemons(ctx, l.daemons)
			if err != nil {
				return err
			}
			if len(dead) > 0 {
				return l.m.errorf(CodeLive, nil, "%s stopped after its start%s", dead[0], l.m.daemonLog(ctx, dead[0]))
			}
		}
		if time.Now().After(deadline) {
			logs, _ := l.m.sh(ctx, `tail -n 20 /var/ossec/logs/ossec.log`)
			what := "a probe line sent to its syslog listener " + l.syslogAddr
			if syslogSeen {
				what = "a probe line appended to " + verdictLog + " (read by its log collection)"
			}
			return l.m.errorf(CodeLive, nil, "the manager analysed no %s within %v; ossec.log ends with:\n%s",
				what, l.m.cfg.DaemonTimeout, logs)
		}
		if err := sleepCtx(ctx, 25*time.Millisecond); err != nil {
			return err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// send sends each line of text as one datagram to target: a syslog
// listener or analysisd's queue.
func (l *Live) send(ctx context.Context, kind, target, text string) error {
	srv := l.m.servedHelper()
	if srv == nil {
		return l.m.errorf(CodeLive, nil, "live injection's helper is not running")
	}
	r, err := srv.call(ctx, &Request{Op: "send", Kind: kind, Target: target, Lines: strings.Split(text, "\n")})
	if err != nil {
		return err
	}
	if r.Err != "" {
		return l.m.errorf(CodeLive, nil, "injecting %q: %s", text, r.Err)
	}
	return nil
}

// read appends the events archives.json gained since the last read.
func (l *Live) read(ctx context.Context) error {
	got, err := l.m.readFrom(ctx, archivesJSON, l.archOff)
	if err != nil {
		return err
	}
	l.archOff += len(got)
	data := append(l.partial, got...)
	i := bytes.LastIndexByte(data, '\n')
	if i < 0 {
		l.partial = data
		return nil
	}
	l.partial = append([]byte(nil), data[i+1:]...)
	evs, err := ParseArchivesJSON(archivesJSON, bytes.NewReader(data[:i+1]))
	if err != nil {
		return l.m.errorf(CodeLive, err, "reading archives.json")
	}
	l.events = append(l.events, evs...)
	return nil
}

// claim waits until an event that match accepts was analysed and takes
// it (with the events before it that match does not accept: the engine's
// probes; others stay for Produced).
func (l *Live) claim(ctx context.Context, match func(*Archived) bool, wait time.Duration, what string) (*Archived, error) {
	deadline := time.Now().Add(wait)
	for {
		for k := range l.events {
			if match(&l.events[k]) {
				a := l.events[k]
				l.events = append(l.events[:k:k], l.events[k+1:]...)
				return &a, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, l.m.errorf(CodeLive, nil, "the manager analysed no event %s within %v", what, wait)
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return nil, err
		}
		if err := l.read(ctx); err != nil {
			return nil, err
		}
	}
}

// Process injects one event and returns what the manager did with it: a
// log line typed into ossec-logtest (queue 1, location stdin) goes to the
// remote syslog listener; any other message goes into analysisd's queue
// as OSSEC's daemons write it. The decoder, fields and rule come from the
// event's archives.json entry (every analysed event has one: the engine
// knows it was processed, without fixed waits); alert, mail and groups
// from its alerts.log entry; active responses, for a rule that has one,
// from the lines the program logs to active-responses.log. A message the
// manager drops without analysis (an integrity event of a file seen the
// first time) gives a Result with no decoder once its integrity database
// shows it.
func (l *Live) Process(ctx context.Context, msg engine.Message) (engine.Result, error) {
	syslog := msg.Queue == engine.QueueLocalFile && msg.Location == "stdin"
	if syslog {
		for _, r := range l.recent {
			if r == msg.Text {
				// analysisd drops a line identical to one of the three
				// distinct lines before it (its LastMsg check), which
				// ossec-logtest does not: three other lines first.
				if err := l.flushRecent(ctx); err != nil {
					return engine.Result{}, err
				}
				break
			}
		}
		l.remember(msg.Text)
		l.syslogFed = append(l.syslogFed, msg.Text)
		// A probe line follows the event: analysisd analyses them in
		// order, so when the probe is archived and the event is not, the
		// event was analysed and recorded nowhere (an "ossec:" line that
		// decodes as an OSSEC alert without a rule is dropped so).
		l.probes++
		probe := fmt.Sprintf("ossec-ruletest live probe %s after %d", l.m.runID, l.probes)
		if err := l.send(ctx, "syslog", l.syslogAddr, msg.Text+"\n"+probe); err != nil {
			return engine.Result{}, err
		}
		l.remember(probe)
		mine := func(a *Archived) bool {
			return a.Logfile == l.syslogLoc && (a.text() == msg.Text || strings.HasSuffix(a.text(), " "+msg.Text))
		}
		a, err := l.claim(ctx, func(a *Archived) bool { return mine(a) || a.text() == probe }, l.EventWait, fmt.Sprintf("for %q", msg.Text))
		if err != nil {
			return engine.Result{}, err
		}
		if a.text() == probe {
			return engine.Result{Log: msg.Text}, nil
		}
		if _, err := l.claim(ctx, func(a *Archived) bool { return a.text() == probe }, l.EventWait, fmt.Sprintf("for the probe %q", probe)); err != nil {
			return engine.Result{}, err
		}
		r, err := l.result(ctx, msg.Text, a, l.syslogLoc)
		if err != nil {
			return engine.Result{}, err
		}
		return l.levelZero(ctx, r)
	}
	if msg.Queue == engine.QueueSyscheck {
		return l.processSyscheck(ctx, msg)
	}
	if err := l.send(ctx, "queue", liveQueue, fmt.Sprintf("%c:%s:%s", msg.Queue, msg.Location, msg.Text)); err != nil {
		return engine.Result{}, err
	}
	loc := msg.Location
	if i := strings.Index(loc, "->"); i >= 0 && strings.HasPrefix(loc, "(") {
		loc = loc[i+2:]
	}
	a, err := l.claim(ctx, func(a *Archived) bool { return a.Logfile == loc && strings.Contains(msg.Text, a.text()) },
		l.EventWait, fmt.Sprintf("from %s", msg.Location))
	if err != nil {
		return engine.Result{}, err
	}
	return l.result(ctx, msg.Text, a, msg.Location)
}

// levelZeroNote marks a rule that live injection took from ossec-logtest.
const levelZeroNote = "rule %d (level 0) from ossec-logtest in the same container, fed the case's log lines: the live manager analysed the event and records no match of a rule of level 0 (no alert, no rule in archives.json)"

// levelZero completes r, the result of the last log line fed, when the
// manager analysed it without a rule: the companion ossec-logtest, fed
// the same lines, gives the rule of level 0 that matched, if one did
// (decoded the same way, no alert). The result says so in its Notes.
// Once started, the companion gets every later line too.
func (l *Live) levelZero(ctx context.Context, r engine.Result) (engine.Result, error) {
	if l.openCompanion == nil || (l.companion == nil && (r.Rule != nil || r.Alert)) {
		return r, nil
	}
	line := l.syslogFed[len(l.syslogFed)-1]
	if l.companion == nil {
		c, err := l.openCompanion(ctx)
		if err != nil {
			return engine.Result{}, err
		}
		l.companion = c
		for _, earlier := range l.syslogFed[:len(l.syslogFed)-1] {
			if _, err := c.Process(ctx, engine.Message{Queue: engine.QueueLocalFile, Location: "stdin", Text: earlier}); err != nil {
				return engine.Result{}, err
			}
		}
	}
	c, err := l.companion.Process(ctx, engine.Message{Queue: engine.QueueLocalFile, Location: "stdin", Text: line})
	if err != nil {
		return engine.Result{}, err
	}
	c = harness.LastEvent(c)
	if r.Rule != nil || r.Alert || c.Rule == nil || c.Rule.Level != 0 || c.Alert || c.Decoder != r.Decoder {
		return r, nil
	}
	rule := *c.Rule
	r.Rule = &rule
	r.Notes = append(r.Notes, fmt.Sprintf(levelZeroNote, rule.ID))
	return r, nil
}

// Integrity sums of the probe files: a file first reported with
// probeSumsFirst, then changed to probeSumsChanged (md5 and sha1 of "\n").
const (
	probeSumsFirst   = "0:33188:0:0:d41d8cd98f00b204e9800998ecf8427e:da39a3ee5e6b4b0d3255bfef95601890afd80709"
	probeSumsChanged = "1:33188:0:0:68b329da9893e34099c7d8ad5cb9c940:adc83b19e793491b1c6ea0fd8b46cd9f32e592fc"
	probeMD5Changed  = "68b329da9893e34099c7d8ad5cb9c940"
)

// processSyscheck feeds an integrity event, then two integrity events of
// a new probe file from an agent of its own (probeLocation: should the
// probe alert, a response goes to that agent, never runs here): its first
// report, which the decoder only stores, and a change, which it analyses
// and archives. One syscheck thread takes them in order, and the archive
// keeps that order: once the change is archived, the event before it was
// handled, and it has an archive entry before the probe's unless the
// decoder dropped it (first seen, ignored, auto-ignored). No fixed wait.
func (l *Live) processSyscheck(ctx context.Context, msg engine.Message) (engine.Result, error) {
	_, file, _ := strings.Cut(msg.Text, " ")
	l.probes++
	probe := fmt.Sprintf("%s%s/%d", probePath, l.m.runID, l.probes)
	first := fmt.Sprintf("%c:%s:%s %s", msg.Queue, probeLocation, probeSumsFirst, probe)
	changed := fmt.Sprintf("%c:%s:%s %s", msg.Queue, probeLocation, probeSumsChanged, probe)
	if err := l.send(ctx, "queue", liveQueue, fmt.Sprintf("%c:%s:%s\n%s\n%s", msg.Queue, msg.Location, msg.Text, first, changed)); err != nil {
		return engine.Result{}, err
	}
	deadline := time.Now().Add(l.EventWait)
	for {
		if err := l.read(ctx); err != nil {
			return engine.Result{}, err
		}
		end := slices.IndexFunc(l.events, func(a Archived) bool { return a.Filename == probe && a.MD5After == probeMD5Changed })
		if end >= 0 {
			var a *Archived
			rest := append([]Archived(nil), l.events[end+1:]...)
			var kept []Archived
			for k := range l.events[:end] {
				e := l.events[k]
				switch {
				case a == nil && e.Filename == file:
					a = &e
				case strings.HasPrefix(e.Filename, probePath):
				default:
					kept = append(kept, e)
				}
			}
			l.events = append(kept, rest...)
			if a == nil {
				return engine.Result{Log: msg.Text}, nil // decoded, not analysed: no alert
			}
			return l.result(ctx, msg.Text, a, msg.Location)
		}
		if time.Now().After(deadline) {
			return engine.Result{}, l.m.errorf(CodeLive, nil, "the manager archived no change of the probe file %s sent after %q within %v", probe, msg.Text, l.EventWait)
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return engine.Result{}, err
		}
	}
}

// result completes an analysed event with its alert and active
// responses. The responses of an event from an agent go to that agent,
// which the container does not have: for those, the responses are the
// ones ossec.conf gives the rule, with the file name and addresses of the
// event, as analysisd sends them (not observed). For the manager's own
// events, the responses that execd runs are waited for (ARWait at most)
// only when analysisd sends one to execd (arConfig.sent): a rule whose
// responses want a source address the event lacks or allows costs no
// wait.
func (l *Live) result(ctx context.Context, text string, a *Archived, location string) (engine.Result, error) {
	l.last = a
	var alert *logtestfmt.Alert
	if a.Rule != nil && a.Rule.SIDID != 0 {
		var err error
		if alert, err = l.alertOf(ctx, a); err != nil {
			return engine.Result{}, err
		}
	}
	r := a.Result(text, alert)
	if r.Rule == nil {
		return r, nil
	}
	all, onServer := l.arRules.sent(r, a, location)
	if strings.HasPrefix(location, "(") {
		r.ActiveResponses = all
		return r, nil
	}
	if len(onServer) > 0 {
		ars, err := l.waitAR(ctx)
		if err != nil {
			return engine.Result{}, err
		}
		r.ActiveResponses = ars
	}
	return r, nil
}

// alertOf finds the alert of an analysed event with a rule in alerts.log,
// waiting a little for the alerts writer; none for a rule that does not
// log alerts.
func (l *Live) alertOf(ctx context.Context, a *Archived) (*logtestfmt.Alert, error) {
	deadline := time.Now().Add(2 * time.Second)
	for {
		raw, err := l.m.readFrom(ctx, alertsLogPath, 0)
		if err != nil {
			return nil, err
		}
		alerts, err := ParseAlertsLog(raw)
		if err != nil {
			return nil, l.m.errorf(CodeLive, err, "reading alerts.log")
		}
		for k := l.alertsUsed; k < len(alerts); k++ {
			if a.sameEvent(&alerts[k]) {
				l.alertsUsed = k + 1
				return &alerts[k], nil
			}
		}
		if time.Now().After(deadline) {
			return nil, nil
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// waitAR returns the active responses that logged a line within ARWait:
// OSSEC's scripts and ossec-ar-verify-file log their argv (add USER SRCIP
// TIME.ID RULEID LOCATION FILENAME) to active-responses.log.
func (l *Live) waitAR(ctx context.Context) ([]engine.ActiveResponse, error) {
	deadline := time.Now().Add(l.ARWait)
	for {
		out, err := l.m.readFrom(ctx, arLogPath, 0)
		if err != nil {
			return nil, err
		}
		lines := ParseARLog(out)
		if len(lines) < l.arN {
			l.arN = 0 // the log was rotated
		}
		var ars []engine.ActiveResponse
		for _, a := range lines[l.arN:] {
			if ar, ok := a.response(); ok {
				ars = append(ars, ar)
			}
		}
		if len(ars) > 0 {
			l.arN = len(lines)
			return ars, nil
		}
		if time.Now().After(deadline) {
			return nil, nil
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// producedByFile reports whether a is an event the manager read from a
// log file of its own (an active response's verdict file), not one the
// engine fed, not a probe, not a command's output (a stock ossec.conf
// runs df, netstat and last, whose locations are the commands).
func producedByFile(a *Archived, syslogLoc string) bool {
	return a.Logfile != syslogLoc && strings.HasPrefix(a.Logfile, "/") &&
		!strings.HasPrefix(a.text(), "ossec-ruletest live probe ") && !strings.HasPrefix(a.Filename, probePath)
}

// Produced returns the next event the manager analysed that the case did
// not feed: a line one of its own log collections read from a file, such
// as an active response's verdict, waiting for it at most wait.
func (l *Live) Produced(ctx context.Context, wait time.Duration) (engine.Result, error) {
	a, err := l.claim(ctx, func(a *Archived) bool {
		return producedByFile(a, l.syslogLoc)
	},
		wait, "produced by the manager itself (an active response's verdict read back)")
	if err != nil {
		tails, _ := l.m.sh(ctx, `cd /var/ossec/logs && for f in active-responses.log ar-verify.log ossec.log; do echo "$f:"; tail -n 5 "$f" 2>&1 | sed 's/^/  /'; done`)
		return engine.Result{}, fmt.Errorf("%w\n%s", err, strings.TrimRight(tails, "\n"))
	}
	return l.result(ctx, a.text(), a, a.Logfile)
}

// Close frees the container for the next live session. The daemons run
// on: the next session restarts those it must.
func (l *Live) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	defer l.m.liveLock.Unlock()
	if traceOn {
		tracef("live case closed after %.0fms", float64(time.Since(l.started).Microseconds())/1000)
	}
	if l.companion != nil {
		return l.companion.Close()
	}
	return nil
}

// response reads an active-response log line as the response it records,
// from the argv the program logged after its path.
func (a ARLine) response() (engine.ActiveResponse, bool) {
	if len(a.Args) > 0 && a.Args[0] == a.Program {
		a.Args = a.Args[1:] // the program's own argv[0], as ossec-ar-verify-file logs it
	}
	if a.Program == "" || len(a.Args) < 6 || (a.Args[0] != "add" && a.Args[0] != "delete") {
		return engine.ActiveResponse{}, false
	}
	name := path.Base(a.Program)
	args := map[string]string{}
	if a.Args[1] != "-" {
		args["user"] = a.Args[1]
	}
	if a.Args[2] != "-" {
		args["srcip"] = a.Args[2]
	}
	file := ""
	if len(a.Args) > 6 {
		file = strings.Join(a.Args[6:], " ")
		if name == "ossec-ar-verify-file" {
			file = unescapeShell(file) // the program escapes what it logs
		}
		file = unescapeShell(file)
	}
	if file != "" && file != "-" {
		args["filename"] = file
	}
	return engine.ActiveResponse{Command: name, Location: "local", Args: args}, true
}

// unescapeShell undoes OSSEC's os_shell_escape (a backslash before each
// shell metacharacter and blank).
func unescapeShell(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// remember records a syslog line sent, for analysisd's LastMsg check.
func (l *Live) remember(text string) {
	for _, r := range l.recent {
		if r == text {
			return
		}
	}
	l.recent = append(l.recent, text)
	if len(l.recent) > 3 {
		l.recent = l.recent[1:]
	}
}

// flushRecent sends three probe lines, each analysed before the next
// (they decode with no decoder and match no rule), so that analysisd's
// LastMsg check no longer holds the case's recent lines.
func (l *Live) flushRecent(ctx context.Context) error {
	for i := 0; i < 3; i++ {
		l.probes++
		probe := fmt.Sprintf("ossec-ruletest live probe %s filler %d", l.m.runID, l.probes)
		if err := l.send(ctx, "syslog", l.syslogAddr, probe); err != nil {
			return err
		}
		if _, err := l.claim(ctx, func(a *Archived) bool { return a.text() == probe }, l.EventWait, fmt.Sprintf("for the probe %q", probe)); err != nil {
			return err
		}
		l.remember(probe)
	}
	return nil
}
