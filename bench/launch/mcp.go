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

// benchMCP measures run_command's latency through the server against
// `shannot run` and raw bwrap in the same rounds, and the server's peak
// memory while a command streams 1 GiB.
func benchMCP() {
	dir, err := os.MkdirTemp("", "shannot-bench-mcp-")
	check(err)
	defer os.RemoveAll(dir)
	// minimal without its command list, so that head can stream.
	open := strings.Replace(export("minimal"), `"allowed_commands": [
    "ls",
    "cat",
    "grep",
    "find"
  ]`, `"allowed_commands": []`, 1)
	profile := filepath.Join(dir, "open.json")
	check(os.WriteFile(profile, []byte(open), 0o644))

	server := exec.Command(*shannot, "mcp", "--profile", profile)
	client := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	ctx := context.Background()
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: server}, nil)
	check(err)
	defer session.Close()
	callLs := func() time.Duration {
		start := time.Now()
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "run_command", Arguments: map[string]any{"command": []string{"ls", "/"}}})
		d := time.Since(start)
		if err != nil || res.IsError {
			fmt.Fprintf(os.Stderr, "run_command: %v %+v\n", err, res)
			os.Exit(1)
		}
		return d
	}
	bwrapArgv := dryRun(profile)
	variants := []*variant{
		{name: "bwrap", argv: bwrapArgv},
		{name: "shannot run", argv: []string{*shannot, "--profile", profile, "run", "ls", "/"}},
	}
	var viaMCP []time.Duration
	for i := 0; i < 5; i++ {
		callLs()
	}
	for r := 0; r < *rounds; r++ {
		for _, v := range variants {
			v.times = append(v.times, launch(v))
		}
		viaMCP = append(viaMCP, callLs())
	}
	fmt.Printf("run_command ls / through shannot mcp: median %s (%.2f x shannot run, %.2f x raw bwrap)\n",
		ms(median(viaMCP)), ratio(median(viaMCP), median(variants[1].times)), ratio(median(viaMCP), median(variants[0].times)))
	fmt.Printf("shannot run: median %s; raw bwrap: median %s; %d calls each, alternating\n",
		ms(median(variants[1].times)), ms(median(variants[0].times)), *rounds)

	// Peak memory while a command streams 1 GiB (kept: the default 1 MiB).
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
	fmt.Printf("1 GiB streamed in %s (exit %d, truncated %v): server peak RSS %s before, %s after (target < 64 MiB)\n",
		time.Since(start).Round(time.Millisecond), rep.ExitCode, rep.StdoutTruncated, mib(before), mib(peakRSS(server.Process.Pid)))
	fmt.Println(machine())
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
