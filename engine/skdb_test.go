package engine

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/internal/testenv"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// randomSum makes checksum-like strings: hashes, numbers, placeholders,
// uppercase and odd-length hex, empty fields, control bytes.
func randomSum(rnd *rand.Rand) string {
	var f []string
	for range rnd.IntN(9) {
		switch rnd.IntN(8) {
		case 0, 1, 2:
			n := []int{16, 32, 40, 64, 8, 510, 512}[rnd.IntN(7)]
			b := make([]byte, n)
			for i := range b {
				b[i] = hexDigits[rnd.IntN(16)]
			}
			f = append(f, string(b))
		case 3:
			f = append(f, fmt.Sprint(rnd.IntN(100000)))
		case 4:
			f = append(f, "xxx")
		case 5:
			f = append(f, "")
		case 6:
			f = append(f, strings.ToUpper(fmt.Sprintf("%032x", rnd.Uint64())))
		default:
			f = append(f, string([]byte{byte(rnd.IntN(4)), 'a', 0x02, ':'}[:rnd.IntN(4)+1]))
		}
	}
	return strings.Join(f, ":")
}

func TestPackSum(t *testing.T) {
	real := "1024:33188:0:0:917dcc6d21df65f271eb99b965720ad1:1fe44e6b9c87fba20fdf05e9e2ce75a161637cf6:85126c0c6541f1a840d24d8ba524c6a5e82e3174e82f78ed836718c02d6c4d07"
	if p := packSum(real); len(p) > len(real)/2+16 || unpackSum(p) != real {
		t.Errorf("packSum(%q) = %q (%d bytes of %d)", real, p, len(p), len(real))
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	sums := []string{"", ":", "::", "-1", real, real + ":", ":" + real, "\x00" + real, "\x01", real + "\n"}
	for range 20000 {
		sums = append(sums, randomSum(rnd))
	}
	for i, s := range sums {
		p := packSum(s)
		if u := unpackSum(p); u != s {
			t.Fatalf("unpackSum(packSum(%q)) = %q", s, u)
		}
		if !sumIs(p, s) {
			t.Fatalf("sumIs(packSum(%q), itself) is false", s)
		}
		o := sums[(i*7919)%len(sums)]
		if got := sumIs(p, o); got != (o == s) {
			t.Fatalf("sumIs(packSum(%q), %q) = %v", s, o, got)
		}
		if len(s) > 0 {
			cut := s[:rnd.IntN(len(s))]
			if sumIs(p, cut) || sumIs(packSum(cut), s) {
				t.Fatalf("%q and its prefix %q are the same sum", s, cut)
			}
		}
	}
}

// TestShareIntegrity: two sessions sharing one integrity database give
// the results of two with their own, whichever of them analyses each
// message first; sessions whose <syscheck> settings differ do not share.
func TestShareIntegrity(t *testing.T) {
	rs, err := ruleset.Load(ruleset.Sources{Base: testenv.StockRuleset(t)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	// The second ruleset differs, but not in its <syscheck> settings.
	other := *rs
	other.Config.EmailAlertLevel = 2
	e1 := New(rs, Options{Hostname: "m", Now: clock})
	e2 := New(&other, Options{Hostname: "m", Now: clock})
	own := [2]*Session{e1.NewSession(), e2.NewSession()}
	shared := [2]*Session{e1.NewSession(), e2.NewSession()}
	if !shared[1].ShareIntegrity(shared[0]) {
		t.Fatal("sessions with the same <syscheck> settings do not share")
	}
	rnd := rand.New(rand.NewPCG(5, 6))
	sums := []string{"-1", "xxx:33188:0:0:xxx:xxx"}
	for range 6 {
		sums = append(sums, fmt.Sprintf("%d:33188:0:0:%032x:%040x", rnd.IntN(3)*1024, rnd.Uint64(), rnd.Uint64()))
	}
	changed := 0
	for i := range 5000 {
		now = now.Add(time.Second)
		m := Message{Queue: QueueSyscheck,
			Location: fmt.Sprintf("(agent%d) 10.0.0.%d->syscheck", rnd.IntN(3), rnd.IntN(3)),
			Text:     sums[rnd.IntN(len(sums))] + " /etc/file" + fmt.Sprint(rnd.IntN(6))}
		first := rnd.IntN(2)
		for _, k := range []int{first, 1 - first} {
			want, got := summary(own[k].ProcessMessage(m)), summary(shared[k].ProcessMessage(m))
			if want != got {
				t.Fatalf("message %d %q, side %d (first %d):\nown database: %s\nshared:       %s", i, m.Text, k, first, want, got)
			}
			if strings.Contains(want, "rule=55") {
				changed++
			}
		}
	}
	if changed == 0 {
		t.Error("no integrity change alerted: the stream tests nothing")
	}
	t.Logf("%d integrity alerts", changed)

	different := *rs
	different.Config.SyscheckAutoIgnore = !rs.Config.SyscheckAutoIgnore
	if New(&different, Options{Hostname: "m"}).NewSession().ShareIntegrity(e1.NewSession()) {
		t.Error("sessions whose auto_ignore differ share a database")
	}
	if own[0].ShareIntegrity(e1.NewSession()) {
		t.Error("a session that has a database already shares another")
	}
}

// syscheckChangesFmt and realChangeSplit are the first, plainer
// implementations (fmt and strings.SplitN) that the faster ones must
// agree with.
func (s *Session) syscheckChangesFmt(fname, old, cur, data string, hasData bool) string {
	of, nf, have := sumFields(old, cur)
	var b strings.Builder
	fmt.Fprintf(&b, "Integrity checksum changed for: '%s'\n", trunc(fname, 756))
	if of[0] != nf[0] {
		b.WriteString(trunc(fmt.Sprintf("Size changed from '%s' to '%s'\n", of[0], nf[0]), 255))
	}
	op, np := 0, 0
	if have[1] {
		op, np = atoiC(of[1]), atoiC(nf[1])
	}
	switch {
	case op == np:
		s.sk.perm = ""
	case op > 0 && np > 0:
		s.sk.perm = trunc(fmt.Sprintf("Permissions changed from '%.9s' to '%.9s'\n", filePerm(of[1]), filePerm(nf[1])), 255)
	}
	b.WriteString(s.sk.perm)
	if have[2] && of[2] != nf[2] {
		b.WriteString(trunc(fmt.Sprintf("Ownership was '%s', now it is '%s'\n", of[2], nf[2]), 255))
	}
	if have[3] && of[3] != nf[3] {
		b.WriteString(trunc(fmt.Sprintf("Group ownership was '%s', now it is '%s'\n", of[3], nf[3]), 255))
	}
	for k, label := range [...]string{4: "md5", 5: "sha1", 6: "sha256"} {
		if k < 4 || !have[k] || of[k] == nf[k] || placeholderHash(of[k]) || placeholderHash(nf[k]) {
			continue
		}
		b.WriteString(trunc(fmt.Sprintf("Old %ssum was: '%s'\nNew %ssum is : '%s'\n", label, of[k], label, nf[k]), 255))
	}
	if hasData {
		b.WriteString("What changed:\n")
		b.WriteString(data)
	}
	return b.String()
}

func realChangeSplit(old, cur string) bool {
	if old == cur {
		return false
	}
	if len(old) >= 512 || len(cur) >= 512 {
		return true
	}
	of := strings.SplitN(old, ":", 8)
	nf := strings.SplitN(cur, ":", 8)
	if len(of) < 6 || len(nf) < 6 {
		return true
	}
	for i := 0; i < 4; i++ {
		if of[i] != nf[i] {
			return true
		}
	}
	for i := 4; i < len(of) && i < len(nf) && i < 7; i++ {
		if of[i] == nf[i] || placeholderHash(of[i]) || placeholderHash(nf[i]) {
			continue
		}
		return true
	}
	return false
}

// TestSyscheckChangesText: the change message and realChange agree with
// their plain fmt / SplitN versions on random checksums, long fields
// (cut at 255 bytes a line) and long names included.
func TestSyscheckChangesText(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	e := New(&ruleset.Ruleset{}, Options{Hostname: "m"})
	a, b := e.NewSession(), e.NewSession()
	field := func() string {
		switch rnd.IntN(6) {
		case 0:
			return strings.Repeat("x", rnd.IntN(300))
		case 1:
			return fmt.Sprint(rnd.IntN(1 << 20))
		case 2:
			return fmt.Sprintf("%o", rnd.IntN(1<<16))
		case 3:
			return "xxx"
		}
		return randomSum(rnd)
	}
	sum := func() string {
		var f []string
		for range rnd.IntN(9) {
			f = append(f, field())
		}
		return strings.Join(f, ":")
	}
	for i := range 20000 {
		old, cur := sum(), sum()
		if rnd.IntN(3) == 0 {
			of, _ := splitSum(old)
			of[rnd.IntN(7)] = field()
			cur = strings.Join(of[:], ":")
		}
		name := "/etc/" + strings.Repeat("n", rnd.IntN(900))
		data, has := "", rnd.IntN(4) == 0
		if has {
			data = field()
		}
		if got, want := realChange(old, cur), realChangeSplit(old, cur); got != want {
			t.Fatalf("%d: realChange(%q, %q) = %v, SplitN version %v", i, old, cur, got, want)
		}
		got, want := a.syscheckChanges(name, old, cur, data, has), b.syscheckChangesFmt(name, old, cur, data, has)
		if got != want || a.sk.perm != b.sk.perm {
			t.Fatalf("%d: %q -> %q:\n%q\nfmt version:\n%q", i, old, cur, got, want)
		}
	}
}
