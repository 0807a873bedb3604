package seccomp

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.bpf")
	os.WriteFile(good, []byte("\x06\x00\x00\x00\x00\x00\xff\x7f"), 0o644) // ret ALLOW
	f, err := Open(good, Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f.File) // handed to bwrap at offset 0
	f.Close()
	if len(data) != 8 || f.Policy {
		t.Errorf("Open left the file at the wrong offset (read %d bytes) or took it for a policy", len(data))
	}
	os.WriteFile(filepath.Join(dir, "odd.bpf"), []byte("123456789"), 0o644)
	for _, tc := range []struct{ name, path, want string }{
		{"missing", filepath.Join(dir, "none.bpf"), "none.bpf: no such file; fix seccomp_profile or set it to null"},
		{"directory", dir, "not a regular file"},
		{"truncated", filepath.Join(dir, "odd.bpf"), "is 9 bytes, not a whole number of 8-byte BPF instructions"},
	} {
		_, err := Open(tc.path, Options{})
		var se *Error
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Open = %v, want *Error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestMemFileIsSealed(t *testing.T) {
	f, err := MemFile("test", make([]byte, 16))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte("x"), 0); err == nil {
		t.Fatal("wrote to a sealed filter")
	}
}

func TestFilterErrorsKeepTheirCause(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "missing.bpf"), Options{})
	var fe *Error
	if !errors.As(err, &fe) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open of a missing filter: %v (%T); want a *seccomp.Error wrapping fs.ErrNotExist", err, err)
	}
}

// Decoded decodes once, and again when Program is replaced (an
// instrumented program, say): the decoded program is never another's.
func TestLoadedDecodedOnce(t *testing.T) {
	allow := []byte("\x06\x00\x00\x00\x00\x00\xff\x7f") // ret ALLOW
	kill := []byte("\x06\x00\x00\x00\x00\x00\x00\x00")  // ret KILL_THREAD
	l := &Loaded{Program: allow}
	p1, err := l.Decoded()
	if err != nil {
		t.Fatal(err)
	}
	if p2, _ := l.Decoded(); p2 != p1 {
		t.Errorf("the second Decoded decoded again")
	}
	want, _ := Decode(kill)
	l.Program = kill
	p3, err := l.Decoded()
	if err != nil || p3 == p1 || len(p3.Instructions) != len(want.Instructions) || p3.Instructions[0] != want.Instructions[0] {
		t.Errorf("after Program changed, Decoded = %+v, %v; want the new program decoded", p3, err)
	}
	l.Program = []byte("1234567") // not a whole instruction
	if _, err := l.Decoded(); err == nil {
		t.Errorf("a broken program decoded without error")
	}
}
