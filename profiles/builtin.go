package profiles

import (
	"io/fs"
	"strings"
)

// Prefix marks a reference to a file shipped in FS, wherever it is
// written: --profile builtin:minimal.json, a profile's
// "seccomp_profile": "builtin:seccomp/readonly.json", and the name error
// messages and audit records give an embedded file.
const Prefix = "builtin:"

// Ref is the reference to the embedded file name: Ref("minimal.json")
// is "builtin:minimal.json".
func Ref(name string) string { return Prefix + name }

// Cut returns the embedded file name that ref refers to, and whether ref
// is a builtin: reference at all. It does not look the name up.
func Cut(ref string) (name string, ok bool) { return strings.CutPrefix(ref, Prefix) }

// Profile returns the embedded file of the built-in profile name
// ("minimal", or "minimal.json" as profile list shows it), and whether
// there is one. Profiles live at the root of FS: a name with a slash is
// none.
func Profile(name string) (string, bool) {
	file := strings.TrimSuffix(name, ".json") + ".json"
	if strings.Contains(file, "/") || !exists(file) {
		return "", false
	}
	return file, true
}

// Policy returns the embedded file of the shipped seccomp policy name
// ("readonly" gives "seccomp/readonly.json"), and whether there is one.
// A name with a slash or a dot is none: it is a file name, not a policy's.
func Policy(name string) (string, bool) {
	if strings.ContainsAny(name, "/.") {
		return "", false
	}
	file := "seccomp/" + name + ".json"
	if !exists(file) {
		return "", false
	}
	return file, true
}

// Profiles lists the names of the built-in profiles ("minimal"), sorted.
func Profiles() []string { return names("*.json", "") }

// Policies lists the names of the shipped seccomp policies ("readonly"),
// sorted.
func Policies() []string { return names("seccomp/*.json", "seccomp/") }

// ReadFile returns the contents of the embedded file name, as a Cut or
// Profile or Policy gave it.
func ReadFile(name string) ([]byte, error) { return fs.ReadFile(FS, name) }

func exists(file string) bool {
	st, err := fs.Stat(FS, file)
	return err == nil && !st.IsDir()
}

func names(pattern, dir string) []string {
	files, _ := fs.Glob(FS, pattern) // the only error is a bad pattern, and these are constants
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = strings.TrimSuffix(strings.TrimPrefix(f, dir), ".json")
	}
	return out
}
