package remote

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

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
