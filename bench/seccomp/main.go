// Command seccomp measures what seccomp learn --merge and run
// --explain-denials cost next to a plain run under the same filter, on a
// call-heavy workload, and prints the ratios and the cost per call that
// docs/performance.md reports (issue 13: targets 1.10 for
// --explain-denials and 1.20 for learn --merge).
//
// The workload is dd copying COUNT one-byte blocks from /dev/zero to
// /dev/null: about 2×COUNT system calls (a read and a write per block),
// all of them ones the filter allows. Plain and explained runs use the
// built-in readonly policy; learn --merge learns within it into a policy
// that already holds what dd does (one learning run first, untimed), so
// that what is measured is the price of learning again what is known;
// learn without --merge, which stops at every call, is shown for
// comparison. Variants run alternately, round after round; medians are
// compared. "µs per call" is the whole run (launch included) over the
// calls; "extra µs per call" is what a variant adds to the plain run.
//
//	go run ./bench/seccomp -shannot bin/shannot -n 20
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"
)

var (
	shannot = flag.String("shannot", "bin/shannot", "the shannot binary")
	rounds  = flag.Int("n", 20, "runs of each variant")
	count   = flag.Int("count", 200000, "dd's one-byte blocks (about two system calls each)")
)

const profile = `{"name": "bench-seccomp", "seccomp_profile": "builtin:seccomp/readonly.json",
	"binds": [{"source": "/usr", "target": "/usr"},
		{"source": "/bin", "target": "/bin", "optional": true},
		{"source": "/lib", "target": "/lib", "optional": true},
		{"source": "/lib64", "target": "/lib64", "optional": true}],
	"tmpfs_paths": ["/tmp"], "environment": {"PATH": "/usr/bin:/bin"}}`

func main() {
	flag.Parse()
	dir, err := os.MkdirTemp("", "shannot-bench-seccomp-")
	check(err)
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	prof := filepath.Join(dir, "profile.json")
	check(os.WriteFile(prof, []byte(profile), 0o644))
	learned := filepath.Join(dir, "learned.json")
	dd := []string{"dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=" + strconv.Itoa(*count), "status=none"}
	shan := func(args ...string) []string { return append([]string{"--profile", prof}, args...) }
	// The first learning run, untimed: --merge then adds to it.
	check(run(append(shan("seccomp", "learn", "-o", learned, "--"), dd...)))

	variants := []struct {
		name  string
		args  []string
		times []time.Duration
	}{
		{name: "run (readonly policy)", args: append(shan("run"), dd...)},
		{name: "run --explain-denials", args: append(shan("run", "--explain-denials"), dd...)},
		{name: "seccomp learn --merge", args: append(shan("seccomp", "learn", "--merge", "-o", learned, "--"), dd...)},
		{name: "seccomp learn (every call traced)", args: append(shan("seccomp", "learn", "-o", filepath.Join(dir, "fresh.json"), "--"), dd...)},
	}
	for r := 0; r < *rounds; r++ {
		for i := range variants {
			start := time.Now()
			check(run(variants[i].args))
			variants[i].times = append(variants[i].times, time.Since(start))
		}
	}
	calls := float64(2 * *count)
	base := median(variants[0].times)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "dd bs=1 count=%d (about %.0f calls), %d runs each, medians\n", *count, calls, *rounds)
	fmt.Fprintln(w, "variant\tmedian\tratio\tµs per call\textra µs per call")
	for _, v := range variants {
		m := median(v.times)
		fmt.Fprintf(w, "%s\t%s\t%.2f\t%.3f\t%+.3f\n", v.name, m.Round(time.Millisecond), float64(m)/float64(base),
			float64(m.Microseconds())/calls, float64((m-base).Microseconds())/calls)
	}
	w.Flush()
}

func run(args []string) error {
	c := exec.Command(*shannot, args...)
	c.Stderr = nil
	if out, err := c.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %v\n%s", args, err, out)
	}
	return nil
}

func median(ts []time.Duration) time.Duration {
	s := slices.Clone(ts)
	slices.Sort(s)
	return s[len(s)/2]
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/seccomp:", err)
		os.Exit(1)
	}
}
