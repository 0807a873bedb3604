// Package profiles holds the profiles and seccomp policies that ship with
// shannot, embedded in the binary so that it works with no files installed.
package profiles

import "embed"

// FS holds NAME.json profiles at its root and OCI seccomp policies under
// seccomp/.
//
//go:embed *.json seccomp/*.json
var FS embed.FS
