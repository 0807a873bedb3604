//go:build integration

package integration

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

type jsonResult struct {
	ExitCode        int      `json:"exit_code"`
	Signal          *string  `json:"signal"`
	TimedOut        bool     `json:"timed_out"`
	DurationMS      int64    `json:"duration_ms"`
	Stdout          string   `json:"stdout"`
	StdoutEncoding  string   `json:"stdout_encoding"`
	Stderr          string   `json:"stderr"`
	StderrEncoding  string   `json:"stderr_encoding"`
	StdoutTruncated bool     `json:"stdout_truncated"`
	StderrTruncated bool     `json:"stderr_truncated"`
	Profile         string   `json:"profile"`
	Command         []string `json:"command"`
	Error           string   `json:"error"`
	Host            string   `json:"host"`   // remote runs
	Status          string   `json:"status"` // remote runs
}

func runJSON(t *testing.T, id identity, o opts, args ...string) (jsonResult, result) {
	t.Helper()
	r := id.run(t, o, args...)
	var j jsonResult
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		t.Fatalf("%v: stdout is not one result object: %v\n%s", args, err, r.stdout)
	}
	if dec.More() {
		t.Fatalf("%v: more than one JSON value on stdout: %s", args, r.stdout)
	}
	return j, r
}

func TestRunJSON(t *testing.T) {
	profile := writeProfile(t, open())
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			j, r := runJSON(t, id, opts{}, "--profile", profile, "run", "--json", "sh", "-c", "echo out; echo err >&2; exit 3")
			if r.code != 3 || j.ExitCode != 3 || j.Stdout != "out\n" || j.Stderr != "err\n" || j.StdoutEncoding != "utf-8" ||
				j.Signal != nil || j.TimedOut || j.Profile != profile || strings.Join(j.Command, " ") != "sh -c echo out; echo err >&2; exit 3" {
				t.Errorf("exit %d, %+v", r.code, j)
			}
			j, r = runJSON(t, id, opts{}, "--profile", profile, "run", "--json", "sh", "-c", "kill -9 $$")
			if r.code != 137 || j.ExitCode != 137 || j.Signal == nil || *j.Signal != "SIGKILL" {
				t.Errorf("signal: exit %d, %+v", r.code, j)
			}
			j, r = runJSON(t, id, opts{}, "--profile", profile, "run", "--json", "printf", `\000\377binary`)
			if r.code != 0 || j.StdoutEncoding != "base64" || j.Stdout != "AP9iaW5hcnk=" {
				t.Errorf("binary: %+v", j)
			}
			j, r = runJSON(t, id, opts{}, "--profile", profile, "run", "--json", "--max-output", "5", "echo", "0123456789")
			if r.code != 0 || j.Stdout != "01234" || !j.StdoutTruncated || j.StderrTruncated {
				t.Errorf("truncated: %+v", j)
			}
			// Refusals are results too, with shannot's reason.
			j, r = runJSON(t, id, opts{}, "run", "--json", "rm", "-rf", "/")
			if r.code != 126 || j.ExitCode != 126 || !strings.Contains(j.Error, "not allowed") {
				t.Errorf("refused: exit %d, %+v", r.code, j)
			}
			broken := writeProfile(t, `{"name": "broken", "binds": [{"source": "/usr", "target": "/usr"}],
				"additional_args": ["--chdir", "/no/such/dir"]}`)
			j, r = runJSON(t, id, opts{}, "--profile", broken, "run", "--json", "/usr/bin/true")
			if r.code != 125 || j.ExitCode != 125 || !strings.Contains(j.Error, "bwrap could not set up the sandbox") ||
				!strings.Contains(j.Stderr, "Can't chdir to /no/such/dir") {
				t.Errorf("bwrap failing: exit %d, %+v", r.code, j)
			}
			j, r = runJSON(t, id, opts{}, "--profile", profile, "run", "--json", "no-such-command")
			if r.code != 127 || j.ExitCode != 127 || !strings.Contains(j.Error, "not found") {
				t.Errorf("not found: exit %d, %+v", r.code, j)
			}
		})
	}
}

func TestRunTimeout(t *testing.T) {
	profile := writeProfile(t, open())
	id := identities(t)[0]
	start := time.Now()
	r := id.run(t, opts{}, "--profile", profile, "run", "--timeout", "1s", "sh", "-c", "echo before; sleep 31.25 & sleep 31.5; echo after")
	if r.code != 124 || r.stdout != "before\n" || !strings.Contains(r.stderr, "shannot: timed out after 1s; the sandbox was killed") {
		t.Errorf("exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
	// Nothing of it is left: the background sleep died with the sandbox.
	if pgrep("sleep 31.25") || pgrep("sleep 31.5") {
		t.Error("a process of the timed-out sandbox survived")
	}
	j, r := runJSON(t, id, opts{}, "--profile", profile, "run", "--json", "--timeout", "500ms", "sh", "-c", "echo partial; sleep 30")
	if r.code != 124 || !j.TimedOut || j.ExitCode != 124 || j.Stdout != "partial\n" || j.Signal != nil {
		t.Errorf("json timeout: exit %d, %+v", r.code, j)
	}
}

func TestRunMaxOutput(t *testing.T) {
	profile := writeProfile(t, open())
	id := identities(t)[0]
	// Truncate: the command runs to its end and its status stands.
	r := id.run(t, opts{}, "--profile", profile, "run", "--max-output", "1KiB", "sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x; echo end >&2; exit 7")
	if r.code != 7 || len(r.stdout) != 1024 || !strings.Contains(r.stderr, "end\n") ||
		!strings.Contains(r.stderr, "shannot: output beyond --max-output 1024 bytes was dropped") {
		t.Errorf("truncate: exit %d, %d bytes, %q", r.code, len(r.stdout), r.stderr)
	}
	// Kill: the sandbox dies once the limit is passed.
	start := time.Now()
	r = id.run(t, opts{}, "--profile", profile, "run", "--max-output", "4096", "--on-overflow", "kill", "yes")
	if r.code != 137 || len(r.stdout) != 4096 || !strings.Contains(r.stderr, "the sandbox was killed (--on-overflow=kill)") || time.Since(start) > 10*time.Second {
		t.Errorf("kill: exit %d, %d bytes, %q", r.code, len(r.stdout), r.stderr)
	}
	r = id.run(t, opts{}, "--profile", profile, "run", "--max-output", "lots", "true")
	if r.code != 125 || !strings.Contains(r.stderr, `--max-output: "lots" is not a positive size such as 65536, 64KiB or 1MiB`) {
		t.Errorf("bad size: exit %d, %q", r.code, r.stderr)
	}
}

func TestRunStdin(t *testing.T) {
	profile := writeProfile(t, open())
	id := identities(t)[0]
	r := id.run(t, opts{stdin: strings.NewReader("piped in\n")}, "--profile", profile, "run", "cat")
	if r.code != 0 || r.stdout != "piped in\n" {
		t.Errorf("stdin: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r = id.run(t, opts{stdin: strings.NewReader("piped in\n")}, "--profile", profile, "run", "--no-stdin", "cat")
	if r.code != 0 || r.stdout != "" {
		t.Errorf("--no-stdin: exit %d, %q", r.code, r.stdout)
	}
}
