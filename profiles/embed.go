package profiles

import "embed"

// FS holds NAME.json profiles at its root and OCI seccomp policies under
// seccomp/.
//
//go:embed *.json seccomp/*.json
var FS embed.FS
