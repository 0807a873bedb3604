package remote

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Target is one host to run on: [user@]host[:port].
type Target struct {
	User string
	Host string
	Port int // 0: ssh's own default
}

// String is the target as the user wrote it, normalised.
func (t Target) String() string {
	s := t.Host
	if strings.Contains(s, ":") {
		s = "[" + s + "]"
	}
	if t.User != "" {
		s = t.User + "@" + s
	}
	if t.Port != 0 {
		s += ":" + strconv.Itoa(t.Port)
	}
	return s
}

// ParseTarget reads [user@]host[:port]; an IPv6 address with a port is
// written [addr]:port.
func ParseTarget(s string) (Target, error) {
	var t Target
	rest := strings.TrimSpace(s)
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		t.User, rest = rest[:i], rest[i+1:]
		if t.User == "" {
			return t, fmt.Errorf("target %q: empty user", s)
		}
	}
	host, port, err := net.SplitHostPort(rest)
	switch {
	case err == nil:
		n, perr := strconv.Atoi(port)
		if perr != nil || n < 1 || n > 65535 {
			return t, fmt.Errorf("target %q: bad port %q", s, port)
		}
		t.Host, t.Port = host, n
	case strings.Count(rest, ":") > 1 || !strings.Contains(rest, ":"):
		t.Host = strings.Trim(rest, "[]") // no port; maybe a bare IPv6 address
	default:
		return t, fmt.Errorf("target %q: %v", s, err)
	}
	if t.Host == "" || strings.HasPrefix(t.Host, "-") || strings.ContainsAny(t.Host, " \t\n/") {
		return t, fmt.Errorf("target %q: not a host name", s)
	}
	return t, nil
}

// ParseTargets reads a comma-separated list, or @FILE with one target a
// line (blank lines and # comments ignored).
func ParseTargets(spec string) ([]Target, error) {
	var words []string
	if file, ok := strings.CutPrefix(spec, "@"); ok {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("target list: %w", err)
		}
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			line := strings.TrimSpace(s.Text())
			if line != "" && !strings.HasPrefix(line, "#") {
				words = append(words, line)
			}
		}
		if err := s.Err(); err != nil {
			return nil, fmt.Errorf("target list %s: %w", file, err)
		}
	} else {
		for _, w := range strings.Split(spec, ",") {
			if w = strings.TrimSpace(w); w != "" {
				words = append(words, w)
			}
		}
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("no target in %q", spec)
	}
	var out []Target
	for _, w := range words {
		t, err := ParseTarget(w)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// SSH is how the ssh client is run.
type SSH struct {
	Binary         string        // "ssh" when empty
	ConfigFile     string        // -F, when set
	Options        []string      // -o, in order
	ConnectTimeout time.Duration // ConnectTimeout, when set
}

func (s SSH) binary() string {
	if s.Binary == "" {
		return "ssh"
	}
	return s.Binary
}

// base is the part of the command line before the host: config, the
// user's options, then the target's port and user.
func (s SSH) base(t Target) []string {
	var args []string
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
	return args
}

// Command returns the ssh argv that runs remote (one shell command line)
// on t, as [SSH.Argv] builds it from the user's configuration for t,
// which it reads with `ssh -G` first.
func (s SSH) Command(ctx context.Context, t Target, remote string) ([]string, error) {
	cfg, err := s.effective(ctx, t)
	if err != nil {
		return nil, err
	}
	return s.Argv(t, remote, cfg), nil
}

// Argv returns the ssh argv that runs remote (one shell command line) on
// t, given the user's ssh configuration for t as `ssh -G` prints it
// (lower-case keys; nil when nothing is known). BatchMode=yes and
// StrictHostKeyChecking=yes are added unless the configuration sets
// them: shannot never asks for a password and never accepts an unknown
// host key on its own. A dry run, which must not run ssh -G, passes nil
// and shows both added.
func (s SSH) Argv(t Target, remote string, config map[string]string) []string {
	args := append([]string{s.binary()}, s.base(t)...)
	if v := config["batchmode"]; v == "no" || v == "" {
		args = append(args, "-o", "BatchMode=yes")
	}
	if v := config["stricthostkeychecking"]; v == "ask" || v == "" {
		args = append(args, "-o", "StrictHostKeyChecking=yes")
	}
	if s.ConnectTimeout > 0 {
		args = append(args, "-o", fmt.Sprintf("ConnectTimeout=%d", max(1, int(s.ConnectTimeout.Seconds()))))
	}
	// -T: no terminal, so output arrives byte for byte; -e none: no escape character.
	return append(args, "-T", "-e", "none", "--", t.Host, remote)
}

// effective is ssh's configuration for t, as `ssh -G` prints it.
func (s SSH) effective(ctx context.Context, t Target) (map[string]string, error) {
	args := append(s.base(t), "-G", "--", t.Host)
	out, err := exec.CommandContext(ctx, s.binary(), args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, &ConfigError{Target: t, Stderr: strings.TrimSpace(string(ee.Stderr)), Err: err}
		}
		return nil, fmt.Errorf("running ssh: %w (install openssh-client)", err)
	}
	cfg := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok {
			cfg[k] = v
		}
	}
	return cfg, nil
}

// ConfigError is `ssh -G` refusing the user's configuration for a host.
type ConfigError struct {
	Target Target
	Stderr string // what ssh said
	Err    error  // the *exec.ExitError
}

func (e *ConfigError) Error() string { return fmt.Sprintf("ssh -G %s: %s", e.Target, e.Stderr) }

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// UnreachableError is ssh failing to run the remote command: no
// connection, an unknown host key, authentication refused, a timeout.
type UnreachableError struct {
	Target Target
	Reason string // ssh's own last words, or the cause's
	Err    error  // the cause, when it is not ssh's exit status 255
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%s: unreachable: %s", e.Target, e.Reason)
}

// Unwrap returns the cause: context.DeadlineExceeded for a timeout, the
// error of starting ssh; nil when ssh said why itself.
func (e *UnreachableError) Unwrap() error { return e.Err }

// sshFailed is ssh's exit status for its own errors.
const sshFailed = 255

// Exec runs remote on t with the given streams and returns the remote
// command's exit status, or an *UnreachableError. When ctx ends, ssh is
// killed.
func (s SSH) Exec(ctx context.Context, t Target, remote string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	argv, err := s.Command(ctx, t, remote)
	if err != nil {
		return 0, err
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout = stdin, stdout
	tail := &tailBuffer{max: 2048}
	cmd.Stderr = io.MultiWriter(stderrOrDiscard(stderr), tail)
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		return 0, &UnreachableError{Target: t, Reason: "timed out", Err: ctx.Err()}
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee) && ee.ExitCode() == sshFailed:
		return 0, &UnreachableError{Target: t, Reason: tail.lastLine()}
	case errors.As(err, &ee):
		return ee.ExitCode(), nil
	}
	return 0, &UnreachableError{Target: t, Reason: err.Error(), Err: err}
}

func stderrOrDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// tailBuffer keeps the last bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = b.buf[len(b.buf)-b.max:]
	}
	return len(p), nil
}

func (b *tailBuffer) lastLine() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(b.buf)), "\n")
	if s := strings.TrimSpace(lines[len(lines)-1]); s != "" {
		return s
	}
	return "ssh failed"
}
