package sandbox

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/pkg/launch"
)

// Result is a command's outcome with its output captured.
type Result struct {
	launch.Status
	Duration       time.Duration
	Stdout, Stderr []byte
}

// Capture runs the command with stdin (nil: /dev/null) and keeps its
// output in memory, at most limits.MaxOutput bytes of each stream: set a
// limit, or a command printing without end grows memory without end.
// forwardSignals is as for Run. When bwrap fails (a *launch.SetupError),
// the Result comes with the error: its Stderr holds bwrap's message.
func (sb *Sandbox) Capture(ctx context.Context, stdin io.Reader, limits launch.Limits, forwardSignals bool) (*Result, error) {
	var out, errOut chunks
	start := time.Now()
	st, err := sb.Run(ctx, Streams{Stdin: stdin, Stdout: &out, Stderr: &errOut}, limits, forwardSignals)
	res := &Result{Status: st, Duration: time.Since(start), Stdout: out.bytes(), Stderr: errOut.bytes()}
	var setup *launch.SetupError
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

// Report describes the result for machines. For large output, WriteJSON
// writes the same object without holding its encoding in memory.
func (r *Result) Report(profile string, argv []string) Report {
	rep := r.report(profile, argv)
	if rep.StdoutEncoding == "base64" {
		rep.Stdout = base64.StdEncoding.EncodeToString(trimCut(r.Stdout, r.StdoutTruncated))
	} else {
		rep.Stdout = string(trimCut(r.Stdout, r.StdoutTruncated))
	}
	if rep.StderrEncoding == "base64" {
		rep.Stderr = base64.StdEncoding.EncodeToString(trimCut(r.Stderr, r.StderrTruncated))
	} else {
		rep.Stderr = string(trimCut(r.Stderr, r.StderrTruncated))
	}
	return rep
}

// report is Report without the output itself: the encodings are set,
// Stdout and Stderr are empty.
func (r *Result) report(profile string, argv []string) Report {
	rep := Report{
		ExitCode:        r.ExitCode,
		TimedOut:        r.TimedOut,
		DurationMS:      r.Duration.Milliseconds(),
		StdoutTruncated: r.StdoutTruncated,
		StderrTruncated: r.StderrTruncated,
		Profile:         profile,
		Command:         argv,
	}
	rep.StdoutEncoding = encoding(trimCut(r.Stdout, r.StdoutTruncated))
	rep.StderrEncoding = encoding(trimCut(r.Stderr, r.StderrTruncated))
	if r.ExitCode > 128 && r.ExitCode < 128+65 && !r.TimedOut {
		if name := unix.SignalName(unix.Signal(r.ExitCode - 128)); name != "" {
			rep.Signal = &name
		}
	}
	return rep
}

// trimCut drops the partial character a cut may have left at the end
// of truncated text.
func trimCut(b []byte, truncated bool) []byte {
	if truncated && !utf8.Valid(b) {
		// A cut may leave the first bytes of a character at the end.
		for k := 1; k < utf8.UTFMax && k <= len(b); k++ {
			head, tail := b[:len(b)-k], b[len(b)-k:]
			if !utf8.FullRune(tail) && utf8.Valid(head) {
				return head
			}
		}
	}
	return b
}

// encoding says how output is shown: text as it is, anything else
// base64-encoded. Binary output is data, not a crash.
func encoding(b []byte) string {
	if isText(b) {
		return "utf-8"
	}
	return "base64"
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
