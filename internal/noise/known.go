package noise

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// KnownChanges are the losses a change makes on purpose. The file holds
// one change per line, "BEFORE AFTER REASON":
//
//	# Verified intentional changes no longer alert.
//	550 107001 the verifier found the change made by the package manager or Puppet
//	*   -      everything may go (not recommended)
//
// BEFORE is the rule that alerted before (its id, or * for any), AFTER the
// rule the event ends on after the change, following its follow-up (an id,
// - for no rule, or * for any), REASON free text (required). Blank lines
// and lines starting with # are ignored. The first matching line wins.
type KnownChanges struct {
	Changes []KnownChange
}

// KnownChange is one line of a known-changes file.
type KnownChange struct {
	Before string `json:"before"`
	After  string `json:"after"`
	Reason string `json:"reason"`
	// Pos is "file:line".
	Pos string `json:"pos"`
}

// KnownUse is a known change and how many losses it accepted.
type KnownUse struct {
	KnownChange
	Used int64 `json:"used"`
}

// ReadKnownChanges reads a known-changes file.
func ReadKnownChanges(path string) (*KnownChanges, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseKnownChanges(path, f)
}

// ParseKnownChanges parses a known-changes file; name is used in errors.
func ParseKnownChanges(name string, r io.Reader) (*KnownChanges, error) {
	k := &KnownChanges{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return nil, fmt.Errorf("%s:%d: want \"BEFORE AFTER REASON\", got %q", name, n, line)
		}
		if f[0] != "*" && !isRuleID(f[0]) {
			return nil, fmt.Errorf("%s:%d: BEFORE %q is not a rule id or *", name, n, f[0])
		}
		if f[1] != "*" && f[1] != "-" && !isRuleID(f[1]) {
			return nil, fmt.Errorf("%s:%d: AFTER %q is not a rule id, - (no rule) or *", name, n, f[1])
		}
		reason := dropField(dropField(line))
		k.Changes = append(k.Changes, KnownChange{Before: f[0], After: f[1], Reason: reason, Pos: fmt.Sprintf("%s:%d", name, n)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return k, nil
}

// dropField removes the first blank-separated field of s and the blanks
// around it.
func dropField(s string) string {
	s = strings.TrimLeft(s, " \t")
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return strings.TrimLeft(s[i:], " \t")
	}
	return ""
}

func isRuleID(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && strconv.Itoa(n) == s
}

// match returns the index of the first change that accepts a loss from
// rule before to rule final (0: none), or -1.
func (k *KnownChanges) match(before, final int) int {
	for i, c := range k.Changes {
		if c.Before != "*" && c.Before != strconv.Itoa(before) {
			continue
		}
		switch c.After {
		case "*":
		case "-":
			if final != 0 {
				continue
			}
		default:
			if c.After != strconv.Itoa(final) {
				continue
			}
		}
		return i
	}
	return -1
}
