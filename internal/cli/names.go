package cli

import (
	"strings"
	"sync"

	"github.com/urfave/cli/v2"
)

// urfave/cli works a flag's names out at every call of its Names method,
// through a regular expression (cli.FlagNames), and calls it for every
// flag each time a command line is parsed: every flag of a command runs
// its action check (IsSet), which looks the flag up by walking every flag
// of the command and of the app, calling Names on each. For `shannot run`
// that was about 340 calls and 1.2 million instructions, 30% of a launch
// (docs/performance.md). fastNames gives each flag a Names method that
// works the names out with the library's own function, at its first call
// only; everything else is the library's flag, embedded, so that the
// flag parses, prints its help and completes as before. An app is used
// by one goroutine at a time, as urfave/cli's own flags are.
type (
	boolFlag struct {
		*cli.BoolFlag
		names []string
	}
	stringFlag struct {
		*cli.StringFlag
		names []string
	}
	intFlag struct {
		*cli.IntFlag
		names []string
	}
	genericFlag struct {
		*cli.GenericFlag
		names []string
	}
	stringSliceFlag struct {
		*cli.StringSliceFlag
		names []string
	}
)

func (f *boolFlag) Names() []string        { return once(&f.names, f.Name, f.Aliases) }
func (f *stringFlag) Names() []string      { return once(&f.names, f.Name, f.Aliases) }
func (f *intFlag) Names() []string         { return once(&f.names, f.Name, f.Aliases) }
func (f *genericFlag) Names() []string     { return once(&f.names, f.Name, f.Aliases) }
func (f *stringSliceFlag) Names() []string { return once(&f.names, f.Name, f.Aliases) }

func once(names *[]string, name string, aliases []string) []string {
	if *names == nil {
		*names = flagNames(name, aliases)
	}
	return *names
}

// flagNames is cli.FlagNames, which cuts each name at its first comma or
// space (urfave/cli v1's "name, alias" form) with a regular expression:
// 36 KB of the regexp's state allocated at every start, for names that
// have neither. Those are returned as they are, without it.
func flagNames(name string, aliases []string) []string {
	all := append([]string{name}, aliases...)
	for _, n := range all {
		if strings.ContainsAny(n, ", ") {
			return cli.FlagNames(name, aliases)
		}
	}
	return all
}

// fastNames gives every flag of app, at every depth, names worked out
// once (see above), and so urfave/cli's help flag, which the library
// adds to every command unless that very flag is there already: it is
// replaced once, in the library's variable.
func fastNames(app *cli.App) {
	helpOnce.Do(func() {
		fast := fastFlag(cli.HelpFlag)
		libraryHelp, cli.HelpFlag = cli.HelpFlag, fast
	})
	app.Flags = fastFlagNames(app.Flags)
	fastCommandNames(app.Commands)
}

var (
	helpOnce    sync.Once
	libraryHelp cli.Flag // urfave/cli's help flag, as the library made it
)

func fastCommandNames(cmds []*cli.Command) {
	for _, c := range cmds {
		c.Flags = fastFlagNames(c.Flags)
		fastCommandNames(c.Subcommands)
	}
}

func fastFlagNames(flags []cli.Flag) []cli.Flag {
	for i, f := range flags {
		flags[i] = fastFlag(f)
	}
	return flags
}

// fastFlag is f with its names worked out once, or f itself when it is
// done already or of a kind not listed here (TestFastNamesEveryFlag
// says when one is missing).
func fastFlag(f cli.Flag) cli.Flag {
	if f == libraryHelp && libraryHelp != nil {
		// Added before fastNames ran (withVersion does): the one
		// help flag the library looks for.
		return cli.HelpFlag
	}
	switch f := f.(type) {
	case *cli.BoolFlag:
		return &boolFlag{BoolFlag: f}
	case *cli.StringFlag:
		return &stringFlag{StringFlag: f}
	case *cli.IntFlag:
		return &intFlag{IntFlag: f}
	case *cli.GenericFlag:
		return &genericFlag{GenericFlag: f}
	case *cli.StringSliceFlag:
		return &stringSliceFlag{StringSliceFlag: f}
	}
	return f
}
