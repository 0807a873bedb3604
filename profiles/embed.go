package profiles

import "embed"

// FS holds NAME.json profiles at its root and OCI seccomp policies under
// seccomp/. Only this package spells that layout and the builtin: prefix:
// others ask Profile, Policy, Profiles, Policies, Cut, Ref and ReadFile.
//
//go:embed *.json seccomp/*.json
var FS embed.FS
