// Package traced is the engine of shannot's two traced runs, on
// internal/systrace: `run --explain-denials` ([Explain]: every call the
// sandbox's filter denied, trapped or killed, with the rule of the policy
// that decided) and `seccomp learn` ([Learn]: the minimal policy under
// which the command runs again).
//
// Both run a [sandbox.Sandbox] with its filter replaced by an
// instrumented copy (bpfsim.Instrument) on the same descriptor, under a
// tracer that answers each traced call as the original filter would
// (explaining) or lets it run and records it (learning). The command
// line (flags, refusals under sudo, the audit log, where the policy is
// written) is internal/cli's.
package traced
