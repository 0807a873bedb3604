package seccomp

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// startable are the calls CheckStart needs.
var startable = []string{"execve", "brk", "mmap", "mprotect", "munmap", "openat", "read", "pread64", "close",
	"newfstatat", "arch_prctl", "exit_group", "wait4"}

const eperm = retErrno | 1

func TestCheckStartNamesEveryMissingCall(t *testing.T) {
	// The original guide's "minimal read-only" example.
	guideMinimal := allowing("open", "openat", "read", "readv", "pread64", "preadv", "close", "lseek", "stat", "fstat", "lstat",
		"newfstatat", "getdents", "getdents64", "readlink", "readlinkat", "brk", "mmap", "munmap", "mprotect", "exit", "exit_group",
		"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "getpid", "gettid", "getuid", "getgid", "geteuid", "getegid")
	guideMinimal = append(guideMinimal, testRule{name: "write", arg0: u32(1), ret: retAllow}, testRule{name: "write", arg0: u32(2), ret: retAllow})
	for _, tc := range []struct {
		name  string
		rules []testRule
		def   uint32
		want  []string // the calls named; nil: it starts
		words []string // and in the message
	}{
		{"guide's minimal filter", guideMinimal, eperm, []string{"execve", "arch_prctl", "wait4"},
			[]string{"it denies on x86_64 execve ERRNO(EPERM) (bwrap installs the filter", "arch_prctl ERRNO(EPERM) (the dynamic loader", "wait4 ERRNO(EPERM) (bwrap's own process 1", "allow execve, arch_prctl, wait4 (or run with --force)"}},
		{"allow everything", nil, retAllow, nil, nil},
		{"only what a start needs", allowing(startable...), eperm, nil, nil},
		{"nothing", nil, retErrno | 38, startable, []string{"ERRNO(ENOSYS)"}},
		{"kill on execve", append([]testRule{{name: "execve", ret: retKillProcess}}, allowing(startable...)...), eperm, []string{"execve"}, []string{"execve KILL_PROCESS"}},
		{"LOG permits", append([]testRule{{name: "execve", ret: retLog}}, allowing(startable...)...), eperm, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckStart(testProgram(t, tc.def, tc.rules...), hostX8664, SyscallNumber)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("CheckStart = %v, want nil", err)
				}
				return
			}
			var se *StartError
			if !errors.As(err, &se) {
				t.Fatalf("CheckStart = %v, want a *StartError", err)
			}
			if !slices.Equal(se.Calls(), tc.want) {
				t.Errorf("calls %v, want %v", se.Calls(), tc.want)
			}
			for _, w := range tc.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q\ndoes not say %q", err, w)
				}
			}
		})
	}
}

func TestHazards(t *testing.T) {
	base := allowing(startable...)
	for _, tc := range []struct {
		name  string
		rules []testRule
		def   uint32
		want  []string
	}{
		// The guide's OCI list: clone but no rt_sigreturn, no clone3.
		{"guide's OCI list", append(allowing("clone", "exit", "restart_syscall"), base...), eperm, []string{"rt_sigreturn", "clone3"}},
		{"clone3 ENOSYS is what libc wants", append(append(allowing("clone", "exit", "restart_syscall", "rt_sigreturn"), testRule{name: "clone3", ret: retErrno | 38}), base...), eperm, nil},
		{"allow everything", nil, retAllow, nil},
		{"nothing but a start", base, retErrno | 38, []string{"rt_sigreturn", "restart_syscall", "exit", "clone"}},
		{"clone and clone3 denied: clone named", append(allowing("exit", "restart_syscall", "rt_sigreturn"), base...), eperm, []string{"clone"}},
		{"clone3 killed", append(append(allowing("clone", "exit", "restart_syscall", "rt_sigreturn"), testRule{name: "clone3", ret: retKillThread}), base...), eperm, []string{"clone3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs, err := Hazards(testProgram(t, tc.def, tc.rules...), hostX8664, SyscallNumber)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hs {
				got = append(got, h.Call)
				if !strings.Contains(h.String(), h.Call) || !strings.Contains(h.String(), h.Fix) {
					t.Errorf("hazard %q names neither call nor fix", h)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("hazards %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDeniesStatusWrite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules []testRule
		def   uint32
		want  bool
	}{
		{"write to stdout and stderr only", []testRule{{name: "write", arg0: u32(1), ret: retAllow}, {name: "write", arg0: u32(2), ret: retAllow}}, eperm, true},
		{"write allowed", allowing("write"), eperm, false},
		{"everything allowed", nil, retAllow, false},
		{"write denied on fd 9", []testRule{{name: "write", arg0: u32(9), ret: eperm}}, retAllow, true},
		{"write denied on fd 40 only", []testRule{{name: "write", arg0: u32(40), ret: eperm}}, retAllow, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DeniesStatusWrite(testProgram(t, tc.def, tc.rules...), hostX8664, 2, SyscallNumber)
			if err != nil || got != tc.want {
				t.Errorf("DeniesStatusWrite = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
