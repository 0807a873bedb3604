// Command launch measures, in one run, what a sandboxed launch costs and
// prints the ratios docs/performance.md reports (issue 14):
//
//   - shannot run against a minimal Go program that only execs the same
//     bwrap argv (bench/golaunch exec; spawn, which also waits as shannot
//     does, and fork, which does so through syscall.ForkExec as shannot
//     does, beside it), for a profile file, the built-in readonly profile
//     (whose policy is precompiled) and a JSON policy from the cache;
//   - shannot run against raw bwrap with that argv, and Debian's firejail
//     (--quiet --noprofile --read-only=/ --net=none --private-tmp) beside
//     them;
//   - a run_command call through shannot-mcp against raw bwrap;
//   - optionally the shannot of before (-before), in the same rounds;
//   - the binaries' sizes and their package initialisation
//     (GODEBUG=inittrace=1), then the MCP server's memory while a command
//     streams 1 GiB.
//
// Variants run alternately, round after round, so that a noisy machine
// slows them all alike; medians are compared.
//
//	go run ./bench/launch -shannot bin/shannot -mcp bin/shannot-mcp -golaunch bin/golaunch -n 200
package main

import (
	"bytes"
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
	mcpBin   = flag.String("mcp", "bin/shannot-mcp", "the MCP server binary (empty: skip the MCP rows)")
	golaunch = flag.String("golaunch", "bin/golaunch", "the minimal Go launcher")
	before   = flag.String("before", "", "an earlier shannot to measure in the same rounds")
	rounds   = flag.Int("n", 200, "launches of each variant")
	memory   = flag.Bool("memory", true, "measure the MCP server's memory while it streams 1 GiB")
	mcpOnly  = flag.Bool("mcp-only", false, "run only raw bwrap and the MCP rows (quicker iterations on the server)")
	mcpPrev  = flag.String("mcp-before", "", "an earlier shannot-mcp to measure in the same rounds")
)

// variant is one way of launching the same command in a sandbox.
type variant struct {
	name    string
	argv    []string
	filter  string   // opened on descriptor 3, for raw bwrap
	env     []string // added to the environment
	prepare func()   // run before each launch, untimed
	call    func() time.Duration
	times   []time.Duration
}

// command is what every variant runs: as close to `true` as every
// profile allows (the built-in ones allow cat, not true).
var command = []string{"cat", "/dev/null"}

func main() {
	flag.Parse()
	dir, err := os.MkdirTemp("", "shannot-bench-")
	check(err)
	defer os.RemoveAll(dir)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		check(os.WriteFile(p, []byte(body), 0o644))
		return p
	}
	// A profile file: minimal, any command allowed.
	open := openProfile(export("minimal"))
	plain := write("open.json", open)
	// The same with the readonly policy as OCI JSON (from the cache) and
	// as a .bpf file.
	policy, err := os.ReadFile("profiles/seccomp/readonly.json")
	check(err)
	write("readonly.json", string(policy))
	bpf := filepath.Join(dir, "readonly.bpf")
	run(*shannot, "seccomp", "compile", "readonly", bpf)
	withJSON := write("json.json", strings.Replace(open, `"seccomp_profile": null`, `"seccomp_profile": "readonly.json"`, 1))
	withBPF := write("bpf.json", strings.Replace(open, `"seccomp_profile": null`, `"seccomp_profile": "readonly.bpf"`, 1))

	plainArgv := dryRun(plain)
	bpfArgv := dryRun(withBPF)
	jsonArgv := dryRun(withJSON)
	builtinArgv := dryRun("readonly")
	// The uncached launches and the shannot of before each get a cache
	// of their own ($XDG_CACHE_HOME), so that clearing one before each
	// uncached launch leaves the others' cached. (As root the cache is
	// /var/cache/shannot/seccomp whatever the environment: run the bench
	// as an ordinary user.)
	if os.Geteuid() == 0 {
		fmt.Println("running as root: the caches are shared, so the cached rows of -before may be compiles")
	}
	uncachedHome, beforeHome := filepath.Join(dir, "uncached-cache"), filepath.Join(dir, "before-cache")
	clearCache := func() { check(os.RemoveAll(uncachedHome)) }
	shannotRun := func(bin, profile string) []string {
		return append([]string{bin, "--profile", profile, "run", "--"}, command...)
	}
	golaunchExec := func(argv []string, filter bool) []string {
		a := []string{*golaunch, "exec"}
		if filter {
			a = append(a, "3<"+bpf)
		}
		return append(a, argv...)
	}
	golaunchSpawn := func(argv []string) []string { return append([]string{*golaunch, "spawn"}, argv...) }
	golaunchFork := func(argv []string, filter bool) []string {
		a := []string{*golaunch, "fork"}
		if filter {
			a = append(a, "3<"+bpf)
		}
		return append(a, argv...)
	}
	variants := []*variant{
		{name: "bwrap", argv: plainArgv},
		{name: "golaunch exec", argv: golaunchExec(plainArgv, false)},
		{name: "golaunch spawn", argv: golaunchSpawn(plainArgv)},
		{name: "golaunch fork", argv: golaunchFork(plainArgv, false)},
		{name: "shannot run, profile file", argv: shannotRun(*shannot, plain)},
		{name: "bwrap + filter", argv: builtinArgv, filter: bpf},
		{name: "golaunch exec, builtin argv + filter", argv: golaunchExec(builtinArgv, true)},
		{name: "golaunch fork, builtin argv + filter", argv: golaunchFork(builtinArgv, true)},
		{name: "shannot run, builtin readonly", argv: shannotRun(*shannot, "readonly")},
		{name: "golaunch exec, file argv + filter", argv: golaunchExec(jsonArgv, true)},
		{name: "shannot run, JSON policy (cached)", argv: shannotRun(*shannot, withJSON)},
		{name: "shannot run, .bpf file", argv: shannotRun(*shannot, withBPF)},
		{name: "shannot run, JSON policy (uncached)", argv: shannotRun(*shannot, withJSON), prepare: clearCache, env: []string{"XDG_CACHE_HOME=" + uncachedHome}},
	}
	if slices.Compare(bpfArgv, jsonArgv) != 0 {
		fmt.Fprintf(os.Stderr, "the .bpf and JSON profiles give different argv:\n%v\n%v\n", bpfArgv, jsonArgv)
		os.Exit(1)
	}
	if *before != "" {
		env := []string{"XDG_CACHE_HOME=" + beforeHome}
		variants = append(variants,
			&variant{name: "before: shannot run, profile file", argv: shannotRun(*before, plain), env: env},
			&variant{name: "before: shannot run, builtin readonly", argv: shannotRun(*before, "readonly"), env: env},
			&variant{name: "before: shannot run, JSON policy (cached)", argv: shannotRun(*before, withJSON), env: env})
	}
	firejail, err := exec.LookPath("firejail")
	if err == nil {
		variants = append(variants, &variant{name: "firejail", argv: []string{firejail, "--quiet", "--noprofile", "--read-only=/", "--net=none", "--private-tmp", "true"}})
	} else {
		fmt.Println("firejail not found: its row is left out (make bench installs it as root)")
	}
	if *mcpOnly {
		variants = variants[:1] // raw bwrap
	}
	var stops []func()
	if *mcpBin != "" {
		call, stop := mcpSession(*mcpBin, plain)
		stops = append(stops, stop)
		variants = append(variants, &variant{name: "shannot-mcp run_command", call: call})
	}
	if *mcpPrev != "" {
		call, stop := mcpSession(*mcpPrev, plain)
		stops = append(stops, stop)
		variants = append(variants, &variant{name: "before: shannot-mcp run_command", call: call})
	}

	// Warm up: caches, page cache, the cached policy.
	for _, v := range variants {
		for i := 0; i < 5; i++ {
			launch(v)
		}
		v.times = nil
	}
	for r := 0; r < *rounds; r++ {
		for _, v := range variants {
			v.times = append(v.times, launch(v))
		}
	}
	report(variants)
	if !*mcpOnly {
		sizes()
	}
	if *mcpBin != "" && *memory {
		mcpMemory(*mcpBin, dir)
	}
	for _, stop := range stops {
		stop()
	}
	fmt.Println(machine())
}

// openProfile lets a profile run any command.
func openProfile(p string) string {
	i := strings.Index(p, `"allowed_commands": [`)
	j := strings.Index(p[i:], "]")
	if i < 0 || j < 0 {
		fmt.Fprintln(os.Stderr, "no allowed_commands in the exported profile")
		os.Exit(1)
	}
	return p[:i] + `"allowed_commands": []` + p[i+j+1:]
}

func launch(v *variant) time.Duration {
	if v.prepare != nil {
		v.prepare()
	}
	if v.call != nil {
		return v.call()
	}
	cmd := exec.Command(v.argv[0], v.argv[1:]...)
	if v.env != nil {
		cmd.Env = append(os.Environ(), v.env...)
	}
	if v.filter != "" {
		f, err := os.Open(v.filter)
		check(err)
		defer f.Close()
		cmd.ExtraFiles = []*os.File{f}
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n%s\n", v.name, err, out)
		os.Exit(1)
	}
	return d
}

func median(ds []time.Duration) time.Duration { return quantile(ds, 0.5) }

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
	fmt.Printf("| variant | median | p10 | p90 | / bwrap |\n| --- | --- | --- | --- | --- |\n")
	for _, v := range vs {
		fmt.Printf("| %s | %s | %.2f | %.2f | %.2f |\n", v.name, ms(med[v.name]), msf(quantile(v.times, 0.1)), msf(quantile(v.times, 0.9)), ratio(med[v.name], med["bwrap"]))
	}
	fmt.Printf("\n%d launches of each, alternating; the command: %s\n\n", *rounds, strings.Join(command, " "))
	type row struct{ what, num, den, target string }
	rows := []row{
		{"profile file / golaunch exec", "shannot run, profile file", "golaunch exec", "<= 1.05"},
		{"profile file / golaunch spawn", "shannot run, profile file", "golaunch spawn", ""},
		{"profile file / golaunch fork", "shannot run, profile file", "golaunch fork", "parent's floor"},
		{"builtin readonly / golaunch fork + filter", "shannot run, builtin readonly", "golaunch fork, builtin argv + filter", "parent's floor"},
		{"golaunch fork / golaunch exec", "golaunch fork", "golaunch exec", "a parent's cost"},
		{"builtin readonly / golaunch exec + filter", "shannot run, builtin readonly", "golaunch exec, builtin argv + filter", "<= 1.05"},
		{"JSON policy (cached) / golaunch exec + filter", "shannot run, JSON policy (cached)", "golaunch exec, file argv + filter", "<= 1.05"},
		{"JSON policy (cached) / .bpf file", "shannot run, JSON policy (cached)", "shannot run, .bpf file", ""},
		{"profile file / raw bwrap", "shannot run, profile file", "bwrap", "report"},
		{"builtin readonly / raw bwrap + filter", "shannot run, builtin readonly", "bwrap + filter", "report"},
		{"golaunch exec / raw bwrap", "golaunch exec", "bwrap", "Go's start"},
		{"firejail / raw bwrap", "firejail", "bwrap", "peer"},
		{"shannot-mcp run_command / raw bwrap", "shannot-mcp run_command", "bwrap", "<= 1.10"},
		{"before: shannot-mcp run_command / raw bwrap", "before: shannot-mcp run_command", "bwrap", ""},
		{"before: profile file / golaunch exec", "before: shannot run, profile file", "golaunch exec", ""},
		{"before: builtin readonly / golaunch exec + filter", "before: shannot run, builtin readonly", "golaunch exec, builtin argv + filter", ""},
		{"before: JSON policy (cached) / golaunch exec + filter", "before: shannot run, JSON policy (cached)", "golaunch exec, file argv + filter", ""},
	}
	fmt.Printf("| ratio of medians | value | target |\n| --- | --- | --- |\n")
	for _, r := range rows {
		n, ok1 := med[r.num]
		d, ok2 := med[r.den]
		if !ok1 || !ok2 {
			continue
		}
		fmt.Printf("| %s | %.3f | %s |\n", r.what, ratio(n, d), r.target)
	}
}

// sizes prints the binaries' sizes and the package initialisation of
// shannot (and of the shannot before), each package's least clock over
// 25 starts of --help, summed.
func sizes() {
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nbinary\tsize\tpackages initialised\tinit clock (least per package, 25 starts)")
	for _, b := range []string{*shannot, *before, *mcpBin} {
		if b == "" {
			continue
		}
		fi, err := os.Stat(b)
		check(err)
		n, sum := initTrace(b)
		fmt.Fprintf(w, "%s\t%.1f MB\t%d\t%.3f ms\n", b, float64(fi.Size())/1e6, n, sum)
	}
	w.Flush()
}

func initTrace(bin string) (int, float64) {
	least := map[string]float64{}
	for i := 0; i < 25; i++ {
		cmd := exec.Command(bin, "--help")
		cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		check(cmd.Run())
		for _, line := range strings.Split(stderr.String(), "\n") {
			f := strings.Fields(line)
			if len(f) < 7 || f[0] != "init" || f[6] != "clock," {
				continue
			}
			c, _ := strconv.ParseFloat(f[4], 64)
			if l, ok := least[f[1]]; !ok || c < l {
				least[f[1]] = c
			}
		}
	}
	sum := 0.0
	for _, c := range least {
		sum += c
	}
	return len(least), sum
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

func ms(d time.Duration) string { return strconv.FormatFloat(msf(d), 'f', 2, 64) + " ms" }

func msf(d time.Duration) float64 { return float64(d) / 1e6 }

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
	bw, _ := exec.Command("bwrap", "--version").Output()
	return fmt.Sprintf("%s, %d cores, kernel %s, %s, uid %d, %s", cpu, numCPU(), strings.TrimSpace(string(kernel)),
		strings.TrimSpace(string(bw)), os.Getuid(), time.Now().UTC().Format("2006-01-02 15:04 UTC"))
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
	line := strings.TrimSpace(run(append([]string{*shannot, "--profile", profile, "run", "--dry-run", "--"}, command...)...))
	line, _, _ = strings.Cut(line, " 3< ")
	// The dry run quotes for a shell; these profiles need no quoting.
	if strings.ContainsAny(line, `'"\`) {
		fmt.Fprintf(os.Stderr, "unexpected quoting in %s\n", line)
		os.Exit(1)
	}
	return strings.Fields(line)
}

func run(argv ...string) string {
	out, err := exec.Command(argv[0], argv[1:]...).Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%v: %v\n", argv, err)
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
