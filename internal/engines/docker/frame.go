package docker

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ossec-logtest prints nothing that marks the end of one event's output,
// and prints nothing at all for a line it skips. The framer therefore
// writes a sync line after every event line and reads until the sync
// line's own "full event" appears: everything before it belongs to the
// event. The sync line's output is left over and skipped on the next
// read. A sync line decodes with no decoder and matches no alerting rule
// in any sane ruleset; if it ever alerts, the framer says so (its alert
// would change correlation state), rather than carry on silently.

const (
	phase1Header  = "**Phase 1: Completed pre-decoding."
	fullEventPfx  = "       full event: '"
	alertLine     = "**Alert to be generated."
	syncLinePfx   = "ruletest sync marker "
	maxFrameLines = 100000
)

// framer writes event lines to an ossec-logtest's stdin and cuts its
// merged output into one text block per event.
type framer struct {
	w       io.Writer
	r       *bufio.Reader
	seq     int
	nonce   string
	pending string // the sync block left over from the previous event
	prelude string // what the process printed before the first event
}

func newFramer(w io.Writer, r io.Reader, nonce string) *framer {
	return &framer{w: w, r: bufio.NewReaderSize(r, 64*1024), nonce: nonce}
}

func (f *framer) syncLine() string {
	return fmt.Sprintf("%s%s %d", syncLinePfx, f.nonce, f.seq)
}

// nextSyncLine is the sync line that the coming call of next writes.
func (f *framer) nextSyncLine() string {
	return fmt.Sprintf("%s%s %d", syncLinePfx, f.nonce, f.seq+1)
}

// SyncAlertError says that a sync line raised an alert, so correlation
// state may differ from what OSSEC would have after the case's lines alone.
type SyncAlertError struct {
	Block string
}

func (e *SyncAlertError) Error() string {
	return "docker engine: the framing sync line raised an alert, so later results of this case could differ from OSSEC's; its output:\n" + e.Block
}

// next sends line and returns the output ossec-logtest printed for it:
// "" when it printed nothing (a line it skips), else the text from the
// event's "**Phase 1" header on.
func (f *framer) next(line string) (string, error) {
	if strings.ContainsAny(line, "\n") {
		return "", errors.New("an event line cannot hold a newline")
	}
	f.seq++
	sync := f.syncLine()
	if _, err := io.WriteString(f.w, line+"\n"+sync+"\n"); err != nil {
		return "", fmt.Errorf("writing to ossec-logtest: %w", err)
	}
	want := fullEventPfx + sync + "'"
	var buf []string
	for n := 0; ; n++ {
		if n > maxFrameLines {
			return "", fmt.Errorf("ossec-logtest printed over %d lines for one event", maxFrameLines)
		}
		l, err := f.r.ReadString('\n')
		if err != nil {
			out := strings.Join(append(buf, l), "\n")
			if err == io.EOF {
				return "", fmt.Errorf("ossec-logtest ended before it analysed the line; it printed:\n%s", strings.TrimSpace(f.pending+out))
			}
			return "", fmt.Errorf("reading from ossec-logtest: %w", err)
		}
		l = strings.TrimSuffix(l, "\n")
		if l == want && len(buf) > 0 && buf[len(buf)-1] == phase1Header {
			buf = buf[:len(buf)-1]
			break
		}
		buf = append(buf, l)
	}
	// buf holds: the rest of the previous sync block (or the banner), then
	// the event's block from its "**Phase 1" header, if it printed one.
	start := -1
	for i, l := range buf {
		if l == phase1Header {
			start = i
			break
		}
	}
	var lead []string
	var block string
	if start < 0 {
		lead = buf
	} else {
		lead = buf[:start]
		block = strings.Join(buf[start:], "\n") + "\n"
	}
	prev := f.pending + strings.Join(lead, "\n")
	if f.seq == 1 {
		f.prelude = prev
	} else if strings.Contains(prev, alertLine) {
		return "", &SyncAlertError{Block: strings.TrimSpace(prev)}
	}
	f.pending = phase1Header + "\n" + want + "\n"
	return block, nil
}

// finish reads what is left after stdin was closed and checks the last
// sync block.
func (f *framer) finish() error {
	rest, err := io.ReadAll(f.r)
	if err != nil {
		return err
	}
	if f.seq > 0 && strings.Contains(f.pending+string(rest), alertLine) {
		return &SyncAlertError{Block: strings.TrimSpace(f.pending + string(rest))}
	}
	return nil
}
