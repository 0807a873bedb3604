package mcpserver

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/shannot-project/shannot/pkg/profile"
)

var promptNames = []string{"system-health-check", "investigate-performance", "analyze-logs", "disk-usage-audit", "monitor-processes",
	"check-service-status", "check-kernel-logs", "list-running-services", "check-service-resources", "discover-failed-services",
	"analyze-service-logs", "monitor-service-health"}

// stepRE finds the calls a rendered prompt suggests.
var stepRE = regexp.MustCompile("(?m)^   `([a-z_]+) (\\{.*\\})`$")

func builtin(t *testing.T, name string) *profile.Profile {
	t.Helper()
	p, err := profile.Read(profile.Origin{Path: name + ".json", Builtin: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Every step of every prompt, rendered with its defaults (and a
// service), names a tool the server has and a command its profile
// allows by name; no shell and no env, which would run anything.
func TestPromptsSuggestOnlyWhatTheirProfileRuns(t *testing.T) {
	tools := []string{"run_command", "read_file", "list_directory", "list_profiles", "disk_usage", "memory", "processes", "search_files", "grep_content", "journal"}
	var names []string
	for _, d := range Prompts() {
		names = append(names, d.Name)
		p := builtin(t, d.Profile)
		args := map[string]string{}
		if slices.ContainsFunc(d.Args, func(a PromptArg) bool { return a.Name == "service" }) {
			args["service"] = "nginx"
		}
		text, err := d.Render(args, []string{"minimal", "diagnostics", "systemd"})
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		if !strings.Contains(text, `the "`+d.Profile+`" profile`) || strings.Contains(text, "does not offer") {
			t.Errorf("%s does not name its profile %s:\n%s", d.Name, d.Profile, text)
		}
		steps := stepRE.FindAllStringSubmatch(text, -1)
		if len(steps) != len(d.Steps(map[string]string{"unit": "x", "service": "x"})) || len(steps) == 0 {
			t.Errorf("%s: %d steps found in its text:\n%s", d.Name, len(steps), text)
		}
		for _, st := range steps {
			if !slices.Contains(tools, st[1]) {
				t.Errorf("%s suggests the tool %q, which the server does not have", d.Name, st[1])
			}
			var a struct {
				Command []string `json:"command"`
				Profile string   `json:"profile"`
			}
			if err := json.Unmarshal([]byte(st[2]), &a); err != nil {
				t.Fatalf("%s: %s: %v", d.Name, st[2], err)
			}
			if a.Profile != d.Profile {
				t.Errorf("%s: step %s runs in profile %q, not %q", d.Name, st[2], a.Profile, d.Profile)
			}
			cmd := map[string]string{"disk_usage": "df", "memory": "cat", "processes": "ps", "search_files": "find", "grep_content": "grep", "journal": "journalctl"}[st[1]]
			if st[1] == "run_command" {
				cmd = a.Command[0]
				for _, w := range a.Command {
					if strings.ContainsAny(w, "|;&`$<>") && !strings.HasPrefix(w, "--") && w != "error|fail|critical|warn" {
						t.Errorf("%s: %q looks like shell syntax, which no argv list runs", d.Name, w)
					}
				}
			}
			if cmd == "" || !allowsName(p, cmd) || slices.Contains([]string{"env", "sh", "bash"}, cmd) {
				t.Errorf("%s: %s needs %q, which profile %s does not allow (or runs anything)", d.Name, st[2], cmd, d.Profile)
			}
		}
		if d.Profile == "systemd" && !strings.Contains(text, "Does not apply on: ") {
			t.Errorf("%s uses the journal and does not say where it does not apply", d.Name)
		}
	}
	if d := slices.Compare(names, promptNames); d != 0 {
		t.Errorf("prompts %v, want %v", names, promptNames)
	}
}

func TestPromptArguments(t *testing.T) {
	byName := map[string]PromptDef{}
	for _, d := range Prompts() {
		byName[d.Name] = d
	}
	for _, tc := range []struct {
		prompt  string
		args    map[string]string
		want    []string // in the text
		wantErr string
	}{
		{"check-service-status", map[string]string{"service": "nginx"}, []string{"Check the status of nginx.service", `"unit":"nginx.service"`, `"UNIT=nginx.service"`}, ""},
		{"check-service-status", map[string]string{"service": "getty@tty1.service"}, []string{`"/system.slice/getty@tty1.service"`}, ""},
		{"check-service-status", nil, nil, `needs the argument "service"`},
		{"check-service-status", map[string]string{"service": "-x"}, nil, "is not a systemd unit name"},
		{"check-service-status", map[string]string{"service": "../../etc"}, nil, "is not a systemd unit name"},
		{"analyze-logs", map[string]string{"log_file": "/var/log/syslog", "pattern": "oom"}, []string{`"--","oom","/var/log/syslog"`, `"pattern":"oom"`}, ""},
		{"analyze-logs", map[string]string{"log_file": "syslog"}, nil, "is not an absolute path"},
		{"disk-usage-audit", map[string]string{"threshold": "95"}, []string{"above 95%", `"/var/log"`}, ""},
		{"disk-usage-audit", map[string]string{"threshold": "101"}, nil, "not a percentage"},
		{"monitor-processes", map[string]string{"sort_by": "rss", "limit": "5"}, []string{`"limit":5`, `"sort_by":"rss"`}, ""},
		{"monitor-processes", map[string]string{"sort_by": "name"}, nil, "is not cpu, mem, rss, pid or start"},
		{"check-kernel-logs", map[string]string{"priority": "loud"}, nil, "is not one of emerg"},
		{"system-health-check", map[string]string{"color": "red"}, nil, `takes no argument "color"`},
		{"analyze-service-logs", map[string]string{"service": "ssh", "since": "1 hour ago", "lines": "20"}, []string{`"--since=1 hour ago"`, `"lines":20`}, ""},
	} {
		text, err := byName[tc.prompt].Render(tc.args, []string{"diagnostics", "systemd"})
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s %v: %v, want %q", tc.prompt, tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %v: %v", tc.prompt, tc.args, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s %v: no %q in\n%s", tc.prompt, tc.args, w, text)
			}
		}
	}
	// A profile the server does not offer is said, with the fix.
	text, _ := byName["system-health-check"].Render(nil, []string{"minimal"})
	if !strings.Contains(text, "This server does not offer that profile (it offers minimal): the steps below will be refused until it is started with --profile diagnostics") {
		t.Errorf("not offered:\n%s", text)
	}
}

// session connects the SDK's client to a server over in-memory
// transports: what the server declares, without running a sandbox.
func session(t *testing.T, ps ...*profile.Profile) *mcp.ClientSession {
	t.Helper()
	s, err := New(Options{Profiles: ps, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ct, st := mcp.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := s.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func TestServerDeclares(t *testing.T) {
	cs := session(t, builtin(t, "minimal"), builtin(t, "diagnostics"))
	ctx := context.Background()
	prompts, err := cs.ListPrompts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range prompts.Prompts {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(promptNames))
	if !slices.Equal(names, want) {
		t.Errorf("prompts: %v, want %v", names, want)
	}
	got, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "check-service-status", Arguments: map[string]string{"service": "cron"}})
	if err != nil || len(got.Messages) != 1 || !strings.Contains(got.Messages[0].Content.(*mcp.TextContent).Text, "Check the status of cron.service") {
		t.Errorf("getPrompt: %+v, %v", got, err)
	}
	if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "check-service-status"}); err == nil || !strings.Contains(err.Error(), `needs the argument "service"`) {
		t.Errorf("getPrompt without its argument: %v", err)
	}

	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	structured := map[string]bool{}
	for _, tool := range tools.Tools {
		structured[tool.Name] = tool.OutputSchema != nil
	}
	for _, name := range []string{"disk_usage", "memory", "processes", "search_files", "grep_content", "journal", "run_command"} {
		if !structured[name] {
			t.Errorf("tool %s: missing or without an output schema (%v)", name, structured)
		}
	}

	res, err := cs.ListResources(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, r := range res.Resources {
		uris = append(uris, r.URI)
	}
	if !slices.Equal(uris, []string{"shannot://profiles", "shannot://profiles/diagnostics", "shannot://profiles/minimal"}) {
		t.Errorf("resources: %v", uris)
	}
	tmpl, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil || len(tmpl.ResourceTemplates) != 1 || tmpl.ResourceTemplates[0].URITemplate != "shannot://profiles/{name}" {
		t.Errorf("templates: %+v, %v", tmpl, err)
	}
	read, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "shannot://profiles/diagnostics"})
	if err != nil {
		t.Fatal(err)
	}
	exported, _ := Export(builtin(t, "diagnostics"))
	if len(read.Contents) != 2 || read.Contents[0].Text != string(exported) {
		t.Fatalf("the profile is not as export prints it: %+v", read.Contents)
	}
	var sum PolicySummary
	if err := json.Unmarshal([]byte(read.Contents[1].Text), &sum); err != nil || sum.DefaultAction != "SCMP_ACT_ERRNO (ENOSYS)" || len(sum.Denies) == 0 ||
		sum.AllowedSyscalls < 100 || *sum.SeccompProfile != "builtin:seccomp/hostview.json" {
		t.Errorf("policy summary: %+v, %v", sum, err)
	}
	read, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "shannot://profiles/minimal"})
	if err != nil || !strings.Contains(read.Contents[1].Text, `"summary": "no seccomp filter`) {
		t.Errorf("minimal's summary: %+v, %v", read, err)
	}
	read, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "shannot://profiles"})
	var list struct{ Profiles []ProfileEntry }
	if err != nil || json.Unmarshal([]byte(read.Contents[0].Text), &list) != nil || len(list.Profiles) != 2 || !list.Profiles[0].Default ||
		list.Profiles[1].URI != "shannot://profiles/diagnostics" {
		t.Errorf("listing: %+v, %v", read, err)
	}
	if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "shannot://profiles/systemd"}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("a profile not offered: %v", err)
	}
}
