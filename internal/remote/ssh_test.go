package remote

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeConfigSSH is an ssh whose -G prints config and records its
// arguments in the returned file; anything else it refuses.
func fakeConfigSSH(t *testing.T, config string) (SSH, string) {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "args")
	conf := filepath.Join(dir, "config")
	if err := os.WriteFile(conf, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + log + "\n" +
		"for a; do [ \"$a\" = -G ] && exec cat " + conf + "; done\necho 'not -G' >&2; exit 99\n"
	bin := filepath.Join(dir, "ssh")
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return SSH{Binary: bin}, log
}

// Command adds BatchMode=yes and StrictHostKeyChecking=yes unless the
// user's configuration, as ssh -G prints it, sets them.
func TestCommandAgainstSSHConfig(t *testing.T) {
	const (
		batch  = "-o BatchMode=yes"
		strict = "-o StrictHostKeyChecking=yes"
	)
	for _, tc := range []struct {
		name   string
		config string // what ssh -G prints
		want   string // the options Command adds
	}{
		{"nothing set: ssh's defaults", "user root\nbatchmode no\nstricthostkeychecking ask\nport 22\n", batch + " " + strict},
		{"nothing set: keys absent", "user root\n", batch + " " + strict},
		{"nothing printed", "", batch + " " + strict},
		{"user's accept-new respected", "batchmode no\nstricthostkeychecking accept-new\n", batch},
		{"user's no respected", "batchmode no\nstricthostkeychecking no\n", batch},
		{"user's false respected", "batchmode no\nstricthostkeychecking false\n", batch},
		{"already strict", "batchmode no\nstricthostkeychecking yes\n", batch},
		{"user's batchmode yes", "batchmode yes\nstricthostkeychecking ask\n", strict},
		{"both set by the user", "batchmode yes\nstricthostkeychecking accept-new\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, log := fakeConfigSSH(t, tc.config)
			s.ConfigFile, s.Options, s.ConnectTimeout = "/etc/x", []string{"Ciphers=a,b"}, 1500*time.Millisecond
			tg := Target{User: "ops", Host: "web2", Port: 2222}
			got, err := s.Command(context.Background(), tg, "uptime")
			if err != nil {
				t.Fatal(err)
			}
			want := []string{s.Binary, "-F", "/etc/x", "-o", "Ciphers=a,b", "-p", "2222", "-l", "ops"}
			want = append(want, strings.Fields(tc.want)...)
			want = append(want, "-o", "ConnectTimeout=1", "-T", "-e", "none", "--", "web2", "uptime")
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("Command (-got +want):\n%s", diff)
			}
			// ssh -G saw the same configuration file, options, port and user.
			b, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			wantG := []string{"-F", "/etc/x", "-o", "Ciphers=a,b", "-p", "2222", "-l", "ops", "-G", "--", "web2"}
			if diff := cmp.Diff(strings.Fields(string(b)), wantG); diff != "" {
				t.Errorf("ssh -G arguments (-got +want):\n%s", diff)
			}
		})
	}
}

// A dry run's Argv(nil) is Command's line when nothing is set.
func TestArgvWithoutConfigIsTheDefault(t *testing.T) {
	s, _ := fakeConfigSSH(t, "batchmode no\nstricthostkeychecking ask\n")
	tg := Target{Host: "web1"}
	want, err := s.Command(context.Background(), tg, "uptime")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.Argv(tg, "uptime", nil), want); diff != "" {
		t.Errorf("Argv(nil) (-got +want):\n%s", diff)
	}
}

func TestCommandWhenSSHFails(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "ssh")
	os.WriteFile(bin, []byte("#!/bin/sh\necho 'no such config' >&2\nexit 255\n"), 0o755)
	_, err := SSH{Binary: bin}.Command(context.Background(), Target{Host: "web1"}, "x")
	var ce *ConfigError
	var ee *exec.ExitError
	if !errors.As(err, &ce) || !errors.As(err, &ee) || err.Error() != "ssh -G web1: no such config" {
		t.Errorf("ssh -G failing: %v", err)
	}
	_, err = SSH{Binary: filepath.Join(dir, "missing")}.Command(context.Background(), Target{Host: "web1"}, "x")
	if !errors.Is(err, os.ErrNotExist) || !strings.HasSuffix(err.Error(), "(install openssh-client)") {
		t.Errorf("no ssh: %v", err)
	}
}

// Exec's unreachable host keeps its cause.
func TestExecUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := fakeSSH(t, "exec sleep 10").Exec(ctx, Target{Host: "slow"}, "x", nil, nil, nil)
	var ue *UnreachableError
	if !errors.As(err, &ue) || !errors.Is(err, context.DeadlineExceeded) || err.Error() != "slow: unreachable: timed out" {
		t.Errorf("timeout: %v", err)
	}
	_, err = fakeSSH(t, "echo 'Permission denied (publickey).' >&2; exit 255").Exec(context.Background(), Target{Host: "web1"}, "x", nil, nil, nil)
	if !errors.As(err, &ue) || errors.Unwrap(err) != nil || err.Error() != "web1: unreachable: Permission denied (publickey)." {
		t.Errorf("ssh's own failure: %v", err)
	}
}
