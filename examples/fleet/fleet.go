// Package fleet generates a synthetic but realistic log corpus of a fleet
// of servers under file-integrity monitoring, for the worked example of
// `ossec-ruletest noise` (see README.md): every agent's baseline scan, then
// a week of package updates (yum and apt), Puppet runs, administrators'
// edits and a few real tamperings, each change reported by the nightly
// syscheck scan as the manager receives it from the agent, followed by the
// verdict line the ossec-ar-verify-file active response logs through
// syslog, with the surrounding syslog lines (yum, apt, puppet-agent, sudo,
// sshd).
//
// The corpus is a pure function of Config: the same seed gives the same
// bytes.
package fleet

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/internal/syscheck"
)

// Config sizes the fleet.
type Config struct {
	// Seed makes the corpus; DefaultConfig's is the worked example's.
	Seed uint64
	// Hosts is the number of servers (at least 8), Days the number of days
	// after the baseline.
	Hosts int
	Days  int
	// Start is the day of the baseline scan.
	Start time.Time
}

// DefaultConfig is the worked example: 40 servers over two weeks.
func DefaultConfig() Config {
	return Config{Seed: 20260915, Hosts: 40, Days: 14, Start: time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC)}
}

// Stats counts what a corpus holds.
type Stats struct {
	Lines       int
	FIM         int // file-integrity messages, baseline included
	Baseline    int
	Verdicts    map[string]int // by kind: ok, managed, unmanaged
	Tamperings  []string       // "host path" of the real tamperings
	OtherSyslog int
}

// role is a kind of server.
type role struct {
	name    string
	dpkg    bool     // Debian (dpkg, apt) rather than RPM (yum)
	share   int      // relative number of hosts
	configs []string // files Puppet manages for the role
}

var roles = []role{
	{"web", false, 10, []string{"/etc/httpd/conf/httpd.conf", "/etc/httpd/conf.d/ssl.conf", "/etc/logrotate.d/httpd"}},
	{"app", false, 8, []string{"/etc/sysconfig/app", "/etc/app/app.properties"}},
	{"db", true, 5, []string{"/etc/postgresql/15/main/postgresql.conf", "/etc/postgresql/15/main/pg_hba.conf"}},
	{"cache", true, 3, []string{"/etc/redis/redis.conf"}},
	{"mail", false, 2, []string{"/etc/postfix/main.cf", "/etc/postfix/master.cf"}},
	{"ci", true, 3, []string{"/etc/default/jenkins"}},
	{"bastion", false, 1, []string{"/etc/ssh/sshd_config.d/50-bastion.conf"}},
}

// Files every host monitors: Puppet-managed, package-owned, unmanaged.
var (
	puppetCommon = []string{"/etc/cron.d/puppet-job", "/etc/mcollective/facts.yaml", "/etc/ntp.conf", "/etc/resolv.conf", "/etc/sudoers.d/ops"}
	unmanaged    = []string{"/etc/hosts", "/etc/motd", "/root/.bashrc", "/etc/postfix/aliases.db", "/etc/cron.d/backup-adhoc", "/etc/profile.d/prompt.sh"}
	rpmPackages  = map[string][]string{
		"openssl":   {"/usr/bin/openssl", "/usr/lib64/libssl.so.10", "/usr/lib64/libcrypto.so.10"},
		"openssh":   {"/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/scp", "/usr/libexec/openssh/sftp-server"},
		"coreutils": {"/usr/bin/ls", "/usr/bin/cp", "/usr/bin/mv", "/usr/bin/cat", "/usr/bin/chmod", "/usr/bin/date"},
		"procps-ng": {"/usr/bin/ps", "/usr/bin/top", "/usr/bin/free"},
		"sudo":      {"/usr/bin/sudo", "/usr/libexec/sudo/sudoers.so"},
		"glibc":     {"/usr/lib64/libc.so.6", "/usr/lib64/libpthread.so.0", "/usr/sbin/ldconfig"},
		"bash":      {"/usr/bin/bash"},
		"systemd":   {"/usr/lib/systemd/systemd", "/usr/bin/systemctl", "/usr/bin/journalctl"},
	}
	debPackages = map[string][]string{
		"openssl":        {"/usr/bin/openssl", "/usr/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3"},
		"openssh-server": {"/usr/sbin/sshd", "/usr/lib/openssh/sftp-server"},
		"coreutils":      {"/bin/ls", "/bin/cp", "/bin/mv", "/bin/cat", "/bin/chmod", "/bin/date"},
		"procps":         {"/bin/ps", "/usr/bin/top", "/usr/bin/free"},
		"sudo":           {"/usr/bin/sudo", "/usr/lib/sudo/sudoers.so"},
		"libc6":          {"/lib/x86_64-linux-gnu/libc.so.6", "/sbin/ldconfig"},
		"bash":           {"/bin/bash"},
		"systemd":        {"/lib/systemd/systemd", "/bin/systemctl", "/bin/journalctl"},
	}
	admins = []string{"alice", "bob", "carol", "dave"}
)

type file struct {
	path    string
	owner   string // "rpm:PKG", "dpkg:PKG", "puppet", ""
	version int
}

type host struct {
	name  string
	role  role
	files map[string]*file
	order []string
	// dirty are the paths changed since the last scan, with the verdict
	// the verifier will give and the kind of change.
	dirty []change
	scan  time.Duration // time of day of the nightly scan (splayed)
	pid   int
}

type change struct {
	path    string
	kind    string // changed, added, deleted
	verdict string // ok, managed, unmanaged
	manager string // RPM, dpkg, Puppet (for managed)
}

type line struct {
	t    time.Time
	seq  int
	text string
}

type gen struct {
	cfg   Config
	rng   *rand.Rand
	hosts []*host
	out   []line
	seq   int
	stats Stats
}

// Generate writes the corpus of cfg to w and says what it holds.
func Generate(w io.Writer, cfg Config) (Stats, error) {
	if cfg.Hosts < 8 {
		cfg.Hosts = 8
	}
	g := &gen{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed)), stats: Stats{Verdicts: map[string]int{}}}
	g.makeHosts()
	bw := bufio.NewWriterSize(w, 1<<16)
	// Day 0: every agent's first scan tells the manager its files.
	for _, h := range g.hosts {
		t := cfg.Start.Add(h.scan)
		for _, p := range h.order {
			f := h.files[p]
			g.emit(t, g.fim(h, f.path, syscheck.Default(f.path, g.ver(h, f)).Checksum()))
			g.stats.Baseline++
		}
	}
	g.flush(bw)
	for day := 1; day <= cfg.Days; day++ {
		g.day(cfg.Start.AddDate(0, 0, day))
		g.flush(bw)
	}
	return g.stats, bw.Flush()
}

func (g *gen) ver(h *host, f *file) string { return fmt.Sprintf("%s#%d", h.name, f.version) }

func (g *gen) makeHosts() {
	total := 0
	for _, r := range roles {
		total += r.share
	}
	count := map[string]int{}
	for i := 0; i < g.cfg.Hosts; i++ {
		// Spread hosts over roles by their shares, in a fixed order.
		r := roles[0]
		acc := 0
		x := (i * total) / g.cfg.Hosts
		for _, rr := range roles {
			acc += rr.share
			if x < acc {
				r = rr
				break
			}
		}
		count[r.name]++
		h := &host{name: fmt.Sprintf("%s%02d", r.name, count[r.name]), role: r, files: map[string]*file{},
			scan: time.Duration(4*60+g.rng.IntN(180))*time.Minute + time.Duration(g.rng.IntN(60))*time.Second,
			pid:  1000 + g.rng.IntN(30000)}
		add := func(p, owner string) {
			h.files[p] = &file{path: p, owner: owner}
			h.order = append(h.order, p)
		}
		for _, p := range append(slices.Clone(puppetCommon), r.configs...) {
			add(p, "puppet")
		}
		for _, p := range unmanaged {
			add(p, "")
		}
		pkgs := rpmPackages
		mgr := "rpm:"
		if r.dpkg {
			pkgs, mgr = debPackages, "dpkg:"
		}
		for _, name := range sortedKeys(pkgs) {
			for _, p := range pkgs[name] {
				add(p, mgr+name)
			}
		}
		g.hosts = append(g.hosts, h)
	}
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (g *gen) emit(t time.Time, text string) {
	g.out = append(g.out, line{t: t, seq: g.seq, text: text})
	g.seq++
}

func (g *gen) syslog(t time.Time, h *host, prog, msg string) {
	g.emit(t, fmt.Sprintf("%s %s %s: %s", t.Format(time.Stamp), h.name, prog, msg))
	g.stats.OtherSyslog++
}

// flush writes the buffered lines in time order.
func (g *gen) flush(w *bufio.Writer) {
	slices.SortStableFunc(g.out, func(a, b line) int {
		if c := a.t.Compare(b.t); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	for _, l := range g.out {
		w.WriteString(l.text)
		w.WriteByte('\n')
		g.stats.Lines++
		if strings.HasPrefix(l.text, "8:") {
			g.stats.FIM++
		}
	}
	g.out = g.out[:0]
}

func (g *gen) fim(h *host, path, checksum string) string {
	m := syscheck.Message(h.name, checksum, path, "")
	return fmt.Sprintf("%c:%s:%s", m.Queue, m.Location, m.Text)
}

func (g *gen) pick(xs []*host, n int) []*host {
	idx := g.rng.Perm(len(xs))
	var out []*host
	for _, i := range idx[:min(n, len(xs))] {
		out = append(out, xs[i])
	}
	return out
}

// day plays one day: changes during the day, then each host's nightly scan.
func (g *gen) day(d time.Time) {
	at := func(hour, spread int) time.Time {
		return d.Add(time.Duration(hour)*time.Hour + time.Duration(g.rng.IntN(spread*60))*time.Minute + time.Duration(g.rng.IntN(60))*time.Second)
	}
	wd := d.Weekday()
	// Patch days: Tuesday and Thursday, a third to a half of the fleet.
	// Every other Wednesday, the whole fleet.
	switch n := int(d.Sub(g.cfg.Start).Hours() / 24); {
	case wd == time.Wednesday && (n/7)%2 == 1:
		for _, h := range g.hosts {
			g.update(h, at(9, 6))
			g.update(h, at(15, 2))
		}
	case wd == time.Tuesday || wd == time.Thursday:
		for _, h := range g.pick(g.hosts, len(g.hosts)/3+g.rng.IntN(len(g.hosts)/6+1)) {
			g.update(h, at(9, 6))
		}
	}
	// Puppet: a configuration rollout for one role on weekdays; every
	// run also logs that it applied the catalog.
	if wd != time.Saturday && wd != time.Sunday {
		r := roles[g.rng.IntN(len(roles))]
		for _, h := range g.hosts {
			if h.role.name != r.name {
				continue
			}
			t := at(13, 3)
			p := h.role.configs[g.rng.IntN(len(h.role.configs))]
			g.touch(h, p, "changed", "ok", "")
			g.syslog(t, h, fmt.Sprintf("puppet-agent[%d]", h.pid), fmt.Sprintf("(/Stage[main]/Role::%s/File[%s]/content) content changed '{md5}%s' to '{md5}%s'", r.name, p, g.hex(32), g.hex(32)))
			g.syslog(t.Add(2*time.Second), h, fmt.Sprintf("puppet-agent[%d]", h.pid), fmt.Sprintf("Applied catalog in %d.%02d seconds", 2+g.rng.IntN(9), g.rng.IntN(100)))
		}
	}
	// Every Puppet run refreshes the facts file; uptime and memory facts
	// change it on most hosts every day.
	for _, h := range g.pick(g.hosts, len(g.hosts)*9/10) {
		g.touch(h, "/etc/mcollective/facts.yaml", "changed", "ok", "")
	}
	// Administrators: a few edits a day, mostly of unmanaged files.
	for range 2 + g.rng.IntN(4) {
		h := g.hosts[g.rng.IntN(len(g.hosts))]
		t := at(10, 8)
		who := admins[g.rng.IntN(len(admins))]
		g.syslog(t, h, fmt.Sprintf("sshd[%d]", 20000+g.rng.IntN(9000)), fmt.Sprintf("Accepted publickey for %s from 10.1.%d.%d port %d ssh2", who, g.rng.IntN(4), 10+g.rng.IntN(200), 40000+g.rng.IntN(20000)))
		var p string
		switch x := g.rng.IntN(10); {
		case x < 8:
			p = unmanaged[g.rng.IntN(len(unmanaged))]
			g.touch(h, p, "changed", "unmanaged", "")
		default:
			// A hand edit of a file Puppet manages: flagged.
			p = "/etc/ntp.conf"
			g.touch(h, p, "changed", "managed", "Puppet")
		}
		g.syslog(t.Add(40*time.Second), h, "sudo", fmt.Sprintf("%s : TTY=pts/0 ; PWD=/home/%s ; USER=root ; COMMAND=/usr/bin/vim %s", who, who, p))
	}
	// A real tampering on days 3 and 6: a packaged binary replaced.
	if n := int(d.Sub(g.cfg.Start).Hours() / 24); n%3 == 0 {
		h := g.hosts[g.rng.IntN(len(g.hosts))]
		var owned []string
		for _, p := range h.order {
			if o := h.files[p].owner; strings.HasPrefix(o, "rpm:") || strings.HasPrefix(o, "dpkg:") {
				if strings.Contains(p, "/bin/") || strings.Contains(p, "/sbin/") {
					owned = append(owned, p)
				}
			}
		}
		p := owned[g.rng.IntN(len(owned))]
		mgr := "RPM"
		if h.role.dpkg {
			mgr = "dpkg"
		}
		t := at(2, 2)
		g.syslog(t, h, fmt.Sprintf("sshd[%d]", 20000+g.rng.IntN(9000)), fmt.Sprintf("Accepted password for deploy from 203.0.113.%d port %d ssh2", 1+g.rng.IntN(250), 40000+g.rng.IntN(20000)))
		g.touch(h, p, "changed", "managed", mgr)
		g.stats.Tamperings = append(g.stats.Tamperings, h.name+" "+p)
	}
	// The nightly scans report what changed, and the verifier answers.
	for _, h := range g.hosts {
		g.scan(h, d.AddDate(0, 0, 1).Add(h.scan))
	}
}

func (g *gen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

// update runs a package update on h: some packages get a new version.
func (g *gen) update(h *host, t time.Time) {
	pkgs := rpmPackages
	if h.role.dpkg {
		pkgs = debPackages
	}
	names := sortedKeys(pkgs)
	n := 1 + g.rng.IntN(3)
	for _, i := range g.rng.Perm(len(names))[:n] {
		name := names[i]
		if h.role.dpkg {
			g.syslog(t, h, "apt", fmt.Sprintf("upgrade %s:amd64 3.0.%d-1 3.0.%d-1", name, g.rng.IntN(10), 10+g.rng.IntN(10)))
		} else {
			g.syslog(t, h, "yum["+fmt.Sprint(h.pid)+"]", fmt.Sprintf("Updated: %s-1.%d.%d-%d.el7.x86_64", name, g.rng.IntN(3), g.rng.IntN(20), 1+g.rng.IntN(40)))
		}
		for _, p := range pkgs[name] {
			g.touch(h, p, "changed", "ok", "")
		}
		t = t.Add(time.Duration(5+g.rng.IntN(20)) * time.Second)
	}
	// Now and then an update ships a new plugin and drops an old one.
	if g.rng.IntN(4) == 0 {
		plugin := fmt.Sprintf("/usr/lib64/security/pam_extra.so.%d", g.rng.IntN(3))
		if _, ok := h.files[plugin]; !ok {
			h.files[plugin] = &file{path: plugin, owner: "rpm:pam"}
			h.order = append(h.order, plugin)
			g.touch(h, plugin, "added", "ok", "")
		}
	}
	if g.rng.IntN(5) == 0 {
		for _, p := range h.order {
			if strings.HasPrefix(p, "/usr/lib64/security/pam_extra.so.") {
				g.touch(h, p, "deleted", "ok", "")
				break
			}
		}
	}
}

// touch records a change of path on h for the next scan.
func (g *gen) touch(h *host, path, kind, verdict, manager string) {
	f := h.files[path]
	if f == nil {
		return
	}
	if kind == "changed" {
		f.version++
	}
	for i, c := range h.dirty {
		if c.path == path {
			// The worst verdict of the day wins; a later change of the
			// same file is one change for the scan.
			if rank(verdict) > rank(c.verdict) {
				h.dirty[i].verdict, h.dirty[i].manager = verdict, manager
			}
			if kind != "changed" {
				h.dirty[i].kind = kind
			}
			return
		}
	}
	h.dirty = append(h.dirty, change{path: path, kind: kind, verdict: verdict, manager: manager})
}

func rank(v string) int {
	switch v {
	case "managed":
		return 2
	case "unmanaged":
		return 1
	}
	return 0
}

// scan reports h's changes at t, each followed by its verdict.
func (g *gen) scan(h *host, t time.Time) {
	for _, c := range h.dirty {
		f := h.files[c.path]
		var sum string
		switch c.kind {
		case "deleted":
			sum = "-1"
			delete(h.files, c.path)
			h.order = slices.DeleteFunc(h.order, func(p string) bool { return p == c.path })
		default:
			sum = syscheck.Default(f.path, g.ver(h, f)).Checksum()
		}
		g.emit(t, g.fim(h, c.path, sum))
		t = t.Add(time.Duration(1+g.rng.IntN(3)) * time.Second)
		var v string
		switch c.verdict {
		case "ok":
			v = fmt.Sprintf("file ok (%s)", c.path)
		case "managed":
			v = fmt.Sprintf("file managed by %s (%s) changed outside of %s", c.manager, c.path, c.manager)
		default:
			v = fmt.Sprintf("file unmanaged (%s) changed", c.path)
		}
		g.emit(t, fmt.Sprintf("%s %s ossec-ar-verify: %s", t.Format(time.Stamp), h.name, v))
		g.stats.Verdicts[c.verdict]++
		t = t.Add(time.Duration(g.rng.IntN(2)) * time.Second)
	}
	h.dirty = h.dirty[:0]
}
