package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/pkg/bwrap"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// canary is put in bwrap's own environment by verify: it must not be
// seen inside the sandbox.
const canary = "SHANNOT_VERIFY_CANARY"

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "prove that the profile's sandbox works and holds on this host",
		Description: `Runs a probe inside the profile's sandbox (under its seccomp filter, if any)
and checks that: a command runs; every read-only bind refuses a write; every
tmpfs accepts one; only loopback networking exists (when the network is
isolated); the command holds no capabilities; it is not host root (its uid
in the sandbox maps to an ordinary host uid); nothing under /proc (outside
the processes' own directories) or /sys is writable; the environment is
exactly the profile's. Prints a table of checks and exits 0 only when all pass, 1 when
one fails, 125 when the sandbox cannot be set up at all.

Examples:
   shannot verify
   shannot --profile diagnostics verify`,
		Flags: []cli.Flag{forceFlag, profileFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return &usageError{msg: "verify takes no arguments; choose the profile with --profile"}
			}
			p, err := loadProfile(c)
			if err != nil {
				return err
			}
			facts, host, err := probeSandbox(c, p)
			if err != nil {
				return err
			}
			checks := evaluate(p, facts, host)
			w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "profile %s (%s)\n", p.Name, p.Origin)
			failed := 0
			for _, ck := range checks {
				mark := "ok"
				if !ck.ok {
					mark = "FAIL"
					failed++
				}
				fmt.Fprintf(w, "  %s\t%s\t%s\n", mark, ck.name, ck.detail)
			}
			w.Flush()
			if failed > 0 {
				fmt.Fprintf(c.App.Writer, "%d of %d checks failed\n", failed, len(checks))
				return &statusError{code: 1}
			}
			fmt.Fprintf(c.App.Writer, "all %d checks passed\n", len(checks))
			return nil
		},
	}
}

// probeSandbox runs shannot's own probe inside the profile's sandbox and
// returns what it found. The probe binary is handed in as an open
// descriptor and executed through /proc/self/fd, so the profile needs no
// extra bind for it.
func probeSandbox(c *cli.Context, p *profile.Profile) (facts *probeFacts, host string, err error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, "", fmt.Errorf("finding shannot's own binary for the probe: %w", err)
	}
	self, err := os.Open(exe)
	if err != nil {
		return nil, "", fmt.Errorf("opening shannot's own binary for the probe: %w", err)
	}
	defer self.Close()

	cfg, err := sandboxConfig(c, false)
	if err != nil {
		return nil, "", err
	}
	sb, err := sandbox.New(p, cfg)
	if err != nil {
		return nil, "", err
	}
	defer sb.Close()
	host = userName(os.Getuid())
	if cfg.Identity != nil {
		host = cfg.Identity.String()
	}
	var out, errOut bytes.Buffer
	l := sb.Launch(sandbox.Streams{Stdout: &out, Stderr: &errOut}, bwrap.Limits{Timeout: time.Minute, MaxOutput: 1 << 20}, self)
	selfFD := sandbox.FilterFD + len(l.Files) - 1
	l.Argv = []string{fmt.Sprintf("/proc/self/fd/%d", selfFD), probeName}
	for _, t := range writeTargets(p) {
		l.Argv = append(l.Argv, "--write", t)
	}
	l.Env = []string{canary + "=leaked"}
	status, err := l.Run(context.Background())
	if err != nil {
		os.Stderr.Write(errOut.Bytes())
		return nil, "", err
	}
	facts = &probeFacts{}
	if status.ExitCode != 0 || json.Unmarshal(out.Bytes(), facts) != nil {
		return &probeFacts{Failed: fmt.Sprintf("probe exited %d: %s", status.ExitCode,
			strings.TrimSpace(errOut.String()))}, host, nil
	}
	return facts, host, nil
}

// writeTargets are the paths verify tries to write to: every read-only
// bind whose source exists, and every tmpfs.
func writeTargets(p *profile.Profile) []string {
	var out []string
	for _, b := range p.Binds {
		if _, err := os.Lstat(b.Source); err == nil && b.ReadOnly {
			out = append(out, b.Target)
		}
	}
	return append(out, p.TmpfsPaths...)
}

type check struct {
	name   string
	ok     bool
	detail string
}

// evaluate turns the probe's facts into verify's checks.
func evaluate(p *profile.Profile, f *probeFacts, host string) []check {
	if f.Failed != "" {
		return []check{{name: "command runs", detail: f.Failed}}
	}
	checks := []check{{name: "command runs", ok: true, detail: fmt.Sprintf("probe ran as uid %d inside the sandbox", f.UID)}}
	for _, b := range p.Binds {
		res, tried := f.Writes[b.Target]
		if !tried {
			continue
		}
		ck := check{name: "read-only " + b.Target}
		switch res {
		case "EROFS":
			ck.ok, ck.detail = true, "write refused: read-only file system"
		case "EACCES", "EPERM":
			ck.ok, ck.detail = true, "write refused by permissions ("+res+"); the bind is read-only as well"
		case "ok":
			ck.detail = "write ACCEPTED: the host path is writable from the sandbox"
		default:
			ck.detail = "write failed unexpectedly: " + res
		}
		checks = append(checks, ck)
	}
	for _, t := range p.TmpfsPaths {
		ck := check{name: "tmpfs " + t}
		if res := f.Writes[t]; res == "ok" {
			ck.ok, ck.detail = true, "write accepted"
		} else {
			ck.detail = "write refused: " + res
		}
		checks = append(checks, ck)
	}
	net := check{name: "network"}
	switch {
	case !p.NetworkIsolation:
		net.ok, net.detail = true, "shared with the host (network_isolation is false): "+strings.Join(f.Interfaces, ", ")
	case slices.Equal(f.Interfaces, []string{"lo"}):
		net.ok, net.detail = true, "only loopback (lo)"
	default:
		net.detail = "interfaces besides loopback: " + strings.Join(f.Interfaces, ", ")
	}
	checks = append(checks, net)
	caps := check{name: "capabilities", detail: fmt.Sprintf("effective %s, permitted %s, bounding %s, ambient %s",
		f.Caps["CapEff"], f.Caps["CapPrm"], f.Caps["CapBnd"], f.Caps["CapAmb"])}
	caps.ok = true
	for _, k := range []string{"CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh"} {
		if strings.Trim(f.Caps[k], "0") != "" {
			caps.ok = false
		}
	}
	if caps.ok {
		caps.detail = "none"
	}
	checks = append(checks, caps)
	checks = append(checks, checkHostRoot(f, host), checkKnobs(f))
	checks = append(checks, checkEnv(p, f.Environ))
	return checks
}

// checkHostRoot fails when the sandbox runs as host root: root without
// capabilities still writes sysctls and reads root's files. host is who
// bwrap was started as, for the detail.
func checkHostRoot(f *probeFacts, host string) check {
	ck := check{name: "host identity"}
	switch {
	case f.ProcOwner < 0:
		ck.detail = "cannot stat /proc in the sandbox: whether it is host root is unknown"
	case f.ProcOwner == f.UID:
		ck.detail = fmt.Sprintf("uid %d in the sandbox is host ROOT: it can write kernel settings and read root's files", f.UID)
	default:
		ck.ok, ck.detail = true, fmt.Sprintf("uid %d in the sandbox is not host root (bwrap ran as %s)", f.UID, host)
	}
	return ck
}

// checkKnobs fails when anything under /proc (outside the processes'
// own directories) or /sys is writable.
func checkKnobs(f *probeFacts) check {
	ck := check{name: "kernel settings"}
	if f.Writable == 0 {
		ck.ok, ck.detail = true, "nothing writable under /proc (outside processes) or /sys"
		return ck
	}
	ck.detail = fmt.Sprintf("%d files WRITABLE under /proc and /sys, e.g. %s", f.Writable, strings.Join(f.WritableSome, ", "))
	return ck
}

func checkEnv(p *profile.Profile, environ []string) check {
	ck := check{name: "environment"}
	var want []string
	for k, v := range p.Environment {
		want = append(want, k+"="+v)
	}
	sort.Strings(want)
	var got []string
	for _, kv := range environ {
		if strings.HasPrefix(kv, canary+"=") {
			ck.detail = "the host's environment leaks in (" + canary + " seen)"
			return ck
		}
		// bwrap sets PWD to the working directory it chose, as a shell does.
		if _, set := p.Environment["PWD"]; strings.HasPrefix(kv, "PWD=") && !set {
			continue
		}
		got = append(got, kv)
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		ck.detail = fmt.Sprintf("got %q, want exactly the profile's %q", got, want)
		return ck
	}
	ck.ok, ck.detail = true, fmt.Sprintf("exactly the profile's %d variables; the host's are absent", len(want))
	return ck
}
