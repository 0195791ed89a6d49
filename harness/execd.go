package harness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// ConfineEnv is the variable, set to the case's work directory, with which
// the harness keeps an active-response program's writes inside it (the
// case's own configuration steers the program). ossec-ar-verify honours it
// (arverify.ConfineEnv, kept equal by its tests).
const ConfineEnv = "OSSEC_AR_VERIFY_CONFINE"

// The OSSEC directory in which a case's active responses run, below the
// case's work directory, and what the harness reads back from it.
const (
	// ResponseDir is OSSECDIR for the case's active responses: the
	// programs run from ResponseDir/active-response/bin, and the files of
	// the case's archive under ossec/ (its etc/, with $WORK replaced by
	// the work directory) are theirs.
	ResponseDir = "ossec"
	// activeResponsesLog is the log OSSEC's responses write for the
	// administrator; it is not read back.
	activeResponsesLog = "active-responses.log"
)

// execd runs, for an engine that only says which active responses an alert
// triggers (the native engine), the responses that run on the case's host,
// as OSSEC 4.3.0's ossec-execd runs them, and reads back what they log.
//
// analysisd (alerts/exec.c, OS_Exec) sends execd the message
//
//	NAME USER SRCIP TIME.ALERTID RULEID LOCATION FILENAME
//
// (snprintf into 1024 bytes: at most 1023 are kept), NAME being the
// response's command name and timeout, USER and SRCIP "-" unless the
// command expects them, FILENAME passed through os_shell_escape, "-" when
// absent. A response for an event from an agent, with location local, goes
// to that agent, prefixed with "LOCATION XYZ AGENTID " in the same 1024
// bytes (FILENAME "(null)" when absent), which remoted strips. execd
// (os_execd/execd.c) takes NAME off, cuts the rest at every space into at
// most 29 arguments (the rest is dropped) and runs
//
//	OSSECDIR/active-response/bin/EXECUTABLE add ARGS...
//
// with no shell. A response for all agents or a defined agent does not run
// here: the case has one host, the one its events come from.
//
// Responses run when the case asks for the event one produced (the
// produced command), in the order their alerts came; what they append to
// the files of OSSECDIR/logs other than active-responses.log is analysed as
// the log lines the manager's log collection would read there.
type execd struct {
	workdir string
	bin     string // Config.ARBin
	setup   bool   // OSSECDIR prepared
	pending []arCall
	alerts  int              // alert ids given
	offsets map[string]int64 // how much of each log was read back
	lines   []engine.Message // read back, not yet analysed
}

// arCall is one response to run.
type arCall struct {
	ar    engine.ActiveResponse
	argv  []string // after the program: add USER SRCIP ...
	agent string   // "(agent) any" for a response run on an agent, "" on the manager
	event string   // the event that triggered it, for messages
}

// os_shell_escape's characters.
const shellEscapes = "\\\"' \t;`><|#*[]{}&$!:()"

// ShellEscape is os_shell_escape (what analysisd does to the file name
// of an active response; arverify's simulation of OSSEC uses it too): a
// backslash before each of shellEscapes.
func ShellEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(shellEscapes, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// execMsgMax is the longest message analysisd sends (snprintf into
// OS_SIZE_1024).
const execMsgMax = 1023

// execdMaxArgs is how many arguments execd passes after "add" (its
// MAX_ARGS is 32; it fills cmd_args[2] to cmd_args[30]).
const execdMaxArgs = 29

// queue records the responses res (an event from location at time now)
// triggers that run on the case's host.
func (x *execd) queue(res engine.Result, location string, now time.Time, what string) {
	for _, r := range append([]engine.Result{res}, res.Extra...) {
		if r.Rule == nil || len(r.ActiveResponses) == 0 {
			continue
		}
		x.alerts++
		for _, ar := range r.ActiveResponses {
			if c, ok := execdCall(ar, r.Rule.ID, location, now, x.alerts); ok {
				c.event = what
				x.pending = append(x.pending, c)
			}
		}
	}
}

// execdCall builds the argv execd gives the program for ar, and says
// whether the response runs on the event's host (see execd).
func execdCall(ar engine.ActiveResponse, rule int, location string, now time.Time, alert int) (arCall, bool) {
	locs := strings.Split(ar.Location, ",")
	fromAgent := strings.HasPrefix(location, "(")
	onManager := slices.Contains(locs, "server") || (slices.Contains(locs, "local") && !fromAgent)
	onAgent := !onManager && slices.Contains(locs, "local") && fromAgent
	if !onManager && !onAgent {
		return arCall{}, false
	}
	dash := func(k string) string {
		if v, ok := ar.Args[k]; ok {
			return v
		}
		return "-"
	}
	file := "-"
	if f, ok := ar.Args["filename"]; ok {
		file = ShellEscape(f)
	} else if onAgent {
		file = "(null)"
	}
	body := fmt.Sprintf("%s %s %s %d.%d %d %s %s", ar.Name, dash("user"), dash("srcip"), now.Unix(), alert, rule, location, file)
	c := arCall{ar: ar}
	if onAgent {
		// The agent's execd gets what follows remoted's prefix, of the
		// 1023 bytes the prefix is part of.
		prefix := fmt.Sprintf("%s %s %s ", location, xyz(locs), agentID(ar.AgentID))
		full := cut(prefix+body, execMsgMax)
		body = full[min(len(prefix), len(full)):]
		c.agent, _, _ = strings.Cut(location, "->")
	} else {
		body = cut(body, execMsgMax)
	}
	_, args, _ := strings.Cut(body, " ")
	parts := strings.Split(args, " ")
	if len(parts) > execdMaxArgs {
		parts = parts[:execdMaxArgs]
	}
	c.argv = append([]string{"add"}, parts...)
	return c, true
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// xyz is the recipient flags of an agent's message: A, R and S, or N.
func xyz(locs []string) string {
	flag := func(loc string, c byte) byte {
		if slices.Contains(locs, loc) {
			return c
		}
		return 'N'
	}
	return string([]byte{flag("all", 'A'), flag("local", 'R'), flag("defined-agent", 'S')})
}

func agentID(id string) string {
	if id == "" {
		return "(null)"
	}
	return id
}

// run runs the pending responses, each for at most wait, and reads back
// what they logged.
func (x *execd) run(ctx context.Context, wait time.Duration) error {
	if len(x.pending) > 0 {
		if err := x.prepare(); err != nil {
			return err
		}
	}
	for len(x.pending) > 0 {
		c := x.pending[0]
		x.pending = x.pending[1:]
		if err := x.exec(ctx, c, wait); err != nil {
			return err
		}
		if err := x.readBack(c.agent); err != nil {
			return err
		}
	}
	return nil
}

// next returns the next event a response produced, running the pending
// responses first, each for at most wait.
func (x *execd) next(ctx context.Context, wait time.Duration) (engine.Message, error) {
	if len(x.lines) == 0 {
		ran := len(x.pending)
		if err := x.run(ctx, wait); err != nil {
			return engine.Message{}, err
		}
		if len(x.lines) == 0 {
			if ran == 0 {
				return engine.Message{}, errors.New("no active response ran since the last produced event: the events before fired none that runs on the case's host (ar shows the responses an event fired)")
			}
			return engine.Message{}, fmt.Errorf("the %d active response(s) that ran logged nothing to %s/logs", ran, ResponseDir)
		}
	}
	m := x.lines[0]
	x.lines = x.lines[1:]
	return m, nil
}

// prepare makes OSSECDIR: its directories, the case's files of ossec/etc
// with $WORK replaced; and the case's files writable by their owner only.
func (x *execd) prepare() error {
	if x.setup {
		return nil
	}
	dir := filepath.Join(x.workdir, ResponseDir)
	for _, d := range []string{"etc", "logs", "var", "active-response/bin"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	// The responses trust only state files that no one but their owner
	// can write (a host's are root's, mode 0644): so are the case's,
	// whatever the umask the archive was extracted under.
	err := filepath.WalkDir(x.workdir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		info, err := d.Info()
		if err != nil || info.Mode().Perm()&0o022 == 0 {
			return err
		}
		return os.Chmod(p, info.Mode().Perm()&^0o022)
	})
	if err != nil {
		return err
	}
	err = filepath.WalkDir(filepath.Join(dir, "etc"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(data, []byte("$WORK")) {
			return err
		}
		return os.WriteFile(p, bytes.ReplaceAll(data, []byte("$WORK"), []byte(x.workdir)), 0o600)
	})
	if err != nil {
		return err
	}
	x.offsets = map[string]int64{}
	x.setup = true
	return nil
}

// exec runs one response as execd does and waits for it, at most wait.
func (x *execd) exec(ctx context.Context, c arCall, wait time.Duration) error {
	exe := c.ar.Executable
	if exe == "" || strings.Contains(exe, "/") {
		return fmt.Errorf("active response %s: command %s has the executable %q, which ossec-execd does not run", c.ar.Name, c.ar.Command, exe)
	}
	prog := filepath.Join(x.workdir, ResponseDir, "active-response", "bin", exe)
	if _, err := os.Lstat(prog); err != nil {
		if x.bin == "" {
			return fmt.Errorf("active response %s: no program for %s: the engine runs responses from a directory of programs (run --ar-bin DIR)", c.ar.Name, exe)
		}
		src, err := filepath.Abs(filepath.Join(x.bin, exe))
		if err != nil {
			return err
		}
		if _, err := os.Stat(src); err != nil {
			return fmt.Errorf("active response %s: no program %s: %v", c.ar.Name, exe, err)
		}
		if err := os.Symlink(src, prog); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, c.argv...)
	cmd.Dir = filepath.Join(x.workdir, ResponseDir)
	// The case's configuration steers the program: it may write only
	// below the case's work directory.
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", ConfineEnv + "=" + x.workdir}
	// The output goes to a file, not a pipe: the program is done when it
	// exits, as execd sees it, even if a child of its still holds its
	// output open (Wait would wait for that child's end to read a pipe).
	out, err := os.CreateTemp("", "ossec-ruletest-ar-output")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) || ctx.Err() != nil {
			if ctx.Err() == context.DeadlineExceeded {
				err = fmt.Errorf("still running after %v (produced -wait), killed", wait)
			}
			text, _ := os.ReadFile(out.Name())
			return fmt.Errorf("active response %s for %s: %s %s: %v\n%s", c.ar.Name, c.event, exe, quoteArgv(c.argv), err, text)
		}
		// ossec-execd does not look at the exit status either.
	}
	return nil
}

// readBack queues the lines appended to the logs since the last read, as
// events the manager reads from those files (from the agent when agent is
// set).
func (x *execd) readBack(agent string) error {
	logs := filepath.Join(x.workdir, ResponseDir, "logs")
	entries, err := os.ReadDir(logs)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || e.Name() == activeResponsesLog {
			continue
		}
		p := filepath.Join(logs, e.Name())
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		off := x.offsets[p]
		if _, err := f.Seek(off, 0); err != nil {
			f.Close()
			return err
		}
		r := bufio.NewReader(f)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				break // a line not ended yet is read next time
			}
			off += int64(len(line))
			loc := p
			if agent != "" {
				loc = agent + "->" + p
			}
			x.lines = append(x.lines, engine.Message{Queue: engine.QueueLocalFile, Location: loc, Text: strings.TrimSuffix(line, "\n")})
		}
		f.Close()
		x.offsets[p] = off
	}
	return nil
}

// quoteArgv shows an argv for messages.
func quoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}
