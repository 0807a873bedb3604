package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/audit"
	"github.com/shannot-project/shannot/internal/trust"
)

// logRun audit-logs a run made as root for another user. A logging
// failure is reported and changes nothing else.
func logRun(c *cli.Context, rec audit.Record, runErr error) {
	rec.Event = audit.EventEnd
	rec.DurationMS = time.Since(rec.Time).Milliseconds()
	rec.ExitStatus = 0
	if runErr != nil {
		rec.ExitStatus = exitCode(runErr)
	}
	var st *statusError
	if runErr != nil && !(errors.As(runErr, &st) && st.err == nil) {
		rec.Error = runErr.Error()
	}
	writeAudit(c, rec)
}

// writeAudit writes one record; a failure is a warning on stderr.
func writeAudit(c *cli.Context, rec audit.Record) {
	cfg, err := audit.LoadConfig(trust.Open)
	err = errors.Join(err, audit.Log(rec, cfg))
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "shannot: warning: audit log: %v\n", err)
	}
}
