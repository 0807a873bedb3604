package remote

import (
	"encoding/binary"
	"errors"
	"runtime"
	"slices"
	"testing"

	"golang.org/x/net/bpf"

	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

// program assembles a classic BPF program as bwrap reads it.
func program(t *testing.T, ins ...bpf.Instruction) []byte {
	t.Helper()
	raw, err := bpf.Assemble(ins)
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	for _, r := range raw {
		b = binary.LittleEndian.AppendUint16(b, r.Op)
		b = append(b, r.Jt, r.Jf)
		b = binary.LittleEndian.AppendUint32(b, r.K)
	}
	return b
}

func TestReceive(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the foreign filter below is for aarch64 against an x86_64 host; this is " + runtime.GOARCH)
	}
	const usr = `{"name":"x","binds":[{"source":"/usr","target":"/usr","read_only":true}]}`
	aarch64 := program(t,
		bpf.LoadAbsolute{Off: 4, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0xC00000B7, SkipTrue: 1}, // AUDIT_ARCH_AARCH64
		bpf.RetConstant{Val: 0},
		bpf.RetConstant{Val: 0x7fff0000})
	errConfig, errRun := errors.New("no bwrap here"), errors.New("ran")
	for _, tc := range []struct {
		name      string
		env       Envelope
		configErr error
		asked     bool // the configuration was asked for
		err       string
		errAs     any
	}{
		{name: "runs", env: Envelope{Profile: []byte(usr), Origin: "/p.json", Argv: []string{"ls", "/"}}, asked: true, err: "ran"},
		{name: "a bad profile, before the configuration", env: Envelope{Profile: []byte(`{"name":1}`), Origin: "/p.json", Argv: []string{"ls"}},
			configErr: errConfig, err: "profile remote:/p.json: /name: expected string, but got number", errAs: new(*profile.Error)},
		{name: "a bind source missing here, before the configuration",
			env:       Envelope{Profile: []byte(`{"name":"x","binds":[{"source":"/nonexistent/x","target":"/n","read_only":true}]}`), Origin: "/p.json", Argv: []string{"ls"}},
			configErr: errConfig, err: `profile remote:/p.json: /binds/0/source: /nonexistent/x does not exist on this host; create it, fix the path, or set "optional": true`},
		{name: "the configuration fails", env: Envelope{Profile: []byte(usr), Argv: []string{"ls"}}, configErr: errConfig, asked: true, err: "no bwrap here"},
		{name: "a filter for another architecture", env: Envelope{Profile: []byte(usr), Argv: []string{"ls"}, Filter: aarch64, FilterSource: "/f.bpf"},
			asked: true, err: "seccomp filter /f.bpf: was compiled for aarch64, and this host is x86_64; compile the policy for it", errAs: new(*seccomp.Error)},
		{name: "not a filter", env: Envelope{Profile: []byte(usr), Argv: []string{"ls"}, Filter: []byte{1, 2, 3}, FilterSource: "/f.bpf"},
			asked: true, err: "seccomp filter /f.bpf: is 3 bytes, not a whole number of 8-byte BPF instructions; is it a compiled BPF program?", errAs: new(*seccomp.Error)},
		{name: "a command not found", env: Envelope{Profile: []byte(usr), Argv: []string{"no-such-command"}}, asked: true,
			err: `command "no-such-command" not found inside the sandbox (PATH=/bin:/usr/bin); is it installed and its directory bound into the profile?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asked, ran := false, false
			config := func() (sandbox.Config, error) {
				asked = true
				return sandbox.Config{Bwrap: "/nonexistent/bwrap"}, tc.configErr
			}
			run := func(sb *sandbox.Sandbox, env *Envelope) error {
				ran = true
				if !slices.Equal(sb.Argv, tc.env.Argv) || env != &tc.env {
					t.Errorf("ran %q of %p, want %q of %p", sb.Argv, env, tc.env.Argv, &tc.env)
				}
				return errRun
			}
			err := Receive(&tc.env, config, run)
			if errText(err) != tc.err {
				t.Errorf("Receive: %v\nwant %s", err, tc.err)
			}
			if tc.errAs != nil && !errors.As(err, tc.errAs) {
				t.Errorf("%v is not a %T", err, tc.errAs)
			}
			if asked != tc.asked || ran != (tc.err == "ran") {
				t.Errorf("configuration asked %v (want %v), ran %v", asked, tc.asked, ran)
			}
		})
	}
}
