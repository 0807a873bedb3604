// Package profiles holds the profiles and seccomp policies that ship with
// shannot, embedded in the binary so that it works with no files installed.
package profiles

import "embed"

// FS holds NAME.json profiles at its root and seccomp policies under seccomp/.
//
//go:embed *.json
var FS embed.FS
