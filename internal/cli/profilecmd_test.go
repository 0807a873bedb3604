package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/pkg/profile"
)

// shannot profile schema prints the embedded schema as it is, for any
// caller: it reads nothing and writes only to standard output.
func TestProfileSchema(t *testing.T) {
	code, out, errOut := runCLI(t, "profile", "schema")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if out != string(profile.Schema()) {
		t.Errorf("printed %.200q, not the embedded schema", out)
	}
	var s struct {
		Schema string `json:"$schema"`
		ID     string `json:"$id"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.Schema != "https://json-schema.org/draft/2020-12/schema" || s.ID == "" {
		t.Errorf("printed schema: %+v, %v", s, err)
	}
	if code, _, errOut := runCLI(t, "profile", "schema", "x"); code != exitFailure || !strings.Contains(errOut, "profile schema takes no arguments") {
		t.Errorf("with an argument: exit %d, %q", code, errOut)
	}

	mallory := invoker.Hostile("mallory", 1000)
	var stdout, stderr bytes.Buffer
	app := New(Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Caller: mallory})
	if err := app.Run(implicitRunIn(app, []string{"shannot", "profile", "schema"})); err != nil {
		t.Fatalf("under sudo: %v", err)
	}
	if stdout.String() != string(profile.Schema()) {
		t.Errorf("under sudo printed %.200q", stdout.String())
	}
}
