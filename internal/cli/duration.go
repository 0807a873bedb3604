package cli

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// seconds is the value of a duration flag: a Go duration (10s, 1m30s,
// 500ms) or a plain number of seconds (10 is 10s).
type seconds struct{ d time.Duration }

// errDuration is what a duration flag says about a value it cannot read.
var errDuration = errors.New("want a number of seconds (30) or a duration with a unit (30s, 1m30s, 500ms)")

func (s *seconds) Set(v string) error {
	d, err := parseSeconds(v)
	if err != nil {
		return err
	}
	s.d = d
	return nil
}

func (s *seconds) String() string {
	if s == nil || s.d == 0 {
		return ""
	}
	return s.d.String()
}

// parseSeconds reads a duration flag's value.
func parseSeconds(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n > math.MaxInt64/int64(time.Second) || n < math.MinInt64/int64(time.Second) {
			return 0, errors.New("too long; at most 292 years")
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errDuration
	}
	return d, nil
}

// durationFlag is a flag taking a duration as seconds reads it; def is
// its default.
func durationFlag(name string, def time.Duration, usage string) cli.Flag {
	return &cli.GenericFlag{Name: name, Value: &seconds{d: def}, Usage: usage}
}

// durationOf is the value of the duration flag name, looked up as
// c.Generic looks flags up (this command, then the ones above it).
func durationOf(c *cli.Context, name string) time.Duration {
	if s, ok := c.Generic(name).(*seconds); ok {
		return s.d
	}
	return 0
}
