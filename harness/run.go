package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Status is the outcome of a case.
type Status string

// Outcomes.
const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Skipped Status = "skipped"
)

// CaseResult is the outcome of running one case file.
type CaseResult struct {
	// Name is the case's name: its file name without .txtar.
	Name string `json:"name"`
	// File is the case file as given.
	File   string `json:"file"`
	Status Status `json:"status"`
	// Log is testscript's account of the case: the commands run, their
	// output and the failure, for failed and skipped cases (all cases
	// when verbose).
	Log string `json:"log,omitempty"`
	// SkipReason is why a skipped case was skipped.
	SkipReason string `json:"skip_reason,omitempty"`
	// NeedsBase is true for a case skipped by a command under the
	// condition [!base]: it would have run with a base ruleset.
	NeedsBase bool          `json:"needs_base,omitempty"`
	Duration  time.Duration `json:"duration_ns"`
}

// RunFiles runs each case file with cfg, outside `go test`, several at a
// time, and returns their results in the order of files. With verbose, the
// log of passing cases is kept too.
func RunFiles(cfg *Config, files []string, verbose bool) []CaseResult {
	results := make([]CaseResult, len(files))
	workdirs, cleanup, err := caseWorkdirs(cfg.WorkRoot, files)
	if err != nil {
		for i, f := range files {
			results[i] = CaseResult{Name: f, File: f, Status: Failed, Log: err.Error() + "\n"}
		}
		return results
	}
	defer cleanup()
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(files))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i] = runFile(cfg, files[i], workdirs[i], verbose)
			}
		}()
	}
	for i := range files {
		work <- i
	}
	close(work)
	wg.Wait()
	return results
}

// caseWorkdirs returns the work directory of each of files (one per file:
// cases may share a name): in root, named after the file's path, or, when
// root is "", in a temporary folder that cleanup removes.
func caseWorkdirs(root string, files []string) (dirs []string, cleanup func(), err error) {
	dirs = make([]string, len(files))
	if root == "" {
		if root, err = os.MkdirTemp("", "ossec-ruletest-run"); err != nil {
			return nil, nil, err
		}
		for i := range files {
			dirs[i] = filepath.Join(root, strconv.Itoa(i))
		}
		return dirs, func() { os.RemoveAll(root) }, nil
	}
	seen := map[string]bool{}
	for i, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, nil, err
		}
		sum := sha256.Sum256([]byte(abs))
		name := hex.EncodeToString(sum[:8])
		if seen[name] { // the same file twice: its runs must not share a folder
			name += "-" + strconv.Itoa(i)
		}
		seen[name] = true
		dirs[i] = filepath.Join(root, name)
	}
	return dirs, func() {}, nil
}

// runFile runs one case file in the work directory workdir, emptied first.
func runFile(cfg *Config, file, workdir string, verbose bool) CaseResult {
	one := *cfg
	one.file = file
	p := one.Params()
	p.Files = []string{file}
	p.WorkdirRoot = workdir
	if err := os.RemoveAll(workdir); err != nil {
		return CaseResult{Name: file, File: file, Status: Failed, Log: err.Error() + "\n"}
	}
	if err := os.MkdirAll(workdir, 0o755); err != nil {
		return CaseResult{Name: file, File: file, Status: Failed, Log: err.Error() + "\n"}
	}
	if err := checkArchive(file); err != nil {
		return CaseResult{Name: file, File: file, Status: Failed, Log: err.Error() + "\n"}
	}
	top := &caseT{verbose: verbose}
	start := time.Now()
	top.run(func() { testscript.RunT(top, p) })
	res := CaseResult{File: file, Duration: time.Since(start)}
	var c *caseT
	if len(top.children) == 1 {
		c = top.children[0]
		res.Name = c.name
	} else {
		// testscript gave up before running the case (e.g. an unreadable file).
		c = top
		res.Name = file
	}
	switch {
	case c.failed || top.failed:
		res.Status = Failed
	case c.skipped:
		res.Status = Skipped
		res.SkipReason = c.skipMsg
		res.NeedsBase = cfg.Base == "" && skippedUnderNoBase(c.logText())
	default:
		res.Status = Passed
	}
	if res.Status != Passed || verbose {
		l := top.logText()
		if c != top {
			l += c.logText()
		}
		res.Log = strings.TrimRight(l, "\n") + "\n"
	}
	return res
}

// skippedUnderNoBase reports whether the command that ended a case (the
// last one testscript logged, "> [!base] skip ...") ran under [!base].
func skippedUnderNoBase(log string) bool {
	lines := strings.Split(log, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if cmd, ok := strings.CutPrefix(strings.TrimSpace(lines[i]), "> "); ok {
			return strings.HasPrefix(strings.ReplaceAll(cmd, " ", ""), "[!base]")
		}
	}
	return false
}

// caseT implements testscript.T outside the testing package: Fatal,
// FailNow and Skip end the goroutine that runs the case, as the testing
// package does.
type caseT struct {
	name     string
	verbose  bool
	mu       sync.Mutex
	log      strings.Builder
	failed   bool
	skipped  bool
	skipMsg  string
	children []*caseT
}

// run calls f in a goroutine of its own and waits for it to return or to
// end with runtime.Goexit.
func (t *caseT) run(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				t.mu.Lock()
				t.failed = true
				fmt.Fprintf(&t.log, "panic: %v\n", r)
				t.mu.Unlock()
			}
		}()
		f()
	}()
	<-done
}

func (t *caseT) logText() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.log.String()
}

func (t *caseT) Skip(args ...any) {
	t.Log(args...)
	t.mu.Lock()
	t.skipped = true
	t.skipMsg = strings.TrimSuffix(fmt.Sprintln(args...), "\n")
	t.mu.Unlock()
	runtime.Goexit()
}

func (t *caseT) Fatal(args ...any) {
	t.Log(args...)
	t.FailNow()
}

func (t *caseT) Parallel() {}

func (t *caseT) Log(args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := fmt.Sprintln(args...)
	t.log.WriteString(s)
}

func (t *caseT) FailNow() {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	runtime.Goexit()
}

func (t *caseT) Run(name string, f func(testscript.T)) {
	c := &caseT{name: name, verbose: t.verbose}
	t.mu.Lock()
	t.children = append(t.children, c)
	t.mu.Unlock()
	c.run(func() { f(c) })
}

func (t *caseT) Verbose() bool { return t.verbose }

// checkArchive rejects, with the file and line, a case file that the txtar
// reader of testscript cannot take (the line "-- --" makes it panic: a
// marker with no room for a file name), or that reaches outside its work
// directory (see checkConfined).
func checkArchive(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSuffix(line, "\r") == "-- --" {
			return fmt.Errorf("%s:%d: malformed file marker %q: write \"-- NAME --\"", file, i+1, line)
		}
	}
	return checkConfined(file, data)
}
