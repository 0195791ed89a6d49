package ruleset

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
	"unsafe"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
)

// The pattern cache remembers, across runs, the patterns that compiled and
// what compiling them told (osregex.Facts): a Load that meets a pattern it
// knows skips its PCRE2 compilation (osregex.CompileKnown builds the program
// on the pattern's first match, and most of a ruleset's patterns never run
// in a short run), and reports the same warnings. A pattern the cache does
// not know is compiled as ever, so every error is found and reported with
// its position: the cache holds no verdict about a file, only about a
// pattern's text, which no edit of a file can make stale. Its file belongs
// to one build of the program (its path, size and modification time), and
// one that does not read back exactly (checksum, format) is ignored, as is
// one not owned by the user or writable by others (on Unix).
//
// In a process the facts are kept in memory too, so that later loads (the
// cases' own rulesets) reuse them.
//
// The facts of the file are checked when a pattern first runs (when its
// program is built; for the first-byte set that lets the engine skip a
// pattern, when the engine asks for it): a file made or edited by hand,
// checksum and all, that
// says a pattern compiles when it does not, or gives it other facts, is
// found then. The file is removed, the facts of this process forgotten (the
// loads that follow compile every pattern), and PatternCacheError says what
// was wrong: the verdicts of the process until then may be wrong (the
// pattern matched nothing; its warnings at load were the file's), and the
// command line reports it and fails. A pattern that never runs is not
// checked: such a file can hide its error (checking the syntax of every
// known pattern at load costs a stock load 1.2 ms and 0.7 MB).

// SetPatternCache makes the Loads that follow keep the pattern cache in
// the folder dir, created when missing (the command line gives it the
// user's cache folder); "" keeps it in memory only, for the process.
func SetPatternCache(dir string) {
	patCache.Lock()
	defer patCache.Unlock()
	if dir != patCache.dir {
		patCache.dir, patCache.read = dir, false
	}
}

// patCacheFormat names the layout of the cache file; change it with the
// layout.
const patCacheFormat = "ossec-ruletest pattern cache 2\n"

// maxCachedPatterns bounds the cache: beyond it, it keeps only the
// patterns that the load that learnt the last ones learnt (the others
// of that load are learnt again by its next run; a load does not list
// the patterns it meets, which would take a stock load 100 KB). Tests
// lower it.
var maxCachedPatterns = 100_000

type cacheKey struct {
	kind    osregex.Kind
	flags   osregex.Flags
	pattern string
}

// appendTo appends k as the cache's maps and file spell it: kind, flags,
// pattern.
func (k cacheKey) appendTo(b []byte) []byte {
	return append(append(b, byte(k.kind), byte(k.flags)), k.pattern...)
}

func (k cacheKey) String() string { return string(k.appendTo(nil)) }

var patCache struct {
	sync.Mutex
	dir  string
	read bool // the file of dir was read (or found missing or bad)
	// file is the file read, nil for none; facts are the patterns
	// learnt since (or all of them, file's too, once a load learnt some),
	// by cacheKey.String.
	file  *cacheFile
	facts map[string]osregex.Facts
	// wrong is the first wrong fact found in the file (see cacheWrong).
	wrong error
}

// cacheWrong is told by a pattern made from the cache's facts that they
// are not its own: it removes the file and forgets the facts of the
// process, and PatternCacheError reports it from then on.
func cacheWrong(err error) {
	patCache.Lock()
	defer patCache.Unlock()
	file := "(in memory)"
	if patCache.dir != "" {
		file = patCacheFile(patCache.dir)
		os.Remove(file)
	}
	patCache.file, patCache.facts = nil, nil
	if patCache.wrong == nil {
		patCache.wrong = fmt.Errorf("pattern cache %s: %w; the file was made elsewhere or edited, and is removed: the verdicts of this run may be wrong, run it again", file, err)
	}
}

// PatternCacheError returns what was wrong with the pattern cache's facts,
// nil unless a pattern found its facts wrong in this process.
func PatternCacheError() error {
	patCache.Lock()
	defer patCache.Unlock()
	return patCache.wrong
}

// readCacheFile reads the cache file of the folder set, the first time
// it is called for it. patCache is locked.
func readCacheFile() {
	if !patCache.read {
		patCache.read = true
		if patCache.dir != "" {
			if c, err := readPatternCache(patCacheFile(patCache.dir)); err == nil {
				patCache.file = c
			}
		}
	}
}

// cachedPatterns returns the number of patterns the cache knows.
func cachedPatterns() int {
	patCache.Lock()
	defer patCache.Unlock()
	readCacheFile()
	return patCache.file.len() + len(patCache.facts)
}

// knownFacts returns the facts of pattern k when the cache knows it.
func knownFacts(k cacheKey) (osregex.Facts, bool) {
	patCache.Lock()
	defer patCache.Unlock()
	readCacheFile()
	var buf [256]byte
	key := k.appendTo(buf[:0])
	if f, ok := patCache.facts[string(key)]; ok {
		return f, true
	}
	return patCache.file.lookup(key)
}

// learnFacts adds what a load compiled to the cache, and writes the cache
// file when it knows patterns the file does not.
func learnFacts(learnt map[cacheKey]osregex.Facts) {
	if len(learnt) == 0 {
		return
	}
	patCache.Lock()
	defer patCache.Unlock()
	// From now on every pattern known is in facts (and the file, if
	// any, is rewritten with them all).
	m := patCache.facts
	if c := patCache.file; c != nil || m == nil {
		m = make(map[string]osregex.Facts, c.len()+len(patCache.facts)+len(learnt))
		c.addTo(m)
		maps.Copy(m, patCache.facts)
		patCache.file = nil
	}
	for k, f := range learnt {
		m[k.String()] = f
	}
	patCache.facts = m
	if len(m) > maxCachedPatterns {
		m = make(map[string]osregex.Facts, len(learnt))
		for k, f := range learnt {
			m[k.String()] = f
		}
		patCache.facts = m
	}
	if patCache.dir == "" {
		return
	}
	// A cache that cannot be written only makes the next run slower.
	file := patCacheFile(patCache.dir)
	writePatternCache(file, m)
	removeStaleCaches(file)
}

// staleCache is how long the cache file of another build of the program
// is kept unused (each build has its own).
const staleCache = 7 * 24 * time.Hour

// maxOtherCaches is how many cache files of other builds are kept at most,
// the last written: each build of the program writes its own, and a
// developer rebuilding it (go run, go test) makes one per build.
const maxOtherCaches = 8

// removeStaleCaches removes the cache files next to file, other than file,
// that were not written for staleCache or are not among the
// maxOtherCaches last written.
func removeStaleCaches(file string) {
	others, _ := filepath.Glob(filepath.Join(filepath.Dir(file), "patterns-*"))
	type other struct {
		name string
		mod  time.Time
	}
	var kept []other
	for _, f := range others {
		fi, err := os.Stat(f)
		switch {
		case err != nil || f == file:
		case time.Since(fi.ModTime()) > staleCache:
			os.Remove(f)
		default:
			kept = append(kept, other{f, fi.ModTime()})
		}
	}
	if len(kept) > maxOtherCaches {
		slices.SortFunc(kept, func(a, b other) int { return b.mod.Compare(a.mod) })
		for _, o := range kept[maxOtherCaches:] {
			os.Remove(o.name)
		}
	}
}

// patCacheFile is the cache file of this build of the program in dir.
func patCacheFile(dir string) string {
	id := "unknown"
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d", exe, fi.Size(), fi.ModTime().UnixNano()))
			id = fmt.Sprintf("%x", sum[:8])
		}
	}
	return filepath.Join(dir, "patterns-"+id)
}

// Layout of the file: patCacheFormat, then per pattern the facts' flags
// (JITNever 1, JITKnown 2, FirstOK 4), JITMin as a uvarint, First when
// FirstOK (4 little-endian uint64), the key's length as a uvarint and the
// key (cacheKey.String: kind, flags, pattern); then the SHA-256 of all that.

func writePatternCache(file string, m map[string]osregex.Facts) error {
	var b bytes.Buffer
	b.WriteString(patCacheFormat)
	for k, f := range m {
		var bits byte
		if f.JITNever {
			bits |= 1
		}
		if f.JITKnown {
			bits |= 2
		}
		if f.FirstOK {
			bits |= 4
		}
		b.WriteByte(bits)
		b.Write(binary.AppendUvarint(nil, uint64(max(f.JITMin, 0))))
		if f.FirstOK {
			for _, w := range f.First {
				b.Write(binary.LittleEndian.AppendUint64(nil, w))
			}
		}
		b.Write(binary.AppendUvarint(nil, uint64(len(k))))
		b.WriteString(k)
	}
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), filepath.Base(file)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b.Bytes())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

var errBadCache = errors.New("pattern cache: bad file")

// cacheFile is a cache file read: its body, and the offset in it of the
// entry of each key (by cacheKey.String; the keys are substrings of the
// body). An entry's facts are decoded when it is looked up: a map of
// offsets takes a third of the memory of a map of facts (50 against 140
// KB for a stock ruleset's patterns), which a run on one line never
// frees.
type cacheFile struct {
	body string
	at   map[string]int32
}

// lookup returns the facts of key (a cacheKey.String), if c (which may
// be nil) has them.
func (c *cacheFile) lookup(key []byte) (osregex.Facts, bool) {
	if c == nil {
		return osregex.Facts{}, false
	}
	at, ok := c.at[string(key)]
	if !ok {
		return osregex.Facts{}, false
	}
	return c.factsAt(at), true
}

// factsAt returns the facts of the entry at offset at.
func (c *cacheFile) factsAt(at int32) osregex.Facts {
	f, _, _, _ := readEntry(c.body, int(at)) // it read back when the file was read
	return f
}

// len returns the number of patterns of c (which may be nil).
func (c *cacheFile) len() int {
	if c == nil {
		return 0
	}
	return len(c.at)
}

// addTo adds the facts of every pattern of c (which may be nil) to m.
func (c *cacheFile) addTo(m map[string]osregex.Facts) {
	if c == nil {
		return
	}
	for k, at := range c.at {
		m[k] = c.factsAt(at)
	}
}

// readEntry reads the entry of body (a cache file without its checksum)
// at offset at: its facts and key, and the offset of the next entry; ok
// is false when it is not a well-formed entry.
func readEntry(body string, at int) (f osregex.Facts, key string, next int, ok bool) {
	bits := body[at]
	at++
	jit, n := binary.Uvarint([]byte(body[at:min(at+binary.MaxVarintLen64, len(body))]))
	if n <= 0 || jit > 1<<31 || bits > 7 {
		return f, "", 0, false
	}
	at += n
	f = osregex.Facts{JITMin: int(jit), JITNever: bits&1 != 0, JITKnown: bits&2 != 0, FirstOK: bits&4 != 0}
	if f.FirstOK {
		if len(body)-at < 32 {
			return f, "", 0, false
		}
		for i := range f.First {
			f.First[i] = binary.LittleEndian.Uint64([]byte(body[at+8*i : at+8*i+8]))
		}
		at += 32
	}
	size, n := binary.Uvarint([]byte(body[at:min(at+binary.MaxVarintLen64, len(body))]))
	if n <= 0 || size < 2 || size > uint64(len(body)-at-n) {
		return f, "", 0, false
	}
	at += n
	key = body[at : at+int(size)]
	if kind := osregex.Kind(key[0]); kind < osregex.KindRegex || kind > osregex.KindPCRE2 {
		return f, "", 0, false
	}
	return f, key, at + int(size), true
}

// readPatternCache reads a cache file.
func readPatternCache(file string) (*cacheFile, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	// The checksum finds a damaged file, not a made one: a file that
	// someone else could have written (RULETEST_CACHE or XDG_CACHE_HOME
	// on a shared folder) is not read. A false fact would make a pattern
	// miss what it matches, or panic on its first match.
	if err := ownCacheFile(fi); err != nil {
		return nil, err
	}
	// Read in one buffer of the file's size (io.ReadAll grows one from
	// 512 bytes: 190 KB allocated for a stock ruleset's 74 KB).
	buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if len(data) < len(patCacheFormat)+sha256.Size || string(data[:len(patCacheFormat)]) != patCacheFormat {
		return nil, errBadCache
	}
	body := data[:len(data)-sha256.Size]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], data[len(body):]) {
		return nil, errBadCache
	}
	if len(body) > math.MaxInt32 {
		return nil, errBadCache
	}
	// The bytes are not written again: the string shares them.
	c := &cacheFile{body: unsafe.String(unsafe.SliceData(body), len(body))}
	c.at = make(map[string]int32, len(body)/48) // an entry takes about 50 bytes
	for at := len(patCacheFormat); at < len(body); {
		_, key, next, ok := readEntry(c.body, at)
		if !ok {
			return nil, errBadCache
		}
		c.at[key] = int32(at)
		at = next
	}
	return c, nil
}
