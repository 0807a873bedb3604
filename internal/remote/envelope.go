package remote

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// ReceiverCommand is the hidden shannot command that receives an
// envelope on the host: `shannot __remote ENVELOPE`.
const ReceiverCommand = "__remote"

// EnvelopeVersion changes when the envelope's meaning does; a remote
// shannot refuses versions it does not know.
const EnvelopeVersion = 1

// Envelope is everything a remote run needs, sent as one argument.
type Envelope struct {
	Version int `json:"v"`
	// Profile is the resolved profile, as `shannot export` prints it.
	Profile json.RawMessage `json:"profile"`
	// Origin names the profile where it came from, for messages.
	Origin string `json:"origin"`
	// Filter is the compiled seccomp program, or empty; FilterSource
	// names where it came from.
	Filter         []byte        `json:"filter,omitempty"`
	FilterSource   string        `json:"filter_source,omitempty"`
	Argv           []string      `json:"argv"`
	Timeout        time.Duration `json:"timeout,omitempty"`
	MaxOutput      int64         `json:"max_output,omitempty"`
	KillOnOverflow bool          `json:"kill_on_overflow,omitempty"`
	JSON           bool          `json:"json,omitempty"`
	NoStdin        bool          `json:"no_stdin,omitempty"`
}

// NewEnvelope prepares a run of argv under p on another host, within
// limits: the profile exactly as `shannot export` prints it, the filter
// exactly as `shannot seccomp inspect` shows it, opened (a JSON policy
// compiled) as cfg's Seccomp and Force say, here. p is not checked
// against this host's files: its bind sources are the remote's. The
// caller sets JSON and NoStdin.
func NewEnvelope(p *profile.Profile, argv []string, limits launch.Limits, cfg sandbox.Config) (*Envelope, error) {
	env := &Envelope{Origin: p.Origin.String(), Argv: argv, Timeout: limits.Timeout, MaxOutput: limits.MaxOutput,
		KillOnOverflow: limits.KillOnOverflow}
	if p.SeccompProfile != nil {
		f, err := sandbox.OpenFilter(p, sandbox.Config{Seccomp: cfg.Seccomp, Force: cfg.Force})
		if err != nil {
			return nil, err
		}
		env.Filter, env.FilterSource = f.Program, f.Source
		f.Close()
	}
	var err error
	if env.Profile, err = json.Marshal(p); err != nil {
		return nil, err
	}
	return env, nil
}

// Limits are the run's limits, as the remote enforces them.
func (e *Envelope) Limits() launch.Limits {
	return launch.Limits{Timeout: e.Timeout, MaxOutput: e.MaxOutput, KillOnOverflow: e.KillOnOverflow}
}

// CommandLine is what ssh runs on the host: the shannot that [SSH.Install]
// put there for the local binary self, receiving the envelope, or a
// message saying how to install it (exit status 125).
func (e *Envelope) CommandLine(self string) (string, error) {
	encoded, err := e.Encode()
	if err != nil {
		return "", err
	}
	path, err := RemotePath(self)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`if [ -x ./%[1]s ]; then exec ./%[1]s %[2]s %[3]s; fi; echo "shannot is not installed here; run: shannot remote install HOST" >&2; exit 125`,
		path, ReceiverCommand, encoded), nil
}

// Encode renders the envelope as base64, safe in any shell word.
func (e *Envelope) Encode() (string, error) {
	e.Version = EnvelopeVersion
	data, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(data), nil
}

// DecodeEnvelope reads what Encode wrote.
func DecodeEnvelope(s string) (*Envelope, error) {
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("remote run: envelope is not base64: %w", err)
	}
	var e Envelope
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("remote run: envelope is not JSON: %w", err)
	}
	if e.Version != EnvelopeVersion {
		return nil, fmt.Errorf("remote run: envelope version %d, this shannot reads %d; install the same shannot on both ends (shannot remote install)", e.Version, EnvelopeVersion)
	}
	if len(e.Argv) == 0 {
		return nil, fmt.Errorf("remote run: no command")
	}
	return &e, nil
}
