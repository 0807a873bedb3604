package hostconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shannot-project/shannot/internal/capread"
	"github.com/shannot-project/shannot/internal/identity"
	"github.com/shannot-project/shannot/internal/jsonerr"
)

// Path is where the administrator configures shannot.
const Path = "/etc/shannot/config.json"

// maxSize bounds what is read of the file.
const maxSize = 64 << 10

// Config is the whole of /etc/shannot/config.json.
type Config struct {
	// AuditLog receives one JSON object a line; empty means syslog only.
	AuditLog string `json:"audit_log,omitempty"`
	// SandboxUser is the account a root-run shannot starts bwrap under
	// (default: identity.DefaultUser).
	SandboxUser string `json:"sandbox_user,omitempty"`
	// SandboxGroups are the groups that identity gets, for read access
	// to logs; nil means identity.DefaultGroups, an empty list none.
	SandboxGroups []string `json:"sandbox_groups,omitempty"`
	// SandboxUIDs is the block of host uids a root-run sandbox that
	// shares the host's processes gets one of for its run; nil means
	// identity.DefaultRange.
	SandboxUIDs *identity.Range `json:"sandbox_uids,omitempty"`
}

// UIDRange is SandboxUIDs or its default.
func (c Config) UIDRange() identity.Range {
	if c.SandboxUIDs == nil {
		return identity.DefaultRange
	}
	return *c.SandboxUIDs
}

// Load reads the configuration with open (which, under sudo, only
// accepts root-owned files). A missing file is no error: the defaults.
func Load(open capread.Opener) (Config, error) {
	var c Config
	f, err := open(Path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	defer f.Close()
	data, err := capread.Read(f, maxSize, false)
	if err != nil {
		return c, fmt.Errorf("%s: %w", Path, err)
	}
	return c, c.parse(data)
}

func (c *Config) parse(data []byte) error {
	if dup := jsonerr.Duplicates(data); dup != nil {
		return fmt.Errorf("%s: %w", Path, dup)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("%s: %w (known keys: audit_log, sandbox_user, sandbox_groups, sandbox_uids)", Path, err)
	}
	if c.SandboxUIDs != nil {
		if err := c.SandboxUIDs.Check(); err != nil {
			return fmt.Errorf("%s: %w", Path, err)
		}
	}
	if c.AuditLog != "" && !filepath.IsAbs(c.AuditLog) {
		return fmt.Errorf("%s: audit_log must be an absolute path", Path)
	}
	return nil
}
