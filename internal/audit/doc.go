// Package audit records the runs shannot makes as root on behalf of
// another user: to syslog (facility authpriv, which journald keeps) and,
// when /etc/shannot/config.json names one, to a file of JSON lines.
//
// Logging never blocks or changes a run: Log returns what failed, for
// the caller to report, and the run's result stands.
package audit
