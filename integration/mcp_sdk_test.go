//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// hostViewProfile is the shipped profile whose sandbox sees the host's
// file systems (issue 12's host view): disk_usage run there must agree
// with the host's own df.
const hostViewProfile = "diagnostics"

var twelvePrompts = []string{"analyze-logs", "analyze-service-logs", "check-kernel-logs", "check-service-resources", "check-service-status",
	"discover-failed-services", "disk-usage-audit", "investigate-performance", "list-running-services", "monitor-processes",
	"monitor-service-health", "system-health-check"}

var (
	sdkOnce sync.Once
	sdkDir  string
	sdkErr  string
)

// sdkClient installs the TypeScript client (integration/testdata/mcp-sdk,
// its versions pinned by package-lock.json) into a directory of the
// test's with npm ci, once per run, and returns that directory.
func sdkClient(t *testing.T) string {
	t.Helper()
	_, err := exec.LookPath("node")
	need(t, err == nil, "node not installed (apt-get install nodejs npm)")
	_, err = exec.LookPath("npm")
	need(t, err == nil, "npm not installed (apt-get install npm)")
	sdkOnce.Do(func() {
		dir, err := os.MkdirTemp(work, "mcp-sdk-")
		if err == nil {
			err = os.Chmod(dir, 0o755)
		}
		for _, f := range []string{"package.json", "package-lock.json", "e2e.mjs"} {
			if err == nil {
				err = copyFile(filepath.Join("testdata", "mcp-sdk", f), filepath.Join(dir, f), 0o644)
			}
		}
		if err != nil {
			sdkErr = err.Error()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		c := exec.CommandContext(ctx, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
		c.Dir = dir
		c.Env = append(os.Environ(), "npm_config_update_notifier=false")
		if out, err := c.CombinedOutput(); err != nil {
			sdkErr = "npm ci: " + err.Error() + "\n" + string(out)
			return
		}
		sdkDir = dir
	})
	if sdkErr != "" {
		t.Fatalf("installing the MCP TypeScript SDK: %s", sdkErr)
	}
	return sdkDir
}

// sdkReport is what e2e.mjs prints.
type sdkReport struct {
	Server struct{ Name, Version string }
	Tools  []struct {
		Name            string
		HasOutputSchema bool
	}
	Prompts []struct {
		Name      string
		Arguments []string
	}
	GotPrompts []struct {
		Name        string
		Text, Error string
	}
	Templates []string
	Resources []struct {
		URI, MimeType string
		Contents      []struct {
			URI, MimeType, Text string
			JSON                json.RawMessage
			JSONError           string
		}
	}
	Calls []sdkCall
}

type sdkCall struct {
	Name         string
	Arguments    map[string]any
	IsError      bool
	Text         string
	Structured   json.RawMessage
	SchemaValid  *bool
	SchemaErrors []any
	Thrown       string
}

// runSDK runs e2e.mjs as id with a plan and returns its report.
func runSDK(t *testing.T, id identity, plan map[string]any) sdkReport {
	t.Helper()
	dir := sdkClient(t)
	f := filepath.Join(mkdir(t, "plan"), "plan.json")
	data, _ := json.Marshal(plan)
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, "node", filepath.Join(dir, "e2e.mjs"), f)
	c.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME=" + id.home}
	c.Dir = work
	if id.cred != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: id.cred}
	}
	var errOut strings.Builder
	c.Stderr = &errOut
	out, err := c.Output()
	if err != nil {
		t.Fatalf("node e2e.mjs: %v\n%s", err, errOut.String())
	}
	var rep sdkReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("e2e.mjs's report: %v\n%s\n%s", err, out, errOut.String())
	}
	return rep
}

// The MCP server through the official TypeScript SDK's client: prompts,
// resources, and every structured tool's result against its declared
// output schema (ajv), as a Node client sees them.
func TestMCPThroughTheTypeScriptSDK(t *testing.T) {
	needBwrap(t)
	data := mkdir(t, "grep")
	os.WriteFile(filepath.Join(data, "a.txt"), []byte("first line\nrun it with --version to see\n"), 0o644)
	os.WriteFile(filepath.Join(data, "b.txt"), []byte("nothing here\n"), 0o644)
	openProfile := writeProfile(t, open(`{"source": "`+data+`", "target": "/data"}`))
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			hostView, journal := hostViewProfile, "systemd" // the host view, for root and users alike
			calls := []map[string]any{
				{"name": "disk_usage", "arguments": map[string]any{"profile": hostView}},
				{"name": "memory", "arguments": map[string]any{"profile": hostView}},
				{"name": "processes", "arguments": map[string]any{"profile": hostView, "sort_by": "rss", "limit": 5}},
				{"name": "search_files", "arguments": map[string]any{"profile": "open", "root": "/data", "name": "*.txt"}},
				{"name": "grep_content", "arguments": map[string]any{"profile": "open", "pattern": "--version", "path": "/data", "fixed": true}},
				{"name": "grep_content", "arguments": map[string]any{"profile": "open", "pattern": "--version", "path": "/data"}},
				{"name": "journal", "arguments": map[string]any{"profile": journal, "lines": 5}},
				{"name": "run_command", "arguments": map[string]any{"profile": "minimal", "command": []string{"ls", "/"}}},
				{"name": "list_profiles", "arguments": map[string]any{}},
			}
			prompts := []map[string]any{
				{"name": "check-service-status", "arguments": map[string]string{"service": "ssh"}},
				{"name": "disk-usage-audit", "arguments": map[string]string{"path": "/var/log", "threshold": "75"}},
				{"name": "check-service-status"},
			}
			rep := runSDK(t, id, map[string]any{"command": shannotMCP,
				"args":  []string{"--profile", openProfile, "--profile", "minimal", "--profile", "diagnostics", "--profile", "systemd"},
				"calls": calls, "prompts": prompts})
			// df on the host, right after disk_usage ran: only used and
			// available may have moved (other processes write).
			hostDF := hostDFRoot(t)

			if rep.Server.Name != "shannot" {
				t.Errorf("server: %+v", rep.Server)
			}
			var names []string
			for _, p := range rep.Prompts {
				names = append(names, p.Name)
			}
			slices.Sort(names)
			if !slices.Equal(names, twelvePrompts) {
				t.Errorf("listPrompts: %v\nwant %v", names, twelvePrompts)
			}
			if g := rep.GotPrompts; len(g) != 3 || !strings.Contains(g[0].Text, "Check the status of ssh.service") ||
				!strings.Contains(g[0].Text, `"unit":"ssh.service"`) || !strings.Contains(g[1].Text, "above 75%") ||
				!strings.Contains(g[1].Text, `"--threshold=100M","--","/var/log"`) || !strings.Contains(g[2].Error, `needs the argument "service"`) {
				t.Errorf("getPrompt: %+v", g)
			}

			if !slices.Equal(rep.Templates, []string{"shannot://profiles/{name}"}) {
				t.Errorf("resource templates: %v", rep.Templates)
			}
			var uris []string
			for _, r := range rep.Resources {
				uris = append(uris, r.URI)
				for _, c := range r.Contents {
					if c.JSONError != "" || c.MimeType != "application/json" {
						t.Errorf("readResource %s: %s is not valid JSON (%v, %s):\n%s", r.URI, c.URI, c.JSONError, c.MimeType, c.Text)
					}
				}
				if r.URI == "shannot://profiles/diagnostics" {
					exported := id.run(t, opts{}, "--profile", "diagnostics", "export")
					if exported.code != 0 || len(r.Contents) != 2 || r.Contents[0].Text != exported.stdout {
						t.Errorf("shannot://profiles/diagnostics is not what export prints:\n%s\nexport:\n%s", r.Contents[0].Text, exported.stdout)
					}
					var policy struct {
						DefaultAction string `json:"default_action"`
						Denies        []struct{ Syscalls []string }
					}
					if len(r.Contents) == 2 && (json.Unmarshal(r.Contents[1].JSON, &policy) != nil || !strings.HasPrefix(policy.DefaultAction, "SCMP_ACT_") || len(policy.Denies) == 0) {
						t.Errorf("diagnostics' policy summary: %s", r.Contents[1].Text)
					}
				}
			}
			slices.Sort(uris)
			if want := []string{"shannot://profiles", "shannot://profiles/diagnostics", "shannot://profiles/minimal", "shannot://profiles/open", "shannot://profiles/systemd"}; !slices.Equal(uris, want) {
				t.Errorf("listResources: %v\nwant %v", uris, want)
			}

			structured := map[string]bool{}
			for _, tool := range rep.Tools {
				structured[tool.Name] = tool.HasOutputSchema
			}
			for i, c := range rep.Calls {
				if valid := c.SchemaValid != nil && *c.SchemaValid; !structured[c.Name] || c.Thrown != "" || c.IsError || !valid {
					t.Errorf("call %d %s %v: output schema %v, thrown %q, error %v, valid %v %v\n%s", i, c.Name, c.Arguments, structured[c.Name], c.Thrown,
						c.IsError, valid, c.SchemaErrors, c.Text)
				}
			}
			if len(rep.Calls) != len(calls) {
				t.Fatalf("%d calls reported, %d made", len(rep.Calls), len(calls))
			}

			// disk_usage's / is the host's /.
			var du struct {
				Filesystems []struct {
					Source         string `json:"source"`
					SizeBytes      int64  `json:"size_bytes"`
					UsedBytes      int64  `json:"used_bytes"`
					AvailableBytes int64  `json:"available_bytes"`
					MountPoint     string `json:"mount_point"`
				} `json:"filesystems"`
			}
			json.Unmarshal(rep.Calls[0].Structured, &du)
			i := slices.IndexFunc(du.Filesystems, func(f struct {
				Source         string `json:"source"`
				SizeBytes      int64  `json:"size_bytes"`
				UsedBytes      int64  `json:"used_bytes"`
				AvailableBytes int64  `json:"available_bytes"`
				MountPoint     string `json:"mount_point"`
			}) bool {
				return f.MountPoint == "/"
			})
			switch {
			case hostView != hostViewProfile:
			case i < 0:
				t.Errorf("disk_usage in %s has no /:\n%s", hostViewProfile, rep.Calls[0].Text)
			default:
				root := du.Filesystems[i]
				if root.Source == hostDF.source && root.SizeBytes == hostDF.size && near(root.UsedBytes, hostDF.used, hostDF.size) &&
					near(root.AvailableBytes, hostDF.avail, hostDF.size) {
					break
				}
				t.Errorf("disk_usage's / in profile %s is not the host's (the host view, issue 12):\n  sandbox: %s, %d bytes, %d used, %d available\n  host df -k /: %s, %d bytes, %d used, %d available",
					hostViewProfile, root.Source, root.SizeBytes, root.UsedBytes, root.AvailableBytes, hostDF.source, hostDF.size, hostDF.used, hostDF.avail)
			}
			if hostView == hostViewProfile {
				t.Logf("disk_usage in %s, its first file system: %s", hostViewProfile, strings.Split(rep.Calls[0].Text, "\n")[1])
			}

			var found struct {
				Files []struct{ Path string }
			}
			if json.Unmarshal(rep.Calls[3].Structured, &found); len(found.Files) != 2 {
				t.Errorf("search_files *.txt under /data: %s", rep.Calls[3].Structured)
			}
			// grep_content with the pattern --version searches for that
			// string, fixed or as a regular expression; grep's own
			// --version would print "grep (GNU grep) ...".
			for _, c := range rep.Calls[4:6] {
				var g struct {
					Matches []struct {
						Path string
						Line int
						Text string
					}
				}
				json.Unmarshal(c.Structured, &g)
				if len(g.Matches) != 1 || g.Matches[0].Path != "/data/a.txt" || g.Matches[0].Line != 2 || g.Matches[0].Text != "run it with --version to see" ||
					strings.Contains(c.Text, "GNU grep") {
					t.Errorf("grep_content --version %v: %s\n%s", c.Arguments, c.Structured, c.Text)
				}
			}
		})
	}
}

// near is whether two byte counts of a busy file system agree: within
// 1% of its size.
func near(a, b, size int64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= size/100
}

type hostRootFS struct {
	source            string
	size, used, avail int64
}

// hostDFRoot is the host's `df -k /`.
func hostDFRoot(t *testing.T) hostRootFS {
	t.Helper()
	out, err := exec.Command("df", "-k", "/").Output()
	if err != nil {
		t.Fatalf("df -k /: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(lines) != 2 || len(f) != 6 || f[5] != "/" {
		t.Fatalf("df -k /: %q", out)
	}
	n := func(s string) int64 {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("df -k /: %q is not a number", s)
		}
		return v * 1024
	}
	return hostRootFS{source: f[0], size: n(f[1]), used: n(f[2]), avail: n(f[3])}
}
