package traced

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/shannot-project/shannot/internal/capread"
	"github.com/shannot-project/shannot/internal/systrace"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/sandbox"
	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/profiles"
)

// PolicyFilter resolves the policy a filter was compiled from, for the
// rules' pointers: nil for a BPF file, or when the policy cannot be read
// again as it was (its digest changed). open opens policy files (the
// caller's Opener).
func PolicyFilter(open capread.Opener, f *seccomp.Loaded) *seccomp.Filter {
	if !f.Policy {
		return nil
	}
	var data []byte
	if name, ok := profiles.Cut(f.Source); ok {
		data, _ = profiles.ReadFile(name)
	} else {
		r, err := open(f.Source)
		if err != nil {
			return nil
		}
		data, _ = io.ReadAll(io.LimitReader(r, seccomp.MaxPolicySize+1))
		r.Close()
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f.SHA256 {
		return nil
	}
	p, err := seccomp.ParsePolicy(data, f.Source)
	if err != nil {
		return nil
	}
	filter, err := p.Resolve(seccomp.ThisHost())
	if err != nil {
		return nil
	}
	return filter
}

// DecidingRule is the JSON pointer of what decided call in the policy f
// was compiled from (see seccomp.Filter.Decided); "" for a BPF file.
func DecidingRule(open capread.Opener, f *seccomp.Loaded, call seccomp.Call, verdict seccomp.Action) string {
	filter := PolicyFilter(open, f)
	if filter == nil {
		return ""
	}
	return filter.Decided(call, verdict)
}

// runInstead runs sb's command with program in place of its filter, on
// the same descriptor, under tracer; what names the run in errors.
func runInstead(sb *sandbox.Sandbox, s sandbox.Streams, limits launch.Limits, program []byte, memName, what string, tracer *systrace.Tracer) (launch.Status, error) {
	// No child may leave the trace (CLONE_UNTRACED).
	program, err := seccomp.WithoutUntraced(program)
	if err != nil {
		return launch.Status{}, fmt.Errorf("%s: %w", what, err)
	}
	mem, err := seccomp.MemFile(memName, program)
	if err != nil {
		return launch.Status{}, err
	}
	defer mem.Close()
	l := sb.Launch(s, limits)
	if len(l.Files) == 0 || l.Files[sandbox.FilterFD-launch.FirstFD] != sb.Filter.File {
		return launch.Status{}, fmt.Errorf("%s: the filter is not on descriptor %d", what, sandbox.FilterFD)
	}
	l.Files[sandbox.FilterFD-launch.FirstFD] = mem
	l.ForwardSignals = true
	l.Tracer = tracer
	return l.Run(context.Background())
}

// callName is the name of a traced call on its architecture, "" when no
// table names it.
func callName(c systrace.Call) (seccomp.Call, string, string) {
	call := seccomp.Call{Nr: c.Nr, Arch: c.Arch, Args: c.Args}
	arch := seccomp.CallArch(call)
	name := ""
	if arch != "" {
		name = seccomp.SyscallName(c.Nr, arch)
	}
	return call, arch, name
}

// processName is the command name of a traced process.
func processName(pid int) string {
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return string(comm)
}
