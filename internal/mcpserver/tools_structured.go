package mcpserver

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
)

// The structured tools: each runs one command in the sandbox, as
// run_command does (its profile, its limits, its refusals), parses the
// output here and returns it as structured content with a short text.

// Bounds of the structured tools' arguments: defaults and maxima.
const (
	DefaultProcesses, MaxProcesses         = 20, 1000
	DefaultSearchDepth, MaxSearchDepth     = 5, 20
	DefaultSearchResults, MaxSearchResults = 200, 5000
	DefaultMatches, MaxMatches             = 100, 2000
	DefaultJournalLines, MaxJournalLines   = 50, 5000
	// maxStderr is what RunInfo keeps of a command's stderr.
	maxStderr = 4096
)

// RunInfo says how a structured tool's command ran.
type RunInfo struct {
	Profile   string   `json:"profile" jsonschema:"the profile it ran under"`
	Host      string   `json:"host,omitempty"`
	Command   []string `json:"command" jsonschema:"the argv run inside the sandbox"`
	ExitCode  int      `json:"exit_code"`
	Stderr    string   `json:"stderr,omitempty" jsonschema:"what the command said on stderr, cut at 4096 bytes"`
	Truncated bool     `json:"truncated" jsonschema:"true when the output or the results were cut at a limit: there is more"`
}

// Where is the part of every structured tool's arguments that says where
// it runs.
type Where struct {
	Profile string `json:"profile,omitempty" jsonschema:"the profile to run under; default: the first offered profile that allows the command"`
	Host    string `json:"host,omitempty" jsonschema:"the host to run on, when the server offers several; default: the first"`
}

func (s *Server) addStructuredTools(srv *mcp.Server) {
	mcp.AddTool(srv, &mcp.Tool{Name: "disk_usage", Description: "File systems and their use (df), in bytes, inodes too: " +
		"one object per file system: source, type, size, used, available, use %, mount point. Runs df inside the sandbox."}, s.diskUsage)
	mcp.AddTool(srv, &mcp.Tool{Name: "memory", Description: "Memory and swap in bytes, from /proc/meminfo read inside the sandbox."}, s.memory)
	mcp.AddTool(srv, &mcp.Tool{Name: "processes", Description: "Processes (ps): pid, user, state, cpu %, mem %, rss, start, command; " +
		"sorted (cpu, mem, rss, pid or start) and limited. Runs ps inside the sandbox: it sees what the profile's process view shows."}, s.processes)
	mcp.AddTool(srv, &mcp.Tool{Name: "search_files", Description: "Find files whose name matches a shell pattern under a directory " +
		"(find ROOT -maxdepth D -name PATTERN), bounded in depth and count."}, s.searchFiles)
	mcp.AddTool(srv, &mcp.Tool{Name: "grep_content", Description: "Search a file or a directory tree for a regular expression or a fixed string " +
		"(grep -r; the pattern is never read as an option, even when it starts with -); bounded in matches."}, s.grepContent)
	mcp.AddTool(srv, &mcp.Tool{Name: "journal", Description: "The last lines of the systemd journal, for a unit and a priority, where the host keeps one " +
		"(journalctl --output=json inside the sandbox; needs a profile that binds the journal, such as systemd)."}, s.journal)
}

// structured runs argv for a structured tool: the profile is the one
// asked for, or the first that allows argv[0]. A timeout is an error;
// a command that ran and failed is not (its exit code and stderr are in
// the RunInfo), so that grep's 1 and find's unreadable directories
// still give what was found.
func (s *Server) structured(ctx context.Context, w Where, argv []string) ([]byte, RunInfo, error) {
	p, err := s.profileFor(w.Profile, argv[0])
	if err != nil {
		return nil, RunInfo{}, err
	}
	limits := launch.Limits{Timeout: DefaultTimeout, MaxOutput: min(DefaultMaxOutput, s.maxOutput())}
	res, rep, err := s.run(ctx, w.Host, p.Name, argv, "", limits)
	if err != nil {
		return nil, RunInfo{}, err
	}
	if res != nil && res.IsError {
		return nil, RunInfo{}, fmt.Errorf("%s timed out after %s: the sandbox was killed", argv[0], limits.Timeout)
	}
	info := RunInfo{Profile: p.Name, Host: w.Host, Command: argv, ExitCode: rep.ExitCode, Truncated: rep.StdoutTruncated}
	if info.Host == "" && len(s.opts.Hosts) > 0 {
		info.Host = s.opts.Hosts[0]
	}
	if rep.StderrEncoding == "utf-8" || rep.StderrEncoding == "" {
		info.Stderr = rep.Stderr
		if len(info.Stderr) > maxStderr {
			info.Stderr = valid(info.Stderr[:maxStderr])
		}
	}
	out := []byte(rep.Stdout)
	if rep.StdoutEncoding == "base64" {
		if out, err = base64.StdEncoding.DecodeString(rep.Stdout); err != nil {
			return nil, RunInfo{}, fmt.Errorf("%s's output could not be decoded: %w", argv[0], err)
		}
	}
	return out, info, nil
}

// profileFor is the named profile, or without a name the first offered
// one that allows command (the default profile when none does: its
// refusal then says what it allows).
func (s *Server) profileFor(name, command string) (*profile.Profile, error) {
	if name != "" {
		return s.profile(name)
	}
	for _, p := range s.opts.Profiles {
		if allowsName(p, command) {
			return p, nil
		}
	}
	return s.opts.Profiles[0], nil
}

// allowsName is whether a profile's allowed_commands name command, as
// a name found in its PATH.
func allowsName(p *profile.Profile, command string) bool {
	if len(p.AllowedCommands) == 0 {
		return true
	}
	return slices.ContainsFunc(p.AllowedCommands, func(pat string) bool {
		ok, _ := path.Match(pat, command)
		return ok && !strings.Contains(pat, "/")
	})
}

// parseFailed words a parser's error for the model.
func parseFailed(argv []string, info RunInfo, err error) error {
	msg := fmt.Sprintf("%s's output could not be read (exit code %d): %v", argv[0], info.ExitCode, err)
	if info.Stderr != "" {
		msg += "; it said: " + strings.TrimSpace(clip(info.Stderr))
	}
	return errors.New(msg)
}

func textResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

// DiskUsageInput is disk_usage's arguments.
type DiskUsageInput struct {
	Paths []string `json:"paths,omitempty" jsonschema:"only the file systems holding these absolute paths; default: every file system"`
	Where
}

// DiskUsage is disk_usage's result.
type DiskUsage struct {
	Filesystems []Filesystem `json:"filesystems"`
	Run         RunInfo      `json:"run"`
}

func (s *Server) diskUsage(ctx context.Context, _ *mcp.CallToolRequest, in DiskUsageInput) (*mcp.CallToolResult, DiskUsage, error) {
	for _, p := range in.Paths {
		if !strings.HasPrefix(p, "/") {
			return nil, DiskUsage{}, fmt.Errorf("paths: %q is not an absolute path", p)
		}
	}
	argv := dfArgv(in.Paths)
	out, info, err := s.structured(ctx, in.Where, argv)
	if err != nil {
		return nil, DiskUsage{}, err
	}
	fss, err := parseDF(string(out))
	if err != nil {
		return nil, DiskUsage{}, parseFailed(argv, info, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d file systems (profile %s)\n", len(fss), info.Profile)
	for _, f := range fss {
		use := "-"
		if f.UsePercent != nil {
			use = strconv.Itoa(*f.UsePercent) + "%"
		}
		fmt.Fprintf(&b, "%s on %s (%s): %s of %s used, %s available, %s\n", f.Source, f.MountPoint, f.Type,
			human(f.UsedBytes), human(f.SizeBytes), human(f.AvailableBytes), use)
	}
	return textResult(b.String()), DiskUsage{Filesystems: fss, Run: info}, nil
}

// MemoryInput is memory's arguments.
type MemoryInput struct {
	Where
}

// MemoryResult is memory's result.
type MemoryResult struct {
	Memory Memory  `json:"memory"`
	Run    RunInfo `json:"run"`
}

func (s *Server) memory(ctx context.Context, _ *mcp.CallToolRequest, in MemoryInput) (*mcp.CallToolResult, MemoryResult, error) {
	argv := []string{"cat", "/proc/meminfo"}
	out, info, err := s.structured(ctx, in.Where, argv)
	if err != nil {
		return nil, MemoryResult{}, err
	}
	m, err := parseMeminfo(string(out))
	if err != nil {
		return nil, MemoryResult{}, parseFailed(argv, info, err)
	}
	text := fmt.Sprintf("memory: %s total, %s used, %s available; swap: %s total, %s used\n",
		human(m.TotalBytes), human(m.UsedBytes), human(m.AvailableBytes), human(m.SwapTotalBytes), human(m.SwapUsedBytes))
	return textResult(text), MemoryResult{Memory: m, Run: info}, nil
}

// ProcessesInput is processes' arguments.
type ProcessesInput struct {
	SortBy string `json:"sort_by,omitempty" jsonschema:"cpu, mem, rss (highest first), pid (lowest first) or start (newest first); default cpu"`
	Limit  int    `json:"limit,omitempty" jsonschema:"processes returned at most; default 20, at most 1000"`
	Where
}

// ProcessList is processes' result.
type ProcessList struct {
	Processes []Process `json:"processes"`
	Total     int       `json:"total" jsonschema:"how many processes ps listed, before the limit"`
	SortBy    string    `json:"sort_by"`
	Run       RunInfo   `json:"run"`
}

// processOrder is how processes sorts, by sort_by.
var processOrder = map[string]func(a, b Process) int{
	"cpu": func(a, b Process) int {
		return cmp.Or(cmp.Compare(b.CPUPercent, a.CPUPercent), cmp.Compare(a.PID, b.PID))
	},
	"mem": func(a, b Process) int {
		return cmp.Or(cmp.Compare(b.MemPercent, a.MemPercent), cmp.Compare(a.PID, b.PID))
	},
	"rss":   func(a, b Process) int { return cmp.Or(cmp.Compare(b.RSSBytes, a.RSSBytes), cmp.Compare(a.PID, b.PID)) },
	"pid":   func(a, b Process) int { return cmp.Compare(a.PID, b.PID) },
	"start": func(a, b Process) int { return cmp.Or(cmp.Compare(a.ElapsedS, b.ElapsedS), cmp.Compare(b.PID, a.PID)) },
}

// sortProcesses orders ps in place and returns at most limit of them.
func sortProcesses(ps []Process, by string, limit int) []Process {
	slices.SortStableFunc(ps, processOrder[by])
	return ps[:min(limit, len(ps))]
}

func (s *Server) processes(ctx context.Context, _ *mcp.CallToolRequest, in ProcessesInput) (*mcp.CallToolResult, ProcessList, error) {
	by := cmp.Or(in.SortBy, "cpu")
	if processOrder[by] == nil {
		return nil, ProcessList{}, fmt.Errorf("sort_by is cpu, mem, rss, pid or start, not %q", in.SortBy)
	}
	limit, err := bounded("limit", in.Limit, DefaultProcesses, MaxProcesses)
	if err != nil {
		return nil, ProcessList{}, err
	}
	out, info, err := s.structured(ctx, in.Where, psArgv)
	if err != nil {
		return nil, ProcessList{}, err
	}
	ps, err := parsePS(string(out))
	if err != nil {
		return nil, ProcessList{}, parseFailed(psArgv, info, err)
	}
	total := len(ps)
	ps = sortProcesses(ps, by, limit)
	info.Truncated = info.Truncated || total > len(ps)
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d processes by %s (profile %s)\nPID USER STATE %%CPU %%MEM RSS START COMMAND\n", len(ps), total, by, info.Profile)
	for _, p := range ps {
		fmt.Fprintf(&b, "%d %s %s %.1f %.1f %s %s %s\n", p.PID, p.User, p.State, p.CPUPercent, p.MemPercent, human(p.RSSBytes), p.Start, clip(p.Command))
	}
	return textResult(b.String()), ProcessList{Processes: ps, Total: total, SortBy: by, Run: info}, nil
}

// SearchFilesInput is search_files' arguments.
type SearchFilesInput struct {
	Root       string `json:"root" jsonschema:"the absolute directory to search under"`
	Name       string `json:"name" jsonschema:"a shell pattern the file's name matches, as find -name takes it: *.log, core.*"`
	Type       string `json:"type,omitempty" jsonschema:"f (files), d (directories) or l (symbolic links); default any"`
	MaxDepth   int    `json:"max_depth,omitempty" jsonschema:"directory levels below root searched; default 5, at most 20"`
	MaxResults int    `json:"max_results,omitempty" jsonschema:"files returned at most; default 200, at most 5000"`
	Where
}

// SearchResult is search_files' result.
type SearchResult struct {
	Files []FoundFile `json:"files"`
	Run   RunInfo     `json:"run"`
}

func (s *Server) searchFiles(ctx context.Context, _ *mcp.CallToolRequest, in SearchFilesInput) (*mcp.CallToolResult, SearchResult, error) {
	if !strings.HasPrefix(in.Root, "/") {
		return nil, SearchResult{}, fmt.Errorf("root must be an absolute path, not %q", in.Root)
	}
	if in.Name == "" {
		return nil, SearchResult{}, errors.New("name is empty: give a pattern such as *.log")
	}
	if !slices.Contains([]string{"", "f", "d", "l"}, in.Type) {
		return nil, SearchResult{}, fmt.Errorf("type is f, d or l, not %q", in.Type)
	}
	depth, err := bounded("max_depth", in.MaxDepth, DefaultSearchDepth, MaxSearchDepth)
	if err != nil {
		return nil, SearchResult{}, err
	}
	max, err := bounded("max_results", in.MaxResults, DefaultSearchResults, MaxSearchResults)
	if err != nil {
		return nil, SearchResult{}, err
	}
	argv := findArgv(in.Root, in.Name, in.Type, depth)
	out, info, err := s.structured(ctx, in.Where, argv)
	if err != nil {
		return nil, SearchResult{}, err
	}
	files, err := parseFind(string(out))
	if err != nil {
		return nil, SearchResult{}, parseFailed(argv, info, err)
	}
	if len(files) > max {
		files, info.Truncated = files[:max], true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d files named %s under %s (profile %s)%s\n", len(files), in.Name, in.Root, info.Profile, more(info.Truncated))
	for _, f := range files {
		fmt.Fprintf(&b, "%s %s %s\n", f.Type, human(f.SizeBytes), f.Path)
	}
	return textResult(b.String()), SearchResult{Files: files, Run: info}, nil
}

// GrepInput is grep_content's arguments.
type GrepInput struct {
	Pattern    string `json:"pattern" jsonschema:"what to search for: an extended regular expression, or with fixed a plain string; a leading - is searched for too"`
	Path       string `json:"path" jsonschema:"the absolute file or directory to search (directories recursively)"`
	Fixed      bool   `json:"fixed,omitempty" jsonschema:"true: the pattern is a plain string, not a regular expression"`
	IgnoreCase bool   `json:"ignore_case,omitempty"`
	MaxMatches int    `json:"max_matches,omitempty" jsonschema:"matching lines returned at most; default 100, at most 2000"`
	Where
}

// GrepResult is grep_content's result.
type GrepResult struct {
	Matches []Match `json:"matches"`
	Run     RunInfo `json:"run"`
}

func (s *Server) grepContent(ctx context.Context, _ *mcp.CallToolRequest, in GrepInput) (*mcp.CallToolResult, GrepResult, error) {
	if in.Pattern == "" {
		return nil, GrepResult{}, errors.New("pattern is empty")
	}
	if !strings.HasPrefix(in.Path, "/") {
		return nil, GrepResult{}, fmt.Errorf("path must be an absolute path, not %q", in.Path)
	}
	max, err := bounded("max_matches", in.MaxMatches, DefaultMatches, MaxMatches)
	if err != nil {
		return nil, GrepResult{}, err
	}
	argv := grepArgv(in.Pattern, in.Path, in.Fixed, in.IgnoreCase, max)
	out, info, err := s.structured(ctx, in.Where, argv)
	if err != nil {
		return nil, GrepResult{}, err
	}
	if info.ExitCode > 1 && len(out) == 0 {
		return nil, GrepResult{}, fmt.Errorf("grep failed (exit code %d): %s", info.ExitCode, strings.TrimSpace(clip(info.Stderr)))
	}
	ms, err := parseGrep(string(out))
	if err != nil {
		return nil, GrepResult{}, parseFailed(argv, info, err)
	}
	if len(ms) > max {
		ms, info.Truncated = ms[:max], true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d matching lines for %q under %s (profile %s)%s\n", len(ms), in.Pattern, in.Path, info.Profile, more(info.Truncated))
	for _, m := range ms {
		fmt.Fprintf(&b, "%s:%d: %s\n", m.Path, m.Line, clip(m.Text))
	}
	return textResult(b.String()), GrepResult{Matches: ms, Run: info}, nil
}

// JournalInput is journal's arguments.
type JournalInput struct {
	Unit     string `json:"unit,omitempty" jsonschema:"only this systemd unit (nginx.service, or a pattern such as ssh*); default every unit"`
	Priority string `json:"priority,omitempty" jsonschema:"this priority and more urgent: emerg, alert, crit, err, warning, notice, info, debug or 0-7; default all"`
	Lines    int    `json:"lines,omitempty" jsonschema:"the last N records; default 50, at most 5000"`
	Where
}

// JournalResult is journal's result.
type JournalResult struct {
	Entries []JournalEntry `json:"entries"`
	Run     RunInfo        `json:"run"`
}

func (s *Server) journal(ctx context.Context, _ *mcp.CallToolRequest, in JournalInput) (*mcp.CallToolResult, JournalResult, error) {
	if in.Priority != "" && !slices.Contains(Priorities, in.Priority) && !(len(in.Priority) == 1 && in.Priority >= "0" && in.Priority <= "7") {
		return nil, JournalResult{}, fmt.Errorf("priority is one of %s or 0-7, not %q", strings.Join(Priorities, ", "), in.Priority)
	}
	if strings.ContainsAny(in.Unit, "\n\x00") {
		return nil, JournalResult{}, errors.New("unit holds a newline or a NUL")
	}
	n, err := bounded("lines", in.Lines, DefaultJournalLines, MaxJournalLines)
	if err != nil {
		return nil, JournalResult{}, err
	}
	argv := journalArgv(in.Unit, in.Priority, n)
	out, info, err := s.structured(ctx, in.Where, argv)
	if err != nil {
		return nil, JournalResult{}, err
	}
	es, err := parseJournal(string(out))
	if err != nil {
		return nil, JournalResult{}, parseFailed(argv, info, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d journal records (profile %s)\n", len(es), info.Profile)
	switch {
	case len(es) == 0 && info.Stderr != "":
		fmt.Fprintf(&b, "journalctl said: %s\n", strings.TrimSpace(info.Stderr))
	case len(es) == 0:
		b.WriteString("none: nothing was logged that matches, or the host keeps no journal where this profile looks (list_directory /var/log/journal and /run/log/journal)\n")
	}
	for _, e := range es {
		who := cmp.Or(e.Identifier, e.Unit)
		fmt.Fprintf(&b, "%s %s[%s]: %s\n", e.Time, who, e.PID, clip(e.Message))
	}
	return textResult(b.String()), JournalResult{Entries: es, Run: info}, nil
}

// bounded is a count argument: def when 0, refused when negative or
// above max.
func bounded(name string, n, def, max int) (int, error) {
	switch {
	case n == 0:
		return def, nil
	case n < 0 || n > max:
		return 0, fmt.Errorf("%s is between 1 and %d, not %d", name, max, n)
	}
	return n, nil
}

func more(truncated bool) string {
	if truncated {
		return "; there are more (cut at a limit)"
	}
	return ""
}

// human is a byte count for people: 1.5G, 12M, 512B.
func human(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + "B"
	}
	f, i := float64(n), -1
	for f >= unit && i < 5 {
		f /= unit
		i++
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + string("KMGTPE"[i])
}
