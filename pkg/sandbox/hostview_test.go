package sandbox

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/bpf"

	"github.com/shannot-project/shannot/internal/identity"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/pkg/seccomp/bpfsim"
)

// The host-view policy, run through the offline simulator: netlink reads
// for ip and ss, no socketpair, and nothing else of sockets; no way to
// have the kernel signal another process; no setsid.
func TestHostViewPolicySockets(t *testing.T) {
	// The program shannot launches with: precompiled at build time, so
	// this runs without cgo too (precompile_test.go checks that it is
	// what libseccomp makes of the policy).
	host := seccomp.Host{Arch: "SCMP_ARCH_X86_64", GoArch: "amd64", Kernel: [2]int{6, 1}}
	l, err := OpenBuiltinPolicy("seccomp/hostview.json", seccomp.Options{Host: host, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	prog, err := seccomp.Decode(l.Program)
	if err != nil {
		t.Fatal(err)
	}
	if err := seccomp.CheckStart(prog, host, seccomp.SyscallNumber); err != nil {
		t.Fatalf("no command starts under hostview.json: %v", err)
	}
	const hi = 1 << 32 // the upper half of a register, which the kernel ignores for an int
	for _, tc := range []struct {
		call string
		arch string
		args []uint64
		want string
	}{
		{"socket", "SCMP_ARCH_X86_64", []uint64{16, 3, 0}, "ALLOW"},            // AF_NETLINK, SOCK_RAW, NETLINK_ROUTE: ip
		{"socket", "SCMP_ARCH_X86_64", []uint64{16, 0x80003, 4}, "ALLOW"},      // NETLINK_SOCK_DIAG, SOCK_CLOEXEC: ss
		{"socket", "SCMP_ARCH_X86_64", []uint64{16 | hi, 3, 0 | hi}, "ALLOW"},  // high bits ignored, as the kernel does
		{"socket", "SCMP_ARCH_X86_64", []uint64{16, 3, 9}, "ERRNO(ENOSYS)"},    // NETLINK_AUDIT and other protocols
		{"socket", "SCMP_ARCH_X86_64", []uint64{16, 3, 6}, "ERRNO(ENOSYS)"},    // NETLINK_XFRM
		{"socket", "SCMP_ARCH_X86_64", []uint64{2, 1, 0}, "ERRNO(EPERM)"},      // AF_INET: the host's 127.0.0.1
		{"socket", "SCMP_ARCH_X86_64", []uint64{2 | hi, 2, 0}, "ERRNO(EPERM)"}, // UDP, high bits set
		{"socket", "SCMP_ARCH_X86_64", []uint64{10, 1, 0}, "ERRNO(EPERM)"},     // AF_INET6
		{"socket", "SCMP_ARCH_X86_64", []uint64{1, 1, 0}, "ERRNO(EPERM)"},      // AF_UNIX: abstract and /run sockets
		{"socket", "SCMP_ARCH_X86_64", []uint64{17, 3, 0}, "ERRNO(EPERM)"},     // AF_PACKET
		{"socket", "SCMP_ARCH_X86_64", []uint64{40, 1, 0}, "ERRNO(EPERM)"},     // AF_VSOCK
		{"socket", "SCMP_ARCH_X86_64", []uint64{38, 5, 0}, "ERRNO(ENOSYS)"},    // AF_ALG and the rest: the default
		{"socketpair", "SCMP_ARCH_X86_64", []uint64{1, 1, 0}, "ERRNO(EPERM)"},  // a dgram pair re-aims at host sockets
		{"socketpair", "SCMP_ARCH_X86_64", []uint64{1, 2, 0}, "ERRNO(EPERM)"},
		{"socketpair", "SCMP_ARCH_X86_64", []uint64{2, 1, 0}, "ERRNO(EPERM)"},
		{"fcntl", "SCMP_ARCH_X86_64", []uint64{3, 4, 0x800}, "ALLOW"}, // F_SETFL
		{"fcntl", "SCMP_ARCH_X86_64", []uint64{3, 8, 4321}, "ERRNO(EPERM)"},
		{"fcntl", "SCMP_ARCH_X86_64", []uint64{3, 1<<32 | 8, 4321}, "ERRNO(EPERM)"}, // high bits ignored, as the kernel does
		{"fcntl", "SCMP_ARCH_X86_64", []uint64{3, 10, 9}, "ERRNO(EPERM)"},
		{"fcntl", "SCMP_ARCH_X86_64", []uint64{3, 15, 0}, "ERRNO(EPERM)"},
		{"ioctl", "SCMP_ARCH_X86_64", []uint64{3, 0x8901}, "ERRNO(EPERM)"},
		{"ioctl", "SCMP_ARCH_X86_64", []uint64{3, 0x8902}, "ERRNO(EPERM)"},
		{"setsid", "SCMP_ARCH_X86_64", nil, "ERRNO(EPERM)"},
		{"setpgid", "SCMP_ARCH_X86_64", []uint64{0, 0}, "ERRNO(EPERM)"},
		{"io_uring_setup", "SCMP_ARCH_X86_64", nil, "ERRNO(EPERM)"}, // sockets by another door
		{"ptrace", "SCMP_ARCH_X86_64", nil, "ERRNO(EPERM)"},         // host processes
		{"process_vm_readv", "SCMP_ARCH_X86_64", nil, "ERRNO(EPERM)"},
		{"pidfd_getfd", "SCMP_ARCH_X86_64", nil, "ERRNO(EPERM)"},
		{"capset", "SCMP_ARCH_X86_64", nil, "ALLOW"},                          // ip drops its (empty) capabilities
		{"kill", "SCMP_ARCH_X86_64", []uint64{1234, 15}, "ERRNO(ENOSYS)"},     // a host process of the same uid
		{"kill", "SCMP_ARCH_X86_64", []uint64{1<<64 - 5, 9}, "ERRNO(ENOSYS)"}, // a process group
		{"kill", "SCMP_ARCH_X86_64", []uint64{1234, 0}, "ALLOW"},              // does it exist?
		{"kill", "SCMP_ARCH_X86_64", []uint64{0, 15}, "ALLOW"},                // the sandbox's own group
		{"tgkill", "SCMP_ARCH_X86_64", []uint64{1, 1, 6}, "ERRNO(ENOSYS)"},
		{"tkill", "SCMP_ARCH_X86_64", []uint64{1, 9}, "ERRNO(ENOSYS)"},
		{"rt_sigqueueinfo", "SCMP_ARCH_X86_64", []uint64{1, 9}, "ERRNO(ENOSYS)"},
		{"rt_tgsigqueueinfo", "SCMP_ARCH_X86_64", []uint64{1, 1, 9}, "ERRNO(ENOSYS)"},
		{"pidfd_send_signal", "SCMP_ARCH_X86_64", []uint64{3, 9}, "ERRNO(ENOSYS)"},
		{"pidfd_send_signal", "SCMP_ARCH_X86_64", []uint64{3, 0}, "ALLOW"},
		{"prlimit64", "SCMP_ARCH_X86_64", []uint64{0, 7}, "ALLOW"},               // its own limits
		{"prlimit64", "SCMP_ARCH_X86_64", []uint64{4321, 7, 1}, "ERRNO(ENOSYS)"}, // another process's
		{"socket", "SCMP_ARCH_X32", []uint64{2, 1, 0}, "ERRNO(EPERM)"},           // x32 is filtered the same
		{"socket", "SCMP_ARCH_X32", []uint64{16, 3, 0}, "ALLOW"},
		{"102", "SCMP_ARCH_X86", []uint64{1}, "ERRNO(EPERM)"},       // i386 socketcall: arguments unreadable
		{"359", "SCMP_ARCH_X86", []uint64{2, 1, 0}, "ERRNO(EPERM)"}, // i386 socket(2)
		{"359", "SCMP_ARCH_X86", []uint64{16, 3, 0}, "ALLOW"},
	} {
		c, err := seccomp.NewCall(tc.call, tc.arch)
		if err != nil {
			t.Fatalf("%s on %s: %v", tc.call, tc.arch, err)
		}
		copy(c.Args[:], tc.args)
		ret, err := prog.Run(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := seccomp.ActionFromRet(ret).String(); got != tc.want {
			t.Errorf("%s%v on %s: %s, want %s", tc.call, tc.args, seccomp.ShortArch(tc.arch), got, tc.want)
		}
	}
}

// An unprivileged caller has no uid but its own to give a sandbox in
// the host's PID namespace (the policy keeps its signals in). A root-run
// one leases a uid of its own, given back at Close.
func TestLeaseIdentity(t *testing.T) {
	p := &profile.Profile{Name: "t", HostView: []string{profile.ViewProcesses}}
	sb := &Sandbox{Profile: p}
	if err := sb.leaseIdentity(Config{}); err != nil || sb.Identity != nil || sb.lease != nil {
		t.Fatalf("unprivileged: %v, %v; want the caller's own uid", sb.Identity, err)
	}
	root := &identity.Identity{User: "shannot-sandbox", UID: 999, GID: 999}
	if err := sb.leaseIdentity(Config{Identity: root}); err == nil {
		t.Fatal("no pool: accepted")
	}
	pool := &identity.Pool{Range: identity.Range{First: 0x70000000, Count: 4}, LockDir: t.TempDir()}
	if err := sb.leaseIdentity(Config{Identity: root, Pool: pool}); err != nil {
		t.Fatal(err)
	}
	if sb.Identity == root || !sb.Identity.Dynamic || sb.Identity.UID < 0x70000000 || sb.Identity.UID >= 0x70000004 || sb.Identity.GID != sb.Identity.UID {
		t.Fatalf("leased %v: want a uid of the range, its own gid", sb.Identity)
	}
	if !strings.Contains(sb.CommandLine("shannot"), "setpriv --reuid="+itoa(sb.Identity.UID)+" ") {
		t.Errorf("command line %q: want setpriv --reuid=%d", sb.CommandLine("shannot"), sb.Identity.UID)
	}
	sb.Close()
	if sb.lease != nil {
		t.Error("Close kept the lease")
	}
	// A profile that keeps its own PID namespace keeps the identity given.
	sb = &Sandbox{Profile: &profile.Profile{Name: "t"}, Identity: root}
	if err := sb.leaseIdentity(Config{Identity: root, Pool: pool}); err != nil || sb.Identity != root {
		t.Fatalf("no processes view: %v, %v", sb.Identity, err)
	}
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// A filter that lets through what a host view opens is refused, naming
// the call; the shipped host-view policy passes for every view.
func TestCheckHostViewFilter(t *testing.T) {
	open := func(name string) *seccomp.Loaded { return openBuiltin(t, name) }
	all := &profile.Profile{Name: "t", HostView: profile.Views}
	if err := checkHostViewFilter(all, open("seccomp/hostview.json")); err != nil {
		t.Errorf("hostview.json: %v", err)
	}
	for _, tc := range []struct {
		view, policy, want string
	}{
		{profile.ViewNetwork, "seccomp/readonly.json", "allows socket(AF_INET): TCP to the host's loopback"},
		{profile.ViewFilesystems, "seccomp/default.json", "allows socket(AF_INET): TCP to the host's loopback"},
		{profile.ViewProcesses, "seccomp/readonly.json", "allows kill(PID, SIGKILL) of a host process of the same uid"},
	} {
		p := &profile.Profile{Name: "t", HostView: []string{tc.view}}
		err := checkHostViewFilter(p, open(tc.policy))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/seccomp_profile") {
			t.Errorf("%s under %s: %v, want it to name %q", tc.view, tc.policy, err, tc.want)
		}
	}
	if err := checkHostViewFilter(&profile.Profile{Name: "t", HostView: []string{profile.ViewProcesses}}, nil); err == nil {
		t.Error("the processes view without a filter: accepted")
	}
	// hostname and logs open nothing a filter must close.
	if err := checkHostViewFilter(&profile.Profile{Name: "t", HostView: []string{profile.ViewHostname, profile.ViewLogs}}, nil); err != nil {
		t.Errorf("hostname and logs: %v", err)
	}
}

// A filter that allows one socket type of a refused family, or one
// signal but not SIGKILL, is refused too: the check tries every common
// type and signal, not only SOCK_STREAM and SIGKILL (review R3's UDP
// policy was accepted before).
func TestCheckHostViewFilterTriesTypesAndSignals(t *testing.T) {
	const x8664 = 0xc000003e
	eperm := uint32(0x00050000 | 1)
	// allowIf: on x86_64, call nr with args[i] == v for each pair: ALLOW;
	// anything else EPERM.
	allowIf := func(nr uint32, pairs ...[2]uint32) *seccomp.Loaded {
		insns := []bpf.Instruction{
			bpf.LoadAbsolute{Off: 4, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: x8664, SkipFalse: uint8(3 + 2*len(pairs))},
			bpf.LoadAbsolute{Off: 0, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipFalse: uint8(2*len(pairs) + 1)},
		}
		for i, p := range pairs {
			insns = append(insns, bpf.LoadAbsolute{Off: 16 + 8*p[0], Size: 4},
				bpf.JumpIf{Cond: bpf.JumpEqual, Val: p[1], SkipFalse: uint8(2*(len(pairs)-i-1) + 1)})
		}
		insns = append(insns, bpf.RetConstant{Val: 0x7fff0000}, bpf.RetConstant{Val: eperm})
		raw, err := bpf.Assemble(insns)
		if err != nil {
			t.Fatal(err)
		}
		return &seccomp.Loaded{Program: bpfsim.Encode(raw), Source: "test.bpf"}
	}
	for _, tc := range []struct {
		name string
		f    *seccomp.Loaded
		want string
	}{
		{"UDP only", allowIf(41, [2]uint32{0, 2}, [2]uint32{1, 2}), "socket(AF_INET): TCP to the host's loopback (as socket(2, 2, 0))"},
		{"UNIX datagrams only", allowIf(41, [2]uint32{0, 1}, [2]uint32{1, 2}), "socket(AF_UNIX)"},
		{"SIGTERM only", allowIf(62, [2]uint32{1, 15}), "kill(PID, SIGKILL) of a host process of the same uid (as kill(4321, 15))"},
		{"flock", allowIf(73), "flock on a host file"},
		{"exclusive terminal", allowIf(16, [2]uint32{1, 0x540C}), "ioctl(TIOCEXCL)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &profile.Profile{Name: "t", HostView: []string{profile.ViewNetwork, profile.ViewProcesses, profile.ViewFilesystems}}
			err := checkHostViewRefusals(p, tc.f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("checkHostViewRefusals: %v, want it to name %q", err, tc.want)
			}
		})
	}
}

// openBuiltin opens a shipped policy for this host, closed when the test
// ends.
func openBuiltin(t *testing.T, name string) *seccomp.Loaded {
	t.Helper()
	f, err := OpenBuiltinPolicy(name, seccomp.Options{Host: seccomp.ThisHost()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
