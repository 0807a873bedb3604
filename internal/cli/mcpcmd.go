package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/audit"
	"github.com/shannot-project/shannot/internal/mcpserver"
	"github.com/shannot-project/shannot/internal/mcpserver/clientconfig"
	"github.com/shannot-project/shannot/internal/remote"
	"github.com/shannot-project/shannot/pkg/profile"
)

func mcpCommand() *cli.Command {
	return &cli.Command{
		Name:  "mcp",
		Usage: "serve the sandbox to LLM agents over the Model Context Protocol (stdio)",
		Description: `Speaks MCP on standard input and output; logs go to standard error. Tools:
run_command, list_profiles, read_file, list_directory (see docs/mcp.md).

Examples:
   shannot mcp                                   offer the shipped profiles
   shannot mcp --profile diagnostics --profile ./web-logs.json
   shannot mcp install --client claude-code      print the client's configuration entry`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "profile", Aliases: []string{"p"}, Usage: "offer this profile (`NAME` or path); repeatable; default: the shipped ones"},
			&cli.IntFlag{Name: "max-concurrent", Value: mcpserver.DefaultMaxConcurrent, Usage: "commands run at once; others wait"},
			&cli.StringSliceFlag{Name: "target", Usage: "run commands on these hosts over ssh (`[user@]host[:port]`, comma-separated or @FILE; repeatable) instead of this machine"},
		},
		Action: mcpServe,
		Subcommands: []*cli.Command{
			{
				Name:  "install",
				Usage: "print, or with --write add, the client configuration entry that starts shannot mcp",
				Description: `Clients: claude-code (~/.claude.json), claude-desktop
(~/.config/Claude/claude_desktop_config.json), codex (~/.codex/config.toml).
--write adds the "shannot" entry and leaves every other entry of the file as
it was; it refuses to replace an existing "shannot" entry.

Examples:
   shannot mcp install --client claude-desktop
   shannot mcp install --client codex --write --profile diagnostics`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "client", Required: true, Usage: "claude-code, claude-desktop or codex"},
					&cli.BoolFlag{Name: "write", Usage: "add the entry to the client's configuration file"},
					&cli.StringSliceFlag{Name: "profile", Aliases: []string{"p"}, Usage: "profiles the server offers (passed as --profile)"},
					&cli.StringFlag{Name: "config", Usage: "the client's configuration `FILE` (default: the client's usual one)"},
				},
				Action: mcpInstall,
			},
		},
	}
}

func mcpServe(c *cli.Context) error {
	who := callerOf(c)
	refs := c.StringSlice("profile")
	if len(refs) == 0 {
		refs = lineageString(c, "profile") // shannot --profile P mcp
	}
	if len(refs) == 0 {
		names, err := who.profileSearch("").Names()
		if err != nil {
			return err
		}
		// The built-in default first: it is what a call without a profile gets.
		refs = append([]string{profile.DefaultName}, without(names, profile.DefaultName)...)
	}
	targets, err := mcpTargets(c)
	if err != nil {
		return err
	}
	if len(targets) > 0 && who.privileged {
		return refused("--target")
	}
	var profiles []*profile.Profile
	for _, ref := range refs {
		origin, err := who.profileSearch(ref).Find()
		if err != nil {
			return err
		}
		// For remote hosts, bind sources are checked there, not here.
		load := profile.Open
		if len(targets) > 0 {
			load = profile.Read
		}
		p, err := load(origin, who.opener())
		if err != nil {
			return err
		}
		profiles = append(profiles, p)
	}
	cfg, err := sandboxConfig(c, false)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(c.App.ErrWriter, nil))
	cfg.Warn = func(msg string) { log.Warn(msg) }
	// A hostile caller's sizes are capped: each slot is a sandbox root
	// starts.
	if n := c.Int("max-concurrent"); who.privileged && n > maxPrivilegedConcurrent {
		return &usageError{msg: fmt.Sprintf("--max-concurrent is at most %d when shannot runs as root for another user", maxPrivilegedConcurrent)}
	}
	opts := mcpserver.Options{Profiles: profiles, Sandbox: cfg, MaxConcurrent: c.Int("max-concurrent"), Version: version, Log: log}
	if who.privileged {
		opts.MaxOutput = maxPrivilegedMCPOutput
	}
	for _, t := range targets {
		opts.Hosts = append(opts.Hosts, t.String())
	}
	if len(targets) > 0 {
		opts.Remote = remoteRunner(who, sshFromFlags(c), targets)
	}
	if who.privileged {
		opts.Audit = func(e mcpserver.AuditEvent) {
			rec := audit.Record{Event: audit.EventEnd, Time: time.Now().Add(-e.Duration), User: who.name, UID: who.uid,
				Profile: e.Profile.Origin.String(), ProfileSHA256: e.Profile.SHA256, Filter: e.Filter, FilterSHA256: e.FilterSHA256,
				Argv: e.Argv, ExitStatus: e.ExitCode, DurationMS: e.Duration.Milliseconds()}
			if e.Start {
				rec.Event, rec.Time = audit.EventStart, time.Now()
			}
			if e.Err != nil {
				rec.ExitStatus, rec.Error = exitCode(e.Err), e.Err.Error()
			}
			writeAudit(c, rec)
		}
	}
	srv, err := mcpserver.New(opts)
	if err != nil {
		return err
	}
	// A signal ends the session; the commands still running are killed
	// and audited first. Under sudo the caller can send any of these
	// (sudo relays them): none may end shannot before its records.
	sigs := []os.Signal{unix.SIGINT, unix.SIGTERM}
	if who.privileged {
		sigs = append(sigs, unix.SIGHUP, unix.SIGQUIT, unix.SIGPIPE)
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
	defer stop()
	log.Info("serving MCP on stdio", "profiles", len(profiles))
	if err := srv.Serve(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// mcpTargets reads mcp's --target (repeatable, each a comma-separated
// list or @FILE) and the global one.
func mcpTargets(c *cli.Context) ([]remote.Target, error) {
	var targets []remote.Target
	for _, spec := range append(c.StringSlice("target"), lineageString(c, "target")...) {
		ts, err := remote.ParseTargets(spec)
		if err != nil {
			return nil, &usageError{msg: err.Error()}
		}
		targets = append(targets, ts...)
	}
	return targets, nil
}

// lineageString is a global string flag's value as a one-element list,
// read from the parent contexts (the command's own flag of the same name
// shadows it in c itself).
func lineageString(c *cli.Context, name string) []string {
	for _, ctx := range c.Lineage()[1:] {
		if v := ctx.String(name); v != "" {
			return []string{v}
		}
	}
	return nil
}

func without(list []string, drop string) []string {
	var out []string
	for _, s := range list {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}

func mcpInstall(c *cli.Context) error {
	who := callerOf(c)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if self, err = filepath.EvalSymlinks(self); err != nil {
		return err
	}
	entry := clientconfig.Entry{Command: self, Args: []string{"mcp"}}
	for _, p := range c.StringSlice("profile") {
		if profile.IsPath(p) {
			if p, err = filepath.Abs(p); err != nil {
				return err
			}
		}
		entry.Args = append(entry.Args, "--profile", p)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return err
	}
	client := c.String("client")
	file, ok := clientconfig.DefaultFile(client, home)
	if !ok {
		return &usageError{msg: fmt.Sprintf("--client is claude-code, claude-desktop or codex, not %q", client)}
	}
	if f := c.String("config"); f != "" {
		file = f
	}
	if !c.Bool("write") {
		return clientconfig.Print(c.App.Writer, client, file, entry)
	}
	if who.privileged {
		return refused("writing files as root")
	}
	if err := clientconfig.Add(client, file, entry); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "shannot: added the \"shannot\" MCP server to %s\n", file)
	return nil
}
