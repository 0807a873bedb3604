package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shannot-project/shannot/internal/verify"
)

// The hidden probe takes one path per --write, commas and all, and
// prints its facts as the JSON verify.Run reads.
func TestProbeWritePathWithComma(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "a,b")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	app := New(Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
	if err := app.Run([]string{"shannot", probeName, "--write", dir, "--write", filepath.Join(tmp, "c")}); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var facts verify.Facts
	if err := json.Unmarshal(stdout.Bytes(), &facts); err != nil {
		t.Fatalf("probe output is not its facts: %v\n%s", err, stdout.String())
	}
	want := map[string]string{dir: "ok", filepath.Join(tmp, "c"): "ENOENT"}
	if diff := cmp.Diff(facts.Writes, want); diff != "" {
		t.Errorf("writes (-got +want):\n%s", diff)
	}
}

// --syscall names one call a time, which the probe makes and reports.
func TestProbeCalls(t *testing.T) {
	var stdout, stderr bytes.Buffer
	app := New(Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
	if err := app.Run([]string{"shannot", probeName, "--" + verify.CallFlag, "getpid", "--" + verify.CallFlag, "socket(AF_UNIX)", "--" + verify.CallFlag, "no_such"}); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var facts verify.Facts
	if err := json.Unmarshal(stdout.Bytes(), &facts); err != nil {
		t.Fatalf("probe output is not its facts: %v\n%s", err, stdout.String())
	}
	want := map[string]string{"getpid": "ok", "socket(AF_UNIX)": "ok", "no_such": "unknown call"}
	if diff := cmp.Diff(facts.Calls, want); diff != "" {
		t.Errorf("calls (-got +want):\n%s", diff)
	}
}
