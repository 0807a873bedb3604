package sandboxinit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Name is the companion binary's file name (see internal/companion).
const Name = "shannot-init"

// ExitSetup is the exit status of a sandbox whose init could not confine
// itself: the same as shannot's own for a sandbox that cannot start.
const ExitSetup = 125

// Args is the command bwrap runs: the init, opened by shannot on
// descriptor fd and executed through /proc/self/fd (the sandbox need not
// show the file's path), told the writable mounts and the command.
func Args(fd int, writable []string, argv []string) []string {
	out := []string{"/proc/self/fd/" + strconv.Itoa(fd), "--fd", strconv.Itoa(fd)}
	for _, w := range writable {
		out = append(out, "--write", w)
	}
	return append(append(out, "--"), argv...)
}

// Request is Args parsed back.
type Request struct {
	FD       int      // the init's own descriptor, -1 when not given
	Writable []string // the mounts the command may write beneath
	Argv     []string // the command
}

// Parse reads the arguments after the program name, as Args wrote them.
func Parse(args []string) (Request, error) {
	r := Request{FD: -1}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "--":
			r.Argv = args[i+1:]
			if len(r.Argv) == 0 {
				return r, errors.New("no command after --")
			}
			return r, nil
		case "--fd", "--write":
			if i+1 >= len(args) {
				return r, fmt.Errorf("%s needs a value", a)
			}
			i++
			if a == "--write" {
				if !strings.HasPrefix(args[i], "/") {
					return r, fmt.Errorf("--write %q is not an absolute path", args[i])
				}
				r.Writable = append(r.Writable, args[i])
				continue
			}
			fd, err := strconv.Atoi(args[i])
			if err != nil || fd < 3 {
				return r, fmt.Errorf("--fd %q is not a descriptor above 2", args[i])
			}
			r.FD = fd
		default:
			return r, fmt.Errorf("unknown argument %q: shannot-init is run by shannot, not by hand", a)
		}
	}
	return r, errors.New("no -- before the command")
}
