package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/ossec-ruletest/ossec-ruletest/internal/initest"
)

const importUsage = `usage: ossec-ruletest import [-split] -o DIR FILE.ini...

Converts OSSEC rule tests (.ini files in the format of ossec-hids' tests/
directory) into txtar cases, DIR/NAME.txtar for each NAME.ini. Every log line
becomes a fresh session checked as ossec-logtest -U checks it. Repeated
sections and keys are reported and kept; nothing is merged. A case stops at
its first failing line: with -split every log line becomes a case of its own,
DIR/NAME/LLINE.txtar, so that each is scored.
`

func init() {
	RegisterCommand("import", "turn OSSEC .ini rule tests into txtar cases", runImport)
}

// runImport is the import subcommand.
func runImport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, importUsage) }
	out := fs.String("o", "", "directory to write the cases to")
	split := fs.Bool("split", false, "write one case per log line (DIR/NAME/LLINE.txtar)")
	files, err := parseMixed(fs, args)
	if err != nil {
		return 2
	}
	if *out == "" || len(files) == 0 {
		fs.Usage()
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	status := 0
	seen := map[string]string{}
	for _, path := range files {
		f, err := initest.Parse(path)
		if err != nil {
			fmt.Fprintln(stderr, err)
			status = 1
			continue
		}
		for _, w := range f.Warnings {
			fmt.Fprintf(stderr, "%s:%d: warning: %s\n", w.File, w.Line, w.Msg)
		}
		stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		name := stem + ".txtar"
		if *split {
			name = stem
		}
		if prev, ok := seen[name]; ok {
			fmt.Fprintf(stderr, "%s: would overwrite %s, written from %s\n", path, filepath.Join(*out, name), prev)
			status = 1
			continue
		}
		seen[name] = path
		dst := filepath.Join(*out, name)
		if err := writeCases(dst, f, *split); err != nil {
			fmt.Fprintln(stderr, err)
			status = 1
			continue
		}
		n := 0
		for _, s := range f.Sections {
			n += len(s.Logs)
		}
		fmt.Fprintf(stdout, "%s: %d log lines in %d sections -> %s\n", path, n, len(f.Sections), dst)
	}
	return status
}

// writeCases writes f as the case dst, or with split as one case per log
// line in the directory dst.
func writeCases(dst string, f *initest.File, split bool) error {
	if !split {
		return os.WriteFile(dst, txtar.Format(initest.Archive(f)), 0o644)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, c := range initest.Cases(f) {
		p := filepath.Join(dst, fmt.Sprintf("L%d.txtar", c.Log.Line))
		if err := os.WriteFile(p, txtar.Format(c.Archive), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// parseMixed parses args with fs, allowing flags after the operands
// ("import a.ini b.ini -o DIR"); "--" ends the flags. It returns the
// operands.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return operands, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(operands, rest...), nil
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
}
