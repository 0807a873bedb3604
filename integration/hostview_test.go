//go:build integration

package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Issue 12: the diagnostics profile tells the truth about the host (its
// file systems, processes, network, name) and seeing the host opens no
// door into it. Each test runs as root and through real sudo as the
// hostile test user; the unprivileged user is refused the processes view.

// hostViewProfiles share every view of the host.
var hostViewProfiles = []string{"diagnostics", "systemd"}

// throughFindIn runs argv in profile through find -exec: allowed_commands
// is no boundary (find runs anything visible), and what is tested here
// is the sandbox, so the attacks use perl, which the profiles do not list.
func throughFindIn(profile string, argv ...string) []string {
	return append([]string{"--profile", profile, "run", "find", "/", "-maxdepth", "0", "-exec"}, append(argv, ";")...)
}

// dfRoot is df's line for / : device, size and used in 1K blocks.
func dfRoot(t *testing.T, out string) (dev string, size, used int64) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) < 6 || f[5] != "/" {
		t.Fatalf("df output %q: want the line of /", out)
	}
	size, _ = strconv.ParseInt(f[1], 10, 64)
	used, _ = strconv.ParseInt(f[2], 10, 64)
	return f[0], size, used
}

func TestHostViewShowsTheHost(t *testing.T) {
	hostDF, err := exec.Command("df", "-P", "-k", "/").Output()
	if err != nil {
		t.Fatal(err)
	}
	hostDev, hostSize, hostUsed := dfRoot(t, string(hostDF))
	initCmdline, err := os.ReadFile("/proc/1/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	hostname, _ := os.Hostname()
	var ifaces []string
	nis, _ := net.Interfaces()
	for _, i := range nis {
		ifaces = append(ifaces, i.Name)
	}
	slices.Sort(ifaces)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	// A host process with a command line no sandbox has: ps must show it.
	marker := fmt.Sprintf("60.%09d", time.Now().UnixNano()%1e9)
	sleeper := exec.Command("sleep", marker)
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleeper.Process.Kill(); sleeper.Wait() }()

	for _, r := range rootAndSudo(t) {
		for _, p := range hostViewProfiles {
			t.Run(r.name+"/"+p, func(t *testing.T) {
				res := r.run(t, "--profile", p, "run", "df", "-P", "-k", "/")
				if res.code != 0 {
					t.Fatalf("df: exit %d %q", res.code, res.stderr)
				}
				dev, size, used := dfRoot(t, res.stdout)
				// Used blocks move while other tests write; 1% of the disk is slack enough.
				if dev != hostDev || size != hostSize || abs(used-hostUsed) > hostSize/100 {
					t.Errorf("df / in the sandbox: %s %d %d; on the host: %s %d %d", dev, size, used, hostDev, hostSize, hostUsed)
				}
				res = r.run(t, "--profile", p, "run", "cat", "/proc/1/cmdline")
				if res.code != 0 || res.stdout != string(initCmdline) {
					t.Errorf("pid 1's command line: exit %d %q, want the host's %q (%s)", res.code, res.stdout, initCmdline, res.stderr)
				}
				res = r.run(t, "--profile", p, "run", "ps", "axww", "-o", "args")
				if !strings.Contains(res.stdout, "sleep "+marker+"\n") {
					t.Errorf("ps axww lacks the host's sleep %s: exit %d %q", marker, res.code, res.stderr)
				}
				// Owners are the host's: a root-run host view maps the
				// host's ids into its user namespace (launch.HostIDMap);
				// unmapped they would all read nobody and nogroup.
				res = r.run(t, "--profile", p, "run", "ps", "-o", "user=,uid=", "-p", "1,"+strconv.Itoa(sleeper.Process.Pid))
				if got := strings.Fields(res.stdout); !slices.Equal(got, []string{"root", "0", "root", "0"}) {
					t.Errorf("ps owners of pid 1 and the test's sleep: %q, want root 0 twice (exit %d %s)", res.stdout, res.code, res.stderr)
				}
				res = r.run(t, "--profile", p, "run", "stat", "-c", "%U:%G", "/etc/shadow")
				if strings.TrimSpace(res.stdout) != "root:shadow" {
					t.Errorf("stat /etc/shadow: %q, want root:shadow (exit %d %s)", res.stdout, res.code, res.stderr)
				}
				res = r.run(t, "--profile", p, "run", "hostname")
				if strings.TrimSpace(res.stdout) != hostname {
					t.Errorf("hostname: %q, want the host's %q (%s)", res.stdout, hostname, res.stderr)
				}
				if p != "diagnostics" {
					return // ss and ip are diagnostics' commands
				}
				res = r.run(t, "--profile", p, "run", "ss", "-tln")
				if !strings.Contains(res.stdout, "127.0.0.1:"+port+" ") {
					t.Errorf("ss -tln lacks the test's listener on 127.0.0.1:%s: exit %d %q %q", port, res.code, res.stdout, res.stderr)
				}
				res = r.run(t, "--profile", p, "run", "ip", "-o", "link")
				var got []string
				for _, l := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
					if f := strings.Fields(l); len(f) > 1 {
						got = append(got, strings.TrimSuffix(strings.Split(f[1], "@")[0], ":"))
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, ifaces) {
					t.Errorf("ip -o link: %q, want the host's %q (exit %d %s)", got, ifaces, res.code, res.stderr)
				}
			})
		}
	}
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// attacks tries, from inside the sandbox, everything the host view must
// not allow, and prints one line per attempt: "NAME ok" or "NAME ERRNO".
const attacks = `
use Socket; use Fcntl;
sub r { my ($n, $ok) = @_; printf "%s %s\n", $n, $ok ? "ok" : ($!+0 ? $!+0 : "fail"); }
my $port = shift; my $abstract = shift; my $fifo = shift;
my ($t, $a);
r("kill-init", kill(0, 1));
r("environ", open(my $e, "<", "/proc/1/environ"));
r("mem", open(my $m, "<", "/proc/1/mem"));
r("root", opendir(my $d, "/proc/1/root/"));
r("fd", opendir(my $f, "/proc/1/fd"));
r("cwd", opendir(my $c, "/proc/1/cwd/"));
r("tcp", socket($t, PF_INET, SOCK_STREAM, 0) && connect($t, sockaddr_in($port, inet_aton("127.0.0.1"))));
r("udp", socket(my $u, PF_INET, SOCK_DGRAM, 0));
r("tcp6", socket(my $t6, PF_INET6, SOCK_STREAM, 0));
r("raw", socket(my $rw, PF_INET, SOCK_RAW, 1));
r("packet", socket(my $pk, 17, SOCK_RAW, 0));
r("vsock", socket(my $vs, 40, SOCK_STREAM, 0));
r("abstract", socket($a, PF_UNIX, SOCK_STREAM, 0) && connect($a, pack_sockaddr_un("\0" . $abstract)));
r("sysctl", open(my $s, ">", "/proc/sys/vm/swappiness"));
r("sys", open(my $y, ">", "/sys/kernel/mm/transparent_hugepage/enabled"));
r("cgroup", open(my $g, ">>", "/sys/fs/cgroup/cgroup.procs"));
r("etc", open(my $w, ">", "/etc/shannot-it-hostview"));
r("shadow", open(my $sh, "<", "/etc/shadow"));
r("root-home", opendir(my $rh, "/root"));
r("netlink", socket(my $nl, 16, SOCK_RAW, 0));
r("userns", syscall(272, 0x10000000) == 0);
pipe(my $pr, my $pw); r("sigio-owner", fcntl($pr, 8, 1)); r("sigio-signal", fcntl($pr, 10, 9));
r("dgram-pair", socketpair(my $s1, my $s2, PF_UNIX, SOCK_DGRAM, 0));
r("setsid", syscall(112) >= 0);
r("setpgid", syscall(109, 0, 0) >= 0);
r("fifo", sysopen(my $ff, $fifo, O_RDWR));
open(my $lk, "<", "/etc/os-release");
r("flock", flock($lk, 2 | 4));
my $fl = pack("s s q q i", 0, 0, 0, 0, 0); r("read-lock", fcntl($lk, 6, $fl));
r("lease", fcntl($lk, 1024, 0));
`

// What the kernel and the host-view policy answer: EPERM (1) for the
// signal and the refused socket families, EACCES (13) for /proc/1's
// guarded files and the secrets, EROFS (30) for writes, and EACCES for a
// FIFO the identity may write by its mode, which a read-only mount does
// not close: Landlock, applied by shannot-init, does; and EPERM for any
// lock on a host file it may read (flock, a read lock, a lease), with
// which it would make a host program wait.
const attacksWant = `kill-init 1
environ 13
mem 13
root 13
fd 13
cwd 13
tcp 1
udp 1
tcp6 1
raw 1
packet 1
vsock 1
abstract 1
sysctl 30
sys 30
cgroup 30
etc 30
shadow 13
root-home 13
netlink ok
userns 1
sigio-owner 1
sigio-signal 1
dgram-pair 1
setsid 1
setpgid 1
fifo 13
flock 1
read-lock 1
lease 1
`

func TestHostViewMustNots(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	abstract := fmt.Sprintf("shannot-it-%d", os.Getpid())
	un, err := net.Listen("unix", "@"+abstract)
	if err != nil {
		t.Fatal(err)
	}
	defer un.Close()
	var reached atomic.Int32
	for _, l := range []net.Listener{ln, un} {
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				reached.Add(1)
				c.Close()
			}
		}()
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	fifo := hostFIFO(t, 0o666, nil)
	swap := swappiness(t)
	for _, r := range rootAndSudo(t) {
		for _, p := range hostViewProfiles {
			t.Run(r.name+"/"+p, func(t *testing.T) {
				res := r.run(t, throughFindIn(p, "perl", "-e", attacks, port, abstract, fifo)...)
				if res.code != 0 || res.stdout != attacksWant {
					t.Errorf("attacks: exit %d %q\n got:\n%s\nwant:\n%s", res.code, res.stderr, res.stdout, attacksWant)
				}
			})
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the sandbox reached the test's listeners %d times", n)
	}
	// The control: the same script on the host, as the test user, reaches
	// both listeners and signals nothing of root's.
	c := exec.Command("perl", "-e", attacks, port, abstract, fifo)
	c.SysProcAttr = &syscall.SysProcAttr{Credential: sudoUser.cred}
	out, _ := c.Output()
	for _, want := range []string{"tcp ok\n", "abstract ok\n", "kill-init 1\n", "fifo ok\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("control on the host: %q lacks %q", out, want)
		}
	}
	for range 50 {
		if reached.Load() == 2 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := reached.Load(); n != 2 {
		t.Errorf("control on the host reached the listeners %d times, want 2", n)
	}
	if now := swappiness(t); now != swap {
		t.Errorf("vm.swappiness changed: %s -> %s", swap, now)
	}
	if _, err := os.Stat("/etc/shannot-it-hostview"); err == nil {
		os.Remove("/etc/shannot-it-hostview")
		t.Error("the sandbox wrote /etc")
	}
}

// hostFIFO makes a FIFO of the given mode under /var/tmp (which the
// host views show: /tmp is the sandbox's own), owned by cred's user when
// cred is set, in a directory anyone may enter; it is removed when the
// test ends. A FIFO is what a read-only mount does not protect.
func hostFIFO(t *testing.T, mode os.FileMode, cred *syscall.Credential) string {
	t.Helper()
	dir, err := os.MkdirTemp("/var/tmp", "shannot-it-fifo-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(fifo, mode); err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		if err := os.Chown(fifo, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	return fifo
}

// procUID is the real uid of pid, from /proc/PID/status.
func procUID(t *testing.T, pid int) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "Uid:"); ok {
			n, _ := strconv.Atoi(strings.Fields(rest)[0])
			return n
		}
	}
	t.Fatalf("no Uid line for pid %d", pid)
	return -1
}

// findProcess waits for the tail whose command line names marker.
func findProcess(t *testing.T, marker string) int {
	t.Helper()
	for range 100 {
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			b, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if strings.HasPrefix(string(b), "tail\x00") && strings.Contains(string(b), marker) {
				return pid
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no process with %q", marker)
	return -1
}

// Two root-run sandboxes at the same time are two host uids, neither the
// shared sandbox user's, and neither can signal the other; what one
// leaves running in the host's PID namespace is killed when its run ends.
func TestHostViewSandboxesAreStrangers(t *testing.T) {
	for _, r := range rootAndSudo(t) {
		t.Run(r.name, func(t *testing.T) {
			marker := fmt.Sprintf("/etc/shannot-it-%d-%s", os.Getpid(), r.name)
			done := make(chan result, 1)
			go func() {
				// tail retries a missing file for as long as the run lasts.
				done <- r.run(t, "--profile", "diagnostics", "run", "--timeout", "20s", "tail", "-F", "-n0", marker)
			}()
			pid := findProcess(t, marker)
			uidA := procUID(t, pid)
			sandboxUID := -1
			if out, err := exec.Command("id", "-u", sandboxUser).Output(); err == nil {
				sandboxUID, _ = strconv.Atoi(strings.TrimSpace(string(out)))
			}
			if uidA == 0 || uidA == sandboxUID || uidA < 65536 {
				t.Errorf("sandbox A runs as uid %d: want a uid of its own (not root, not %s's %d)", uidA, sandboxUser, sandboxUID)
			}
			res := r.run(t, throughFindIn("diagnostics", "perl", "-e",
				`printf "%d %s\n", $<, (kill(0, $ARGV[0]) ? "ok" : $!+0)`, strconv.Itoa(pid))...)
			f := strings.Fields(res.stdout)
			if len(f) != 2 || f[0] == strconv.Itoa(uidA) || f[1] != "1" {
				t.Errorf("sandbox B (uid, kill(0, A's tail)): %q %q; want another uid and EPERM (1)", res.stdout, res.stderr)
			}
			syscall.Kill(pid, syscall.SIGTERM)
			<-done

			// A run that leaves a process behind: it dies with the run.
			lm := fmt.Sprintf("shannot-it-leftover-%d-%s", os.Getpid(), r.name)
			res = r.run(t, throughFindIn("diagnostics", "perl", "-e",
				`if (fork() == 0) { setpgrp(0, 0); $0 = $ARGV[0]; sleep 30; exit 0 } print "forked\n"`, lm)...)
			if res.stdout != "forked\n" {
				t.Fatalf("leftover: %q %q", res.stdout, res.stderr)
			}
			time.Sleep(100 * time.Millisecond)
			ents, _ := os.ReadDir("/proc")
			for _, e := range ents {
				if b, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); strings.HasPrefix(string(b), lm) {
					n, _ := strconv.Atoi(e.Name())
					syscall.Kill(n, syscall.SIGKILL)
					t.Errorf("process %s %q outlived its run", e.Name(), b)
				}
			}
		})
	}
}

// An unprivileged caller has no uid to give the sandbox but its own: the
// command sees the host's processes, and the host-view policy keeps it
// from signalling the caller's own (which the kernel would allow).
func TestHostViewUnprivileged(t *testing.T) {
	u := unprivileged(t)
	victim := exec.Command("sleep", "61.5")
	victim.SysProcAttr = &syscall.SysProcAttr{Credential: u.cred}
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { victim.Process.Kill(); victim.Wait() }()
	pid := strconv.Itoa(victim.Process.Pid)
	initCmdline, _ := os.ReadFile("/proc/1/cmdline")
	// A key of the caller's own under /home: the command runs as the
	// caller, so only the mask over /home keeps it from an agent.
	homeDir, err := os.MkdirTemp("/home", "shannot-it-hostview-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(homeDir)
	key := filepath.Join(homeDir, "id_ed25519")
	if err := os.WriteFile(key, []byte("PRIVATE KEY\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{homeDir, key} {
		if err := os.Chown(f, int(u.cred.Uid), int(u.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	// A FIFO of the caller's own, 0600, where the bind of / shows it.
	fifo := hostFIFO(t, 0o600, u.cred)
	for _, p := range hostViewProfiles {
		res := u.run(t, opts{}, "--profile", p, "run", "cat", key)
		if res.code == 0 || strings.Contains(res.stdout, "PRIVATE") {
			t.Errorf("%s as %s: read the caller's own key under /home: exit %d %q", p, u.name, res.code, res.stdout)
		}
		res = u.run(t, opts{}, "--profile", p, "run", "cat", "/proc/1/cmdline")
		if res.code != 0 || res.stdout != string(initCmdline) {
			t.Errorf("%s as %s: pid 1's command line: exit %d %q %q", p, u.name, res.code, res.stdout, res.stderr)
		}
		res = u.run(t, opts{}, "--profile", p, "run", "ps", "-o", "pid=", "-p", pid)
		if strings.TrimSpace(res.stdout) != pid {
			t.Errorf("%s as %s: ps -p %s: %q %q", p, u.name, pid, res.stdout, res.stderr)
		}
		// The victim is the caller's own: the kernel would let a signal
		// through; the filter does not. Signal 0 only asks.
		res = u.run(t, opts{}, throughFindIn(p, "perl", "-e",
			`for my $s (0, 15, 9) { printf "%d %s\n", $s, kill($s, $ARGV[0]) ? "ok" : $!+0 }`, pid)...)
		if res.stdout != "0 1\n15 38\n9 38\n" {
			t.Errorf("%s as %s: signals to the caller's own process: %q %q; want ENOSYS (the filter's) for 15 and 9, EPERM (Landlock's signal scope) for 0", p, u.name, res.stdout, res.stderr)
		}
		res = u.run(t, opts{}, throughFindIn(p, "perl", "-e", attacks, "1", "shannot-it-none", fifo)...)
		if want := attacksWant; res.stdout != want {
			t.Errorf("%s as %s: attacks:\n%s\nwant:\n%s (%s)", p, u.name, res.stdout, want, res.stderr)
		}
	}
	if err := victim.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("the caller's process did not survive: %v", err)
	}
	// The controls: on the host, as the same user, the FIFO opens for
	// writing and the same perl kills the process.
	c0 := exec.Command("perl", "-e", `use Fcntl; print sysopen(my $f, $ARGV[0], O_RDWR) ? "ok\n" : "$!\n"`, fifo)
	c0.SysProcAttr = &syscall.SysProcAttr{Credential: u.cred}
	if out, _ := c0.Output(); string(out) != "ok\n" {
		t.Errorf("control: the user's own FIFO on the host: %q", out)
	}
	// The control: the same perl on the host, as the same user, kills it.
	c := exec.Command("perl", "-e", `print kill(15, $ARGV[0]) ? "ok\n" : "$!\n"`, pid)
	c.SysProcAttr = &syscall.SysProcAttr{Credential: u.cred}
	if out, _ := c.Output(); string(out) != "ok\n" {
		t.Errorf("control: the user's own kill on the host: %q", out)
	}
}

// Through shannot mcp, as root and as the unprivileged user: list_profiles
// says which views are the host's, and run_command answers with the
// host's pid 1 and df.
func TestHostViewThroughMCP(t *testing.T) {
	initCmdline, _ := os.ReadFile("/proc/1/cmdline")
	hostDF, err := exec.Command("df", "-P", "-k", "/").Output()
	if err != nil {
		t.Fatal(err)
	}
	hostDev, hostSize, _ := dfRoot(t, string(hostDF))
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			s := connect(t, id.mcpCmd(opts{}, "--profile", "diagnostics", "--profile", "minimal"))
			res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "list_profiles", Arguments: map[string]any{}})
			if err != nil {
				t.Fatal(err)
			}
			var list struct {
				Profiles []struct {
					Name        string
					Network     bool
					HostView    []string `json:"host_view"`
					SandboxView []string `json:"sandbox_view"`
				}
			}
			data, _ := json.Marshal(res.StructuredContent)
			json.Unmarshal(data, &list)
			want := []string{"processes", "network", "filesystems", "hostname", "logs"}
			if len(list.Profiles) != 2 || !slices.Equal(list.Profiles[0].HostView, want) || len(list.Profiles[0].SandboxView) != 0 || list.Profiles[0].Network ||
				len(list.Profiles[1].HostView) != 0 || !slices.Equal(list.Profiles[1].SandboxView, want) {
				t.Errorf("list_profiles: %s", data)
			}
			// ps prints pid 1's arguments joined by spaces (cat would give
			// NULs, which the result carries in base64).
			_, rep := call(t, s, "run_command", map[string]any{"command": []string{"ps", "-ww", "-o", "args=", "-p", "1"}})
			if want := strings.TrimSpace(strings.ReplaceAll(string(initCmdline), "\x00", " ")); rep.ExitCode != 0 || strings.TrimSpace(rep.Stdout) != want {
				t.Errorf("ps -o args= -p 1: %+v, want %q", rep, want)
			}
			_, rep = call(t, s, "run_command", map[string]any{"command": []string{"df", "-P", "-k", "/"}})
			if dev, size, _ := dfRoot(t, rep.Stdout); dev != hostDev || size != hostSize {
				t.Errorf("df / through MCP: %s %d, want the host's %s %d", dev, size, hostDev, hostSize)
			}
		})
	}
}

// A profile that puts a symlink where one of its writable mounts was
// (review R4: a tmpfs /usr/local/bin covered by a tmpfs /usr/local, then
// --symlink /var/tmp/... /usr/local/bin) would have shannot-init grant
// writes on the host directory the symlink leads to, FIFOs and all:
// shannot-init refuses a writable mount on a read-only file system.
func TestHostViewSymlinkedWritableMountIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a profile file of one's own with host views is a root run's here; run the integration tests as root (CI does)")
	}
	fifo := hostFIFO(t, 0o666, nil)
	var p map[string]any
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "profiles", "diagnostics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	p["name"] = "it-symlinked-tmpfs"
	p["seccomp_profile"] = "builtin:seccomp/hostview.json"
	p["allowed_commands"] = []string{}
	p["additional_args"] = []string{"--tmpfs", "/usr/local/bin", "--tmpfs", "/usr/local", "--symlink", filepath.Dir(fifo), "/usr/local/bin", "--chdir", "/"}
	prof := filepath.Join(mkdir(t, "symlinked-profile"), "p.json")
	b, _ = json.Marshal(p)
	if err := os.WriteFile(prof, b, 0o644); err != nil {
		t.Fatal(err)
	}
	res := asRoot(t).run(t, opts{}, "--profile", prof, "run", "perl", "-e",
		`use Fcntl; print sysopen(my $f, "/usr/local/bin/fifo", O_RDWR) ? "opened\n" : "refused $!\n"`)
	if res.code != 125 || strings.Contains(res.stdout, "opened") || !strings.Contains(res.stderr, "leads to a read-only file system") {
		t.Errorf("exit %d, stdout %q, stderr %q: want 125 and shannot-init's refusal", res.code, res.stdout, res.stderr)
	}
}
