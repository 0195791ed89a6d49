package engine

import (
	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// firstByter is implemented by patterns that can tell which bytes a
// match must start with: FirstBytes returns ok when every match starts
// at the beginning of the subject and consumes a first byte, and set
// holds the bytes that first byte can be. The engine then skips the call
// for a subject starting with any other byte (an empty subject included).
type firstByter interface {
	FirstBytes() (set *[256]bool, ok bool)
}

func firstBytes(p *osregex.Pattern) *[256]bool {
	if p == nil {
		return nil
	}
	fb, ok := any(p).(firstByter)
	if !ok {
		return nil
	}
	set, ok := fb.FirstBytes()
	if !ok {
		return nil
	}
	return set
}

// canStart reports whether a pattern whose first-byte set is set (nil:
// unknown) may match s.
func canStart(set *[256]bool, s string) bool {
	if set == nil {
		return true
	}
	if s == "" {
		return false
	}
	return set[s[0]]
}

// ruleFirst are the first-byte sets of the patterns a rule runs on the
// log.
type ruleFirst struct {
	match, regex *[256]bool
}

func (e *Engine) computeFirstBytes(nodes map[*ruleset.Decoder]*decNode) {
	for d, n := range nodes {
		n.pre = firstBytes(d.Prematch)
	}
	e.first = make([]ruleFirst, len(e.rs.AllRules))
	for _, r := range e.rs.AllRules {
		m := r.Match
		if m == nil {
			m = r.MatchPCRE2
		}
		x := r.Regex
		if x == nil {
			x = r.PCRE2
		}
		e.first[r.Index] = ruleFirst{match: firstBytes(m), regex: firstBytes(x)}
	}
}
