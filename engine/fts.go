package engine

import (
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// First-time-seen settings from OSSEC's internal_options.conf
// (analysisd.fts_list_size, analysisd.fts_min_size_for_str).
const (
	ftsListSize   = 32
	ftsMinSizeStr = 14
	// ftsLineMax is the longest FTS key (snprintf into OS_FLSIZE bytes).
	ftsLineMax = 255
)

// ftsState is the first-time-seen store of one analysisd process. A new
// ossec-logtest process starts with an empty queue/fts/fts-queue, and
// ossec-logtest never writes it, so a Session starts empty too.
type ftsState struct {
	store map[string]struct{}
	// recent is fts_list: the last IDS keys, to spot near-duplicates.
	recent []string
	// buf holds the key being looked up: a key already stored costs no
	// allocation.
	buf []byte
}

func (f *ftsState) init() {
	f.store = map[string]struct{}{}
}

// ftsKey is the FTS line of ev (see appendFTSKey).
func ftsKey(ev *event) string { return string(appendFTSKey(nil, ev)) }

// appendFTSKey appends to b the FTS line: the decoder name and the fields
// the decoder's <fts> names, space separated, at most 255 bytes.
func appendFTSKey(b []byte, ev *event) []byte {
	start := len(b)
	fts := ev.decoderFTS()
	name, ok := ev.decoderName()
	if !ok {
		name = "(null)"
	}
	b = append(b, name...)
	for _, f := range [...]struct {
		bit ruleset.FTSFields
		sl  slot
	}{
		{ruleset.FTSID, slotID}, {ruleset.FTSDstUser, slotDstUser}, {ruleset.FTSSrcUser, slotSrcUser},
		{ruleset.FTSSrcIP, slotSrcIP}, {ruleset.FTSDstIP, slotDstIP}, {ruleset.FTSData, slotData},
		{ruleset.FTSSystemName, slotSystemName},
	} {
		b = append(b, ' ')
		if v, ok := ev.get(f.sl); ok && fts&f.bit != 0 {
			b = append(b, v...)
		}
	}
	b = append(b, ' ')
	if fts&ruleset.FTSLocation != 0 {
		b = append(b, ev.location...)
	}
	if len(b)-start > ftsLineMax {
		b = b[:start+ftsLineMax]
	}
	return b
}

// seenKey looks the event's FTS line up in the store. When it is not
// there, key is the line.
func (f *ftsState) seenKey(ev *event) (seen bool, key string) {
	f.buf = appendFTSKey(f.buf[:0], ev)
	if _, ok := f.store[string(f.buf)]; ok {
		return true, ""
	}
	return false, string(f.buf)
}

// closeness is OS_StrHowClosedMatch: the length of the common prefix
// (the C loop compares one byte before it checks for the ends).
func closeness(a, b string) int {
	at := func(s string, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	n := 0
	for {
		if at(a, n) != at(b, n) {
			return n
		}
		n++
		if at(a, n) == 0 || at(b, n) == 0 {
			return n
		}
	}
}

// firstTimeSeen is FTS(): true when the event's FTS key was never seen.
// For IDS events a key close to three of the recent ones is cut to
// fts_min_size_for_str bytes before it is stored.
func (s *Session) firstTimeSeen(ev *event) bool {
	f := &s.fts
	seen, key := f.seenKey(ev)
	if seen {
		return false
	}
	key, ids := s.ftsCut(ev, key)
	if ids {
		f.recent = append(f.recent, key)
		if len(f.recent) > ftsListSize {
			f.recent = f.recent[1:]
		}
	}
	if _, ok := f.store[key]; ok {
		return false
	}
	f.store[key] = struct{}{}
	return true
}

// ftsSeen is firstTimeSeen without recording the key.
func (s *Session) ftsSeen(ev *event) bool {
	seen, key := s.fts.seenKey(ev)
	if seen {
		return true
	}
	key, _ = s.ftsCut(ev, key)
	_, ok := s.fts.store[key]
	return ok
}

// ftsCut returns the key FTS stores for the event's key, and whether the
// event is an IDS one: an IDS key close to three of the recent ones is
// cut to fts_min_size_for_str bytes.
func (s *Session) ftsCut(ev *event, key string) (string, bool) {
	if s.typeOf(ev.decoder, ev.special) != ruleset.CategoryIDS {
		return key, false
	}
	n := 0
	for i := len(s.fts.recent) - 1; i >= 0; i-- {
		if closeness(s.fts.recent[i], key) > ftsMinSizeStr {
			n++
			if n > 2 {
				if len(key) > ftsMinSizeStr {
					key = key[:ftsMinSizeStr]
				}
				break
			}
		}
	}
	return key, true
}

// ignored is IGnore: whether the event is in the ignore list. The list
// is OSSEC's queue/fts/ig-queue, which ossec-logtest reads but never
// writes (AddtoIGnore returns early under TESTRULE); a fresh process
// finds it empty, so nothing is ignored.
func (s *Session) ignored(ev *event, r *ruleset.Rule) bool {
	return false
}
