package cli

import (
	"encoding/json"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/verify"
)

// probeName is the hidden command that verify runs inside the sandbox.
const probeName = verify.ProbeCommand

// probeCommand is the probe's end inside the sandbox: verify.Probe, its
// facts printed as one JSON object for verify.Run to read.
func probeCommand() *cli.Command {
	return &cli.Command{
		Name:   probeName,
		Hidden: true,
		Usage:  "inside a sandbox: report what it allows (used by verify)",
		Flags: []cli.Flag{
			// One path per --write, commas and all (the app sets
			// DisableSliceFlagSeparator).
			&cli.StringSliceFlag{Name: verify.WriteFlag, Usage: "try to write to `PATH`"},
			&cli.StringSliceFlag{Name: verify.CallFlag, Usage: "make the system `CALL` (a label verify knows) and report its errno"},
		},
		Action: func(c *cli.Context) error {
			facts, err := verify.Probe(c.StringSlice(verify.WriteFlag), c.StringSlice(verify.CallFlag))
			if err != nil {
				return err
			}
			return json.NewEncoder(c.App.Writer).Encode(facts)
		},
	}
}
