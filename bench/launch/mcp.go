package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpSession starts the MCP server on profile and returns a timed
// run_command call of the benchmark's command, and a stop function.
func mcpSession(bin, profile string) (call func() time.Duration, stop func()) {
	server := exec.Command(bin, "--profile", profile)
	client := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	ctx := context.Background()
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: server}, nil)
	check(err)
	call = func() time.Duration {
		start := time.Now()
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "run_command", Arguments: map[string]any{"command": command}})
		d := time.Since(start)
		if err != nil || res.IsError {
			fmt.Fprintf(os.Stderr, "run_command: %v %+v\n", err, res)
			os.Exit(1)
		}
		return d
	}
	return call, func() { session.Close() }
}

// mcpMemory measures a fresh server's peak memory while a command
// streams 1 GiB (kept: the default 1 MiB).
func mcpMemory(bin, dir string) {
	profile := filepath.Join(dir, "open.json")
	server := exec.Command(bin, "--profile", profile)
	client := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	ctx := context.Background()
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: server}, nil)
	check(err)
	defer session.Close()
	before := peakRSS(server.Process.Pid)
	start := time.Now()
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "run_command", Arguments: map[string]any{
		"command": []string{"head", "-c", "1073741824", "/dev/zero"}, "timeout_s": 600}})
	check(err)
	var rep struct {
		ExitCode        int  `json:"exit_code"`
		StdoutTruncated bool `json:"stdout_truncated"`
	}
	data, _ := json.Marshal(res.StructuredContent)
	json.Unmarshal(data, &rep)
	fmt.Printf("\nshannot-mcp: 1 GiB streamed in %s (exit %d, truncated %v): server peak RSS %s before, %s after (target < 64 MiB)\n",
		time.Since(start).Round(time.Millisecond), rep.ExitCode, rep.StdoutTruncated, mib(before), mib(peakRSS(server.Process.Pid)))
}

// peakRSS reads VmHWM, the process's peak resident set, in kB.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	check(err)
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			n, _ := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
			return n
		}
	}
	return 0
}

func mib(kb int64) string { return fmt.Sprintf("%.1f MiB", float64(kb)/1024) }
