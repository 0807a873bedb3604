package remote

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkSSH is an ssh whose hosts are directories: "dead" is unreachable,
// any other host runs the remote command with sh in homes/HOST, as sshd
// would in the user's home.
func checkSSH(t *testing.T, homes string) SSH {
	return fakeSSH(t, `while [ "$1" != -- ]; do shift; done
[ "$2" = dead ] && { echo 'ssh: connect to host dead port 22: Connection refused' >&2; exit 255; }
cd `+homes+`/"$2" && exec sh -c "$3"`)
}

func TestCheck(t *testing.T) {
	homes := t.TempDir()
	// The local binary: a script that is a fake shannot wherever it runs.
	bin := filepath.Join(t.TempDir(), "shannot")
	doctorOK := `[{"check":"bwrap","status":"ok","detail":"/usr/bin/bwrap, bubblewrap 0.8.0, not setuid"},{"check":"seccomp","status":"ok","detail":"the kernel supports seccomp filters"}]`
	script := "#!/bin/sh\ncase $1 in --version) echo 'shannot 1.2.3'; echo 'commit: abc';; doctor) echo '" + doctorOK + "';; esac\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	sum, err := fileSHA256(bin)
	if err != nil {
		t.Fatal(err)
	}
	path := pathFor(sum)
	install := func(host, content string) {
		dir := filepath.Join(homes, host, ".cache", "shannot")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if content != "" {
			if err := os.WriteFile(filepath.Join(homes, host, path), []byte(content), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	install("good", script)
	install("empty", "")
	install("tampered", script+"# changed\n")
	install("broken", "#!/bin/sh\ncase $1 in --version) echo 'shannot 1.2.3';; doctor) echo 'segfault';; esac\n")
	install("failing", "#!/bin/sh\ncase $1 in --version) echo 'shannot 1.2.3';; doctor) echo '[{\"check\":\"bwrap\",\"status\":\"fail\",\"detail\":\"bwrap not found\",\"fix\":\"apt install bubblewrap\"},{\"check\":\"seccomp\",\"status\":\"warn\",\"detail\":\"old kernel\"}]';; esac\n")
	s := checkSSH(t, homes)
	short := sum[:16]
	for _, tc := range []struct {
		host string
		ok   bool
		line string
	}{
		{"good", true, "good: reachable; shannot 1.2.3 at ~/" + path + ", checksum ok; doctor: 2 ok, 0 warn, 0 fail"},
		{"empty", false, "empty: reachable; this shannot is not installed there (~/" + path + "): run shannot remote install empty"},
		{"tampered", false, "tampered: reachable; shannot 1.2.3 at ~/" + path + ", checksum MISMATCH: "},
		{"broken", false, "broken: reachable; shannot 1.2.3 at ~/" + path + ", checksum MISMATCH: "},
		{"failing", false, "failing: reachable; shannot 1.2.3 at ~/" + path + ", checksum MISMATCH: "},
		{"dead", false, "dead: unreachable: ssh: connect to host dead port 22: Connection refused"},
	} {
		c := s.Check(context.Background(), Target{Host: tc.host}, bin)
		if c.OK() != tc.ok || !strings.HasPrefix(c.Line(), tc.line) {
			t.Errorf("%s: ok %v, %q; want ok %v, %q", tc.host, c.OK(), c.Line(), tc.ok, tc.line)
		}
		if strings.Contains(c.Line(), "MISMATCH") && !strings.Contains(c.Line(), "want "+short) {
			t.Errorf("%s: the mismatch does not show the checksum wanted: %q", tc.host, c.Line())
		}
	}
	var out bytes.Buffer
	err = s.CheckAll([]Target{{Host: "good"}, {Host: "dead"}, {Host: "empty"}}, bin, 2, &out)
	if err == nil || err.Error() != "2 of 3 hosts cannot run sandboxes from here" {
		t.Errorf("CheckAll: %v", err)
	}
	if ls := strings.Split(strings.TrimRight(out.String(), "\n"), "\n"); len(ls) != 3 || !strings.HasPrefix(ls[0], "good: ") ||
		!strings.HasPrefix(ls[1], "dead: ") || !strings.HasPrefix(ls[2], "empty: ") {
		t.Errorf("CheckAll's lines, in the order given:\n%s", out.String())
	}
	if err := s.CheckAll([]Target{{Host: "good"}}, bin, 1, &out); err != nil {
		t.Errorf("one good host: %v", err)
	}
}

func TestParseCheck(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name, out string
		want      Check
		err       string
		line      string
	}{
		{name: "missing", out: "missing\n", want: Check{}},
		{name: "doctor findings", out: "sha256 " + sum + "\nversion shannot dev\ndoctor [{\"check\":\"bwrap\",\"status\":\"fail\",\"detail\":\"bwrap not found\"},{\"check\":\"seccomp\",\"status\":\"warn\",\"detail\":\"old\"}]\n",
			want: Check{Installed: true, SHA256: sum, Version: "shannot dev", Doctor: []Finding{{Check: "bwrap", Status: "fail", Detail: "bwrap not found"}, {Check: "seccomp", Status: "warn", Detail: "old"}}},
			line: "h: reachable; shannot dev at ~/p, checksum ok; doctor: 0 ok, 1 warn, 1 fail (fail bwrap: bwrap not found; warn seccomp: old)"},
		{name: "doctor not JSON", out: "sha256 " + sum + "\nversion shannot dev\ndoctor Segmentation fault\n",
			want: Check{Installed: true, SHA256: sum, Version: "shannot dev", DoctorErr: "did not answer in JSON: Segmentation fault"},
			line: "h: reachable; shannot dev at ~/p, checksum ok; doctor: did not answer in JSON: Segmentation fault"},
		{name: "a line too many", out: "sha256 x\nrm -rf\n", err: `unexpected answer "rm -rf"`},
		{name: "cut short", out: "sha256 x\nversion y\n", err: "the host's answer has no doctor line"},
	} {
		c := Check{Target: Target{Host: "h"}, Path: "p", Want: sum}
		err := parseCheck(&c, tc.out)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		tc.want.Target, tc.want.Path, tc.want.Want = c.Target, "p", sum
		if d := cmp.Diff(c, tc.want); err != nil || d != "" {
			t.Errorf("%s: %v (-got +want):\n%s", tc.name, err, d)
		}
		if tc.line != "" && c.Line() != tc.line {
			t.Errorf("%s: line %q, want %q", tc.name, c.Line(), tc.line)
		}
	}
}
