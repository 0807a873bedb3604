//go:build cgo

package seccomp

import (
	"errors"
	"fmt"
	"io"
	"os"

	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/bug"
)

// LibraryVersion is the version of the libseccomp shannot runs with.
func LibraryVersion() string {
	major, minor, micro := libseccomp.GetLibraryVersion()
	return fmt.Sprintf("%d.%d.%d", major, minor, micro)
}

// Compile compiles f with libseccomp. With strict, a call name that
// libseccomp does not know is an error instead of an entry in Unknown.
func (f *Filter) Compile(strict bool) (*Compiled, error) {
	if err := f.checkConflicts(); err != nil {
		return nil, err
	}
	def, err := scmpAction(f.Default)
	if err != nil {
		return nil, err
	}
	filter, err := libseccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("libseccomp: %w", err)
	}
	defer filter.Release()
	if err := filter.SetBadArchAction(libseccomp.ActKillProcess); err != nil {
		return nil, fmt.Errorf("libseccomp: setting the bad-architecture action: %w", err)
	}
	if err := filter.SetOptimize(OptimizeLevel); err != nil {
		return nil, fmt.Errorf("libseccomp: setting optimize level: %w", err)
	}
	for _, a := range f.Arches {
		arch, err := libseccomp.GetArchFromString(ShortArch(a))
		if err != nil {
			return nil, fmt.Errorf("architecture %s: %w", a, err)
		}
		if err := filter.AddArch(arch); err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("adding architecture %s: %w", a, err)
		}
	}
	out := &Compiled{Warnings: f.Warnings, Library: LibraryVersion()}
	unknown := map[string]bool{}
	for _, r := range f.Rules {
		action, err := scmpAction(r.Action)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Pointer, err)
		}
		conds := make([]libseccomp.ScmpCondition, 0, len(r.Args))
		for _, a := range r.Args {
			c, err := scmpCondition(a)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.Pointer, err)
			}
			conds = append(conds, c)
		}
		for _, name := range r.Names {
			call, err := libseccomp.GetSyscallFromName(name)
			if err != nil {
				if !unknown[name] {
					unknown[name] = true
					out.Unknown = append(out.Unknown, name)
				}
				continue
			}
			if len(conds) == 0 {
				err = filter.AddRule(call, action)
			} else {
				err = filter.AddRuleConditional(call, action, conds)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: libseccomp refused the rule for %s: %w", r.Pointer, name, err)
			}
		}
		out.Rules++
	}
	if strict && len(out.Unknown) > 0 {
		return nil, fmt.Errorf("system calls unknown to libseccomp %s: %v (without --strict they get the default action)", LibraryVersion(), out.Unknown)
	}
	out.Program, err = exportBPF(filter)
	if err != nil {
		return nil, err
	}
	if n := len(out.Program) / InstructionSize; n > MaxInstructions {
		return nil, fmt.Errorf("the compiled program has %d instructions, more than the kernel's limit of %d; list fewer architectures or rules", n, MaxInstructions)
	}
	return out, nil
}

// exportBPF writes the program to a memfd and reads it back:
// seccomp_export_bpf_mem needs libseccomp 2.6, Debian 12 ships 2.5.4.
func exportBPF(filter *libseccomp.ScmpFilter) ([]byte, error) {
	fd, err := unix.MemfdCreate("shannot-export", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd for the exported filter: %w", err)
	}
	f := os.NewFile(uintptr(fd), "shannot-export")
	defer f.Close()
	if err := filter.ExportBPF(f); err != nil {
		return nil, fmt.Errorf("libseccomp: exporting BPF: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

func scmpAction(a Action) (libseccomp.ScmpAction, error) {
	switch a.Kind {
	case KillProcess:
		return libseccomp.ActKillProcess, nil
	case KillThread:
		return libseccomp.ActKillThread, nil
	case Trap:
		return libseccomp.ActTrap, nil
	case Errno:
		return libseccomp.ActErrno.SetReturnCode(int16(a.Data)), nil
	case Trace:
		return libseccomp.ActTrace.SetReturnCode(int16(a.Data)), nil
	case Log:
		return libseccomp.ActLog, nil
	case Allow:
		return libseccomp.ActAllow, nil
	}
	return 0, bug.Errorf("unknown action kind %d", a.Kind)
}

func scmpCondition(a Arg) (libseccomp.ScmpCondition, error) {
	ops := map[string]libseccomp.ScmpCompareOp{
		"SCMP_CMP_NE": libseccomp.CompareNotEqual, "SCMP_CMP_LT": libseccomp.CompareLess,
		"SCMP_CMP_LE": libseccomp.CompareLessOrEqual, "SCMP_CMP_EQ": libseccomp.CompareEqual,
		"SCMP_CMP_GE": libseccomp.CompareGreaterEqual, "SCMP_CMP_GT": libseccomp.CompareGreater,
		"SCMP_CMP_MASKED_EQ": libseccomp.CompareMaskedEqual,
	}
	if a.Op == "SCMP_CMP_MASKED_EQ" {
		return libseccomp.MakeCondition(a.Index, ops[a.Op], a.Value, a.ValueTwo)
	}
	return libseccomp.MakeCondition(a.Index, ops[a.Op], a.Value)
}
