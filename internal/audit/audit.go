package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/syslog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Record is one audited run.
type Record struct {
	Time          time.Time `json:"time"`
	User          string    `json:"user"` // who invoked it: $SUDO_USER, or the name of the real uid
	UID           int       `json:"uid"`
	Profile       string    `json:"profile"`
	ProfileSHA256 string    `json:"profile_sha256"`
	Filter        string    `json:"filter,omitempty"`
	FilterSHA256  string    `json:"filter_sha256,omitempty"`
	Argv          []string  `json:"argv"`
	ExitStatus    int       `json:"exit_status"`
	DurationMS    int64     `json:"duration_ms"`
	Error         string    `json:"error,omitempty"` // why shannot refused or failed, if it did
}

// Config is /etc/shannot/config.json's audit part.
type Config struct {
	// File receives one JSON object a line; empty means syslog only.
	File string `json:"audit_log"`
}

// ConfigPath is where the administrator configures shannot.
const ConfigPath = "/etc/shannot/config.json"

// LoadConfig reads the configuration with open (which, under sudo, only
// accepts root-owned files). A missing file is no error.
func LoadConfig(open func(string) (*os.File, error)) (Config, error) {
	var c Config
	f, err := open(ConfigPath)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return c, err
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%s: %w", ConfigPath, err)
	}
	if c.File != "" && !filepath.IsAbs(c.File) {
		return c, fmt.Errorf("%s: audit_log must be an absolute path", ConfigPath)
	}
	return c, nil
}

// Log writes r to syslog and, when configured, to the audit file. It
// returns the errors met, joined; both destinations are always tried.
func Log(r Record, c Config) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var errs []error
	if w, err := syslog.New(syslog.LOG_AUTHPRIV|syslog.LOG_NOTICE, "shannot"); err != nil {
		errs = append(errs, fmt.Errorf("syslog: %w", err))
	} else {
		if err := w.Notice(string(line)); err != nil {
			errs = append(errs, fmt.Errorf("syslog: %w", err))
		}
		w.Close()
	}
	if c.File != "" {
		if err := appendLine(c.File, line); err != nil {
			errs = append(errs, fmt.Errorf("audit log %s: %w", c.File, err))
		}
	}
	return errors.Join(errs...)
}

// appendLine appends one line with a single write, which O_APPEND keeps
// whole when several runs log at once. O_NOFOLLOW: a symlink planted in
// its place must not make root append to another file.
func appendLine(path string, line []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(append(line, '\n'))
	return errors.Join(werr, f.Close())
}
