package remote

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Target
		err  string
	}{
		{in: "web1", want: Target{Host: "web1"}},
		{in: "ops@web1", want: Target{User: "ops", Host: "web1"}},
		{in: "ops@web1:2222", want: Target{User: "ops", Host: "web1", Port: 2222}},
		{in: "10.0.0.5:22", want: Target{Host: "10.0.0.5", Port: 22}},
		{in: "::1", want: Target{Host: "::1"}},
		{in: "[::1]:2222", want: Target{Host: "::1", Port: 2222}},
		{in: "me@[fe80::1]:22", want: Target{User: "me", Host: "fe80::1", Port: 22}},
		{in: "web1:0", err: "bad port"},
		{in: "web1:http", err: "bad port"},
		{in: "@web1", err: "empty user"},
		{in: "-oProxyCommand=x", err: "not a host name"},
		{in: "web 1", err: "not a host name"},
		{in: "", err: "not a host name"},
	} {
		got, err := ParseTarget(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseTarget(%q) = %+v, %v; want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if back, err := ParseTarget(got.String()); err != nil || back != got {
			t.Errorf("%q does not survive String(): %q", tc.in, got.String())
		}
	}
}

func TestParseTargets(t *testing.T) {
	got, err := ParseTargets(" a, b@c:22 ,")
	if err != nil || len(got) != 2 || got[1].User != "b" {
		t.Fatalf("list: %+v %v", got, err)
	}
	f := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(f, []byte("# fleet\nweb1\n\n  web2:2222  \n"), 0o644)
	got, err = ParseTargets("@" + f)
	if diff := cmp.Diff(got, []Target{{Host: "web1"}, {Host: "web2", Port: 2222}}); diff != "" || err != nil {
		t.Errorf("@FILE (-got +want): %s %v", diff, err)
	}
	if _, err := ParseTargets("@/no/such/file"); err == nil {
		t.Error("missing @FILE accepted")
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	e := &Envelope{Profile: []byte(`{"name":"x"}`), Origin: "/p.json", Filter: []byte{6, 0, 0, 0, 0, 0, 0xff, 0x7f},
		Argv: []string{"printf", "%s", "it's $HOME; `id` *\n"}, Timeout: 3 * time.Second, MaxOutput: 10, JSON: true}
	s, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		t.Errorf("encoded envelope has characters a shell would read: %q", s)
	}
	back, err := DecodeEnvelope(s)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(back, e); diff != "" {
		t.Errorf("round trip (-got +want):\n%s", diff)
	}
	if _, err := DecodeEnvelope("!!"); err == nil {
		t.Error("garbage accepted")
	}
}

// The remote command line runs the binary remote install put there for
// this one, with the envelope as one word, or says how to install it.
func TestCommandLine(t *testing.T) {
	self := filepath.Join(t.TempDir(), "shannot")
	os.WriteFile(self, []byte("a shannot"), 0o755)
	e := &Envelope{Profile: []byte(`{}`), Argv: []string{"ls", "-l", "it's"}}
	line, err := e.CommandLine(self)
	if err != nil {
		t.Fatal(err)
	}
	encoded, _ := e.Encode()
	const path = ".cache/shannot/shannot-8bc7f6ca2868f5f6" // sha256("a shannot")
	want := `if [ -x ./` + path + ` ]; then exec ./` + path + ` __remote ` + encoded +
		`; fi; echo "shannot is not installed here; run: shannot remote install HOST" >&2; exit 125`
	if diff := cmp.Diff(line, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
	if _, err := e.CommandLine(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing binary: %v", err)
	}
}
