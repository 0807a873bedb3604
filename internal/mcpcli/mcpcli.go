package mcpcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/audit"
	shannotcli "github.com/shannot-project/shannot/internal/cli"
	"github.com/shannot-project/shannot/internal/companion"
	"github.com/shannot-project/shannot/internal/mcpserver"
	"github.com/shannot-project/shannot/internal/mcpserver/clientconfig"
	"github.com/shannot-project/shannot/internal/remote"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// Name is the binary's name.
const Name = shannotcli.MCPName

// maxPrivilegedOutput caps what one MCP call may ask for of each stream,
// for a hostile caller.
const maxPrivilegedOutput = 1 << 20

// maxPrivilegedConcurrent caps --max-concurrent for a hostile caller.
const maxPrivilegedConcurrent = 16

// Run runs shannot-mcp for who (invoker.Detect, built once in main) and
// returns the process's exit status.
func Run(who shannotcli.Caller, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return shannotcli.RunCompanion(who, Companion(), args, stdin, stdout, stderr)
}

// Companion is shannot-mcp as internal/cli builds it: the app is
// shannot's mcp command, with the global flags a server uses.
func Companion() shannotcli.Companion {
	return shannotcli.Companion{
		Name:    Name,
		Command: Command(),
		Globals: []string{shannotcli.FlagBwrap, shannotcli.FlagConnectTimeout, shannotcli.FlagSSHConfig, shannotcli.FlagSSHOption},
	}
}

// Command is the mcp command: serving, and install.
func Command() *cli.Command {
	return &cli.Command{
		Name:  "mcp",
		Usage: "serve the shannot sandbox to LLM agents over the Model Context Protocol (stdio)",
		UsageText: `shannot-mcp [--profile P]... [--max-concurrent N] [--target HOST,...]
shannot-mcp install --client C|all|auto [--write] [--profile P]... [--config FILE]
shannot-mcp test [--profile P]...
shannot mcp ARG...                    (the same: shannot runs shannot-mcp ARG...)`,
		Description: `Speaks MCP on standard input and output; logs go to standard error. Tools:
run_command, list_profiles, read_file, list_directory, and disk_usage,
memory, processes, search_files, grep_content, journal (parsed results);
twelve prompts; the profiles as resources, shannot://profiles/NAME (see
docs/mcp.md).

Examples:
   shannot-mcp                                offer the shipped profiles
   shannot-mcp -p diagnostics -p ./logs.json  offer these two
   shannot-mcp install --client claude-code   print the client's entry
   shannot-mcp test                           try what a client would do

Exit status: 0 when the client ends the session (or a signal does); 125
when shannot-mcp failed (a bad profile, a refused flag, no bwrap).`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: flagProfile, Aliases: []string{aliasProfile}, Usage: "offer this profile (`NAME` or path); repeatable; default: the shipped ones"},
			&cli.IntFlag{Name: flagMaxConcurrent, Value: mcpserver.DefaultMaxConcurrent, Usage: "commands run at once; others wait"},
			&cli.StringSliceFlag{Name: flagTarget, Usage: "run commands on these hosts over ssh (`[user@]host[:port]`, comma-separated or @FILE; repeatable) instead of this machine"},
		},
		Action: serve,
		Subcommands: []*cli.Command{
			{
				Name:  "install",
				Usage: "print, or with --write add, the client configuration entry that starts " + Name,
				Description: `Clients: claude-code (~/.claude.json), claude-desktop
(~/.config/Claude/claude_desktop_config.json), codex (~/.codex/config.toml),
lmstudio (~/.lmstudio/mcp.json); all is every one, auto the ones installed
(their file or directory exists: ~/.claude.json or ~/.claude,
~/.config/Claude, ~/.codex, ~/.lmstudio). The entry starts this
shannot-mcp by its absolute path, with --profile as given. --write adds the
"shannot" entry and leaves every other entry of the file as it was; it
never replaces an existing "shannot" entry: that client is reported and
the others still get theirs.

Examples:
   shannot-mcp install --client claude-desktop
   shannot-mcp install --client auto --write --profile diagnostics`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: flagClient, Required: true, Usage: "claude-code, claude-desktop, codex, lmstudio, all or auto"},
					&cli.BoolFlag{Name: flagWrite, Usage: "add the entry to the client's configuration file"},
					&cli.StringSliceFlag{Name: flagProfile, Aliases: []string{aliasProfile}, Usage: "profiles the server offers (passed as --profile)"},
					&cli.StringFlag{Name: flagConfig, Usage: "the client's configuration `FILE` (default: the client's usual one)"},
				},
				Action: install,
			},
			{
				Name:  "test",
				Usage: "start the server as a client would, list what it offers, run ls / in the minimal profile",
				Description: `Starts this shannot-mcp with --profile as given (as a client's entry would),
connects to it over its standard input and output, lists its tools,
prompts and resources, runs ["ls", "/"] in the minimal profile (the first
offered when minimal is not) and prints a preview. Exit status 0 when all
of it worked; the server's log is shown only when something failed.

Examples:
   shannot-mcp test
   shannot-mcp test --profile diagnostics --profile minimal`,
				Flags: []cli.Flag{
					&cli.StringSliceFlag{Name: flagProfile, Aliases: []string{aliasProfile}, Usage: "profiles the server offers (passed as --profile)"},
				},
				Action: selfTest,
			},
		},
	}
}

func serve(c *cli.Context) error {
	who := shannotcli.CallerOf(c)
	refs := c.StringSlice(flagProfile)
	if len(refs) == 0 {
		names, err := who.ProfileSearch("").Names()
		if err != nil {
			return err
		}
		// The built-in default first: it is what a call without a profile gets.
		refs = append([]string{profile.DefaultName}, without(names, profile.DefaultName)...)
	}
	targets, err := parseTargets(c)
	if err != nil {
		return err
	}
	if len(targets) > 0 && who.Privileged() {
		return shannotcli.Refused("--target")
	}
	var profiles []*profile.Profile
	for _, ref := range refs {
		origin, err := who.ProfileSearch(ref).Find()
		if err != nil {
			return err
		}
		// For remote hosts, bind sources are checked there, not here.
		load := profile.Open
		if len(targets) > 0 {
			load = profile.Read
		}
		p, err := load(origin, who.Opener())
		if err != nil {
			return err
		}
		profiles = append(profiles, p)
	}
	cfg, err := shannotcli.SandboxConfig(c)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(c.App.ErrWriter, nil))
	cfg.Warn = func(msg string) { log.Warn(msg) }
	// A hostile caller's sizes are capped: each slot is a sandbox root
	// starts.
	if n := c.Int(flagMaxConcurrent); who.Privileged() && n > maxPrivilegedConcurrent {
		return shannotcli.UsageError(fmt.Sprintf("--max-concurrent is at most %d when shannot runs as root for another user", maxPrivilegedConcurrent))
	}
	opts := mcpserver.Options{Profiles: profiles, Sandbox: cfg, MaxConcurrent: c.Int(flagMaxConcurrent), Version: shannotcli.Version(), Log: log}
	if who.Privileged() {
		opts.MaxOutput = maxPrivilegedOutput
	}
	for _, t := range targets {
		opts.Hosts = append(opts.Hosts, t.String())
	}
	if len(targets) > 0 {
		// The hosts run the shannot that "shannot remote install" copied
		// there, named by its digest: this one's companion.
		self, err := companion.Find("shannot", false)
		if err != nil {
			return err
		}
		opts.Remote = remoteRunner(who, shannotcli.SSHFromFlags(c), targets, self)
	}
	if who.Privileged() {
		name, uid := who.User()
		opts.Audit = func(e mcpserver.AuditEvent) {
			rec := audit.Record{Event: audit.EventEnd, Time: time.Now().Add(-e.Duration), User: name, UID: uid,
				Profile: e.Profile.Origin.String(), ProfileSHA256: e.Profile.SHA256, Filter: e.Filter, FilterSHA256: e.FilterSHA256,
				Argv: e.Argv, ExitStatus: e.ExitCode, DurationMS: e.Duration.Milliseconds()}
			if e.Start {
				rec.Event, rec.Time = audit.EventStart, time.Now()
			}
			if e.Err != nil {
				rec.ExitStatus, rec.Error = shannotcli.ExitCode(e.Err), e.Err.Error()
			}
			shannotcli.WriteAudit(c, rec)
		}
	}
	srv, err := mcpserver.New(opts)
	if err != nil {
		return err
	}
	// A signal ends the session; the commands still running are killed
	// and audited first. Under sudo the caller can send any of these
	// (sudo relays them): none may end shannot-mcp before its records.
	sigs := []os.Signal{unix.SIGINT, unix.SIGTERM}
	if who.Privileged() {
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

// parseTargets reads --target (repeatable, each a comma-separated list
// or @FILE).
func parseTargets(c *cli.Context) ([]remote.Target, error) {
	var targets []remote.Target
	for _, spec := range c.StringSlice(flagTarget) {
		ts, err := remote.ParseTargets(spec)
		if err != nil {
			return nil, shannotcli.UsageError(err.Error())
		}
		targets = append(targets, ts...)
	}
	return targets, nil
}

// remoteRunner runs MCP tool calls on remote hosts, with the shannot at
// self installed there.
func remoteRunner(who shannotcli.Caller, ssh remote.SSH, targets []remote.Target, self string) mcpserver.RemoteFunc {
	byName := map[string]remote.Target{}
	for _, t := range targets {
		byName[t.String()] = t
	}
	return func(ctx context.Context, host string, p *profile.Profile, argv []string, stdin string, limits launch.Limits) (sandbox.Report, error) {
		t, ok := byName[host]
		if !ok {
			return sandbox.Report{}, fmt.Errorf("unknown host %q", host)
		}
		env, err := remote.NewEnvelope(p, argv, limits, sandbox.Config{Seccomp: who.SeccompOptions()})
		if err != nil {
			return sandbox.Report{}, err
		}
		env.JSON, env.NoStdin = true, stdin == ""
		return ssh.Call(ctx, t, env, self, stdin)
	}
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

// install prints or adds the client entry. It starts shannot-mcp itself,
// by its absolute path, not "shannot mcp": the client then starts the
// binary that serves, without a second exec, and the entry keeps working
// wherever shannot is.
func install(c *cli.Context) error {
	who := shannotcli.CallerOf(c)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if self, err = filepath.EvalSymlinks(self); err != nil {
		return err
	}
	entry := clientconfig.Entry{Command: self, Args: []string{}} // "args": [], not null
	for _, p := range c.StringSlice(flagProfile) {
		if profile.IsPath(p) {
			if p, err = filepath.Abs(p); err != nil {
				return err
			}
		}
		entry.Args = append(entry.Args, "--"+flagProfile, p)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return err
	}
	client := c.String(flagClient)
	clients, err := clientconfig.Resolve(client, home)
	if err != nil {
		if client == clientconfig.Auto {
			return err
		}
		return shannotcli.UsageError(err.Error())
	}
	if c.Bool(flagWrite) && who.Privileged() {
		return shannotcli.Refused("writing files as root")
	}
	return clientconfig.Install(clients, home, c.String(flagConfig), entry, c.Bool(flagWrite), c.App.Writer, c.App.ErrWriter, Name)
}

// selfTest is mcp test: this binary started as a client's entry would
// start it, and asked what a client asks.
func selfTest(c *cli.Context) error {
	if c.NArg() > 0 {
		return shannotcli.UsageError("test takes no arguments; choose the profiles with --profile")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var args []string
	for _, p := range c.StringSlice(flagProfile) {
		if profile.IsPath(p) {
			if p, err = filepath.Abs(p); err != nil {
				return err
			}
		}
		args = append(args, "--"+flagProfile, p)
	}
	cmd := exec.Command(self, args...)
	var log bytes.Buffer
	cmd.Stderr = &log
	if err := mcpserver.SelfTest(context.Background(), cmd, c.App.Writer); err != nil {
		if log.Len() > 0 {
			fmt.Fprintf(c.App.ErrWriter, "the server said:\n%s", log.String())
		}
		return err
	}
	return nil
}
