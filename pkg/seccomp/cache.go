package seccomp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/shannot-project/shannot/internal/atomicfile"
	"github.com/shannot-project/shannot/internal/capread"
)

// Cache keeps compiled programs by the hash of what they were compiled
// from, so that a launch with a JSON policy costs no compile after the
// first. Entries carry the hash of their program and are checked on
// every read; a corrupt or unreadable entry is ignored and rebuilt.
type Cache struct {
	Dir string
	// Open opens entries; nil means os.Open. When shannot runs as root
	// for another user it refuses entries a non-root user could write.
	Open capread.Opener
}

// cacheFormat changes whenever the entry format or the compiler's
// output for the same input could change.
const cacheFormat = "shannot-bpf-3"

// DefaultCache is /var/cache/shannot/seccomp for root, else the user's
// cache directory ($XDG_CACHE_HOME or ~/.cache)/shannot/seccomp.
func DefaultCache() *Cache {
	if os.Geteuid() == 0 {
		return &Cache{Dir: "/var/cache/shannot/seccomp"}
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return nil
	}
	return &Cache{Dir: filepath.Join(dir, "shannot", "seccomp")}
}

// cacheKey hashes everything the compiled program depends on: the
// policy, by policySHA256 (the hex SHA-256 of its bytes, which a launch
// works out anyway for its audit record: hashing the policy a second
// time cost a cached launch half a million instructions), and the
// compiler, by its Identity.
func cacheKey(policySHA256 string, host Host, strict bool, compiler string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d.%d\x00%d\x00%v\x00%s", cacheFormat, compiler, host.Arch,
		host.Kernel[0], host.Kernel[1], OptimizeLevel, strict, policySHA256)
	return hex.EncodeToString(h.Sum(nil))
}

// entryHeader is the first line of a cache entry.
type entryHeader struct {
	Format   string   `json:"format"`
	SHA256   string   `json:"sha256"`
	Unknown  []string `json:"unknown,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	Rules    int      `json:"rules"`
	Library  string   `json:"libseccomp,omitempty"`
}

// get returns the cached compilation for key, or nil.
func (c *Cache) get(key string) *Compiled {
	if c == nil {
		return nil
	}
	open := c.Open
	if open == nil {
		open = os.Open
	}
	f, err := open(filepath.Join(c.Dir, key+".bpf"))
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 64<<10+MaxInstructions*InstructionSize))
	if err != nil {
		return nil
	}
	line, program, ok := bytes.Cut(data, []byte("\n"))
	var h entryHeader
	if !ok || json.Unmarshal(line, &h) != nil || h.Format != cacheFormat {
		return nil
	}
	sum := sha256.Sum256(program)
	if hex.EncodeToString(sum[:]) != h.SHA256 || CheckBPF(program) != nil {
		return nil
	}
	return &Compiled{Program: program, Unknown: h.Unknown, Warnings: h.Warnings, Rules: h.Rules, Library: h.Library}
}

// put stores a compilation atomically (a temporary file renamed into
// place). Failing to cache is not an error of the run.
func (c *Cache) put(key string, comp *Compiled) error {
	if c == nil {
		return nil
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	sum := sha256.Sum256(comp.Program)
	line, err := json.Marshal(entryHeader{Format: cacheFormat, SHA256: hex.EncodeToString(sum[:]), Unknown: comp.Unknown, Warnings: comp.Warnings, Rules: comp.Rules, Library: comp.Library})
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(c.Dir, key+".bpf"), append(append(line, '\n'), comp.Program...), 0o644)
}

// WriteFile writes a compiled program to path atomically, as
// `shannot seccomp compile` does. A path that exists and is not a
// regular file (a device such as /dev/null, a FIFO, a directory, a
// symbolic link) is left untouched: the error is an
// *atomicfile.NotRegularError.
func WriteFile(path string, program []byte) error {
	return atomicfile.Write(path, program, 0o644)
}
