package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/systrace"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/sandbox"
	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/profiles"
)

// explainValue is --explain-denials[=json]: a flag that takes a value only
// when written with "=" (flag's boolFlag interface), so that
// "run --explain-denials ls" still runs ls.
type explainValue struct{ mode string }

func (v *explainValue) String() string   { return v.mode }
func (v *explainValue) IsBoolFlag() bool { return true }
func (v *explainValue) Set(s string) error {
	switch s {
	case "true", "text":
		v.mode = "text"
	case "json":
		v.mode = "json"
	case "false":
		v.mode = ""
	default:
		return fmt.Errorf("--explain-denials takes no value or =json, not %q", s)
	}
	return nil
}

func explainFlag() cli.Flag {
	return &cli.GenericFlag{Name: flagExplainDenials, Value: &explainValue{},
		Usage: "when the command ends, list on stderr every call the seccomp filter denied, trapped or killed, with the rule that decided (=json: one JSON object)"}
}

// explainMode is "", "text" or "json".
func explainMode(c *cli.Context) string {
	if v, ok := c.Generic(flagExplainDenials).(*explainValue); ok && v != nil {
		return v.mode
	}
	return ""
}

// denial is one kind of call the filter stopped, with how often.
type denial struct {
	Process string    `json:"process"`
	Call    string    `json:"call"`
	Nr      int32     `json:"nr"`
	Arch    string    `json:"arch"`
	Args    [6]uint64 `json:"args"` // of the first such call
	Action  string    `json:"action"`
	Errno   string    `json:"errno,omitempty"`
	Rule    string    `json:"rule"`
	Count   int       `json:"count"`
}

// explainer traces one run and collects its denials.
type explainer struct {
	prog   *seccomp.Program
	in     *seccomp.Instrumented
	filter *seccomp.Filter // nil for a BPF file: no rule to name
	mu     sync.Mutex
	byKey  map[string]*denial
	order  []string
}

// newExplainer instruments the sandbox's filter.
func newExplainer(who invoker.Caller, f *seccomp.Loaded) (*explainer, error) {
	prog, err := seccomp.Decode(f.Program)
	if err != nil {
		return nil, &seccomp.Error{File: f.Source, Err: err}
	}
	in, err := seccomp.Instrument(prog, seccomp.Denials)
	if err != nil {
		return nil, &seccomp.Error{File: f.Source, Err: fmt.Errorf("--explain-denials: %w", err)}
	}
	return &explainer{prog: prog, in: in, filter: policyFilter(who, f), byKey: map[string]*denial{}}, nil
}

// policyFilter resolves the policy a filter was compiled from, for the
// rules' pointers: nil for a BPF file, or when the policy cannot be read
// again as it was (its digest changed).
func policyFilter(who invoker.Caller, f *seccomp.Loaded) *seccomp.Filter {
	if !f.Policy {
		return nil
	}
	var data []byte
	if name, ok := profiles.Cut(f.Source); ok {
		data, _ = profiles.ReadFile(name)
	} else {
		r, err := who.Opener()(f.Source)
		if err != nil {
			return nil
		}
		data, _ = io.ReadAll(io.LimitReader(r, seccomp.MaxPolicySize+1))
		r.Close()
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f.SHA256 {
		return nil
	}
	p, err := seccomp.ParsePolicy(data, f.Source)
	if err != nil {
		return nil
	}
	filter, err := p.Resolve(seccomp.ThisHost())
	if err != nil {
		return nil
	}
	return filter
}

// tracer decides the traced calls as the original filter did, and
// records every one.
func (e *explainer) tracer() *systrace.Tracer {
	return &systrace.Tracer{
		Traced: func(c systrace.Call) systrace.Verdict {
			orig, ok := e.in.Original(c.Data)
			if !ok {
				// Not ours: fail it, as a TRACE without a tracer does.
				return systrace.Verdict{Errno: syscall.ENOSYS}
			}
			v := systrace.Verdict{Errno: syscall.ENOSYS}
			if orig.Kind == seccomp.Errno {
				v.Errno = syscall.Errno(orig.Data)
			}
			e.record(c, orig)
			return v
		},
		Trapped: func(c systrace.Call) { e.record(c, e.verdict(c)) },
		Killed:  func(c systrace.Call) { e.record(c, e.verdict(c)) },
	}
}

// verdict is what the original program returns for c.
func (e *explainer) verdict(c systrace.Call) seccomp.Action {
	ret, err := e.prog.Run(seccomp.Call{Nr: c.Nr, Arch: c.Arch, Args: c.Args})
	if err != nil {
		return seccomp.Action{Kind: seccomp.KillProcess}
	}
	return seccomp.ActionFromRet(ret)
}

func (e *explainer) record(c systrace.Call, a seccomp.Action) {
	call := seccomp.Call{Nr: c.Nr, Arch: c.Arch, Args: c.Args}
	arch := seccomp.CallArch(call)
	name := ""
	if arch != "" {
		name = seccomp.SyscallName(c.Nr, arch)
	}
	if name == "" {
		name = fmt.Sprintf("syscall %d", c.Nr&^0x40000000)
	}
	rule := "(the program; a BPF file names no rules)"
	if e.filter != nil {
		if rule = e.filter.Decided(call, a); rule == "" {
			rule = "(no rule of the policy gives this action)"
		}
	}
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", c.PID))
	d := denial{Process: strings.TrimSpace(string(comm)), Call: name, Nr: c.Nr, Arch: seccomp.ShortArch(arch), Args: c.Args,
		Action: a.String(), Rule: rule}
	if a.Kind == seccomp.Errno {
		d.Errno = syscall.Errno(a.Data).Error()
	} else if a.Kind == seccomp.Trace || a.Kind == seccomp.Notify {
		d.Errno = syscall.ENOSYS.Error()
	}
	key := strings.Join([]string{d.Process, d.Call, d.Arch, d.Action, d.Rule}, "\x00")
	e.mu.Lock()
	defer e.mu.Unlock()
	if old, ok := e.byKey[key]; ok {
		old.Count++
		return
	}
	d.Count = 1
	e.byKey[key] = &d
	e.order = append(e.order, key)
}

// denials are the records, most frequent first, then in the order seen.
func (e *explainer) denials() []denial {
	e.mu.Lock()
	defer e.mu.Unlock()
	ds := make([]denial, len(e.order))
	for i, k := range e.order {
		ds[i] = *e.byKey[k]
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Count > ds[j].Count })
	return ds
}

// report writes the denials to w, as text or JSON.
func (e *explainer) report(w io.Writer, mode, source string) {
	ds := e.denials()
	if mode == "json" {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if ds == nil {
			ds = []denial{}
		}
		enc.Encode(map[string]any{"seccomp_filter": source, "denials": ds})
		return
	}
	if len(ds) == 0 {
		fmt.Fprintf(w, "shannot: seccomp filter %s denied, trapped and killed nothing\n", source)
		return
	}
	n := 0
	for _, d := range ds {
		n += d.Count
	}
	fmt.Fprintf(w, "shannot: seccomp filter %s stopped %d call(s):\n", source, n)
	for _, d := range ds {
		result := d.Action
		if d.Errno != "" {
			result += ": " + d.Errno
		}
		fmt.Fprintf(w, "  %d× %s(%#x, %#x, %#x, ...) on %s by %q -> %s, decided by %s\n",
			d.Count, d.Call, d.Args[0], d.Args[1], d.Args[2], d.Arch, d.Process, result, d.Rule)
	}
}

// explainRun runs the sandbox's command with the instrumented filter in
// place of its own, under the tracer, and reports the denials on stderr
// once it ends. The command's output and status are those of a plain
// run: every traced call fails with the errno the original gave it.
func explainRun(c *cli.Context, sb *sandbox.Sandbox, limits launch.Limits, noStdin bool, mode string) error {
	if sb.Filter == nil {
		return &usageError{msg: "--explain-denials: the profile has no seccomp_profile, so no call is denied"}
	}
	e, err := newExplainer(callerOf(c), sb.Filter)
	if err != nil {
		return err
	}
	mem, err := seccomp.MemFile("shannot-explain.bpf", e.in.Program)
	if err != nil {
		return err
	}
	defer mem.Close()
	stdin := c.App.Reader
	if noStdin {
		stdin = nil
	}
	l := sb.Launch(sandbox.Streams{Stdin: stdin, Stdout: c.App.Writer, Stderr: c.App.ErrWriter}, limits)
	if len(l.Files) == 0 || l.Files[sandbox.FilterFD-launch.FirstFD] != sb.Filter.File {
		return fmt.Errorf("--explain-denials: the filter is not on descriptor %d", sandbox.FilterFD)
	}
	l.Files[sandbox.FilterFD-launch.FirstFD] = mem
	l.ForwardSignals = true
	l.Tracer = e.tracer()
	status, err := l.Run(context.Background())
	if err != nil {
		return err
	}
	e.report(c.App.ErrWriter, mode, sb.Filter.Source)
	switch {
	case status.TimedOut:
		return &statusError{code: status.ExitCode, err: fmt.Errorf("timed out after %s; the sandbox was killed", limits.Timeout)}
	case status.Overflowed:
		return &statusError{code: status.ExitCode, err: fmt.Errorf("output passed --max-output %d bytes; the sandbox was killed (--on-overflow=kill)", limits.MaxOutput)}
	case status.StdoutTruncated || status.StderrTruncated:
		fmt.Fprintf(c.App.ErrWriter, "shannot: output beyond --max-output %d bytes was dropped\n", limits.MaxOutput)
	}
	return &statusError{code: status.ExitCode}
}

// checkExplainFlags refuses what --explain-denials does not combine with.
func checkExplainFlags(c *cli.Context) error {
	if explainMode(c) == "" {
		return nil
	}
	switch {
	case c.String(flagTarget) != "":
		return &usageError{msg: "--explain-denials traces a local run; it does not combine with --target"}
	case c.Bool(flagJSON):
		return &usageError{msg: "--explain-denials does not combine with --json; use --explain-denials=json, which prints its report on stderr"}
	}
	return nil
}

// decidingRule is the JSON pointer of what decided call in the policy f
// was compiled from (see seccomp.Filter.Decided); "" for a BPF file.
func decidingRule(who invoker.Caller, f *seccomp.Loaded, call seccomp.Call, verdict seccomp.Action) string {
	filter := policyFilter(who, f)
	if filter == nil {
		return ""
	}
	return filter.Decided(call, verdict)
}
