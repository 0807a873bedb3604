package seccomp

import (
	"strings"
	"testing"
)

func TestFullWidthComparisonOfIntArgumentWarns(t *testing.T) {
	const fixEQ = `compare the low 32 bits: {"index": 1, "value": 4294967295, "valueTwo": 21522, "op": "SCMP_CMP_MASKED_EQ"}`
	for _, tc := range []struct {
		name  string
		rules string
		n     int      // warnings
		want  []string // substrings each found in one of them
	}{
		{"ioctl request EQ (CVE-2019-10063)", `{"names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 21522, "op": "SCMP_CMP_EQ"}]}`, 1,
			[]string{"/syscalls/1/args/0: SCMP_CMP_EQ compares all 64 bits of ioctl's request (argument 1), which the kernel reads as 32 bits: a caller who sets the upper half slips past the rule (CVE-2019-10063); " + fixEQ}},
		{"ioctl request MASKED_EQ low 32 bits", `{"names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 4294967295, "valueTwo": 21522, "op": "SCMP_CMP_MASKED_EQ"}]}`, 0, nil},
		{"ioctl request MASKED_EQ 64-bit mask", `{"names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 18446744073709551615, "valueTwo": 21522, "op": "SCMP_CMP_MASKED_EQ"}]}`, 1,
			[]string{"/syscalls/1/args/0: SCMP_CMP_MASKED_EQ with mask 0xffffffffffffffff compares the upper 32 bits of ioctl's request (argument 1)", fixEQ}},
		{"ioctl fd is not in the table", `{"names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 3, "op": "SCMP_CMP_EQ"}]}`, 0, nil},
		{"always-true condition", `{"names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_GE"}]}`, 0, nil},
		{"socket domain NE", `{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_NE"}]}`, 1,
			[]string{`/syscalls/1/args/0: SCMP_CMP_NE compares all 64 bits of socket's domain (argument 0)`, `libseccomp has no 32-bit SCMP_CMP_NE: list the values, each as {"index": 0, "value": 4294967295, "valueTwo": VALUE, "op": "SCMP_CMP_MASKED_EQ"}`}},
		{"socket type GT, protocol LT", `{"names": ["socketpair"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 5, "op": "SCMP_CMP_GT"}, {"index": 2, "value": 5, "op": "SCMP_CMP_LT"}]}`, 2,
			[]string{"/syscalls/1/args/0: SCMP_CMP_GT compares all 64 bits of socketpair's type (argument 1)", "/syscalls/1/args/1: SCMP_CMP_LT compares all 64 bits of socketpair's protocol (argument 2)"}},
		{"fcntl cmd GE", `{"names": ["fcntl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 1030, "op": "SCMP_CMP_GE"}]}`, 1, []string{"fcntl's cmd (argument 1)"}},
		{"personality LE", `{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_LE"}]}`, 1, []string{"personality's persona (argument 0)"}},
		{"prctl option", `{"names": ["prctl"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 22, "op": "SCMP_CMP_EQ"}]}`, 1, []string{"prctl's option (argument 0)"}},
		{"kill and tgkill signals, one rule each", `{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]},
			{"names": ["tgkill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 2, "value": 9, "op": "SCMP_CMP_EQ"}]}`, 2,
			[]string{"/syscalls/1/args/0: SCMP_CMP_EQ compares all 64 bits of kill's signal (argument 1)", "/syscalls/2/args/0: SCMP_CMP_EQ compares all 64 bits of tgkill's signal (argument 2)"}},
		{"kill pid is not in the table", `{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}`, 0, nil},
		{"setsockopt level and optname", `{"names": ["setsockopt", "getsockopt"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": 25, "op": "SCMP_CMP_EQ"}]}`, 2,
			[]string{"setsockopt's level (argument 1)", "setsockopt's optname (argument 2)"}},
		{"64-bit argument", `{"names": ["clone"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}`, 0, nil},
		{"rule left out (repeats the default) is not checked", `{"names": ["ioctl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 21522, "op": "SCMP_CMP_EQ"}]}`, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			policy := `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO"}, ` + tc.rules + `]}`
			p, err := ParsePolicy([]byte(policy), "p.json")
			if err != nil {
				t.Fatal(err)
			}
			f, err := p.Resolve(Host{Arch: "SCMP_ARCH_X86_64", GoArch: "amd64", Kernel: [2]int{6, 1}})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Warnings) != tc.n {
				t.Fatalf("%d warnings:\n%s\nwant %d", len(f.Warnings), strings.Join(f.Warnings, "\n"), tc.n)
			}
			all := strings.Join(f.Warnings, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("warnings:\n%s\nwant one containing %q", all, w)
				}
			}
			for _, w := range f.Warnings {
				if strings.ContainsAny(w, "\n\r") {
					t.Errorf("not one line: %q", w)
				}
			}
		})
	}
}
