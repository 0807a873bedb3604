package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

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
			seccompCompileCommand(),
			seccompInspectCommand(),
			seccompExplainCommand(),
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
