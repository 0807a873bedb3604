package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/atomicfile"
	"github.com/shannot-project/shannot/internal/capread"
	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/traced"
	"github.com/shannot-project/shannot/internal/trust"
	"github.com/shannot-project/shannot/pkg/sandbox"
	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/profiles"
)

func seccompCommand() *cli.Command {
	return &cli.Command{
		Name:  "seccomp",
		Usage: "compile, inspect and explain seccomp filters",
		Description: `Filters are OCI runtime-spec seccomp policies (JSON, with Docker's and
Podman's extensions) or raw BPF programs as bwrap reads them. Where a FILE is
expected, the name of a shipped policy (see "seccomp presets") works too.

Examples:
   shannot seccomp presets
   shannot seccomp compile policy.json policy.bpf
   shannot seccomp explain readonly ioctl 1 0x5412`,
		Subcommands: []*cli.Command{
			{
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
			},
			{
				Name:      "inspect",
				Usage:     "show a filter's size, architectures, path lengths and disassembly",
				ArgsUsage: "FILE",
				Description: `FILE is a BPF program or a JSON policy (compiled first).

Examples:
   shannot seccomp inspect readonly
   shannot seccomp inspect --json /etc/shannot/readonly.bpf`,
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: flagJSON, Usage: "print one JSON object"},
				},
				Action: seccompInspect,
			},
			{
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
			},
			seccompLearnCommand(),
			{
				Name:  "presets",
				Usage: "list the shipped seccomp policies",
				Description: `Examples:
   shannot seccomp presets`,
				Action: seccompPresets,
			},
		},
	}
}

// loadFilter reads a filter named on the command line: a file, or a
// shipped policy by name.
func loadFilter(ref string, opts seccomp.Options) (*seccomp.Loaded, error) {
	if name, ok := presetPath(ref); ok {
		return sandbox.OpenBuiltinPolicy(name, opts)
	}
	return seccomp.Open(ref, opts)
}

// presetPath turns "readonly" or "builtin:seccomp/readonly.json" into the
// embedded file's name.
func presetPath(ref string) (string, bool) {
	if name, ok := profiles.Cut(ref); ok {
		return name, true
	}
	return profiles.Policy(ref)
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
		name, out, comp.Rules, len(filter.Notes), strings.Join(arches, ", "), len(comp.Program)/seccomp.InstructionSize)
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

type inspection struct {
	File          string                `json:"file"`
	Kind          string                `json:"kind"` // "bpf" or "oci-policy"
	SHA256        string                `json:"sha256"`
	Instructions  int                   `json:"instructions"`
	Bytes         int                   `json:"bytes"`
	Architectures []string              `json:"architectures"`
	Paths         []seccomp.PathStats   `json:"paths"`
	Unknown       []string              `json:"unknown_syscalls,omitempty"`
	Warnings      []string              `json:"warnings,omitempty"`
	Program       []seccomp.Instruction `json:"program"`
}

func seccompInspect(c *cli.Context) error {
	who := callerOf(c)
	if c.NArg() != 1 {
		return &usageError{msg: "seccomp inspect needs one FILE"}
	}
	f, err := loadFilter(c.Args().First(), who.SeccompOptions())
	if err != nil {
		return err
	}
	defer f.Close()
	prog, err := seccomp.Decode(f.Program)
	if err != nil {
		return &seccomp.Error{File: f.Source, Msg: err.Error()}
	}
	in := inspection{File: f.Source, Kind: "bpf", SHA256: f.SHA256, Instructions: len(prog.Raw), Bytes: len(f.Program),
		Architectures: prog.Architectures(), Unknown: f.Unknown, Warnings: f.Warnings, Program: prog.Disassemble(seccomp.SyscallName)}
	if f.Policy {
		in.Kind = "oci-policy"
	}
	for _, a := range in.Architectures {
		st, err := prog.Paths(a, seccomp.SyscallName)
		if err != nil {
			return &seccomp.Error{File: f.Source, Msg: err.Error()}
		}
		if st.Calls > 0 {
			in.Paths = append(in.Paths, st)
		}
	}
	if c.Bool(flagJSON) {
		return json.NewEncoder(c.App.Writer).Encode(in)
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 4, 1, ' ', 0)
	kind := "BPF program"
	if f.Policy {
		kind = "OCI policy, compiled with libseccomp " + f.Library
		if f.Precompiled {
			kind += " when shannot was built"
		}
	}
	short := make([]string, len(in.Architectures))
	for i, a := range in.Architectures {
		short[i] = seccomp.ShortArch(a)
	}
	fmt.Fprintf(w, "file:\t%s (%s)\n", in.File, kind)
	fmt.Fprintf(w, "sha256:\t%s\n", in.SHA256)
	fmt.Fprintf(w, "size:\t%d instructions, %d bytes (kernel limit %d instructions)\n", in.Instructions, in.Bytes, seccomp.MaxInstructions)
	fmt.Fprintf(w, "architectures:\t%s; any other is killed\n", strings.Join(short, ", "))
	for _, p := range in.Paths {
		fmt.Fprintf(w, "path on %s:\tmean %.1f, worst %d instructions (%s) over %d calls\n", seccomp.ShortArch(p.Arch), p.Mean, p.Worst, p.WorstCall, p.Calls)
	}
	if len(in.Unknown) > 0 {
		fmt.Fprintf(w, "unknown calls:\t%s (given the default action)\n", strings.Join(in.Unknown, ", "))
	}
	for _, warning := range in.Warnings {
		fmt.Fprintf(w, "warning:\t%s\n", warning)
	}
	w.Flush()
	fmt.Fprintf(c.App.Writer, "\n%s", seccomp.Listing(in.Program))
	return nil
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
	prog, err := seccomp.Decode(f.Program)
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

func seccompPresets(c *cli.Context) error {
	w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tFILE\tDESCRIPTION")
	for _, name := range profiles.Policies() {
		file, _ := profiles.Policy(name)
		data, _ := profiles.ReadFile(file)
		var p seccomp.Policy
		_ = json.Unmarshal(data, &p)
		fmt.Fprintf(w, "%s\t%s\t%s\n", name, profiles.Ref(file), firstSentence(p.Comment))
	}
	return w.Flush()
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
