package bwrap

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shannot-project/shannot/pkg/profile"
)

// largeProfile has n binds and n environment variables.
func largeProfile(b *testing.B, n int) *profile.Profile {
	var binds, env []string
	for i := 0; i < n; i++ {
		binds = append(binds, fmt.Sprintf(`{"source": "/usr", "target": "/mnt/%d/u%04d"}`, i%10, i))
		env = append(env, fmt.Sprintf(`"VAR_%04d": "value %d"`, i, i))
	}
	doc := `{"name": "large", "binds": [` + strings.Join(binds, ",") + `], "environment": {` + strings.Join(env, ",") + `}}`
	p, err := profile.Parse([]byte(doc), profile.Origin{Path: "/large.json"})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func BenchmarkArgsShipped(b *testing.B) {
	p, err := profile.Open(profile.Origin{Path: "diagnostics.json", Builtin: true}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Args(p, Options{SeccompFD: 3})
	}
}

func BenchmarkArgs1000(b *testing.B) {
	p := largeProfile(b, 1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Args(p, Options{SeccompFD: 3})
	}
}

// BenchmarkResolveCommand is the lookup of a command inside the sandbox
// that every run makes before launching.
func BenchmarkResolveCommand(b *testing.B) {
	p, err := profile.Open(profile.Origin{Path: "diagnostics.json", Builtin: true}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ResolveCommand(p, "journalctl"); err != nil && i == 0 {
			b.Log(err) // not installed here: the lookup still walks the PATH
		}
	}
}

func BenchmarkResolveCommand1000(b *testing.B) {
	p := largeProfile(b, 1000)
	p.Environment["PATH"] = "/mnt/9/u0999/bin:/usr/bin"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ResolveCommand(p, "ls")
	}
}
