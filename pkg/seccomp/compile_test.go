//go:build cgo

package seccomp

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mobyseccomp "github.com/moby/profiles/seccomp"

	"github.com/shannot-project/shannot/profiles"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

var x8664 = Host{Arch: "SCMP_ARCH_X86_64", GoArch: "amd64", Kernel: [2]int{6, 1}}

// compile compiles a policy for x86_64 and decodes the program.
func compile(t *testing.T, policy string) (*Program, *Compiled) {
	t.Helper()
	_, comp, err := CompilePolicy("test.json", []byte(policy), Options{Host: x8664})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(comp.Program)
	if err != nil {
		t.Fatal(err)
	}
	return p, comp
}

// call builds a call by name on an architecture.
func call(t *testing.T, name, arch string, args ...uint64) Call {
	t.Helper()
	nr, err := SyscallNumber(name, arch)
	if err != nil {
		t.Fatal(err)
	}
	c := Call{Nr: nr, Arch: auditArches[arch]}
	copy(c.Args[:], args)
	return c
}

type expect struct {
	name string
	arch string
	args []uint64
	want string
}

func check(t *testing.T, p *Program, table []expect) {
	t.Helper()
	for _, e := range table {
		c := call(t, e.name, e.arch, e.args...)
		ret, err := p.Run(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := ActionFromRet(ret).String(); got != e.want {
			t.Errorf("%s%v on %s = %s, want %s", e.name, e.args, ShortArch(e.arch), got, e.want)
		}
		// golang.org/x/net/bpf's VM agrees on what libseccomp emits
		// (no shifts by X, no division), and the step count is plausible.
		if vret := vmRun(t, p, c); vret != ret {
			t.Errorf("%s: x/net/bpf's VM gives %#x, the simulator %#x", e.name, vret, ret)
		}
		if _, steps, err := p.Trace(c); err != nil || steps < 1 {
			t.Errorf("Trace(%s): %d steps, %v", e.name, steps, err)
		}
	}
}

// vmRun runs p in golang.org/x/net/bpf's VM, an independent check of
// the simulator for programs without the instructions it gets wrong. The
// VM loads big-endian words: each 32-bit word of the little-endian
// struct seccomp_data is byte-swapped.
func vmRun(t *testing.T, p *Program, c Call) uint32 {
	t.Helper()
	vm, err := bpf.NewVM(p.Instructions)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, seccompDataSize)
	for off := 0; off < len(b); off += 4 {
		binary.BigEndian.PutUint32(b[off:], c.Word(uint32(off)))
	}
	ret, err := vm.Run(b)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(ret)
}

const (
	x86   = "SCMP_ARCH_X86"
	x64   = "SCMP_ARCH_X86_64"
	x32   = "SCMP_ARCH_X32"
	arm64 = "SCMP_ARCH_AARCH64"
)

func TestGuideWriteOnlyToStdoutAndStderr(t *testing.T) {
	// The original guide's "write to stdout/stderr only", in OCI JSON.
	p, _ := compile(t, `{"defaultAction": "SCMP_ACT_ERRNO",
		"syscalls": [
			{"names": ["read", "exit_group", "execve", "brk", "mmap"], "action": "SCMP_ACT_ALLOW"},
			{"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
			{"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}
		]}`)
	check(t, p, []expect{
		{"write", x64, []uint64{1}, "ALLOW"},
		{"write", x64, []uint64{2}, "ALLOW"},
		{"write", x64, []uint64{3}, "ERRNO(EPERM)"},
		{"write", x64, []uint64{1 | 1<<32}, "ERRNO(EPERM)"}, // EQ compares all 64 bits
		{"read", x64, nil, "ALLOW"},
		{"openat", x64, nil, "ERRNO(EPERM)"},
		// Not listed: x86 and x32 calls are killed, never allowed.
		{"read", x86, nil, "KILL_PROCESS"},
		{"read", arm64, nil, "KILL_PROCESS"},
	})
	// x32 calls come with x86_64's arch token and 0x40000000 in the number.
	x32read := call(t, "read", x32)
	if ret, _ := p.Run(x32read); ActionFromRet(ret).Permits() {
		t.Errorf("x32 read(%#x) is allowed by a filter for x86_64 only", x32read.Nr)
	}
}

func TestActionsAndOperators(t *testing.T) {
	p, _ := compile(t, `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		"syscalls": [
			{"names": ["mount"], "action": "SCMP_ACT_KILL"},
			{"names": ["umount2"], "action": "SCMP_ACT_KILL_PROCESS"},
			{"names": ["chroot"], "action": "SCMP_ACT_TRAP"},
			{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
			{"names": ["setns"], "action": "SCMP_ACT_ERRNO", "errno": "EACCES"},
			{"names": ["unshare"], "action": "SCMP_ACT_TRACE", "errnoRet": 7},
			{"names": ["reboot"], "action": "SCMP_ACT_LOG"},
			{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_NE"}]},
			{"names": ["lseek"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 2, "value": 2, "op": "SCMP_CMP_GT"}]},
			{"names": ["dup2"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 3, "op": "SCMP_CMP_LT"}]},
			{"names": ["dup3"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 3, "op": "SCMP_CMP_LE"}]},
			{"names": ["fcntl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 1030, "op": "SCMP_CMP_GE"}]},
			{"names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 4294967295, "valueTwo": 21522, "op": "SCMP_CMP_MASKED_EQ"}]},
			{"name": "socket", "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}]}
		]}`)
	check(t, p, []expect{
		{"mount", x64, nil, "KILL_THREAD"},
		{"umount2", x64, nil, "KILL_PROCESS"},
		{"chroot", x64, nil, "TRAP"},
		{"ptrace", x64, nil, "ERRNO(EACCES)"},
		{"setns", x64, nil, "ERRNO(EACCES)"},
		{"unshare", x64, nil, "TRACE(7)"},
		{"reboot", x64, nil, "LOG"},
		{"kill", x64, []uint64{1, 15}, "ERRNO(EPERM)"},
		{"kill", x64, []uint64{1, 9}, "ALLOW"},
		{"lseek", x64, []uint64{0, 0, 3}, "ERRNO(EPERM)"},
		{"lseek", x64, []uint64{0, 0, 2}, "ALLOW"},
		{"dup2", x64, []uint64{0, 2}, "ERRNO(EPERM)"},
		{"dup2", x64, []uint64{0, 3}, "ALLOW"},
		{"dup3", x64, []uint64{0, 3}, "ERRNO(EPERM)"},
		{"dup3", x64, []uint64{0, 4}, "ALLOW"},
		{"fcntl", x64, []uint64{0, 1030}, "ERRNO(EPERM)"},
		{"fcntl", x64, []uint64{0, 1029}, "ALLOW"},
		// MASKED_EQ: value is the mask, valueTwo the datum; high bits ignored.
		{"ioctl", x64, []uint64{1, 0x5412}, "ERRNO(EPERM)"},
		{"ioctl", x64, []uint64{1, 0xdead00005412}, "ERRNO(EPERM)"},
		{"ioctl", x64, []uint64{1, 0x5413}, "ALLOW"},
		{"socket", x64, []uint64{16}, "ERRNO(EPERM)"},
		{"socket", x64, []uint64{2}, "ALLOW"},
		// The listed 32-bit ABIs are compiled in too.
		{"mount", x86, nil, "KILL_THREAD"},
		{"ptrace", x86, nil, "ERRNO(EACCES)"},
		{"ptrace", x32, nil, "ERRNO(EACCES)"},
		{"read", x32, nil, "ALLOW"},
		{"read", arm64, nil, "KILL_PROCESS"},
	})
}

func TestPolicyErrors(t *testing.T) {
	for _, tc := range []struct{ name, policy, want string }{
		{"not JSON", `{"defaultAction": }`, `seccomp policy p.json: line 1, column 19: invalid JSON`},
		{"no default", `{}`, `/defaultAction: unknown action ""`},
		{"typo in action", `{"defaultAction": "SCMP_ACT_ALLOWW"}`, `/defaultAction: unknown action "SCMP_ACT_ALLOWW"; did you mean "SCMP_ACT_ALLOW"?`},
		{"unknown key", `{"defaultAction": "SCMP_ACT_ALLOW", "sycalls": []}`, `/sycalls: unknown key "sycalls"; did you mean "syscalls"?`},
		{"unknown arg key", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ", "valuetwo": 1}]}]}`, `/syscalls/0/args/0/valuetwo: unknown key "valuetwo"; did you mean "valueTwo"?`},
		{"notify", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOTIFY"}]}`, `/syscalls/0/action: SCMP_ACT_NOTIFY cannot be honoured: bwrap installs no user-notification listener`},
		{"flags", `{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"]}`, `/flags: filter flags cannot be honoured`},
		{"listener", `{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/x.sock"}`, `/listenerPath: a user-notification listener cannot be honoured`},
		{"errno too large", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4095}]}`, `/syscalls/0/errnoRet: errno 4095 is above 4094`},
		{"default errno too large", `{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 70000}`, `/defaultAction: errno 70000 is above 4094`},
		{"errno on allow", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1}]}`, `SCMP_ACT_ALLOW takes no errno`},
		{"arg index", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}`, `/syscalls/0/args/0/index: argument index 6 is out of range`},
		{"bad op", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQUAL"}]}]}`, `did you mean "SCMP_CMP_EQ"?`},
		{"two conditions on one argument", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_GT"}, {"index": 0, "value": 9, "op": "SCMP_CMP_LT"}]}]}`, `/syscalls/0/args/1: a second condition on argument 0`},
		{"arch and archMap", `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"], "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": []}]}`, `/archMap: use either "architectures" or "archMap"`},
		{"unknown arch", `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_46"]}`, `did you mean "SCMP_ARCH_X86_64"?`},
		{"no names", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ERRNO"}]}`, `/syscalls/0/names: no system call named`},
		{"not an object", `[1]`, `must be a JSON object`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := CompilePolicy("p.json", []byte(tc.policy), Options{Host: x8664})
			var pe *PolicyError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v\nwant a *PolicyError containing %q", err, tc.want)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("not one line: %q", err)
			}
		})
	}
}

func TestConflicts(t *testing.T) {
	for _, tc := range []struct{ name, policy, want string }{
		{"same call and args, different actions", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
			{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
			{"names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5}]}`,
			`/syscalls/1 conflicts with /syscalls/0: both give write, one ALLOW and the other ERRNO(EIO); keep one`},
		{"unconditional overrides conditional", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
			{"names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5, "args": [{"index": 1, "value": 4294967295, "valueTwo": 21522, "op": "SCMP_CMP_MASKED_EQ"}]},
			{"names": ["ioctl"], "action": "SCMP_ACT_ALLOW"}]}`,
			`/syscalls/1 (ioctl ALLOW, unconditional) would override /syscalls/0 (ioctl when arg1 & 0xffffffff == 0x5412 ERRNO(EIO))`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := CompilePolicy("p.json", []byte(tc.policy), Options{Host: x8664})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v\nwant %q", err, tc.want)
			}
		})
	}
	// A rule that repeats the default is left out and noted, not an error.
	f, _, err := CompilePolicy("p.json", []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
		{"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["mount"], "action": "SCMP_ACT_ERRNO"}]}`), Options{Host: x8664})
	if err != nil || len(f.Rules) != 1 || !strings.Contains(strings.Join(f.Notes, "\n"), "/syscalls/1 (mount) left out: ERRNO(EPERM) is already the default action") {
		t.Fatalf("redundant rule: %v, %+v", err, f)
	}
}

func TestUnknownNames(t *testing.T) {
	policy := `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "listmount", "no_such_call"], "action": "SCMP_ACT_ALLOW"}]}`
	_, comp, err := CompilePolicy("p.json", []byte(policy), Options{Host: x8664})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(comp.Unknown, ",") != "listmount,no_such_call" {
		t.Errorf("Unknown = %v", comp.Unknown)
	}
	if _, _, err := CompilePolicy("p.json", []byte(policy), Options{Host: x8664, Strict: true}); err == nil ||
		!strings.Contains(err.Error(), "[listmount no_such_call]") {
		t.Errorf("strict: %v", err)
	}
}

func TestDockerDefaultProfile(t *testing.T) {
	data, err := json.Marshal(mobyseccomp.DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	f, comp, err := CompilePolicy("docker-default.json", data, Options{Host: x8664})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.Arches, ",") != "SCMP_ARCH_X86_64,SCMP_ARCH_X86,SCMP_ARCH_X32" {
		t.Errorf("archMap resolved to %v", f.Arches)
	}
	p, err := Decode(comp.Program)
	if err != nil {
		t.Fatal(err)
	}
	check(t, p, []expect{
		{"read", x64, nil, "ALLOW"},
		{"read", x86, nil, "ALLOW"},
		{"read", x32, nil, "ALLOW"},
		{"mount", x64, nil, "ERRNO(EPERM)"},                  // needs CAP_SYS_ADMIN: never in the sandbox
		{"clone3", x64, nil, "ERRNO(ENOSYS)"},                // excluded only with CAP_SYS_ADMIN
		{"ptrace", x64, nil, "ALLOW"},                        // minKernel 4.8 holds here
		{"clone", x64, []uint64{0x10000000}, "ERRNO(EPERM)"}, // CLONE_NEWUSER
		{"clone", x64, []uint64{0x11}, "ALLOW"},
		{"arch_prctl", x64, nil, "ALLOW"}, // includes.arches amd64
		{"read", arm64, nil, "KILL_PROCESS"},
	})
	if n := len(comp.Program) / InstructionSize; n > MaxInstructions || n < 300 {
		t.Errorf("Docker's profile compiled to %d instructions", n)
	}
	// On an old kernel the minKernel rule is left out.
	old := x8664
	old.Kernel = [2]int{4, 4}
	_, comp, err = CompilePolicy("docker-default.json", data, Options{Host: old})
	if err != nil {
		t.Fatal(err)
	}
	p, _ = Decode(comp.Program)
	check(t, p, []expect{{"ptrace", x64, nil, "ERRNO(EPERM)"}})
}

func TestShippedPolicies(t *testing.T) {
	names, _ := fs.Glob(profiles.FS, "seccomp/*.json")
	if len(names) != 3 {
		t.Fatalf("shipped policies: %v", names)
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			data, _ := fs.ReadFile(profiles.FS, n)
			_, comp, err := CompilePolicy(n, data, Options{Host: x8664, Strict: true})
			if err != nil {
				t.Fatal(err)
			}
			p, _ := Decode(comp.Program)
			if err := CheckStart(p, x8664, SyscallNumber); err != nil {
				t.Errorf("a command cannot start under %s: %v", n, err)
			}
		})
	}
	data, _ := fs.ReadFile(profiles.FS, "seccomp/readonly.json")
	_, comp, _ := CompilePolicy("readonly.json", data, Options{Host: x8664, Strict: true})
	p, _ := Decode(comp.Program)
	const nsFlags = unix.CLONE_NEWNS | unix.CLONE_NEWUSER
	check(t, p, []expect{
		{"openat", x64, nil, "ALLOW"},
		{"getdents64", x64, nil, "ALLOW"},
		{"execve", x64, nil, "ALLOW"},
		{"rt_sigreturn", x64, nil, "ALLOW"},
		{"mount", x64, nil, "ERRNO(EPERM)"},
		{"ptrace", x64, nil, "ERRNO(EPERM)"},
		{"bpf", x64, nil, "ERRNO(EPERM)"},
		{"unshare", x64, nil, "ERRNO(EPERM)"},
		{"io_uring_setup", x64, nil, "ERRNO(EPERM)"},
		{"userfaultfd", x86, nil, "ERRNO(EPERM)"},
		{"clone3", x64, nil, "ERRNO(ENOSYS)"},
		{"clone", x64, []uint64{unix.CLONE_VM | unix.CLONE_THREAD}, "ALLOW"},
		{"clone", x64, []uint64{nsFlags}, "ERRNO(EPERM)"},
		{"clone", x64, []uint64{unix.CLONE_NEWNET}, "ERRNO(EPERM)"},
		{"ioctl", x64, []uint64{1, unix.TCGETS}, "ALLOW"},
		{"ioctl", x64, []uint64{1, unix.TIOCSTI}, "ERRNO(EPERM)"},
		{"ioctl", x64, []uint64{1, 0xffffffff00000000 | unix.TIOCSTI}, "ERRNO(EPERM)"},
		{"ioctl", x64, []uint64{1, unix.TIOCLINUX}, "ERRNO(EPERM)"},
		{"ioctl", x86, []uint64{1, unix.TIOCSTI}, "ERRNO(EPERM)"},
		{"personality", x64, []uint64{0xffffffff}, "ALLOW"},
		{"personality", x64, []uint64{0x0400000}, "ERRNO(ENOSYS)"},
		{"reboot", x64, nil, "ERRNO(EPERM)"},
		{"read", arm64, nil, "KILL_PROCESS"},
	})
}

// TestShippedPoliciesSocketFamilies: socket() is an allow-list of the
// families a network namespace isolates, compared on the low 32 bits;
// AF_VSOCK, which no namespace isolates, and the rest get the default.
func TestShippedPoliciesSocketFamilies(t *testing.T) {
	const garbage = 0xdeadbeef00000000 // the upper half of an int argument may be anything
	for _, tc := range []struct {
		policy, deny, socketcall string
	}{
		{"readonly", "ERRNO(ENOSYS)", "ERRNO(EPERM)"},
		{"default", "ERRNO(EPERM)", "ERRNO(EAFNOSUPPORT)"},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			data, err := fs.ReadFile(profiles.FS, "seccomp/"+tc.policy+".json")
			if err != nil {
				t.Fatal(err)
			}
			_, comp, err := CompilePolicy(tc.policy, data, Options{Host: x8664, Strict: true})
			if err != nil {
				t.Fatal(err)
			}
			p, _ := Decode(comp.Program)
			var table []expect
			for _, arch := range []string{x64, x32} {
				for _, name := range []string{"socket", "socketpair"} {
					for _, fam := range []uint64{unix.AF_UNIX, unix.AF_INET, unix.AF_INET6, unix.AF_NETLINK} {
						table = append(table,
							expect{name, arch, []uint64{fam, unix.SOCK_STREAM}, "ALLOW"},
							expect{name, arch, []uint64{garbage | fam, unix.SOCK_DGRAM | unix.SOCK_CLOEXEC}, "ALLOW"})
					}
					for _, fam := range []uint64{unix.AF_VSOCK, unix.AF_PACKET, unix.AF_BLUETOOTH, unix.AF_ALG, unix.AF_KEY, unix.AF_UNSPEC, 1 << 32} {
						table = append(table,
							expect{name, arch, []uint64{fam, unix.SOCK_STREAM}, tc.deny},
							expect{name, arch, []uint64{garbage | fam, unix.SOCK_STREAM}, tc.deny})
					}
				}
			}
			check(t, p, table)
			// i386: socket() directly (number 359) is filtered by family
			// too; socketcall, whose arguments are in memory, is denied.
			i386 := func(nr int32, args ...uint64) Call {
				c := Call{Nr: nr, Arch: auditArches[x86]}
				copy(c.Args[:], args)
				return c
			}
			for _, c := range []struct {
				call Call
				want string
			}{
				{i386(359, unix.AF_UNIX, unix.SOCK_STREAM), "ALLOW"},
				{i386(359, unix.AF_INET, unix.SOCK_STREAM), "ALLOW"},
				{i386(359, unix.AF_VSOCK, unix.SOCK_STREAM), tc.deny},
				{i386(359, unix.AF_PACKET, unix.SOCK_RAW), tc.deny},
				{i386(102, 1, 0x1000), tc.socketcall}, // SYS_SOCKET
				{i386(102, 3, 0x1000), tc.socketcall}, // SYS_CONNECT
			} {
				ret, err := p.Run(c.call)
				if err != nil {
					t.Fatal(err)
				}
				if got := ActionFromRet(ret).String(); got != c.want {
					t.Errorf("i386 call %d%v = %s, want %s", c.call.Nr, c.call.Args[:2], got, c.want)
				}
			}
		})
	}
}

func TestCache(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Host: x8664, Cache: &Cache{Dir: dir}}
	policy := []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "no_such_call"], "action": "SCMP_ACT_ALLOW"}]}`)
	first, err := FromBytes("p.json", policy, opts)
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	second, err := FromBytes("p.json", policy, opts)
	if err != nil {
		t.Fatal(err)
	}
	second.Close()
	if first.Cached || !second.Cached || string(first.Program) != string(second.Program) ||
		strings.Join(second.Unknown, ",") != "no_such_call" {
		t.Fatalf("first cached=%v, second cached=%v, unknown %v", first.Cached, second.Cached, second.Unknown)
	}
	// A corrupt entry is ignored and rebuilt, never trusted.
	entries, _ := filepath.Glob(filepath.Join(dir, "*.bpf"))
	if len(entries) != 1 {
		t.Fatalf("cache holds %v", entries)
	}
	data, _ := os.ReadFile(entries[0])
	data[len(data)-1] ^= 0xff
	os.WriteFile(entries[0], data, 0o644)
	third, err := FromBytes("p.json", policy, opts)
	if err != nil {
		t.Fatal(err)
	}
	third.Close()
	if third.Cached || string(third.Program) != string(first.Program) {
		t.Errorf("a corrupt cache entry was used")
	}
}

// A full-width comparison of a 32-bit argument is reported the way
// unknown call names are: on the Loaded filter, cached or not.
func TestIntArgWarningsReachLoaded(t *testing.T) {
	policy := []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 21522, "op": "SCMP_CMP_EQ"}]}]}`)
	opts := Options{Host: x8664, Cache: &Cache{Dir: t.TempDir()}}
	for _, want := range []bool{false, true} {
		l, err := FromBytes("p.json", policy, opts)
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		if l.Cached != want || len(l.Warnings) != 1 || !strings.HasPrefix(l.Warnings[0], "seccomp policy p.json: /syscalls/0/args/0: SCMP_CMP_EQ compares all 64 bits of ioctl's request") {
			t.Errorf("cached=%v: warnings %q", l.Cached, l.Warnings)
		}
	}
	// The shipped policies compare their 32-bit arguments correctly.
	names, _ := fs.Glob(profiles.FS, "seccomp/*.json")
	for _, n := range names {
		data, _ := fs.ReadFile(profiles.FS, n)
		if _, comp, err := CompilePolicy(n, data, Options{Host: x8664}); err != nil || len(comp.Warnings) > 0 {
			t.Errorf("%s: %v %q", n, err, comp.Warnings)
		}
	}
}

// On x86, libseccomp names socket calls with pseudo numbers the kernel
// never passes: explain must not simulate those.
func TestNewCallRefusesPseudoNumbers(t *testing.T) {
	if _, err := NewCall("socket", x86); err == nil || !strings.Contains(err.Error(), "gives socket no call number of its own on x86") {
		t.Errorf("NewCall(socket, x86) = %v", err)
	}
	if c, err := NewCall("socket", x64); err != nil || c.Nr != unix.SYS_SOCKET {
		t.Errorf("NewCall(socket, x86_64) = %+v, %v", c, err)
	}
}
