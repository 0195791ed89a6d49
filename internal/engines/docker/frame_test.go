package docker

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ossec-ruletest/ossec-ruletest/internal/logtestfmt"
)

// recorded reads real ossec-logtest output recorded by the logtestfmt
// package: the input lines and the output split into one block per
// analysed event (from its "**Phase 1" header on), plus the banner.
func recorded(t *testing.T, name string) (lines, blocks []string, banner string) {
	t.Helper()
	in, err := os.ReadFile("../../logtestfmt/testdata/" + name + ".log")
	if err != nil {
		t.Skipf("recorded output not available: %v", err)
	}
	out, err := os.ReadFile("../../logtestfmt/testdata/" + name + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	lines = strings.Split(strings.TrimSuffix(string(in), "\n"), "\n")
	parts := strings.Split(string(out), phase1Header+"\n")
	banner = parts[0]
	for _, p := range parts[1:] {
		blocks = append(blocks, phase1Header+"\n"+p)
	}
	return lines, blocks, banner
}

// fakeLogtestStream plays ossec-logtest: for every line written to it, it
// prints the next recorded block (nothing for lines under 2 bytes), and
// for a sync line the block real ossec-logtest prints for an undecoded
// line, with syncExtra appended.
func fakeLogtestStream(t *testing.T, blocks []string, banner, syncExtra string) (io.WriteCloser, io.Reader) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	// Input is read apart from output, as the kernel's pipe buffers do
	// for a real process.
	in := make(chan string, 1000)
	go func() {
		defer close(in)
		sc := bufio.NewScanner(inR)
		for sc.Scan() {
			in <- sc.Text()
		}
	}()
	go func() {
		defer outW.Close()
		fmt.Fprint(outW, banner)
		k := 0
		for l := range in {
			switch {
			case len(l) < 2:
			case strings.HasPrefix(l, syncLinePfx):
				fmt.Fprintf(outW, "\n\n%s\n       full event: '%s'\n       hostname: 'melancia'\n       program_name: '(null)'\n       log: '%s'\n%s",
					phase1Header, l, l, syncExtra)
			default:
				if k >= len(blocks) {
					outW.CloseWithError(errors.New("more lines than recorded blocks"))
					return
				}
				fmt.Fprint(outW, blocks[k])
				k++
			}
		}
	}()
	return inW, outR
}

func TestFramerOnRecordedOutput(t *testing.T) {
	for _, name := range []string{"mix", "freq"} {
		t.Run(name, func(t *testing.T) {
			lines, blocks, banner := recorded(t, name)
			w, r := fakeLogtestStream(t, blocks, banner, "")
			f := newFramer(w, r, "test")
			var got []string
			for i, l := range lines {
				b, err := f.next(l)
				if err != nil {
					t.Fatalf("line %d: %v", i+1, err)
				}
				if len(l) < 2 {
					if b != "" {
						t.Errorf("line %d (skipped by ossec-logtest): block %q", i+1, b)
					}
					continue
				}
				// Blank lines between events belong to neither.
				got = append(got, strings.TrimRight(b, "\n"))
			}
			w.Close()
			if err := f.finish(); err != nil {
				t.Fatal(err)
			}
			for i := range blocks {
				blocks[i] = strings.TrimRight(blocks[i], "\n")
			}
			if diff := cmp.Diff(blocks, got); diff != "" {
				t.Errorf("blocks differ from the recorded ones (-want +got):\n%s", diff)
			}
			// Each block parses alone to the result the whole output gives.
			whole, err := os.Open("../../logtestfmt/testdata/" + name + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			defer whole.Close()
			want, err := logtestfmt.Parse(whole)
			if err != nil {
				t.Fatal(err)
			}
			for i, b := range got {
				one, err := logtestfmt.Parse(strings.NewReader(b))
				if err != nil || len(one) != 1 {
					t.Fatalf("block %d: %d results, %v", i, len(one), err)
				}
				if diff := cmp.Diff(want[i], one[0]); diff != "" {
					t.Errorf("block %d parses differently alone (-whole +alone):\n%s", i, diff)
				}
			}
			if !strings.Contains(f.prelude, "Type one log per line.") {
				t.Errorf("banner not kept as the prelude: %q", f.prelude)
			}
		})
	}
}

func TestFramerReportsAnAlertingSyncLine(t *testing.T) {
	lines, blocks, banner := recorded(t, "mix")
	extra := "\n**Phase 3: Completed filtering (rules).\n       Rule id: '100999'\n       Level: '5'\n       Description: 'matches anything'\n" + alertLine + "\n\n"
	w, r := fakeLogtestStream(t, blocks, banner, extra)
	f := newFramer(w, r, "test")
	if _, err := f.next(lines[0]); err != nil {
		t.Fatalf("first line: %v", err)
	}
	// The first sync line's alert shows when the next line is read.
	_, err := f.next(lines[1])
	var sa *SyncAlertError
	if !errors.As(err, &sa) || !strings.Contains(sa.Block, "100999") {
		t.Fatalf("second line: %v; want a SyncAlertError naming rule 100999", err)
	}
}

func TestFramerReportsEarlyExit(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	go func() {
		io.Copy(io.Discard, inR)
	}()
	go func() {
		fmt.Fprint(outW, "2026/11/26 10:19:16 ossec-testrule(1202): ERROR: Configuration error at 'etc/ossec.conf'. Exiting.\n")
		outW.Close()
	}()
	f := newFramer(inW, outR, "test")
	_, err := f.next("some line")
	if err == nil || !strings.Contains(err.Error(), "Configuration error") || !strings.Contains(err.Error(), "ended before") {
		t.Fatalf("got %v; want the program's own error and that it ended", err)
	}
}

func TestFramerRejectsNewline(t *testing.T) {
	f := newFramer(io.Discard, strings.NewReader(""), "test")
	if _, err := f.next("two\nlines"); err == nil {
		t.Fatal("a line with a newline was accepted")
	}
}
