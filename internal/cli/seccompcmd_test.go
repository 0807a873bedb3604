package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

// seccompRun runs the CLI in-process and returns its exit status and
// standard error.
func seccompRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(invoker.Detect(), append([]string{"shannot"}, args...), strings.NewReader(""), &out, &errOut)
	return code, errOut.String()
}

func TestSeccompCompileWarnsOnFullWidthIntComparison(t *testing.T) {
	needLibseccomp(t)
	policy := filepath.Join(t.TempDir(), "cve.json")
	os.WriteFile(policy, []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 21522, "op": "SCMP_CMP_EQ"}]}]}`), 0o644)
	code, stderr := seccompRun(t, "seccomp", "compile", policy, "-")
	want := "shannot: warning: seccomp policy " + policy + ": /syscalls/0/args/0: SCMP_CMP_EQ compares all 64 bits of ioctl's request (argument 1)"
	if code != 0 || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, `{"index": 1, "value": 4294967295, "valueTwo": 21522, "op": "SCMP_CMP_MASKED_EQ"}`) {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 0 and a warning starting %q", code, stderr, want)
	}
	// A policy without such a comparison compiles without a warning.
	if code, stderr := seccompRun(t, "seccomp", "compile", "readonly", "-"); code != 0 || strings.Contains(stderr, "warning") {
		t.Errorf("readonly: exit %d, stderr %q", code, stderr)
	}
}

// special makes the file system entries a write through a rename would
// replace; devices need root.
func special(t *testing.T, dir string) map[string]string {
	t.Helper()
	target := filepath.Join(dir, "target.bpf")
	os.WriteFile(target, []byte("target\n"), 0o644)
	nodes := map[string]string{}
	add := func(name, kind string, err error) {
		if err != nil {
			t.Fatalf("making %s: %v", name, err)
		}
		nodes[filepath.Join(dir, name)] = kind
	}
	if os.Geteuid() == 0 {
		// /dev/null's numbers, in a temporary directory.
		add("null", "a character device", unix.Mknod(filepath.Join(dir, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	} else if os.Getenv("CI") != "" {
		t.Fatal("CI runs the tests as root, and the device node needs it")
	}
	add("fifo", "a FIFO", unix.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	add("dir", "a directory", os.Mkdir(filepath.Join(dir, "dir"), 0o755))
	add("link", "a symbolic link", os.Symlink(target, filepath.Join(dir, "link")))
	return nodes
}

// unchanged checks that path is still the entry before was.
func unchanged(t *testing.T, path string, before os.FileInfo) {
	t.Helper()
	after, err := os.Lstat(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, a := before.Sys().(*syscall.Stat_t), after.Sys().(*syscall.Stat_t)
	if after.Mode() != before.Mode() || a.Ino != b.Ino || a.Rdev != b.Rdev {
		t.Errorf("%s was replaced: %v -> %v", path, before.Mode(), after.Mode())
	}
}

func TestSeccompCompileLeavesSpecialFilesAlone(t *testing.T) {
	needLibseccomp(t)
	dir := t.TempDir()
	nodes := special(t, dir)
	for path, kind := range nodes {
		before, _ := os.Lstat(path)
		code, stderr := seccompRun(t, "seccomp", "compile", "readonly", path)
		want := "shannot: writing " + path + ": it is " + kind + ", not a regular file, and is left as it is: write to a regular file, or - for standard output\n"
		if code != 125 || stderr != want {
			t.Errorf("compile to %s: exit %d, stderr %q; want 125, %q", kind, code, stderr, want)
		}
		unchanged(t, path, before)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "target.bpf")); string(data) != "target\n" {
		t.Errorf("the symbolic link's target was written: %q", data)
	}
	// A regular file, existing or not, is written.
	out := filepath.Join(dir, "target.bpf")
	if code, stderr := seccompRun(t, "seccomp", "compile", "readonly", out); code != 0 {
		t.Fatalf("compile to a regular file: exit %d, %s", code, stderr)
	}
	if code, stderr := seccompRun(t, "seccomp", "inspect", out); code != 0 {
		t.Errorf("inspect what compile wrote: exit %d, %s", code, stderr)
	}
}

// needLibseccomp makes JSON policies compile in a test. With cgo,
// libseccomp is linked in; without (make unit-nocgo, as shannot ships),
// it builds shannot-seccomp with cgo into a temporary directory put
// first on PATH, where companion.Find looks for an unprivileged caller.
func needLibseccomp(t *testing.T) {
	t.Helper()
	if seccomp.LibraryVersion() != "" {
		return
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, seccomp.HelperName), "../../cmd/shannot-seccomp")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building %s (needs gcc and libseccomp-dev): %v\n%s", seccomp.HelperName, err, out)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}
