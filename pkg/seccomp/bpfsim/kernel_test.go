package bpfsim

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// The kernel test re-executes the test binary (as go-landlock's tests
// do): the child installs a program and reports what the kernel did.
const (
	envChild   = "SHANNOT_SECCOMP_KERNEL_CHILD"
	envProgram = "SHANNOT_SECCOMP_KERNEL_PROGRAM"
	envArgs    = "SHANNOT_SECCOMP_KERNEL_ARGS"
	envSeed    = "SHANNOT_SECCOMP_KERNEL_SEED"

	// testNr is a system call number no kernel implements: the guard in
	// front of every program lets every other call through, so the Go
	// runtime of the child keeps working, and an allowed testNr fails
	// with ENOSYS.
	testNr = 0x3ff
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		kernelChild()
	}
	os.Exit(m.Run())
}

// guard is `if nr != testNr return ALLOW`, put in front of the body,
// then A = 0 so that the body starts as a program of its own does.
var guard = []bpf.RawInstruction{
	{Op: opLdWAbs, K: 0},
	{Op: opClsJmp | 0x10, Jt: 1, Jf: 0, K: testNr}, // jeq #testNr, +1, +0
	{Op: opRetK, K: retAllow},
	{Op: opLdImm, K: 0},
}

// kernelChild installs the body in $SHANNOT_SECCOMP_KERNEL_PROGRAM
// behind the guard on one thread, makes the call testNr there with the
// arguments in $SHANNOT_SECCOMP_KERNEL_ARGS, prints what happened and
// exits: "rejected ERRNO" (the kernel refused the program), "errno N",
// "return N", or "killthread". A killed process is seen by the parent.
func kernelChild() {
	body, err := hex.DecodeString(os.Getenv(envProgram))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	var args [6]uintptr
	for i, s := range strings.Fields(os.Getenv(envArgs)) {
		v, err := strconv.ParseUint(s, 0, 64)
		if err != nil || i >= len(args) {
			fmt.Println("error: bad arguments", os.Getenv(envArgs))
			os.Exit(2)
		}
		args[i] = uintptr(v)
	}
	// A filter that kills the process must leave no core dump behind.
	unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	runtime.LockOSThread() // keep the main goroutine off the filtered thread
	tids := make(chan int, 1)
	done := make(chan string, 1)
	go func() {
		// Never unlocked: the filtered thread ends with this goroutine.
		runtime.LockOSThread()
		tids <- unix.Gettid()
		done <- installAndCall(body, args)
	}()
	tid := <-tids
	for {
		select {
		case line := <-done:
			fmt.Println(line)
			os.Exit(0)
		case <-time.After(time.Millisecond):
			if threadGone(tid) {
				select {
				case line := <-done:
					fmt.Println(line)
				default:
					fmt.Println("killthread") // SECCOMP_RET_KILL_THREAD took the thread
				}
				os.Exit(0)
			}
		}
	}
}

// threadGone says whether thread tid of this process has ended. The
// filtered goroutine may run on the main thread (main's LockOSThread
// does not pick it), and a thread group's leader killed alone stays a
// zombie while the other threads run: tgkill still finds it.
func threadGone(tid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/stat", tid))
	if err != nil {
		return true
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] == 'Z' || b[i+2] == 'X'
}

func installAndCall(body []byte, args [6]uintptr) string {
	var filter []unix.SockFilter
	for _, r := range guard {
		filter = append(filter, unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K})
	}
	for i := 0; i+InstructionSize <= len(body); i += InstructionSize {
		b := body[i:]
		filter = append(filter, unix.SockFilter{Code: binary.LittleEndian.Uint16(b), Jt: b[2], Jf: b[3], K: binary.LittleEndian.Uint32(b[4:])})
	}
	// no_new_privs is per thread, as the filter is: no root needed.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return "error: no_new_privs: " + err.Error()
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(filter)
	if e != 0 {
		return fmt.Sprintf("rejected %d", e)
	}
	r1, _, e := unix.Syscall6(testNr, args[0], args[1], args[2], args[3], args[4], args[5])
	if e != 0 {
		return fmt.Sprintf("errno %d", e)
	}
	// Go's wrapper takes -4095 (MAX_ERRNO) for a return value.
	if r := int64(r1); r < 0 && r >= -4095 {
		return fmt.Sprintf("errno %d", -r)
	}
	return fmt.Sprintf("return %d", r1)
}

// observed is what the child sees when the filter returns ret for testNr.
func observed(ret uint32) string {
	a := ActionFromRet(ret)
	switch a.Kind {
	case KillProcess:
		return "signal " + unix.SIGSYS.String()
	case KillThread:
		return "killthread"
	case Trap:
		return "trap" // never generated: the Go runtime would crash on SIGSYS
	case Errno:
		// The kernel caps the errno at MAX_ERRNO; errno 0 is a return of 0.
		if d := min(a.Data, 4095); d != 0 {
			return fmt.Sprintf("errno %d", d)
		}
		return "return 0"
	}
	// ALLOW and LOG run the call; TRACE without a tracer and NOTIFY
	// without a listener fail with ENOSYS.
	return fmt.Sprintf("errno %d", unix.ENOSYS)
}

// runKernel runs body under the real kernel in a child and returns what
// the child saw.
func runKernel(body []bpf.RawInstruction, args [6]uint64) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	argv := make([]string, len(args))
	for i, a := range args {
		argv[i] = fmt.Sprintf("%#x", a)
	}
	// A child that never ends is a failure of the test, not a hang of
	// the suite.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"=1", envProgram+"="+hex.EncodeToString(Encode(body)), envArgs+"="+strings.Join(argv, " "))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "signal " + ws.Signal().String(), nil
		}
	}
	if err != nil {
		return "", fmt.Errorf("child: %v: %s%s", err, out, stderr.Bytes())
	}
	return strings.TrimSpace(string(out)), nil
}

// gen builds random programs from the instructions Decode accepts.
type gen struct {
	r      *rand.Rand
	insns  []bpf.RawInstruction
	stored uint16 // slots stored before the first jump: valid everywhere after it
	jumped bool
	rets   int
}

var interesting = []uint32{0, 1, 2, 3, 4, 7, 16, 31, 32, 33, 63, 64, 255, 0x3ff, 0x7fff, 0x8000, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xc000003e}

func (g *gen) k() uint32 {
	if g.r.IntN(3) == 0 {
		return g.r.Uint32()
	}
	return interesting[g.r.IntN(len(interesting))]
}

func (g *gen) emit(op uint16, k uint32) { g.insns = append(g.insns, bpf.RawInstruction{Op: op, K: k}) }

// retK returns one of the verdicts the child can tell apart; each
// errno is a label of its own.
func (g *gen) retK() {
	g.rets++
	labels := []uint32{retErrno | uint32(100+g.rets), retAllow, retKillProcess, retKillThread, retLog,
		retTrace | 7, retUserNotif, retErrno, retErrno | 5000, 0x00010000, 0x7ffd0000}
	g.emit(opRetK, labels[g.r.IntN(len(labels))])
}

// retA returns A as an errno, folding its 32 bits into the low 12:
// A ^= A>>12; A ^= A>>24; ret ERRNO | (A & 0xfff).
func (g *gen) retA() {
	g.emit(opTax, 0)
	g.emit(opClsALU|0x70, 12) // rsh #12
	g.emit(opClsALU|0xa0|opSrcX, 0)
	g.emit(opTax, 0)
	g.emit(opClsALU|0x70, 24)
	g.emit(opClsALU|0xa0|opSrcX, 0)
	g.emit(opClsALU|0x50, 0xfff)    // and
	g.emit(opClsALU|0x40, retErrno) // or
	g.emit(opRetA, 0)
}

var (
	aluOps  = []uint16{0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0}
	jumpOps = []uint16{0x10, 0x20, 0x30, 0x40}
	// Offsets of struct seccomp_data but the instruction pointer, which
	// differs from one run to the next.
	dataOffsets = []uint32{0, 4, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60}
)

func (g *gen) program() []bpf.RawInstruction {
	g.insns, g.stored, g.jumped, g.rets = nil, 0, false, 0
	for n := 1 + g.r.IntN(20); len(g.insns) < n; {
		switch g.r.IntN(13) {
		case 0, 1:
			g.emit(opLdWAbs, dataOffsets[g.r.IntN(len(dataOffsets))])
		case 2:
			g.emit([]uint16{opLdImm, opLdxImm}[g.r.IntN(2)], g.k())
		case 3:
			g.emit([]uint16{opLdWLen, opLdxLen}[g.r.IntN(2)], 0)
		case 4:
			op := aluOps[g.r.IntN(len(aluOps))]
			k := g.k()
			switch op {
			case 0x60, 0x70:
				k %= 32
			case 0x30:
				k |= 1 << g.r.IntN(32) // never 0
			}
			g.emit(opClsALU|op, k)
		case 5, 6:
			g.emit(opClsALU|aluOps[g.r.IntN(len(aluOps))]|opSrcX, 0)
		case 7:
			g.emit([]uint16{opNeg, opTax, opTxa}[g.r.IntN(3)], 0)
		case 8:
			slot := uint32(g.r.IntN(memWords))
			g.emit([]uint16{opSt, opStx}[g.r.IntN(2)], slot)
			if !g.jumped {
				g.stored |= 1 << slot
			}
		case 9:
			if g.stored != 0 {
				var slots []uint32
				for s := range uint32(memWords) {
					if g.stored&(1<<s) != 0 {
						slots = append(slots, s)
					}
				}
				g.emit([]uint16{opLdMem, opLdxMem}[g.r.IntN(2)], slots[g.r.IntN(len(slots))])
			}
		case 10, 11:
			g.jumped = true
			if g.r.IntN(5) == 0 {
				g.emit(opJa, 0) // offsets fixed below
			} else {
				g.emit(opClsJmp|jumpOps[g.r.IntN(len(jumpOps))]|[]uint16{0, opSrcX}[g.r.IntN(2)], g.k())
			}
		case 12:
			if g.r.IntN(2) == 0 {
				g.retK()
			} else {
				g.retA()
			}
		}
	}
	if g.r.IntN(2) == 0 {
		g.retK()
	} else {
		g.retA()
	}
	n := len(g.insns)
	for i := range g.insns {
		in := &g.insns[i]
		after := n - i - 1
		switch {
		case in.Op == opJa:
			in.K = uint32(g.r.IntN(after))
		case isCondJump(in.Op):
			in.Jt = uint8(g.r.IntN(min(after, 256)))
			in.Jf = uint8(g.r.IntN(min(after, 256)))
		}
	}
	return g.insns
}

// mutate breaks one instruction of p the way a crafted file might.
func (g *gen) mutate(p []bpf.RawInstruction) []bpf.RawInstruction {
	p = append([]bpf.RawInstruction(nil), p...)
	in := &p[g.r.IntN(len(p))]
	switch g.r.IntN(6) {
	case 0:
		in.Op = uint16(g.r.IntN(0x100)) // any classic opcode, most not seccomp's
	case 1:
		in.Op = []uint16{0x0106, 0x8006, 0x0e, 0x94, 0x9c, 0x28, 0x30, 0x40, 0xb1, 0x55, 0x64, 0x74}[g.r.IntN(12)]
	case 2:
		in.K = []uint32{2, 8, 12, 15, 16, 17, 31, 32, 33, 63, 64, 68, 0xfffff000, 0xfffff004}[g.r.IntN(14)]
	case 3:
		in.Jt, in.Jf = uint8(g.r.IntN(256)), uint8(g.r.IntN(256))
	case 4:
		in.K = g.r.Uint32()
	case 5:
		p[len(p)-1] = bpf.RawInstruction{Op: []uint16{opLdImm, opTax, opJa, opSt}[g.r.IntN(4)]}
	}
	return p
}

func (g *gen) args() [6]uint64 {
	var a [6]uint64
	for i := range a {
		switch g.r.IntN(4) {
		case 0:
			a[i] = g.r.Uint64()
		case 1:
			a[i] = uint64(g.k())
		case 2:
			a[i] = uint64(g.k())<<32 | uint64(g.k())
		}
	}
	return a
}

// readsIP reports whether p loads the instruction pointer, whose value
// the parent cannot know.
func readsIP(p []bpf.RawInstruction) bool {
	for _, in := range p {
		if in.Op == opLdWAbs && (in.K == 8 || in.K == 12) {
			return true
		}
	}
	return false
}

// TestSimulatorAgreesWithKernel runs random programs under the real
// kernel and checks that Decode accepts exactly what the kernel accepts
// and that the simulator's verdict is what the kernel does.
func TestSimulatorAgreesWithKernel(t *testing.T) {
	// Under an outer filter (a container's), testNr may not get ENOSYS
	// when the guard allows it.
	if got, err := runKernel([]bpf.RawInstruction{{Op: opRetK, K: retAllow}}, [6]uint64{}); err != nil || got != observed(retAllow) {
		msg := fmt.Sprintf("an allowed system call %#x gives %q (%v), not ENOSYS: no seccomp, or an outer filter", testNr, got, err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envSeed); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 0, 64); err != nil {
			t.Fatalf("%s: %v", envSeed, err)
		}
	}
	t.Logf("seed %d (rerun with %s=%d)", seed, envSeed, seed)
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x5ecc0))}
	type tc struct {
		body []bpf.RawInstruction
		args [6]uint64
	}
	// Fixed cases first: the ones a simulator gets wrong.
	cases := []tc{
		{body: shiftProgram(opClsALU | 0x60 | opSrcX)},
		{body: shiftProgram(opClsALU | 0x70 | opSrcX)},
		{body: []bpf.RawInstruction{{Op: opLdxImm, K: 0}, {Op: opLdImm, K: 7}, {Op: opClsALU | 0x30 | opSrcX}, {Op: opRetK, K: retAllow}}},
		{body: []bpf.RawInstruction{{Op: opLdWLen}, {Op: opClsALU | 0x40, K: retErrno}, {Op: opRetA}}},
		{body: []bpf.RawInstruction{{Op: opClsALU | 0x64, K: 32}, {Op: opRetK, K: retAllow}}},
		{body: []bpf.RawInstruction{{Op: opLdMem, K: 0}, {Op: opRetA}}},
	}
	for range 300 {
		cases = append(cases, tc{body: g.program(), args: g.args()})
	}
	for range 150 {
		cases = append(cases, tc{body: g.mutate(g.program()), args: g.args()})
	}
	var (
		mu       sync.Mutex
		accepted int
		verdicts = map[string]int{}
	)
	work := make(chan tc)
	var wg sync.WaitGroup
	for range 2 * runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				got, err := runKernel(c.body, c.args)
				if err != nil {
					t.Error(err)
					continue
				}
				p, derr := Decode(Encode(c.body))
				listing := disasmRaw(c.body)
				rejected := strings.HasPrefix(got, "rejected")
				switch {
				case derr == nil && rejected:
					t.Errorf("Decode accepts a program the kernel refuses (%s):\n%s", got, listing)
					continue
				case derr != nil && !rejected:
					t.Errorf("Decode refuses a program the kernel accepts (%v); the kernel: %s\n%s", derr, got, listing)
					continue
				case derr != nil:
					continue
				}
				mu.Lock()
				accepted++
				mu.Unlock()
				if readsIP(c.body) {
					continue
				}
				call := Call{Nr: testNr, Arch: unix.AUDIT_ARCH_X86_64, Args: c.args}
				ret, _, err := p.Trace(call)
				if err != nil {
					t.Errorf("Trace: %v\n%s", err, listing)
					continue
				}
				if want := observed(ret); got != want {
					t.Errorf("args %#x: the kernel gives %q, the simulator %#x (%s, so %q):\n%s", c.args, got, ret, ActionFromRet(ret), want, listing)
				}
				mu.Lock()
				verdicts[got]++
				mu.Unlock()
			}
		}()
	}
	for _, c := range cases {
		work <- c
	}
	close(work)
	wg.Wait()
	t.Logf("%d programs, %d accepted by the kernel; verdicts %v", len(cases), accepted, verdicts)
	if accepted < 250 {
		t.Errorf("only %d of %d programs were accepted: the generator is broken", accepted, len(cases))
	}
}

// shiftProgram is "A = ALLOW; X = 32; A = A op X; return A": the kernel
// masks the shift count to 5 bits, so it allows, where a shift of a
// 32-bit value by 32 would give 0 (KILL_THREAD).
func shiftProgram(op uint16) []bpf.RawInstruction {
	return []bpf.RawInstruction{{Op: opLdImm, K: retAllow}, {Op: opLdxImm, K: 32}, {Op: op}, {Op: opRetA}}
}

func disasmRaw(raw []bpf.RawInstruction) string {
	var b strings.Builder
	for i, r := range raw {
		fmt.Fprintf(&b, "%4d: op %#04x jt %d jf %d k %#x  %v\n", i, r.Op, r.Jt, r.Jf, r.K, r.Disassemble())
	}
	return b.String()
}
