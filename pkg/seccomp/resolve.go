package seccomp

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/shannot-project/shannot/internal/jsonerr"
	"golang.org/x/sys/unix"
)

// Host is what Docker's conditional rules are evaluated against: the
// host's architecture and kernel, and a sandbox that holds no
// capabilities.
type Host struct {
	Arch   string // native architecture, OCI name (SCMP_ARCH_X86_64)
	GoArch string // the same as Go names it (amd64), for Docker's "arches"
	Kernel [2]int // major, minor
}

// goToOCI maps Go's architecture names to OCI's.
func goToOCI(goarch string) string {
	switch goarch {
	case "amd64":
		return "SCMP_ARCH_X86_64"
	case "386":
		return "SCMP_ARCH_X86"
	case "arm64":
		return "SCMP_ARCH_AARCH64"
	case "arm":
		return "SCMP_ARCH_ARM"
	case "ppc64le":
		return "SCMP_ARCH_PPC64LE"
	case "ppc64":
		return "SCMP_ARCH_PPC64"
	case "s390x":
		return "SCMP_ARCH_S390X"
	case "riscv64":
		return "SCMP_ARCH_RISCV64"
	case "mips64le":
		return "SCMP_ARCH_MIPSEL64"
	case "mips64":
		return "SCMP_ARCH_MIPS64"
	case "mipsle":
		return "SCMP_ARCH_MIPSEL"
	case "mips":
		return "SCMP_ARCH_MIPS"
	}
	return ""
}

// ThisHost describes the machine shannot runs on.
func ThisHost() Host {
	h := Host{Arch: goToOCI(runtime.GOARCH), GoArch: runtime.GOARCH}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		if k, err := parseKernel(unix.ByteSliceToString(u.Release[:])); err == nil {
			h.Kernel = k
		}
	}
	return h
}

// parseKernel reads "6.1" or "6.1.0-18-amd64" as {6, 1}.
func parseKernel(s string) ([2]int, error) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return [2]int{}, fmt.Errorf("kernel version %q is not MAJOR.MINOR", s)
	}
	major, err1 := strconv.Atoi(parts[0])
	minorDigits := parts[1]
	if i := strings.IndexFunc(minorDigits, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		minorDigits = minorDigits[:i]
	}
	minor, err2 := strconv.Atoi(minorDigits)
	if err1 != nil || err2 != nil {
		return [2]int{}, fmt.Errorf("kernel version %q is not MAJOR.MINOR", s)
	}
	return [2]int{major, minor}, nil
}

func (h Host) atLeast(k [2]int) bool {
	return h.Kernel[0] > k[0] || h.Kernel[0] == k[0] && h.Kernel[1] >= k[1]
}

// matchesArch reports whether a Docker "arches" entry names the host.
func (h Host) matchesArch(arches []string) bool {
	short := strings.ToLower(strings.TrimPrefix(h.Arch, "SCMP_ARCH_"))
	for _, a := range arches {
		if a == h.GoArch || a == h.Arch || strings.ToLower(a) == short {
			return true
		}
	}
	return false
}

// Rule is one libseccomp rule: Action for the calls Names when every
// condition of Args holds.
type Rule struct {
	Names   []string
	Action  Action
	Args    []Arg
	Pointer string // where the rule is in the policy
}

// Filter is a policy resolved for one host: what libseccomp compiles.
type Filter struct {
	Default Action
	// Arches are the OCI names of the architectures compiled in; the
	// native one is always among them. Calls from any other
	// architecture kill the process.
	Arches []string
	Rules  []Rule
	// Notes say what was left out and why (Docker conditions that do not
	// hold here, rules that repeat the default).
	Notes []string
	// Warnings name rules that compile but may not do what they say: a
	// full-width comparison of a 32-bit argument (see intArgs). One line
	// each, starting with the JSON pointer.
	Warnings []string
}

// Resolve evaluates the policy's Docker extensions for host and returns
// the rules to compile.
func (p *Policy) Resolve(host Host) (*Filter, error) {
	def, err := p.defaultAction()
	if err != nil {
		return nil, err
	}
	f := &Filter{Default: def, Arches: []string{host.Arch}}
	add := func(a string) {
		if !slices.Contains(f.Arches, a) {
			f.Arches = append(f.Arches, a)
		}
	}
	for _, a := range p.Architectures {
		add(a)
	}
	for _, m := range p.ArchMap {
		if m.Arch == host.Arch {
			for _, s := range m.SubArches {
				add(s)
			}
		}
	}
	for i, s := range p.Syscalls {
		ptr := jsonerr.Pointer("syscalls", fmt.Sprint(i))
		if why := host.skip(&s); why != "" {
			f.Notes = append(f.Notes, fmt.Sprintf("%s (%s) left out: %s", ptr, strings.Join(s.names(), ", "), why))
			continue
		}
		a, err := s.action()
		if err != nil {
			return nil, err
		}
		if a == def {
			f.Notes = append(f.Notes, fmt.Sprintf("%s (%s) left out: %s is already the default action", ptr, strings.Join(s.names(), ", "), a))
			continue
		}
		r := Rule{Names: s.names(), Action: a, Args: s.Args, Pointer: ptr}
		f.Rules = append(f.Rules, r)
		f.Warnings = append(f.Warnings, intArgWarnings(r)...)
	}
	if err := f.checkDenyNames(p); err != nil {
		return nil, err
	}
	return f, nil
}

// skip says why a rule's Docker conditions exclude it on host, or "".
func (h Host) skip(s *Syscall) string {
	if in := s.Includes; in != nil {
		if len(in.Arches) > 0 && !h.matchesArch(in.Arches) {
			return "only for architectures " + strings.Join(in.Arches, ", ")
		}
		if len(in.Caps) > 0 {
			return "only with capabilities " + strings.Join(in.Caps, ", ") + ", which the sandbox never holds"
		}
		if in.MinKernel != "" {
			if k, _ := parseKernel(in.MinKernel); !h.atLeast(k) {
				return "only on kernels " + in.MinKernel + " and later"
			}
		}
	}
	if ex := s.Excludes; ex != nil {
		if len(ex.Arches) > 0 && h.matchesArch(ex.Arches) {
			return "not for architectures " + strings.Join(ex.Arches, ", ")
		}
		// Excluded capabilities are never held in the sandbox.
		if ex.MinKernel != "" {
			if k, _ := parseKernel(ex.MinKernel); h.atLeast(k) {
				return "not on kernels " + ex.MinKernel + " and later"
			}
		}
	}
	return ""
}
