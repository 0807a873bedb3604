package main

import (
	"fmt"
	"os"

	"github.com/shannot-project/shannot/internal/cli"
	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/mcpcli"
	"github.com/shannot-project/shannot/pkg/launch"
)

func main() {
	// First of all, so that nothing the caller left open can reach the
	// sandboxes through bwrap.
	if err := launch.CloseInheritedFiles(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", mcpcli.Name, err)
		os.Exit(cli.ExitFailure)
	}
	os.Exit(mcpcli.Run(invoker.Detect(), os.Args, os.Stdin, os.Stdout, os.Stderr))
}
