// Package bug spells the errors for states shannot's own code should
// never reach: a schema embedded in the binary that does not compile, a
// BPF program that Decode accepted but the simulator cannot run, a record
// that cannot fit where it was sized to fit.
//
// Such an error means a defect in shannot, not in the user's input or the
// host, so it is reported as one rather than hidden behind a panic:
//
//	return bug.Errorf("unknown action kind %d", a.Kind)
//
// reads "bug: unknown action kind 7". Errorf wraps as [fmt.Errorf] does,
// so a %w verb keeps the cause matchable with [errors.Is] and
// [errors.As].
//
// It imports only the standard library, so every package of shannot,
// pkg/ included, may use it.
package bug
