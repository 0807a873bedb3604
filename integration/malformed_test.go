//go:build integration

package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMalformedInputs runs hostile profiles, policies and BPF files
// through the real binary: each must give exit 125 and one line naming
// the problem, never a panic or a Go stack trace, and touch nothing.
func TestMalformedInputs(t *testing.T) {
	dir := mkdir(t, "malformed")
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	profile := func(name, body string) string { return write(name+".json", []byte(body)) }
	withFilter := func(name string, filter []byte) string {
		write(name+".filter", filter)
		return profile(name, `{"name": "f", "seccomp_profile": "`+name+`.filter", "binds": [{"source": "/usr", "target": "/usr"},
			{"source": "/bin", "target": "/bin", "optional": true}, {"source": "/lib", "target": "/lib", "optional": true},
			{"source": "/lib64", "target": "/lib64", "optional": true}]}`)
	}
	os.Symlink("loop-b.json", filepath.Join(dir, "loop-a.json"))
	os.Symlink("loop-a.json", filepath.Join(dir, "loop-b.json"))
	os.Mkdir(filepath.Join(dir, "a-directory.json"), 0o755)

	huge := `{"name": "` + strings.Repeat("x", 10<<20) + `"}`
	deep := `{"name": "d", "description": ` + strings.Repeat("[", 200000) + strings.Repeat("]", 200000) + `}`
	for _, tc := range []struct {
		name string
		path string
		want string // in the one line shannot prints
	}{
		{"empty file", profile("empty", ""), "invalid JSON: unexpected end of JSON input"},
		{"truncated", profile("truncated", `{"name": "t", "binds": [{"source": "/usr"`), "invalid JSON: unexpected end of JSON input"},
		{"trailing garbage", profile("garbage", `{"name": "t"} xyz`), "invalid JSON: invalid character 'x' after top-level value"},
		{"not an object", profile("array", `["name"]`), "/: expected object, but got array"},
		{"a number", profile("number", `42`), "expected object, but got number"},
		{"null", profile("null", `null`), "expected object, but got null"},
		{"missing name", profile("noname", `{}`), "missing properties: 'name'"},
		{"name wrong type", profile("nametype", `{"name": 7}`), "/name: expected string, but got number"},
		{"binds not an array", profile("bindsobj", `{"name": "t", "binds": {"source": "/usr"}}`), "/binds: expected array, but got object"},
		{"bind without target", profile("notarget", `{"name": "t", "binds": [{"source": "/usr"}]}`), "/binds/0: missing properties: 'target'"},
		{"relative target", profile("reltarget", `{"name": "t", "binds": [{"source": "/usr", "target": "usr"}]}`), `/binds/0/target: "usr" must be an absolute path`},
		{"missing source", profile("nosource", `{"name": "t", "binds": [{"source": "/no/such/dir", "target": "/x"}]}`), "/binds/0/source: /no/such/dir does not exist on this host"},
		{"unknown key", profile("typo", `{"name": "t", "tmpfs_path": ["/tmp"]}`), `unknown key "tmpfs_path"; did you mean "tmpfs_paths"?`},
		{"env value not a string", profile("envnum", `{"name": "t", "environment": {"A": true}}`), "/environment/A: expected string, but got boolean"},
		{"NUL in a string", profile("nul", `{"name": "t", "tmpfs_paths": ["/tmp\u0000/x"]}`), "/tmpfs_paths/0: contains a NUL byte"},
		{"raw NUL byte", write("rawnul.json", []byte("{\"name\": \"a\x00b\"}")), "invalid JSON: invalid character '\\x00' in string literal"},
		{"invalid UTF-8", write("latin1.json", []byte("{\"name\": \"caf\xe9\"}")), "line 1, column 14: not valid UTF-8"},
		{"10 MB string", profile("huge", huge), "larger than 1048576 bytes"},
		{"deeply nested", profile("deep", deep), "invalid JSON: invalid character '[' exceeded max depth"},
		{"bind of the host's /proc", profile("proc", `{"name": "t", "binds": [{"source": "/proc", "target": "/hostproc"}]}`), "binding the host's /proc is refused"},
		{"host /proc through additional_args", profile("aa-proc", `{"name": "t", "additional_args": ["--ro-bind", "/proc", "/hostproc"]}`), "/additional_args/0: --ro-bind is refused in additional_args"},
		{"capabilities through additional_args", profile("aa-cap", `{"name": "t", "additional_args": ["--cap-add", "ALL"]}`), "/additional_args/0: --cap-add is refused in additional_args"},
		{"unknown option in additional_args", profile("aa-unknown", `{"name": "t", "additional_args": ["--bogus"]}`), `/additional_args/0: unknown bwrap option "--bogus"`},
		{"double dash in additional_args", profile("dashdash", `{"name": "t", "additional_args": ["--", "sh"]}`), `"--" would end bwrap's options early`},
		{"bad glob", profile("glob", `{"name": "t", "allowed_commands": ["["]}`), `"[" is not a valid glob pattern`},
		{"symlink loop", filepath.Join(dir, "loop-a.json"), "too many levels of symbolic links"},
		{"a directory", filepath.Join(dir, "a-directory.json"), "not a regular file"},
		{"no such profile file", filepath.Join(dir, "nothing-here.json"), "no such file"},
		{"empty BPF", withFilter("bpf-empty", nil), "is empty"},
		{"truncated BPF", withFilter("bpf-odd", []byte("\x06\x00\x00\x00\x00\x00\xff")), "is 7 bytes, not a whole number of 8-byte BPF instructions"},
		{"BPF over the kernel limit", withFilter("bpf-big", make([]byte, 8*4097)), "has 4097 instructions, more than the kernel's limit of 4096"},
		{"BPF that jumps out of the program", withFilter("bpf-jump", []byte("\x15\x00\x05\x00\x00\x00\x00\x00\x06\x00\x00\x00\x00\x00\xff\x7f")), "the kernel refuses this filter: instruction 0: a conditional jump (+5, +0) past the last instruction (1)"},
		{"BPF without a return", withFilter("bpf-noret", []byte("\x20\x00\x00\x00\x00\x00\x00\x00")), "the kernel refuses this filter: the last instruction (0) is not a return"},
		{"BPF with a constant shift of 32", withFilter("bpf-shift", []byte("\x64\x00\x00\x00\x20\x00\x00\x00\x06\x00\x00\x00\x00\x00\xff\x7f")), "instruction 0: a constant shift by 32; the kernel refuses shifts of 32 or more"},
		{"BPF that denies execve", withFilter("bpf-kill", []byte("\x06\x00\x00\x00\x00\x00\x00\x80")), "it denies on x86_64 execve KILL_PROCESS"},
		{"policy not JSON", withFilter("pol-syntax", []byte(`{"defaultAction": SCMP_ACT_ALLOW}`)), "line 1, column 19: invalid JSON"},
		{"policy truncated", withFilter("pol-trunc", []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [`)), "unexpected end of JSON input"},
		{"policy with NOTIFY", withFilter("pol-notify", []byte(`{"defaultAction": "SCMP_ACT_NOTIFY"}`)), "SCMP_ACT_NOTIFY cannot be honoured"},
		{"policy errno too large", withFilter("pol-errno", []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 100000}]}`)), "errno 100000 is above 4094"},
		{"policy arg index", withFilter("pol-index", []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 9, "value": 0, "op": "SCMP_CMP_EQ"}]}]}`)), "argument index 9 is out of range"},
		{"policy wrong types", withFilter("pol-types", []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": "all"}`)), "syscalls must be []seccomp.Syscall, not string"},
		{"policy deeply nested", withFilter("pol-deep", []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "comment": `+strings.Repeat("[", 200000)+strings.Repeat("]", 200000)+`}`)), "exceeded max depth"},
		{"policy with a huge string", withFilter("pol-huge", []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "comment": "`+strings.Repeat("y", 2<<20)+`"}`)), "larger than 1048576 bytes"},
		{"duplicate key", profile("dup", "{\"name\": \"t\",\n \"binds\": [{\"source\": \"/usr\",\n  \"target\": \"/usr\",\n  \"source\": \"/\"}]}"), `/binds/0: key "source" appears twice (line 2 and line 4): keep one`},
		{"duplicate top-level key", profile("dup-top", `{"name": "t", "seccomp_profile": null, "seccomp_profile": "x.bpf"}`), `key "seccomp_profile" appears twice (line 1 and line 1): keep one`},
		{"policy duplicate key", withFilter("pol-dup", []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "action": "SCMP_ACT_KILL"}]}`)), `/syscalls/0: key "action" appears twice (line 1 and line 1): keep one`},
		{"100,000-digit number", profile("bignum", `{"name": `+strings.Repeat("7", 100000)+`}`), `number "7777777777777777777777777777777777777777777777777777777777"... (100000 bytes) cannot be read as float64`},
		{"policy conflict", withFilter("pol-conflict", []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["ioctl"], "action": "SCMP_ACT_ALLOW"}, {"names": ["ioctl"], "action": "SCMP_ACT_KILL"}]}`)), "/syscalls/1 conflicts with /syscalls/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := identities(t)[0]
			r := id.run(t, opts{}, "--profile", tc.path, "run", "ls", "/")
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if r.code != 125 || len(lines) != 1 || !strings.HasPrefix(lines[0], "shannot: ") || !strings.Contains(lines[0], tc.want) {
				t.Errorf("exit %d, stderr %q\nwant exit 125 and one line containing %q", r.code, truncate(r.stderr), tc.want)
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
				t.Errorf("Go stack trace: %s", truncate(r.stderr))
			}
			if r.stdout != "" {
				t.Errorf("something ran: %q", truncate(r.stdout))
			}
		})
	}
}

func truncate(s string) string {
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return s
}
