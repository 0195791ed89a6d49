// Package corpus reads log corpora as a stream of events: files, folders
// (every regular file below them, in name order), gzip-compressed files
// (by their magic bytes, whatever their name) and "-" for standard input.
// Memory does not grow with the corpus: one line is held at a time.
//
// Each line is one event. A line is either an ossec-logtest input line
// (fed as analysisd reads a line typed into ossec-logtest: queue 1,
// location "stdin") or an OSSEC queue message "ID:LOCATION:TEXT" as
// analysisd reads it from its queue, for example a file-integrity event
// sent by an agent:
//
//	8:(web01) 10.0.0.5->syscheck:1024:33188:0:0:d41d...:da39...:e3b0... /etc/hosts
//
// Detection rule: a line is a queue message when it starts with a queue
// identifier digit from 1 to 9 and a colon, followed by a LOCATION that is
// either an agent location "(NAME) ADDRESS->WHERE" (the location then ends
// at the first colon after "->") or a local location without colon or
// blank that is "stdin", "syscheck", "rootcheck", "hostinfo" or an
// absolute path (starts with "/"), followed by a colon. Syslog lines start
// with a month name or a year and never look like that. A plain line that
// happens to match can be read as plain with Options.Plain. Lines hold one
// event each, so a file-integrity message carries no "what changed" text.
//
// Each event also gets its source host (Event.Host): the agent name of an
// agent location, else the hostname of a syslog header, else "" (the
// manager itself or a line without header).
package corpus

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ossec-ruletest/ossec-ruletest/engine"
)

// Event is one line of a corpus.
type Event struct {
	// Seq is the event's position in the whole corpus (all inputs), from 0.
	Seq int64
	// Source is the file the line came from ("-" for standard input) and
	// Line its line number there, from 1.
	Source string
	Line   int
	// Message is what analysisd reads: for a plain line, queue 1 and
	// location "stdin", as ossec-logtest feeds it.
	Message engine.Message
	// Queued is true when the line was a queue message "ID:LOCATION:TEXT".
	Queued bool
	// Host is the source host: the agent name, else the syslog hostname,
	// else "".
	Host string
}

// Options change how lines are read.
type Options struct {
	// Plain reads every line as an ossec-logtest input line, never as a
	// queue message.
	Plain bool
	// MaxLine is the longest line accepted, in bytes (default 1 MiB); a
	// longer line is an error naming file:line.
	MaxLine int
}

// Reader streams the events of a list of inputs.
type Reader struct {
	opts   Options
	inputs []string
	all    []string // expanded inputs
	files  []string // expanded, pending
	stdin  io.Reader

	cur     *bufio.Reader
	closer  io.Closer
	counter *countReader
	name    string
	line    int
	seq     int64
	err     error

	// done is the size of the inputs already read completely, for progress.
	done int64
}

// Open prepares a Reader of inputs: files, directories (walked, every
// regular file in lexical order, hidden files and directories skipped)
// and "-" (standard input, at most once). It fails when an input does not
// exist.
func Open(inputs []string, opts Options) (*Reader, error) {
	if opts.MaxLine <= 0 {
		opts.MaxLine = 1 << 20
	}
	r := &Reader{opts: opts, inputs: inputs, stdin: os.Stdin}
	stdinSeen := false
	for _, in := range inputs {
		if in == "-" {
			if stdinSeen {
				return nil, errors.New("corpus: \"-\" (standard input) given twice")
			}
			stdinSeen = true
			r.files = append(r.files, in)
			continue
		}
		fi, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		if !fi.IsDir() {
			r.files = append(r.files, in)
			continue
		}
		var found []string
		err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != in && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		sort.Strings(found)
		r.files = append(r.files, found...)
	}
	r.all = append([]string(nil), r.files...)
	return r, nil
}

// SetStdin replaces the standard input the Reader reads for "-".
func (r *Reader) SetStdin(in io.Reader) { r.stdin = in }

// Files returns the files the inputs expanded to, in reading order.
func (r *Reader) Files() []string { return append([]string(nil), r.all...) }

// TotalSize is the sum of the sizes of the input files on disk (standard
// input counts 0), for progress reports.
func (r *Reader) TotalSize() int64 {
	var n int64
	for _, f := range r.all {
		if f == "-" {
			continue
		}
		if fi, err := os.Stat(f); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// BytesRead is how many bytes of the input files have been read so far
// (compressed bytes for gzip files; standard input counts 0).
func (r *Reader) BytesRead() int64 {
	n := r.done
	if r.counter != nil && r.name != "-" {
		n += r.counter.n
	}
	return n
}

// Next returns the next event. It returns io.EOF after the last one, and
// an error naming file:line for an input it cannot read.
func (r *Reader) Next() (Event, error) {
	if r.err != nil {
		return Event{}, r.err
	}
	for {
		if r.cur == nil {
			if len(r.files) == 0 {
				r.err = io.EOF
				return Event{}, io.EOF
			}
			if err := r.openNext(); err != nil {
				r.err = err
				return Event{}, err
			}
		}
		line, err := r.readLine()
		if err == io.EOF {
			r.closeCur()
			continue
		}
		if err != nil {
			r.err = err
			r.closeCur()
			return Event{}, err
		}
		r.line++
		ev := Parse(line, r.opts)
		ev.Seq = r.seq
		ev.Source = r.name
		ev.Line = r.line
		r.seq++
		return ev, nil
	}
}

// Close releases the file being read.
func (r *Reader) Close() error {
	r.closeCur()
	r.files = nil
	return nil
}

func (r *Reader) openNext() error {
	name := r.files[0]
	r.files = r.files[1:]
	var src io.Reader
	var closer io.Closer
	if name == "-" {
		src = r.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("corpus: %w", err)
		}
		src, closer = f, f
	}
	r.counter = &countReader{r: src}
	br := bufio.NewReaderSize(r.counter, 64<<10)
	magic, _ := br.Peek(2)
	if bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			if closer != nil {
				closer.Close()
			}
			return fmt.Errorf("corpus: %s: %w", name, err)
		}
		zr.Multistream(true)
		br = bufio.NewReaderSize(zr, 64<<10)
		closer = multiCloser{zr, closer}
	}
	r.cur, r.closer, r.name, r.line = br, closer, name, 0
	return nil
}

func (r *Reader) closeCur() {
	if r.closer != nil {
		r.closer.Close()
	}
	if r.counter != nil && r.name != "-" {
		r.done += r.counter.n
	}
	r.cur, r.closer, r.counter = nil, nil, nil
}

// readLine reads one line without its "\n" (and "\r\n").
func (r *Reader) readLine() (string, error) {
	var buf []byte
	for {
		chunk, err := r.cur.ReadSlice('\n')
		if len(buf)+len(chunk) > r.opts.MaxLine {
			return "", fmt.Errorf("%s:%d: line longer than %d bytes", r.name, r.line+1, r.opts.MaxLine)
		}
		switch err {
		case nil:
			buf = append(buf, chunk...)
			s := string(bytes.TrimSuffix(buf[:len(buf)-1], []byte("\r")))
			return s, nil
		case bufio.ErrBufferFull:
			buf = append(buf, chunk...)
			continue
		case io.EOF:
			buf = append(buf, chunk...)
			if len(buf) == 0 {
				return "", io.EOF
			}
			return string(bytes.TrimSuffix(buf, []byte("\r"))), nil
		default:
			return "", fmt.Errorf("%s:%d: %w", r.name, r.line+1, err)
		}
	}
}

// Parse makes an event of one line (Seq, Source and Line left zero).
func Parse(line string, opts Options) Event {
	if !opts.Plain {
		if q, loc, text, ok := SplitQueued(line); ok {
			return Event{Message: engine.Message{Queue: q, Location: loc, Text: text}, Queued: true, Host: hostOf(loc, text)}
		}
	}
	return Event{Message: engine.Message{Queue: engine.QueueLocalFile, Location: "stdin", Text: line}, Host: syslogHost(line)}
}

// SplitQueued splits a queue message "ID:LOCATION:TEXT" by the detection
// rule of the package documentation. ok is false for a plain line.
func SplitQueued(line string) (queue byte, location, text string, ok bool) {
	if len(line) < 4 || line[0] < '1' || line[0] > '9' || line[1] != ':' {
		return 0, "", "", false
	}
	rest := line[2:]
	if rest[0] == '(' {
		close := strings.Index(rest, ") ")
		arrow := strings.Index(rest, "->")
		if close < 2 || arrow < close {
			return 0, "", "", false
		}
		c := strings.IndexByte(rest[arrow:], ':')
		if c < 0 {
			return 0, "", "", false
		}
		return line[0], rest[:arrow+c], rest[arrow+c+1:], true
	}
	c := strings.IndexByte(rest, ':')
	if c <= 0 {
		return 0, "", "", false
	}
	loc := rest[:c]
	if strings.ContainsAny(loc, " \t") {
		return 0, "", "", false
	}
	switch {
	case loc == "stdin", loc == "syscheck", loc == "rootcheck", loc == "hostinfo", loc[0] == '/':
		return line[0], loc, rest[c+1:], true
	}
	return 0, "", "", false
}

// hostOf is the source host of a queue message.
func hostOf(loc, text string) string {
	if strings.HasPrefix(loc, "(") {
		if i := strings.Index(loc, ") "); i > 1 {
			return loc[1:i]
		}
	}
	if loc == "syscheck" || loc == "rootcheck" || loc == "hostinfo" {
		return ""
	}
	return syslogHost(text)
}

var months = map[string]bool{
	"Jan": true, "Feb": true, "Mar": true, "Apr": true, "May": true, "Jun": true,
	"Jul": true, "Aug": true, "Sep": true, "Oct": true, "Nov": true, "Dec": true,
}

// syslogHost returns the hostname of a line with a syslog header
// "Mmm dd hh:mm:ss HOST ..." or "YYYY-MM-DDThh:mm:ss... HOST ...", else "".
func syslogHost(line string) string {
	f := strings.SplitN(line, " ", 6)
	if len(f) >= 5 && months[f[0]] {
		// "Sep 15 00:26:10 host" or "Sep  5 00:26:10 host".
		i := 1
		if f[i] == "" {
			i++
		}
		if i+2 < len(f) && strings.Count(f[i+1], ":") == 2 {
			return f[i+2]
		}
		return ""
	}
	if len(f) >= 2 && len(f[0]) >= 19 && f[0][4] == '-' && f[0][10] == 'T' {
		return f[1]
	}
	return ""
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type multiCloser struct {
	a io.Closer
	b io.Closer
}

func (m multiCloser) Close() error {
	err := m.a.Close()
	if m.b != nil {
		if e := m.b.Close(); err == nil {
			err = e
		}
	}
	return err
}

// SyslogTime returns the time of a syslog header at the start of text:
// "Mmm dd hh:mm:ss" (in year, UTC) or an RFC 3339 timestamp.
func SyslogTime(text string, year int) (time.Time, bool) {
	if len(text) >= 15 && months[text[:3]] && text[3] == ' ' {
		t, err := time.Parse("Jan _2 15:04:05", text[:15])
		if err != nil {
			return time.Time{}, false
		}
		return t.AddDate(year, 0, 0), true
	}
	if len(text) >= 19 && text[4] == '-' && text[10] == 'T' {
		end := strings.IndexByte(text, ' ')
		if end < 0 {
			end = len(text)
		}
		t, err := time.Parse(time.RFC3339Nano, text[:end])
		if err != nil {
			return time.Time{}, false
		}
		return t.UTC(), true
	}
	return time.Time{}, false
}
