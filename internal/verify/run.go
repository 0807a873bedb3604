package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"time"

	"github.com/shannot-project/shannot/internal/bug"
	"github.com/shannot-project/shannot/internal/identity"
	"github.com/shannot-project/shannot/pkg/bwrap/option"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

// Run runs the probe inside p's sandbox, built as cfg says, and returns
// what it found and who bwrap ran as (for Evaluate). The probe is this
// process's own executable, run as ProbeCommand: it is handed to bwrap as
// an open descriptor and executed through /proc/self/fd, so the profile
// needs no extra bind for it. The probe tries to write to every
// read-only bind whose source exists and to every tmpfs, and makes the
// calls PlanVerdicts chose under the profile's filter; the returned
// Facts carry the plan for Evaluate.
//
// An error means the sandbox could not be set up or run at all; bwrap's
// own words are then copied to stderr (nil drops them). A probe that ran
// and failed, or printed nothing readable, is not an error: the returned
// Facts say so in Failed.
func Run(ctx context.Context, p *profile.Profile, cfg sandbox.Config, stderr io.Writer) (facts *Facts, host string, err error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, "", fmt.Errorf("finding shannot's own binary for the probe: %w", err)
	}
	self, err := os.Open(exe)
	if err != nil {
		return nil, "", fmt.Errorf("opening shannot's own binary for the probe: %w", err)
	}
	defer self.Close()

	sb, err := sandbox.New(p, cfg)
	if err != nil {
		return nil, "", err
	}
	defer sb.Close()
	host = bwrapUser(sb.Identity) // a uid leased for the run, when the profile shares the host's processes
	plan := SeccompPlan{HostFilters: -1}
	if own, err := readStatus("/proc/self/status"); err == nil {
		plan.HostFilters = statusInt(own, "Seccomp_filters")
	}
	var runtime []string
	var hazards []seccomp.Hazard
	if sb.Filter != nil {
		plan.Source = sb.Filter.Source
		prog, err := sb.Filter.Decoded()
		if err != nil {
			return nil, "", fmt.Errorf("seccomp filter %s: %w", sb.Filter.Source, err)
		}
		if plan.Verdicts, err = PlanVerdicts(prog, seccomp.ThisHost()); err != nil {
			return nil, "", err
		}
		if runtime, err = RuntimeDenials(prog, seccomp.ThisHost()); err != nil {
			return nil, "", err
		}
		if hazards, err = seccomp.Hazards(prog, seccomp.ThisHost(), seccomp.SyscallNumber); err != nil {
			return nil, "", err
		}
	}
	var out, errOut bytes.Buffer
	l := sb.Launch(sandbox.Streams{Stdout: &out, Stderr: &errOut}, launch.Limits{Timeout: time.Minute, MaxOutput: 1 << 20})
	selfFD := l.AddFile(self)
	var calls []string
	for _, v := range plan.Verdicts {
		calls = append(calls, v.Call)
	}
	l.Argv = sb.CommandArgv(probeArgv(selfFD, writeTargets(p), calls))
	if l.Args, err = withSetenv(l.Args, probeVar, ProbeGODEBUG(p)); err != nil {
		return nil, "", err
	}
	l.Env = []string{Canary + "=leaked"}
	status, err := l.Run(ctx)
	if err != nil {
		if stderr != nil {
			stderr.Write(errOut.Bytes())
		}
		return nil, "", err
	}
	facts = &Facts{}
	if status.ExitCode != 0 || json.Unmarshal(out.Bytes(), facts) != nil {
		return &Facts{Failed: probeDied(status.ExitCode, errOut.String(), runtime, hazards)}, host, nil
	}
	facts.Plan = plan
	return facts, host, nil
}

// probeVar is the one variable the probe gets besides the profile's.
const probeVar = "GODEBUG"

// ProbeGODEBUG is the GODEBUG the probe runs with in p's sandbox: the
// profile's own, if any, with asyncpreemptoff=1 added. Without it the Go
// runtime preempts a long-running goroutine with a signal (SIGURG) whose
// handler must return through rt_sigreturn, and a filter that denies
// rt_sigreturn (the original guide's does) kills the probe at a moment
// of the scheduler's choosing. The environment check expects exactly
// this value.
func ProbeGODEBUG(p *profile.Profile) string {
	if v := p.Environment[probeVar]; v != "" {
		return v + ",asyncpreemptoff=1"
	}
	return "asyncpreemptoff=1"
}

// withSetenv sets a variable for the command: bwrap's options args,
// which end with "--", with --setenv NAME VALUE put before it (after
// the profile's own, which it overrides).
func withSetenv(args []string, name, value string) ([]string, error) {
	if len(args) == 0 || args[len(args)-1] != "--" {
		return nil, bug.Errorf("bwrap's options do not end with --: %q", args)
	}
	out := append([]string(nil), args[:len(args)-1]...)
	return append(out, option.Setenv, name, value, "--"), nil
}

// probeArgv is the probe's command line inside the sandbox: the binary
// on descriptor fd, ProbeCommand, WriteFlag once per target and
// CallFlag once per call.
func probeArgv(fd int, targets, calls []string) []string {
	argv := []string{fmt.Sprintf("/proc/self/fd/%d", fd), ProbeCommand}
	for _, t := range targets {
		argv = append(argv, "--"+WriteFlag, t)
	}
	for _, c := range calls {
		argv = append(argv, "--"+CallFlag, c)
	}
	return argv
}

// writeTargets are the paths the probe tries to write to: every
// read-only bind whose source exists, the host's / when the profile
// shares the host's file systems, and every tmpfs.
func writeTargets(p *profile.Profile) []string {
	var out []string
	for _, b := range p.Binds {
		if _, err := os.Lstat(b.Source); err == nil && b.ReadOnly {
			out = append(out, b.Target)
		}
	}
	if p.Shares(profile.ViewFilesystems) {
		out = append(out, "/")
	}
	return append(out, p.TmpfsPaths...)
}

// bwrapUser names who bwrap runs as: id when set, else this process's
// user.
func bwrapUser(id *identity.Identity) string {
	if id != nil {
		return id.String()
	}
	uid := strconv.Itoa(os.Getuid())
	if u, err := user.LookupId(uid); err == nil {
		return u.Username
	}
	return "uid " + uid
}
