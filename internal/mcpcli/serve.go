package mcpcli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/audit"
	shannotcli "github.com/shannot-project/shannot/internal/cli"
	"github.com/shannot-project/shannot/internal/companion"
	"github.com/shannot-project/shannot/internal/mcpserver"
	"github.com/shannot-project/shannot/pkg/profile"
)

// serve is shannot-mcp itself: the server on stdio, offering the
// profiles --profile names (or the shipped ones), on this host or the
// --target hosts.
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

func without(list []string, drop string) []string {
	var out []string
	for _, s := range list {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}
