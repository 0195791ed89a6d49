package harness

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// A case file is input, not code: run executes the cases of a rules
// repository (a pull request's, in CI) with the rights of whoever runs it.
// testscript, which reads the case files, has built-in commands that run
// programs (exec), change files anywhere (cp, mv, rm, chmod, symlink, ...)
// and read any file (cmp, grep, logtest <FILE with an absolute path), and
// it writes each file of the archive at its name joined to the work
// directory: "-- /etc/cron.d/x --" or "-- ../../x --" writes outside it.
// checkConfined refuses such a case before testscript sees it, so that a
// case can only feed events, assert verdicts, and compare output and files
// of its own work directory.

// confinedBuiltins are the testscript built-in commands a case may use:
// they read the output of the last command or files of the work directory
// (their file arguments are checked), or only end or skip the case. env
// sets variables for the later lines, which run no programs.
var confinedBuiltins = []string{"cmp", "cmpenv", "env", "exists", "grep", "skip", "stderr", "stdout", "stop"}

// checkConfined returns an error naming file:line for the first script line
// or archive file name of data (file's content) that reaches outside the
// case's work directory.
func checkConfined(file string, data []byte) error {
	inScript := true
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if name, ok := fileMarker(line); ok {
			inScript = false
			if why := outsidePath(name); why != "" {
				return fmt.Errorf("%s:%d: archive file %q %s: a case's files stay in its work directory", file, i+1, name, why)
			}
			continue
		}
		if !inScript {
			continue
		}
		if err := checkScriptLine(line); err != nil {
			return fmt.Errorf("%s:%d: %v", file, i+1, err)
		}
	}
	return nil
}

// fileMarker is txtar's "-- NAME --" line.
func fileMarker(line string) (string, bool) {
	if !strings.HasPrefix(line, "-- ") || !strings.HasSuffix(line, " --") || len(line) < 7 {
		return "", false
	}
	name := strings.TrimSpace(line[3 : len(line)-3])
	return name, name != ""
}

// checkScriptLine checks one line of a case's script.
func checkScriptLine(line string) error {
	words := scriptWords(line)
	for len(words) > 0 && (words[0] == "!" || words[0] == "?" || strings.HasPrefix(words[0], "[")) {
		words = words[1:]
	}
	if len(words) == 0 {
		return nil
	}
	name, args := words[0], words[1:]
	if _, ours := Commands()[name]; ours {
		if name == "logtest" {
			for _, a := range args {
				if f, ok := strings.CutPrefix(a, "<"); ok && !strings.ContainsAny(f, " \t") {
					if why := outsidePath(f); why != "" {
						return fmt.Errorf("logtest: input file %q %s: a case reads only files of its work directory", f, why)
					}
				}
			}
		}
		return nil
	}
	if !slices.Contains(confinedBuiltins, name) {
		return fmt.Errorf("%s: not a command a case may use: run executes no programs of a case and writes nothing outside its work directory (case commands: %s; and testscript's %s)",
			name, strings.Join(commandNames(), ", "), strings.Join(confinedBuiltins, ", "))
	}
	var files []string
	switch name {
	case "env":
		for _, a := range args {
			if k, _, ok := strings.Cut(a, "="); ok && k == "WORK" {
				return fmt.Errorf("env: a case may not set WORK (its file arguments may start with $WORK, its work directory)")
			}
		}
	case "cmp", "cmpenv":
		for _, a := range args {
			if a != "stdout" && a != "stderr" {
				files = append(files, a)
			}
		}
	case "exists", "grep":
		var plain []string
		for _, a := range args {
			if !strings.HasPrefix(a, "-") {
				plain = append(plain, a)
			}
		}
		if name == "grep" && len(plain) > 0 {
			plain = plain[1:] // the pattern
		}
		files = plain
	}
	for _, f := range files {
		if why := outsidePath(f); why != "" {
			return fmt.Errorf("%s: file %q %s: a case reads only files of its work directory", name, f, why)
		}
	}
	return nil
}

// scriptWords splits a script line into words as testscript does: at
// blanks outside single quotes, up to a comment; quotes are removed.
func scriptWords(line string) []string {
	var words []string
	var b strings.Builder
	quoted, inWord := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'':
			quoted, inWord = !quoted, true
			continue
		case !quoted && (c == ' ' || c == '\t'):
			if inWord {
				words = append(words, b.String())
				b.Reset()
				inWord = false
			}
			continue
		case !quoted && c == '#' && !inWord:
			i = len(line)
			continue
		}
		b.WriteByte(c)
		inWord = true
	}
	if inWord {
		words = append(words, b.String())
	}
	return words
}

// outsidePath says why the file name p, relative to the work directory,
// may stand for a file outside it ("" when it cannot): absolute, going up
// with "..", or expanded from a variable other than $WORK at its start.
func outsidePath(p string) string {
	for _, work := range []string{"$WORK", "${WORK}"} {
		if rest, ok := strings.CutPrefix(p, work); ok && (rest == "" || rest[0] == '/') {
			p = "." + rest
			break
		}
	}
	switch {
	case strings.Contains(p, "$"):
		return "is expanded from a variable"
	case filepath.IsAbs(p) || strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || filepath.VolumeName(p) != "":
		return "is an absolute path"
	case slices.Contains(strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }), ".."):
		return "goes up with .."
	}
	return ""
}

// commandNames returns the case commands' names, sorted.
func commandNames() []string {
	var names []string
	for n := range Commands() {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
