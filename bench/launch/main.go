// Command launch measures what a sandboxed launch costs: raw bwrap with
// the argv `shannot run --dry-run` prints, a minimal Go launcher
// (bench/golaunch) running that argv, and shannot itself, without a
// filter, with a precompiled .bpf filter and with an OCI JSON policy
// (cached, and compiled afresh every time). Variants run alternately,
// round after round, so that a noisy machine slows them all alike; it
// prints medians and the ratios docs/performance.md reports.
//
//	go run ./bench/launch -shannot bin/shannot -golaunch bin/golaunch -n 200
//	go run ./bench/launch -mcp ...   # MCP latency and memory instead
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

var (
	shannot  = flag.String("shannot", "bin/shannot", "the shannot binary")
	golaunch = flag.String("golaunch", "bin/golaunch", "the minimal Go launcher")
	rounds   = flag.Int("n", 200, "launches of each variant")
	mcpMode  = flag.Bool("mcp", false, "measure the MCP server instead")
)

// variant is one way of launching `ls /` in the same sandbox.
type variant struct {
	name    string
	argv    []string
	filter  string // opened on descriptor 3, for raw bwrap and golaunch
	prepare func() // run before each launch, untimed
	times   []time.Duration
}

func main() {
	flag.Parse()
	if *mcpMode {
		benchMCP()
		return
	}
	dir, err := os.MkdirTemp("", "shannot-bench-")
	check(err)
	defer os.RemoveAll(dir)

	// The same profile three ways: no filter, a .bpf file, a JSON policy.
	minimal := export("minimal")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		check(os.WriteFile(p, []byte(body), 0o644))
		return p
	}
	plain := write("plain.json", minimal)
	bpf := filepath.Join(dir, "readonly.bpf")
	run(*shannot, "seccomp", "compile", "readonly", bpf)
	policy, err := os.ReadFile("profiles/seccomp/readonly.json") // the shipped policy's own bytes
	check(err)
	write("readonly.json", string(policy))
	withBPF := write("bpf.json", strings.Replace(minimal, `"seccomp_profile": null`, `"seccomp_profile": "readonly.bpf"`, 1))
	withJSON := write("json.json", strings.Replace(minimal, `"seccomp_profile": null`, `"seccomp_profile": "readonly.json"`, 1))

	bwrapArgv := dryRun(plain)
	bwrapBPFArgv := dryRun(withBPF)
	cache := cacheDir()
	clearCache := func() {
		entries, _ := filepath.Glob(filepath.Join(cache, "*.bpf"))
		for _, e := range entries {
			os.Remove(e)
		}
	}
	variants := []*variant{
		{name: "bwrap", argv: bwrapArgv},
		{name: "golaunch exec", argv: append([]string{*golaunch, "exec"}, bwrapArgv...)},
		{name: "golaunch spawn", argv: append([]string{*golaunch, "spawn"}, bwrapArgv...)},
		{name: "shannot run", argv: []string{*shannot, "--profile", plain, "run", "ls", "/"}},
		{name: "bwrap + .bpf", argv: bwrapBPFArgv, filter: bpf},
		{name: "golaunch spawn + .bpf", argv: append([]string{*golaunch, "spawn", "3<" + bpf}, bwrapBPFArgv...)},
		{name: "shannot run + .bpf", argv: []string{*shannot, "--profile", withBPF, "run", "ls", "/"}},
		{name: "shannot run + JSON (cached)", argv: []string{*shannot, "--profile", withJSON, "run", "ls", "/"}},
		{name: "shannot run + JSON (uncached)", argv: []string{*shannot, "--profile", withJSON, "run", "ls", "/"}, prepare: clearCache},
	}
	// Warm up: caches, page cache, the cached policy.
	for _, v := range variants {
		for i := 0; i < 5; i++ {
			launch(v)
		}
	}
	for _, v := range variants {
		v.times = nil
	}
	for r := 0; r < *rounds; r++ {
		for _, v := range variants {
			v.times = append(v.times, launch(v))
		}
	}
	report(variants)
}

func launch(v *variant) time.Duration {
	if v.prepare != nil {
		v.prepare()
	}
	cmd := exec.Command(v.argv[0], v.argv[1:]...)
	if v.filter != "" {
		f, err := os.Open(v.filter)
		check(err)
		defer f.Close()
		cmd.ExtraFiles = []*os.File{f}
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil || !strings.Contains(string(out), "usr") {
		fmt.Fprintf(os.Stderr, "%s: %v\n%s\n", v.name, err, out)
		os.Exit(1)
	}
	return d
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

func report(vs []*variant) {
	med := map[string]time.Duration{}
	for _, v := range vs {
		med[v.name] = median(v.times)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "variant\tmedian\tp10\tp90\t/ bwrap\t/ golaunch spawn\n")
	for _, v := range vs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%.2f\t%.2f\n", v.name, ms(med[v.name]), ms(quantile(v.times, 0.1)), ms(quantile(v.times, 0.9)),
			ratio(med[v.name], med["bwrap"]), ratio(med[v.name], med["golaunch spawn"]))
	}
	w.Flush()
	fmt.Printf("\n%d launches of each, alternating; %s\n", *rounds, machine())
	fmt.Printf("targets: shannot run / golaunch spawn = %.3f (<= 1.05); JSON cached / .bpf = %.3f (<= 1.05)\n",
		ratio(med["shannot run"], med["golaunch spawn"]), ratio(med["shannot run + JSON (cached)"], med["shannot run + .bpf"]))
	fmt.Printf("shannot's own cost over golaunch spawn: %s (no filter), %s (.bpf), %s (JSON cached)\n",
		ms(med["shannot run"]-med["golaunch spawn"]), ms(med["shannot run + .bpf"]-med["golaunch spawn + .bpf"]),
		ms(med["shannot run + JSON (cached)"]-med["golaunch spawn + .bpf"]))
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + " ms" }

func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%s, %d cores, kernel %s, uid %d", cpu, numCPU(), strings.TrimSpace(string(kernel)), os.Getuid())
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

func export(name string) string {
	return run(*shannot, "--profile", name, "export")
}

// dryRun returns the bwrap argv shannot prints for a profile, without
// the filter's redirection.
func dryRun(profile string) []string {
	line := strings.TrimSpace(run(*shannot, "--profile", profile, "run", "--dry-run", "ls", "/"))
	line, _, _ = strings.Cut(line, " 3< ")
	// The dry run quotes for a shell; these profiles need no quoting.
	if strings.ContainsAny(line, `'"\`) {
		fmt.Fprintf(os.Stderr, "unexpected quoting in %s\n", line)
		os.Exit(1)
	}
	return strings.Fields(line)
}

func cacheDir() string {
	if os.Geteuid() == 0 {
		return "/var/cache/shannot/seccomp"
	}
	d, err := os.UserCacheDir()
	check(err)
	return filepath.Join(d, "shannot", "seccomp")
}

func run(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s %v: %v\n", name, args, err)
		os.Exit(1)
	}
	return string(out)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
