package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shannot-project/shannot/pkg/sandbox"
)

// fakeSSH is an ssh that answers -G and otherwise runs script, whatever
// the host: a remote that sends what the test wants.
func fakeSSH(t *testing.T, script string) SSH {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ssh")
	body := "#!/bin/sh\nfor a; do [ \"$a\" = -G ] && { echo 'batchmode yes'; echo 'stricthostkeychecking yes'; exit 0; }; done\n" + script + "\n"
	if err := os.WriteFile(bin, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return SSH{Binary: bin}
}

func TestExecCappedCutsAHostileRemote(t *testing.T) {
	host := Target{Host: "hostile"}
	for _, tc := range []struct {
		name, script string
		caps         Caps
		stream       string
	}{
		{"endless stdout", "exec cat /dev/zero", Caps{Stdout: 1024, Stderr: 1024}, "stdout"},
		{"endless stderr", "exec cat /dev/zero >&2", Caps{Stdout: 1024, Stderr: 1024}, "stderr"},
		{"endless stdout, stderr unbounded", "exec yes", Caps{Stdout: 1 << 20}, "stdout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out, errOut bytes.Buffer
			start := time.Now()
			_, err := fakeSSH(t, tc.script).ExecCapped(ctx, host, "ignored", nil, &out, &errOut, tc.caps)
			var overflow *OverflowError
			if !errors.As(err, &overflow) || overflow.Stream != tc.stream ||
				!strings.Contains(err.Error(), "hostile sent more than") || time.Since(start) > 20*time.Second {
				t.Fatalf("err %v after %s", err, time.Since(start))
			}
			got := map[string]int{"stdout": out.Len(), "stderr": errOut.Len()}
			want := tc.caps.Stdout
			if tc.stream == "stderr" {
				want = tc.caps.Stderr
			}
			if int64(got[tc.stream]) != want {
				t.Errorf("%s passed on %d bytes, want the %d before the cap", tc.stream, got[tc.stream], want)
			}
		})
	}
	// Within the caps, output and status pass as they are.
	var out bytes.Buffer
	code, err := fakeSSH(t, "head -c 1024 /dev/zero; exit 3").ExecCapped(context.Background(), host, "x", nil, &out, nil, Caps{Stdout: 1024, Stderr: 1})
	if err != nil || code != 3 || out.Len() != 1024 {
		t.Errorf("an honest remote: exit %d, %v, %d bytes", code, err, out.Len())
	}
}

// What an honest remote shannot sends at worst fits in CapsFor: every
// byte of output one that JSON spells in six, and a long command line.
func TestCapsForHoldsTheWorstHonestResult(t *testing.T) {
	const max = 4096
	argv := []string{"printf", strings.Repeat("\x1b", 1000), strings.Repeat(`"`, 1000)}
	esc := bytes.Repeat([]byte{0x1b}, max)
	res := &sandbox.Result{Stdout: esc, Stderr: esc}
	res.ExitCode = 125
	rep := res.Report("remote:/some/profile.json", argv)
	rep.Error = strings.Repeat("bwrap said something long; ", 100)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(rep)
	caps := CapsFor(max, argv, true)
	if int64(b.Len()) > caps.Stdout {
		t.Errorf("an honest --json result of %d bytes is over the cap of %d", b.Len(), caps.Stdout)
	}
	if c := CapsFor(max, argv, false); c.Stdout != max || c.Stderr != max+StderrSlack {
		t.Errorf("plain caps: %+v", c)
	}
	if c := CapsFor(0, argv, false); c != (Caps{}) {
		t.Errorf("no limit, plain: %+v", c)
	}
}

func TestCapOutput(t *testing.T) {
	for _, tc := range []struct {
		in, enc string
		max     int64
		want    string
		cut     bool
	}{
		{"abc", "utf-8", 3, "abc", false},
		{"abcdef", "utf-8", 3, "abc", true},
		{"aé", "utf-8", 2, "a", true}, // not half a character
		{"AAECAwQ=", "base64", 5, "AAECAwQ=", false},
		{"AAECAwQ=", "base64", 2, "AAE=", true},
		{"not base64!", "base64", 2, "not base64!", false},
		{"abcdef", "utf-8", 0, "abcdef", false},
	} {
		got, cut := CapOutput(tc.in, tc.enc, tc.max)
		if got != tc.want || cut != tc.cut {
			t.Errorf("CapOutput(%q, %s, %d) = %q, %v; want %q, %v", tc.in, tc.enc, tc.max, got, cut, tc.want, tc.cut)
		}
	}
}
