// Package profile loads, validates and finds shannot sandbox profiles.
//
// A profile is a JSON document that describes a read-only bubblewrap
// sandbox: which host paths are bound into it, which paths get a fresh
// tmpfs, the only environment variables the command sees, an optional
// seccomp filter, and which namespaces are isolated. The format is
// compatible with the profiles of the original Python Shannot, with two
// additions (`optional` on binds, and `description`) and one tightening:
// unknown keys are errors instead of being silently ignored.
//
// # Loading
//
// [Open] reads a profile file (at most [MaxSize] bytes), [Parse] checks
// bytes already in memory. Both validate against the JSON Schema embedded
// in this package (draft 2020-12, see schema.json) and then check what a
// schema cannot express: absolute paths, NUL bytes, bind sources that
// exist. Relative bind sources and seccomp_profile paths resolve against
// the directory of the profile file.
//
// Every validation failure is an [*Error]: one line naming the file, the
// JSON pointer of the offending value and what to do about it, e.g.
//
//	profile /etc/shannot/x.json: /binds/2/target: must be an absolute path
//
// # Finding a profile
//
// [Find] implements the discovery order: an explicit path or name, then
// $SHANNOT_PROFILE and $SANDBOX_PROFILE, then ~/.config/shannot/profile.json
// and /etc/shannot/profile.json, and finally the built-in "minimal"
// profile that is embedded in the binary.
package profile
