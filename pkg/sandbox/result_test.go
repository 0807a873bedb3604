package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"runtime"
	"testing"

	"github.com/shannot-project/shannot/pkg/launch"
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
		{"text cut inside a character", Result{Status: launch.Status{StdoutTruncated: true}, Stdout: []byte("ab\xc3")}, "ab", "utf-8", ""},
		{"binary, truncated", Result{Status: launch.Status{StdoutTruncated: true}, Stdout: []byte{0xff, 0xfe, 0xfd, 0xfc, 0xfb}}, "//79/Ps=", "base64", ""},
		{"killed", Result{Status: launch.Status{ExitCode: 137}}, "", "utf-8", "SIGKILL"},
		{"exit 200 is no signal", Result{Status: launch.Status{ExitCode: 200}}, "", "utf-8", ""},
		{"timeout is no signal", Result{Status: launch.Status{ExitCode: 124, TimedOut: true}}, "", "utf-8", ""},
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

// WriteJSON writes what json.Encoder writes for Report, byte for byte.
func TestWriteJSONMatchesEncoder(t *testing.T) {
	sig := Result{Status: launch.Status{ExitCode: 137}}
	big := bytes.Repeat([]byte("héllo \x1b[1m\"quoted\" back\\slash <&> \u2028\u2029 tab\t\r\n"), 10000)
	for _, tc := range []struct {
		name string
		res  Result
	}{
		{"empty", Result{}},
		{"text", Result{Stdout: []byte("héllo\n"), Stderr: []byte("err\n")}},
		{"binary", Result{Stdout: []byte{0, 0xff, 'b'}, Stderr: []byte{1}}},
		{"escapes", Result{Stdout: []byte("\x1b[31m\"<a&b>\"\\\b\f\t\r\n\u2028\u2029\x7f")}},
		{"cut inside a character", Result{Status: launch.Status{StdoutTruncated: true, StderrTruncated: true}, Stdout: []byte("ab\xc3"), Stderr: []byte("\xe2\x82")}},
		{"binary, truncated", Result{Status: launch.Status{StdoutTruncated: true}, Stdout: []byte{0xff, 0xfe, 0xfd, 0xfc, 0xfb}}},
		{"large text, pieces cut between characters", Result{Stdout: big, Stderr: big[3:]}},
		{"large binary", Result{Stdout: append(big, 0), Stderr: bytes.Repeat([]byte{0, 1, 2}, 100001)}},
		{"killed", sig},
		{"fields that look like output fields", Result{Stdout: []byte(`"stdout":"","stderr":""`), Stderr: []byte(`"stdout":""`)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, argv := range [][]string{{"x"}, {"sh", "-c", `echo "stdout":"" <&>`}} {
				var want, got bytes.Buffer
				enc := json.NewEncoder(&want)
				enc.SetEscapeHTML(false)
				if err := enc.Encode(tc.res.Report(`/p/"stderr":"".json`, argv)); err != nil {
					t.Fatal(err)
				}
				if err := tc.res.WriteJSON(&got, `/p/"stderr":"".json`, argv); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("WriteJSON differs from json.Encoder:\ngot  %.300q\nwant %.300q", got.Bytes(), want.Bytes())
				}
			}
		})
	}
}

// allocated is the bytes f allocates on the heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// run --json's memory: a 64 MiB capture costs about 2× (the pieces, then
// one array), writing its object almost nothing more, where building the
// object (base64 string, then the encoder's growing buffer) cost 5-6×.
func TestCaptureAndWriteJSONMemory(t *testing.T) {
	if raceDetector {
		t.Skip("allocation counts under -race are the race detector's; make unit measures them")
	}
	const n = 64 << 20
	block := make([]byte, 32<<10) // as os/exec copies a pipe
	var out []byte
	got := allocated(func() {
		var c chunks
		for written := 0; written < n; written += len(block) {
			c.Write(block)
		}
		out = c.bytes()
	})
	if len(out) != n {
		t.Fatalf("captured %d bytes, want %d", len(out), n)
	}
	if got > 2*n+8<<20 {
		t.Errorf("capturing %d MiB allocated %d MiB; want at most 2× + 8 MiB", n>>20, got>>20)
	}
	for _, tc := range []struct {
		name string
		fill byte
	}{{"binary", 0}, {"text", 'a'}, {"escaped text", '"'}} {
		for i := range out {
			out[i] = tc.fill
		}
		res := &Result{Stdout: out, Stderr: out[:n/2]}
		got := allocated(func() {
			if err := res.WriteJSON(io.Discard, "p", []string{"cat", "/dev/zero"}); err != nil {
				t.Fatal(err)
			}
		})
		if got > 4<<20 {
			t.Errorf("%s: writing the object of %d MiB of output allocated %d MiB; want at most 4 MiB", tc.name, n>>20, got>>20)
		}
	}
}
