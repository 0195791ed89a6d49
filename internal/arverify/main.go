//go:build linux

package arverify

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the program's configuration: defaults, then the optional file
// OSSECDIR/etc/ossec-ar-verify.conf (lines "key = value"; # comments), then
// command-line flags in manual mode.
type Config struct {
	OssecDir string
	// Root, when set, is the root directory of the host whose files are
	// verified (a mounted image, a test's fake host): the files, and by
	// default the package databases and Puppet catalogs, are read below
	// it; the verdicts name the files as that host sees them.
	Root            string
	StateDir        string // OSSECDIR/var/ossec-ar-verify
	LogFile         string // OSSECDIR/logs/active-responses.log
	VerdictFile     string // "" writes verdicts to syslog
	Workers         int
	Window          time.Duration
	TransactionWait time.Duration
	CommandTimeout  time.Duration
	// PackageManagers lists "rpm" and "dpkg" in the order asked; "auto"
	// (the default) uses those installed, dpkg first.
	PackageManagers   []string
	RPM               string // path of rpm ("" finds it)
	DpkgQuery         string // path of dpkg-query ("" finds it)
	DpkgInfo          string // dpkg's info directory
	PuppetCatalogDirs []string
	TrustedUID        uint32 // owner of trusted state files
	// CommandName is the <name> of the command in ossec.conf, which
	// analysisd puts first in the message (see Request).
	CommandName string
	// MaxQueue bounds the requests waiting in the spool.
	MaxQueue int
	// FileTimeout bounds one verification, DrainTimeout a whole drain.
	FileTimeout, DrainTimeout time.Duration

	puppetSet     bool     // PuppetCatalogDirs no longer the defaults
	dpkgInfoSet   bool     // DpkgInfo no longer the default
	syslogSockets []string // DefaultSyslogSockets when nil (tests set it)
}

// DefaultConfig returns the configuration for an OSSEC installed in dir.
func DefaultConfig(dir string) Config {
	return Config{
		OssecDir:          dir,
		StateDir:          filepath.Join(dir, "var", "ossec-ar-verify"),
		LogFile:           filepath.Join(dir, "logs", "active-responses.log"),
		Workers:           DefaultWorkers,
		Window:            DefaultWindow,
		TransactionWait:   DefaultTransactionWait,
		CommandTimeout:    DefaultCommandTimeout,
		PackageManagers:   []string{"auto"},
		DpkgInfo:          "/var/lib/dpkg/info",
		PuppetCatalogDirs: DefaultPuppetCatalogDirs,
		CommandName:       DefaultCommandName,
		MaxQueue:          DefaultMaxQueue,
		FileTimeout:       DefaultFileTimeout,
		DrainTimeout:      DefaultDrainTimeout,
	}
}

// ossecDir finds the OSSEC directory from the program's own location
// (OSSECDIR/active-response/bin/PROGRAM), as OSSEC's scripts do: from
// argv0 when it is such a path (ossec-execd runs a response by its full
// path there, which may be a symbolic link to the program), else from the
// executable's own path.
func ossecDir(argv0 string) string {
	in := func(p string) (string, bool) {
		bin := filepath.Dir(p)
		if filepath.IsAbs(p) && filepath.Base(bin) == "bin" && filepath.Base(filepath.Dir(bin)) == "active-response" {
			return filepath.Dir(filepath.Dir(bin)), true
		}
		return "", false
	}
	if d, ok := in(filepath.Clean(argv0)); ok {
		return d
	}
	if exe, err := os.Executable(); err == nil {
		if d, ok := in(exe); ok {
			return d
		}
	}
	return "/var/ossec"
}

// LoadConfigFile applies a configuration file to c. A missing file is not
// an error; one that anyone but TrustedUID could write is.
func (c *Config) LoadConfigFile(path string) error {
	data, err := readTrusted(path, c.TrustedUID)
	if err != nil || data == nil {
		return err
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("%s:%d: want key = value", path, n)
		}
		if err := c.set(strings.TrimSpace(k), strings.TrimSpace(v)); err != nil {
			return fmt.Errorf("%s:%d: %v", path, n, err)
		}
	}
	return nil
}

func (c *Config) set(k, v string) error {
	dur := func(d *time.Duration) error {
		x, err := time.ParseDuration(v)
		if err == nil && x <= 0 {
			err = errors.New("must be positive")
		}
		if err != nil {
			return fmt.Errorf("%s: %v", k, err)
		}
		*d = x
		return nil
	}
	abs := func(s *string) error {
		if !filepath.IsAbs(v) {
			return fmt.Errorf("%s: %q is not an absolute path", k, v)
		}
		*s = filepath.Clean(v)
		return nil
	}
	switch k {
	case "state_dir":
		return abs(&c.StateDir)
	case "root":
		return abs(&c.Root)
	case "log_file":
		return abs(&c.LogFile)
	case "verdict_file":
		return abs(&c.VerdictFile)
	case "workers":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 16 {
			return fmt.Errorf("workers: want 1 to 16, got %q", v)
		}
		c.Workers = n
	case "window":
		return dur(&c.Window)
	case "file_timeout":
		return dur(&c.FileTimeout)
	case "drain_timeout":
		return dur(&c.DrainTimeout)
	case "command_name":
		if v == "" || strings.ContainsAny(v, " \t") {
			return fmt.Errorf("command_name: want one word, got %q", v)
		}
		c.CommandName = v
	case "max_queue":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10_000_000 {
			return fmt.Errorf("max_queue: want 1 to 10000000, got %q", v)
		}
		c.MaxQueue = n
	case "transaction_wait":
		return dur(&c.TransactionWait)
	case "command_timeout":
		return dur(&c.CommandTimeout)
	case "package_managers":
		c.PackageManagers = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
		for _, m := range c.PackageManagers {
			if m != "rpm" && m != "dpkg" && m != "auto" && m != "none" {
				return fmt.Errorf("package_managers: unknown %q (rpm, dpkg, auto, none)", m)
			}
		}
	case "rpm":
		return abs(&c.RPM)
	case "dpkg_query":
		return abs(&c.DpkgQuery)
	case "dpkg_info":
		c.dpkgInfoSet = true
		return abs(&c.DpkgInfo)
	case "puppet_catalog_dir":
		var d string
		if err := abs(&d); err != nil {
			return err
		}
		if !c.puppetSet {
			c.PuppetCatalogDirs, c.puppetSet = nil, true
		}
		c.PuppetCatalogDirs = append(c.PuppetCatalogDirs, d)
	case "no_puppet":
		c.PuppetCatalogDirs = nil
	default:
		return fmt.Errorf("unknown key %q", k)
	}
	return nil
}

// Verifier builds the verifier the configuration describes.
func (c Config) Verifier() *Verifier {
	run := ExecRunner{Timeout: c.CommandTimeout}
	v := &Verifier{TransactionWait: c.TransactionWait}
	catalogs, info := c.PuppetCatalogDirs, c.DpkgInfo
	if c.Root != "" {
		root := c.Root
		v.Open = func(ctx context.Context, p string) (*File, error) { return OpenUnder(ctx, root, p) }
		if !c.puppetSet {
			catalogs = rooted(root, catalogs...)
		}
		if !c.dpkgInfoSet {
			info = rooted(root, info)[0]
		}
	}
	if len(catalogs) > 0 {
		v.Configs = append(v.Configs, &Puppet{CatalogDirs: catalogs, TrustedUID: c.TrustedUID})
	}
	add := func(name string) {
		switch name {
		case "dpkg":
			m := NewDpkg(run)
			if c.DpkgQuery != "" {
				m = &Dpkg{Query: c.DpkgQuery, Runner: run}
			}
			if m != nil {
				m.InfoDir, m.TrustedUID = info, c.TrustedUID
				m.Root, m.LockFiles = c.Root, rooted(c.Root, "/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock")
				v.Packages = append(v.Packages, m)
			}
		case "rpm":
			m := newRPMAt(run, c.Root)
			if c.RPM != "" {
				m = &RPM{Binary: c.RPM, Runner: run, Root: c.Root,
					LockFiles: rooted(c.Root, "/var/lib/rpm/.rpm.lock", "/usr/lib/sysimage/rpm/.rpm.lock")}
			}
			if m != nil {
				v.Packages = append(v.Packages, m)
			}
		}
	}
	for _, name := range c.PackageManagers {
		if name == "auto" {
			add("dpkg")
			add("rpm")
			continue
		}
		add(name)
	}
	return v
}

// Main runs the program with argv (argv[0] is the program) and returns the
// exit status.
//
// Run by ossec-execd, argv is the active-response argv (see ParseArgs): the
// request is logged to active-responses.log, queued, and the queue drained
// (see Spool); "delete" does nothing (the command allows no timeout).
//
// Run by a person with flags first, it verifies the given paths at once,
// without the spool, and prints the verdict lines to stdout:
//
//	ossec-ar-verify-file [-c FILE] [-syslog] [flags] PATH...
func Main(argv []string, stdout, stderr io.Writer) int {
	if len(argv) > 1 && strings.HasPrefix(argv[1], "-") {
		return manual(argv, stdout, stderr)
	}
	argv0 := ""
	if len(argv) > 0 {
		argv0 = argv[0]
	}
	return activeResponse(argv, ossecDir(argv0))
}

// activeResponse is Main for ossec-execd, with OSSEC installed in dir.
//
// Every way through it that handles an "add" writes a verdict line, or
// leaves the request in the spool for a drainer that will (a duplicate of a
// queued path, or of one verified less than the window ago with the same
// content, collapses into that verdict): a configuration refused, an argv
// that is not an active-response call, no file name, a name OSSEC may have
// cut, a full queue, an unusable spool and a panic each end in a "file
// unverified" line. Only a kill by a signal ends it without one.
//
// The state files it trusts (its configuration, dpkg's md5sums, Puppet's
// catalogs) must belong to the user it runs as: root, when ossec-execd runs
// it; a test that runs it as itself trusts its own files.
func activeResponse(argv []string, dir string) (status int) {
	cfg := DefaultConfig(dir)
	cfg.TrustedUID = uint32(os.Geteuid())
	// Confined, even a refusal is written below the confining directory.
	if err := cfg.confine(os.Getenv(ConfineEnv)); err != nil {
		// The installation itself lies outside: nothing is written.
		fmt.Fprintf(os.Stderr, "ossec-ar-verify: %v\n", err)
		return 1
	}
	logf := activeLog(cfg.LogFile, argv)
	emit := emitter(cfg)
	alert := "-"
	if len(argv) > 4 {
		alert = alertID(argv[4])
	}
	say := func(v Verdict) {
		v.AlertID = alert
		if err := emit(v); err != nil {
			logf("cannot write verdict: %v", err)
		}
		logf("%s (%s)", v.Line(), EscapePath(v.Reason))
	}
	shown := "-"
	defer func() {
		if r := recover(); r != nil {
			say(unverified(shown, CodeInternal, fmt.Sprintf("panic: %v", r)))
			status = 1
		}
	}()
	req, perr := parseArgs(argv, cfg.CommandName)
	if perr == nil && !req.NoName {
		shown = req.Path
	}
	if err := cfg.LoadConfigFile(filepath.Join(cfg.OssecDir, "etc", "ossec-ar-verify.conf")); err != nil {
		logf("config: %v", err)
		if perr == nil && req.Action == "delete" {
			return 1
		}
		say(unverified(shown, CodeConfigRefused, "configuration refused: "+err.Error()))
		return 1
	}
	if err := cfg.confine(os.Getenv(ConfineEnv)); err != nil {
		logf("config: %v", err)
		say(unverified(shown, CodeConfigRefused, "configuration refused: "+err.Error()))
		return 1
	}
	logf = activeLog(cfg.LogFile, argv)
	emit = emitter(cfg)
	logf("%s", strings.Join(escapeAll(argv), " "))
	if perr == nil {
		req, perr = parseArgs(argv, cfg.CommandName)
	}
	switch {
	case perr != nil:
		say(unverified(shown, CodeBadArguments, perr.Error()))
		return 1
	case req.Action == "delete":
		return 0
	}
	if v, ok := early(req); ok {
		say(v)
		return 0
	}
	sp := &Spool{Dir: cfg.StateDir, Window: cfg.Window, Workers: cfg.Workers, MaxQueue: cfg.MaxQueue,
		FileTimeout: cfg.FileTimeout, DrainTimeout: cfg.DrainTimeout,
		Verifier: cfg.Verifier(), Emit: emit, Log: logf}
	res, err := Queued, sp.Prepare()
	if err == nil {
		res, err = sp.Enqueue(req.Path, alert)
	}
	if errors.Is(err, ErrQueueFull) {
		say(unverified(req.Path, CodeQueueFull, err.Error()))
		// Drain anyway: a queue left full by a drainer that died would
		// otherwise refuse every request from now on.
		if _, err := sp.Drain(context.Background()); err != nil {
			logf("drain: %v", err)
		}
		return 1
	}
	if errors.Is(err, ErrSpoolBusy) {
		// Waiting longer, or verifying here, would keep this process
		// alive while others pile up behind the same lock.
		say(unverified(req.Path, CodeSpool, err.Error()))
		return 1
	}
	if err != nil {
		// Without the spool, verify this one file directly rather than
		// lose the verdict.
		logf("spool %s: %v; verifying without it", cfg.StateDir, err)
		ctx, cancel := context.WithTimeout(context.Background(), sp.fileDeadline())
		defer cancel()
		say(sp.Verifier.Verify(ctx, req.Path))
		return 1
	}
	if res == AlreadyQueued {
		logf("%s [alert %s]: already queued; its verdict answers this alert too", EscapePath(req.Path), alert)
	}
	if _, err := sp.Drain(context.Background()); err != nil {
		logf("drain: %v", err)
		return 1
	}
	return 0
}

// early returns the verdict of a request that is not verified: no file
// name, or one OSSEC may have cut.
func early(req Request) (Verdict, bool) {
	switch {
	case req.NoName:
		return unverified("-", CodeNoName, "OSSEC passed no file name"), true
	case req.Truncated():
		v := unverified(req.Path, CodeNameCut, req.Cut+"; not verified")
		v.Truncated = true
		return v, true
	}
	return Verdict{}, false
}

// Decide returns the verdict for a parsed request without the spool: the
// early verdict, or v's. The alert id is the request's.
func Decide(ctx context.Context, req Request, v *Verifier) Verdict {
	vd, ok := early(req)
	if !ok {
		vd = v.Verify(ctx, req.Path)
	}
	vd.AlertID = req.AlertID
	return vd
}

// confine refuses a configuration that writes outside dir (when dir is not
// empty), and sends verdicts that would go to syslog to the file fallback.
func (c *Config) confine(dir string) error {
	if dir == "" {
		return nil
	}
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("%s: %q is not an absolute path", ConfineEnv, dir)
	}
	dir = filepath.Clean(dir)
	for _, w := range []struct{ key, path string }{
		{"state_dir", c.StateDir}, {"log_file", c.LogFile}, {"verdict_file", c.VerdictFile},
	} {
		if w.path == "" {
			continue
		}
		rel, err := filepath.Rel(dir, w.path)
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			return fmt.Errorf("%s %s is outside %s, where %s keeps it", w.key, w.path, dir, ConfineEnv)
		}
	}
	if c.VerdictFile == "" {
		c.VerdictFile = filepath.Join(c.OssecDir, "logs", "ossec-ar-verify.log")
		if rel, err := filepath.Rel(dir, c.VerdictFile); err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			return fmt.Errorf("the installation %s is outside %s, where %s keeps it", c.OssecDir, dir, ConfineEnv)
		}
	}
	return nil
}

// emitter returns how verdicts are written under cfg: to verdict_file, or
// to syslog and, when syslog cannot be reached, to
// OSSECDIR/logs/ossec-ar-verify.log.
func emitter(cfg Config) func(Verdict) error {
	if cfg.VerdictFile != "" {
		return (&FileEmitter{Path: cfg.VerdictFile}).Emit
	}
	return withFallback(&SyslogEmitter{Sockets: cfg.syslogSockets},
		&FileEmitter{Path: filepath.Join(cfg.OssecDir, "logs", "ossec-ar-verify.log")})
}

// withFallback writes a verdict with primary and, when that fails, with
// fallback.
func withFallback(primary *SyslogEmitter, fallback *FileEmitter) func(Verdict) error {
	return func(v Verdict) error {
		err := primary.Emit(v)
		if err == nil {
			return nil
		}
		if ferr := fallback.Emit(v); ferr != nil {
			return errors.Join(err, ferr)
		}
		return fmt.Errorf("%v; written to %s instead", err, fallback.Path)
	}
}

// manual is Main for a person: flags, then paths verified at once.
func manual(argv []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(filepath.Base(argv[0]), flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("ossec-dir", ossecDir(argv[0]), "OSSEC installation `directory`")
	conf := fs.String("c", "", "configuration `file` (default OSSECDIR/etc/ossec-ar-verify.conf)")
	toSyslog := fs.Bool("syslog", false, "write verdicts as the active response does, not to stdout")
	uid := fs.Int("trusted-uid", 0, "`uid` that must own state files (Puppet catalogs, dpkg md5sums, the configuration)")
	var sets []string
	for _, k := range []string{"package_managers", "rpm", "dpkg_query", "dpkg_info", "puppet_catalog_dir", "verdict_file", "command_timeout", "transaction_wait", "file_timeout"} {
		k := k
		fs.Func(strings.ReplaceAll(k, "_", "-"), "set "+k+" (as in the configuration file)", func(v string) error {
			sets = append(sets, k+"="+v)
			return nil
		})
	}
	noPuppet := fs.Bool("no-puppet", false, "do not consult Puppet")
	fs.Func("root", "verify the files of the host whose root file system is at `directory` (set root, as in the configuration file)", func(v string) error {
		sets = append(sets, "root="+v)
		return nil
	})
	if err := fs.Parse(argv[1:]); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: ossec-ar-verify-file [flags] PATH...")
		return 2
	}
	cfg := DefaultConfig(*dir)
	cfg.TrustedUID = uint32(*uid)
	if *conf == "" {
		*conf = filepath.Join(cfg.OssecDir, "etc", "ossec-ar-verify.conf")
	}
	if err := cfg.LoadConfigFile(*conf); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, kv := range sets {
		k, v, _ := strings.Cut(kv, "=")
		if err := cfg.set(k, v); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	if *noPuppet {
		cfg.PuppetCatalogDirs = nil
	}
	v := cfg.Verifier()
	emit := func(vd Verdict) error {
		_, err := fmt.Fprintln(stdout, vd.Line())
		return err
	}
	if *toSyslog {
		emit = emitter(cfg)
	}
	status := 0
	for _, p := range fs.Args() {
		ctx, cancel := context.WithTimeout(context.Background(), cfg.FileTimeout)
		vd := v.Verify(ctx, p)
		cancel()
		if *toSyslog {
			vd.AlertID = "-" // the decoder reads "[alert -]": run by hand
		}
		if err := emit(vd); err != nil {
			fmt.Fprintln(stderr, err)
			status = 1
		}
		fmt.Fprintf(stderr, "%s: %s\n", EscapePath(p), EscapePath(vd.Reason))
	}
	return status
}

// activeLog returns a logger appending to OSSEC's active-responses.log in
// the format of OSSEC's own scripts ("DATE PROGRAM ..."), every argument
// escaped.
func activeLog(path string, argv []string) func(string, ...any) {
	prog := "ossec-ar-verify-file"
	if len(argv) > 0 {
		prog = EscapePath(argv[0])
	}
	return func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		line := time.Now().Format("Mon Jan _2 15:04:05 MST 2006") + " " + prog + ": " + strings.ReplaceAll(msg, "\n", `\n`) + "\n"
		_ = appendSafely(path, 0o660, []byte(line))
	}
}

// escapeAll escapes every argument for the log.
func escapeAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = EscapePath(a)
	}
	return out
}
