package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seccompRun runs the CLI in-process and returns its exit status and
// standard error.
func seccompRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append([]string{"shannot"}, args...), strings.NewReader(""), &out, &errOut)
	return code, errOut.String()
}

func TestSeccompCompileWarnsOnFullWidthIntComparison(t *testing.T) {
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
