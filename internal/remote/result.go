package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shannot-project/shannot/pkg/sandbox"
)

// Status is how a host's run went, as a fleet counts it.
type Status string

const (
	StatusOK          Status = "ok"          // the command ran and exited 0
	StatusFailed      Status = "failed"      // a nonzero status, a refusal, or the host was cut off
	StatusUnreachable Status = "unreachable" // ssh did not run the command
)

// exitFailure is shannot's own failure, as the CLI's exit status 125.
const exitFailure = 125

// Result is one host's outcome of a run: what the fleet runner counts and
// prints, and what the MCP server's remote runs return.
type Result struct {
	Target Target
	Status Status
	// ExitCode is the host's exit status: the remote command's (the
	// remote shannot's, 124 to 127 included) as ssh returned it, or 125
	// when the host was unreachable or cut off.
	ExitCode int
	// Report is the remote shannot's --json object, its output cut to
	// the run's --max-output; nil when none arrived, and for runs without
	// --json.
	Report *sandbox.Report
	// Err is why the host failed without a report: an
	// *UnreachableError (or ssh not running at all), an *OverflowError,
	// or a *NoResultError.
	Err error
}

// NoResultError is a --json run whose remote printed no result object.
type NoResultError struct {
	Output string // what it printed instead, cut to 1 KiB
}

func (e *NoResultError) Error() string {
	return "the remote shannot printed no result: " + e.Output
}

// MarshalJSON is the host's line in a --json run: the remote's object
// with "host" and "status" added or, without one, "exit_code" and
// "error"; keys sorted, <, > and & as they are.
func (r Result) MarshalJSON() ([]byte, error) {
	fields := map[string]any{"host": r.Target.String(), "status": r.Status}
	if r.Report != nil {
		var raw map[string]json.RawMessage
		b, err := encode(r.Report)
		if err == nil {
			err = json.Unmarshal(b, &raw)
		}
		if err != nil {
			return nil, err
		}
		for k, v := range raw {
			if _, ours := fields[k]; !ours {
				fields[k] = v
			}
		}
	} else {
		fields["exit_code"] = r.ExitCode
		if r.Err != nil {
			fields["error"] = r.Err.Error()
		}
	}
	return encode(fields)
}

// encode is json.Marshal without HTML escapes.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// decodeReport reads a remote shannot's --json object, which must have
// an exit_code, and cuts each output field to max bytes, setting its
// truncation flag, as a local run would have. It reports false for
// anything else.
func decodeReport(out []byte, max int64) (*sandbox.Report, bool) {
	var in struct {
		sandbox.Report
		ExitCode *int `json:"exit_code"` // present, or no result
	}
	if json.Unmarshal(out, &in) != nil || in.ExitCode == nil {
		return nil, false
	}
	rep := in.Report
	rep.ExitCode = *in.ExitCode
	var cut bool
	if rep.Stdout, cut = CapOutput(rep.Stdout, rep.StdoutEncoding, max); cut {
		rep.StdoutTruncated = true
	}
	if rep.Stderr, cut = CapOutput(rep.Stderr, rep.StderrEncoding, max); cut {
		rep.StderrTruncated = true
	}
	return &rep, true
}

// RunJSON runs a --json run (env.JSON set; cmd its [Envelope.CommandLine])
// on t, stdin passed on, the remote's stderr (its shannot's and ssh's
// messages) written to stderr, and returns the host's Result. What the
// host sends is capped by [CapsFor].
func (s SSH) RunJSON(ctx context.Context, t Target, cmd string, env *Envelope, stdin io.Reader, stderr io.Writer) Result {
	var out bytes.Buffer
	code, err := s.ExecCapped(ctx, t, cmd, stdin, &out, stderr, CapsFor(env.MaxOutput, env.Argv, true))
	if overflow := (*OverflowError)(nil); errors.As(err, &overflow) {
		return Result{Target: t, Status: StatusFailed, ExitCode: exitFailure, Err: err}
	}
	rep, parsed := decodeReport(out.Bytes(), env.MaxOutput)
	switch {
	case err != nil && parsed:
		// ssh's 255 was the command's own: its result arrived.
		code = sshFailed
	case err != nil:
		return Result{Target: t, Status: StatusUnreachable, ExitCode: exitFailure, Err: err}
	case !parsed:
		return Result{Target: t, Status: statusOf(code), ExitCode: code,
			Err: &NoResultError{Output: shorten(strings.TrimSpace(out.String()), 1024)}}
	}
	return Result{Target: t, Status: statusOf(code), ExitCode: code, Report: rep}
}

func statusOf(code int) Status {
	if code == 0 {
		return StatusOK
	}
	return StatusFailed
}

// Call runs env (a --json run) on t as the MCP server's remote tools do:
// stdin is given whole (empty: none), and the error says the host was not
// reached, was cut off, or gave no result, with what it said on stderr.
// A report that arrived is returned even when ssh exited 255: the status
// was then the command's own.
func (s SSH) Call(ctx context.Context, t Target, env *Envelope, self, stdin string) (sandbox.Report, error) {
	cmd, err := env.CommandLine(self)
	if err != nil {
		return sandbox.Report{}, err
	}
	if env.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.hangAfter(env.Timeout))
		defer cancel()
	}
	var in io.Reader
	if stdin != "" {
		in = strings.NewReader(stdin)
	}
	var errOut bytes.Buffer
	r := s.RunJSON(ctx, t, cmd, env, in, &errOut)
	var noResult *NoResultError
	switch {
	case r.Report != nil:
		return *r.Report, nil
	case errors.As(r.Err, &noResult):
		return sandbox.Report{}, fmt.Errorf("%s: the remote shannot gave no result (exit status %d): %s", t, r.ExitCode, shorten(strings.TrimSpace(errOut.String()), 1024))
	}
	return sandbox.Report{}, r.Err
}

// hangAfter is when a run with this timeout has hung: the remote kills
// the sandbox at the timeout; this ends a connection that says nothing
// after it.
func (s SSH) hangAfter(timeout time.Duration) time.Duration {
	return timeout + s.ConnectTimeout + 10*time.Second
}

// shorten cuts s to at most n bytes, between characters, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut, _ := CapOutput(s, "utf-8", int64(n))
	return cut + "..."
}
