//go:build cgo

package sandbox

import (
	"testing"

	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/profiles"
)

// The precompiled programs are what libseccomp in this process compiles
// from the shipped bytes now (make check-generated regenerates them too).
func TestPrecompiledIsLibseccomps(t *testing.T) {
	for _, e := range precompiled {
		data, _ := profiles.ReadFile(e.name)
		_, comp, err := seccomp.CompilePolicy(e.name, data, seccomp.Options{Host: amd64})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := precompiledFS.ReadFile(e.program)
		if string(got) != string(comp.Program) || e.rules != comp.Rules || e.library != comp.Library {
			t.Errorf("%s: the precompiled program is not libseccomp %s's: run go generate ./pkg/sandbox", e.name, seccomp.LibraryVersion())
		}
	}
}
