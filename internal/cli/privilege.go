package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/invoker"
)

// refused is invoker.Refused: what is said to a hostile caller asking
// for what.
func refused(what string) error { return invoker.Refused(what) }

// callerOf is who called the app that c belongs to (Env.Caller).
func callerOf(c *cli.Context) invoker.Caller { return appCaller(c.App) }

// appCaller is Env.Caller of an app New built.
func appCaller(app *cli.App) invoker.Caller {
	inv, _ := app.Metadata[callerKey].(invoker.Caller)
	return inv
}

// callerKey is where New keeps Env.Caller in the app's metadata.
const callerKey = "shannot.caller"
