package seccomp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
)

// HelperName is the compiler helper's file name: a small cgo binary
// linked with libseccomp, installed in $(PREFIX)/libexec/shannot, that
// compiles JSON policies for a shannot built without cgo (see
// cmd/shannot-seccomp and [Helper]).
const HelperName = "shannot-seccomp"

// Compiler compiles a resolved filter. A nil Options.Compiler is
// libseccomp in this process, when it is linked (a cgo build), else
// [ErrNoLibseccomp]; [Helper] runs shannot-seccomp.
type Compiler interface {
	// Identity names the compiler in cache keys: everything its output
	// depends on besides the filter (the library's version, the
	// helper's file).
	Identity() (string, error)
	Compile(f *Filter, strict bool) (*Compiled, error)
}

// Helper compiles filters by running shannot-seccomp, which it finds
// once, on first use: a launch whose program is built in or cached never
// looks for it.
type Helper struct {
	// Find returns the helper's path (companion.Find with the caller's
	// strictness: under sudo never through PATH).
	Find func() (string, error)

	once sync.Once
	path string
	id   string
	err  error
}

// helperRequest is what shannot-seccomp reads on standard input.
type helperRequest struct {
	Filter *Filter `json:"filter"`
	Strict bool    `json:"strict"`
}

// helperResponse is what shannot-seccomp writes on standard output: the
// program and its digest, or an error in one line.
type helperResponse struct {
	Program []byte   `json:"program,omitempty"`
	SHA256  string   `json:"sha256,omitempty"`
	Unknown []string `json:"unknown,omitempty"`
	Rules   int      `json:"rules,omitempty"`
	Library string   `json:"libseccomp,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// maxResponse bounds what is read from the helper: a program of the
// kernel's maximum length in base64, and room for the rest.
const maxResponse = 1<<20 + 2*MaxInstructions*InstructionSize

func (h *Helper) find() (string, string, error) {
	h.once.Do(func() {
		if h.Find == nil {
			h.err = errors.New("no way to find " + HelperName)
			return
		}
		if h.path, h.err = h.Find(); h.err != nil {
			h.err = fmt.Errorf("compiling a JSON policy needs %s: %w", HelperName, h.err)
			return
		}
		// The helper's file names its build, and the libseccomp it loads
		// (make build links it dynamically, as the .deb ships it) is one
		// of the system's: a new helper or a new libseccomp is a new
		// compiler for the cache. Stats only: nothing is run.
		id, err := fileID(h.path)
		if err != nil {
			h.err = fmt.Errorf("compiling a JSON policy needs %s: %w", HelperName, err)
			return
		}
		h.id = HelperName + " " + h.path + " " + id
		for _, lib := range libseccompPaths {
			if id, err := fileID(lib); err == nil {
				h.id += "; " + lib + " " + id
			}
		}
	})
	return h.path, h.id, h.err
}

// libseccompPaths are where the dynamic loader finds libseccomp on the
// distributions shannot is packaged for (the symbolic link is followed:
// an upgrade replaces the file it names).
var libseccompPaths = [...]string{
	"/lib/x86_64-linux-gnu/libseccomp.so.2",
	"/usr/lib/x86_64-linux-gnu/libseccomp.so.2",
	"/usr/lib64/libseccomp.so.2",
	"/usr/lib/libseccomp.so.2",
	"/usr/local/lib/libseccomp.so.2",
}

// fileID is a file's device, inode, size, modification and change
// times, following symbolic links.
func fileID(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	if st == nil {
		return "", fmt.Errorf("%s: no file status", path)
	}
	return fmt.Sprintf("%d:%d %d %d.%d %d.%d", st.Dev, st.Ino, st.Size, st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec), nil
}

// Identity is the helper's path and file identity (device, inode, size,
// modification and change times), and those of the system's libseccomp.
func (h *Helper) Identity() (string, error) {
	_, id, err := h.find()
	return id, err
}

// Compile sends f to the helper and checks what comes back as a cache
// entry is checked: the digest of the program, and CheckBPF.
func (h *Helper) Compile(f *Filter, strict bool) (*Compiled, error) {
	path, _, err := h.find()
	if err != nil {
		return nil, err
	}
	req, err := json.Marshal(helperRequest{Filter: f, Strict: strict})
	if err != nil {
		return nil, err
	}
	var out limitedBuffer
	var stderr limitedBuffer
	out.max, stderr.max = maxResponse, 4096
	cmd := exec.Command(path)
	cmd.Env = []string{}
	cmd.Stdin = bytes.NewReader(req)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	runErr := cmd.Run()
	var resp helperResponse
	if err := json.Unmarshal(out.Bytes(), &resp); err != nil || out.over {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if runErr != nil {
			return nil, fmt.Errorf("%s failed (%v): %s", path, runErr, msg)
		}
		return nil, fmt.Errorf("%s answered something that is not a compiled program", path)
	}
	if resp.Error != "" {
		return nil, errors.New(resp.Error)
	}
	if runErr != nil {
		return nil, fmt.Errorf("%s: %w", path, runErr)
	}
	sum := sha256.Sum256(resp.Program)
	if hex.EncodeToString(sum[:]) != resp.SHA256 {
		return nil, fmt.Errorf("%s answered a program whose digest is not the one it gave", path)
	}
	if err := CheckBPF(resp.Program); err != nil {
		return nil, fmt.Errorf("%s answered a program the kernel would refuse: %w", path, err)
	}
	return &Compiled{Program: resp.Program, Unknown: resp.Unknown, Warnings: f.Warnings, Rules: resp.Rules, Library: resp.Library}, nil
}

// Version asks the helper for the libseccomp it is linked with.
func (h *Helper) Version() (string, error) {
	path, _, err := h.find()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(path, "-version")
	cmd.Env = []string{}
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s -version: %w", path, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Path is where the helper was found.
func (h *Helper) Path() (string, error) {
	path, _, err := h.find()
	return path, err
}

// ServeHelper is shannot-seccomp's work: it reads a filter from r,
// compiles it with libseccomp in this process and writes the answer to
// w. A filter that does not compile is an answer too (its error);
// the returned error is for what could not be read or written.
func ServeHelper(r io.Reader, w io.Writer) error {
	data, err := io.ReadAll(io.LimitReader(r, 4*MaxPolicySize))
	if err != nil {
		return err
	}
	var req helperRequest
	var resp helperResponse
	if err := json.Unmarshal(data, &req); err != nil || req.Filter == nil {
		resp.Error = "shannot-seccomp: the request is not a filter to compile"
	} else if comp, err := req.Filter.Compile(req.Strict); err != nil {
		resp.Error = err.Error()
	} else {
		sum := sha256.Sum256(comp.Program)
		resp = helperResponse{Program: comp.Program, SHA256: hex.EncodeToString(sum[:]), Unknown: comp.Unknown, Rules: comp.Rules, Library: comp.Library}
	}
	return json.NewEncoder(w).Encode(resp)
}

// limitedBuffer keeps at most max bytes and says whether more came.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
