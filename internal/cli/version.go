package cli

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

// version and commit are set at build time with -ldflags "-X github.com/shannot-project/shannot/internal/cli.version=...".
// They are written only by the linker.
var (
	version = "dev"
	commit  = ""
)

// withVersion gives app its own --version (-v), in the place and with the
// words urfave/cli's would have, printed by printVersion: each app's,
// instead of the library's package-level VersionPrinter. urfave/cli's
// flag is hidden (HideVersion), so the help's VERSION section comes from
// the app's own template.
func withVersion(app *cli.App) {
	app.HideVersion = true
	app.CustomAppHelpTemplate = strings.ReplaceAll(cli.AppHelpTemplate, "{{if .Version}}{{if not .HideVersion}}", "{{if .Version}}{{if true}}")
	flag := &cli.BoolFlag{Name: flagVersion, Aliases: []string{aliasVersion}, Usage: "print the version", DisableDefaultText: true}
	// urfave/cli adds its help flag before its version flag; adding it
	// here keeps that order (it adds the flag only once).
	app.Flags = append(app.Flags, cli.HelpFlag, flag)
	before := app.Before
	app.Before = func(c *cli.Context) error {
		if c.Bool(flag.Name) {
			printVersion(c)
			// Exit status 0, nothing more printed (see run).
			return &statusError{code: 0}
		}
		if before != nil {
			return before(c)
		}
		return nil
	}
}

// versionString is the first line of --version.
func versionString() string { return version }

// printVersion is --version: what this binary is and what it would use.
func printVersion(c *cli.Context) {
	who := callerOf(c)
	rev := commit
	if bi, ok := debug.ReadBuildInfo(); ok && rev == "" {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				rev = s.Value
			}
		}
	}
	if rev == "" {
		rev = "unknown"
	}
	lib := libseccompVersion(who)
	link := "dynamically linked"
	if isStatic() {
		link = "statically linked"
	}
	bw := "not found"
	if b, err := who.FindBwrap(""); err == nil {
		bw = b
		if out, err := exec.Command(b, "--version").Output(); err == nil {
			bw += " (" + strings.TrimSpace(string(out)) + ")"
		}
	}
	fmt.Fprintf(c.App.Writer, "%s %s\ncommit:     %s\ngo:         %s %s/%s, %s\nlibseccomp: %s\nbwrap:      %s\n",
		c.App.Name, version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH, link, lib, bw)
}

// isStatic reports whether this process maps no shared object (no
// dynamic loader, no libc.so). Read from /proc/self/maps rather than
// with debug/elf, whose package initialisation (and that of the
// decompressors it links) every launch would pay for.
func isStatic() bool {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(maps), "\n") {
		if f := strings.Fields(line); len(f) >= 6 && (strings.HasSuffix(f[5], ".so") || strings.Contains(f[5], ".so.")) {
			return false
		}
	}
	return true
}

// libseccompVersion is --version's libseccomp line: the one linked in,
// or the one shannot-seccomp reports and where it is.
func libseccompVersion(who invoker.Caller) string {
	if v := seccomp.LibraryVersion(); v != "" {
		return v + " (linked in)"
	}
	h, ok := who.SeccompCompiler().(*seccomp.Helper)
	if !ok {
		return "none"
	}
	v, err := h.Version()
	if err != nil {
		return "none (no " + seccomp.HelperName + " found that this caller may use: .bpf filters and the built-in policies only; see shannot doctor)"
	}
	path, _ := h.Path()
	return v + " (" + path + ")"
}
