package remote

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fleetSSH is an ssh whose hosts behave as their names say: ok prints a
// line and exits 0, fail writes to stderr and exits 3, dead cannot be
// reached, json prints a --json result with <&> in it, silent prints
// nothing, flood sends without end, slow never ends.
func fleetSSH(t *testing.T) SSH {
	return fakeSSH(t, `while [ "$1" != -- ]; do shift; done
case $2 in
ok*) echo "hello from $2"; printf 'no newline'; exit 0;;
fail) echo 'it broke' >&2; exit 3;;
dead) echo 'ssh: connect to host dead port 22: Connection refused' >&2; exit 255;;
json) printf '%s\n' '{"exit_code":0,"signal":null,"timed_out":false,"duration_ms":7,"stdout":"<&>\n","stdout_encoding":"utf-8","stderr":"","stderr_encoding":"utf-8","stdout_truncated":false,"stderr_truncated":false,"profile":"p","command":["ls"]}'; exit 0;;
json3) echo '{"exit_code":3,"signal":null,"timed_out":false,"duration_ms":7,"stdout":"","stdout_encoding":"utf-8","stderr":"AAEC","stderr_encoding":"base64","stdout_truncated":false,"stderr_truncated":false,"profile":"p","command":["ls"]}'; exit 3;;
silent) exit 0;;
flood) exec yes;;
slow) exec sleep 60;;
esac
exit 99`)
}

func TestFleetRun(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hosts  string
		json   bool
		max    int64
		code   int
		err    string
		stdout []string // sorted: hosts run in parallel
		stderr []string // sorted
	}{
		{name: "one host: its status, output as it is", hosts: "ok1", code: 0,
			stdout: []string{"hello from ok1", "no newline"}},
		{name: "one host that fails", hosts: "fail", code: 3, stderr: []string{"it broke"}},
		{name: "one unreachable host", hosts: "dead", code: 125, err: "dead: unreachable: ssh: connect to host dead port 22: Connection refused",
			stderr: []string{"ssh: connect to host dead port 22: Connection refused"}},
		{name: "one host over the limit", hosts: "flood", max: 10, code: 125,
			err: "flood sent more than 10 bytes on stdout, more than its shannot may under these limits; the connection was cut", stdout: []string{"y", "y", "y", "y", "y"}},
		{name: "fleet, all ok", hosts: "ok1,ok2", code: 0,
			stdout: []string{"ok1: hello from ok1", "ok1: no newline", "ok2: hello from ok2", "ok2: no newline"},
			stderr: []string{"shannot: 2 hosts: 2 ok, 0 failed, 0 unreachable"}},
		{name: "fleet, one of each", hosts: "ok1,fail,dead", code: 1,
			stdout: []string{"ok1: hello from ok1", "ok1: no newline"},
			stderr: []string{"dead: ssh: connect to host dead port 22: Connection refused", "fail: it broke",
				"shannot: 3 hosts: 1 ok, 1 failed, 1 unreachable", "shannot: dead: unreachable: ssh: connect to host dead port 22: Connection refused"}},
		{name: "fleet, a host over the limit failed", hosts: "ok1,flood", max: 30, code: 1,
			stdout: append([]string{"ok1: hello from ok1", "ok1: no newline"}, slices.Repeat([]string{"flood: y"}, 15)...),
			stderr: []string{"shannot: 2 hosts: 1 ok, 1 failed, 0 unreachable",
				"shannot: flood sent more than 30 bytes on stdout, more than its shannot may under these limits; the connection was cut"}},
		{name: "one host, --json", hosts: "json", json: true, code: 0,
			stdout: []string{`{"command":["ls"],"duration_ms":7,"exit_code":0,"host":"json","profile":"p","signal":null,"status":"ok","stderr":"","stderr_encoding":"utf-8","stderr_truncated":false,"stdout":"<&>\n","stdout_encoding":"utf-8","stdout_truncated":false,"timed_out":false}`}},
		{name: "one host, --json, no result", hosts: "silent", json: true, code: 0,
			stdout: []string{`{"error":"the remote shannot printed no result: ","exit_code":0,"host":"silent","status":"ok"}`}},
		{name: "one unreachable host, --json", hosts: "dead", json: true, code: 125, err: "dead: unreachable: ssh: connect to host dead port 22: Connection refused",
			stdout: []string{`{"error":"dead: unreachable: ssh: connect to host dead port 22: Connection refused","exit_code":125,"host":"dead","status":"unreachable"}`},
			stderr: []string{"ssh: connect to host dead port 22: Connection refused"}},
		{name: "fleet, --json", hosts: "json,json3,dead,silent", json: true, max: 2, code: 1,
			stdout: []string{
				`{"command":["ls"],"duration_ms":7,"exit_code":0,"host":"json","profile":"p","signal":null,"status":"ok","stderr":"","stderr_encoding":"utf-8","stderr_truncated":false,"stdout":"<&","stdout_encoding":"utf-8","stdout_truncated":true,"timed_out":false}`,
				`{"command":["ls"],"duration_ms":7,"exit_code":3,"host":"json3","profile":"p","signal":null,"status":"failed","stderr":"AAE=","stderr_encoding":"base64","stderr_truncated":true,"stdout":"","stdout_encoding":"utf-8","stdout_truncated":false,"timed_out":false}`,
				`{"error":"dead: unreachable: ssh: connect to host dead port 22: Connection refused","exit_code":125,"host":"dead","status":"unreachable"}`,
				`{"error":"the remote shannot printed no result: ","exit_code":0,"host":"silent","status":"ok"}`,
			},
			stderr: []string{"dead: ssh: connect to host dead port 22: Connection refused", "shannot: 4 hosts: 2 ok, 1 failed, 1 unreachable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			targets, err := ParseTargets(tc.hosts)
			if err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			f := Fleet{SSH: fleetSSH(t), Targets: targets, Parallel: 2, Stdout: &out, Stderr: &errOut}
			env := &Envelope{Argv: []string{"ls"}, JSON: tc.json, MaxOutput: tc.max}
			code, err := f.Run(env, "ignored")
			if code != tc.code || errText(err) != tc.err {
				t.Errorf("Run = %d, %v; want %d, %q", code, err, tc.code, tc.err)
			}
			if diff := cmp.Diff(sortedLines(out.String()), sortedLines(strings.Join(tc.stdout, "\n"))); diff != "" {
				t.Errorf("stdout (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(sortedLines(errOut.String()), sortedLines(strings.Join(tc.stderr, "\n"))); diff != "" {
				t.Errorf("stderr (-got +want):\n%s", diff)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func sortedLines(s string) []string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	slices.Sort(lines)
	return lines
}

func TestPrefixWriter(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	w := &prefixWriter{mu: &mu, w: &out, prefix: "web1: "}
	w.Write([]byte("one\ntw"))
	w.Write([]byte("o\nthree"))
	w.flush()
	if out.String() != "web1: one\nweb1: two\nweb1: three\n" {
		t.Errorf("prefixed: %q", out.String())
	}
}

// A host that never sends a newline costs a fleet at most one piece of
// maxPrefixedLine bytes, each piece written behind the prefix.
func TestPrefixWriterLongLine(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	w := &prefixWriter{mu: &mu, w: &out, prefix: "web1: "}
	chunk := []byte(strings.Repeat("x", 4096))
	for i := 0; i < 3*maxPrefixedLine/len(chunk)+1; i++ {
		w.Write(chunk)
		if len(w.buf) >= maxPrefixedLine {
			t.Fatalf("holds %d bytes of a line", len(w.buf))
		}
	}
	w.Write([]byte("end\n"))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 || lines[0] != "web1: "+strings.Repeat("x", maxPrefixedLine) || lines[3] != "web1: "+strings.Repeat("x", 4096)+"end" {
		t.Errorf("%d lines: %.80q ... %.80q", len(lines), lines[0], lines[len(lines)-1])
	}
}
