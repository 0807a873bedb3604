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
	"strings"
	"time"

	"github.com/shannot-project/shannot/internal/identity"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// Run runs the probe inside p's sandbox, built as cfg says, and returns
// what it found and who bwrap ran as (for Evaluate). The probe is this
// process's own executable, run as ProbeCommand: it is handed to bwrap as
// an open descriptor and executed through /proc/self/fd, so the profile
// needs no extra bind for it. The probe tries to write to every
// read-only bind whose source exists and to every tmpfs.
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
	var out, errOut bytes.Buffer
	l := sb.Launch(sandbox.Streams{Stdout: &out, Stderr: &errOut}, launch.Limits{Timeout: time.Minute, MaxOutput: 1 << 20})
	selfFD := l.AddFile(self)
	l.Argv = probeArgv(selfFD, writeTargets(p))
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
		return &Facts{Failed: fmt.Sprintf("probe exited %d: %s", status.ExitCode,
			strings.TrimSpace(errOut.String()))}, host, nil
	}
	return facts, host, nil
}

// probeArgv is the probe's command line inside the sandbox: the binary
// on descriptor fd, ProbeCommand, and WriteFlag once per target.
func probeArgv(fd int, targets []string) []string {
	argv := []string{fmt.Sprintf("/proc/self/fd/%d", fd), ProbeCommand}
	for _, t := range targets {
		argv = append(argv, "--"+WriteFlag, t)
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
