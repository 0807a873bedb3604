//go:build integration

package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLsRoot(t *testing.T) {
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			for _, args := range [][]string{{"run", "ls", "/"}, {"ls", "/"}} {
				r := id.run(t, opts{}, args...)
				if r.code != 0 {
					t.Fatalf("shannot %v: exit %d: %s", args, r.code, r.stderr)
				}
				got := strings.Fields(r.stdout)
				for _, want := range []string{"etc", "proc", "tmp", "usr"} {
					if !slices.Contains(got, want) {
						t.Errorf("shannot %v: %q missing from %q", args, want, got)
					}
				}
				// The sandbox's root is not the host's.
				if slices.Contains(got, "root") || slices.Contains(got, "var") {
					t.Errorf("shannot %v shows host directories: %q", args, got)
				}
			}
		})
	}
}

func TestReadOnlyBindsRefuseWrites(t *testing.T) {
	data := mkdir(t, "data")
	file := filepath.Join(data, "file.txt")
	os.WriteFile(file, []byte("original\n"), 0o666)
	// Writable by anyone on the host: only the read-only bind stops a write.
	os.Chmod(file, 0o666)
	os.Chmod(data, 0o777)
	profile := writeProfile(t, open(
		fmt.Sprintf(`{"source": %q, "target": "/data"}`, data),
		fmt.Sprintf(`{"source": %q, "target": "/file.txt"}`, file),
		`{"source": "/etc", "target": "/etc"}`))
	targets := []string{"/usr/shannot-it", "/bin/shannot-it", "/etc/shannot-it", "/data/new", "/data/file.txt", "/file.txt"}
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			for _, target := range targets {
				r := id.run(t, opts{}, "--profile", profile, "run", "sh", "-c", "echo pwned >> "+target)
				// dash's own error for a failed redirection, from inside the sandbox.
				want := "sh: 1: cannot create " + target + ": Read-only file system\n"
				if r.code != 2 || r.stderr != want {
					t.Errorf("write to %s: exit %d, stderr %q; want exit 2, %q", target, r.code, r.stderr, want)
				}
			}
			if b, _ := os.ReadFile(file); string(b) != "original\n" {
				t.Errorf("host file changed: %q", b)
			}
			if _, err := os.Stat(filepath.Join(data, "new")); err == nil {
				t.Error("a file was created in the host directory")
			}
			r := id.run(t, opts{}, "--profile", profile, "verify")
			if r.code != 0 || !strings.Contains(r.stdout, "read-only /data") {
				t.Errorf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestTmpIsWritableAndPrivate(t *testing.T) {
	name := fmt.Sprintf("shannot-it-%d", time.Now().UnixNano())
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			r := id.run(t, opts{}, "--profile", writeProfile(t, open()), "run", "sh", "-c",
				"echo hello > /tmp/"+name+" && cat /tmp/"+name)
			if r.code != 0 || r.stdout != "hello\n" {
				t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			if _, err := os.Stat("/tmp/" + name); err == nil {
				t.Error("the sandbox's /tmp wrote to the host's /tmp")
			}
		})
	}
}

func TestEnvironmentIsOnlyTheProfiles(t *testing.T) {
	profile := writeProfile(t, open())
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			r := id.run(t, opts{env: []string{"SECRET_TOKEN=hunter2", "SSH_AUTH_SOCK=/tmp/agent"}},
				"--profile", profile, "run", "env")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var got []string
			for _, kv := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
				if !strings.HasPrefix(kv, "PWD=") { // set by bwrap for the working directory
					got = append(got, kv)
				}
			}
			sort.Strings(got)
			want := []string{"HOME=/tmp", "PATH=/usr/bin:/bin", "SANDBOX_MARK=profile"}
			if !slices.Equal(got, want) {
				t.Errorf("environment inside = %q, want %q", got, want)
			}
		})
	}
}

func TestExitStatus(t *testing.T) {
	openProfile := writeProfile(t, open())
	badProfile := writeProfile(t, `{"name": "bad", "network_isolaton": true}`)
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				args   []string
				code   int
				stderr string
			}{
				{"success", []string{"--profile", openProfile, "run", "true"}, 0, ""},
				{"command's own status", []string{"--profile", openProfile, "run", "sh", "-c", "exit 42"}, 42, ""},
				{"command's exit 1 is not a setup failure", []string{"--profile", openProfile, "run", "false"}, 1, ""},
				{"bad profile", []string{"--profile", badProfile, "run", "true"}, 125,
					"shannot: profile " + badProfile + `: /network_isolaton: unknown key "network_isolaton"; did you mean "network_isolation"?` + "\n"},
				{"not allowed", []string{"run", "rm", "-rf", "/tmp/x"}, 126,
					`shannot: command "rm" (/usr/bin/rm) is not allowed by profile "minimal"; allowed: ls, cat, grep, find` + "\n"},
				{"not found", []string{"--profile", openProfile, "run", "no-such-command"}, 127,
					`shannot: command "no-such-command" not found inside the sandbox (PATH=/usr/bin:/bin); is it installed and its directory bound into the profile?` + "\n"},
				{"named like a bwrap option", []string{"--profile", openProfile, "run", "--", "--bind", "/", "/"}, 127,
					`shannot: command "--bind" not found inside the sandbox`},
				{"killed by SIGKILL", []string{"--profile", openProfile, "run", "sh", "-c", "kill -9 $$"}, 128 + 9, ""},
				{"killed by SIGTERM", []string{"--profile", openProfile, "run", "sh", "-c", "kill -15 $$"}, 128 + 15, ""},
			} {
				r := id.run(t, opts{}, tc.args...)
				if r.code != tc.code || !strings.HasPrefix(r.stderr, tc.stderr) || (tc.stderr == "" && r.stderr != "") {
					t.Errorf("%s: exit %d, stderr %q; want exit %d, stderr %q", tc.name, r.code, r.stderr, tc.code, tc.stderr)
				}
			}
		})
	}
}

func TestBwrapSetupFailureIs125(t *testing.T) {
	// additional_args that make bwrap itself fail before the command runs.
	profile := writeProfile(t, `{"name": "broken", "binds": [{"source": "/usr", "target": "/usr"}],
		"additional_args": ["--chdir", "/no/such/dir"]}`)
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			r := id.run(t, opts{}, "--profile", profile, "run", "/usr/bin/true")
			if r.code != 125 || !strings.Contains(r.stderr, "bwrap: Can't chdir to /no/such/dir") ||
				!strings.Contains(r.stderr, "shannot: bwrap could not set up the sandbox") {
				t.Errorf("exit %d, stderr %q; want 125 with bwrap's message and shannot's", r.code, r.stderr)
			}
		})
	}
}

func TestInheritedDescriptorIsUnusable(t *testing.T) {
	profile := writeProfile(t, open())
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			files, unchanged := writableFD7(t)
			r := id.run(t, opts{files: files}, "--profile", profile, "run", "sh", "-c", "echo pwned >&7; ls /proc/self/fd")
			if !unchanged() {
				t.Error("the sandbox wrote through fd 7")
			}
			if !strings.Contains(r.stderr, "7: Bad file descriptor") {
				t.Errorf("stderr %q; want the write to fd 7 to fail", r.stderr)
			}
			fds := strings.Fields(r.stdout)
			if slices.Contains(fds, "7") {
				t.Errorf("fd 7 is open inside the sandbox: %q", fds)
			}
		})
	}
}

func TestRootCannotRemountReadWrite(t *testing.T) {
	id := asRoot(t)
	for _, userns := range []bool{true, false} {
		t.Run(fmt.Sprintf("user_namespace_isolation=%v", userns), func(t *testing.T) {
			marker := fmt.Sprintf("/etc/shannot-it-pwned-%d", time.Now().UnixNano())
			profile := writeProfile(t, fmt.Sprintf(`{"name": "hostroot", "binds": [{"source": "/", "target": "/"}],
				"user_namespace_isolation": %v, "environment": {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}}`, userns))
			script := "mount -o remount,rw,bind / && touch " + marker
			r := id.run(t, opts{}, "--profile", profile, "run", "sh", "-c", script)
			if _, err := os.Stat(marker); err == nil {
				os.Remove(marker)
				t.Fatalf("a root command remounted / read-write and wrote %s on the host", marker)
			}
			// The sandbox user is no superuser at all; with a user
			// namespace it would be refused for lack of capabilities.
			if r.code == 0 || !strings.Contains(r.stderr, "must be superuser") && !strings.Contains(r.stderr, "permission denied") {
				t.Errorf("remount: exit %d, stderr %q; want mount to be refused", r.code, r.stderr)
			}
		})
	}

	// Control: the same sandbox minus --cap-drop ALL, the user namespace
	// (a root-run shannot always makes one) and the unprivileged identity
	// lets root remount / read-write (inside the sandbox's mount namespace
	// only; nothing is written). That is the original's hole, which the
	// test above shows closed.
	profile := writeProfile(t, `{"name": "hostroot", "binds": [{"source": "/", "target": "/"}],
		"user_namespace_isolation": false, "environment": {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}}`)
	dry := id.run(t, opts{}, "--profile", profile, "run", "--dry-run", "sh", "-c",
		"mount -o remount,rw,bind / && grep -c ' / / rw,' /proc/self/mountinfo")
	if dry.code != 0 {
		t.Fatalf("dry run: %d %s", dry.code, dry.stderr)
	}
	line := strings.TrimSpace(dry.stdout)
	line = line[strings.Index(line, " -- ")+4:] // past setpriv's options
	for _, cut := range []string{" --cap-drop ALL", " --unshare-user --disable-userns"} {
		line = strings.Replace(line, cut, "", 1)
	}
	out, err := exec.Command("sh", "-c", line).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Errorf("control without --cap-drop ALL: remount did not happen (%v: %s); the check above may prove nothing", err, out)
	}
}

func TestDryRunPrintsARunnableCommand(t *testing.T) {
	profile := writeProfile(t, open())
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			r := id.run(t, opts{}, "--profile", profile, "run", "--dry-run", "sh", "-c", "echo \"it's $HOME\"")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			line := strings.TrimSpace(r.stdout)
			wants := []string{"--die-with-parent", "--new-session", "--cap-drop ALL", "--clearenv", "--unshare-net", "--disable-userns", "--ro-bind /usr /usr", "--tmpfs /tmp"}
			end := ` -- sh -c 'echo "it'\''s $HOME"'`
			if id.name == "root" {
				// bwrap runs as the sandbox user, binding descriptors
				// the shell opens.
				wants[len(wants)-2] = "--ro-bind-fd 3 /usr"
				wants = append(wants, "--reuid="+sandboxUser)
				end += " 3< /usr"
			}
			for _, want := range wants {
				if !strings.Contains(line, " "+want+" ") {
					t.Errorf("dry run lacks %q: %s", want, line)
				}
			}
			if !strings.Contains(line, end) {
				t.Errorf("dry run does not end with the quoted command: %s", line)
			}
			// What it prints runs the same sandbox.
			c := id.cmd(opts{}, "unused")
			c.Path, c.Args = "/bin/sh", []string{"sh", "-c", line}
			out, err := c.Output()
			if err != nil || string(out) != "it's /tmp\n" {
				t.Errorf("running the dry run's line: %q, %v", out, err)
			}
		})
	}
}

func TestShippedProfilesVerify(t *testing.T) {
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			for _, name := range []string{"minimal", "readonly", "diagnostics", "systemd"} {
				r := id.run(t, opts{}, "--profile", name, "verify")
				if r.code != 0 || !strings.Contains(r.stdout, "checks passed") {
					t.Errorf("verify %s: exit %d\n%s%s", name, r.code, r.stdout, r.stderr)
				}
			}
		})
	}
}

func TestVerifyReportsWhatItFinds(t *testing.T) {
	dir := mkdir(t, "rw")
	os.Chmod(dir, 0o777)
	ids := identities(t)
	id := ids[len(ids)-1] // unprivileged: a root run refuses binds in additional_args

	// A read-write bind and a shared network are the profile's choice:
	// verify reports them and passes.
	chosen := writeProfile(t, strings.Replace(open(fmt.Sprintf(`{"source": %q, "target": "/rw", "read_only": false}`, dir)),
		`"name": "open"`, `"name": "net", "network_isolation": false`, 1))
	r := id.run(t, opts{}, "--profile", chosen, "verify")
	if r.code != 0 || !strings.Contains(r.stdout, "shared with the host") {
		t.Errorf("verify with a rw bind and a shared network: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	undermined := writeProfile(t, strings.Replace(open(fmt.Sprintf(`{"source": %q, "target": "/data"}`, dir)),
		`"name": "open"`, fmt.Sprintf(`"name": "undermined", "additional_args": ["--bind", %q, "/data"]`, dir), 1))
	// A bind the profile says is read-only, made writable behind its back
	// by additional_args, is refused before anything runs.
	for _, id := range ids {
		r = id.run(t, opts{}, "--profile", undermined, "verify")
		if r.code != 125 || !strings.Contains(r.stderr, "--bind is refused in additional_args") {
			t.Errorf("%s: verify of a writable 'read-only' bind: exit %d\n%s%s", id.name, r.code, r.stdout, r.stderr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("verify left files behind in the host directory: %v", entries)
	}
}

func TestSignalsReachTheCommand(t *testing.T) {
	profile := writeProfile(t, open())
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
				c := id.cmd(opts{}, "--profile", profile, "run", "sh", "-c",
					`trap 'echo got signal; exit 7' TERM INT; echo ready; while :; do sleep 0.1; done`)
				out, _ := c.StdoutPipe()
				if err := c.Start(); err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 6)
				if _, err := out.Read(buf); err != nil || string(buf) != "ready\n" {
					t.Fatalf("waiting for the command: %q %v", buf, err)
				}
				c.Process.Signal(sig)
				rest := make([]byte, 64)
				n, _ := out.Read(rest)
				c.Wait()
				if got := string(rest[:n]); got != "got signal\n" || c.ProcessState.ExitCode() != 7 {
					t.Errorf("%v: command printed %q, shannot exited %d; want the trap's output and exit 7", sig, got, c.ProcessState.ExitCode())
				}
			}
		})
	}
}

func TestNothingOutlivesShannot(t *testing.T) {
	profile := writeProfile(t, open())
	id := identities(t)[0]
	mark := fmt.Sprintf("%d", 100000+time.Now().UnixNano()%100000)
	c := id.cmd(opts{}, "--profile", profile, "run", "sleep", mark)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return pgrep("sleep " + mark) })
	c.Process.Kill() // SIGKILL: shannot cannot clean up itself
	c.Wait()
	waitFor(t, func() bool { return !pgrep("sleep " + mark) })
}

func pgrep(pattern string) bool {
	return exec.Command("pgrep", "-f", "^"+pattern+"$").Run() == nil
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestExportIsResolved(t *testing.T) {
	id := identities(t)[0]
	dir := mkdir(t, "export")
	os.Mkdir(filepath.Join(dir, "data"), 0o755)
	profile := filepath.Join(dir, "p.json")
	os.WriteFile(profile, []byte(`{"name": "e", "binds": [{"source": "data", "target": "/data"}]}`), 0o644)
	r := id.run(t, opts{}, "--profile", profile, "export")
	want := fmt.Sprintf(`"source": %q`, filepath.Join(dir, "data"))
	for _, w := range []string{want, `"read_only": true`, `"create_target": true`, `"optional": false`,
		`"user_namespace_isolation": true`, `"network_isolation": true`, `"seccomp_profile": null`, `"allowed_commands": []`} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("export lacks %s:\n%s", w, r.stdout)
		}
	}
}
