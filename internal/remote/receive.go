package remote

import (
	"fmt"
	"strings"

	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

// RunFunc runs the sandbox an envelope asked for, as a local `shannot
// run` would: with env's limits ([Envelope.Limits]), --json and
// --no-stdin, the command's exit status as the result.
type RunFunc func(sb *sandbox.Sandbox, env *Envelope) error

// Receive runs what env asks on this host, the receiving end of a remote
// run (`shannot __remote ENVELOPE`). The profile is parsed and validated
// again and its bind sources checked against this host's file system; a
// filter compiled for another architecture is refused; the command is
// looked up in the sandbox; then run runs it. config is asked for the
// sandbox configuration (bwrap, identity) once the profile has passed,
// so that a profile this host cannot use is reported first.
func Receive(env *Envelope, config func() (sandbox.Config, error), run RunFunc) error {
	p, err := profile.Parse(env.Profile, profile.Origin{Path: "remote:" + env.Origin})
	if err != nil {
		return err
	}
	p.SeccompProfile = nil // the envelope brings the program
	if err := p.CheckHost(); err != nil {
		return err
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	if len(env.Filter) > 0 {
		if err := checkArch(env); err != nil {
			return err
		}
		if cfg.Filter, err = seccomp.FromBytes(env.FilterSource, env.Filter, seccomp.Options{}); err != nil {
			return err
		}
	}
	sb, err := sandbox.Prepare(p, env.Argv, cfg)
	if err != nil {
		if cfg.Filter != nil {
			cfg.Filter.Close()
		}
		return err
	}
	defer sb.Close()
	return run(sb, env)
}

// checkArch refuses a program compiled for another architecture.
func checkArch(env *Envelope) error {
	prog, err := seccomp.Decode(env.Filter)
	if err != nil {
		return &seccomp.Error{File: env.FilterSource, Err: err}
	}
	host := seccomp.ThisHost().Arch
	var names []string
	for _, a := range prog.Architectures() {
		if a == host {
			return nil
		}
		names = append(names, seccomp.ShortArch(a))
	}
	return &seccomp.Error{File: env.FilterSource, Msg: fmt.Sprintf("was compiled for %s, and this host is %s; compile the policy for it",
		strings.Join(names, ", "), seccomp.ShortArch(host))}
}
