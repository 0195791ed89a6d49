package harness

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
	"github.com/ossec-ruletest/ossec-ruletest/internal/syscheck"
)

// FileState is what syscheckd reports about a file (package
// internal/syscheck, which programs use without the test harness).
type FileState = syscheck.FileState

// DefaultFileState is the state the syscheck command gives a file unless
// told otherwise: a 1024-byte root-owned regular file with mode 0644 and
// hashes derived from the path and version (so two versions differ).
func DefaultFileState(path, version string) FileState { return syscheck.Default(path, version) }

// SyscheckMessage is a file-integrity event exactly as analysisd reads it
// from its queue when agent sent it (agent "" means the manager's own
// syscheckd); see syscheck.Message.
func SyscheckMessage(agent, checksum, path, diff string) engine.Message {
	return syscheck.Message(agent, checksum, path, diff)
}

// cmdSyscheck feeds a file-integrity event, as the manager receives it from
// an agent's syscheckd:
//
//	syscheck changed PATH [ATTR=VALUE ...]
//	syscheck added PATH [ATTR=VALUE ...]
//	syscheck deleted PATH [agent=NAME]
//
// ATTR is size, perm (octal, e.g. 600 or 100600), uid, gid, md5, sha1 or
// sha256 for the file's new state, the same prefixed with "old." for its
// earlier state, diff (the "what changed" text) and agent (the agent's
// name, default "agent"; empty for the manager's own syscheckd).
// changed and deleted first feed the file's earlier state, so that the
// manager's integrity database knows the file, unless an earlier syscheck
// command of the case told it already (then the earlier state is the state
// that command left); the assertions apply to the last event. changed with
// no new-state attribute changes the content (size and hashes).
func cmdSyscheck(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: syscheck changed|added|deleted PATH [ATTR=VALUE ...]"
	if neg {
		ts.Fatalf("unsupported: ! syscheck (assert on the event with rule, noalert, ...)")
	}
	if len(args) < 2 {
		ts.Fatalf("%s", usage)
	}
	kind, path := args[0], args[1]
	if kind != "changed" && kind != "added" && kind != "deleted" {
		ts.Fatalf("syscheck: %q is not changed, added or deleted\n%s", kind, usage)
	}
	if path == "" || strings.ContainsAny(path, "\n") {
		ts.Fatalf("syscheck: bad path %q", path)
	}
	agent := "agent"
	for _, a := range args[2:] {
		if v, ok := strings.CutPrefix(a, "agent="); ok {
			agent = v
		}
	}
	st := state(ts)
	key := agent + "\x00" + path
	known, isKnown := st.files[key]
	if known.deleted {
		isKnown = false
	}

	diff := ""
	oldState := DefaultFileState(path, "old")
	if isKnown {
		oldState = known.state
	}
	newState := oldState
	if kind == "added" {
		newState = DefaultFileState(path, "new")
	}
	newSet := false
	for _, a := range args[2:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			ts.Fatalf("syscheck: %q is not ATTR=VALUE\n%s", a, usage)
		}
		switch k {
		case "agent":
			continue
		case "diff":
			if kind != "changed" {
				ts.Fatalf("syscheck: diff= applies to changed files only")
			}
			diff = v
			continue
		}
		if kind == "deleted" {
			ts.Fatalf("syscheck deleted: takes only agent=, not %q", a)
		}
		target := &newState
		if name, old := strings.CutPrefix(k, "old."); old {
			if kind != "changed" {
				ts.Fatalf("syscheck: %s= applies to changed files only", k)
			}
			if isKnown {
				ts.Fatalf("syscheck: %s= but the manager already knows %s from an earlier event of this case", k, path)
			}
			target, k = &oldState, name
		} else {
			newSet = true
		}
		if err := target.Set(k, v); err != nil {
			ts.Fatalf("syscheck: %v\n%s", err, usage)
		}
	}
	if kind == "changed" && !newSet {
		st.versions++
		fresh := DefaultFileState(path, "new"+strconv.Itoa(st.versions))
		newState.Size = oldState.Size + 1
		newState.MD5, newState.SHA1, newState.SHA256 = fresh.MD5, fresh.SHA1, fresh.SHA256
	}

	what := fmt.Sprintf("syscheck %s %s", kind, path)
	if kind != "added" && !isKnown {
		st.feed(ts, SyscheckMessage(agent, oldState.Checksum(), path, ""), what+" (earlier state)", false)
	}
	var m engine.Message
	switch kind {
	case "deleted":
		m = SyscheckMessage(agent, "-1", path, "")
	default:
		m = SyscheckMessage(agent, newState.Checksum(), path, diff)
	}
	res := st.feed(ts, m, what, false)
	st.files[key] = knownFile{state: newState, deleted: kind == "deleted"}
	fmt.Fprintln(ts.Stdout(), Summary(res))
}

// knownFile is what the manager's integrity database holds about a file
// after the events of a case.
type knownFile struct {
	state   FileState
	deleted bool
}
