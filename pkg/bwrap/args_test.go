package bwrap

import (
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shannot-project/shannot/internal/testutil"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/profiles"
)

func parse(t *testing.T, doc string) *profile.Profile {
	t.Helper()
	p, err := profile.Parse([]byte(doc), profile.Origin{Path: "/etc/shannot/test.json"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestArgs(t *testing.T) {
	base := []string{"--die-with-parent", "--new-session"}
	ns := []string{"--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try"}
	// The masks under /proc are one level deeper than /proc and /dev.
	var masks []string
	for _, m := range ProcMasks {
		masks = append(masks, "--ro-bind-try", m, m)
	}
	procDev := append([]string{"--proc", "/proc", "--dev", "/dev"}, masks...)
	for _, tc := range []struct {
		name string
		doc  string
		opts Options
		want [][]string
	}{
		{
			name: "defaults",
			doc:  `{"name": "x"}`,
			opts: Options{},
			want: [][]string{base, {"--unshare-user", "--disable-userns"}, ns, {"--unshare-net", "--cap-drop", "ALL", "--clearenv"}, procDev, {"--"}},
		},
		{
			// The caller writes the id maps (a root-run host view): bwrap
			// 0.8 takes no --disable-userns beside --userns-block-fd.
			name: "id maps written by the caller",
			doc:  `{"name": "x"}`,
			opts: Options{HostIDMap: true, ForceUserNS: true},
			want: [][]string{base, {"--unshare-user"}, ns, {"--unshare-net", "--cap-drop", "ALL", "--clearenv"}, procDev, {"--"}},
		},
		{
			name: "network and user namespace shared",
			doc:  `{"name": "x", "network_isolation": false, "user_namespace_isolation": false}`,
			opts: Options{},
			want: [][]string{base, ns, {"--cap-drop", "ALL", "--clearenv"}, procDev, {"--"}},
		},
		{
			name: "environment sorted, filter, additional args last",
			doc:  `{"name": "x", "environment": {"PATH": "/usr/bin", "HOME": "/h", "A": "has space"}, "additional_args": ["--hostname", "s"]}`,
			opts: Options{SeccompFD: 3},
			want: [][]string{base, {"--unshare-user", "--disable-userns"}, ns, {"--unshare-net", "--cap-drop", "ALL", "--clearenv",
				"--setenv", "A", "has space", "--setenv", "HOME", "/h", "--setenv", "PATH", "/usr/bin"}, procDev,
				{"--seccomp", "3", "--hostname", "s", "--"}},
		},
		{
			name: "deeper mounts after shallower ones, whatever the profile's order",
			doc: `{"name": "x", "network_isolation": false, "user_namespace_isolation": false,
				"tmpfs_paths": ["/usr/share/secret", "/tmp"],
				"binds": [{"source": "/srv/a", "target": "/usr/share/secret/keep", "read_only": false},
				          {"source": "/usr", "target": "/usr"},
				          {"source": "/", "target": "/"},
				          {"source": "/opt", "target": "/opt", "optional": true},
				          {"source": "/var/x", "target": "/var/x", "optional": true, "read_only": false}]}`,
			opts: Options{},
			want: [][]string{base, ns, {"--cap-drop", "ALL", "--clearenv",
				"--ro-bind", "/", "/",
				"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr", "--ro-bind-try", "/opt", "/opt"}, masks,
				{"--bind-try", "/var/x", "/var/x",
					"--tmpfs", "/usr/share/secret",
					"--bind", "/srv/a", "/usr/share/secret/keep",
					"--"}},
		},
		{
			name: "sources by descriptor, a missing optional one left out",
			doc: `{"name": "x", "network_isolation": false, "user_namespace_isolation": false,
				"binds": [{"source": "/usr", "target": "/usr"},
				          {"source": "/opt", "target": "/opt", "optional": true},
				          {"source": "/srv", "target": "/srv", "read_only": false},
				          {"source": "/etc", "target": "/etc"}]}`,
			opts: Options{SeccompFD: 3, BindFDs: []int{4, -1, 5, 0}},
			want: [][]string{base, ns, {"--cap-drop", "ALL", "--clearenv", "--proc", "/proc", "--dev", "/dev",
				"--ro-bind-fd", "4", "/usr", "--bind-fd", "5", "/srv", "--ro-bind", "/etc", "/etc"}, masks, {"--seccomp", "3", "--"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, w := range tc.want {
				want = append(want, w...)
			}
			if diff := cmp.Diff(Args(parse(t, tc.doc), tc.opts), want); diff != "" {
				t.Errorf("Args (-got +want):\n%s", diff)
			}
		})
	}
}

// TestArgsShippedProfiles pins the argv of every shipped profile. After
// a deliberate change, run: go test ./pkg/bwrap -run ShippedProfiles -update
func TestArgsShippedProfiles(t *testing.T) {
	names, err := fs.Glob(profiles.FS, "*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			data, _ := fs.ReadFile(profiles.FS, n)
			p, err := profile.Parse(data, profile.Origin{Path: n, Builtin: true})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(Args(p, Options{SeccompFD: 3}), "\n") + "\n"
			golden := filepath.Join("testdata", strings.TrimSuffix(n, ".json")+".args")
			testutil.Golden(t, golden, got, "go test ./pkg/bwrap -run ShippedProfiles")
		})
	}
}

func TestQuote(t *testing.T) {
	words := []string{"ls", "-la", "", "a b", "it's", `$HOME`, "a;b", "*", "new\nline", "--bind", "ünï"}
	want := `ls -la '' 'a b' 'it'\''s' '$HOME' 'a;b' '*' 'new` + "\n" + `line' --bind 'ünï'`
	if got := Quote(words); got != want {
		t.Errorf("Quote = %s\nwant    %s", got, want)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to read the quoted line back")
	}
	out, err := exec.Command(sh, "-c", `for a in `+Quote(words)+`; do printf '%s\0' "$a"; done`).Output()
	if err != nil {
		t.Fatal(err)
	}
	back := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if diff := cmp.Diff(back, words); diff != "" {
		t.Errorf("sh read Quote's output back differently (-got +want):\n%s", diff)
	}
}
