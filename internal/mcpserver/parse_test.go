package mcpserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The testdata files are the real commands' output, captured on a
// Debian 12 machine (coreutils 9.1, procps-ng 4.0.2, findutils, grep),
// on the host and inside shannot's diagnostics sandbox, with the argv
// the tools run; journal.json is written in journalctl's --output=json
// form (that machine keeps no journal), a byte-array MESSAGE and a
// record without PRIORITY included.
func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ptr(n int) *int { return &n }

func TestParseDF(t *testing.T) {
	for _, tc := range []struct {
		file  string
		n     int
		index int
		want  Filesystem
	}{
		{"df-host.txt", 5, 2, Filesystem{Source: "/dev/vda", Type: "ext4", SizeBytes: 270553174016, UsedBytes: 12708970496, AvailableBytes: 85084323840,
			UsePercent: ptr(13), Inodes: 16777216, InodesUsed: 427521, InodesFree: 16349695, InodesUsePercent: ptr(3), MountPoint: "/"}},
		{"df-host.txt", 5, 3, Filesystem{Source: "model_tools_unavailable", Type: "tmpfs", SizeBytes: 4096, AvailableBytes: 4096, UsePercent: ptr(0),
			Inodes: 3085448, InodesUsed: 1, InodesFree: 3085447, InodesUsePercent: ptr(1), MountPoint: "/mnt/sandboxing/model_tools_env/v1/python"}},
		{"df-sandbox.txt", 7, 3, Filesystem{Source: "tmpfs", Type: "tmpfs", SizeBytes: 12637995008, AvailableBytes: 12637995008, UsePercent: ptr(0),
			Inodes: 3085448, InodesUsed: 1, InodesFree: 3085447, InodesUsePercent: ptr(1), MountPoint: "/tmp"}},
	} {
		got, err := parseDF(testdata(t, tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if len(got) != tc.n {
			t.Fatalf("%s: %d file systems, want %d", tc.file, len(got), tc.n)
		}
		if d := cmp.Diff(got[tc.index], tc.want); d != "" {
			t.Errorf("%s[%d] (-got +want):\n%s", tc.file, tc.index, d)
		}
	}
	// Synthetic lines for what this machine did not show: a mount point
	// with spaces, "-" columns, and malformed output.
	const head = "Filesystem Type 1B-blocks Used Avail Use% Inodes IUsed IFree IUse% Mounted on\n"
	for _, tc := range []struct {
		out     string
		want    []Filesystem
		wantErr string
	}{
		{head + "/dev/sdb1 vfat 1024 512 512 50% - - - - /media/My Disk\n",
			[]Filesystem{{Source: "/dev/sdb1", Type: "vfat", SizeBytes: 1024, UsedBytes: 512, AvailableBytes: 512, UsePercent: ptr(50), MountPoint: "/media/My Disk"}}, ""},
		{head + "proc proc 0 0 0 - 0 0 0 - /proc\n", []Filesystem{{Source: "proc", Type: "proc", MountPoint: "/proc"}}, ""},
		{head, []Filesystem{}, ""},
		{"", []Filesystem{}, ""},
		{"df: /nope: No such file or directory\n", nil, "does not start with its header"},
		{head + "/dev/sda1 ext4 10 5 5 50%\n", nil, "df line 2 has 6 columns, want 11"},
		{head + "/dev/sda1 ext4 ten 5 5 50% 1 1 0 100% /\n", nil, `"ten" is not a number`},
		{head + "/dev/sda1 ext4 10 5 5 50 1 1 0 100% /\n", nil, `"50" is not a percentage`},
	} {
		got, err := parseDF(tc.out)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseDF(%q): %v, want an error with %q", tc.out, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseDF(%q): %v", tc.out, err)
		} else if d := cmp.Diff(got, tc.want); d != "" {
			t.Errorf("parseDF(%q) (-got +want):\n%s", tc.out, d)
		}
	}
}

func TestParseMeminfo(t *testing.T) {
	m, err := parseMeminfo(testdata(t, "meminfo.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := Memory{TotalBytes: 24683584 * 1024, FreeBytes: 23392416 * 1024, AvailableBytes: 24180860 * 1024, BuffersBytes: 16980 * 1024,
		CachedBytes: 892632 * 1024, UsedBytes: (24683584 - 24180860) * 1024}
	if d := cmp.Diff(m, want, cmpIgnoreFields()); d != "" {
		t.Errorf("meminfo (-got +want):\n%s", d)
	}
	if m.Fields["HugePages_Total"] != 0 || m.Fields["Hugepagesize"] != 2048*1024 || len(m.Fields) != 54 {
		t.Errorf("fields: HugePages_Total %d, Hugepagesize %d, %d fields", m.Fields["HugePages_Total"], m.Fields["Hugepagesize"], len(m.Fields))
	}
	for _, tc := range []struct{ out, want string }{
		{"MemTotal: 10 kB\nSwapTotal: 4 kB\nSwapFree: 1 kB\nMemFree: 2 kB\n", ""},
		{"MemTotal: 10 kB\n", "no MemFree line"},
		{"MemTotal 10 kB\nMemFree: 1 kB\n", `line 1 is not "Key: N [kB]"`},
		{"MemTotal: 10 MB\nMemFree: 1 kB\n", `line 1 is not "Key: N [kB]"`},
		{"MemTotal: x kB\nMemFree: 1 kB\n", `"x" is not a number`},
		{"MemTotal: 99999999999999999 kB\nMemFree: 1 kB\n", "does not fit in bytes"},
	} {
		m, err := parseMeminfo(tc.out)
		if tc.want == "" {
			if err != nil || m.SwapUsedBytes != 3*1024 || m.FreeBytes != 2048 {
				t.Errorf("parseMeminfo(%q) = %+v, %v", tc.out, m, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseMeminfo(%q): %v, want %q", tc.out, err, tc.want)
		}
	}
}

func cmpIgnoreFields() cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Fields" }, cmp.Ignore())
}

func TestParsePS(t *testing.T) {
	for _, tc := range []struct {
		file  string
		n     int
		index int
		want  Process
	}{
		{"ps-host.txt", 6, 1, Process{PID: 2, User: "root", State: "S", RSSBytes: 0, ElapsedS: 658, Start: "2026-12-01T21:34:21", Command: "[kthreadd]"}},
		{"ps-host.txt", 6, 0, Process{PID: 1, User: "root", State: "S<Ll", CPUPercent: 0.5, RSSBytes: 13632 * 1024, ElapsedS: 658, Start: "2026-12-01T21:34:21",
			Command: "/process_api --firecracker-init --addr 0.0.0.0:2024 --max-ws-buffer-size 32768 --block-local-connections --log-vsock-port 5002 --control-vsock-port 5001 --listen-vsock-port 2024 --tcp-readiness-only --auth-required"}},
		{"ps-sandbox.txt", 2, 1, Process{PID: 2, User: "nobody", State: "R", RSSBytes: 4576 * 1024, Start: "2026-12-01T21:45:33",
			Command: "ps -e -ww -o pid=,user:64=,stat=,pcpu=,pmem=,rss=,etimes=,lstart=,args="}},
	} {
		got, err := parsePS(testdata(t, tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if len(got) != tc.n {
			t.Fatalf("%s: %d processes, want %d", tc.file, len(got), tc.n)
		}
		if d := cmp.Diff(got[tc.index], tc.want); d != "" {
			t.Errorf("%s[%d] (-got +want):\n%s", tc.file, tc.index, d)
		}
	}
	for _, tc := range []struct{ out, want string }{
		{"  7 root S 0.0 0.0 10 5 Tue Dec  1 21:34:21 2026 a  b\n", ""},
		{"  7 root S 0.0 0.0 10 5 Tue Dec  1 21:34:21\n", "want at least 12"},
		{"  x root S 0.0 0.0 10 5 Tue Dec  1 21:34:21 2026 a\n", `pid "x"`},
		{"  7 root S 0.0 0.0 10 5 Tue Dec 41 21:34:21 2026 a\n", "is not a date"},
	} {
		ps, err := parsePS(tc.out)
		if tc.want == "" {
			if err != nil || len(ps) != 1 || ps[0].Command != "a  b" {
				t.Errorf("parsePS(%q) = %+v, %v", tc.out, ps, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parsePS(%q): %v, want %q", tc.out, err, tc.want)
		}
	}
}

func TestSortProcesses(t *testing.T) {
	ps := func() []Process {
		return []Process{{PID: 1, CPUPercent: 0.5, MemPercent: 1, RSSBytes: 10, ElapsedS: 100}, {PID: 2, CPUPercent: 2, MemPercent: 0.1, RSSBytes: 30, ElapsedS: 5},
			{PID: 3, CPUPercent: 2, MemPercent: 3, RSSBytes: 20, ElapsedS: 50}}
	}
	for _, tc := range []struct {
		by    string
		limit int
		want  []int
	}{
		{"cpu", 10, []int{2, 3, 1}}, {"mem", 10, []int{3, 1, 2}}, {"rss", 2, []int{2, 3}}, {"pid", 1, []int{1}}, {"start", 10, []int{2, 3, 1}},
	} {
		var got []int
		for _, p := range sortProcesses(ps(), tc.by, tc.limit) {
			got = append(got, p.PID)
		}
		if d := cmp.Diff(got, tc.want); d != "" {
			t.Errorf("sort by %s, limit %d (-got +want):\n%s", tc.by, tc.limit, d)
		}
	}
}

func TestParseFind(t *testing.T) {
	got, err := parseFind(testdata(t, "find.txt"))
	if err != nil {
		t.Fatal(err)
	}
	const mod = "2026-11-30T10:00:00Z"
	want := []FoundFile{{"/data/ta\tb.log", "f", 19, mod}, {"/data/latin1.log", "f", 15, mod}, {"/data/a dir/x.log", "f", 22, mod},
		{"/data/bin.log", "f", 18, mod}, {"/data/new\nline.log", "f", 12, mod}}
	if d := cmp.Diff(got, want); d != "" {
		t.Errorf("find.txt (-got +want):\n%s", d)
	}
	for _, tc := range []struct {
		out  string
		n    int
		want string
	}{
		{"", 0, ""},
		{"f\t1\t0.5\t/a\x00f\t2\t1\t/b", 1, ""}, // the last record cut by the limit
		{"f\t1\t/a\x00", 0, "is not type, size, time and path"},
		{"f\tx\t1\t/a\x00", 0, `size "x"`},
		{"f\t1\tnow\t/a\x00", 0, `time "now"`},
		{"f\t1\t1\t/caf\xe9\x00", 1, ""},
	} {
		got, err := parseFind(tc.out)
		if tc.want == "" {
			if err != nil || len(got) != tc.n {
				t.Errorf("parseFind(%q) = %+v, %v; want %d files", tc.out, got, err, tc.n)
			}
		} else if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseFind(%q): %v, want %q", tc.out, err, tc.want)
		}
	}
}

func TestParseGrep(t *testing.T) {
	got, err := parseGrep(testdata(t, "grep.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Match{{"/data/ta\tb.log", 1, "tab\there --version"}, {"/data/a dir/x.log", 1, "one --version here"}, {"/data/new\nline.log", 1, "x --version"}}
	if d := cmp.Diff(got, want); d != "" {
		t.Errorf("grep.txt (-got +want):\n%s", d)
	}
	long := strings.Repeat("x", 3000)
	for _, tc := range []struct {
		out  string
		want []Match
		err  string
	}{
		{"", []Match{}, ""},
		{"/a\x0012:a: b:c\n/b\x003:partial", []Match{{"/a", 12, "a: b:c"}}, ""},
		{"/a\x001:" + long + "\n", []Match{{"/a", 1, long[:maxMatchText]}}, ""},
		{"/a\x001:caf\xe9\n", []Match{{"/a", 1, "caf\uFFFD"}}, ""},
		{"/a:1:no NUL\n", nil, "is not PATH, NUL, LINE:TEXT"},
		{"/a\x00x:text\n", nil, "is not PATH, NUL, LINE:TEXT"},
	} {
		got, err := parseGrep(tc.out)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseGrep(%q): %v, want %q", tc.out, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseGrep(%q): %v", tc.out, err)
		} else if d := cmp.Diff(got, tc.want); d != "" {
			t.Errorf("parseGrep(%q) (-got +want):\n%s", tc.out, d)
		}
	}
}

func TestParseJournal(t *testing.T) {
	got, err := parseJournal(testdata(t, "journal.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []JournalEntry{
		{Time: "2025-12-01T21:44:21.123456Z", Priority: ptr(6), Unit: "ssh.service", Identifier: "sshd", PID: "812", Hostname: "web1",
			Message: "Accepted publickey for ops from 10.0.0.5 port 51234 ssh2"},
		{Time: "2025-12-01T21:44:22.000000Z", Priority: ptr(3), Unit: "nginx.service", Identifier: "nginx", PID: "901", Hostname: "web1", Message: "bad\uFFFD!"},
		{Time: "2025-12-01T21:44:23.000000Z", Hostname: "web1"},
	}
	if d := cmp.Diff(got, want); d != "" {
		t.Errorf("journal.json (-got +want):\n%s", d)
	}
	if got, err := parseJournal(""); err != nil || len(got) != 0 || got == nil {
		t.Errorf("no records: %#v, %v", got, err)
	}
	if _, err := parseJournal("-- No entries --\n"); err == nil || !strings.Contains(err.Error(), "journal record 1 is not a JSON object") {
		t.Errorf("not JSON: %v", err)
	}
}

func TestArgv(t *testing.T) {
	for _, tc := range []struct {
		got, want []string
	}{
		{dfArgv(nil), []string{"df", "-B1", "--output=source,fstype,size,used,avail,pcent,itotal,iused,iavail,ipcent,target"}},
		{dfArgv([]string{"/", "/var"}), []string{"df", "-B1", "--output=source,fstype,size,used,avail,pcent,itotal,iused,iavail,ipcent,target", "--", "/", "/var"}},
		{findArgv("/var/log", "-delete", "f", 3), []string{"find", "/var/log", "-maxdepth", "3", "-name", "-delete", "-type", "f", "-printf", `%y\t%s\t%T@\t%p\0`}},
		{grepArgv("--version", "/usr/share", true, false, 5), []string{"grep", "-r", "-n", "-H", "-I", "-Z", "--color=never", "-m", "5", "-F", "--", "--version", "/usr/share"}},
		{grepArgv("a|b", "/etc", false, true, 1), []string{"grep", "-r", "-n", "-H", "-I", "-Z", "--color=never", "-m", "1", "-E", "-i", "--", "a|b", "/etc"}},
		{journalArgv("-x", "err", 10), []string{"journalctl", "--no-pager", "--quiet", "--output=json", "--lines=10", "--unit=-x", "--priority=err"}},
		{journalArgv("", "", 50), []string{"journalctl", "--no-pager", "--quiet", "--output=json", "--lines=50"}},
	} {
		if d := cmp.Diff(tc.got, tc.want); d != "" {
			t.Errorf("argv (-got +want):\n%s", d)
		}
	}
}

func TestFieldsAndHuman(t *testing.T) {
	for _, tc := range []struct {
		line string
		n    int
		want []string
		rest string
	}{
		{"  a b   c  d e", 2, []string{"a", "b"}, "c  d e"},
		{"a", 2, []string{"a"}, ""},
		{"", 1, nil, ""},
		{"a\tb c", 1, []string{"a"}, "b c"},
	} {
		f, rest := fields(tc.line, tc.n)
		if d := cmp.Diff(f, tc.want); d != "" || rest != tc.rest {
			t.Errorf("fields(%q, %d) = %q, %q; want %q, %q", tc.line, tc.n, f, rest, tc.want, tc.rest)
		}
	}
	for n, want := range map[int64]string{0: "0B", 1023: "1023B", 1024: "1.0K", 1536: "1.5K", 270553174016: "252.0G", 1 << 62: "4.0E"} {
		if got := human(n); got != want {
			t.Errorf("human(%d) = %q, want %q", n, got, want)
		}
	}
	for _, tc := range []struct {
		n, def, max, want int
		err               bool
	}{{0, 5, 10, 5, false}, {3, 5, 10, 3, false}, {10, 5, 10, 10, false}, {11, 5, 10, 0, true}, {-1, 5, 10, 0, true}} {
		got, err := bounded("x", tc.n, tc.def, tc.max)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("bounded(%d, %d, %d) = %d, %v", tc.n, tc.def, tc.max, got, err)
		}
	}
}
