package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
)

// watchNative, while run --watch runs, is the native engine every cycle
// uses: its cache keeps the loaded rulesets (keyed by the content of their
// files), so a cycle reloads only when a ruleset file changed.
var watchNative *harness.Native

// watchWorkRoot, while run --watch runs, is where every cycle makes the
// cases' work directories (harness.Config.WorkRoot): a case with ruleset
// files of its own writes them to the same paths each cycle, so its
// ruleset stays in watchNative's cache until the case changes them.
var watchWorkRoot string

// watchInterval is how often run --watch looks at the files.
var watchInterval = 100 * time.Millisecond

// fileState is what run --watch compares to see a save.
type fileState struct {
	mod  time.Time
	size int64
}

// watchRun runs the cases once, then again after each save: the case files
// that changed, or all of them when a file of the repository's ruleset
// (ossec.conf, rules/, decoders/, lists/) changed. flagArgs are run's flags
// without --watch. It returns when interrupted.
func watchRun(flagArgs []string, repo string, paths []string, hostname string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return watchLoop(ctx, flagArgs, repo, paths, hostname, stdout, stderr)
}

// watchLoop is watchRun until ctx is done.
func watchLoop(ctx context.Context, flagArgs []string, repo string, paths []string, hostname string, stdout, stderr io.Writer) int {
	watchNative = harness.NewNative(hostname)
	defer func() { watchNative = nil }()
	root, err := os.MkdirTemp("", "ossec-ruletest-watch")
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest run --watch: %v\n", err)
		return 1
	}
	watchWorkRoot = root
	defer func() { os.RemoveAll(root); watchWorkRoot = "" }()

	cycle := func(files []string, why string) {
		start := time.Now()
		if why != "" {
			fmt.Fprintf(stderr, "\n--- %s\n", why)
		}
		runRun(append(slices.Clone(flagArgs), files...), stdout, stderr)
		fmt.Fprintf(stderr, "--- done in %s; watching for changes (Ctrl-C to stop)\n", time.Since(start).Round(time.Millisecond))
	}
	cases := snapshot(casePaths(paths))
	rules := snapshot(rulesetPaths(repo))
	cycle(paths, "")
	tick := time.NewTicker(watchInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ExitInterrupt
		case <-tick.C:
		}
		nowCases := snapshot(casePaths(paths))
		nowRules := snapshot(rulesetPaths(repo))
		if changed := diffStates(rules, nowRules); len(changed) > 0 {
			cases, rules = nowCases, nowRules
			cycle(paths, "changed "+strings.Join(changed, ", ")+": all cases")
			continue
		}
		if changed := diffStates(cases, nowCases); len(changed) > 0 {
			cases = nowCases
			var run []string
			for _, f := range changed {
				if _, ok := nowCases[f]; ok {
					run = append(run, f)
				}
			}
			if len(run) > 0 {
				cycle(run, "changed "+strings.Join(changed, ", "))
			}
		}
	}
}

// casePaths lists the case files of paths (as run finds them).
func casePaths(paths []string) []string {
	files, _ := caseFiles(paths)
	return files
}

// rulesetPaths lists the files of the repository's ruleset.
func rulesetPaths(repo string) []string {
	if repo == "" {
		return nil
	}
	out := []string{filepath.Join(repo, "ossec.conf")}
	for _, d := range []string{"rules", "decoders", "lists"} {
		filepath.WalkDir(filepath.Join(repo, d), func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				out = append(out, p)
			}
			return nil
		})
	}
	return out
}

func snapshot(files []string) map[string]fileState {
	m := make(map[string]fileState, len(files))
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			m[f] = fileState{st.ModTime(), st.Size()}
		}
	}
	return m
}

// diffStates returns the files added, removed or changed, sorted.
func diffStates(old, now map[string]fileState) []string {
	var out []string
	for f, s := range now {
		if o, ok := old[f]; !ok || o != s {
			out = append(out, f)
		}
	}
	for f := range old {
		if _, ok := now[f]; !ok {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// withoutWatch returns run's flag arguments without --watch.
func withoutWatch(args []string) []string {
	var out []string
	for _, a := range args {
		switch a {
		case "-watch", "--watch", "-watch=true", "--watch=true":
			continue
		}
		out = append(out, a)
	}
	return out
}
