package seccomp

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/shannot-project/shannot/internal/jsonerr"
)

// MaxPolicySize is the largest policy, in bytes, that shannot reads.
const MaxPolicySize = 1 << 20

// Policy is an OCI runtime-spec seccomp object (config-linux's
// linux.seccomp), with the extensions of Docker's and Podman's profiles.
type Policy struct {
	DefaultAction   string `json:"defaultAction"`
	DefaultErrnoRet *uint  `json:"defaultErrnoRet,omitempty"`
	// DefaultErrno is Podman's symbolic form of DefaultErrnoRet ("EPERM").
	DefaultErrno  string    `json:"defaultErrno,omitempty"`
	Architectures []string  `json:"architectures,omitempty"`
	ArchMap       []ArchMap `json:"archMap,omitempty"`
	Syscalls      []Syscall `json:"syscalls,omitempty"`
	// Flags, ListenerPath and ListenerMetadata cannot be honoured by
	// bwrap, which installs filters with a plain prctl: Parse refuses them.
	Flags            []string `json:"flags,omitempty"`
	ListenerPath     string   `json:"listenerPath,omitempty"`
	ListenerMetadata string   `json:"listenerMetadata,omitempty"`
	Comment          string   `json:"comment,omitempty"`
}

// ArchMap is Docker's per-architecture list: on a host whose native
// architecture is Arch, the filter covers Arch and SubArches.
type ArchMap struct {
	Arch      string   `json:"architecture"`
	SubArches []string `json:"subArchitectures"`
}

// Syscall is one rule of a policy: Action for the named calls, when all
// of Args match.
type Syscall struct {
	Names    []string   `json:"names,omitempty"`
	Name     string     `json:"name,omitempty"` // Docker's legacy single name
	Action   string     `json:"action"`
	ErrnoRet *uint      `json:"errnoRet,omitempty"`
	Errno    string     `json:"errno,omitempty"` // Podman's symbolic errno
	Args     []Arg      `json:"args,omitempty"`
	Comment  string     `json:"comment,omitempty"`
	Includes *Condition `json:"includes,omitempty"`
	Excludes *Condition `json:"excludes,omitempty"`
}

// Condition is Docker's "includes"/"excludes": where a rule applies.
type Condition struct {
	Arches    []string `json:"arches,omitempty"`
	Caps      []string `json:"caps,omitempty"`
	MinKernel string   `json:"minKernel,omitempty"`
}

// Arg is a condition on one argument of a call. For SCMP_CMP_MASKED_EQ,
// Value is the mask and ValueTwo the value the masked argument must equal.
type Arg struct {
	Index    uint   `json:"index"`
	Value    uint64 `json:"value"`
	ValueTwo uint64 `json:"valueTwo,omitempty"`
	Op       string `json:"op"`
}

// Comparison operators of OCI policies.
var ociOps = []string{"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"}

// Architectures of OCI policies (runtime-spec 1.2). libseccomp 2.5 cannot
// compile the last four; that only matters on such a host.
var ociArches = []string{"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
	"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
	"SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
	"SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
	"SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB"}

var (
	policyKeys  = []string{"defaultAction", "defaultErrnoRet", "defaultErrno", "architectures", "archMap", "syscalls", "flags", "listenerPath", "listenerMetadata", "comment"}
	syscallKeys = []string{"names", "name", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes"}
	argKeys     = []string{"index", "value", "valueTwo", "op"}
	archMapKeys = []string{"architecture", "subArchitectures"}
	filterKeys  = []string{"arches", "caps", "minKernel"}
)

// PolicyError is a policy that cannot be compiled. It prints as one line
// naming the file, the JSON pointer and what to do.
//
// Err, when set, is the cause, matched by errors.Is and errors.As, and
// printed when Msg is empty.
type PolicyError struct {
	File    string
	Pointer string
	Msg     string
	Err     error
}

func (e *PolicyError) Error() string {
	s := "seccomp policy " + e.File + ": "
	if e.Pointer != "" {
		s += e.Pointer + ": "
	}
	return s + jsonerr.OneLine(joinCause(e.Msg, e.Err))
}

// Unwrap returns the cause.
func (e *PolicyError) Unwrap() error { return e.Err }

// IsPolicy tells a JSON policy from a BPF program by its first
// non-blank byte.
func IsPolicy(data []byte) bool {
	s := strings.TrimLeft(string(data[:min(len(data), 64)]), " \t\r\n")
	return strings.HasPrefix(s, "{")
}

// ParsePolicy decodes and checks the OCI policy in data; file names it
// in errors.
func ParsePolicy(data []byte, file string) (*Policy, error) {
	fail := func(ptr, format string, args ...any) error {
		return &PolicyError{File: file, Pointer: ptr, Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > MaxPolicySize {
		return nil, fail("", "larger than %d bytes", MaxPolicySize)
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
	if err := checkPolicyKeys(doc, fail); err != nil {
		return nil, err
	}
	var p Policy
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fail("", "%s", jsonerr.Describe(data, err))
	}
	if err := p.check(fail); err != nil {
		return nil, err
	}
	return &p, nil
}

func checkPolicyKeys(doc any, fail func(ptr, format string, args ...any) error) error {
	top, ok := doc.(map[string]any)
	if !ok {
		return fail("", "must be a JSON object with at least \"defaultAction\"")
	}
	check := func(v any, known []string, at ...string) error {
		if m, ok := v.(map[string]any); ok {
			if ptr, msg := jsonerr.UnknownKey(m, known, at...); msg != "" {
				return fail(ptr, "%s", msg)
			}
		}
		return nil
	}
	if err := check(top, policyKeys); err != nil {
		return err
	}
	maps, _ := top["archMap"].([]any)
	for i, m := range maps {
		if err := check(m, archMapKeys, "archMap", fmt.Sprint(i)); err != nil {
			return err
		}
	}
	calls, _ := top["syscalls"].([]any)
	for i, c := range calls {
		at := []string{"syscalls", fmt.Sprint(i)}
		if err := check(c, syscallKeys, at...); err != nil {
			return err
		}
		cm, _ := c.(map[string]any)
		for _, f := range []string{"includes", "excludes"} {
			if err := check(cm[f], filterKeys, append(at, f)...); err != nil {
				return err
			}
		}
		args, _ := cm["args"].([]any)
		for j, a := range args {
			if err := check(a, argKeys, append(at, "args", fmt.Sprint(j))...); err != nil {
				return err
			}
		}
	}
	return nil
}

// check validates what the JSON types do not.
func (p *Policy) check(fail func(ptr, format string, args ...any) error) error {
	if _, err := p.defaultAction(); err != nil {
		return fail("/defaultAction", "%v", err)
	}
	if len(p.Flags) > 0 {
		return fail("/flags", "filter flags cannot be honoured: bwrap installs the filter with a plain prctl(PR_SET_SECCOMP), without flags; remove \"flags\"")
	}
	if p.ListenerPath != "" || p.ListenerMetadata != "" {
		return fail("/listenerPath", "a user-notification listener cannot be honoured: bwrap installs no listener; remove \"listenerPath\" and \"listenerMetadata\"")
	}
	if len(p.Architectures) > 0 && len(p.ArchMap) > 0 {
		return fail("/archMap", "use either \"architectures\" or \"archMap\", not both")
	}
	for i, a := range p.Architectures {
		if !slices.Contains(ociArches, a) {
			return fail(jsonerr.Pointer("architectures", fmt.Sprint(i)), "%s", unknownArch(a))
		}
	}
	for i, m := range p.ArchMap {
		at := jsonerr.Pointer("archMap", fmt.Sprint(i))
		if !slices.Contains(ociArches, m.Arch) {
			return fail(at+"/architecture", "%s", unknownArch(m.Arch))
		}
		for j, s := range m.SubArches {
			if !slices.Contains(ociArches, s) {
				return fail(at+jsonerr.Pointer("subArchitectures", fmt.Sprint(j)), "%s", unknownArch(s))
			}
		}
	}
	for i, s := range p.Syscalls {
		if err := s.check(jsonerr.Pointer("syscalls", fmt.Sprint(i)), fail); err != nil {
			return err
		}
	}
	return nil
}

func unknownArch(a string) string {
	if s := jsonerr.Suggest(a, ociArches); s != "" {
		return fmt.Sprintf("unknown architecture %q; did you mean %q?", a, s)
	}
	return fmt.Sprintf("unknown architecture %q; known: %s", a, strings.Join(ociArches, ", "))
}

// defaultAction is the policy's default, with its errno.
func (p *Policy) defaultAction() (Action, error) {
	return parseAction(p.DefaultAction, p.DefaultErrnoRet, p.DefaultErrno)
}

// parseAction turns an OCI action name and its errno fields into an
// Action. ERRNO without an errno returns EPERM and TRACE without one
// sends message 0, as runc does.
func parseAction(name string, errnoRet *uint, errnoName string) (Action, error) {
	if name == "SCMP_ACT_NOTIFY" {
		return Action{}, fmt.Errorf("SCMP_ACT_NOTIFY cannot be honoured: bwrap installs no user-notification listener; use SCMP_ACT_ERRNO")
	}
	kind, ok := ociAction(name)
	if !ok {
		names := make([]string, 0, len(ociActions))
		for _, a := range ociActions {
			names = append(names, a.name)
		}
		if s := jsonerr.Suggest(name, names); s != "" {
			return Action{}, fmt.Errorf("unknown action %q; did you mean %q?", name, s)
		}
		return Action{}, fmt.Errorf("unknown action %q; known: %s", name, strings.Join(names, ", "))
	}
	a := Action{Kind: kind}
	if kind != Errno && kind != Trace {
		if errnoRet != nil || errnoName != "" {
			return Action{}, fmt.Errorf("%s takes no errno; remove errnoRet/errno or use SCMP_ACT_ERRNO", name)
		}
		return a, nil
	}
	switch {
	case errnoRet != nil && errnoName != "":
		return Action{}, fmt.Errorf("give errnoRet or errno, not both")
	case errnoName != "":
		n, ok := ErrnoByName(errnoName)
		if !ok {
			return Action{}, fmt.Errorf("unknown errno name %q", errnoName)
		}
		a.Data = n
	case errnoRet != nil:
		if *errnoRet > MaxErrno {
			return Action{}, fmt.Errorf("errno %d is above %d, the largest a filter can return", *errnoRet, MaxErrno)
		}
		a.Data = uint16(*errnoRet)
	case kind == Errno:
		a.Data = uint16(syscallEPERM)
	}
	return a, nil
}

const syscallEPERM = 1

func (s *Syscall) check(at string, fail func(ptr, format string, args ...any) error) error {
	if s.Name != "" && len(s.Names) > 0 {
		return fail(at+"/name", "use either \"name\" or \"names\", not both")
	}
	if s.Name == "" && len(s.Names) == 0 {
		return fail(at+"/names", "no system call named; list at least one in \"names\"")
	}
	for i, n := range s.names() {
		if n == "" {
			return fail(at+jsonerr.Pointer("names", fmt.Sprint(i)), "empty system call name")
		}
	}
	if _, err := s.action(); err != nil {
		ptr := at + "/action"
		if s.ErrnoRet != nil {
			ptr = at + "/errnoRet"
		}
		return fail(ptr, "%v", err)
	}
	seen := map[uint]int{}
	for i, a := range s.Args {
		ptr := at + jsonerr.Pointer("args", fmt.Sprint(i))
		if a.Index > 5 {
			return fail(ptr+"/index", "argument index %d is out of range: system calls have arguments 0 to 5", a.Index)
		}
		if !slices.Contains(ociOps, a.Op) {
			if sug := jsonerr.Suggest(a.Op, ociOps); sug != "" {
				return fail(ptr+"/op", "unknown operator %q; did you mean %q?", a.Op, sug)
			}
			return fail(ptr+"/op", "unknown operator %q; known: %s", a.Op, strings.Join(ociOps, ", "))
		}
		if a.ValueTwo != 0 && a.Op != "SCMP_CMP_MASKED_EQ" {
			return fail(ptr+"/valueTwo", "only SCMP_CMP_MASKED_EQ uses valueTwo")
		}
		if j, dup := seen[a.Index]; dup {
			return fail(ptr, "a second condition on argument %d (the first is args/%d); libseccomp takes one condition per argument in a rule: split it into two rules", a.Index, j)
		}
		seen[a.Index] = i
	}
	for _, f := range []struct {
		name string
		f    *Condition
	}{{"includes", s.Includes}, {"excludes", s.Excludes}} {
		if f.f == nil || f.f.MinKernel == "" {
			continue
		}
		if _, err := parseKernel(f.f.MinKernel); err != nil {
			return fail(at+"/"+f.name+"/minKernel", "%v", err)
		}
	}
	return nil
}

func (s *Syscall) names() []string {
	if s.Name != "" {
		return []string{s.Name}
	}
	return s.Names
}

func (s *Syscall) action() (Action, error) {
	return parseAction(s.Action, s.ErrnoRet, s.Errno)
}
