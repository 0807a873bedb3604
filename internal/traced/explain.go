package traced

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/shannot-project/shannot/internal/capread"
	"github.com/shannot-project/shannot/internal/systrace"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/sandbox"
	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/pkg/seccomp/bpfsim"
)

// Denial is one kind of call the filter stopped, with how often.
type Denial struct {
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

// Explainer traces one run and collects its denials.
type Explainer struct {
	prog   *bpfsim.Program
	in     *bpfsim.Instrumented
	filter *seccomp.Filter // nil for a BPF file: no rule to name
	mu     sync.Mutex
	byKey  map[string]*Denial
	order  []string
	// dropped counts the calls of kinds past MaxDenials.
	dropped int
}

// MaxDenials is the most kinds of denial a report holds.
const MaxDenials = 1000

// NewExplainer instruments the filter f; open reads the policy it was
// compiled from again, for the rules' names (see PolicyFilter).
func NewExplainer(open capread.Opener, f *seccomp.Loaded) (*Explainer, error) {
	prog, err := bpfsim.Decode(f.Program)
	if err != nil {
		return nil, &seccomp.Error{File: f.Source, Err: err}
	}
	in, err := bpfsim.Instrument(prog, bpfsim.Denials)
	if err != nil {
		return nil, &seccomp.Error{File: f.Source, Err: fmt.Errorf("--explain-denials: %w", err)}
	}
	return &Explainer{prog: prog, in: in, filter: PolicyFilter(open, f), byKey: map[string]*Denial{}}, nil
}

// Explain runs sb's command with the instrumented filter in place of its
// own, under the tracer: the command's output and status are those of a
// plain run, as every traced call fails with the errno the original gave
// it. sb must have a filter. The Explainer holds the denials.
func Explain(sb *sandbox.Sandbox, open capread.Opener, s sandbox.Streams, limits launch.Limits) (*Explainer, launch.Status, error) {
	e, err := NewExplainer(open, sb.Filter)
	if err != nil {
		return nil, launch.Status{}, err
	}
	status, err := runInstead(sb, s, limits, e.in.Program, "shannot-explain.bpf", "--explain-denials", e.tracer())
	return e, status, err
}

// tracer decides the traced calls as the original filter did, and
// records every one.
func (e *Explainer) tracer() *systrace.Tracer {
	return &systrace.Tracer{
		Traced: func(c systrace.Call) systrace.Verdict {
			orig := e.verdict(c)
			if orig.Permits() {
				// The original allows it: the stop is a filter of the
				// command's own, and its TRACE, with no tracer of its
				// own, fails the call with ENOSYS. Not the policy's.
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

// verdict is what the original program returns for c: the call itself
// run through it, never c.Data (see original).
func (e *Explainer) verdict(c systrace.Call) seccomp.Action { return original(e.prog, c) }

// original is what the sandbox's own filter, prog (before it was
// instrumented), decides for c. It never trusts c.Data: the command can
// stack a filter of its own whose TRACE data names any instruction of
// the instrumented program, and the kernel reports the newest filter's
// data (a hostile review made learn run a denied socket(AF_INET) so).
// A call the simulator cannot run is killed, as the kernel kills what a
// program cannot decide.
func original(prog *bpfsim.Program, c systrace.Call) seccomp.Action {
	ret, err := prog.Run(seccomp.Call{Nr: c.Nr, Arch: c.Arch, IP: c.IP, Args: c.Args})
	if err != nil {
		return seccomp.Action{Kind: seccomp.KillProcess}
	}
	return seccomp.ActionFromRet(ret)
}

func (e *Explainer) record(c systrace.Call, a seccomp.Action) {
	call, arch, name := callName(c)
	if name == "" {
		name = fmt.Sprintf("syscall %d", c.Nr&^0x40000000)
	}
	rule := "(the program; a BPF file names no rules)"
	if e.filter != nil {
		if rule = e.filter.Decided(call, a); rule == "" {
			rule = "(no rule of the policy gives this action)"
		}
	}
	d := Denial{Process: strings.TrimSpace(processName(c.PID)), Call: name, Nr: c.Nr, Arch: seccomp.ShortArch(arch), Args: c.Args,
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
	if len(e.order) >= MaxDenials {
		// A command can make every call a new kind (a new process name,
		// a new number): the report, held in the memory of a shannot
		// that may be root's, is bounded; the rest are counted.
		e.dropped++
		return
	}
	d.Count = 1
	e.byKey[key] = &d
	e.order = append(e.order, key)
}

// Denials are the records, most frequent first, then in the order seen.
func (e *Explainer) Denials() []Denial {
	e.mu.Lock()
	defer e.mu.Unlock()
	ds := make([]Denial, len(e.order))
	for i, k := range e.order {
		ds[i] = *e.byKey[k]
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Count > ds[j].Count })
	return ds
}

// Report writes the denials to w, as text or, when mode is "json", JSON.
func (e *Explainer) Report(w io.Writer, mode, source string) {
	ds := e.Denials()
	if mode == "json" {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if ds == nil {
			ds = []Denial{}
		}
		out := map[string]any{"seccomp_filter": source, "denials": ds}
		if n := e.notShown(); n > 0 {
			out["not_shown"] = n
		}
		enc.Encode(out)
		return
	}
	if len(ds) == 0 && e.notShown() == 0 {
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
	if n := e.notShown(); n > 0 {
		fmt.Fprintf(w, "  and %d more call(s) of other kinds, not shown (a report holds %d kinds)\n", n, MaxDenials)
	}
}

func (e *Explainer) notShown() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dropped
}
