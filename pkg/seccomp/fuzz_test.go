package seccomp

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/shannot-project/shannot/profiles"
)

func FuzzParsePolicy(f *testing.F) {
	for _, n := range []string{"seccomp/readonly.json", "seccomp/default.json"} {
		data, err := fs.ReadFile(profiles.FS, n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	if data, err := os.ReadFile("testdata/guide-write.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}], "syscalls": [{"name": "read", "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data, "fuzz.json")
		if err != nil {
			var pe *PolicyError
			if !errors.As(err, &pe) || strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error %T %q", err, err)
			}
			return
		}
		if _, err := p.Resolve(Host{Arch: "SCMP_ARCH_X86_64", GoArch: "amd64", Kernel: [2]int{6, 1}}); err != nil {
			t.Fatalf("a parsed policy does not resolve: %v", err)
		}
	})
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("\x06\x00\x00\x00\x00\x00\xff\x7f"))
	f.Add([]byte("\x20\x00\x00\x00\x04\x00\x00\x00\x15\x00\x00\x01\x3e\x00\x00\xc0\x06\x00\x00\x00\x00\x00\x00\x00\x06\x00\x00\x00\x00\x00\xff\x7f"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data)
		if err != nil {
			return
		}
		// Whatever the bytes, simulating and listing never panic, and
		// what Decode accepts the simulator runs.
		c := Call{Nr: 1, Arch: auditArches["SCMP_ARCH_X86_64"]}
		if _, _, err := p.Trace(c); err != nil {
			t.Fatalf("Decode accepted a program Trace cannot run: %v", err)
		}
		p.Disassemble(nil)
		p.Architectures()
	})
}
