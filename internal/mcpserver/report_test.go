package mcpserver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/shannot-project/shannot/pkg/sandbox"
)

// rawSession serves srv over pipes and returns a function that sends one
// JSON-RPC line and returns the response line, byte for byte.
func rawSession(t *testing.T, srv *mcp.Server) func(string) string {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(func() { cancel(); inW.Close() })
	go srv.Run(ctx, &mcp.IOTransport{Reader: inR, Writer: outW})
	lines := bufio.NewReader(outR)
	send := func(line string) string {
		t.Helper()
		if _, err := io.WriteString(inW, line+"\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := lines.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	send(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if _, err := io.WriteString(inW, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n"); err != nil {
		t.Fatal(err)
	}
	return send
}

// TestReportToolAsTheSDK: a tool added by reportTool lists the same
// schemas and answers with the same bytes as the tool the SDK builds
// from the typed handler, for reports that exercise every field and
// encoding/json's escaping.
func TestReportToolAsTheSDK(t *testing.T) {
	sig := "SIGKILL"
	full := sandbox.Report{ExitCode: -1, Signal: &sig, TimedOut: true, DurationMS: 1<<40 + 3,
		Stdout: "<a href=\"x\">&amp;</a>\u2028\u2029\t\x1b[0m é ü 世界", StdoutEncoding: "utf-8",
		Stderr: "bad \xff\xfe bytes \xe2\x82 cut", StderrEncoding: "base64",
		StdoutTruncated: true, StderrTruncated: true, Profile: "/etc/shannot/<p>\xc3.json",
		Command: []string{"ls", "-la", "<&>", "\xff"}, Error: "refused \x00 \\ \"quoted\""}
	for i := 0; i < reflect.TypeFor[sandbox.Report]().NumField(); i++ {
		if reflect.ValueOf(full).Field(i).IsZero() {
			t.Fatalf("the test's full report leaves %s zero: set it, and check that structuredReport encodes it", reflect.TypeFor[sandbox.Report]().Field(i).Name)
		}
	}
	reports := []sandbox.Report{full, {}, {Command: []string{}, StdoutEncoding: "utf-8", StderrEncoding: "utf-8", Profile: "builtin:minimal", DurationMS: 12}}
	for _, withContent := range []bool{true, false} {
		for i, rep := range reports {
			handler := func(context.Context, *mcp.CallToolRequest, RunInput) (*mcp.CallToolResult, sandbox.Report, error) {
				if !withContent {
					return nil, rep, nil
				}
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "exit code 0\n"}}}, rep, nil
			}
			sdk := mcp.NewServer(&mcp.Implementation{Name: "t", Version: "1"}, nil)
			mcp.AddTool(sdk, &mcp.Tool{Name: "run_command", Description: "d"}, handler)
			ours := mcp.NewServer(&mcp.Implementation{Name: "t", Version: "1"}, nil)
			reportTool(ours, &mcp.Tool{Name: "run_command", Description: "d"}, handler)
			want, got := rawSession(t, sdk), rawSession(t, ours)
			for _, req := range []string{
				`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
				`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"run_command","arguments":{"command":["true"]}}}`,
			} {
				w, g := want(req), got(req)
				if g != w {
					t.Errorf("report %d, content %v, %s:\n got %s\nwant %s", i, withContent, req, g, w)
				}
			}
		}
	}
	// The answers above are results, not errors.
	var resp struct {
		Result struct {
			StructuredContent map[string]any `json:"structuredContent"`
		} `json:"result"`
	}
	ours := mcp.NewServer(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	reportTool(ours, &mcp.Tool{Name: "run_command"}, func(context.Context, *mcp.CallToolRequest, RunInput) (*mcp.CallToolResult, sandbox.Report, error) {
		return nil, full, nil
	})
	line := rawSession(t, ours)(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"run_command","arguments":{"command":["true"]}}}`)
	if err := json.Unmarshal([]byte(line), &resp); err != nil || fmt.Sprint(resp.Result.StructuredContent["exit_code"]) != "-1" {
		t.Errorf("no structured report in %s (%v)", line, err)
	}
}

func BenchmarkStructuredReport(b *testing.B) {
	rep := sandbox.Report{StdoutEncoding: "utf-8", StderrEncoding: "utf-8", Profile: "/tmp/open.json", Command: []string{"cat", "/dev/null"}, DurationMS: 8}
	for b.Loop() {
		structuredReport(rep)
	}
}
