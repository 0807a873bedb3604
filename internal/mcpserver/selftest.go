package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/shannot-project/shannot/pkg/sandbox"
)

// SelfTestTimeout bounds the whole of SelfTest.
const SelfTestTimeout = time.Minute

// previewLines is how much of ls /'s output SelfTest shows.
const previewLines = 8

// SelfTest is `mcp test`: it starts the server as a client would (cmd,
// the command a client's entry runs), connects the SDK's client over its
// stdio, lists its tools, prompts and resources, runs `ls /` in the
// minimal profile (or the default one when minimal is not offered) and
// writes what it saw to w: the user's check that a client's set-up will
// work. Any step that fails is the error; the server's stderr goes to
// cmd.Stderr as set by the caller.
func SelfTest(ctx context.Context, cmd *exec.Cmd, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, SelfTestTimeout)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "shannot-mcp-test", Version: "1"}, nil)
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		return fmt.Errorf("starting %s and initializing: %w", strings.Join(cmd.Args, " "), err)
	}
	defer session.Close()
	init := session.InitializeResult()
	fmt.Fprintf(w, "started: %s\n", strings.Join(cmd.Args, " "))
	if init != nil && init.ServerInfo != nil {
		fmt.Fprintf(w, "server: %s %s, protocol %s\n", init.ServerInfo.Name, init.ServerInfo.Version, init.ProtocolVersion)
	}
	tools, err := session.ListTools(ctx, nil)
	if err != nil {
		return fmt.Errorf("listing the tools: %w", err)
	}
	var names []string
	for _, t := range tools.Tools {
		names = append(names, t.Name)
	}
	fmt.Fprintf(w, "tools (%d): %s\n", len(names), strings.Join(names, ", "))
	if !slices.Contains(names, "run_command") {
		return errors.New("the server has no run_command tool")
	}
	prompts, err := session.ListPrompts(ctx, nil)
	if err != nil {
		return fmt.Errorf("listing the prompts: %w", err)
	}
	fmt.Fprintf(w, "prompts: %d\n", len(prompts.Prompts))
	resources, err := session.ListResources(ctx, nil)
	if err != nil {
		return fmt.Errorf("listing the resources: %w", err)
	}
	var uris []string
	for _, r := range resources.Resources {
		uris = append(uris, r.URI)
	}
	fmt.Fprintf(w, "resources (%d): %s\n", len(uris), strings.Join(uris, ", "))

	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "list_profiles", Arguments: map[string]any{}})
	if err != nil {
		return fmt.Errorf("calling list_profiles: %w", err)
	}
	var list ProfileList
	if err := remarshal(res.StructuredContent, &list); err != nil || len(list.Profiles) == 0 {
		return fmt.Errorf("list_profiles gave no profiles (%v)", err)
	}
	prof := list.Profiles[0].Name
	for _, p := range list.Profiles {
		if p.Name == "minimal" {
			prof = p.Name
		}
	}
	start := time.Now()
	res, err = session.CallTool(ctx, &mcp.CallToolParams{Name: "run_command", Arguments: map[string]any{"command": []string{"ls", "/"}, "profile": prof}})
	if err != nil {
		return fmt.Errorf("calling run_command: %w", err)
	}
	if res.IsError {
		return fmt.Errorf("run_command ls / in profile %s failed: %s", prof, strings.TrimSpace(contentText(res)))
	}
	var rep sandbox.Report
	if err := remarshal(res.StructuredContent, &rep); err != nil {
		return fmt.Errorf("run_command's result: %w", err)
	}
	fmt.Fprintf(w, "run_command [\"ls\", \"/\"] in profile %s: exit code %d, %s\n", prof, rep.ExitCode, time.Since(start).Round(time.Millisecond))
	ls := lines(rep.Stdout)
	for _, l := range ls[:min(len(ls), previewLines)] {
		fmt.Fprintf(w, "    %s\n", l)
	}
	if len(ls) > previewLines {
		fmt.Fprintf(w, "    ... (%d more)\n", len(ls)-previewLines)
	}
	if rep.ExitCode != 0 {
		return fmt.Errorf("ls / exited with %d: %s", rep.ExitCode, strings.TrimSpace(rep.Stderr))
	}
	fmt.Fprintln(w, "ok: a client whose entry runs this command will work")
	return nil
}

func remarshal(from, to any) error {
	data, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, to)
}

func contentText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}
