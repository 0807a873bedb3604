package sandbox_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// One command in a shipped profile's sandbox, its output captured. The
// profile has a JSON seccomp policy, compiled for this host. It needs
// bwrap, so it is compiled but not run by go test; TestPrepareAsDocumented
// runs the same Prepare.
func Example() {
	p, err := profile.Open(profile.Origin{Path: "readonly.json", Builtin: true}, nil)
	if err != nil {
		log.Fatal(err)
	}
	sb, err := sandbox.Prepare(p, []string{"ls", "/"}, sandbox.Config{Bwrap: "/usr/bin/bwrap"})
	if err != nil {
		log.Fatal(err) // 126 / 127, or a bad filter: *seccomp.Error, *seccomp.PolicyError
	}
	defer sb.Close()
	res, err := sb.Capture(context.Background(), nil, launch.Limits{Timeout: 30 * time.Second, MaxOutput: 1 << 20}, false)
	if err != nil {
		log.Fatal(err) // bwrap could not set the sandbox up: *launch.SetupError
	}
	fmt.Printf("exit status %d, %d bytes on stdout\n", res.ExitCode, len(res.Stdout))
}
