package sandbox

import (
	"testing"

	"github.com/shannot-project/shannot/pkg/bwrap"
)

func TestReport(t *testing.T) {
	for _, tc := range []struct {
		name   string
		res    Result
		stdout string
		enc    string
		signal string
	}{
		{"text", Result{Stdout: []byte("héllo\n")}, "héllo\n", "utf-8", ""},
		{"binary", Result{Stdout: []byte{0, 0xff, 'b'}}, "AP9i", "base64", ""},
		{"NUL bytes are binary", Result{Stdout: []byte{'a', 0, 'b'}}, "YQBi", "base64", ""},
		{"other control characters are binary", Result{Stdout: []byte("a\x01")}, "YQE=", "base64", ""},
		{"terminal colours are text", Result{Stdout: []byte("\x1b[31mred\x1b[0m\t\r\n")}, "\x1b[31mred\x1b[0m\t\r\n", "utf-8", ""},
		{"text cut inside a character", Result{Status: bwrap.Status{StdoutTruncated: true}, Stdout: []byte("ab\xc3")}, "ab", "utf-8", ""},
		{"binary, truncated", Result{Status: bwrap.Status{StdoutTruncated: true}, Stdout: []byte{0xff, 0xfe, 0xfd, 0xfc, 0xfb}}, "//79/Ps=", "base64", ""},
		{"killed", Result{Status: bwrap.Status{ExitCode: 137}}, "", "utf-8", "SIGKILL"},
		{"exit 200 is no signal", Result{Status: bwrap.Status{ExitCode: 200}}, "", "utf-8", ""},
		{"timeout is no signal", Result{Status: bwrap.Status{ExitCode: 124, TimedOut: true}}, "", "utf-8", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := tc.res.Report("p", []string{"x"})
			sig := ""
			if rep.Signal != nil {
				sig = *rep.Signal
			}
			if rep.Stdout != tc.stdout || rep.StdoutEncoding != tc.enc || sig != tc.signal {
				t.Errorf("Report = stdout %q (%s), signal %q; want %q (%s), %q", rep.Stdout, rep.StdoutEncoding, sig, tc.stdout, tc.enc, tc.signal)
			}
		})
	}
}
