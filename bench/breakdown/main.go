// Command breakdown counts what a launch costs in numbers that do not
// depend on the machine's load, for docs/performance.md: instructions
// (valgrind --tool=callgrind, all threads, the launcher only: the
// callgrind run does not follow bwrap), page faults (perf stat
// --no-inherit, when perf works) and system calls (strace -f: the
// launcher's threads, and its child until the child's execve). It runs
// shannot run with a profile file, the built-in readonly profile and a
// cached JSON policy, and bench/golaunch exec and spawn on the profile
// file's argv, and prints where shannot's instructions go, by package.
// Instructions are counted up to the start of bwrap (see instructions).
//
//	go run ./bench/breakdown -shannot bin/shannot -golaunch bin/golaunch
//
// Run it as an ordinary user (as root shannot starts bwrap as its
// sandbox user). valgrind aborts now and then on a signal the Go runtime
// takes; such runs are retried. Each count is the median of -n runs.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

var (
	shannot  = flag.String("shannot", "bin/shannot", "the shannot binary")
	golaunch = flag.String("golaunch", "bin/golaunch", "the minimal Go launcher")
	runs     = flag.Int("n", 3, "runs of each count")
	top      = flag.Int("top", 15, "packages listed for each shannot variant")
)

type variant struct {
	name string
	argv []string
	pkgs bool // list its instructions by package
}

func main() {
	flag.Parse()
	dir, err := os.MkdirTemp("", "shannot-breakdown-")
	check(err)
	defer os.RemoveAll(dir)
	check(os.Chmod(dir, 0o755))
	min := run(*shannot, "--profile", "minimal", "export")
	i := strings.Index(min, `"allowed_commands": [`)
	j := strings.Index(min[i:], "]")
	open := min[:i] + `"allowed_commands": []` + min[i+j+1:]
	policy, err := os.ReadFile("profiles/seccomp/readonly.json")
	check(err)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		check(os.WriteFile(p, []byte(body), 0o644))
		return p
	}
	plain := write("open.json", open)
	write("readonly.json", string(policy))
	withJSON := write("json.json", strings.Replace(open, `"seccomp_profile": null`, `"seccomp_profile": "readonly.json"`, 1))
	cmd := []string{"cat", "/dev/null"}
	argv := strings.Fields(run(append([]string{*shannot, "--profile", plain, "run", "--dry-run", "--"}, cmd...)...))
	sh := func(profile string) []string {
		return append([]string{*shannot, "--profile", profile, "run", "--"}, cmd...)
	}
	run(sh(withJSON)...) // fills the cache
	variants := []variant{
		{name: "golaunch exec", argv: append([]string{*golaunch, "exec"}, argv...)},
		{name: "golaunch spawn", argv: append([]string{*golaunch, "spawn"}, argv...)},
		{name: "shannot run, profile file", argv: sh(plain), pkgs: true},
		{name: "shannot run, builtin readonly", argv: sh("readonly"), pkgs: true},
		{name: "shannot run, JSON policy (cached)", argv: sh(withJSON), pkgs: true},
	}
	perf := exec.Command("perf", "stat", "--no-inherit", "-x,", "-e", "page-faults", "true").Run() == nil
	_, straceErr := exec.LookPath("strace")
	fmt.Printf("| variant | instructions | page faults | system calls |\n| --- | --- | --- | --- |\n")
	var byPkg []string
	for _, v := range variants {
		var ins, faults, calls []int
		var profile string
		for r := 0; r < *runs; r++ {
			n, out := instructions(dir, v.argv)
			ins = append(ins, n)
			profile = out
			if perf {
				faults = append(faults, pageFaults(v.argv))
			}
			if straceErr == nil {
				calls = append(calls, syscalls(dir, v.argv))
			}
		}
		fmt.Printf("| %s | %s | %s | %s |\n", v.name, thousands(median(ins)), orDash(faults), orDash(calls))
		if v.pkgs {
			byPkg = append(byPkg, v.name+"\n"+packages(profile))
		}
	}
	fmt.Println("\nInstructions of the launcher up to the start of bwrap (its execve for golaunch exec, its fork for the others); page faults of the launcher (with exec, bwrap's own too); system calls of the launcher's threads and of its child until it execs bwrap.")
	for _, p := range byPkg {
		fmt.Println("\n" + p)
	}
}

// instructions runs argv under callgrind and returns the instructions
// it counted up to the start of bwrap (the execve of golaunch exec, the
// fork of a launcher that spawns it: callgrind dumps its counts right
// before either), and the profile's file. What a spawner does after the
// fork (waiting, reading bwrap's status, exiting) is left out: the signal
// that bwrap's exit sends makes valgrind 3.19 abort now and then, and
// the part before is where the launchers differ.
func instructions(dir string, argv []string) (int, string) {
	out := filepath.Join(dir, "callgrind.out")
	at := "syscall.forkExec"
	if strings.HasSuffix(argv[0], "golaunch") && argv[1] == "exec" {
		at = "syscall.Exec"
	}
	args := []string{"--tool=callgrind", "--callgrind-out-file=" + out, "--dump-before=" + at}
	for try := 0; try < 10; try++ {
		matches, _ := filepath.Glob(out + "*")
		for _, m := range matches {
			os.Remove(m)
		}
		c := exec.Command("valgrind", append(args, argv...)...)
		c.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1")
		_, _ = c.CombinedOutput()
		if n := totals(out + ".1"); n > 0 {
			return n, out + ".1"
		}
	}
	fmt.Fprintf(os.Stderr, "valgrind failed ten times on %v\n", argv)
	os.Exit(1)
	return 0, ""
}

func totals(file string) int {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "totals: "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// packages sums a callgrind profile's instructions by package (each
// function's own, not its callees').
func packages(file string) string {
	out, err := exec.Command("callgrind_annotate", "--threshold=100", file).Output()
	check(err)
	line := regexp.MustCompile(`^\s*([\d,]+) \([^)]*\)\s+\S+:(\S+)`)
	sum := map[string]int{}
	total := 0
	for _, l := range strings.Split(string(out), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		sum[pkgOf(m[2])] += n
		total += n
	}
	names := make([]string, 0, len(sum))
	for k := range sum {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return sum[names[i]] > sum[names[j]] })
	var b strings.Builder
	fmt.Fprintf(&b, "| package | instructions | share |\n| --- | --- | --- |\n")
	for _, k := range names[:min(*top, len(names))] {
		fmt.Fprintf(&b, "| %s | %s | %.1f%% |\n", k, thousands(sum[k]), 100*float64(sum[k])/float64(total))
	}
	return b.String()
}

// pkgOf is the package of a function symbol: github.com/a/b.(*T).M is
// github.com/a/b.
func pkgOf(fn string) string {
	fn, _, _ = strings.Cut(fn, "[")
	dir, base := "", fn
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		dir, base = fn[:i+1], fn[i+1:]
	}
	base, _, _ = strings.Cut(base, ".")
	return strings.TrimPrefix(dir+base, "github.com/shannot-project/shannot/")
}

func pageFaults(argv []string) int {
	c := exec.Command("perf", append([]string{"stat", "--no-inherit", "-x,", "-e", "page-faults"}, argv...)...)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	check(c.Run())
	for _, l := range strings.Split(stderr.String(), "\n") {
		if f := strings.Split(l, ","); len(f) > 2 && strings.HasPrefix(f[2], "page-faults") {
			n, _ := strconv.Atoi(f[0])
			return n
		}
	}
	return 0
}

// syscalls counts the launcher's system calls: those of its threads
// (clone with CLONE_THREAD), and those of a child it forks until the
// child's execve.
func syscalls(dir string, argv []string) int {
	out := filepath.Join(dir, "strace.out")
	c := exec.Command("strace", append([]string{"-f", "-o", out}, argv...)...)
	check(c.Run())
	f, err := os.Open(out)
	check(err)
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	call := regexp.MustCompile(`^(\d+) +(?:<\.\.\. )?(\w+)`)
	ret := regexp.MustCompile(`\) += (\d+)`)
	first := call.FindStringSubmatch(lines[0])[1]
	threads, children := map[string]bool{first: true}, map[string]bool{}
	cloning := map[string]bool{} // pid -> its pending clone makes a thread
	// A child's calls can come before the parent's clone returns: find
	// every pid first.
	for pass := 0; pass < 3; pass++ {
		gone := map[string]bool{} // pids past their execve: bwrap's
		for i, l := range lines {
			m := call.FindStringSubmatch(l)
			if m != nil && i > 0 && m[2] == "execve" {
				gone[m[1]] = true
			}
			if m == nil || gone[m[1]] || !threads[m[1]] || !slices.Contains([]string{"clone", "clone3", "vfork"}, m[2]) {
				continue
			}
			if !strings.Contains(l, "resumed>") {
				cloning[m[1]] = strings.Contains(l, "CLONE_THREAD")
			}
			if r := ret.FindStringSubmatch(l); r != nil {
				if cloning[m[1]] {
					threads[r[1]] = true
				} else {
					children[r[1]] = true
				}
			}
		}
	}
	n := 0
	execd := map[string]bool{}
	for i, l := range lines {
		m := call.FindStringSubmatch(l)
		if m == nil || execd[m[1]] || !(threads[m[1]] || children[m[1]]) {
			continue
		}
		if !strings.Contains(l, "resumed>") {
			n++
		}
		if i > 0 && m[2] == "execve" {
			execd[m[1]] = true
		}
	}
	return n
}

func median(v []int) int {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func orDash(v []int) string {
	if len(v) == 0 {
		return "–"
	}
	return strconv.Itoa(median(v))
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
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
