package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/traced"
	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/pkg/seccomp/bpfsim"
)

// seccompExplainCommand is seccomp explain: what a filter does to one
// call, simulated.
func seccompExplainCommand() *cli.Command {
	return &cli.Command{
		Name:      "explain",
		Usage:     "say what a filter does to one system call",
		ArgsUsage: "FILE SYSCALL [ARG0 ... ARG5]",
		Description: `Simulates the filter on one call, without a kernel. SYSCALL is a name or a
number; arguments are decimal, 0x-hex or negative numbers (missing ones are 0).

Examples:
   shannot seccomp explain readonly write 1
   shannot seccomp explain readonly ioctl 1 0x5412
   shannot seccomp explain --arch x86 ./policy.json openat`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: flagArch, Usage: "architecture of the call (x86_64, x86, x32, aarch64...; default: this host's)"},
			&cli.BoolFlag{Name: flagJSON, Usage: "print one JSON object"},
		},
		Action: seccompExplain,
	}
}

func seccompExplain(c *cli.Context) error {
	who := callerOf(c)
	if c.NArg() < 2 || c.NArg() > 8 {
		return &usageError{msg: "seccomp explain needs FILE SYSCALL and at most 6 arguments"}
	}
	host := seccomp.ThisHost()
	arch := host.Arch
	if a := c.String(flagArch); a != "" {
		var err error
		if arch, err = seccomp.ArchName(a); err != nil {
			return &usageError{msg: err.Error()}
		}
	}
	f, err := loadFilter(c.Args().First(), who.SeccompOptions())
	if err != nil {
		return err
	}
	defer f.Close()
	prog, err := bpfsim.Decode(f.Program)
	if err != nil {
		return &seccomp.Error{File: f.Source, Msg: err.Error()}
	}
	name := c.Args().Get(1)
	call, err := seccomp.NewCall(name, arch)
	if err != nil {
		return err
	}
	if n, err := strconv.ParseInt(name, 0, 32); err == nil {
		if named := seccomp.SyscallName(int32(n), arch); named != "" {
			name = named
		}
	}
	var shown []string
	for i, a := range c.Args().Slice()[2:] {
		v, err := parseArg(a)
		if err != nil {
			return &usageError{msg: fmt.Sprintf("argument %d: %v", i, err)}
		}
		call.Args[i] = v
		shown = append(shown, a)
	}
	ret, steps, err := prog.Trace(call)
	if err != nil {
		return &seccomp.Error{File: f.Source, Msg: err.Error()}
	}
	action := seccomp.ActionFromRet(ret)
	rule := traced.DecidingRule(who.Opener(), f, call, action)
	if c.Bool(flagJSON) {
		obj := map[string]any{
			"syscall": name, "nr": call.Nr, "arch": seccomp.ShortArch(arch), "args": call.Args,
			"action": action.String(), "allowed": action.Permits(), "ret": ret, "instructions": steps,
		}
		if rule != "" {
			obj["rule"] = rule
		}
		return json.NewEncoder(c.App.Writer).Encode(obj)
	}
	if len(shown) < 6 {
		shown = append(shown, "...")
	}
	if rule != "" {
		rule = ", decided by " + rule
	}
	fmt.Fprintf(c.App.Writer, "%s(%s) on %s -> %s%s\n", name, strings.Join(shown, ", "), seccomp.ShortArch(arch), action, rule)
	return nil
}

// parseArg reads a call argument: decimal, 0x-hex or negative.
func parseArg(s string) (uint64, error) {
	if v, err := strconv.ParseUint(s, 0, 64); err == nil {
		return v, nil
	}
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return uint64(v), nil
}
