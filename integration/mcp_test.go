//go:build integration

package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpSession starts shannot-mcp as id, offering the open test profile
// and the built-in minimal one, and connects the SDK's client.
func mcpSession(t *testing.T, id identity, extra ...string) *mcp.ClientSession {
	t.Helper()
	args := append([]string{"--profile", writeProfile(t, open()), "--profile", "minimal"}, extra...)
	return connect(t, id.mcpCmd(opts{}, args...))
}

// connect connects the SDK's client to the server cmd starts.
func connect(t *testing.T, cmd *exec.Cmd) *mcp.ClientSession {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "shannot-integration", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connecting to %v: %v", cmd.Args, err)
	}
	t.Cleanup(func() { session.Close() })
	return session
}

// report is run_command's structured result.
type report struct {
	ExitCode        int     `json:"exit_code"`
	Signal          *string `json:"signal"`
	TimedOut        bool    `json:"timed_out"`
	Stdout          string  `json:"stdout"`
	StdoutEncoding  string  `json:"stdout_encoding"`
	Stderr          string  `json:"stderr"`
	StdoutTruncated bool    `json:"stdout_truncated"`
	Profile         string  `json:"profile"`
	Command         []string
}

func call(t *testing.T, s *mcp.ClientSession, tool string, args map[string]any) (*mcp.CallToolResult, report) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s %v: %v", tool, args, err)
	}
	var rep report
	if res.StructuredContent != nil {
		data, _ := json.Marshal(res.StructuredContent)
		json.Unmarshal(data, &rep)
	}
	return res, rep
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func TestMCPServer(t *testing.T) {
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			s := mcpSession(t, id)
			tools, err := s.ListTools(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tool := range tools.Tools {
				names = append(names, tool.Name)
			}
			slices.Sort(names)
			if !slices.Equal(names, []string{"disk_usage", "grep_content", "journal", "list_directory", "list_profiles", "memory", "processes",
				"read_file", "run_command", "search_files"}) {
				t.Errorf("tools: %v", names)
			}

			res, rep := call(t, s, "run_command", map[string]any{"command": []string{"ls", "/"}})
			if res.IsError || rep.ExitCode != 0 || !strings.Contains(rep.Stdout, "usr") || !strings.Contains(text(res), "exit code 0") {
				t.Errorf("ls /: %v %+v %q", res.IsError, rep, text(res))
			}

			res, _ = call(t, s, "run_command", map[string]any{"command": []string{"rm", "-rf", "/tmp"}, "profile": "minimal"})
			if !res.IsError || !strings.Contains(text(res), `refused: the profile "minimal" does not allow "rm". It allows: ls, cat, grep, find`) {
				t.Errorf("refused command: %v %q", res.IsError, text(res))
			}
			res, _ = call(t, s, "run_command", map[string]any{"command": []string{"no-such-tool"}})
			if !res.IsError || !strings.Contains(text(res), `not found: "no-such-tool" does not exist inside the sandbox`) {
				t.Errorf("missing command: %v %q", res.IsError, text(res))
			}

			start := time.Now()
			res, rep = call(t, s, "run_command", map[string]any{"command": []string{"sh", "-c", "echo started; sleep 30"}, "timeout_s": 1})
			if !res.IsError || !rep.TimedOut || rep.ExitCode != 124 || !strings.Contains(text(res), "timed out after 1s") ||
				rep.Stdout != "started\n" || time.Since(start) > 10*time.Second {
				t.Errorf("timeout: %v %+v %q after %s", res.IsError, rep, text(res), time.Since(start))
			}

			// 10 MiB of output: the command runs to its end, the answer
			// holds the first MiB (the default limit) and says it was cut.
			res, rep = call(t, s, "run_command", map[string]any{"command": []string{"sh", "-c", "head -c 10485760 /dev/zero | tr '\\0' a; echo done >&2"}})
			if res.IsError || len(rep.Stdout) != 1<<20 || !rep.StdoutTruncated || strings.Trim(rep.Stdout, "a") != "" ||
				rep.Stderr != "done\n" || rep.ExitCode != 0 || !strings.Contains(text(res), "(truncated at 1048576 bytes)") {
				t.Errorf("10 MiB: error %v, %d bytes, truncated %v, stderr %q, exit %d", res.IsError, len(rep.Stdout), rep.StdoutTruncated, rep.Stderr, rep.ExitCode)
			}
			// A larger limit, up to what the client takes in one message.
			_, rep = call(t, s, "run_command", map[string]any{"command": []string{"sh", "-c", "head -c 3145728 /dev/zero | tr '\\0' a"},
				"max_output_bytes": 4 << 20})
			if len(rep.Stdout) != 3<<20 || rep.StdoutTruncated {
				t.Errorf("3 MiB under a 4 MiB limit: %d bytes, truncated %v", len(rep.Stdout), rep.StdoutTruncated)
			}

			_, rep = call(t, s, "run_command", map[string]any{"command": []string{"printf", "\\377\\376binary"}})
			if rep.StdoutEncoding != "base64" || rep.Stdout != "//5iaW5hcnk=" {
				t.Errorf("binary output: %+v", rep)
			}
			_, rep = call(t, s, "run_command", map[string]any{"command": []string{"cat"}, "stdin": "from the tool argument"})
			if rep.Stdout != "from the tool argument" {
				t.Errorf("stdin: %+v", rep)
			}
			// The server's environment never reaches a command.
			_, rep = call(t, s, "run_command", map[string]any{"command": []string{"env"}})
			if strings.Contains(rep.Stdout, "HOME="+id.home) || !strings.Contains(rep.Stdout, "SANDBOX_MARK=profile") {
				t.Errorf("environment: %q", rep.Stdout)
			}

			res, rep = call(t, s, "read_file", map[string]any{"path": "/usr/lib/os-release"})
			if res.IsError || !strings.Contains(rep.Stdout, "ID=") {
				t.Errorf("read_file: %v %q", res.IsError, text(res))
			}
			res, rep = call(t, s, "list_directory", map[string]any{"path": "/usr"})
			if res.IsError || !strings.Contains(rep.Stdout, "bin") {
				t.Errorf("list_directory: %v %q", res.IsError, text(res))
			}
			res, _ = call(t, s, "list_profiles", map[string]any{})
			var list struct {
				Profiles []struct {
					Name            string   `json:"name"`
					AllowedCommands []string `json:"allowed_commands"`
					Network         bool     `json:"network"`
					Default         bool     `json:"default"`
				} `json:"profiles"`
			}
			data, _ := json.Marshal(res.StructuredContent)
			json.Unmarshal(data, &list)
			if len(list.Profiles) != 2 || list.Profiles[0].Name != "open" || !list.Profiles[0].Default ||
				list.Profiles[1].Name != "minimal" || len(list.Profiles[1].AllowedCommands) != 4 || list.Profiles[1].Network {
				t.Errorf("list_profiles: %+v", list)
			}
		})
	}
}

func TestMCPParallelCalls(t *testing.T) {
	id := identities(t)[0]
	s := mcpSession(t, id, "--max-concurrent", "4")
	var wg sync.WaitGroup
	errs := make(chan string, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			want := fmt.Sprintf("call %d", i)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: "run_command",
				Arguments: map[string]any{"command": []string{"sh", "-c", "sleep 0.2; echo " + want}}})
			if err != nil {
				errs <- err.Error()
				return
			}
			data, _ := json.Marshal(res.StructuredContent)
			var rep report
			json.Unmarshal(data, &rep)
			if res.IsError || rep.Stdout != want+"\n" {
				errs <- fmt.Sprintf("call %d: %q", i, rep.Stdout)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestMCPLogsNeverGoToStdout(t *testing.T) {
	id := identities(t)[0]
	// With nothing on stdin the server ends at once; whatever it printed
	// on stdout would corrupt the protocol stream.
	c := id.mcpCmd(opts{})
	var stdout, stderr strings.Builder
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			t.Fatal(err)
		}
	}
	if stdout.String() != "" || !strings.Contains(stderr.String(), "serving MCP on stdio") {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

// rawMCP is shannot-mcp spoken to line by line, for what an SDK client
// would never send.
type rawMCP struct {
	t     *testing.T
	in    io.WriteCloser
	out   *bufio.Reader
	lines chan []byte
}

type rawResponse struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func startRawMCP(t *testing.T, id identity, args ...string) *rawMCP {
	t.Helper()
	cmd := id.mcpCmd(opts{}, args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
		cmd.Wait()
		timer.Stop()
		if t.Failed() {
			t.Logf("shannot-mcp's stderr:\n%s", stderr.String())
		}
	})
	r := &rawMCP{t: t, in: in, out: bufio.NewReader(out), lines: make(chan []byte)}
	go func() {
		defer close(r.lines)
		for {
			line, err := r.out.ReadBytes('\n')
			if err != nil {
				return
			}
			r.lines <- line
		}
	}()
	return r
}

// send writes one line; a write that fails means the server is gone.
func (r *rawMCP) send(line string) {
	r.t.Helper()
	if _, err := io.WriteString(r.in, line+"\n"); err != nil {
		r.t.Fatalf("writing %d bytes to shannot-mcp: %v (the server is gone)", len(line), err)
	}
}

// receive reads the next response, waiting at most a minute.
func (r *rawMCP) receive() rawResponse {
	r.t.Helper()
	select {
	case line, ok := <-r.lines:
		if !ok {
			r.t.Fatal("shannot-mcp closed its stdout: the session ended")
		}
		var resp rawResponse
		if err := json.Unmarshal(line, &resp); err != nil {
			r.t.Fatalf("response %q: %v", line, err)
		}
		return resp
	case <-time.After(time.Minute):
		r.t.Fatal("no response from shannot-mcp in a minute")
	}
	return rawResponse{}
}

// TestMCPBadFrameKeepsTheSession: a 20 MiB line and a 100,000-deep one
// each get a JSON-RPC error, and the session goes on serving calls.
func TestMCPBadFrameKeepsTheSession(t *testing.T) {
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			r := startRawMCP(t, id, "--profile", writeProfile(t, open()))
			r.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
			if resp := r.receive(); resp.Error != nil || string(resp.ID) != "1" {
				t.Fatalf("initialize: %+v", resp)
			}
			r.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
			for _, bad := range []struct {
				name, frame string
				code        int
				msg         string
			}{
				{"20 MiB", `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"run_command","arguments":{"command":["cat"],"stdin":"` +
					strings.Repeat("x", 20<<20) + `"}}}`, -32600, "request too large"},
				{"100,000 deep", strings.Repeat("[", 100000), -32700, "nests deeper than"},
			} {
				r.send(bad.frame)
				resp := r.receive()
				if resp.Error == nil || resp.Error.Code != bad.code || string(resp.ID) != "null" || !strings.Contains(resp.Error.Message, bad.msg) {
					t.Errorf("%s: %s %s; want error %d with id null, %q", bad.name, resp.ID, resp.Result, bad.code, bad.msg)
				}
			}
			r.send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"run_command","arguments":{"command":["ls","/"]}}}`)
			resp := r.receive()
			var result struct {
				IsError    bool   `json:"isError"`
				Structured report `json:"structuredContent"`
			}
			json.Unmarshal(resp.Result, &result)
			if resp.Error != nil || string(resp.ID) != "3" || result.IsError || result.Structured.ExitCode != 0 || !strings.Contains(result.Structured.Stdout, "usr") {
				t.Errorf("the call after the bad frames: id %s, %+v, %s", resp.ID, resp.Error, resp.Result)
			}
		})
	}
}

// "shannot mcp" still serves: shannot execs the shannot-mcp beside it,
// which then is the process the client talks to, with its exit status.
func TestShannotMCPExecsTheServer(t *testing.T) {
	id := identities(t)[0]
	cmd := id.cmd(opts{}, "mcp", "--profile", writeProfile(t, open()))
	s := connect(t, cmd)
	if _, rep := call(t, s, "run_command", map[string]any{"command": []string{"echo", "through shannot"}}); rep.ExitCode != 0 || rep.Stdout != "through shannot\n" {
		t.Errorf("run_command through shannot mcp: %+v", rep)
	}
	// The same process, now shannot-mcp: exec, not a child.
	if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", cmd.Process.Pid)); err != nil || exe != shannotMCP {
		t.Errorf("shannot mcp's process runs %q (%v), want %s", exe, err, shannotMCP)
	}
	if r := id.run(t, opts{}, "mcp", "--version"); r.code != 0 || !strings.HasPrefix(r.stdout, "shannot-mcp ") {
		t.Errorf("shannot mcp --version: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	// The global flags before mcp reach the server.
	if r := id.run(t, opts{}, "--profile", "nosuch", "mcp"); r.code != 125 || !strings.HasPrefix(r.stderr, "shannot-mcp: ") || !strings.Contains(r.stderr, "nosuch") {
		t.Errorf("shannot --profile nosuch mcp: exit %d, %q", r.code, r.stderr)
	}
}

// Without shannot-mcp anywhere it is looked for, shannot mcp says so in
// one line and exits 125.
func TestShannotMCPMissing(t *testing.T) {
	id := identities(t)[0]
	for _, d := range []string{"/usr/local/libexec/shannot", "/usr/libexec/shannot", "/usr/lib/shannot", "/usr/local/bin", "/usr/bin"} {
		_, err := os.Stat(filepath.Join(d, "shannot-mcp"))
		need(t, err != nil, "a shannot-mcp is installed in "+d+" on this host")
	}
	lone := filepath.Join(mkdir(t, "lone"), "shannot")
	if err := copyFile(shannot, lone, 0o755); err != nil {
		t.Fatal(err)
	}
	c := id.cmdOf(lone, opts{}, "mcp")
	var stdout, stderr strings.Builder
	c.Stdout, c.Stderr = &stdout, &stderr
	c.Run()
	want := "shannot: shannot-mcp not found in " + filepath.Dir(lone) + "/shannot-mcp"
	if c.ProcessState.ExitCode() != 125 || stdout.String() != "" || strings.Count(stderr.String(), "\n") != 1 ||
		!strings.HasPrefix(stderr.String(), want) || !strings.Contains(stderr.String(), "or run make install") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 125 and one line starting %q", c.ProcessState.ExitCode(), stdout.String(), stderr.String(), want)
	}
}

// Under sudo, shannot runs no shannot-mcp that the caller could have put
// where it looks: not one in the caller's PATH, not one in a directory
// the caller can write (here PREFIX/libexec/shannot of a root-owned
// shannot). The same shannot run by the caller does take the latter, so
// the test can fail.
func TestSudoShannotMCPIsNeverTheCallers(t *testing.T) {
	setUpSudo(t)
	prefix := sudoPrefix + "/lone"
	for _, d := range []string{prefix, prefix + "/bin", prefix + "/libexec", prefix + "/libexec/shannot"} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.RemoveAll(prefix) })
	bin := prefix + "/bin/shannot"
	if err := copyFile(shannot, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	proof := mkdir(t, "planted")
	os.Chmod(proof, 0o777)
	plant := func(dir string) {
		t.Helper()
		script := fmt.Sprintf("#!/bin/sh\nid -u > %s/ran-$(basename $(dirname $0))\necho PLANTED\n", proof)
		if err := os.WriteFile(filepath.Join(dir, "shannot-mcp"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(filepath.Join(dir, "shannot-mcp"), int(sudoUser.cred.Uid), -1); err != nil {
			t.Fatal(err)
		}
	}
	pathDir := filepath.Join(sudoUser.home, "bin-"+filepath.Base(proof))
	if err := os.Mkdir(pathDir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(pathDir) })
	os.Chown(pathDir, int(sudoUser.cred.Uid), -1)
	plant(pathDir)
	libexec := prefix + "/libexec/shannot"
	os.Chown(libexec, int(sudoUser.cred.Uid), -1) // the caller's to write
	plant(libexec)
	path := "PATH=" + pathDir + ":/usr/bin:/bin"

	c := exec.Command("sudo", "-n", path, bin, "mcp", "--version")
	c.Env = []string{path, "HOME=" + sudoUser.home}
	c.Dir = sudoUser.home
	c.SysProcAttr = &syscall.SysProcAttr{Credential: sudoUser.cred}
	var stdout, stderr strings.Builder
	c.Stdout, c.Stderr = &stdout, &stderr
	c.Run()
	if ran, _ := filepath.Glob(proof + "/ran-*"); len(ran) != 0 || strings.Contains(stdout.String(), "PLANTED") {
		t.Fatalf("under sudo, shannot ran the caller's shannot-mcp: %v, stdout %q", ran, stdout.String())
	}
	installed := false
	for _, d := range []string{"/usr/local/libexec/shannot", "/usr/libexec/shannot", "/usr/lib/shannot", "/usr/local/bin", "/usr/bin"} {
		if _, err := os.Stat(filepath.Join(d, "shannot-mcp")); err == nil {
			installed = true
		}
	}
	want := "refused " + libexec + "/shannot-mcp is not trusted: " + libexec + " is owned by uid"
	if !installed && (c.ProcessState.ExitCode() != 125 || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), want)) {
		t.Errorf("sudo shannot mcp: exit %d, stderr %q; want 125 and one line with %q", c.ProcessState.ExitCode(), stderr.String(), want)
	}

	// The caller's own run takes the file in the caller's directory.
	own := sudoUser.cmdOf(bin, opts{}, "mcp", "--version")
	own.Env = []string{path, "HOME=" + sudoUser.home}
	out, err := own.Output()
	if ran, _ := filepath.Glob(proof + "/ran-shannot"); err != nil || len(ran) != 1 || !strings.Contains(string(out), "PLANTED") {
		t.Errorf("the caller's own shannot mcp: %v, %q, proof %v; want the planted one in %s run", err, out, ran, libexec)
	}
}
