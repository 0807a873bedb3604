package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The prompts: the investigations agents are asked to do, each naming
// the profile it needs and suggesting only calls that profile runs:
// argv lists, no shell, no env. Each step is rendered as
// "`TOOL {arguments}`" on a line of its own, so that a test (and a
// careful model) can run exactly what is suggested.

// PromptStep is one call a prompt suggests.
type PromptStep struct {
	Why  string
	Tool string
	Args map[string]any
}

// PromptArg is one argument of a prompt.
type PromptArg struct {
	Name, Description, Default string
	Required                   bool
	// check refuses a bad value with a reason.
	check func(string) error
}

// PromptDef is one prompt.
type PromptDef struct {
	Name, Title, Description string
	// Profile is the shipped profile whose commands the steps use.
	Profile string
	// Applies says on which hosts the prompt does not apply, or is empty.
	Applies string
	Args    []PromptArg
	// Task is the request, with {arg} replaced by the arguments.
	Task  string
	Steps func(a map[string]string) []PromptStep
}

// runStep is a run_command step in profile p.
func runStep(p, why string, argv ...string) PromptStep {
	return PromptStep{Why: why, Tool: "run_command", Args: map[string]any{"command": argv, "profile": p}}
}

// toolStep is a structured tool's step in profile p.
func toolStep(p, why, name string, args map[string]any) PromptStep {
	if args == nil {
		args = map[string]any{}
	}
	args["profile"] = p
	return PromptStep{Why: why, Tool: name, Args: args}
}

const noSystemd = "Hosts whose init (PID 1) is not systemd or that keep no journal (many containers): there journalctl finds no journal files " +
	"and the unit's cgroup does not exist; say so instead of concluding that the service is fine. systemctl is never available: " +
	"the sandbox exposes no systemd or D-Bus socket, so the journal and the cgroup tree are how a unit's state is read."

var unitRE = regexp.MustCompile(`^[A-Za-z0-9:_.@\\-]+$`)

// checkUnit refuses a unit name that is not one (and could be read as
// an option or leave the cgroup directory).
func checkUnit(s string) error {
	if !unitRE.MatchString(s) || strings.HasPrefix(s, "-") || strings.Contains(s, "..") {
		return fmt.Errorf("%q is not a systemd unit name (letters, digits, : _ . @ - \\; not starting with -)", s)
	}
	return nil
}

// unit adds ".service" to a bare name, as systemctl does.
func unit(s string) string {
	if strings.Contains(s, ".") {
		return s
	}
	return s + ".service"
}

func checkAbs(s string) error {
	if !strings.HasPrefix(s, "/") {
		return fmt.Errorf("%q is not an absolute path", s)
	}
	return nil
}

func checkPercent(s string) error {
	if n, err := strconv.Atoi(s); err != nil || n < 1 || n > 100 {
		return fmt.Errorf("%q is not a percentage between 1 and 100", s)
	}
	return nil
}

func checkCount(max int) func(string) error {
	return func(s string) error {
		if n, err := strconv.Atoi(s); err != nil || n < 1 || n > max {
			return fmt.Errorf("%q is not a number between 1 and %d", s, max)
		}
		return nil
	}
}

func checkSort(s string) error {
	if processOrder[s] == nil {
		return fmt.Errorf("%q is not cpu, mem, rss, pid or start", s)
	}
	return nil
}

func checkPriority(s string) error {
	if !slices.Contains(Priorities, s) {
		return fmt.Errorf("%q is not one of %s", s, strings.Join(Priorities, ", "))
	}
	return nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

var serviceArg = PromptArg{Name: "service", Description: "the systemd unit, e.g. nginx or nginx.service", Required: true, check: checkUnit}

// Prompts are the twelve prompts, in the order prompts/list gives them.
func Prompts() []PromptDef {
	const diag, sd = "diagnostics", "systemd"
	return []PromptDef{
		{
			Name: "system-health-check", Title: "System health check", Profile: diag,
			Description: "Load, memory, disks, the busiest processes and the kernel's view: a first look at a machine.",
			Args:        []PromptArg{{Name: "threshold", Description: "use % above which a file system is reported", Default: "90", check: checkPercent}},
			Task:        "Check this machine's health and report what needs attention: load against the CPU count, memory and swap, file systems above {threshold}% (space or inodes), processes using the most CPU and memory.",
			Steps: func(a map[string]string) []PromptStep {
				return []PromptStep{
					runStep(diag, "uptime and load averages", "uptime"),
					runStep(diag, "the CPU count, to judge the load", "nproc"),
					toolStep(diag, "memory and swap in bytes", "memory", nil),
					toolStep(diag, "every file system's space and inodes", "disk_usage", nil),
					toolStep(diag, "the busiest processes", "processes", map[string]any{"sort_by": "cpu", "limit": 10}),
					toolStep(diag, "the largest processes", "processes", map[string]any{"sort_by": "rss", "limit": 10}),
					runStep(diag, "the kernel and the machine", "uname", "-a"),
				}
			},
		},
		{
			Name: "investigate-performance", Title: "Investigate performance", Profile: diag,
			Description: "Why is this machine slow: CPU, memory pressure, I/O wait, the processes responsible.",
			Args:        []PromptArg{{Name: "samples", Description: "vmstat samples, one a second", Default: "5", check: checkCount(30)}},
			Task:        "Find out why this machine is slow. Tell CPU saturation, memory pressure and I/O wait apart from the numbers below, and name the processes responsible.",
			Steps: func(a map[string]string) []PromptStep {
				return []PromptStep{
					runStep(diag, "load averages and runnable tasks", "cat", "/proc/loadavg"),
					runStep(diag, "CPU, memory, swap and I/O over time (r: runnable, b: blocked, wa: I/O wait)", "vmstat", "1", a["samples"]),
					runStep(diag, "pressure stall information: how long tasks waited for CPU, memory and I/O", "cat", "/proc/pressure/cpu", "/proc/pressure/memory", "/proc/pressure/io"),
					toolStep(diag, "the processes using the most CPU", "processes", map[string]any{"sort_by": "cpu", "limit": 15}),
					toolStep(diag, "the processes using the most memory", "processes", map[string]any{"sort_by": "mem", "limit": 15}),
					toolStep(diag, "memory and swap", "memory", nil),
					runStep(diag, "the CPUs", "lscpu"),
				}
			},
		},
		{
			Name: "analyze-logs", Title: "Analyze a log file", Profile: diag,
			Description: "Errors and warnings in a log file under /var/log, and what they have in common.",
			Args: []PromptArg{
				{Name: "log_file", Description: "the log file, e.g. /var/log/syslog", Default: "/var/log/dpkg.log", check: checkAbs},
				{Name: "pattern", Description: "an extended regular expression for the lines to look at", Default: "error|fail|critical|warn"},
			},
			Task: "Analyze {log_file}: find the lines matching {pattern} (case-insensitive), group them by cause, and say which are recent and which repeat. If the file does not exist, list /var/log and pick the log that fits.",
			Steps: func(a map[string]string) []PromptStep {
				return []PromptStep{
					toolStep(diag, "the logs there are", "search_files", map[string]any{"root": "/var/log", "name": "*.log", "max_depth": 2}),
					runStep(diag, "the file's size and age", "stat", "--", a["log_file"]),
					runStep(diag, "its last lines", "tail", "-n", "100", "--", a["log_file"]),
					toolStep(diag, "the matching lines", "grep_content", map[string]any{"pattern": a["pattern"], "path": a["log_file"], "ignore_case": true, "max_matches": 200}),
					runStep(diag, "how many lines match", "grep", "-c", "-i", "-E", "--", a["pattern"], a["log_file"]),
				}
			},
		},
		{
			Name: "disk-usage-audit", Title: "Disk usage audit", Profile: diag,
			Description: "Which file systems are filling up, and which directories and files under a path take the space.",
			Args: []PromptArg{
				{Name: "path", Description: "the directory to audit", Default: "/var/log", check: checkAbs},
				{Name: "threshold", Description: "use % above which a file system is reported", Default: "80", check: checkPercent},
			},
			Task: "Audit disk usage: report file systems above {threshold}% (space or inodes), then find what takes the space under {path}: the largest directories and files. Suggest what a human could clean up; change nothing.",
			Steps: func(a map[string]string) []PromptStep {
				return []PromptStep{
					toolStep(diag, "every file system's space and inodes", "disk_usage", nil),
					runStep(diag, "directories of 100 MB or more, two levels deep", "du", "-x", "-h", "--max-depth=2", "--threshold=100M", "--", a["path"]),
					runStep(diag, "files of 100 MB or more", "find", a["path"], "-xdev", "-type", "f", "-size", "+100M"),
					toolStep(diag, "rotated and compressed logs", "search_files", map[string]any{"root": a["path"], "name": "*.gz", "type": "f", "max_depth": 4}),
				}
			},
		},
		{
			Name: "monitor-processes", Title: "Monitor processes", Profile: diag,
			Description: "The processes on this machine, sorted, with zombies and long-running ones called out.",
			Args: []PromptArg{
				{Name: "sort_by", Description: "cpu, mem, rss, pid or start", Default: "cpu", check: checkSort},
				{Name: "limit", Description: "how many processes", Default: "20", check: checkCount(MaxProcesses)},
			},
			Task: "List the processes on this machine by {sort_by}, the top {limit}. Point out zombies (state Z), processes in uninterruptible sleep (D), and any that use an unusual share of CPU or memory.",
			Steps: func(a map[string]string) []PromptStep {
				return []PromptStep{
					toolStep(diag, "the processes", "processes", map[string]any{"sort_by": a["sort_by"], "limit": atoi(a["limit"])}),
					runStep(diag, "every process with its parent and state, to find zombies and D states", "ps", "-e", "-o", "pid,ppid,user,stat,etime,comm"),
					runStep(diag, "the task counts", "cat", "/proc/loadavg"),
				}
			},
		},
		{
			Name: "check-service-status", Title: "Check a service's status", Profile: sd, Applies: noSystemd,
			Description: "Is a systemd service running, and what did it last log.",
			Args:        []PromptArg{serviceArg},
			Task:        "Check the status of {unit}: whether it is running (its cgroup has processes), when it last started or stopped, and its last log lines, errors first.",
			Steps: func(a map[string]string) []PromptStep {
				u := a["unit"]
				return []PromptStep{
					toolStep(sd, "the unit's last log records", "journal", map[string]any{"unit": u, "lines": 50}),
					runStep(sd, "what systemd itself said about the unit: started, stopped, failed, restarted", "journalctl", "--no-pager", "-b", "UNIT="+u, "-n", "20"),
					runStep(sd, "the unit's processes, from its cgroup", "systemd-cgls", "--no-pager", "/system.slice/"+u),
				}
			},
		},
		{
			Name: "check-kernel-logs", Title: "Check the kernel's logs", Profile: sd, Applies: noSystemd,
			Description: "Kernel warnings and errors since boot: hardware, OOM kills, file system errors.",
			Args:        []PromptArg{{Name: "priority", Description: "this priority and more urgent: emerg ... debug", Default: "warning", check: checkPriority}},
			Task:        "Read the kernel's messages since boot at priority {priority} or more urgent and report hardware errors, OOM kills, file system and driver problems.",
			Steps: func(a map[string]string) []PromptStep {
				return []PromptStep{
					runStep(sd, "the kernel's messages since boot", "journalctl", "--no-pager", "-k", "-b", "--priority="+a["priority"], "-n", "200"),
					runStep(sd, "out-of-memory kills", "journalctl", "--no-pager", "-k", "-b", "--grep=Out of memory", "-n", "50"),
					runStep(sd, "the kernel's taint flags (0: untainted)", "cat", "/proc/sys/kernel/tainted"),
					runStep(sd, "the kernel", "uname", "-r"),
				}
			},
		},
		{
			Name: "list-running-services", Title: "List running services", Profile: sd, Applies: noSystemd,
			Description: "The services running on this host, from the cgroup tree systemd keeps.",
			Task:        "List the services running on this host (each has a cgroup under system.slice with processes in it) and the resources the largest use.",
			Steps: func(a map[string]string) []PromptStep {
				return []PromptStep{
					runStep(sd, "the cgroup tree of system services", "systemd-cgls", "--no-pager", "/system.slice"),
					runStep(sd, "each cgroup's tasks, CPU and memory, largest first", "systemd-cgtop", "--batch", "--iterations=1", "--order=memory"),
					runStep(sd, "what systemd started since boot", "journalctl", "--no-pager", "-b", "_PID=1", "-n", "100"),
				}
			},
		},
		{
			Name: "check-service-resources", Title: "Check a service's resources", Profile: sd, Applies: noSystemd,
			Description: "CPU, memory and tasks of one systemd service, from its cgroup.",
			Args:        []PromptArg{serviceArg},
			Task:        "Report what {unit} uses: memory (current and peak), CPU time, tasks, and whether it comes close to its limits (memory.max, pids.max).",
			Steps: func(a map[string]string) []PromptStep {
				u := a["unit"]
				dir := "/sys/fs/cgroup/system.slice/" + u
				return []PromptStep{
					runStep(sd, "every cgroup's tasks, CPU and memory, largest first", "systemd-cgtop", "--batch", "--iterations=1", "--order=memory"),
					runStep(sd, "the unit's memory, CPU and tasks (cgroup v2; on v1 hosts these live under /sys/fs/cgroup/memory/system.slice/ and friends)",
						"cat", dir+"/memory.current", dir+"/memory.max", dir+"/cpu.stat", dir+"/pids.current", dir+"/pids.max"),
					runStep(sd, "the unit's processes", "systemd-cgls", "--no-pager", "/system.slice/"+u),
					toolStep(sd, "the largest processes, to match against the unit's", "processes", map[string]any{"sort_by": "rss", "limit": 20}),
				}
			},
		},
		{
			Name: "discover-failed-services", Title: "Discover failed services", Profile: sd, Applies: noSystemd,
			Description: "Which units failed since boot, and why, from what systemd logged.",
			Task:        "Find the units that failed since boot and say why each failed, from systemd's own messages and each unit's last errors.",
			Steps: func(a map[string]string) []PromptStep {
				return []PromptStep{
					runStep(sd, "systemd's warnings and errors since boot (failed starts, exit codes, restarts)", "journalctl", "--no-pager", "-b", "_PID=1", "--priority=warning", "-n", "200"),
					toolStep(sd, "every unit's errors", "journal", map[string]any{"priority": "err", "lines": 200}),
				}
			},
		},
		{
			Name: "analyze-service-logs", Title: "Analyze a service's logs", Profile: sd, Applies: noSystemd,
			Description: "A service's log records over a period: errors, their causes, how often they repeat.",
			Args: []PromptArg{serviceArg,
				{Name: "since", Description: "where to start, as journalctl --since takes it: today, yesterday, \"1 hour ago\", 2026-01-02", Default: "today"},
				{Name: "lines", Description: "records at most", Default: "200", check: checkCount(MaxJournalLines)}},
			Task: "Analyze the logs of {unit} since {since}: its errors and warnings, their causes, which repeat and how often, and what happened just before the first one.",
			Steps: func(a map[string]string) []PromptStep {
				u := a["unit"]
				return []PromptStep{
					toolStep(sd, "the unit's warnings and errors", "journal", map[string]any{"unit": u, "priority": "warning", "lines": atoi(a["lines"])}),
					runStep(sd, "everything it logged in the period", "journalctl", "--no-pager", "--unit="+u, "--since="+a["since"], "-n", a["lines"]),
					runStep(sd, "what systemd said about it in the period", "journalctl", "--no-pager", "UNIT="+u, "--since="+a["since"], "-n", "50"),
				}
			},
		},
		{
			Name: "monitor-service-health", Title: "Monitor a service's health", Profile: sd, Applies: noSystemd,
			Description: "Is a service healthy: running, not restarting, not logging errors, within its resources.",
			Args:        []PromptArg{serviceArg},
			Task:        "Judge the health of {unit}: is it running, has it restarted or failed since boot, is it logging errors, and are its memory and tasks steady.",
			Steps: func(a map[string]string) []PromptStep {
				u := a["unit"]
				return []PromptStep{
					runStep(sd, "starts, stops, failures and restarts since boot", "journalctl", "--no-pager", "-b", "UNIT="+u, "-n", "50"),
					toolStep(sd, "its recent errors", "journal", map[string]any{"unit": u, "priority": "err", "lines": 50}),
					runStep(sd, "its processes", "systemd-cgls", "--no-pager", "/system.slice/"+u),
					runStep(sd, "its resources against the others'", "systemd-cgtop", "--batch", "--iterations=1", "--order=memory"),
				}
			},
		},
	}
}

// Render fills the prompt's arguments (defaults for those not given)
// and writes its text. A required argument missing or a value its check
// refuses is an error naming the argument.
func (d PromptDef) Render(args map[string]string, offered []string) (string, error) {
	a := map[string]string{}
	for _, arg := range d.Args {
		v, ok := args[arg.Name]
		if !ok || v == "" {
			if arg.Required {
				return "", fmt.Errorf("prompt %s needs the argument %q: %s", d.Name, arg.Name, arg.Description)
			}
			v = arg.Default
		}
		if arg.check != nil {
			if err := arg.check(v); err != nil {
				return "", fmt.Errorf("prompt %s, argument %s: %w", d.Name, arg.Name, err)
			}
		}
		a[arg.Name] = v
	}
	for name := range args {
		if !slices.ContainsFunc(d.Args, func(arg PromptArg) bool { return arg.Name == name }) {
			return "", fmt.Errorf("prompt %s takes no argument %q", d.Name, name)
		}
	}
	if s, ok := a["service"]; ok {
		a["unit"] = unit(s)
	}
	task := d.Task
	for k, v := range a {
		task = strings.ReplaceAll(task, "{"+k+"}", v)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nUse the shannot tools with the %q profile (read-only sandbox; argv lists, no shell). ", task, d.Profile)
	if !slices.Contains(offered, d.Profile) {
		fmt.Fprintf(&b, "This server does not offer that profile (it offers %s): the steps below will be refused until it is started with --profile %s. ",
			strings.Join(offered, ", "), d.Profile)
	}
	b.WriteString("Make these calls, then reason from their output:\n\n")
	for i, st := range d.Steps(a) {
		js, err := json.Marshal(st.Args)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%d. %s:\n   `%s %s`\n", i+1, st.Why, st.Tool, js)
	}
	if d.Applies != "" {
		fmt.Fprintf(&b, "\nDoes not apply on: %s\n", d.Applies)
	}
	b.WriteString("\nNothing here changes the machine; suggest fixes for a human to run, and say which command each needs.\n")
	return b.String(), nil
}

func (s *Server) addPrompts(srv *mcp.Server) {
	offered := s.names()
	for _, d := range Prompts() {
		p := &mcp.Prompt{Name: d.Name, Title: d.Title, Description: d.Description + " Needs the " + d.Profile + " profile."}
		for _, a := range d.Args {
			desc := a.Description
			if a.Default != "" {
				desc += "; default " + a.Default
			}
			p.Arguments = append(p.Arguments, &mcp.PromptArgument{Name: a.Name, Description: desc, Required: a.Required})
		}
		srv.AddPrompt(p, func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			text, err := d.Render(req.Params.Arguments, offered)
			if err != nil {
				return nil, err
			}
			return &mcp.GetPromptResult{Description: d.Description, Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}}}, nil
		})
	}
}
