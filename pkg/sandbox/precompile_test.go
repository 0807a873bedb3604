package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/profiles"
)

var amd64 = seccomp.Host{Arch: "SCMP_ARCH_X86_64", GoArch: "amd64", Kernel: [2]int{6, 1}}

// Every shipped policy that resolves alike on every kernel has its
// program in the table, compiled from the bytes shipped now: a policy
// changed without go generate ./pkg/sandbox fails here, in a build
// without cgo too.
func TestPrecompiledCoversShippedPolicies(t *testing.T) {
	for _, name := range profiles.Policies() {
		file, _ := profiles.Policy(name)
		data, err := profiles.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		p, err := seccomp.ParsePolicy(data, file)
		if err != nil {
			t.Fatal(err)
		}
		var resolved []string
		for _, k := range [][2]int{{0, 0}, {99, 0}} {
			h := amd64
			h.Kernel = k
			f, err := p.Resolve(h)
			if err != nil {
				t.Fatal(err)
			}
			j, _ := json.Marshal(f)
			resolved = append(resolved, string(j))
		}
		var entry *precompiledPolicy
		for i := range precompiled {
			if precompiled[i].name == file {
				entry = &precompiled[i]
			}
		}
		sum := sha256.Sum256(data)
		switch {
		case resolved[0] != resolved[1]:
			if entry != nil {
				t.Errorf("%s depends on the kernel but is precompiled", file)
			}
		case entry == nil:
			t.Errorf("%s is not precompiled: run go generate ./pkg/sandbox (make check-generated)", file)
		case entry.source != hex.EncodeToString(sum[:]):
			t.Errorf("%s changed since it was precompiled: run go generate ./pkg/sandbox", file)
		}
	}
}

// A launch with a built-in policy takes the precompiled program on
// x86_64, needing no compiler: Options.Compiler is one that fails.
// Another architecture, --strict with calls libseccomp did not know, or
// bytes other than the compiled ones fall back to compiling.
func TestOpenPrecompiled(t *testing.T) {
	noCompiler := failingCompiler{}
	for _, e := range precompiled {
		t.Run(e.name, func(t *testing.T) {
			l, err := OpenBuiltinPolicy(e.name, seccomp.Options{Host: amd64, Compiler: noCompiler})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			want, _ := precompiledFS.ReadFile(e.program)
			if !l.Precompiled || !l.Policy || l.Cached || string(l.Program) != string(want) || l.Library != e.library ||
				l.Source != profiles.Ref(e.name) || !reflect.DeepEqual(l.Unknown, e.unknown) {
				t.Errorf("got %+v", l)
			}
			if err := checkStart(l); err != nil {
				t.Errorf("the precompiled program fails the start check: %v", err)
			}
			data, _ := profiles.ReadFile(e.name)
			x86 := seccomp.Host{Arch: "SCMP_ARCH_X86", GoArch: "386", Kernel: [2]int{6, 1}}
			if l, err := openPrecompiled(e.name, data, seccomp.Options{Host: x86}); l != nil || err != nil {
				t.Errorf("precompiled program for x86: %v, %v", l, err)
			}
			if l, err := openPrecompiled(e.name, append([]byte(" "), data...), seccomp.Options{Host: amd64}); l != nil || err != nil {
				t.Errorf("precompiled program for other bytes: %v, %v", l, err)
			}
			// An edit that keeps the length (ALLOW for ERRNO) is other
			// bytes too.
			edited := bytes.Replace(data, []byte("SCMP_ACT_ALLOW"), []byte("SCMP_ACT_ERRNO"), 1)
			if bytes.Equal(edited, data) {
				t.Fatal("the policy has no SCMP_ACT_ALLOW to edit")
			}
			if l, err := openPrecompiled(e.name, edited, seccomp.Options{Host: amd64}); l != nil || err != nil {
				t.Errorf("precompiled program for bytes of the same length: %v, %v", l, err)
			}
			strict, _ := openPrecompiled(e.name, data, seccomp.Options{Host: amd64, Strict: true})
			if (strict == nil) != (len(e.unknown) > 0) {
				t.Errorf("strict with unknown calls %v: precompiled %v", e.unknown, strict != nil)
			}
			if strict != nil {
				strict.Close()
			}
		})
	}
	if len(precompiled) == 0 {
		t.Fatal("no policy is precompiled")
	}
}

type failingCompiler struct{}

func (failingCompiler) Identity() (string, error) { return "", errNoCompiler }
func (failingCompiler) Compile(*seccomp.Filter, bool) (*seccomp.Compiled, error) {
	return nil, errNoCompiler
}

var errNoCompiler = &seccomp.Error{File: "test", Msg: "the test's compiler was asked to compile"}

// The built-in readonly policy, precompiled: against a cache hit of the
// same policy (pkg/seccomp's BenchmarkCachedLoad), for docs/performance.md.
func BenchmarkOpenPrecompiled(b *testing.B) {
	for i := 0; i < b.N; i++ {
		l, err := OpenBuiltinPolicy("seccomp/readonly.json", seccomp.Options{Host: amd64, Compiler: failingCompiler{}})
		if err != nil || !l.Precompiled {
			b.Fatal(err)
		}
		l.Close()
	}
}
