package profile

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/shannot-project/shannot/internal/capread"
	"github.com/shannot-project/shannot/internal/jsonerr"
	"github.com/shannot-project/shannot/profiles"
)

// MaxSize is the largest profile, in bytes, that shannot reads.
const MaxSize = 1 << 20

// Profile is a validated sandbox profile with every default filled in
// and every path absolute.
type Profile struct {
	Name            string            `json:"name"`
	Description     string            `json:"description,omitempty"`
	AllowedCommands []string          `json:"allowed_commands"`
	Binds           []Bind            `json:"binds"`
	TmpfsPaths      []string          `json:"tmpfs_paths"`
	Environment     map[string]string `json:"environment"`
	// SeccompProfile is the filter file, or nil for no filter. A policy
	// shipped in the binary is "builtin:" and its name in the embedded
	// profiles tree (builtin:seccomp/readonly.json), whichever profile
	// names it: a built-in profile's own relative path becomes one.
	SeccompProfile         *string  `json:"seccomp_profile"`
	NetworkIsolation       bool     `json:"network_isolation"`
	UserNamespaceIsolation bool     `json:"user_namespace_isolation"`
	AdditionalArgs         []string `json:"additional_args"`
	// HostView names the views of the host the sandbox shares instead of
	// making its own (see hostview.go): processes, network, filesystems,
	// hostname, logs. Empty: every view is the sandbox's.
	HostView []string `json:"host_view,omitempty"`

	// Origin is where the profile was read from.
	Origin Origin `json:"-"`
	// SHA256 is the hash of the profile's bytes, for audit logs.
	SHA256 string `json:"-"`
}

// Bind is a host path made visible inside the sandbox.
type Bind struct {
	Source string `json:"source"`
	Target string `json:"target"`
	// ReadOnly binds with --ro-bind (the default); false gives --bind.
	ReadOnly bool `json:"read_only"`
	// CreateTarget is accepted for compatibility with the original's
	// profiles. bwrap itself creates a missing mount point of the source's
	// type (directory or file), so it needs no argument of its own; the
	// original's "--dir TARGET" broke binds of files.
	CreateTarget bool `json:"create_target"`
	// Optional binds are skipped when their source does not exist on the
	// host (bwrap's --ro-bind-try); a missing required source is an error.
	Optional bool `json:"optional"`
	// Declared is Source as the profile gives it (made absolute), before
	// CheckHost resolved its symlinks: a root-run sandbox resolves it
	// again itself, following no symlink a user could have planted.
	Declared string `json:"-"`
}

// Origin says where a profile came from.
type Origin struct {
	// Path is the file the profile was read from; for a built-in profile
	// it is the file's name inside the embedded tree.
	Path string
	// Builtin is true for a profile embedded in the binary.
	Builtin bool
}

// String names the origin the way error messages do.
func (o Origin) String() string {
	if o.Builtin {
		return profiles.Ref(o.Path)
	}
	return o.Path
}

// dir is the directory that relative paths in the profile resolve against.
func (o Origin) dir() string {
	if o.Builtin {
		return path.Dir(o.Path)
	}
	return filepath.Dir(o.Path)
}

// rawProfile mirrors the JSON, with pointers where a default applies.
type rawProfile struct {
	Name                   string            `json:"name"`
	Description            string            `json:"description"`
	AllowedCommands        []string          `json:"allowed_commands"`
	Binds                  []rawBind         `json:"binds"`
	TmpfsPaths             []string          `json:"tmpfs_paths"`
	Environment            map[string]string `json:"environment"`
	SeccompProfile         *string           `json:"seccomp_profile"`
	NetworkIsolation       *bool             `json:"network_isolation"`
	UserNamespaceIsolation *bool             `json:"user_namespace_isolation"`
	AdditionalArgs         []string          `json:"additional_args"`
	HostView               []string          `json:"host_view"`
}

type rawBind struct {
	Source       string `json:"source"`
	Target       string `json:"target"`
	ReadOnly     *bool  `json:"read_only"`
	CreateTarget *bool  `json:"create_target"`
	Optional     bool   `json:"optional"`
}

//go:embed schema.json
var schemaJSON []byte

// Schema returns the embedded JSON Schema of the profile format.
func Schema() []byte { return slices.Clone(schemaJSON) }

// read reads and parses a profile file.
func read(file string, open capread.Opener) (*Profile, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, &Error{File: file, Err: err}
	}
	if open == nil {
		open = capread.Open
	}
	data, err := readCapped(abs, open)
	if err != nil {
		return nil, &Error{File: abs, Err: err}
	}
	return Parse(data, Origin{Path: abs})
}

// readCapped reads a regular file of at most MaxSize bytes.
func readCapped(file string, open capread.Opener) ([]byte, error) {
	f, err := open(file)
	if err != nil {
		return nil, describeOpenError(err)
	}
	defer f.Close()
	data, err := capread.Read(f, MaxSize, false)
	if errors.Is(err, capread.ErrTooLarge) {
		return nil, fmt.Errorf("larger than %d bytes; a profile is a small JSON file", MaxSize)
	}
	if err != nil {
		return nil, describeOpenError(err)
	}
	return data, nil
}

func describeOpenError(err error) error {
	var ne *capread.NotRegularError
	if errors.As(err, &ne) {
		return fmt.Errorf("is %s, not a regular file: give a profile file", ne.Kind)
	}
	var pe *os.PathError
	if errors.As(err, &pe) && errors.Is(pe.Err, syscall.ELOOP) {
		return &worded{"too many levels of symbolic links", err}
	}
	if errors.As(err, &pe) {
		switch {
		case errors.Is(err, os.ErrNotExist):
			return &worded{"no such file", err}
		case errors.Is(err, os.ErrPermission):
			return &worded{"permission denied", err}
		}
		return &worded{pe.Err.Error(), err}
	}
	return err
}

// worded is an error said in shannot's words (the path is already in
// the message around it) that keeps its cause for errors.Is and As.
type worded struct {
	msg string
	err error
}

func (w *worded) Error() string { return w.msg }
func (w *worded) Unwrap() error { return w.err }

// Parse validates the profile in data and fills in its defaults. Relative
// paths resolve against the directory of origin. It does not look at the
// host: bind sources are checked by Open.
func Parse(data []byte, origin Origin) (*Profile, error) {
	fail := func(ptr, format string, args ...any) error {
		return &Error{File: origin.String(), Pointer: ptr, Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > MaxSize {
		return nil, fail("", "larger than %d bytes; a profile is a small JSON file", MaxSize)
	}
	if err := jsonerr.CheckUTF8(data); err != nil {
		return nil, fail("", "%v", err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fail("", "%s", jsonerr.Describe(data, err))
	}
	if dup := jsonerr.Duplicates(data); dup != nil {
		return nil, fail(dup.Pointer, "%v", dup)
	}
	// The schema-level checks (conformance_test.go holds them to the
	// schema's verdicts); the rest only ever refuse more.
	if se := profileSchema.validate(doc); se != nil {
		return nil, fail(se.pointer, "%s", se.msg)
	}
	if ptr := findNUL(doc); ptr != "" {
		return nil, fail(ptr, "contains a NUL byte; remove it")
	}
	raw, ok := rawFrom(doc)
	if !ok {
		// A shape rawFrom does not take (none that the schema lets
		// through): encoding/json decides, as it did for every profile.
		raw = rawProfile{}
		if err := json.Unmarshal(data, &raw); err != nil {
			return nil, fail("", "%s", jsonerr.Describe(data, err))
		}
	}
	p, err := raw.resolve(origin, fail)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	p.SHA256 = hex.EncodeToString(sum[:])
	return p, nil
}

// rawFrom is json.Unmarshal(data, &raw) for a document the schema has
// accepted, taken from the document already decoded: decoding the bytes
// a second time, by reflection, cost a launch 260,000 instructions. The
// schema leaves only exact keys (it refuses unknown ones, which
// encoding/json would match without regard to case) and the types
// below; ok is false for anything else, and the caller lets
// encoding/json decide (TestRawFromAgrees holds the two to the same
// result).
func rawFrom(doc any) (raw rawProfile, ok bool) {
	m, ok := doc.(map[string]any)
	if !ok {
		return raw, false
	}
	for k, v := range m {
		switch k {
		case "$schema":
			_, ok = v.(string)
		case "name":
			raw.Name, ok = v.(string)
		case "description":
			raw.Description, ok = v.(string)
		case "allowed_commands":
			raw.AllowedCommands, ok = strings_(v)
		case "tmpfs_paths":
			raw.TmpfsPaths, ok = strings_(v)
		case "additional_args":
			raw.AdditionalArgs, ok = strings_(v)
		case "host_view":
			raw.HostView, ok = strings_(v)
		case "environment":
			var env map[string]any
			if env, ok = v.(map[string]any); ok {
				raw.Environment = make(map[string]string, len(env))
				for name, val := range env {
					if raw.Environment[name], ok = val.(string); !ok {
						break
					}
				}
			}
		case "seccomp_profile":
			switch v := v.(type) {
			case nil:
			case string:
				raw.SeccompProfile = &v
			default:
				ok = false
			}
		case "network_isolation":
			raw.NetworkIsolation, ok = boolPtr(v)
		case "user_namespace_isolation":
			raw.UserNamespaceIsolation, ok = boolPtr(v)
		case "binds":
			var list []any
			if list, ok = v.([]any); ok {
				raw.Binds = make([]rawBind, len(list))
				for i, e := range list {
					if raw.Binds[i], ok = rawBindFrom(e); !ok {
						break
					}
				}
			}
		default:
			ok = false
		}
		if !ok {
			return rawProfile{}, false
		}
	}
	return raw, true
}

func rawBindFrom(v any) (b rawBind, ok bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return b, false
	}
	for k, v := range m {
		switch k {
		case "source":
			b.Source, ok = v.(string)
		case "target":
			b.Target, ok = v.(string)
		case "read_only":
			b.ReadOnly, ok = boolPtr(v)
		case "create_target":
			b.CreateTarget, ok = boolPtr(v)
		case "optional":
			b.Optional, ok = v.(bool)
		default:
			ok = false
		}
		if !ok {
			return rawBind{}, false
		}
	}
	return b, true
}

// strings_ is a JSON array of strings.
func strings_(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(list))
	for i, e := range list {
		if out[i], ok = e.(string); !ok {
			return nil, false
		}
	}
	return out, true
}

func boolPtr(v any) (*bool, bool) {
	b, ok := v.(bool)
	if !ok {
		return nil, false
	}
	return &b, true
}

// resolve turns the raw document into a Profile, checking the rules a
// schema cannot express.
func (raw *rawProfile) resolve(origin Origin, fail func(ptr, format string, args ...any) error) (*Profile, error) {
	p := &Profile{
		Name:                   raw.Name,
		Description:            raw.Description,
		AllowedCommands:        nonNil(raw.AllowedCommands),
		TmpfsPaths:             []string{},
		Environment:            raw.Environment,
		NetworkIsolation:       boolOr(raw.NetworkIsolation, true),
		UserNamespaceIsolation: boolOr(raw.UserNamespaceIsolation, true),
		AdditionalArgs:         nonNil(raw.AdditionalArgs),
		Binds:                  []Bind{},
		Origin:                 origin,
	}
	if p.Environment == nil {
		p.Environment = map[string]string{}
	}
	if path, ok := p.Environment["PATH"]; ok {
		// execvp searches relative entries ("." or empty) from the
		// working directory: the command found there need not be the one
		// shannot checked against allowed_commands.
		for _, dir := range strings.Split(path, ":") {
			if !strings.HasPrefix(dir, "/") {
				return nil, fail("/environment/PATH", "%s is not an absolute directory: the sandbox's PATH must list only absolute directories, so that the command checked is the command run", jsonerr.Quote(dir))
			}
		}
	}
	for i, pat := range p.AllowedCommands {
		if _, err := path.Match(pat, ""); err != nil {
			return nil, fail(jsonerr.Pointer("allowed_commands", fmt.Sprint(i)), "%s is not a valid glob pattern", jsonerr.Quote(pat))
		}
	}
	targets := map[string]string{} // cleaned target -> pointer of its first use
	claim := func(target, ptr string) error {
		if first, ok := targets[target]; ok {
			return fail(ptr, "%s is already mounted by %s; keep one of them", jsonerr.Clip(target), first)
		}
		targets[target] = ptr
		return nil
	}
	for i, b := range raw.Binds {
		ptr := "/binds/" + strconv.Itoa(i)
		target, err := sandboxPath(b.Target)
		if err != nil {
			return nil, fail(ptr+"/target", "%v", err)
		}
		source := b.Source
		if origin.Builtin && !filepath.IsAbs(source) {
			return nil, fail(ptr+"/source", "must be an absolute path in a built-in profile")
		}
		if !filepath.IsAbs(source) {
			source = filepath.Join(origin.dir(), source)
		}
		source = filepath.Clean(source)
		if source == "/proc" || strings.HasPrefix(source, "/proc/") {
			return nil, fail(ptr+"/source", "binding the host's /proc is refused (it exposes and lets the command change host processes); remove this bind: the sandbox has its own /proc")
		}
		if err := claim(target, ptr+"/target"); err != nil {
			return nil, err
		}
		p.Binds = append(p.Binds, Bind{
			Source:       source,
			Target:       target,
			ReadOnly:     boolOr(b.ReadOnly, true),
			CreateTarget: boolOr(b.CreateTarget, true),
			Optional:     b.Optional,
		})
	}
	for i, t := range raw.TmpfsPaths {
		ptr := "/tmpfs_paths/" + strconv.Itoa(i)
		target, err := sandboxPath(t)
		if err != nil {
			return nil, fail(ptr, "%v", err)
		}
		if err := claim(target, ptr); err != nil {
			return nil, err
		}
		p.TmpfsPaths = append(p.TmpfsPaths, target)
	}
	if raw.SeccompProfile != nil {
		sp := *raw.SeccompProfile
		switch {
		case strings.HasPrefix(sp, profiles.Prefix):
			// A shipped policy, wherever the profile is saved.
		case origin.Builtin:
			sp = profiles.Ref(path.Join(origin.dir(), sp))
		case !filepath.IsAbs(sp):
			sp = filepath.Join(origin.dir(), sp)
		}
		p.SeccompProfile = &sp
	}
	if err := checkAdditionalArgs(p, targets, fail); err != nil {
		return nil, err
	}
	if err := resolveHostView(p, raw, fail); err != nil {
		return nil, err
	}
	return p, nil
}

// sandboxPath checks and cleans a path inside the sandbox.
func sandboxPath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%s must be an absolute path", jsonerr.Quote(p))
	}
	c := path.Clean(p)
	for _, reserved := range []string{"/proc", "/dev"} {
		if c == reserved || strings.HasPrefix(c, reserved+"/") {
			return "", fmt.Errorf("%s is reserved: the sandbox mounts its own %s; choose another path", jsonerr.Clip(c), reserved)
		}
	}
	return c, nil
}

// CheckHost checks the bind sources on this host: required ones must
// exist, and every existing one is canonicalised so that bwrap is handed
// paths without symlinks (as root, see resolveSource). Open calls it.
func (p *Profile) CheckHost() error {
	for i := range p.Binds {
		b := &p.Binds[i]
		if b.Declared == "" {
			b.Declared = b.Source
		}
		real, err := resolveSource(b.Source)
		switch {
		case err == nil:
			b.Source = real
		case errors.Is(err, os.ErrNotExist) && b.Optional:
			// bwrap's --ro-bind-try skips it.
		case errors.Is(err, os.ErrNotExist):
			return &Error{File: p.Origin.String(), Pointer: jsonerr.Pointer("binds", fmt.Sprint(i), "source"),
				Msg: fmt.Sprintf("%s does not exist on this host; create it, fix the path, or set \"optional\": true", jsonerr.Clip(b.Source))}
		default:
			return &Error{File: p.Origin.String(), Pointer: jsonerr.Pointer("binds", fmt.Sprint(i), "source"),
				Msg: fmt.Sprintf("cannot resolve %s: %v", jsonerr.Clip(b.Source), describeOpenError(err))}
		}
		if b.Source == "/proc" || strings.HasPrefix(b.Source, "/proc/") {
			return &Error{File: p.Origin.String(), Pointer: jsonerr.Pointer("binds", fmt.Sprint(i), "source"),
				Msg: "resolves into the host's /proc, which is refused; remove this bind"}
		}
	}
	return nil
}

// findNUL returns the pointer of the first string or key holding a NUL
// byte, or "". Such strings cannot be handed to bwrap as arguments.
// "First" is in sorted key order, for the same report every time; the
// keys are sorted only when there is a NUL to report.
func findNUL(v any) string {
	if !hasNUL(v) {
		return ""
	}
	var path []string
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case string:
			return strings.IndexByte(v, 0) >= 0
		case []any:
			for i, e := range v {
				if walk(e) {
					path = append(path, strconv.Itoa(i))
					return true
				}
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if strings.IndexByte(k, 0) >= 0 || walk(v[k]) {
					path = append(path, k)
					return true
				}
			}
		}
		return false
	}
	if !walk(v) {
		return ""
	}
	slices.Reverse(path)
	return orRoot(jsonerr.Pointer(path...))
}

// hasNUL says whether a string or key of v holds a NUL byte.
func hasNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) >= 0
	case []any:
		for _, e := range v {
			if hasNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.IndexByte(k, 0) >= 0 || hasNUL(e) {
				return true
			}
		}
	}
	return false
}

func orRoot(ptr string) string {
	if ptr == "" {
		return "/"
	}
	return ptr
}

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
