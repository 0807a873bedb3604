//go:build integration

package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mobyseccomp "github.com/moby/profiles/seccomp"
)

// seccompProfile writes a profile whose seccomp_profile is policyRef
// (relative to the profile's directory) next to the given files.
func seccompProfile(t *testing.T, policyRef string, files map[string]string) string {
	t.Helper()
	dir := mkdir(t, "seccomp")
	for name, body := range files {
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	profile := strings.Replace(open(), `"name": "open"`, fmt.Sprintf(`"name": "seccomp", "seccomp_profile": %q`, policyRef), 1)
	f := filepath.Join(dir, "profile.json")
	os.WriteFile(f, []byte(profile), 0o644)
	return f
}

func TestSeccompDeniedCallGetsThePolicysErrno(t *testing.T) {
	profile := seccompProfile(t, "policy.json", map[string]string{"policy.json": `{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}`})
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			r := id.run(t, opts{}, "--profile", profile, "run", "mkdir", "/tmp/x")
			if r.code != 1 || !strings.Contains(r.stderr, "mkdir: cannot create directory '/tmp/x': Permission denied") {
				t.Errorf("mkdir under a policy giving EACCES: exit %d, %q", r.code, r.stderr)
			}
			r = id.run(t, opts{}, "--profile", profile, "run", "sh", "-c", "echo fine > /tmp/y && cat /tmp/y")
			if r.code != 0 || r.stdout != "fine\n" {
				t.Errorf("a call the policy allows: exit %d, %q %q", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestSeccompShippedPolicies(t *testing.T) {
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			// The shipped profiles that use the readonly policy.
			for _, name := range []string{"readonly", "diagnostics", "systemd"} {
				r := id.run(t, opts{}, "--profile", name, "run", "ls", "/")
				if r.code != 0 || !strings.Contains(r.stdout, "usr") || r.stderr != "" {
					t.Errorf("%s: ls /: exit %d, %q %q", name, r.code, r.stdout, r.stderr)
				}
			}
			// Each shipped policy from a file profile, by relative path.
			for _, preset := range []string{"readonly", "default"} {
				policy := id.run(t, opts{}, "seccomp", "compile", preset, "-")
				if policy.code != 0 {
					t.Fatalf("compile %s: %s", preset, policy.stderr)
				}
				profile := seccompProfile(t, "filters/"+preset+".bpf", map[string]string{"filters/" + preset + ".bpf": policy.stdout})
				r := id.run(t, opts{}, "--profile", profile, "run", "ls", "/")
				if r.code != 0 || !strings.Contains(r.stdout, "usr") {
					t.Errorf("%s.bpf: ls /: exit %d, %q %q", preset, r.code, r.stdout, r.stderr)
				}
			}
			// What readonly denies, from inside: new namespaces and mounts.
			r := id.run(t, opts{}, "--profile", "readonly", "run", "--dry-run", "ls")
			if !strings.Contains(r.stdout, "--seccomp 3") {
				t.Fatalf("readonly has no filter: %s", r.stdout)
			}
			r = id.run(t, opts{}, "--profile", seccompProfile(t, "readonly.bpf", map[string]string{"readonly.bpf": id.run(t, opts{}, "seccomp", "compile", "readonly", "-").stdout}),
				"run", "sh", "-c", "unshare -U true; unshare -m true")
			if strings.Count(r.stderr, "Operation not permitted") != 2 {
				t.Errorf("unshare under readonly: exit %d, %q; want EPERM twice", r.code, r.stderr)
			}
		})
	}
}

func TestSeccompPolicyWithoutExecveIsRefused(t *testing.T) {
	// The original guide's "minimal read-only" example allows no execve.
	profile := seccompProfile(t, "guide.json", map[string]string{"guide.json": `{"defaultAction": "SCMP_ACT_ERRNO",
		"syscalls": [{"names": ["open", "openat", "read", "readv", "pread64", "close", "lseek", "stat", "fstat", "lstat",
			"newfstatat", "getdents", "getdents64", "readlink", "readlinkat", "brk", "mmap", "munmap", "mprotect", "exit",
			"exit_group", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "getpid", "gettid", "getuid", "getgid",
			"geteuid", "getegid"], "action": "SCMP_ACT_ALLOW"},
			{"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
			{"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]}`})
	id := identities(t)[0]
	r := id.run(t, opts{}, "--profile", profile, "run", "ls", "/")
	want := "shannot: seccomp filter " + filepath.Join(filepath.Dir(profile), "guide.json") +
		": it denies on x86_64 execve ERRNO(EPERM) (bwrap installs the filter just before it executes the command, so the command could never start); " +
		"arch_prctl ERRNO(EPERM) (the dynamic loader makes these calls before the command's own code runs, so every dynamically linked command would crash at start); " +
		"wait4 ERRNO(EPERM) (bwrap's own process 1 in the sandbox runs under the filter too and waits for the command with it; without it bwrap fails with \"init wait(): Operation not permitted\"); " +
		"allow execve, arch_prctl, wait4 (or run with --force)\n"
	if r.code != 125 || r.stderr != want {
		t.Errorf("exit %d, stderr %q\nwant 125, %q", r.code, r.stderr, want)
	}
	// --force runs it anyway, and bwrap fails as the check said.
	r = id.run(t, opts{}, "--profile", profile, "run", "--force", "ls", "/")
	if r.code != 125 || !strings.Contains(r.stderr, "Operation not permitted") {
		t.Errorf("--force: exit %d, %q", r.code, r.stderr)
	}
}

func TestSeccompDockerProfile(t *testing.T) {
	docker, err := json.Marshal(mobyseccomp.DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(docker), `"archMap"`) || !strings.Contains(string(docker), `"includes"`) || !strings.Contains(string(docker), `"excludes"`) {
		t.Fatal("Docker's profile lost its archMap/includes/excludes")
	}
	profile := seccompProfile(t, "docker.json", map[string]string{"docker.json": string(docker)})
	digest := sha256.Sum256(docker)
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			cache := filepath.Join(id.home, ".cache", "shannot", "seccomp")
			if id.name == "root" {
				cache = "/var/cache/shannot/seccomp"
			}
			// The unknown names are said once per policy: forget that it was.
			os.Remove(filepath.Join(cache, "said-unknown-"+hex.EncodeToString(digest[:])))
			r := id.run(t, opts{}, "--profile", profile, "run", "ls", "/")
			if r.code != 0 || !strings.Contains(r.stdout, "usr") {
				t.Errorf("ls / under Docker's profile: exit %d, %q %q", r.code, r.stdout, r.stderr)
			}
			// Names newer than libseccomp 2.5.4 are reported, not hidden.
			if !strings.Contains(r.stderr, "shannot: warning: seccomp policy") || !strings.Contains(r.stderr, "listmount") {
				t.Errorf("no warning about unknown calls: %q", r.stderr)
			}
			// Cached: the second launch finds the compiled program.
			if entries, _ := filepath.Glob(filepath.Join(cache, "*.bpf")); len(entries) == 0 {
				t.Errorf("nothing cached in %s", cache)
			}
			r = id.run(t, opts{}, "--profile", profile, "run", "sh", "-c", "unshare -U true")
			if r.code == 0 || !strings.Contains(r.stderr, "Operation not permitted") {
				t.Errorf("unshare -U under Docker's profile: exit %d, %q", r.code, r.stderr)
			}
			if strings.Contains(r.stderr, "unknown to libseccomp") {
				t.Errorf("the unknown calls are said again on the second run: %q", r.stderr)
			}
		})
	}
}

func TestSeccompCommands(t *testing.T) {
	id := identities(t)[0]
	out := filepath.Join(mkdir(t, "compile"), "ro.bpf")
	r := id.run(t, opts{}, "seccomp", "compile", "readonly", out)
	if r.code != 0 || !strings.HasPrefix(r.stderr, "shannot: compiled builtin:seccomp/readonly.json -> "+out+": ") ||
		!strings.Contains(r.stderr, "architectures x86_64, x86, x32") {
		t.Fatalf("compile: %d %q", r.code, r.stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"seccomp", "explain", out, "write", "1"}, "write(1, ...) on x86_64 -> ALLOW\n"},
		{[]string{"seccomp", "explain", out, "mount"}, "mount(...) on x86_64 -> ERRNO(EPERM)\n"},
		{[]string{"seccomp", "explain", out, "ioctl", "1", "0x5412"}, "ioctl(1, 0x5412, ...) on x86_64 -> ERRNO(EPERM)\n"},
		{[]string{"seccomp", "explain", "--arch", "x86", out, "clone3"}, "clone3(...) on x86 -> ERRNO(ENOSYS)\n"},
		{[]string{"seccomp", "explain", "--arch", "aarch64", out, "read"}, "read(...) on aarch64 -> KILL_PROCESS\n"},
	} {
		r := id.run(t, opts{}, tc.args...)
		if r.code != 0 || r.stdout != tc.want {
			t.Errorf("%v: exit %d, %q %q; want %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
	r = id.run(t, opts{}, "seccomp", "inspect", out)
	if r.code != 0 || !strings.Contains(r.stdout, "architectures:  x86_64, x32, x86; any other is killed") {
		t.Errorf("inspect: %d %s %s", r.code, r.stdout, r.stderr)
	}
}
