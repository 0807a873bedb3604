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
// bytes already in memory. Both validate against the JSON Schema of the
// format (draft 2020-12, schema.json, which [Schema] returns and
// `shannot profile schema` prints) and then check what a schema cannot
// express: absolute paths, NUL bytes, bind sources that exist. Relative
// bind sources and seccomp_profile paths resolve against the directory
// of the profile file.
//
// # The schema and the launch validator
//
// schema.json is the definition of the format. A launch does not run a
// JSON Schema library (jsonschema/v5's init alone cost milliseconds at
// every start): schema_gen.go holds schema.json compiled into Go data,
// and validate.go walks it, implementing the keywords the schema uses
// and nothing else. TestSchemaGenerated regenerates schema_gen.go (with
// -update) and fails when it is stale or when schema.json uses a keyword
// validate.go does not implement.
//
// Parse runs, in order: the size limit, UTF-8, JSON syntax (encoding/json,
// its depth limit included), duplicate keys, then the schema-level check
// (the launch validator, which also words unknown keys with "did you
// mean"), then the semantic checks (NUL bytes, paths, globs, PATH,
// mounts, additional_args). The agreement the tests assert is between
// the schema and the schema-level check alone: for every input that is
// at most MaxSize bytes of UTF-8 JSON with no key twice, jsonschema/v5
// accepts the decoded document exactly when the launch validator does
// (and, where v5 reports a single failure, the launch names the same
// JSON pointer, or for an unknown key the key itself). The steps before
// it refuse input the schema cannot judge; the semantic checks after it
// may refuse what the schema accepts, never the reverse: Parse accepts
// nothing the schema refuses. TestSchemaConformance checks this on the
// fuzz corpus, the shipped profiles, every malformed profile of the unit
// tests and edge cases of each keyword; FuzzSchemaAgreement on any input.
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
