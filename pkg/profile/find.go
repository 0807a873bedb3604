package profile

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shannot-project/shannot/internal/capread"
	"github.com/shannot-project/shannot/profiles"
)

// DefaultName is the built-in profile used when nothing else is found.
const DefaultName = "minimal"

// Search describes where Find looks for a profile.
type Search struct {
	// Ref is the --profile value: a path, or the name of an installed or
	// built-in profile. Empty means "discover".
	Ref string
	// Getenv reads $SHANNOT_PROFILE and $SANDBOX_PROFILE; nil skips them.
	Getenv func(string) string
	// Home is the user's home directory for ~/.config/shannot/profile.json;
	// empty skips it.
	Home string
	// ConfigFiles are the system-wide default profile files, in order.
	ConfigFiles []string
	// Dirs hold installed profiles as NAME.json, searched in order before
	// the built-in ones.
	Dirs []string
}

// DefaultSearch is the discovery order of a normal run.
func DefaultSearch(ref string) Search {
	home, _ := os.UserHomeDir()
	return Search{
		Ref:         ref,
		Getenv:      os.Getenv,
		Home:        home,
		ConfigFiles: []string{"/etc/shannot/profile.json"},
		Dirs:        InstalledDirs(),
	}
}

// InstalledDirs lists the directories that hold installed profiles, most
// specific first: the administrator's, then those of package installs.
func InstalledDirs() []string {
	dirs := []string{"/etc/shannot/profiles"}
	if exe, err := os.Executable(); err == nil {
		// $PREFIX/bin/shannot finds $PREFIX/share/shannot/profiles.
		dirs = append(dirs, filepath.Join(filepath.Dir(filepath.Dir(exe)), "share", "shannot", "profiles"))
	}
	dirs = append(dirs, "/usr/local/share/shannot/profiles", "/usr/share/shannot/profiles")
	return dedup(dirs)
}

// Find returns where the profile to use is, following the discovery
// order. It does not read the profile.
func (s Search) Find() (Origin, error) {
	if s.Ref != "" {
		return s.lookup(s.Ref, "--profile")
	}
	if s.Getenv != nil {
		for _, v := range []string{"SHANNOT_PROFILE", "SANDBOX_PROFILE"} {
			if ref := s.Getenv(v); ref != "" {
				return s.lookup(ref, "$"+v)
			}
		}
	}
	var files []string
	if s.Home != "" {
		files = append(files, filepath.Join(s.Home, ".config", "shannot", "profile.json"))
	}
	for _, f := range append(files, s.ConfigFiles...) {
		if _, err := os.Lstat(f); err == nil {
			return Origin{Path: f}, nil
		}
	}
	return Origin{Path: DefaultName + ".json", Builtin: true}, nil
}

// lookup resolves a path or a name given by the user.
func (s Search) lookup(ref, from string) (Origin, error) {
	if name, ok := profiles.Cut(ref); ok {
		// As profile list names it: builtin:minimal.json (or builtin:minimal).
		file, ok := profiles.Profile(name)
		if !ok {
			return Origin{}, fmt.Errorf("no built-in profile %q (from %s); see shannot profile list", ref, from)
		}
		return Origin{Path: file, Builtin: true}, nil
	}
	if IsPath(ref) {
		// Not looked at here: opening it says whether it exists, and
		// under sudo only after the checks that keep root-only
		// directories from being probed.
		abs, err := filepath.Abs(ref)
		if err != nil {
			return Origin{}, fmt.Errorf("%s %q: %w", from, ref, err)
		}
		return Origin{Path: abs}, nil
	}
	for _, d := range s.Dirs {
		f := filepath.Join(d, ref+".json")
		if _, err := os.Stat(f); err == nil {
			return Origin{Path: f}, nil
		}
	}
	if file, ok := profiles.Profile(ref); ok {
		return Origin{Path: file, Builtin: true}, nil
	}
	names, _ := s.Names()
	return Origin{}, fmt.Errorf("no profile named %q (from %s); known profiles: %s; or give a path such as ./%s.json",
		ref, from, strings.Join(names, ", "), ref)
}

// IsPath tells a profile path from a profile name: paths contain a slash
// or end in .json.
func IsPath(ref string) bool {
	return strings.ContainsRune(ref, '/') || strings.HasSuffix(ref, ".json")
}

// Open reads, validates and resolves the profile at origin: relative
// paths are made absolute against the file's directory, bind sources are
// canonicalised (symlinks resolved) and required ones must exist. open
// opens the file; nil means capread.Open. A file given by the user is
// Origin{Path: file}.
func Open(o Origin, open capread.Opener) (*Profile, error) {
	p, err := Read(o, open)
	if err != nil {
		return nil, err
	}
	if err := p.CheckHost(); err != nil {
		return nil, err
	}
	return p, nil
}

// Read loads and validates the profile at origin without looking at
// this host's file system: for a profile that runs on another host.
func Read(o Origin, open capread.Opener) (*Profile, error) {
	if !o.Builtin {
		return read(o.Path, open)
	}
	data, err := profiles.ReadFile(o.Path)
	if err != nil {
		return nil, &Error{File: o.String(), Msg: "no such built-in profile"}
	}
	return Parse(data, o)
}

// Listing is one profile that --profile NAME can select.
type Listing struct {
	Name   string
	Origin Origin
	// Shadowed is true when an earlier directory holds a profile of the
	// same name, so this one is never selected by name.
	Shadowed bool
}

// List returns the installed and built-in profiles, in lookup order.
func (s Search) List() ([]Listing, error) {
	var out []Listing
	seen := map[string]bool{}
	add := func(name string, o Origin) {
		out = append(out, Listing{Name: name, Origin: o, Shadowed: seen[name]})
		seen[name] = true
	}
	for _, d := range s.Dirs {
		matches, err := filepath.Glob(filepath.Join(d, "*.json"))
		if err != nil {
			return nil, err
		}
		sort.Strings(matches)
		for _, m := range matches {
			add(strings.TrimSuffix(filepath.Base(m), ".json"), Origin{Path: m})
		}
	}
	for _, name := range profiles.Profiles() {
		file, _ := profiles.Profile(name)
		add(name, Origin{Path: file, Builtin: true})
	}
	return out, nil
}

// Names lists the distinct profile names that --profile NAME accepts.
func (s Search) Names() ([]string, error) {
	list, err := s.List()
	var names []string
	for _, l := range list {
		if !l.Shadowed {
			names = append(names, l.Name)
		}
	}
	sort.Strings(names)
	return names, err
}

func dedup(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		if c := filepath.Clean(s); !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}
