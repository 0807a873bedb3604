package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/shannot-project/shannot/pkg/bwrap"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// Defaults of a run when the call does not say.
const (
	DefaultTimeout       = 30 * time.Second
	DefaultMaxOutput     = 1 << 20
	DefaultMaxConcurrent = 4
	// MaxTimeout and MaxMaxOutput cap what a call may ask for.
	MaxTimeout   = 10 * time.Minute
	MaxMaxOutput = 16 << 20
)

// Options configure a server.
type Options struct {
	// Profiles are offered to the model, the first being the default.
	Profiles []*profile.Profile
	// Sandbox builds the sandboxes.
	Sandbox sandbox.Config
	// MaxConcurrent commands run at once; 0 means DefaultMaxConcurrent.
	MaxConcurrent int
	// MaxOutput caps what a call may ask for of each stream; 0 means
	// MaxMaxOutput. shannot lowers it for a hostile caller: a response
	// holds its output several times over (escaped, as text and as
	// structured content), and in root's memory.
	MaxOutput int64
	// Version is reported to clients.
	Version string
	// Log receives the server's log; nil discards it.
	Log *slog.Logger
	// Hosts are the remote hosts commands may run on (shannot mcp
	// --target); Remote runs them there. Without hosts, commands run on
	// this machine.
	Hosts  []string
	Remote RemoteFunc
	// Audit, when set, is told of every local run before the command
	// starts and when it ends (its exit status, or the refusal). shannot
	// sets it when it runs as root for another user.
	Audit func(AuditEvent)
}

// AuditEvent is one thing Options.Audit is told.
type AuditEvent struct {
	Start   bool // the command is about to start; otherwise it ended
	Profile *profile.Profile
	Argv    []string
	// Filter and FilterSHA256 name the seccomp filter, if any.
	Filter, FilterSHA256 string
	ExitCode             int // -1 when the command did not run
	Duration             time.Duration
	Err                  error
}

// RemoteFunc runs argv under a profile on a remote host and returns the
// remote shannot's report; an error means the host was not reached.
type RemoteFunc func(ctx context.Context, host string, p *profile.Profile, argv []string, stdin string, limits launch.Limits) (sandbox.Report, error)

// Server runs sandboxed commands for MCP clients.
type Server struct {
	opts     Options
	profiles map[string]*profile.Profile
	slots    chan struct{}
	log      *slog.Logger
	// running counts the local runs in flight: ServeStreams returns only
	// when each has ended and been audited. Once stopping is set (under
	// mu), no new run starts, so that Add never races Wait.
	running  sync.WaitGroup
	mu       sync.Mutex
	stopping bool
	// stopped ends every run when the session's context does.
	stopped context.Context
}

// New builds a server. It needs at least one profile.
func New(opts Options) (*Server, error) {
	if len(opts.Profiles) == 0 {
		return nil, errors.New("no profile to offer")
	}
	if len(opts.Hosts) > 0 && opts.Remote == nil {
		return nil, errors.New("hosts given without a way to reach them")
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = DefaultMaxConcurrent
	}
	s := &Server{opts: opts, profiles: map[string]*profile.Profile{}, slots: make(chan struct{}, opts.MaxConcurrent), log: opts.Log}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, p := range opts.Profiles {
		if _, dup := s.profiles[p.Name]; dup {
			return nil, fmt.Errorf("two profiles are named %q; offer one", p.Name)
		}
		s.profiles[p.Name] = p
	}
	return s, nil
}

// MCP returns the protocol server with shannot's tools.
func (s *Server) MCP() *mcp.Server {
	srv := mcp.NewServer(&mcp.Implementation{Name: "shannot", Title: "shannot read-only sandbox", Version: s.opts.Version}, &mcp.ServerOptions{
		Instructions: "Run read-only diagnostic commands on this machine inside a bubblewrap sandbox. " +
			"Nothing you run can change the machine. Call list_profiles to see which commands each profile allows; " +
			"disk_usage, memory, processes, search_files, grep_content and journal return parsed results; the prompts are ready-made investigations.",
	})
	reportTool(srv, &mcp.Tool{Name: "run_command", Description: "Run a command in a read-only sandbox and return its exit code and output. " +
		"The command is an argv list (no shell): [\"ls\", \"-la\", \"/etc\"]. Use a shell only if the profile allows one."}, s.runCommand)
	mcp.AddTool(srv, &mcp.Tool{Name: "list_profiles", Description: "List the sandbox profiles this server offers: which commands each allows, whether it has network access, and which views (processes, network, filesystems, hostname, logs) are the host's rather than the sandbox's."}, s.listProfiles)
	reportTool(srv, &mcp.Tool{Name: "read_file", Description: "Read a file as the sandbox sees it (runs cat inside the sandbox)."}, s.readFile)
	reportTool(srv, &mcp.Tool{Name: "list_directory", Description: "List a directory as the sandbox sees it (runs ls -la inside the sandbox)."}, s.listDirectory)
	s.addStructuredTools(srv)
	s.addPrompts(srv)
	s.addResources(srv)
	return srv
}

// Serve runs the server on the process's stdin and stdout until the
// client goes away or ctx ends. A bad message (larger than MaxFrame,
// nested deeper than MaxDepth, not JSON-RPC) gets an error response and
// the session goes on.
func (s *Server) Serve(ctx context.Context) error {
	in, restore := pollable(os.Stdin)
	defer restore()
	return s.ServeStreams(ctx, in, nopCloser{os.Stdout})
}

// ServeStreams is Serve on other streams.
//
// When ctx ends (a signal), the commands still running are killed and
// audited before it returns.
func (s *Server) ServeStreams(ctx context.Context, in io.ReadCloser, out io.WriteCloser) error {
	s.stopped = ctx
	// Requests waiting for their responses to be written are bounded, so
	// that a client that never reads costs bounded memory.
	err := s.MCP().Run(ctx, &Transport{Reader: in, Writer: out, Log: s.log, MaxPending: 2 * s.opts.MaxConcurrent})
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	s.running.Wait()
	return err
}

// nopCloser keeps the process's stdout open when the session ends.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// RunInput is run_command's arguments.
type RunInput struct {
	Command        []string `json:"command" jsonschema:"the command and its arguments, e.g. [\"ls\", \"-la\", \"/\"]; no shell is involved"`
	Profile        string   `json:"profile,omitempty" jsonschema:"the profile to run under (see list_profiles); default: the first offered"`
	TimeoutS       float64  `json:"timeout_s,omitempty" jsonschema:"seconds before the sandbox is killed; default 30"`
	MaxOutputBytes int64    `json:"max_output_bytes,omitempty" jsonschema:"bytes of stdout and of stderr kept; default 1048576"`
	Stdin          string   `json:"stdin,omitempty" jsonschema:"text given to the command on its standard input; default none"`
	Host           string   `json:"host,omitempty" jsonschema:"the host to run on, when the server offers several (see list_profiles); default: the first"`
}

func (s *Server) runCommand(ctx context.Context, _ *mcp.CallToolRequest, in RunInput) (*mcp.CallToolResult, sandbox.Report, error) {
	if len(in.Command) == 0 || in.Command[0] == "" {
		return nil, sandbox.Report{}, errors.New("command is empty: give the program and its arguments as a list, e.g. [\"ls\", \"-la\", \"/\"]")
	}
	limits := launch.Limits{Timeout: DefaultTimeout, MaxOutput: DefaultMaxOutput}
	if in.TimeoutS > 0 {
		limits.Timeout = min(time.Duration(in.TimeoutS*float64(time.Second)), MaxTimeout)
	}
	if in.MaxOutputBytes > 0 {
		limits.MaxOutput = min(in.MaxOutputBytes, s.maxOutput())
	}
	return s.run(ctx, in.Host, in.Profile, in.Command, in.Stdin, limits)
}

// run runs argv under a profile and words the outcome for a model.
func (s *Server) run(ctx context.Context, host, profileName string, argv []string, stdin string, limits launch.Limits) (*mcp.CallToolResult, sandbox.Report, error) {
	p, err := s.profile(profileName)
	if err != nil {
		return nil, sandbox.Report{}, err
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		return nil, sandbox.Report{}, ctx.Err()
	}
	if len(s.opts.Hosts) > 0 || host != "" {
		return s.runRemote(ctx, host, p, argv, stdin, limits)
	}
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return nil, sandbox.Report{}, errors.New("the server is stopping; nothing was run")
	}
	s.running.Add(1)
	s.mu.Unlock()
	defer s.running.Done()
	if s.stopped != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer context.AfterFunc(s.stopped, cancel)()
		defer cancel()
	}
	start := time.Now()
	ev := AuditEvent{Profile: p, Argv: argv, ExitCode: -1}
	audit := func(code int, err error) {
		if s.opts.Audit != nil {
			ev.Start, ev.ExitCode, ev.Duration, ev.Err = false, code, time.Since(start), err
			s.opts.Audit(ev)
		}
	}
	sb, err := sandbox.Prepare(p, argv, s.opts.Sandbox)
	if err != nil {
		s.log.Info("refused", "profile", p.Name, "command", argv, "reason", err)
		audit(-1, err)
		return nil, sandbox.Report{}, s.explain(p, argv, err)
	}
	defer sb.Close()
	if sb.Filter != nil {
		ev.Filter, ev.FilterSHA256 = sb.Filter.Source, sb.Filter.SHA256
	}
	if s.opts.Audit != nil {
		ev.Start = true
		s.opts.Audit(ev)
	}
	var in io.Reader // nil: /dev/null, never the server's own stdin
	if stdin != "" {
		in = strings.NewReader(stdin)
	}
	res, err := sb.Capture(ctx, in, limits, false)
	if res != nil {
		audit(res.ExitCode, err)
	} else {
		audit(-1, err)
	}
	if err != nil {
		s.log.Warn("run failed", "profile", p.Name, "command", argv, "err", err)
		var said string
		if res != nil && len(res.Stderr) > 0 {
			said = "; bwrap said: " + strings.TrimSpace(string(res.Stderr))
		}
		return nil, sandbox.Report{}, fmt.Errorf("the sandbox could not run %q: %w%s", argv[0], err, said)
	}
	rep := res.Report(p.Origin.String(), argv)
	s.log.Info("ran", "profile", p.Name, "command", argv, "exit_code", rep.ExitCode, "duration_ms", rep.DurationMS)
	result := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: readable(rep, limits)}}}
	if res.TimedOut {
		result.IsError = true
	}
	return result, rep, nil
}

// runRemote runs argv on one of the server's hosts.
func (s *Server) runRemote(ctx context.Context, host string, p *profile.Profile, argv []string, stdin string, limits launch.Limits) (*mcp.CallToolResult, sandbox.Report, error) {
	if len(s.opts.Hosts) == 0 {
		return nil, sandbox.Report{}, errors.New("this server runs commands on its own machine only; leave out \"host\"")
	}
	if host == "" {
		host = s.opts.Hosts[0]
	}
	if !slices.Contains(s.opts.Hosts, host) {
		return nil, sandbox.Report{}, fmt.Errorf("no host %q is offered; the hosts are: %s", host, strings.Join(s.opts.Hosts, ", "))
	}
	rep, err := s.opts.Remote(ctx, host, p, argv, stdin, limits)
	if err != nil {
		s.log.Warn("remote run failed", "host", host, "command", argv, "err", err)
		return nil, sandbox.Report{}, fmt.Errorf("could not run on %s: %w", host, err)
	}
	s.log.Info("ran", "host", host, "profile", p.Name, "command", argv, "exit_code", rep.ExitCode)
	if rep.Error != "" {
		// Refused or failed on the host: the remote shannot's own words.
		return nil, sandbox.Report{}, fmt.Errorf("on %s: %s", host, rep.Error)
	}
	result := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "host " + host + ": " + readable(rep, limits)}}, IsError: rep.TimedOut}
	return result, rep, nil
}

// explain words a refusal for a model: what, why, and what is allowed.
func (s *Server) explain(p *profile.Profile, argv []string, err error) error {
	var notAllowed *bwrap.NotAllowedError
	var notFound *bwrap.CommandNotFoundError
	switch {
	case errors.As(err, &notAllowed):
		return fmt.Errorf("refused: the profile %q does not allow %q. It allows: %s. Use one of those, or another profile (see list_profiles)",
			p.Name, argv[0], strings.Join(p.AllowedCommands, ", "))
	case errors.As(err, &notFound):
		return fmt.Errorf("not found: %q does not exist inside the sandbox of profile %q (searched PATH=%s). Check the name, or use another profile",
			argv[0], p.Name, p.SearchPath())
	}
	return fmt.Errorf("the sandbox could not be set up: %w", err)
}

// readable renders a report as text for the model.
func readable(r sandbox.Report, limits launch.Limits) string {
	var b strings.Builder
	switch {
	case r.TimedOut:
		fmt.Fprintf(&b, "timed out after %s: the sandbox was killed; partial output below\n", limits.Timeout)
	case r.Signal != nil:
		fmt.Fprintf(&b, "killed by %s (exit code %d)\n", *r.Signal, r.ExitCode)
	default:
		fmt.Fprintf(&b, "exit code %d\n", r.ExitCode)
	}
	for _, stream := range []struct {
		name, text, enc string
		truncated       bool
	}{{"stdout", r.Stdout, r.StdoutEncoding, r.StdoutTruncated}, {"stderr", r.Stderr, r.StderrEncoding, r.StderrTruncated}} {
		if stream.text == "" {
			continue
		}
		fmt.Fprintf(&b, "--- %s", stream.name)
		if stream.truncated {
			fmt.Fprintf(&b, " (truncated at %d bytes)", limits.MaxOutput)
		}
		if stream.enc != "utf-8" {
			// Binary: not repeated here, where it would only take room.
			fmt.Fprintf(&b, " (binary: %s-encoded in the structured result's %s field)\n", stream.enc, stream.name)
			continue
		}
		fmt.Fprintf(&b, "\n%s", stream.text)
		if !strings.HasSuffix(stream.text, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func (s *Server) profile(name string) (*profile.Profile, error) {
	if name == "" {
		return s.opts.Profiles[0], nil
	}
	if p, ok := s.profiles[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("no profile %q is offered; the profiles are: %s", name, strings.Join(s.names(), ", "))
}

func (s *Server) names() []string {
	var out []string
	for _, p := range s.opts.Profiles {
		out = append(out, p.Name)
	}
	return out
}

// ProfileInfo describes an offered profile to a model.
type ProfileInfo struct {
	Name            string   `json:"name"`
	Description     string   `json:"description"`
	AllowedCommands []string `json:"allowed_commands" jsonschema:"empty means every command in the sandbox"`
	Network         bool     `json:"network" jsonschema:"true when the command can reach the network (host_view network only shows it: no traffic)"`
	HostView        []string `json:"host_view" jsonschema:"the views that are the host's: processes, network, filesystems, hostname, logs; what ps, ss, df, hostname and log readers show is then this machine"`
	SandboxView     []string `json:"sandbox_view" jsonschema:"the views that are the sandbox's own: commands there describe the sandbox, not this machine"`
	Seccomp         bool     `json:"seccomp" jsonschema:"true when a seccomp filter restricts system calls"`
	HostViewLimits  []string `json:"host_view_limits,omitempty" jsonschema:"what the host views cannot show as this machine's truth when this server runs them, and what to do instead"`
	Default         bool     `json:"default"`
}

// nonNil keeps an empty list a JSON array.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ProfileList is list_profiles' result.
type ProfileList struct {
	Profiles []ProfileInfo `json:"profiles"`
	// Hosts are where commands can run; empty: this machine only.
	Hosts []string `json:"hosts,omitempty"`
}

func (s *Server) listProfiles(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, ProfileList, error) {
	out := ProfileList{Hosts: s.opts.Hosts}
	for i, p := range s.opts.Profiles {
		out.Profiles = append(out.Profiles, ProfileInfo{Name: p.Name, Description: p.Description, AllowedCommands: p.AllowedCommands,
			Network: !p.NetworkIsolation && !p.Shares(profile.ViewNetwork), HostView: nonNil(p.HostView), SandboxView: nonNil(p.SandboxViews()),
			Seccomp: p.SeccompProfile != nil, HostViewLimits: p.HostViewLimits(s.opts.Sandbox.Identity != nil), Default: i == 0})
	}
	return nil, out, nil
}

// ReadFileInput is read_file's arguments.
type ReadFileInput struct {
	Path     string `json:"path" jsonschema:"absolute path inside the sandbox"`
	MaxBytes int64  `json:"max_bytes,omitempty" jsonschema:"bytes returned at most; default 1048576"`
	Profile  string `json:"profile,omitempty"`
	Host     string `json:"host,omitempty"`
}

func (s *Server) readFile(ctx context.Context, _ *mcp.CallToolRequest, in ReadFileInput) (*mcp.CallToolResult, sandbox.Report, error) {
	if in.Path == "" {
		return nil, sandbox.Report{}, errors.New("path is empty")
	}
	limits := launch.Limits{Timeout: DefaultTimeout, MaxOutput: DefaultMaxOutput}
	if in.MaxBytes > 0 {
		limits.MaxOutput = min(in.MaxBytes, s.maxOutput())
	}
	return s.run(ctx, in.Host, in.Profile, []string{"cat", "--", in.Path}, "", limits)
}

// ListDirectoryInput is list_directory's arguments.
type ListDirectoryInput struct {
	Path    string `json:"path" jsonschema:"absolute path inside the sandbox"`
	Profile string `json:"profile,omitempty"`
	Host    string `json:"host,omitempty"`
}

func (s *Server) listDirectory(ctx context.Context, _ *mcp.CallToolRequest, in ListDirectoryInput) (*mcp.CallToolResult, sandbox.Report, error) {
	if in.Path == "" {
		return nil, sandbox.Report{}, errors.New("path is empty")
	}
	return s.run(ctx, in.Host, in.Profile, []string{"ls", "-la", "--", in.Path}, "", launch.Limits{Timeout: DefaultTimeout, MaxOutput: DefaultMaxOutput})
}

// maxOutput is the most a call may ask for of each stream.
func (s *Server) maxOutput() int64 {
	if s.opts.MaxOutput > 0 {
		return min(s.opts.MaxOutput, MaxMaxOutput)
	}
	return MaxMaxOutput
}
