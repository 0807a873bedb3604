package sandbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/pkg/bwrap"
)

// Result is a command's outcome with its output captured.
type Result struct {
	bwrap.Status
	Duration       time.Duration
	Stdout, Stderr []byte
}

// Capture runs the command with stdin (nil: /dev/null) and keeps its
// output in memory, at most limits.MaxOutput bytes of each stream: set a
// limit, or a command printing without end grows memory without end.
// forwardSignals is as for Run. When bwrap fails (a *bwrap.SetupError),
// the Result comes with the error: its Stderr holds bwrap's message.
func (sb *Sandbox) Capture(ctx context.Context, stdin io.Reader, limits bwrap.Limits, forwardSignals bool) (*Result, error) {
	var out, errOut bytes.Buffer
	start := time.Now()
	st, err := sb.Run(ctx, Streams{Stdin: stdin, Stdout: &out, Stderr: &errOut}, limits, forwardSignals)
	res := &Result{Status: st, Duration: time.Since(start), Stdout: out.Bytes(), Stderr: errOut.Bytes()}
	var setup *bwrap.SetupError
	if err != nil && !errors.As(err, &setup) {
		return nil, err
	}
	return res, err
}

// Report is the JSON object `shannot run --json` prints and the MCP
// tools return. docs/usage.md documents it.
type Report struct {
	ExitCode        int      `json:"exit_code"`
	Signal          *string  `json:"signal"`
	TimedOut        bool     `json:"timed_out"`
	DurationMS      int64    `json:"duration_ms"`
	Stdout          string   `json:"stdout"`
	StdoutEncoding  string   `json:"stdout_encoding"`
	Stderr          string   `json:"stderr"`
	StderrEncoding  string   `json:"stderr_encoding"`
	StdoutTruncated bool     `json:"stdout_truncated"`
	StderrTruncated bool     `json:"stderr_truncated"`
	Profile         string   `json:"profile"`
	Command         []string `json:"command"`
	// Error is shannot's own message when it refused or failed to run
	// the command (exit codes 124-127 say which).
	Error string `json:"error,omitempty"`
}

// Report describes the result for machines.
func (r *Result) Report(profile string, argv []string) Report {
	rep := Report{
		ExitCode:        r.ExitCode,
		TimedOut:        r.TimedOut,
		DurationMS:      r.Duration.Milliseconds(),
		StdoutTruncated: r.StdoutTruncated,
		StderrTruncated: r.StderrTruncated,
		Profile:         profile,
		Command:         argv,
	}
	rep.Stdout, rep.StdoutEncoding = encode(r.Stdout, r.StdoutTruncated)
	rep.Stderr, rep.StderrEncoding = encode(r.Stderr, r.StderrTruncated)
	if r.ExitCode > 128 && r.ExitCode < 128+65 && !r.TimedOut {
		if name := unix.SignalName(unix.Signal(r.ExitCode - 128)); name != "" {
			rep.Signal = &name
		}
	}
	return rep
}

// encode keeps text as it is and base64-encodes anything else, saying
// which it did: binary output is data, not a crash. Truncated text loses
// the partial character the cut may have left at its end.
func encode(b []byte, truncated bool) (string, string) {
	if truncated && !utf8.Valid(b) {
		// A cut may leave the first bytes of a character at the end.
		for k := 1; k < utf8.UTFMax && k <= len(b); k++ {
			head, tail := b[:len(b)-k], b[len(b)-k:]
			if !utf8.FullRune(tail) && utf8.Valid(head) {
				b = head
				break
			}
		}
	}
	if isText(b) {
		return string(b), "utf-8"
	}
	return base64.StdEncoding.EncodeToString(b), "base64"
}

// isText reports whether b is valid UTF-8 free of control characters
// other than tab, newline, carriage return, backspace, form feed and
// escape (terminal colours). JSON spells the others as six bytes each: a
// stream of zeros must not grow sixfold on its way to a client.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\b' && c != '\f' && c != 0x1b || c == 0x7f {
			return false
		}
	}
	return true
}
