package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"syscall"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/capread"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/profiles"
)

// The resources: shannot://profiles lists the offered profiles, and
// shannot://profiles/NAME is one of them, exactly as `shannot export`
// prints it, followed by its seccomp policy summarised. The template
// shannot://profiles/{name} names them all.

// ProfilesURI is the listing; a profile is ProfilesURI + "/" + its name.
const ProfilesURI = "shannot://profiles"

// PolicySummary is what a profile's seccomp policy does, in short.
type PolicySummary struct {
	SeccompProfile *string `json:"seccomp_profile" jsonschema:"the filter, as the profile names it; null: no filter"`
	Summary        string  `json:"summary"`
	// DefaultAction is what a call no rule names gets.
	DefaultAction string `json:"default_action,omitempty"`
	// AllowedSyscalls counts the calls some rule allows (some only with
	// the arguments it checks).
	AllowedSyscalls int `json:"allowed_syscalls"`
	// Denies are the rules whose action is not to allow.
	Denies []DenyRule `json:"denies"`
}

// DenyRule is one rule of a policy that refuses or kills.
type DenyRule struct {
	Action   string   `json:"action" jsonschema:"the OCI action, with its errno: SCMP_ACT_ERRNO (EPERM)"`
	Syscalls []string `json:"syscalls"`
	// Conditional rules apply only when the call's arguments match.
	Conditional bool   `json:"conditional,omitempty"`
	Comment     string `json:"comment,omitempty"`
}

// ProfileEntry is one line of the listing.
type ProfileEntry struct {
	Name        string `json:"name"`
	URI         string `json:"uri"`
	Description string `json:"description,omitempty"`
	Origin      string `json:"origin"`
	Default     bool   `json:"default"`
}

// Export is the profile as `shannot export` prints it.
func Export(p *profile.Profile) ([]byte, error) {
	out, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// summarisePolicy reads the profile's filter and summarises it.
func summarisePolicy(p *profile.Profile) (PolicySummary, error) {
	s := PolicySummary{SeccompProfile: p.SeccompProfile, Denies: []DenyRule{}}
	if p.SeccompProfile == nil {
		s.Summary = "no seccomp filter: every system call the kernel lets an unprivileged user make"
		return s, nil
	}
	var data []byte
	var err error
	if name, ok := profiles.Cut(*p.SeccompProfile); ok {
		data, err = profiles.ReadFile(name)
	} else {
		data, err = capread.ReadFile(*p.SeccompProfile, seccomp.MaxPolicySize)
	}
	if err != nil {
		return PolicySummary{}, fmt.Errorf("reading the seccomp policy %s: %w", *p.SeccompProfile, err)
	}
	if !seccomp.IsPolicy(data) {
		s.Summary = "a compiled BPF filter (not a JSON policy): see `shannot seccomp inspect` for what it does"
		return s, nil
	}
	pol, err := seccomp.ParsePolicy(data, *p.SeccompProfile)
	if err != nil {
		return PolicySummary{}, err
	}
	return summarise(s, pol), nil
}

// summarise is summarisePolicy's pure part.
func summarise(s PolicySummary, pol *seccomp.Policy) PolicySummary {
	s.DefaultAction = actionName(pol.DefaultAction, pol.DefaultErrnoRet, pol.DefaultErrno)
	allowed := map[string]bool{}
	for _, rule := range pol.Syscalls {
		names := rule.Names
		if rule.Name != "" {
			names = []string{rule.Name}
		}
		switch rule.Action {
		case "SCMP_ACT_ALLOW", "SCMP_ACT_LOG":
			for _, n := range names {
				allowed[n] = true
			}
		default:
			s.Denies = append(s.Denies, DenyRule{Action: actionName(rule.Action, rule.ErrnoRet, rule.Errno), Syscalls: slices.Clone(names),
				Conditional: len(rule.Args) > 0, Comment: rule.Comment})
		}
	}
	s.AllowedSyscalls = len(allowed)
	s.Summary = fmt.Sprintf("seccomp: %d system calls allowed (some only with the arguments their rules check); every other call gets %s; %d rules deny calls outright",
		s.AllowedSyscalls, s.DefaultAction, len(s.Denies))
	return s
}

// actionName is an OCI action with its errno by name.
func actionName(action string, errnoRet *uint, errno string) string {
	switch {
	case errno != "":
		return action + " (" + errno + ")"
	case errnoRet != nil:
		return fmt.Sprintf("%s (%s)", action, unix.ErrnoName(syscall.Errno(*errnoRet)))
	case action == "SCMP_ACT_ERRNO":
		return action + " (EPERM)"
	}
	return action
}

func (s *Server) addResources(srv *mcp.Server) {
	srv.AddResource(&mcp.Resource{URI: ProfilesURI, Name: "profiles", Title: "The offered profiles", MIMEType: "application/json",
		Description: "The sandbox profiles this server offers, each with its resource URI."}, s.readProfiles)
	for _, p := range s.opts.Profiles {
		srv.AddResource(&mcp.Resource{URI: ProfilesURI + "/" + p.Name, Name: "profile " + p.Name, MIMEType: "application/json",
			Description: "The profile " + p.Name + " as `shannot export` prints it, then its seccomp policy summarised. " + p.Description}, s.readProfile)
	}
	srv.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: ProfilesURI + "/{name}", Name: "profile", MIMEType: "application/json",
		Description: "An offered profile by name (see " + ProfilesURI + "): as `shannot export` prints it, then its seccomp policy summarised."}, s.readProfile)
}

func (s *Server) readProfiles(context.Context, *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	list := []ProfileEntry{}
	for i, p := range s.opts.Profiles {
		list = append(list, ProfileEntry{Name: p.Name, URI: ProfilesURI + "/" + p.Name, Description: p.Description, Origin: p.Origin.String(), Default: i == 0})
	}
	out, err := json.MarshalIndent(map[string]any{"profiles": list}, "", "  ")
	if err != nil {
		return nil, err
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: ProfilesURI, MIMEType: "application/json", Text: string(out) + "\n"}}}, nil
}

func (s *Server) readProfile(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	uri := req.Params.URI
	name, ok := strings.CutPrefix(uri, ProfilesURI+"/")
	p := s.profiles[name]
	if !ok || p == nil {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	exported, err := Export(p)
	if err != nil {
		return nil, err
	}
	sum, err := summarisePolicy(p)
	if err != nil {
		return nil, err
	}
	policy, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return nil, err
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{
		{URI: uri, MIMEType: "application/json", Text: string(exported)},
		{URI: uri + "#policy", MIMEType: "application/json", Text: string(policy) + "\n"},
	}}, nil
}
