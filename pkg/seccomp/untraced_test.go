package seccomp

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestWithoutUntraced(t *testing.T) {
	// The original: getpid fails with EACCES, the rest is allowed.
	allow, eacces := Action{Kind: Allow}.Ret(), Action{Kind: Errno, Data: uint16(unix.EACCES)}.Ret()
	le := func(k uint32) []byte { return []byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)} }
	var orig []byte
	orig = append(orig, 0x20, 0, 0, 0, 0, 0, 0, 0)                     // ld [0]
	orig = append(append(orig, 0x15, 0, 0, 1), le(unix.SYS_GETPID)...) // jeq getpid
	orig = append(append(orig, 0x06, 0, 0, 0), le(eacces)...)          // ret ERRNO(EACCES)
	orig = append(append(orig, 0x06, 0, 0, 0), le(allow)...)           // ret ALLOW
	guarded, err := WithoutUntraced(orig)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(guarded)
	if err != nil {
		t.Fatal(err)
	}
	x86_64, i386 := uint32(unix.AUDIT_ARCH_X86_64), uint32(unix.AUDIT_ARCH_I386)
	for _, tc := range []struct {
		name string
		c    Call
		want Action
	}{
		{"clone with CLONE_UNTRACED", Call{Nr: unix.SYS_CLONE, Arch: x86_64, Args: [6]uint64{cloneUntraced | 17}}, Action{Kind: Errno, Data: uint16(unix.EPERM)}},
		{"clone, high bits aside", Call{Nr: unix.SYS_CLONE, Arch: x86_64, Args: [6]uint64{1<<32 | 17}}, Action{Kind: Allow}},
		{"plain clone", Call{Nr: unix.SYS_CLONE, Arch: x86_64, Args: [6]uint64{17}}, Action{Kind: Allow}},
		{"the original's verdicts", Call{Nr: unix.SYS_GETPID, Arch: x86_64}, Action{Kind: Errno, Data: uint16(unix.EACCES)}},
		{"another architecture", Call{Nr: unix.SYS_CLONE, Arch: i386, Args: [6]uint64{cloneUntraced}}, Action{Kind: Allow}},
	} {
		ret, err := p.Run(tc.c)
		if err != nil {
			t.Fatal(err)
		}
		if got := ActionFromRet(ret); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
