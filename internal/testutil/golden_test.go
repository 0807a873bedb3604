package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden")
	os.WriteFile(path, []byte("same\n"), 0o644)
	for _, tc := range []struct {
		name, path, got string
		fail            bool
	}{
		{"same", path, "same\n", false},
		{"different", path, "other\n", true},
		{"missing", path + ".none", "same\n", true},
	} {
		r := &recorder{TB: t}
		Golden(r, tc.path, tc.got, "go test ./x")
		if r.failed != tc.fail {
			t.Errorf("%s: failed = %v, want %v", tc.name, r.failed, tc.fail)
		}
	}
}
