//go:build cgo

package seccomp

import (
	"encoding/json"
	"io/fs"
	"testing"

	mobyseccomp "github.com/moby/profiles/seccomp"

	"github.com/shannot-project/shannot/profiles"
)

// BenchmarkCompileDockerDefault compiles Docker's default profile (about
// 370 calls, x86_64 + x86 + x32): what an uncached launch with it costs.
func BenchmarkCompileDockerDefault(b *testing.B) {
	data, err := json.Marshal(mobyseccomp.DefaultProfile())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := CompilePolicy("docker.json", data, Options{Host: x8664}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileReadonly(b *testing.B) {
	data, _ := fs.ReadFile(profiles.FS, "seccomp/readonly.json")
	for i := 0; i < b.N; i++ {
		if _, _, err := CompilePolicy("readonly.json", data, Options{Host: x8664}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCachedLoad is a launch's filter work with a warm cache: read
// and check the entry, seal it in a memfd.
func BenchmarkCachedLoad(b *testing.B) {
	data, _ := fs.ReadFile(profiles.FS, "seccomp/readonly.json")
	opts := Options{Host: x8664, Cache: &Cache{Dir: b.TempDir()}}
	l, err := FromBytes("readonly.json", data, opts)
	if err != nil {
		b.Fatal(err)
	}
	l.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := FromBytes("readonly.json", data, opts)
		if err != nil || !l.Cached {
			b.Fatal(err)
		}
		l.Close()
	}
}

func BenchmarkCheckStart(b *testing.B) {
	data, _ := fs.ReadFile(profiles.FS, "seccomp/readonly.json")
	_, comp, err := CompilePolicy("readonly.json", data, Options{Host: x8664})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, _ := Decode(comp.Program)
		if err := CheckStart(p, x8664, SyscallNumber); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPathLengths reports how many instructions calls walk through
// Docker's profile at optimize level 2 (docs/performance.md quotes it).
func TestPathLengths(t *testing.T) {
	data, _ := json.Marshal(mobyseccomp.DefaultProfile())
	_, comp, err := CompilePolicy("docker.json", data, Options{Host: x8664})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Decode(comp.Program)
	st, err := p.Paths("SCMP_ARCH_X86_64", SyscallName)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Docker's profile: %d instructions; x86_64: mean %.1f, worst %d (%s) over %d calls",
		len(p.Raw), st.Mean, st.Worst, st.WorstCall, st.Calls)
	// The binary tree keeps the walk short; a linear list would average hundreds.
	if st.Mean > 40 || st.Worst > 80 {
		t.Errorf("path lengths grew: mean %.1f, worst %d", st.Mean, st.Worst)
	}
}
