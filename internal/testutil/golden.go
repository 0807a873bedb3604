package testutil

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Golden compares got with the file at path. With -update it writes got
// there first; without, a missing or different file fails the test with
// the command that updates it (rerun names how to run just this test).
func Golden(t testing.TB, path, got, rerun string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (if meant, run: %s -update)", err, rerun)
	}
	if diff := cmp.Diff(got, string(want)); diff != "" {
		t.Errorf("%s changed (-got +want); if meant, run: %s -update\n%s", path, rerun, diff)
	}
}

// Updating says whether the test run was asked to rewrite golden files.
func Updating() bool { return *update }
