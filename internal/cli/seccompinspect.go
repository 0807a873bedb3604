package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/pkg/seccomp/bpfsim"
)

// seccompInspectCommand is seccomp inspect: a filter's size,
// architectures, path lengths and disassembly.
func seccompInspectCommand() *cli.Command {
	return &cli.Command{
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
	}
}

type inspection struct {
	File          string               `json:"file"`
	Kind          string               `json:"kind"` // "bpf" or "oci-policy"
	SHA256        string               `json:"sha256"`
	Instructions  int                  `json:"instructions"`
	Bytes         int                  `json:"bytes"`
	Architectures []string             `json:"architectures"`
	Paths         []bpfsim.PathStats   `json:"paths"`
	Unknown       []string             `json:"unknown_syscalls,omitempty"`
	Warnings      []string             `json:"warnings,omitempty"`
	Program       []bpfsim.Instruction `json:"program"`
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
	prog, err := bpfsim.Decode(f.Program)
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
	fmt.Fprintf(w, "size:\t%d instructions, %d bytes (kernel limit %d instructions)\n", in.Instructions, in.Bytes, bpfsim.MaxInstructions)
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
	fmt.Fprintf(c.App.Writer, "\n%s", bpfsim.Listing(in.Program))
	return nil
}
