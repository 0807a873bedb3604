package seccomp

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// allowAll is a program the kernel accepts: ret ALLOW.
var allowAll = []byte{0x06, 0, 0, 0, 0, 0, 0xff, 0x7f}

// fakeHelper writes a shell script that answers every request with
// answer and counts its runs in a file beside it.
func fakeHelper(t *testing.T, answer string) (path string, runs func() int) {
	t.Helper()
	dir := t.TempDir()
	path = filepath.Join(dir, HelperName)
	count := filepath.Join(dir, "runs")
	script := fmt.Sprintf("#!/bin/sh\nread -r _ || :\necho x >> %s\ncat <<'EOF'\n%s\nEOF\n", count, answer)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, func() int {
		data, _ := os.ReadFile(count)
		return strings.Count(string(data), "x")
	}
}

func answer(program []byte, sum string) string {
	if sum == "" {
		s := sha256.Sum256(program)
		sum = hex.EncodeToString(s[:])
	}
	return fmt.Sprintf(`{"program":%q,"sha256":%q,"rules":1,"libseccomp":"9.9.9"}`, base64.StdEncoding.EncodeToString(program), sum)
}

// What the helper answers is checked as a cache entry is: a digest that
// does not match, a program the kernel would refuse, something that is
// not an answer, are errors; a compile error comes back as it was said.
func TestHelperAnswers(t *testing.T) {
	policy := []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO"}]}`)
	tests := []struct {
		name   string
		answer string
		want   string // error, or "" for the program allowAll
	}{
		{"good", answer(allowAll, ""), ""},
		{"bad digest", answer(allowAll, strings.Repeat("0", 64)), "whose digest is not the one it gave"},
		{"refused program", answer(allowAll[:5], ""), "a program the kernel would refuse"},
		{"no answer", "garbage", "answered something that is not a compiled program"},
		{"compile error", `{"error":"/syscalls/0: libseccomp refused the rule for mount: bad"}`, "seccomp policy p.json: /syscalls/0: libseccomp refused the rule for mount: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, runs := fakeHelper(t, tt.answer)
			opts := Options{Host: helperHost, Compiler: &Helper{Find: func() (string, error) { return path, nil }}}
			l, err := FromBytes("p.json", policy, opts)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if string(l.Program) != string(allowAll) || l.Library != "9.9.9" || runs() != 1 {
				t.Errorf("program %x, library %q, %d runs", l.Program, l.Library, runs())
			}
		})
	}
}

// A helper that cannot be found is a one-line error naming it; a
// launch whose program is cached finds the helper (its identity is in
// the cache key) but does not run it; a new helper file is a new
// compiler, so a cache miss.
func TestHelperCache(t *testing.T) {
	policy := []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO"}]}`)
	missing := &Helper{Find: func() (string, error) { return "", errors.New("shannot-seccomp not found in /nowhere") }}
	_, err := FromBytes("p.json", policy, Options{Host: helperHost, Compiler: missing})
	if err == nil || err.Error() != "seccomp policy p.json: compiling a JSON policy needs shannot-seccomp: shannot-seccomp not found in /nowhere" {
		t.Errorf("missing helper: %v", err)
	}

	path, runs := fakeHelper(t, answer(allowAll, ""))
	cache := &Cache{Dir: t.TempDir()}
	open := func() *Loaded {
		t.Helper()
		opts := Options{Host: helperHost, Cache: cache, Compiler: &Helper{Find: func() (string, error) { return path, nil }}}
		l, err := FromBytes("p.json", policy, opts)
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		return l
	}
	if l := open(); l.Cached || runs() != 1 {
		t.Fatalf("first: cached %v, %d runs", l.Cached, runs())
	}
	if l := open(); !l.Cached || runs() != 1 || l.Library != "9.9.9" {
		t.Fatalf("second: cached %v, %d runs, library %q", l.Cached, runs(), l.Library)
	}
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append(data, "# rebuilt\n"...), 0o755); err != nil {
		t.Fatal(err)
	}
	if l := open(); l.Cached || runs() != 2 {
		t.Fatalf("after the helper changed: cached %v, %d runs", l.Cached, runs())
	}
}

// helperHost is an x86_64 host, in every build.
var helperHost = Host{Arch: "SCMP_ARCH_X86_64", GoArch: "amd64", Kernel: [2]int{6, 1}}
