package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/shannot-project/shannot/pkg/bwrap"
)

// checkTimeout bounds remote test on one host.
const checkTimeout = time.Minute

// Check is what `remote test` found on one host.
type Check struct {
	Target Target
	// Err is set when the host was not reached (an *UnreachableError) or
	// its answer could not be read.
	Err error
	// Path is where remote install puts this binary (relative to the
	// remote home); Installed whether it is there.
	Path      string
	Installed bool
	// SHA256 is the checksum of the remote file; Want the local binary's.
	SHA256, Want string
	// Version is the first line of the remote binary's --version.
	Version string
	// Doctor is the remote's `doctor --json`, DoctorErr why it is missing.
	Doctor    []Finding
	DoctorErr string
}

// Finding is one line of the remote's doctor (doctor.Finding's JSON).
type Finding struct {
	Check  string `json:"check"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// OK is whether the host can run sandboxes sent from here: reached, the
// binary in place with the right checksum, and a doctor without failures.
func (c Check) OK() bool {
	if c.Err != nil || !c.Installed || c.SHA256 != c.Want || c.DoctorErr != "" {
		return false
	}
	for _, f := range c.Doctor {
		if f.Status == "fail" {
			return false
		}
	}
	return true
}

// Line is the host's check in one line.
func (c Check) Line() string {
	var unreachable *UnreachableError
	switch {
	case errors.As(c.Err, &unreachable):
		return c.Err.Error() // it names the host
	case c.Err != nil:
		return fmt.Sprintf("%s: %v", c.Target, c.Err)
	}
	if !c.Installed {
		return fmt.Sprintf("%s: reachable; this shannot is not installed there (~/%s): run shannot remote install %s", c.Target, c.Path, c.Target)
	}
	sum := "checksum ok"
	if c.SHA256 != c.Want {
		sum = fmt.Sprintf("checksum MISMATCH: %.16s, want %.16s; run shannot remote install %s again", c.SHA256, c.Want, c.Target)
	}
	doc := "doctor: " + c.DoctorErr
	if c.DoctorErr == "" {
		count := map[string]int{}
		var notOK []string
		for _, f := range c.Doctor {
			count[f.Status]++
			if f.Status != "ok" {
				notOK = append(notOK, f.Status+" "+f.Check+": "+f.Detail)
			}
		}
		doc = fmt.Sprintf("doctor: %d ok, %d warn, %d fail", count["ok"], count["warn"], count["fail"])
		if len(notOK) > 0 {
			doc += " (" + strings.Join(notOK, "; ") + ")"
		}
	}
	return fmt.Sprintf("%s: reachable; %s at ~/%s, %s; %s", c.Target, c.Version, c.Path, sum, doc)
}

// checkScript is what remote test runs on the host. Nothing the user
// typed reaches the shell: the path is a fixed prefix and hex.
func checkScript(path string) string {
	return fmt.Sprintf(`p=%s
if [ ! -f "$p" ]; then echo missing; exit 0; fi
echo "sha256 $(sha256sum "$p" | cut -d" " -f1)"
echo "version $(./"$p" --version 2>&1 | head -n 1)"
echo "doctor $(./"$p" doctor --json 2>&1 | tr -d '\n')"`, path)
}

// parseCheck reads checkScript's output into c.
func parseCheck(c *Check, out string) error {
	if strings.TrimSpace(out) == "missing" {
		return nil
	}
	c.Installed = true
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		key, val, _ := strings.Cut(line, " ")
		seen[key] = true
		switch key {
		case "sha256":
			c.SHA256 = val
		case "version":
			c.Version = val
		case "doctor":
			if err := json.Unmarshal([]byte(val), &c.Doctor); err != nil {
				c.DoctorErr = "did not answer in JSON: " + clipLine(val)
			}
		default:
			return fmt.Errorf("unexpected answer %q", clipLine(line))
		}
	}
	for _, k := range []string{"sha256", "version", "doctor"} {
		if !seen[k] {
			return fmt.Errorf("the host's answer has no %s line", k)
		}
	}
	return nil
}

func clipLine(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// Check asks t whether it can run this binary's sandboxes: reachable
// over ssh (without a password or an unknown host key), the binary that
// remote install puts there present with binary's checksum, its version,
// its doctor.
func (s SSH) Check(ctx context.Context, t Target, binary string) Check {
	c := Check{Target: t}
	sum, err := fileSHA256(binary)
	if err != nil {
		c.Err = err
		return c
	}
	c.Path, c.Want = pathFor(sum), sum
	var out, errOut lockedBuffer
	code, err := s.Exec(ctx, t, "sh -c "+bwrap.Quote([]string{checkScript(c.Path)}), nil, &out, &errOut)
	switch {
	case err != nil:
		c.Err = err
	case code != 0:
		c.Err = fmt.Errorf("the check failed on the host (exit status %d): %s", code, strings.TrimSpace(errOut.String()))
	default:
		if err := parseCheck(&c, out.String()); err != nil {
			c.Err = err
		}
	}
	return c
}

// CheckAll checks each target, parallel at once, and writes one line a
// host to w, in the order given; the error says how many hosts cannot
// run sandboxes.
func (s SSH) CheckAll(targets []Target, binary string, parallel int, w io.Writer) error {
	checks := make([]Check, len(targets))
	slots := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
			defer cancel()
			checks[i] = s.Check(ctx, t, binary)
		}()
	}
	wg.Wait()
	failed := 0
	for _, c := range checks {
		fmt.Fprintln(w, c.Line())
		if !c.OK() {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d hosts cannot run sandboxes from here", failed, len(targets))
	}
	return nil
}
