package seccomp

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/jsonerr"
)

// Names a policy gives that no architecture knows (issue 13). In a rule
// that denies, an unknown name is an error: the rule would deny nothing
// ("mout" under a default ALLOW leaves mount allowed). In an allow-list
// it is a warning, since policies such as Docker's list calls newer than
// libseccomp's table, which then get the default action; shannot says so
// once per policy (by its digest), with "did you mean" either way.

var allNames = sync.OnceValue(func() []string {
	names := make([]string, 0, len(syscallNames))
	for _, n := range syscallNames {
		names = append(names, n)
	}
	return names
})

// KnownCall reports whether any architecture's table has name.
func KnownCall(name string) bool {
	for _, n := range syscallNames {
		if n == name {
			return true
		}
	}
	return false
}

// SuggestCall is the known call whose name is closest to name, "" when
// none is close enough to be a typo: at most 2 edits, and at most a
// quarter of the name (listmount, a call newer than the table, is not a
// typo of listxattr).
func SuggestCall(name string) string {
	s := jsonerr.Suggest(name, allNames())
	if s == "" {
		return ""
	}
	if d := jsonerr.EditDistance(name, s); d > 2 || d > max(1, len(name)/4) {
		return ""
	}
	return s
}

// didYouMean is "; did you mean \"x\"?" or "".
func didYouMean(name string) string {
	if s := SuggestCall(name); s != "" && s != name {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// checkDenyNames refuses a rule that denies (any action but ALLOW and
// LOG) a call no architecture knows, naming its JSON pointer.
func (f *Filter) checkDenyNames(p *Policy) error {
	for _, r := range f.Rules {
		if r.Action.Permits() {
			continue
		}
		for i, n := range r.Names {
			if KnownCall(n) {
				continue
			}
			at := r.Pointer + jsonerr.Pointer("names", fmt.Sprint(i))
			if idx := ruleIndex(r.Pointer); idx >= 0 && idx < len(p.Syscalls) && p.Syscalls[idx].Name != "" {
				at = r.Pointer + "/name"
			}
			return fmt.Errorf("%s: unknown system call %q in a rule that gives %s: it would deny nothing (libseccomp %s knows no such call on any architecture)%s",
				at, n, r.Action, TableLibseccomp, didYouMean(n))
		}
	}
	return nil
}

// ruleIndex is N of "/syscalls/N", or -1.
func ruleIndex(ptr string) int {
	var i int
	if _, err := fmt.Sscanf(ptr, "/syscalls/%d", &i); err != nil {
		return -1
	}
	return i
}

// UnknownWarning words the warning for calls of an allow-list that
// libseccomp does not know, with a suggestion for each that looks like a
// typo.
func UnknownWarning(source, library string, unknown []string) string {
	named := make([]string, len(unknown))
	for i, n := range unknown {
		named[i] = n
		if s := SuggestCall(n); s != "" && s != n {
			named[i] = fmt.Sprintf("%s (did you mean %q?)", n, s)
		}
	}
	return fmt.Sprintf("seccomp policy %s: system calls unknown to libseccomp %s get the default action: %s (said once for this policy)",
		source, library, strings.Join(named, ", "))
}

// FirstTime reports whether what key names has not been recorded in the
// cache directory before, and records it: for a warning given once per
// policy. A nil cache, or one that cannot be written, always says true
// (a warning given again costs less than one never given).
func (c *Cache) FirstTime(key string) bool {
	if c == nil || c.Dir == "" || strings.ContainsAny(key, "/\x00") {
		return true
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return true
	}
	f, err := os.OpenFile(filepath.Join(c.Dir, "said-"+key), os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return false
	}
	if err == nil {
		f.Close()
	}
	return true
}
