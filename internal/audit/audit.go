package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/syslog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/bug"
	"github.com/shannot-project/shannot/internal/capread"
	"github.com/shannot-project/shannot/internal/hostconfig"
)

// Events of a run: one record before the command starts, so that a run
// whose end goes unrecorded (shannot killed) is still known, and one when
// it ends.
const (
	EventStart = "start"
	EventEnd   = "end"
)

// Record is one audited run.
type Record struct {
	Event         string    `json:"event"` // EventStart or EventEnd
	Time          time.Time `json:"time"`
	User          string    `json:"user"` // who invoked it: $SUDO_USER, or the name of the real uid
	UID           int       `json:"uid"`
	Profile       string    `json:"profile"`
	ProfileSHA256 string    `json:"profile_sha256"`
	Filter        string    `json:"filter,omitempty"`
	FilterSHA256  string    `json:"filter_sha256,omitempty"`
	Argv          []string  `json:"argv"`
	ExitStatus    int       `json:"exit_status"`
	DurationMS    int64     `json:"duration_ms"`
	Error         string    `json:"error,omitempty"` // why shannot refused or failed, if it did
	// Truncated says that argv or error were shortened to keep the record
	// within MaxRecord; ArgvSHA256, Argc and ArgvBytes still describe the
	// whole argv (its words joined by NUL bytes), whatever was cut.
	Truncated  bool   `json:"truncated,omitempty"`
	ArgvSHA256 string `json:"argv_sha256,omitempty"`
	Argc       int    `json:"argc,omitempty"`
	ArgvBytes  int    `json:"argv_bytes,omitempty"`
}

// MaxRecord bounds one record's JSON: syslog drops a datagram larger than
// its socket buffer (about 208 KB on Linux) without a word, and a record
// must never be lost for being long. Longer argv words and errors are
// cut, with a marker.
const MaxRecord = 8 << 10

// Config is /etc/shannot/config.json's audit part.
type Config struct {
	// File receives one JSON object a line; empty means syslog only.
	File string
}

// ConfigPath is where the administrator configures shannot.
const ConfigPath = hostconfig.Path

// LoadConfig reads the configuration with open (which, under sudo, only
// accepts root-owned files). A missing file is no error.
func LoadConfig(open capread.Opener) (Config, error) {
	h, err := hostconfig.Load(open)
	return Config{File: h.AuditLog}, err
}

// Log writes r to syslog and, when configured, to the audit file. It
// returns the errors met, joined; both destinations are always tried.
func Log(r Record, c Config) error {
	lines, err := Lines(r)
	if err != nil {
		return err
	}
	var errs []error
	if w, err := syslog.New(syslog.LOG_AUTHPRIV|syslog.LOG_NOTICE, "shannot"); err != nil {
		errs = append(errs, fmt.Errorf("syslog: %w", err))
	} else {
		for _, line := range lines {
			if err := w.Notice(string(line)); err != nil {
				errs = append(errs, fmt.Errorf("syslog: %w", err))
				break
			}
		}
		w.Close()
	}
	if c.File != "" {
		if err := appendLine(c.File, bytes.Join(lines, []byte("\n"))); err != nil {
			errs = append(errs, fmt.Errorf("audit log %s: %w", c.File, err))
		}
	}
	return errors.Join(errs...)
}

// EventArgv is a continuation record: a part of a shortened record's
// whole argv.
const EventArgv = "argv"

// ArgvPart is a continuation record. The parts' Chunk fields, joined in
// order, are the run's argv with its words joined by NUL bytes, whose
// digest is ArgvSHA256: the record it continues has the same digest.
type ArgvPart struct {
	Event      string `json:"event"` // EventArgv
	ArgvSHA256 string `json:"argv_sha256"`
	Part       int    `json:"part"` // from 1
	Parts      int    `json:"parts"`
	Chunk      string `json:"chunk"`
}

// Lines is r as JSON lines of at most MaxRecord bytes each: the record
// (Marshal), then, when its argv had to be shortened, continuation
// records that hold the whole argv. Nothing a caller passes is lost.
func Lines(r Record) ([][]byte, error) {
	line, err := Marshal(r)
	if err != nil {
		return nil, err
	}
	out := [][]byte{line}
	var head Record
	if err := json.Unmarshal(line, &head); err != nil {
		return nil, err
	}
	if slices.Equal(head.Argv, r.Argv) {
		return out, nil
	}
	rest := strings.Join(r.Argv, "\x00")
	var chunks []string
	for len(rest) > 0 {
		// Escaping grows a byte to six at most: a sixth of the room, at a
		// rune boundary.
		n := min(len(rest), (MaxRecord-256)/6)
		for n < len(rest) && n > 0 && !utf8.RuneStart(rest[n]) {
			n--
		}
		chunks = append(chunks, rest[:n])
		rest = rest[n:]
	}
	for i, c := range chunks {
		b, err := json.Marshal(ArgvPart{Event: EventArgv, ArgvSHA256: head.ArgvSHA256, Part: i + 1, Parts: len(chunks), Chunk: c})
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// appendLine appends one line with a single write, which O_APPEND keeps
// whole when several runs log at once. O_NOFOLLOW: a symlink planted in
// its place must not make root append to another file.
func appendLine(path string, line []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(append(line, '\n'))
	return errors.Join(werr, f.Close())
}

// Marshal is r as one JSON line of at most MaxRecord bytes: argv words
// and the error are shortened, longest first, until it fits; then words
// are dropped from the middle, so that both ends of the command line,
// where a caller would hide what matters, stay. The digest and counts of
// the whole argv are always recorded.
func Marshal(r Record) ([]byte, error) {
	joined := strings.Join(r.Argv, "\x00")
	sum := sha256.Sum256([]byte(joined))
	r.ArgvSHA256, r.Argc, r.ArgvBytes = hex.EncodeToString(sum[:]), len(r.Argv), len(joined)
	r.Argv = append([]string(nil), r.Argv...)
	fits := func() ([]byte, bool, error) {
		line, err := json.Marshal(r)
		return line, err == nil && len(line) <= MaxRecord, err
	}
	// Halve the longest field until all are short.
	for {
		line, ok, err := fits()
		if ok || err != nil {
			return line, err
		}
		r.Truncated = true
		longest, at := len(r.Error), -1
		for i, a := range r.Argv {
			if len(a) > longest {
				longest, at = len(a), i
			}
		}
		if longest <= 64 {
			break
		}
		if at < 0 {
			r.Error = shorten(r.Error, longest/2)
		} else {
			r.Argv[at] = shorten(r.Argv[at], longest/2)
		}
	}
	// Then drop words from the middle.
	words := r.Argv
	for keep := len(words) / 2; keep >= 1; keep = keep * 3 / 4 {
		r.Argv = slices.Concat(words[:keep], []string{fmt.Sprintf("[%d words cut]", len(words)-2*keep)}, words[len(words)-keep:])
		if line, ok, err := fits(); ok || err != nil {
			return line, err
		}
	}
	return nil, bug.Errorf("audit record does not fit in %d bytes", MaxRecord)
}

// shorten keeps about n bytes of s, half from its start and half from its
// end (at rune boundaries), and says how much was cut from the middle:
// padding at either end cannot push a name out of the record.
func shorten(s string, n int) string {
	head, tail := n/2, len(s)-n/2
	for head > 0 && head < len(s) && !utf8.RuneStart(s[head]) {
		head--
	}
	for tail < len(s) && tail > head && !utf8.RuneStart(s[tail]) {
		tail++
	}
	if tail <= head {
		return s
	}
	return fmt.Sprintf("%s...[%d bytes cut]...%s", s[:head], tail-head, s[tail:])
}
