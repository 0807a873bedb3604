//go:build integration

package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runFast runs shannot as id like id.run, but gives it ten seconds: a
// command that waits on its input fails the test instead of hanging
// the suite.
func runFast(t *testing.T, id identity, args ...string) result {
	t.Helper()
	c := id.cmd(opts{}, args...)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	if err := c.Start(); err != nil {
		t.Fatalf("starting %v: %v", args, err)
	}
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.Process.Kill()
		<-done
		t.Fatalf("shannot %s hangs", strings.Join(args, " "))
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: c.ProcessState.ExitCode()}
}

// oneLine checks the one-line refusal every bad input gets.
func oneLine(t *testing.T, what string, r result, want string) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		// A host without a syslog daemon says so on every audited run.
		if !strings.HasPrefix(l, "shannot: warning: audit log: syslog:") {
			lines = append(lines, l)
		}
	}
	if r.code != 125 || len(lines) != 1 || !strings.HasPrefix(lines[0], "shannot: ") || !strings.Contains(lines[0], want) {
		t.Errorf("%s: exit %d, stderr %q\nwant exit 125 and one line containing %q", what, r.code, truncate(r.stderr), want)
	}
}

func mkfifo(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o644)
	return p
}

// TestFIFOInputsFailFast: a FIFO where shannot expects a profile, a
// policy or a filter is refused at once, naming what it is, instead of
// waiting forever for a writer.
func TestFIFOInputsFailFast(t *testing.T) {
	dir := mkdir(t, "fifo")
	fifoProfile := mkfifo(t, dir, "profile.json")
	fifoFilter := mkfifo(t, dir, "filter.bpf")
	withFifoFilter := filepath.Join(dir, "with-filter.json")
	os.WriteFile(withFifoFilter, []byte(`{"name": "f", "seccomp_profile": "filter.bpf", "binds": [{"source": "/usr", "target": "/usr"}]}`), 0o644)
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			for _, tc := range []struct {
				what string
				args []string
				want string
			}{
				{"--profile FIFO", []string{"--profile", fifoProfile, "run", "true"}, "profile " + fifoProfile + ": is a FIFO, not a regular file: give a profile file"},
				{"profile validate FIFO", []string{"profile", "validate", fifoProfile}, "is a FIFO, not a regular file: give a profile file"},
				{"seccomp_profile FIFO", []string{"--profile", withFifoFilter, "run", "true"}, "seccomp filter " + fifoFilter + ": is a FIFO, not a regular file"},
				{"seccomp inspect FIFO", []string{"seccomp", "inspect", fifoFilter}, "is a FIFO, not a regular file"},
				{"seccomp explain FIFO", []string{"seccomp", "explain", fifoFilter, "write"}, "is a FIFO, not a regular file"},
			} {
				oneLine(t, tc.what, runFast(t, id, tc.args...), tc.want)
			}
			// seccomp compile reads a pipe on purpose: a FIFO nobody
			// writes to reads as empty, at once.
			oneLine(t, "seccomp compile FIFO", runFast(t, id, "seccomp", "compile", fifoFilter, "-"), "is not a JSON policy")
		})
	}
}

// TestCompileReadsAProcessSubstitution: `seccomp compile <(...) -` keeps
// working, a pipe being an input compile accepts on purpose.
func TestCompileReadsAProcessSubstitution(t *testing.T) {
	bash, err := exec.LookPath("bash")
	need(t, err == nil, "bash not found")
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			// The policy arrives late, in two pieces: the read waits for it.
			script := shannot + ` seccomp compile <(printf '{"defaultAction": '; sleep 0.3; printf '"SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO"}]}') - | wc -c`
			c := id.cmd(opts{}, "-c", script)
			c.Path, c.Args = bash, []string{"bash", "-c", script}
			out, err := c.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "shannot: compiled /dev/fd/") {
				t.Fatalf("%v: %s", err, out)
			}
			n, _ := strconv.Atoi(strings.TrimSpace(string(out[strings.LastIndexByte(strings.TrimSpace(string(out)), '\n')+1:])))
			if n == 0 || n%8 != 0 {
				t.Errorf("compiled %d bytes: %s", n, out)
			}
		})
	}
}

// TestSudoRefusesPseudoFiles: under sudo, whether a file may be shown to
// the caller is not read from its mode bits on the kernel's pseudo-file
// systems: /proc/PID/maps of a root process is 0444 in root-owned
// directories, yet only root may read it.
func TestSudoRefusesPseudoFiles(t *testing.T) {
	setUpSudo(t)
	maps := "/proc/" + strconv.Itoa(os.Getpid()) + "/maps"
	secret, err := os.ReadFile(maps)
	if err != nil {
		t.Fatal(err)
	}
	firstLine, _, _ := strings.Cut(string(secret), "\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"profile", "validate", maps}, maps + " is not trusted: is on procfs"},
		{[]string{"--profile", maps, "run", "true"}, "is on procfs"},
		{[]string{"seccomp", "inspect", "/proc/" + strconv.Itoa(os.Getpid()) + "/stat"}, "is on procfs"},
		{[]string{"seccomp", "inspect", "/sys/kernel/uevent_seqnum"}, "is on sysfs"},
	} {
		r := sudo(t, nil, tc.args...)
		oneLine(t, strings.Join(tc.args, " "), r, tc.want)
		addr, _, _ := strings.Cut(firstLine, " ")
		if strings.Contains(r.stderr, addr) || strings.Contains(r.stdout, addr) {
			t.Errorf("%v shows what it read of %s: %q", tc.args, maps, r.stderr)
		}
	}
}

// TestEchoedInputIsShortAndEscaped: what an error quotes of a profile
// reaches the terminal cut to about 60 characters and escaped, however
// long it is and whatever control sequences it holds.
func TestEchoedInputIsShortAndEscaped(t *testing.T) {
	dir := mkdir(t, "echo")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	long := strings.Repeat("y", 1000000)
	for _, tc := range []struct {
		name, body, want string
	}{
		{"100,000-digit number", `{"name": ` + strings.Repeat("1", 100000) + `}`, `"... (100000 bytes) cannot be read as float64`},
		{"1 MB string", `{"name": "t", "tmpfs_paths": ["` + long + `"]}`, `/tmpfs_paths/0: "yyyyyy`},
		{"1 MB key", `{"name": "t", "` + long + `": 1}`, `"... (1000000 bytes); known keys are`},
		{"terminal title", `{"name": "t", "tmpfs_paths": ["\u001b]0;owned\u0007"]}`, `"\x1b]0;owned\a" must be an absolute path`},
		{"clear screen in a key", `{"name": "t", "\u001b[2J\u001b[H": 1}`, `unknown key "\x1b[2J\x1b[H"`},
		{"C1 CSI", `{"name": "t", "allowed_commands": ["\u009b2J["]}`, `"\u009b2J[" is not a valid glob pattern`},
		{"raw escape byte", "{\"name\": \"t\", \"x\x1b[2J\": 1}", `invalid character '\x1b' in string literal`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runFast(t, identities(t)[0], "profile", "validate", write(strings.ReplaceAll(tc.name, " ", "-")+".json", tc.body))
			oneLine(t, tc.name, r, tc.want)
			if len(r.stderr) > 500 {
				t.Errorf("%d bytes of error: %.200q", len(r.stderr), r.stderr)
			}
			for _, c := range strings.TrimSuffix(r.stderr, "\n") {
				if c < 0x20 || c == 0x7f || c >= 0x80 && c <= 0x9f {
					t.Errorf("control character %U reaches the terminal: %q", c, r.stderr)
					break
				}
			}
		})
	}
}

// TestAdditionalArgsDenyByDefault: additional_args take only the bwrap
// options known to keep a read-only sandbox read-only; each of these
// validated before, and each is now refused with its pointer and what to
// use instead.
func TestAdditionalArgsDenyByDefault(t *testing.T) {
	id := identities(t)[0]
	for _, tc := range []struct{ args, want string }{
		{`"--ro-bind", "/proc", "/hostproc"`, `/additional_args/0: --ro-bind is refused in additional_args: it mounts a host path past the checks binds make`},
		{`"--dev-bind", "/dev", "/dev"`, `/additional_args/0: --dev-bind is refused in additional_args: it gives the sandbox host devices`},
		{`"--bind", "/", "/"`, `/additional_args/0: --bind is refused in additional_args`},
		{`"--share-net"`, `/additional_args/0: --share-net is refused in additional_args: it gives the sandbox the host's network; set "network_isolation": false instead`},
		{`"--hostname", "s", "--setenv", "LD_PRELOAD", "/tmp/x.so"`, `/additional_args/2: --setenv LD_PRELOAD is refused: it changes what code the command loads or runs`},
		{`"--cap-add", "ALL"`, `/additional_args/0: --cap-add is refused in additional_args: it gives the command capabilities back`},
		{`"--seccomp", "3"`, `/additional_args/0: --seccomp is refused in additional_args: use seccomp_profile`},
		{`"--userns", "3"`, `/additional_args/0: --userns is refused`},
		{`"--proc", "/proc2"`, `/additional_args/0: --proc is refused`},
		{`"--frobnicate"`, `/additional_args/0: unknown bwrap option "--frobnicate"`},
	} {
		p := writeProfile(t, `{"name": "t", "binds": [{"source": "/usr", "target": "/usr"}], "additional_args": [`+tc.args+`]}`)
		r := runFast(t, id, "profile", "validate", p)
		oneLine(t, "["+tc.args+"]", r, tc.want)
		if r.stdout != "" {
			t.Errorf("[%s]: %q", tc.args, r.stdout)
		}
	}
	// What the shipped profiles use is still accepted.
	root := repoRoot(t)
	shipped, _ := filepath.Glob(filepath.Join(root, "profiles", "*.json"))
	if len(shipped) == 0 {
		t.Fatal("no shipped profiles")
	}
	r := runFast(t, id, append([]string{"profile", "validate"}, shipped...)...)
	if r.code != 0 || strings.Count(r.stdout, ": ok\n") != len(shipped) {
		t.Errorf("shipped profiles: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
