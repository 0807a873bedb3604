//go:build integration

package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunJSONMemory: run --json holds the output it keeps and encodes
// the object as it writes it, so 64 MiB of output costs shannot about
// 128 MiB, not the 5-6× that building the encoded object in memory took.
func TestRunJSONMemory(t *testing.T) {
	profile := writeProfile(t, open())
	id := identities(t)[0]
	const n = 64 << 20
	for _, tc := range []struct{ name, script, enc string }{
		{"binary", "head -c 67108864 /dev/zero", "base64"},
		{"text", "head -c 67108864 /dev/zero | tr '\\0' a", "utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := id.cmd(opts{}, "--profile", profile, "run", "--json", "--max-output", "64MiB", "sh", "-c", tc.script)
			stdout, err := c.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var errOut bytes.Buffer
			c.Stderr = &errOut
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			timer := time.AfterFunc(time.Minute, func() { c.Process.Kill() })
			defer timer.Stop()
			// The peak, sampled from /proc while shannot lives: VmHWM is
			// its own high-water mark (wait4's would include this test's,
			// inherited through fork and exec).
			var peak atomic.Int64
			var wg sync.WaitGroup
			done := make(chan struct{})
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if kb := vmHWM(c.Process.Pid); kb > peak.Load() {
						peak.Store(kb)
					}
					select {
					case <-done:
						return
					case <-time.After(5 * time.Millisecond):
					}
				}
			}()
			// shannot's first write comes once the object is built (or,
			// streamed, once its encoding starts); held on the full pipe,
			// its memory stays at the peak for the sampler to see.
			result := bufio.NewReader(stdout)
			result.Peek(1)
			time.Sleep(200 * time.Millisecond)
			out, _ := io.ReadAll(result)
			werr := c.Wait()
			close(done)
			wg.Wait()
			if werr != nil {
				t.Fatalf("%v: %s", werr, errOut.String())
			}
			var j jsonResult
			if err := json.Unmarshal(out, &j); err != nil || j.StdoutEncoding != tc.enc || j.StdoutTruncated {
				t.Fatalf("result: %v, encoding %q, truncated %v", err, j.StdoutEncoding, j.StdoutTruncated)
			}
			rss := peak.Load() << 10
			t.Logf("peak RSS %d MiB for %d MiB of output", rss>>20, n>>20)
			if rss == 0 || rss > 3*n {
				t.Errorf("peak RSS %d MiB for %d MiB of output; want under 3× (the output, one copy of it, the runtime)", rss>>20, n>>20)
			}
		})
	}
}

// vmHWM is a process's peak resident set in KiB, 0 once it has exited.
func vmHWM(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(v, &kb)
			return kb
		}
	}
	return 0
}
