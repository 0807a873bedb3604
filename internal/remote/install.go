package remote

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/shannot-project/shannot/pkg/bwrap"
)

// installTimeout bounds the installation on one host.
const installTimeout = 5 * time.Minute

// RemotePath is where Install puts the binary on the remote, relative
// to the remote user's home (where ssh starts commands).
func RemotePath(binary string) (string, error) {
	sum, err := fileSHA256(binary)
	if err != nil {
		return "", err
	}
	return pathFor(sum), nil
}

func pathFor(sum string) string { return ".cache/shannot/shannot-" + sum[:16] }

func fileSHA256(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err // a *fs.PathError naming the file
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Install copies binary to t and checks it there: its SHA-256 must match
// before it is put in place, and it must run. It returns the remote path;
// out receives what the remote said (the installed shannot's --version).
func (s SSH) Install(ctx context.Context, t Target, binary string, out io.Writer) (string, error) {
	sum, err := fileSHA256(binary)
	if err != nil {
		return "", err
	}
	path := pathFor(sum)
	f, err := os.Open(binary)
	if err != nil {
		return "", err
	}
	defer f.Close()
	// The script is fixed but for the path and the checksum, which are
	// hex and a fixed prefix: nothing the user typed reaches the shell.
	script := fmt.Sprintf(`set -e
umask 022
mkdir -p .cache/shannot
tmp=.cache/shannot/.incoming.$$
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
sum=$(sha256sum "$tmp" | cut -d" " -f1)
if [ "$sum" != %s ]; then echo "checksum mismatch after copy: got $sum" >&2; exit 3; fi
chmod 0755 "$tmp"
mv -f "$tmp" %s
trap - EXIT
./%s --version`, sum, path, path)
	code, err := s.Exec(ctx, t, "sh -c "+bwrap.Quote([]string{script}), f, out, out)
	if err != nil {
		return "", err
	}
	if code != 0 {
		return "", fmt.Errorf("%s: installing shannot failed (exit status %d)", t, code)
	}
	return path, nil
}

// InstallAll installs binary on each target in turn, each within five
// minutes, and says how each went: "HOST: installed ~/PATH (VERSION)" on
// stdout, or "shannot: ERROR" and what the host said, indented, on
// stderr. It returns an error saying how many hosts failed, if any did.
func (s SSH) InstallAll(targets []Target, binary string, stdout, stderr io.Writer) error {
	failed := 0
	for _, t := range targets {
		ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
		var out lockedBuffer // ssh's stdout and stderr, copied at once
		path, err := s.Install(ctx, t, binary, &out)
		cancel()
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "shannot: %v\n%s", err, indent(out.String()))
			continue
		}
		first, _, _ := strings.Cut(out.String(), "\n")
		fmt.Fprintf(stdout, "%s: installed ~/%s (%s)\n", t, path, first)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d hosts failed", failed, len(targets))
	}
	return nil
}

// lockedBuffer is a bytes.Buffer that two goroutines may write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ") + "\n"
}
