package ruleset

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ossec-ruletest/ossec-ruletest/osregex"
)

// usePatternCache gives the test a pattern cache in dir ("" in memory
// only), empty, and puts back an empty in-memory one after it.
func usePatternCache(t testing.TB, dir string) {
	reset := func(dir string) {
		SetPatternCache(dir)
		patCache.Lock()
		patCache.facts, patCache.file, patCache.read, patCache.wrong = nil, nil, false, nil
		patCache.Unlock()
	}
	reset(dir)
	t.Cleanup(func() { reset("") })
}

// onlyCacheFile returns the one pattern cache file in dir and what it
// holds, failing the test unless there is exactly one and it reads back.
func onlyCacheFile(t *testing.T, dir string) (string, *cacheFile) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "patterns-*"))
	if len(files) != 1 {
		t.Fatalf("cache files %q, want one", files)
	}
	c, err := readPatternCache(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return files[0], c
}

// learnFirst loads, with the pattern cache in dir, a ruleset, and sets
// *second to the same with one more decoder file (whose regex the cache
// does not know); it returns the cache file the load wrote and its
// contents.
func learnFirst(t *testing.T, dir string, second *Sources) (string, *cacheFile) {
	t.Helper()
	f := newFixture(t)
	first := Sources{Decoders: []string{f.file("d.xml", testDecoders)}, Rules: []string{f.file("root.xml", rootRule)}}
	*second = Sources{Decoders: []string{f.file("d.xml", testDecoders), f.file("jit.xml", cacheDecoders)}, Rules: first.Rules}
	usePatternCache(t, dir)
	if _, err := Load(first); err != nil {
		t.Fatal(err)
	}
	return onlyCacheFile(t, dir)
}

// cacheRules is a ruleset whose decoder pattern can exhaust PCRE2's JIT
// stack (a warning with its position) and whose rule pattern does not
// compile (an error with its position).
const cacheRules = `<group name="g,">
  <rule id="10" level="3">
    <if_sid>1</if_sid>
    <regex>^Failed (\S+)</regex>
  </rule>
  <rule id="11" level="3">
    <if_sid>1</if_sid>
    <pcre2>a(b</pcre2>
  </rule>
</group>
`

const cacheDecoders = `<decoder name="jit">
  <prematch>^jit </prematch>
  <regex>^jit \((\.+)\)$</regex>
  <order>extra_data</order>
</decoder>
`

// diagStrings returns every diagnostic of a load, errors and warnings.
func diagStrings(rs *Ruleset, err error) []string {
	var ds []Diagnostic
	if e, ok := err.(*Error); ok {
		ds = e.Diagnostics
	} else if rs != nil {
		ds = rs.Warnings
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

// TestPatternCacheSameDiagnostics: a load whose patterns the cache knows
// (from the file of an earlier process, or from memory) reports the same
// errors and warnings, at the same positions, as one that compiles them,
// and its patterns match the same; a bad pattern is never cached.
func TestPatternCacheSameDiagnostics(t *testing.T) {
	dir := t.TempDir()
	usePatternCache(t, dir)
	f := newFixture(t)
	src := Sources{
		Decoders: []string{f.file("d.xml", testDecoders), f.file("jit.xml", cacheDecoders)},
		Rules:    []string{f.file("root.xml", rootRule), f.file("r.xml", cacheRules)},
	}
	rs, err := Load(src)
	cold := diagStrings(rs, err)
	if len(cold) < 2 {
		t.Fatalf("want the JIT stack warning and the pattern error, got %q", cold)
	}
	_, m := onlyCacheFile(t, dir)
	if _, ok := m.lookup([]byte(cacheKey{osregex.KindRegex, 0, `^jit \((\.+)\)$`}.String())); !ok {
		t.Errorf("the decoder's regex is not in the cache file")
	}
	if _, ok := m.lookup([]byte(cacheKey{osregex.KindPCRE2, osregex.Caseless, `a(b`}.String())); ok {
		t.Errorf("a pattern that does not compile is in the cache file")
	}

	// A new process: the cache comes from the file.
	usePatternCache(t, dir)
	rs, err = Load(src)
	if diff := cmp.Diff(cold, diagStrings(rs, err)); diff != "" {
		t.Errorf("diagnostics with the cache file (-without +with):\n%s", diff)
	}
	// The same process: from memory.
	rs, err = Load(src)
	if diff := cmp.Diff(cold, diagStrings(rs, err)); diff != "" {
		t.Errorf("diagnostics with the cache in memory (-without +with):\n%s", diff)
	}

	// Without the bad rule, the load succeeds, on known patterns that
	// match as compiled ones do.
	good := Sources{Decoders: src.Decoders, Rules: []string{src.Rules[0], f.file("ok.xml", `<group name="g,">
  <rule id="10" level="3">
    <if_sid>1</if_sid>
    <regex>^Failed (\S+)</regex>
  </rule>
</group>
`)}}
	rs, err = Load(good)
	if err != nil {
		t.Fatal(err)
	}
	d := rs.Decoders[len(rs.Decoders)-1]
	if d.Name != "jit" {
		t.Fatalf("last decoder %q, want jit", d.Name)
	}
	if _, subs, ok := d.Regex.Exec("jit (x y)", nil); !ok || len(subs) != 1 || subs[0] != "x y" {
		t.Errorf("known decoder regex on %q: %q %v", "jit (x y)", subs, ok)
	}
	if !rs.ByID[10].Regex().Match("failed password") {
		t.Errorf("known rule regex does not match")
	}
}

// withChecksum returns the cache file of body (patCacheFormat and
// entries): body and its SHA-256.
func withChecksum(body []byte) []byte {
	sum := sha256.Sum256(body)
	return append(slices.Clip(body), sum[:]...)
}

// malformedEntries are bodies of cache files, with a well-formed entry
// first, whose next entry is not well formed; each has a valid checksum
// once withChecksum adds it, so that only readEntry's checks refuse it.
// valid is the body with the well-formed entry alone.
func malformedEntries() (valid []byte, malformed map[string][]byte) {
	key := cacheKey{osregex.KindRegex, 0, "^abc"}.String()
	entry := func(bits byte, jit uint64, first []byte, size uint64, key string) []byte {
		b := append([]byte{bits}, binary.AppendUvarint(nil, jit)...)
		b = append(b, first...)
		b = binary.AppendUvarint(b, size)
		return append(b, key...)
	}
	body := func(parts ...[]byte) []byte {
		b := []byte(patCacheFormat)
		b = append(b, entry(2, 5, nil, uint64(len(key)), key)...)
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	other := cacheKey{osregex.KindMatch, 0, "xyz"}.String()
	return body(), map[string][]byte{
		"bits 8":                 body(entry(8, 0, nil, uint64(len(other)), other)),
		"bits 255":               body(entry(255, 0, nil, uint64(len(other)), other)),
		"jit 2^31+1":             body(entry(2, 1<<31+1, nil, uint64(len(other)), other)),
		"jit 2^64-1":             body(entry(2, math.MaxUint64, nil, uint64(len(other)), other)),
		"jit varint of 11 bytes": body([]byte{2}, bytes.Repeat([]byte{0xff}, 11), []byte{0}),
		"jit varint cut":         body([]byte{2, 0x80}),
		"flags only":             body([]byte{2}),
		"First cut":              body([]byte{4, 0}, make([]byte, 31)),
		"First cut, key after":   body(entry(4, 0, make([]byte, 20), uint64(len(other)), other)),
		"no key size":            body([]byte{2, 0}),
		"key size varint cut":    body([]byte{2, 0, 0x80}),
		"key size past the end":  body(entry(2, 0, nil, uint64(len(other))+1, other)),
		"key size 2^64-1":        body(entry(2, 0, nil, math.MaxUint64, other)),
		"key size 1":             body(entry(2, 0, nil, 1, other)),
		"key size 0":             body(entry(2, 0, nil, 0, "")),
		"kind 0":                 body(entry(2, 0, nil, 3, "\x00\x00a")),
		"kind past KindPCRE2":    body(entry(2, 0, nil, 3, string([]byte{byte(osregex.KindPCRE2 + 1), 0, 'a'}))),
		"kind 255":               body(entry(2, 0, nil, 3, "\xff\x00a")),
		"key size 0 after First": body(entry(6, 0, make([]byte, 32), 0, "")),
	}
}

// TestPatternCacheCorrupt: a cache file that does not read back exactly
// is ignored (the load compiles every pattern and rewrites it), whether
// its checksum is wrong or right (a malformed entry).
func TestPatternCacheCorrupt(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t)
	src := Sources{
		Decoders: []string{f.file("d.xml", testDecoders), f.file("jit.xml", cacheDecoders)},
		Rules:    []string{f.file("root.xml", rootRule)},
	}
	usePatternCache(t, dir)
	rs, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	want := diagStrings(rs, nil)
	files, _ := filepath.Glob(filepath.Join(dir, "patterns-*"))
	if len(files) != 1 {
		t.Fatalf("cache files %q, want one", files)
	}
	good, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	bads := map[string][]byte{
		"empty":               nil,
		"last byte cut":       good[:len(good)-1],
		"format changed":      append([]byte("x"), good[1:]...),
		"first entry changed": func() []byte { b := append([]byte(nil), good...); b[len(patCacheFormat)+1] ^= 1; return b }(),
		"checksum changed":    func() []byte { b := append([]byte(nil), good...); b[len(b)-1] ^= 1; return b }(),
	}
	valid, malformed := malformedEntries()
	for name, body := range malformed {
		bads[name+", valid checksum"] = withChecksum(body)
	}
	// The entry before each malformed one reads back.
	if err := os.WriteFile(files[0], withChecksum(valid), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err := readPatternCache(files[0]); err != nil || c.len() != 1 {
		t.Fatalf("the well-formed entry alone: %v, %d patterns", err, c.len())
	}
	for name, bad := range bads {
		if err := os.WriteFile(files[0], bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := readPatternCache(files[0]); err == nil {
			t.Errorf("%s: corrupt cache file (%d bytes) read back", name, len(bad))
		}
		usePatternCache(t, dir)
		rs, err := Load(src)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, diagStrings(rs, nil)); diff != "" {
			t.Errorf("%s: diagnostics with a corrupt cache (-want +got):\n%s", name, diff)
		}
		if _, err := readPatternCache(files[0]); err != nil {
			t.Errorf("%s: the cache file was not rewritten: %v", name, err)
		}
	}
}

// roundTrip writes m to a cache file, reads it back and checks that the
// file holds m's patterns, each with its facts; it returns what it read.
func roundTrip(t *testing.T, file string, m map[string]osregex.Facts) *cacheFile {
	t.Helper()
	if err := writePatternCache(file, m); err != nil {
		t.Fatal(err)
	}
	c, err := readPatternCache(file)
	if err != nil {
		t.Fatal(err)
	}
	if c.len() != len(m) {
		t.Errorf("%d patterns read back, %d written", c.len(), len(m))
	}
	for k, want := range m {
		if got, ok := c.lookup([]byte(k)); !ok || got != want {
			t.Fatalf("%q: read back %+v %v, want %+v", k, got, ok, want)
		}
	}
	return c
}

// TestPatternCacheRoundTrip: the facts of every pattern written read
// back the same, looked up one by one or all at once.
func TestPatternCacheRoundTrip(t *testing.T) {
	m := map[string]osregex.Facts{}
	for i := range 300 {
		f := osregex.Facts{JITMin: i * 97, JITNever: i%3 == 0, JITKnown: i%5 != 0, FirstOK: i%2 == 0}
		if f.FirstOK {
			f.First = [4]uint64{uint64(i), ^uint64(i), uint64(i) << 40, 1 << (i % 64)}
		}
		k := cacheKey{osregex.KindRegex + osregex.Kind(i%3), osregex.Flags(i % 2), fmt.Sprintf("^p%d (\\S+)$", i)}
		m[k.String()] = f
	}
	c := roundTrip(t, filepath.Join(t.TempDir(), "patterns-x"), m)
	if _, ok := c.lookup([]byte(cacheKey{osregex.KindRegex, 0, "not written"}.String())); ok {
		t.Errorf("a pattern never written is found")
	}
	all := map[string]osregex.Facts{}
	c.addTo(all)
	if diff := cmp.Diff(m, all); diff != "" {
		t.Errorf("addTo (-written +read):\n%s", diff)
	}
}

// TestPatternCacheLearnAfterFile: a process that read the cache file and
// then learns patterns writes a file with both, the old and the new.
func TestPatternCacheLearnAfterFile(t *testing.T) {
	dir, second := t.TempDir(), Sources{}
	file, before := learnFirst(t, dir, &second)
	usePatternCache(t, dir) // a new process, which reads the file
	if _, err := Load(second); err != nil {
		t.Fatal(err)
	}
	after, err := readPatternCache(file)
	if err != nil {
		t.Fatal(err)
	}
	jit := cacheKey{osregex.KindRegex, 0, `^jit \((\.+)\)$`}.String()
	if _, ok := after.lookup([]byte(jit)); !ok {
		t.Errorf("the pattern learnt is not in the file")
	}
	known := map[string]osregex.Facts{}
	before.addTo(known)
	for k := range known {
		if _, ok := after.lookup([]byte(k)); !ok {
			t.Errorf("%q was in the file before the second load, and is no more", k)
		}
	}
	if after.len() <= before.len() {
		t.Errorf("%d patterns in the file after, %d before", after.len(), before.len())
	}
}

// TestPatternCacheBound: a load that takes the cache past
// maxCachedPatterns leaves in it only the patterns it learnt.
func TestPatternCacheBound(t *testing.T) {
	dir, second := t.TempDir(), Sources{}
	file, before := learnFirst(t, dir, &second)
	defer func(old int) { maxCachedPatterns = old }(maxCachedPatterns)
	maxCachedPatterns = before.len()
	usePatternCache(t, dir)
	if _, err := Load(second); err != nil {
		t.Fatal(err)
	}
	after, err := readPatternCache(file)
	if err != nil {
		t.Fatal(err)
	}
	jit := cacheKey{osregex.KindRegex, 0, `^jit \((\.+)\)$`}.String()
	if _, ok := after.lookup([]byte(jit)); !ok || after.len() >= before.len() {
		t.Errorf("the file holds %d patterns (the jit regex: %v), want only the ones the second load learnt", after.len(), ok)
	}
	known := map[string]osregex.Facts{}
	before.addTo(known)
	for k := range known {
		if _, ok := after.lookup([]byte(k)); ok {
			t.Errorf("%q, known before the load past the bound, is still in the file", k)
		}
	}
}

// TestPatternCacheConcurrentLoads: loads running at once share the
// cache (run with -race: CI does), and their known patterns match.
func TestPatternCacheConcurrentLoads(t *testing.T) {
	usePatternCache(t, t.TempDir())
	f := newFixture(t)
	src := Sources{
		Decoders: []string{f.file("d.xml", testDecoders), f.file("jit.xml", cacheDecoders)},
		Rules:    []string{f.file("root.xml", rootRule)},
	}
	for range 2 { // the second round on known patterns
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				rs, err := Load(src)
				if err != nil {
					t.Error(err)
					return
				}
				d := rs.Decoders[len(rs.Decoders)-1]
				if _, subs, ok := d.Regex.Exec("jit (a)", nil); !ok || len(subs) != 1 || subs[0] != "a" {
					t.Errorf("decoder regex on %q: %q %v", "jit (a)", subs, ok)
				}
			})
		}
		wg.Wait()
	}
}

// TestRemoveStaleCaches: next to the cache file written, the files of
// other builds go when older than staleCache, and beyond the
// maxOtherCaches last written; the file itself and other names stay.
func TestRemoveStaleCaches(t *testing.T) {
	dir := t.TempDir()
	touch := func(name string, age time.Duration) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		mod := time.Now().Add(-age)
		if err := os.Chtimes(f, mod, mod); err != nil {
			t.Fatal(err)
		}
		return f
	}
	self := touch("patterns-self", 30*24*time.Hour) // old, but being written
	touch("notes.txt", 30*24*time.Hour)
	touch("patterns-week-old", staleCache+time.Hour)
	var want []string
	for i := range maxOtherCaches + 4 {
		name := fmt.Sprintf("patterns-%02d", i)
		touch(name, time.Duration(i+1)*time.Hour)
		if i < maxOtherCaches {
			want = append(want, name)
		}
	}
	removeStaleCaches(self)
	want = append(want, "notes.txt", "patterns-self")
	var got []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(want)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files left (-want +got):\n%s", d)
	}
	// Few files: age alone removes one.
	for _, name := range want {
		if name != "patterns-self" {
			os.Remove(filepath.Join(dir, name))
		}
	}
	old := touch("patterns-week-old", staleCache+time.Hour)
	removeStaleCaches(self)
	if _, err := os.Stat(old); err == nil {
		t.Errorf("%s, older than %v, was kept", old, staleCache)
	}
}

// TestPatternCacheMadeByHand: a cache file with a valid checksum that says
// a <pcre2> which does not compile compiles (a file edited by hand) is
// found out on the pattern's first match: no panic, the pattern matches
// nothing, PatternCacheError names the file and the pattern, the file is
// gone, and the next load of the process reports the pattern's error.
func TestPatternCacheMadeByHand(t *testing.T) {
	dir := t.TempDir()
	usePatternCache(t, dir)
	f := newFixture(t)
	src := Sources{Decoders: []string{f.file("d.xml", testDecoders)}, Rules: []string{f.file("root.xml", rootRule),
		f.file("r.xml", `<group name="g,"><rule id="11" level="3"><if_sid>1</if_sid><pcre2>a(b</pcre2></rule></group>`)}}
	if _, err := Load(src); err == nil {
		t.Fatal("a <pcre2> that does not compile loaded")
	}
	file, c := onlyCacheFile(t, dir)
	m := map[string]osregex.Facts{}
	c.addTo(m)
	for fl := range 256 { // whatever flags byte the loader gives <pcre2>
		m[cacheKey{osregex.KindPCRE2, osregex.Flags(fl), "a(b"}.String()] = osregex.Facts{JITKnown: true, JITNever: true}
	}
	if err := writePatternCache(file, m); err != nil { // a valid checksum
		t.Fatal(err)
	}

	usePatternCache(t, dir) // a new process
	rs, err := Load(src)
	if err != nil {
		t.Fatalf("load with the edited file: %v (the check is left to the first match)", err)
	}
	if err := PatternCacheError(); err != nil {
		t.Fatalf("PatternCacheError before any match: %v", err)
	}
	if rs.ByID[11].PCRE2.Match("ab") {
		t.Errorf("a pattern that does not compile matched")
	}
	err = PatternCacheError()
	if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), `"a(b"`) {
		t.Fatalf("PatternCacheError = %v, want the file and the pattern named", err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("the edited file is still there (%v)", err)
	}
	if _, err := Load(src); err == nil || !strings.Contains(err.Error(), "r.xml") {
		t.Errorf("the next load: %v, want the pattern's error at its position", err)
	}
}

// FuzzReadPatternCache: a cache file with a valid checksum and any
// entries is refused or read without a panic, and one read writes back
// to a file that reads back the same facts.
func FuzzReadPatternCache(f *testing.F) {
	valid, malformed := malformedEntries()
	f.Add(valid[len(patCacheFormat):])
	for _, body := range malformed {
		f.Add(body[len(patCacheFormat):])
	}
	f.Fuzz(func(t *testing.T, entries []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "patterns-x")
		body := append([]byte(patCacheFormat), entries...)
		if err := os.WriteFile(file, withChecksum(body), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := readPatternCache(file)
		if err != nil {
			return
		}
		m := map[string]osregex.Facts{}
		c.addTo(m)
		for k, want := range m {
			if got, ok := c.lookup([]byte(k)); !ok || got != want {
				t.Errorf("%q: lookup %+v %v, addTo %+v", k, got, ok, want)
			}
		}
		again := filepath.Join(dir, "patterns-y")
		if err := writePatternCache(again, m); err != nil {
			t.Fatal(err)
		}
		c2, err := readPatternCache(again)
		if err != nil {
			t.Fatalf("written back, does not read: %v", err)
		}
		m2 := map[string]osregex.Facts{}
		c2.addTo(m2)
		if diff := cmp.Diff(m, m2); diff != "" {
			t.Errorf("written back (-read +read again):\n%s", diff)
		}
	})
}

// TestCacheFileTable: a cache file read finds every key it holds and no
// other, with more entries than its size hint foretold (short keys), and
// a key written twice has the facts of its last entry, counted once.
func TestCacheFileTable(t *testing.T) {
	dir := t.TempDir()
	m := map[string]osregex.Facts{}
	for i := range 5000 {
		m[cacheKey{osregex.KindMatch, 0, fmt.Sprint(i)}.String()] = osregex.Facts{JITMin: i}
	}
	c := roundTrip(t, filepath.Join(dir, "many"), m)
	for _, k := range []string{cacheKey{osregex.KindMatch, 0, "5000"}.String(), cacheKey{osregex.KindRegex, 0, "1"}.String(), ""} {
		if f, ok := c.lookup([]byte(k)); ok {
			t.Errorf("%q found (%+v): not written", k, f)
		}
	}
	key := cacheKey{osregex.KindRegex, 0, "^a"}.String()
	var body []byte
	for _, jit := range []int{7, 9} {
		one := filepath.Join(dir, "one")
		if err := writePatternCache(one, map[string]osregex.Facts{key: {JITMin: jit}}); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(one)
		if err != nil {
			t.Fatal(err)
		}
		if body == nil {
			body = append(body, data[:len(patCacheFormat)]...)
		}
		body = append(body, data[len(patCacheFormat):len(data)-sha256.Size]...)
	}
	twice := filepath.Join(dir, "twice")
	if err := os.WriteFile(twice, withChecksum(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := readPatternCache(twice)
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := c.lookup([]byte(key)); !ok || f.JITMin != 9 || c.len() != 1 {
		t.Errorf("a key written twice: %+v %v, %d patterns; want JITMin 9 (the last), 1 pattern", f, ok, c.len())
	}
}
