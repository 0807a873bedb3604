package profile

import (
	"slices"
	"strings"
	"testing"
)

func TestHostView(t *testing.T) {
	const policy = `"seccomp_profile": "builtin:seccomp/hostview.json"`
	for _, tc := range []struct {
		name    string
		json    string
		want    []string // HostView, in canonical order
		netIso  bool
		wantErr string
	}{
		{"none", `{"name": "x"}`, nil, true, ""},
		{"all, any order", `{"name": "x", ` + policy + `, "host_view": ["logs", "hostname", "filesystems", "network", "processes"]}`,
			[]string{"processes", "network", "filesystems", "hostname", "logs"}, false, ""},
		{"hostname and logs need no policy", `{"name": "x", "host_view": ["hostname", "logs"]}`, []string{"hostname", "logs"}, true, ""},
		{"unknown view", `{"name": "x", "host_view": ["proc"]}`, nil, true, `/host_view/0: does not match pattern '^(processes|network|filesystems|hostname|logs)$'`},
		{"twice", `{"name": "x", ` + policy + `, "host_view": ["network", "network"]}`, nil, true, `/host_view/1: "network" is listed twice`},
		{"isolation contradicts", `{"name": "x", ` + policy + `, "network_isolation": true, "host_view": ["network"]}`, nil, true, `/network_isolation: true contradicts host_view "network"`},
		{"isolation false agrees", `{"name": "x", ` + policy + `, "network_isolation": false, "host_view": ["network"]}`, []string{"network"}, false, ""},
		{"--hostname contradicts", `{"name": "x", "host_view": ["hostname"], "additional_args": ["--hostname", "sandbox"]}`, nil, true, `/additional_args/0: --hostname contradicts host_view "hostname"`},
		{"no policy", `{"name": "x", "host_view": ["filesystems"]}`, nil, true, `/seccomp_profile: host_view "processes", "network" and "filesystems" need a seccomp filter, such as "builtin:seccomp/hostview.json"`},
		{"null policy", `{"name": "x", "seccomp_profile": null, "host_view": ["processes"]}`, nil, true, `/seccomp_profile: host_view`},
		{"another policy is the sandbox's to judge", `{"name": "x", "seccomp_profile": "builtin:seccomp/readonly.json", "host_view": ["processes"]}`, []string{"processes"}, true, ""},
		{"not a list", `{"name": "x", "host_view": "network"}`, nil, true, `/host_view`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse([]byte(tc.json), Origin{Path: "/p.json"})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse = %v; want error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.HostView, tc.want) || p.NetworkIsolation != tc.netIso {
				t.Errorf("host view %q, network isolation %v; want %q, %v", p.HostView, p.NetworkIsolation, tc.want, tc.netIso)
			}
			for _, v := range Views {
				if p.Shares(v) == slices.Contains(p.SandboxViews(), v) {
					t.Errorf("view %s is both or neither the host's and the sandbox's", v)
				}
			}
		})
	}
}

// Every limit names its view, only views the profile shares have any,
// and the owners line is for unprivileged runs only.
func TestHostViewLimits(t *testing.T) {
	all := &Profile{HostView: Views}
	for _, asRoot := range []bool{true, false} {
		lines := all.HostViewLimits(asRoot)
		owners := false
		for _, l := range lines {
			view, _, ok := strings.Cut(l, ": ")
			if !ok || !slices.Contains(Views, view) {
				t.Errorf("asRoot %v: %q does not start with a view", asRoot, l)
			}
			owners = owners || strings.Contains(l, "nobody (65534)")
		}
		if owners == asRoot {
			t.Errorf("asRoot %v: the owners line present = %v", asRoot, owners)
		}
	}
	if got := (&Profile{HostView: []string{ViewHostname}}).HostViewLimits(false); len(got) != 0 {
		t.Errorf("hostname only: %q, want none", got)
	}
	if got := (&Profile{}).HostViewLimits(false); got != nil {
		t.Errorf("no view: %q", got)
	}
}
