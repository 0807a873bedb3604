package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Fleet runs one envelope on one host or many.
type Fleet struct {
	SSH     SSH
	Targets []Target
	// Parallel is how many hosts of a fleet run at once (at least 1).
	Parallel int
	// Stdin is passed on to a single host; a fleet's hosts read nothing.
	Stdin io.Reader
	// Stdout and Stderr receive the hosts' output: a single host's as
	// it is, a fleet's behind "HOST: ", and the summary.
	Stdout, Stderr io.Writer
}

// Run runs env (cmd is its [Envelope.CommandLine]) on every target and
// returns shannot's exit status for the run, with an error to print as
// "shannot: ERROR" when the failure was shannot's or ssh's rather than
// the command's.
//
// One host runs as if local: output unprefixed, stdin passed on, the
// command's exit status; an unreachable or cut-off host is exit status
// 125 and the error. With --json, its Result is printed as one JSON
// object.
//
// A fleet runs Parallel hosts at once, each with its own connection;
// every line a host prints is prefixed with the host (a line longer than
// 64 KiB in pieces, each prefixed), a host that fails without running
// the command is reported on stderr, and a summary ends on stderr:
//
//	shannot: 3 hosts: 2 ok, 0 failed, 1 unreachable
//
// With --json each host prints its Result as one line. A fleet's exit
// status is 0 when every host ran the command with status 0, and 1
// otherwise; the error is then nil.
//
// With a timeout, a host still connected that long past it (plus the
// connect timeout and 10s) is given up as unreachable.
func (f Fleet) Run(env *Envelope, cmd string) (int, error) {
	var deadline time.Duration
	if env.Timeout > 0 {
		deadline = f.SSH.hangAfter(env.Timeout)
	}
	if len(f.Targets) == 1 {
		return f.runOne(f.Targets[0], cmd, deadline, env)
	}
	results := f.runAll(cmd, deadline, env)
	ok, failed, unreachable := 0, 0, 0
	for _, r := range results {
		switch r.Status {
		case StatusOK:
			ok++
		case StatusUnreachable:
			unreachable++
		default:
			failed++
		}
	}
	fmt.Fprintf(f.Stderr, "shannot: %d hosts: %d ok, %d failed, %d unreachable\n", len(f.Targets), ok, failed, unreachable)
	if ok == len(f.Targets) {
		return 0, nil
	}
	return 1, nil
}

func withDeadline(d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(context.Background(), d)
	}
	return context.WithCancel(context.Background())
}

// runOne runs on one host as if local. What the host sends is capped as
// the run's limits cap a local run: a host sending more is cut off.
func (f Fleet) runOne(t Target, cmd string, deadline time.Duration, env *Envelope) (int, error) {
	ctx, cancel := withDeadline(deadline)
	defer cancel()
	if !env.JSON {
		code, err := f.SSH.ExecCapped(ctx, t, cmd, f.Stdin, f.Stdout, f.Stderr, CapsFor(env.MaxOutput, env.Argv, false))
		if err != nil {
			return exitFailure, err
		}
		return code, nil
	}
	r := f.SSH.RunJSON(ctx, t, cmd, env, f.Stdin, f.Stderr)
	if err := jsonLine(f.Stdout).Encode(r); err != nil {
		return exitFailure, err
	}
	var noResult *NoResultError
	if errors.As(r.Err, &noResult) {
		return r.ExitCode, nil // the object says it
	}
	return r.ExitCode, r.Err
}

// runAll runs on every host, Parallel at a time, and returns each one's
// Result, in the order of f.Targets.
func (f Fleet) runAll(cmd string, deadline time.Duration, env *Envelope) []Result {
	results := make([]Result, len(f.Targets))
	slots := make(chan struct{}, max(1, f.Parallel))
	var mu sync.Mutex // one line at a time on each stream
	var wg sync.WaitGroup
	for i, t := range f.Targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			ctx, cancel := withDeadline(deadline)
			defer cancel()
			errOut := &prefixWriter{mu: &mu, w: f.Stderr, prefix: t.String() + ": "}
			if env.JSON {
				r := f.SSH.RunJSON(ctx, t, cmd, env, nil, errOut)
				errOut.flush()
				mu.Lock()
				jsonLine(f.Stdout).Encode(r)
				mu.Unlock()
				results[i] = r
				return
			}
			out := &prefixWriter{mu: &mu, w: f.Stdout, prefix: t.String() + ": "}
			code, err := f.SSH.ExecCapped(ctx, t, cmd, nil, out, errOut, CapsFor(env.MaxOutput, env.Argv, false))
			out.flush()
			errOut.flush()
			results[i] = Result{Target: t, Status: statusOf(code), ExitCode: code}
			if err != nil {
				mu.Lock()
				fmt.Fprintf(f.Stderr, "shannot: %v\n", err)
				mu.Unlock()
				results[i] = Result{Target: t, Status: StatusUnreachable, ExitCode: exitFailure, Err: err}
				if overflow := (*OverflowError)(nil); errors.As(err, &overflow) {
					results[i].Status = StatusFailed
				}
			}
		}()
	}
	wg.Wait()
	return results
}

// jsonLine writes one JSON value a line; <, > and & stay as they are.
func jsonLine(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// prefixWriter writes whole lines, each behind a prefix, under a lock
// shared by every host. A line longer than maxPrefixedLine is written in
// pieces of that size, each behind the prefix: a host sending no newline
// holds no more than that in memory.
type prefixWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		next := i + 1
		if i < 0 {
			if len(p.buf) < maxPrefixedLine {
				break
			}
			i, next = maxPrefixedLine, maxPrefixedLine
		}
		p.mu.Lock()
		_, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i])
		p.mu.Unlock()
		if err != nil {
			return 0, err
		}
		p.buf = p.buf[next:]
	}
	if len(p.buf) == 0 {
		p.buf = nil // the array of a long line is not kept
	}
	return len(b), nil
}

const maxPrefixedLine = 64 << 10

// flush writes a last line that had no newline.
func (p *prefixWriter) flush() {
	if len(p.buf) > 0 {
		p.mu.Lock()
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf)
		p.mu.Unlock()
		p.buf = nil
	}
}
