package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/mcpserver"
	"github.com/shannot-project/shannot/internal/remote"
	"github.com/shannot-project/shannot/pkg/bwrap"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

// remoteName is the hidden command a remote run executes on the host.
const remoteName = "__remote"

// remoteFlags are the global flags of remote runs, new for each app (a
// flag's value is kept in the flag).
func remoteFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "target", Usage: "run on `[user@]host[:port]` over ssh; a comma-separated list or @FILE for a fleet"},
		&cli.IntFlag{Name: "parallel", Value: 8, Usage: "hosts run at once in a fleet"},
		durationFlag("connect-timeout", 10*time.Second, "give up connecting to a host after `DURATION` (10 is 10s)"),
		&cli.StringFlag{Name: "ssh-config", Usage: "ssh configuration `FILE` (ssh -F)"},
		&cli.StringSliceFlag{Name: "ssh-option", Usage: "ssh option `KEY=VALUE` (ssh -o), commas and all; repeatable"},
	}
}

func sshFromFlags(c *cli.Context) remote.SSH {
	return remote.SSH{ConfigFile: c.String("ssh-config"), Options: c.StringSlice("ssh-option"), ConnectTimeout: durationOf(c, "connect-timeout")}
}

func remoteCommand() *cli.Command {
	return &cli.Command{
		Name:  "remote",
		Usage: "prepare hosts for --target runs",
		Description: `Examples:
   shannot remote install web1 ops@web2:2222
   shannot --target web1,web2 --profile diagnostics run df -h   (see docs/remote.md)`,
		Subcommands: []*cli.Command{{
			Name:      "install",
			Usage:     "copy this shannot to hosts over ssh and check it there",
			ArgsUsage: "[user@]host[:port]... | @FILE",
			Description: `Copies the binary (--binary, default: this one; a static build needs nothing
on the host but bwrap) to ~/.cache/shannot/ on each host, under a name made
of its SHA-256, verifies the copy's checksum on the host and runs it once.

Examples:
   make static && shannot remote install --binary bin/shannot-static web1 web2
   shannot remote install @hosts.txt`,
			Flags: []cli.Flag{&cli.StringFlag{Name: "binary", Usage: "the shannot `FILE` to install (default: the running one)"}},
			Action: func(c *cli.Context) error {
				if c.NArg() == 0 {
					return &usageError{msg: "remote install needs at least one host"}
				}
				var targets []remote.Target
				for _, arg := range c.Args().Slice() { // hosts and @FILEs, mixed
					ts, err := remote.ParseTargets(arg)
					if err != nil {
						return &usageError{msg: err.Error()}
					}
					targets = append(targets, ts...)
				}
				bin := c.String("binary")
				if bin == "" {
					var err error
					if bin, err = os.Executable(); err != nil {
						return err
					}
				}
				ssh := sshFromFlags(c)
				failed := 0
				for _, t := range targets {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
					var out bytes.Buffer
					path, err := ssh.Install(ctx, t, bin, &out)
					cancel()
					if err != nil {
						failed++
						fmt.Fprintf(c.App.ErrWriter, "shannot: %v\n%s", err, indent(out.String()))
						continue
					}
					first, _, _ := strings.Cut(out.String(), "\n")
					fmt.Fprintf(c.App.Writer, "%s: installed ~/%s (%s)\n", t, path, first)
				}
				if failed > 0 {
					return &statusError{code: exitFailure, err: fmt.Errorf("%d of %d hosts failed", failed, len(targets))}
				}
				return nil
			},
		}},
	}
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ") + "\n"
}

// readRemoteProfile loads a profile for another host: validated here,
// but not checked against this host's files (the bind sources are the
// remote's).
func readRemoteProfile(ref string) (*profile.Profile, error) {
	origin, err := profileSearch(ref).Find()
	if err != nil {
		return nil, err
	}
	return profile.Read(origin, opener())
}

// envelope prepares what a remote run needs: the profile exactly as
// export shows it, the filter exactly as seccomp inspect shows it.
func envelope(p *profile.Profile, argv []string, limits bwrap.Limits, asJSON, noStdin, force bool) (*remote.Envelope, error) {
	env := &remote.Envelope{Origin: p.Origin.String(), Argv: argv, Timeout: limits.Timeout, MaxOutput: limits.MaxOutput,
		KillOnOverflow: limits.KillOnOverflow, JSON: asJSON, NoStdin: noStdin}
	if p.SeccompProfile != nil {
		f, err := sandbox.OpenFilter(p, sandbox.Config{Seccomp: seccompOptions(), Force: force})
		if err != nil {
			return nil, err
		}
		env.Filter, env.FilterSource = f.Program, f.Source
		f.Close()
	}
	var err error
	if env.Profile, err = json.Marshal(p); err != nil {
		return nil, err
	}
	return env, nil
}

// remoteCommandLine is what ssh runs on the host: the installed shannot
// with the envelope, or a message saying how to install it.
func remoteCommandLine(env *remote.Envelope) (string, error) {
	encoded, err := env.Encode()
	if err != nil {
		return "", err
	}
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	path, err := remote.RemotePath(self)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`if [ -x ./%[1]s ]; then exec ./%[1]s %[2]s %[3]s; fi; echo "shannot is not installed here; run: shannot remote install HOST" >&2; exit 125`,
		path, remoteName, encoded), nil
}

// hostResult is one host's outcome in a fleet.
type hostResult struct {
	target      remote.Target
	code        int
	unreachable error
	cut         error          // the host sent more than its limits allow
	report      map[string]any // --json: the remote's object
}

func remoteRun(c *cli.Context, argv []string, limits bwrap.Limits) error {
	if who.privileged {
		return refused("--target")
	}
	targets, err := remote.ParseTargets(c.String("target"))
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	ref, err := profileRef(c)
	if err != nil {
		return err
	}
	p, err := readRemoteProfile(ref)
	if err != nil {
		return err
	}
	env, err := envelope(p, argv, limits, c.Bool("json"), c.Bool("no-stdin"), c.Bool("force"))
	if err != nil {
		return err
	}
	remoteCmd, err := remoteCommandLine(env)
	if err != nil {
		return err
	}
	ssh := sshFromFlags(c)
	if c.Bool("dry-run") {
		// Nothing runs, here or there: not even ssh -G, whose Match exec
		// lines would run commands.
		for _, t := range targets {
			fmt.Fprintln(c.App.Writer, bwrap.Quote(dryRunSSH(ssh, t, remoteCmd)))
		}
		return nil
	}
	// The remote timeout kills the sandbox; this one ends a hung connection.
	deadline := time.Duration(0)
	if limits.Timeout > 0 {
		deadline = limits.Timeout + ssh.ConnectTimeout + 10*time.Second
	}
	if len(targets) == 1 {
		return runOnHost(c, ssh, targets[0], remoteCmd, deadline, env)
	}
	return runOnFleet(c, ssh, targets, remoteCmd, deadline, env)
}

// dryRunSSH is the ssh command line of a remote run on t, as
// remote.SSH.Command builds it when the user's ssh configuration sets
// neither BatchMode nor StrictHostKeyChecking (Command leaves out the
// options the configuration sets; finding out would run ssh -G).
func dryRunSSH(s remote.SSH, t remote.Target, cmd string) []string {
	args := []string{cmp.Or(s.Binary, "ssh")}
	if s.ConfigFile != "" {
		args = append(args, "-F", s.ConfigFile)
	}
	for _, o := range s.Options {
		args = append(args, "-o", o)
	}
	if t.Port != 0 {
		args = append(args, "-p", strconv.Itoa(t.Port))
	}
	if t.User != "" {
		args = append(args, "-l", t.User)
	}
	args = append(args, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes")
	if s.ConnectTimeout > 0 {
		args = append(args, "-o", fmt.Sprintf("ConnectTimeout=%d", max(1, int(s.ConnectTimeout.Seconds()))))
	}
	return append(args, "-T", "-e", "none", "--", t.Host, cmd)
}

func withDeadline(d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(context.Background(), d)
	}
	return context.WithCancel(context.Background())
}

// runOnHost runs on one host as if local: output unprefixed, the
// command's status as shannot's. What the host sends is capped as the
// run's limits cap a local run: a host sending more is cut off.
func runOnHost(c *cli.Context, ssh remote.SSH, t remote.Target, cmd string, deadline time.Duration, env *remote.Envelope) error {
	ctx, cancel := withDeadline(deadline)
	defer cancel()
	var stdin io.Reader = c.App.Reader
	if c.Bool("no-stdin") {
		stdin = nil
	}
	if !env.JSON {
		code, err := ssh.ExecCapped(ctx, t, cmd, stdin, c.App.Writer, c.App.ErrWriter, remote.CapsFor(env.MaxOutput, env.Argv, false))
		if err != nil {
			return err
		}
		return &statusError{code: code}
	}
	r := runJSONOn(ctx, ssh, t, cmd, stdin, c.App.ErrWriter, env)
	if r.unreachable != nil {
		r.report = map[string]any{"host": t.String(), "status": "unreachable", "error": r.unreachable.Error(), "exit_code": exitFailure}
		r.code = exitFailure
	}
	if err := jsonEncoder(c).Encode(r.report); err != nil {
		return err
	}
	return &statusError{code: r.code, err: cmp.Or(r.unreachable, r.cut)}
}

// runJSONOn runs a --json run on t and returns the remote's object with
// the host and a status added, its output capped at the run's limit.
func runJSONOn(ctx context.Context, ssh remote.SSH, t remote.Target, cmd string, stdin io.Reader, stderr io.Writer, env *remote.Envelope) hostResult {
	var out bytes.Buffer
	code, err := ssh.ExecCapped(ctx, t, cmd, stdin, &out, stderr, remote.CapsFor(env.MaxOutput, env.Argv, true))
	var overflow *remote.OverflowError
	if errors.As(err, &overflow) {
		return hostResult{target: t, code: exitFailure, cut: err,
			report: map[string]any{"host": t.String(), "status": "failed", "error": err.Error(), "exit_code": exitFailure}}
	}
	var rep map[string]any
	parsed := json.Unmarshal(out.Bytes(), &rep) == nil && rep["exit_code"] != nil
	if parsed {
		capReport(rep, env.MaxOutput)
	}
	switch {
	case err != nil && parsed:
		// ssh's 255 was the command's own: its result arrived.
		code = 255
	case err != nil:
		return hostResult{target: t, unreachable: err}
	case !parsed:
		rep = map[string]any{"exit_code": code, "error": "the remote shannot printed no result: " + shorten(strings.TrimSpace(out.String()), 1024)}
	}
	rep["host"] = t.String()
	rep["status"] = "ok"
	if code != 0 {
		rep["status"] = "failed"
	}
	return hostResult{target: t, code: code, report: rep}
}

// capReport caps a remote --json object's output fields at max bytes,
// setting the truncation flags as a local run would.
func capReport(rep map[string]any, max int64) {
	for _, stream := range []string{"stdout", "stderr"} {
		text, _ := rep[stream].(string)
		enc, _ := rep[stream+"_encoding"].(string)
		if cut, ok := remote.CapOutput(text, enc, max); ok {
			rep[stream], rep[stream+"_truncated"] = cut, true
		}
	}
}

// shorten cuts s to at most n bytes, between characters, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut, _ := remote.CapOutput(s, "utf-8", int64(n))
	return cut + "..."
}

// runOnFleet runs on every host, --parallel at a time, prefixing output
// with the host, and ends with a summary; the status is 0 only when every
// host succeeded.
func runOnFleet(c *cli.Context, ssh remote.SSH, targets []remote.Target, cmd string, deadline time.Duration, env *remote.Envelope) error {
	parallel := max(1, c.Int("parallel"))
	results := make([]hostResult, len(targets))
	slots := make(chan struct{}, parallel)
	var mu sync.Mutex // one line at a time on each stream
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			ctx, cancel := withDeadline(deadline)
			defer cancel()
			if env.JSON {
				errOut := &prefixWriter{mu: &mu, w: c.App.ErrWriter, prefix: t.String() + ": "}
				r := runJSONOn(ctx, ssh, t, cmd, nil, errOut, env)
				errOut.flush()
				if r.unreachable != nil {
					r.report = map[string]any{"host": t.String(), "status": "unreachable", "error": r.unreachable.Error(), "exit_code": exitFailure}
				}
				mu.Lock()
				jsonEncoder(c).Encode(r.report)
				mu.Unlock()
				results[i] = r
				return
			}
			out := &prefixWriter{mu: &mu, w: c.App.Writer, prefix: t.String() + ": "}
			errOut := &prefixWriter{mu: &mu, w: c.App.ErrWriter, prefix: t.String() + ": "}
			code, err := ssh.ExecCapped(ctx, t, cmd, nil, out, errOut, remote.CapsFor(env.MaxOutput, env.Argv, false))
			out.flush()
			errOut.flush()
			if err != nil {
				mu.Lock()
				fmt.Fprintf(c.App.ErrWriter, "shannot: %v\n", err)
				mu.Unlock()
			}
			results[i] = hostResult{target: t, code: code, unreachable: err}
			var overflow *remote.OverflowError
			if errors.As(err, &overflow) {
				results[i] = hostResult{target: t, code: exitFailure, cut: err}
			}
		}()
	}
	wg.Wait()
	ok, failed, unreachable := 0, 0, 0
	for _, r := range results {
		switch {
		case r.unreachable != nil:
			unreachable++
		case r.code == 0:
			ok++
		default:
			failed++
		}
	}
	fmt.Fprintf(c.App.ErrWriter, "shannot: %d hosts: %d ok, %d failed, %d unreachable\n", len(targets), ok, failed, unreachable)
	if ok == len(targets) {
		return nil
	}
	return &statusError{code: 1}
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

// remoteExecCommand is what a remote run executes on the host: it
// rebuilds the sandbox from the envelope and runs it as run does.
func remoteExecCommand() *cli.Command {
	return &cli.Command{
		Name:            remoteName,
		Hidden:          true,
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			if who.privileged {
				// The envelope chooses the sandbox: never under sudo.
				return refused("a remote run's envelope")
			}
			if c.NArg() != 1 {
				return &usageError{msg: remoteName + " takes one envelope"}
			}
			env, err := remote.DecodeEnvelope(c.Args().First())
			if err != nil {
				return err
			}
			if env.JSON {
				defer func() { err = reportFailure(c, env.Origin, env.Argv, err) }()
			}
			err = runEnvelope(c, env)
			return err
		},
	}
}

func runEnvelope(c *cli.Context, env *remote.Envelope) error {
	p, err := profile.Parse(env.Profile, profile.Origin{Path: "remote:" + env.Origin})
	if err != nil {
		return err
	}
	p.SeccompProfile = nil // the envelope brings the program
	if err := p.CheckHost(); err != nil {
		return err
	}
	cfg, err := sandboxConfig(c, false)
	if err != nil {
		return err
	}
	if len(env.Filter) > 0 {
		if err := checkArch(env); err != nil {
			return err
		}
		if cfg.Filter, err = seccomp.FromBytes(env.FilterSource, env.Filter, seccomp.Options{}); err != nil {
			return err
		}
	}
	sb, err := sandbox.Prepare(p, env.Argv, cfg)
	if err != nil {
		if cfg.Filter != nil {
			cfg.Filter.Close()
		}
		return err
	}
	defer sb.Close()
	limits := bwrap.Limits{Timeout: env.Timeout, MaxOutput: env.MaxOutput, KillOnOverflow: env.KillOnOverflow}
	return execute(c, sb, env.Origin, limits, env.JSON, env.NoStdin)
}

// checkArch refuses a program compiled for another architecture.
func checkArch(env *remote.Envelope) error {
	prog, err := seccomp.Decode(env.Filter)
	if err != nil {
		return &seccomp.Error{File: env.FilterSource, Msg: err.Error()}
	}
	host := seccomp.ThisHost().Arch
	var names []string
	for _, a := range prog.Architectures() {
		if a == host {
			return nil
		}
		names = append(names, seccomp.ShortArch(a))
	}
	return &seccomp.Error{File: env.FilterSource, Msg: fmt.Sprintf("was compiled for %s, and this host is %s; compile the policy for it",
		strings.Join(names, ", "), seccomp.ShortArch(host))}
}

// remoteRunner runs MCP tool calls on remote hosts.
func remoteRunner(ssh remote.SSH, targets []remote.Target) mcpserver.RemoteFunc {
	byName := map[string]remote.Target{}
	for _, t := range targets {
		byName[t.String()] = t
	}
	return func(ctx context.Context, host string, p *profile.Profile, argv []string, stdin string, limits bwrap.Limits) (sandbox.Report, error) {
		t, ok := byName[host]
		if !ok {
			return sandbox.Report{}, fmt.Errorf("unknown host %q", host)
		}
		env, err := envelope(p, argv, limits, true, stdin == "", false)
		if err != nil {
			return sandbox.Report{}, err
		}
		cmd, err := remoteCommandLine(env)
		if err != nil {
			return sandbox.Report{}, err
		}
		if limits.Timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, limits.Timeout+ssh.ConnectTimeout+10*time.Second)
			defer cancel()
		}
		var in io.Reader
		if stdin != "" {
			in = strings.NewReader(stdin)
		}
		var out, errOut bytes.Buffer
		code, err := ssh.ExecCapped(ctx, t, cmd, in, &out, &errOut, remote.CapsFor(limits.MaxOutput, argv, true))
		var overflow *remote.OverflowError
		if errors.As(err, &overflow) {
			return sandbox.Report{}, err
		}
		var rep sandbox.Report
		if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
			if err != nil {
				return sandbox.Report{}, err
			}
			return sandbox.Report{}, fmt.Errorf("%s: the remote shannot gave no result (exit status %d): %s", t, code, shorten(strings.TrimSpace(errOut.String()), 1024))
		}
		var cut bool
		if rep.Stdout, cut = remote.CapOutput(rep.Stdout, rep.StdoutEncoding, limits.MaxOutput); cut {
			rep.StdoutTruncated = true
		}
		if rep.Stderr, cut = remote.CapOutput(rep.Stderr, rep.StderrEncoding, limits.MaxOutput); cut {
			rep.StderrTruncated = true
		}
		// A result arrived: even ssh's 255 was then the command's own.
		return rep, nil
	}
}
