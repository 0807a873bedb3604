package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/atomicfile"
	"github.com/shannot-project/shannot/internal/capread"
	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/trust"
	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/pkg/seccomp/bpfsim"
	"github.com/shannot-project/shannot/profiles"
)

// seccompCompileCommand is seccomp compile: a JSON policy to a BPF
// program, for bwrap --seccomp.
func seccompCompileCommand() *cli.Command {
	return &cli.Command{
		Name:      "compile",
		Usage:     "compile an OCI JSON policy into a BPF program for bwrap --seccomp",
		ArgsUsage: "POLICY.json OUT.bpf",
		Description: `Writes OUT atomically ("-" writes to standard output) and prints a one-line
summary on standard error. OUT must be a regular file or not exist: a device
(/dev/null), FIFO, socket, directory or symbolic link is refused and left as
it is. Calls that libseccomp does not know are reported by name and get the
default action; --strict makes them errors.

Examples:
   shannot seccomp compile /etc/shannot/readonly.json /etc/shannot/readonly.bpf
   shannot seccomp compile readonly - > ro.bpf   (a shipped policy, to standard output)`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: flagStrict, Usage: "make system call names unknown to libseccomp errors"},
		},
		Action: seccompCompile,
	}
}

func seccompCompile(c *cli.Context) error {
	who := callerOf(c)
	if c.NArg() != 2 {
		return &usageError{msg: "seccomp compile needs POLICY.json and OUT.bpf"}
	}
	in, out := c.Args().Get(0), c.Args().Get(1)
	if out != "-" && who.Privileged() {
		return refused("writing files as root (use - for standard output)")
	}
	if out != "-" {
		if err := atomicfile.Check(out); err != nil {
			return outError(out, err)
		}
	}
	var (
		name = in
		data []byte
		err  error
	)
	if p, ok := presetPath(in); ok {
		name = profiles.Ref(p)
		data, err = profiles.ReadFile(p)
	} else {
		data, err = readPolicy(who, in)
	}
	if err != nil {
		return &seccomp.Error{File: in, Msg: err.Error()}
	}
	if !seccomp.IsPolicy(data) {
		return &seccomp.PolicyError{File: name, Msg: "is not a JSON policy (a BPF program needs no compiling; see seccomp inspect)"}
	}
	filter, comp, err := seccomp.CompilePolicy(name, data, seccomp.Options{Host: seccomp.ThisHost(), Strict: c.Bool(flagStrict), Compiler: who.SeccompCompiler()})
	if err != nil {
		return err
	}
	for _, w := range comp.Warnings {
		fmt.Fprintf(c.App.ErrWriter, "shannot: warning: seccomp policy %s: %s\n", name, w)
	}
	if out == "-" {
		if _, err := c.App.Writer.Write(comp.Program); err != nil {
			return err
		}
	} else if err := seccomp.WriteFile(out, comp.Program); err != nil {
		return outError(out, err)
	}
	arches := make([]string, len(filter.Arches))
	for i, a := range filter.Arches {
		arches[i] = seccomp.ShortArch(a)
	}
	summary := fmt.Sprintf("shannot: compiled %s -> %s: %d rules (%d left out), architectures %s, %d instructions",
		name, out, comp.Rules, len(filter.Notes), strings.Join(arches, ", "), len(comp.Program)/bpfsim.InstructionSize)
	if len(comp.Unknown) > 0 {
		summary += fmt.Sprintf("; unknown to libseccomp %s, so given the default action: %s", comp.Library, strings.Join(comp.Unknown, ", "))
	}
	fmt.Fprintln(c.App.ErrWriter, summary)
	return nil
}

// outError words a failure to write OUT. Writing goes through a rename,
// which would replace a device node such as /dev/null, a FIFO or a
// symbolic link: those are refused.
func outError(out string, err error) error {
	var nre *atomicfile.NotRegularError
	if errors.As(err, &nre) {
		return fmt.Errorf("writing %s: it is %s, not a regular file, and is left as it is: write to a regular file, or - for standard output", out, nre.Kind)
	}
	return fmt.Errorf("writing %s: %w", out, err)
}

// readPolicy reads a policy named on the command line. A pipe will do
// (`seccomp compile <(jq ... policy.json) -`), except as root for
// another user, where only trusted regular files are read.
func readPolicy(who invoker.Caller, path string) ([]byte, error) {
	open := capread.OpenPipe
	if who.Privileged() {
		open = trust.Open
	}
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := capread.Read(f, seccomp.MaxPolicySize, true)
	if errors.Is(err, capread.ErrTooLarge) {
		return nil, fmt.Errorf("larger than %d bytes", seccomp.MaxPolicySize)
	}
	return data, err
}
