//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// promptStep finds the calls a prompt suggests: "`TOOL {arguments}`" on
// a line of its own.
var promptStep = regexp.MustCompile("(?m)^   `([a-z_]+) (\\{.*\\})`$")

// promptArgs are the arguments each prompt gets here: real values of
// this machine where it has them (a log file that exists).
var promptArgs = map[string]map[string]string{
	"analyze-logs":            {"log_file": "/var/log/dpkg.log", "pattern": "install|remove"},
	"check-service-status":    {"service": "ssh"},
	"check-service-resources": {"service": "ssh"},
	"analyze-service-logs":    {"service": "ssh", "since": "yesterday", "lines": "20"},
	"monitor-service-health":  {"service": "ssh"},
}

// Every call every prompt suggests runs, in the profile the prompt names,
// on this machine, through the server as root and as a user: none may be
// refused (not allowed, 126; not found, 127) or fail to start. A command
// may fail for what the host lacks (no journal, no such unit): the
// prompts that depend on systemd say on which hosts they do not apply.
func TestPromptsRunWhatTheySuggest(t *testing.T) {
	needBwrap(t)
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) { promptsRun(t, id) })
	}
}

func promptsRun(t *testing.T, id identity) {
	cmd := id.mcpCmd(opts{}, "--profile", "minimal", "--profile", "diagnostics", "--profile", "systemd")
	client := mcp.NewClient(&mcp.Implementation{Name: "shannot-prompts", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.ListPrompts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Prompts) != 12 {
		t.Errorf("%d prompts, want 12", len(list.Prompts))
	}
	ran := 0
	for _, p := range list.Prompts {
		got, err := s.GetPrompt(ctx, &mcp.GetPromptParams{Name: p.Name, Arguments: promptArgs[p.Name]})
		if err != nil {
			t.Errorf("getPrompt %s: %v", p.Name, err)
			continue
		}
		body := got.Messages[0].Content.(*mcp.TextContent).Text
		steps := promptStep.FindAllStringSubmatch(body, -1)
		if len(steps) == 0 {
			t.Errorf("%s suggests nothing that can be run:\n%s", p.Name, body)
		}
		for _, st := range steps {
			var args map[string]any
			if err := json.Unmarshal([]byte(st[2]), &args); err != nil {
				t.Errorf("%s: %s: %v", p.Name, st[2], err)
				continue
			}
			res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: st[1], Arguments: args})
			if err != nil {
				t.Errorf("%s: %s %s: %v", p.Name, st[1], st[2], err)
				continue
			}
			ran++
			var rep struct {
				ExitCode int `json:"exit_code"`
				Run      struct {
					ExitCode int `json:"exit_code"`
				} `json:"run"`
			}
			data, _ := json.Marshal(res.StructuredContent)
			json.Unmarshal(data, &rep)
			code := rep.ExitCode
			if st[1] != "run_command" {
				code = rep.Run.ExitCode
			}
			if res.IsError || code == 126 || code == 127 {
				t.Errorf("%s suggests %s %s, which this machine refuses: exit %d\n%s", p.Name, st[1], st[2], code, text(res))
			} else {
				t.Logf("%s: %s %s: exit %d", p.Name, st[1], st[2], code)
			}
		}
	}
	if ran < 40 {
		t.Errorf("only %d calls ran", ran)
	}
}
