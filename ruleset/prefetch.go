package ruleset

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
	"github.com/ossec-ruletest/ossec-ruletest/ossecxml"
)

// prefetch reads the decoder and rule files and, when the pattern cache
// does not know minParallelPatterns or more of their patterns, compiles
// those on all CPUs, before the loader's sequential pass, which then
// finds them ready. It changes no result: a file or pattern that fails
// is not kept, so the sequential pass meets the failure itself and
// reports it in order.
//
// Once the pattern cache knows patterns (every load after a command's
// first run), the prefetch does nothing: the loader reads and parses
// each file in turn into the memory of the one before (see
// ossecxml.Reader). Parsing them all first took a stock logtest run 400
// KB more, reading them all first (to count their rules) 350 KB more.
type prefetch struct {
	docs map[string]*ossecxml.Document
	pats map[patKey]*osregex.Pattern
	// rules counts the <rule> elements of the rule files parsed.
	rules int
}

type patKey struct {
	kind    osregex.Kind
	pattern string
}

// Pattern elements of rules and decoders and their dialects.
var (
	rulePatternKinds = map[string]osregex.Kind{
		"regex": osregex.KindRegex, "if_matched_regex": osregex.KindRegex, "field": osregex.KindRegex,
		"match": osregex.KindMatch, "user": osregex.KindMatch, "srcport": osregex.KindMatch,
		"dstport": osregex.KindMatch, "id": osregex.KindMatch, "status": osregex.KindMatch,
		"hostname": osregex.KindMatch, "extra_data": osregex.KindMatch, "program_name": osregex.KindMatch,
		"url": osregex.KindMatch, "srcgeoip": osregex.KindMatch, "dstgeoip": osregex.KindMatch,
		"if_matched_group": osregex.KindMatch,
	}
	decoderPatternKinds = map[string]osregex.Kind{
		"prematch": osregex.KindRegex, "regex": osregex.KindRegex, "program_name": osregex.KindMatch,
	}
)

func patternKind(element string, decoder bool) (osregex.Kind, bool) {
	e := strings.ToLower(element)
	if e == "pcre2" || strings.HasSuffix(e, "_pcre2") {
		return osregex.KindPCRE2, true
	}
	if decoder {
		k, ok := decoderPatternKinds[e]
		return k, ok
	}
	k, ok := rulePatternKinds[e]
	return k, ok
}

func flagsFor(kind osregex.Kind) osregex.Flags {
	if kind == osregex.KindPCRE2 {
		return osregex.Caseless
	}
	return 0
}

// minParallelPatterns is the fewest unknown patterns prefetch compiles on
// all CPUs: fewer (the one just edited) take the sequential pass less time
// (about 5 us each; a stock load with a cold cache has 1,396) than waking
// the workers' threads.
const minParallelPatterns = 64

// run parses files (decoder files first in the list, rule files after,
// nDecoders telling them apart) and compiles their patterns, when the
// pattern cache knows none and there are two CPUs or more. It parses on
// one goroutine: with a cold cache the compiling is most of the work.
// (Once the pattern cache knew the patterns, parsing was all there was
// to do ahead, and spreading it over the CPUs cost a stock logtest run
// more CPU time, 22.5 against 21.6 ms, and memory, 0.5 MB, than it saved
// wall time, none measurable.)
func (p *prefetch) run(files []string, nDecoders int) {
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 || len(files) < 2 || cachedPatterns() > 0 {
		return
	}
	docs := make([]*ossecxml.Document, len(files))
	for i, f := range files {
		if doc, err := ossecxml.ReadFile(f); err == nil && doc.ApplyVariables() == nil {
			docs[i] = doc
		}
	}
	p.docs = make(map[string]*ossecxml.Document, len(files))
	items := 0
	for _, doc := range docs {
		if doc != nil {
			items += len(doc.Items)
		}
	}
	// The patterns the cache does not know, made at the first: once it
	// knows them all, there is none.
	var seen map[patKey]bool
	var keys []patKey
	// A pattern element repeated in a rule or decoder adds to the text
	// of the first (loadmemory): the pattern compiled is the
	// concatenation of the elements of the same name under one parent.
	type text struct {
		patKey
		parent int    // index of the parent element
		name   string // the element's name, lower case
	}
	var (
		parents []int // parents[d]: index of the last element of depth d
		texts   []text
	)
	for i, doc := range docs {
		if doc == nil {
			continue
		}
		p.docs[files[i]] = doc
		texts = texts[:0]
		for j := range doc.Items {
			it := &doc.Items[j]
			if it.IsAttr || it.Kind != ossecxml.KindElement {
				continue
			}
			depth := int(it.Depth)
			for len(parents) <= depth {
				parents = append(parents, -1)
			}
			parents[depth] = j
			if depth == 1 && i >= nDecoders && strings.EqualFold(it.Name, "rule") {
				p.rules++
			}
			k, ok := patternKind(it.Name, i < nDecoders)
			if !ok {
				continue
			}
			parent := -1
			if depth > 0 {
				parent = parents[depth-1]
			}
			name := strings.ToLower(it.Name)
			// The texts of the elements under this parent are the last
			// ones (those of its descendants, further down, come after it).
			g := len(texts) - 1
			for g >= 0 && texts[g].parent >= parent && (texts[g].parent != parent || texts[g].name != name) {
				g--
			}
			if g >= 0 && texts[g].parent == parent && texts[g].kind == k {
				texts[g].pattern += it.Content
				continue
			}
			texts = append(texts, text{patKey{k, it.Content}, parent, name})
		}
		for _, t := range texts {
			key := t.patKey
			if _, known := knownFacts(cacheKey{key.kind, flagsFor(key.kind), key.pattern}); known {
				continue // the loader compiles it with CompileKnown
			}
			if seen == nil {
				seen = make(map[patKey]bool, items/8) // a size hint: patterns are a small part of the items
			}
			if !seen[key] {
				seen[key] = true
				keys = append(keys, key)
			}
		}
	}
	if len(keys) < minParallelPatterns {
		return
	}
	compiled := make([]*osregex.Pattern, len(keys))
	parallel(workers, len(keys), func(i int) {
		if pat, err := osregex.Compile(keys[i].kind, keys[i].pattern, flagsFor(keys[i].kind)); err == nil {
			compiled[i] = pat
		}
	})
	p.pats = make(map[patKey]*osregex.Pattern, len(keys))
	for i, pat := range compiled {
		if pat != nil {
			p.pats[keys[i]] = pat
		}
	}
}

// parallel calls f(0..n-1) on workers goroutines.
func parallel(workers, n int, f func(int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// doc returns the prefetched document of file, once (the loader may
// modify nothing in it, but a file named twice must be read twice as OSSEC
// does, which gives the same document).
func (p *prefetch) doc(file string) *ossecxml.Document {
	if p == nil || p.docs == nil {
		return nil
	}
	return p.docs[file]
}

// ruleCount returns the number of rules the rule files hold, as far as
// the prefetch parsed them (0 when it did not): a size hint.
func (p *prefetch) ruleCount() int {
	if p == nil {
		return 0
	}
	return p.rules
}

func (p *prefetch) pattern(kind osregex.Kind, pattern string, flags osregex.Flags) *osregex.Pattern {
	if p == nil || p.pats == nil || flags != flagsFor(kind) {
		return nil
	}
	return p.pats[patKey{kind, pattern}]
}
