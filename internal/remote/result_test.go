package remote

import (
	"context"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shannot-project/shannot/pkg/sandbox"
)

// The one decoder: an object with an exit_code, its output cut to the
// limit and flagged as a local run would.
func TestDecodeReport(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		max  int64
		want *sandbox.Report
	}{
		{"cut", `{"exit_code":0,"stdout":"aaaaaaaaaa","stdout_encoding":"utf-8","stderr":"AAECAwQF","stderr_encoding":"base64"}`, 4,
			&sandbox.Report{Stdout: "aaaa", StdoutEncoding: "utf-8", StdoutTruncated: true, Stderr: "AAECAw==", StderrEncoding: "base64", StderrTruncated: true}},
		{"within the limit", `{"exit_code":2,"stdout":"ok","stdout_encoding":"utf-8"}`, 4,
			&sandbox.Report{ExitCode: 2, Stdout: "ok", StdoutEncoding: "utf-8"}},
		{"no limit", `{"exit_code":0,"stdout":"aaaaaaaaaa","stdout_encoding":"utf-8"}`, 0,
			&sandbox.Report{Stdout: "aaaaaaaaaa", StdoutEncoding: "utf-8"}},
		{"no exit_code", `{"stdout":"x"}`, 4, nil},
		{"exit_code null", `{"exit_code":null}`, 4, nil},
		{"not JSON", `shannot is not installed here`, 4, nil},
		{"empty", ``, 4, nil},
		{"two objects", `{"exit_code":0} {"exit_code":0}`, 4, nil},
	} {
		got, ok := decodeReport([]byte(tc.in), tc.max)
		if ok != (tc.want != nil) {
			t.Errorf("%s: decoded %v, want %v", tc.name, ok, tc.want != nil)
			continue
		}
		if diff := cmp.Diff(got, tc.want); diff != "" {
			t.Errorf("%s (-got +want):\n%s", tc.name, diff)
		}
	}
}

// The MCP server's remote runs: the report, or an error saying why none.
func TestCall(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := fleetSSH(t)
	for _, tc := range []struct {
		host string
		max  int64
		want *sandbox.Report
		err  string
	}{
		{host: "json", max: 2, want: &sandbox.Report{Stdout: "<&", StdoutEncoding: "utf-8", StdoutTruncated: true,
			StderrEncoding: "utf-8", DurationMS: 7, Profile: "p", Command: []string{"ls"}}},
		{host: "json3", want: &sandbox.Report{ExitCode: 3, StdoutEncoding: "utf-8", Stderr: "AAEC", StderrEncoding: "base64",
			DurationMS: 7, Profile: "p", Command: []string{"ls"}}},
		{host: "fail", err: "fail: the remote shannot gave no result (exit status 3): it broke"},
		{host: "dead", err: "dead: unreachable: ssh: connect to host dead port 22: Connection refused"},
		{host: "flood", max: 1, err: "flood sent more than 65578 bytes on stdout, more than its shannot may under these limits; the connection was cut"},
	} {
		env := &Envelope{Profile: []byte(`{}`), Argv: []string{"ls"}, JSON: true, MaxOutput: tc.max}
		got, err := s.Call(context.Background(), Target{Host: tc.host}, env, self, "")
		if errText(err) != tc.err {
			t.Errorf("%s: error %v, want %q", tc.host, err, tc.err)
		}
		if tc.want == nil {
			continue
		}
		if diff := cmp.Diff(&got, tc.want); diff != "" {
			t.Errorf("%s (-got +want):\n%s", tc.host, diff)
		}
	}
}

// A Result's object: keys sorted, <, > and & as they are; the remote's
// own host and status are replaced.
func TestResultJSON(t *testing.T) {
	sig := "SIGKILL"
	for _, tc := range []struct {
		r    Result
		want string
	}{
		{Result{Target: Target{User: "ops", Host: "web1", Port: 2222}, Status: StatusFailed, ExitCode: 137,
			Report: &sandbox.Report{ExitCode: 137, Signal: &sig, Stdout: "a<b>&c", StdoutEncoding: "utf-8", Command: []string{"x"}}},
			`{"command":["x"],"duration_ms":0,"exit_code":137,"host":"ops@web1:2222","profile":"","signal":"SIGKILL","status":"failed","stderr":"","stderr_encoding":"","stderr_truncated":false,"stdout":"a<b>&c","stdout_encoding":"utf-8","stdout_truncated":false,"timed_out":false}`},
		{Result{Target: Target{Host: "::1"}, Status: StatusUnreachable, ExitCode: 125, Err: &UnreachableError{Target: Target{Host: "::1"}, Reason: "timed out"}},
			`{"error":"[::1]: unreachable: timed out","exit_code":125,"host":"[::1]","status":"unreachable"}`},
		{Result{Target: Target{Host: "h"}, Status: StatusOK, Err: &NoResultError{Output: "<html>"}},
			`{"error":"the remote shannot printed no result: <html>","exit_code":0,"host":"h","status":"ok"}`},
	} {
		b, err := tc.r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(b), tc.want); diff != "" {
			t.Errorf("(-got +want):\n%s", diff)
		}
	}
}
