package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/shannot-project/shannot/internal/cli"
	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/mcpcli"
	"github.com/shannot-project/shannot/pkg/launch"
)

// ballast is the size of a heap allocation that is never written, and
// that raises the heap the collector lets grow before it runs. Each
// call allocates about 350 KB that is garbage at once (the SDK's decoders
// take a 32 KiB buffer for every message they read), against a live heap
// well under 1 MB: with Go's 4 MB minimum the collector ran every 11
// calls or so, on the server's one P (29 collections in 205 calls). 16
// MiB that are never written make that 5, for 2.4 MB more resident at
// start (the
// pages themselves are never touched); with large outputs the heap may
// grow up to 32 MiB beyond what it would. Measured, a run_command call
// minus bwrap's own run: 30 to 50 us less (with the collector switched
// off: about 50 us).
const ballast = 16 << 20

func main() {
	// First of all, so that nothing the caller left open can reach the
	// sandboxes through bwrap.
	if err := launch.CloseInheritedFiles(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", mcpcli.Name, err)
		os.Exit(cli.ExitFailure)
	}
	// One P unless the environment says otherwise. A call is a chain of
	// goroutines handing the request on (transport, SDK, handler, the
	// output's copiers, the response), mostly waiting on bwrap; with a
	// P to spare, each hand-off wakes another thread to steal the work,
	// and sysmon polls while a P sits in a system call. Measured on 2
	// cores, a run_command call minus bwrap's own run: about 0.1 ms less
	// with one P, and a third less CPU per call. The commands themselves
	// are other processes, and run in parallel as before.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	heap := make([]byte, ballast)
	code := mcpcli.Run(invoker.Detect(), os.Args, os.Stdin, os.Stdout, os.Stderr)
	runtime.KeepAlive(heap) // live, as heap, until the server is done
	os.Exit(code)
}
