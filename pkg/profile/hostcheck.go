package profile

import (
	"os"
	"path/filepath"

	"github.com/shannot-project/shannot/internal/hostpath"
)

// resolveSource resolves a bind source's symlinks. As root it follows
// only symlinks nobody but root could have planted (hostpath.Open): a
// user's link into a root-only directory is refused, not followed, so
// neither where it leads nor whether that exists shows in what shannot
// prints (export, validate, errors).
func resolveSource(src string) (string, error) {
	if os.Geteuid() != 0 {
		return filepath.EvalSymlinks(src)
	}
	r, err := hostpath.Open(src)
	if err != nil {
		return "", err
	}
	r.File.Close()
	return r.Path, nil
}
