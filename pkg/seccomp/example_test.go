//go:build cgo

package seccomp_test

import (
	"fmt"

	"github.com/shannot-project/shannot/pkg/seccomp"
)

// Compile an OCI policy and ask the compiled program, without a kernel,
// what it does to two calls: the example of docs/seccomp.md.
func ExampleCompilePolicy() {
	policy := []byte(`{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}`)
	host := seccomp.Host{Arch: "SCMP_ARCH_X86_64", GoArch: "amd64", Kernel: [2]int{6, 1}}
	filter, compiled, err := seccomp.CompilePolicy("policy.json", policy, seccomp.Options{Host: host, Strict: true})
	if err != nil {
		fmt.Println(err) // a *seccomp.PolicyError: file, JSON pointer, what to fix
		return
	}
	fmt.Println(len(filter.Rules), "rule")

	prog, _ := seccomp.Decode(compiled.Program)
	for _, name := range []string{"ptrace", "read"} {
		call, _ := seccomp.NewCall(name, "SCMP_ARCH_X86_64")
		ret, _ := prog.Run(call)
		fmt.Println(name, seccomp.ActionFromRet(ret))
	}
	// Output:
	// 1 rule
	// ptrace ERRNO(EPERM)
	// read ALLOW
}
