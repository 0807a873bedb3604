package mcpserver

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The structured tools' parsers: pure functions of a command's output
// (df, /proc/meminfo, ps, find, grep, journalctl), tested on output
// captured from the real commands.

// Filesystem is one line of df: sizes in bytes, percentages as df
// rounds them (null where df prints "-", as for a size of 0).
type Filesystem struct {
	Source           string `json:"source" jsonschema:"the device or the file system's source"`
	Type             string `json:"type"`
	SizeBytes        int64  `json:"size_bytes"`
	UsedBytes        int64  `json:"used_bytes"`
	AvailableBytes   int64  `json:"available_bytes" jsonschema:"bytes an unprivileged user may still write"`
	UsePercent       *int   `json:"use_percent" jsonschema:"used of used+available, rounded up as df does; null when df prints -"`
	Inodes           int64  `json:"inodes"`
	InodesUsed       int64  `json:"inodes_used"`
	InodesFree       int64  `json:"inodes_free"`
	InodesUsePercent *int   `json:"inodes_use_percent" jsonschema:"null when the file system has no inode count"`
	MountPoint       string `json:"mount_point"`
}

// dfArgv is what disk_usage runs: every column in bytes, one line per
// file system, the mount point last (it may hold spaces).
func dfArgv(paths []string) []string {
	argv := []string{"df", "-B1", "--output=source,fstype,size,used,avail,pcent,itotal,iused,iavail,ipcent,target"}
	if len(paths) > 0 {
		argv = append(append(argv, "--"), paths...)
	}
	return argv
}

// parseDF reads dfArgv's output.
func parseDF(out string) ([]Filesystem, error) {
	fss := []Filesystem{}
	for i, line := range lines(out) {
		if i == 0 {
			if !strings.HasPrefix(line, "Filesystem") {
				return nil, fmt.Errorf("df's output does not start with its header: %q", clip(line))
			}
			continue
		}
		f, rest := fields(line, 10)
		if len(f) < 10 || rest == "" {
			return nil, fmt.Errorf("df line %d has %d columns, want 11: %q", i+1, len(f)+min(len(rest), 1), clip(line))
		}
		fs := Filesystem{Source: f[0], Type: f[1], MountPoint: rest}
		var err error
		for _, n := range []struct {
			dst *int64
			s   string
		}{{&fs.SizeBytes, f[2]}, {&fs.UsedBytes, f[3]}, {&fs.AvailableBytes, f[4]}, {&fs.Inodes, f[6]}, {&fs.InodesUsed, f[7]}, {&fs.InodesFree, f[8]}} {
			if *n.dst, err = dfNumber(n.s); err != nil {
				return nil, fmt.Errorf("df line %d: %w", i+1, err)
			}
		}
		if fs.UsePercent, err = percent(f[5]); err != nil {
			return nil, fmt.Errorf("df line %d: %w", i+1, err)
		}
		if fs.InodesUsePercent, err = percent(f[9]); err != nil {
			return nil, fmt.Errorf("df line %d: %w", i+1, err)
		}
		fss = append(fss, fs)
	}
	return fss, nil
}

// dfNumber is a df count; "-" (no such count) is 0.
func dfNumber(s string) (int64, error) {
	if s == "-" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return n, nil
}

func percent(s string) (*int, error) {
	if s == "-" {
		return nil, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(s, "%"))
	if err != nil || !strings.HasSuffix(s, "%") {
		return nil, fmt.Errorf("%q is not a percentage", s)
	}
	return &n, nil
}

// Memory is /proc/meminfo in bytes.
type Memory struct {
	TotalBytes     int64 `json:"total_bytes"`
	FreeBytes      int64 `json:"free_bytes"`
	AvailableBytes int64 `json:"available_bytes" jsonschema:"what new programs can get without swapping (MemAvailable)"`
	BuffersBytes   int64 `json:"buffers_bytes"`
	CachedBytes    int64 `json:"cached_bytes"`
	UsedBytes      int64 `json:"used_bytes" jsonschema:"total - available"`
	SwapTotalBytes int64 `json:"swap_total_bytes"`
	SwapFreeBytes  int64 `json:"swap_free_bytes"`
	SwapUsedBytes  int64 `json:"swap_used_bytes"`
	// Fields is every line: "kB" values in bytes, counts as they are.
	Fields map[string]int64 `json:"fields" jsonschema:"every line of /proc/meminfo: kB values in bytes, counts (HugePages_Total) as they are"`
}

// parseMeminfo reads /proc/meminfo.
func parseMeminfo(out string) (Memory, error) {
	m := Memory{Fields: map[string]int64{}}
	for i, line := range lines(out) {
		key, val, ok := strings.Cut(line, ":")
		f := strings.Fields(val)
		if !ok || len(f) == 0 || len(f) > 2 || (len(f) == 2 && f[1] != "kB") {
			return Memory{}, fmt.Errorf("/proc/meminfo line %d is not \"Key: N [kB]\": %q", i+1, clip(line))
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("/proc/meminfo line %d: %q is not a number", i+1, f[0])
		}
		if len(f) == 2 {
			if n > math.MaxInt64/1024 {
				return Memory{}, fmt.Errorf("/proc/meminfo line %d: %s kB does not fit in bytes", i+1, f[0])
			}
			n *= 1024
		}
		m.Fields[key] = n
	}
	for _, need := range []string{"MemTotal", "MemFree"} {
		if _, ok := m.Fields[need]; !ok {
			return Memory{}, fmt.Errorf("/proc/meminfo has no %s line", need)
		}
	}
	m.TotalBytes, m.FreeBytes = m.Fields["MemTotal"], m.Fields["MemFree"]
	m.AvailableBytes = m.Fields["MemAvailable"]
	m.BuffersBytes, m.CachedBytes = m.Fields["Buffers"], m.Fields["Cached"]
	m.UsedBytes = m.TotalBytes - m.AvailableBytes
	m.SwapTotalBytes, m.SwapFreeBytes = m.Fields["SwapTotal"], m.Fields["SwapFree"]
	m.SwapUsedBytes = m.SwapTotalBytes - m.SwapFreeBytes
	return m, nil
}

// Process is one line of ps.
type Process struct {
	PID        int     `json:"pid"`
	User       string  `json:"user"`
	State      string  `json:"state" jsonschema:"ps's STAT: R running, S sleeping, D uninterruptible, Z zombie, T stopped, I idle, then flags"`
	CPUPercent float64 `json:"cpu_percent" jsonschema:"CPU time over the process's lifetime, as ps computes it"`
	MemPercent float64 `json:"mem_percent"`
	RSSBytes   int64   `json:"rss_bytes"`
	ElapsedS   int64   `json:"elapsed_s" jsonschema:"seconds since the process started"`
	Start      string  `json:"start" jsonschema:"when it started, local time of the host: 2006-01-02T15:04:05"`
	Command    string  `json:"command" jsonschema:"the command line; [name] for a kernel thread"`
}

// psArgv is what processes runs: no header, the user column wide enough
// not to be cut, the start time in full, the command line last.
var psArgv = []string{"ps", "-e", "-ww", "-o", "pid=,user:64=,stat=,pcpu=,pmem=,rss=,etimes=,lstart=,args="}

// parsePS reads psArgv's output.
func parsePS(out string) ([]Process, error) {
	ps := []Process{}
	for i, line := range lines(out) {
		// pid user stat pcpu pmem rss etimes, lstart's five words, args.
		f, rest := fields(line, 12)
		if len(f) < 12 {
			return nil, fmt.Errorf("ps line %d has %d columns, want at least 12: %q", i+1, len(f), clip(line))
		}
		p := Process{User: f[1], State: f[2], Command: rest}
		var err error
		if p.PID, err = strconv.Atoi(f[0]); err != nil {
			return nil, fmt.Errorf("ps line %d: pid %q is not a number", i+1, f[0])
		}
		if p.CPUPercent, err = strconv.ParseFloat(f[3], 64); err != nil {
			return nil, fmt.Errorf("ps line %d: %%cpu %q is not a number", i+1, f[3])
		}
		if p.MemPercent, err = strconv.ParseFloat(f[4], 64); err != nil {
			return nil, fmt.Errorf("ps line %d: %%mem %q is not a number", i+1, f[4])
		}
		rss, err := strconv.ParseInt(f[5], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("ps line %d: rss %q is not a number", i+1, f[5])
		}
		p.RSSBytes = rss * 1024
		if p.ElapsedS, err = strconv.ParseInt(f[6], 10, 64); err != nil {
			return nil, fmt.Errorf("ps line %d: elapsed %q is not a number", i+1, f[6])
		}
		start, err := time.Parse(time.ANSIC, strings.Join(f[7:12], " "))
		if err != nil {
			return nil, fmt.Errorf("ps line %d: start %q is not a date", i+1, strings.Join(f[7:12], " "))
		}
		p.Start = start.Format("2006-01-02T15:04:05")
		ps = append(ps, p)
	}
	return ps, nil
}

// FoundFile is one file search_files found.
type FoundFile struct {
	Path      string `json:"path"`
	Type      string `json:"type" jsonschema:"f file, d directory, l symbolic link, p FIFO, s socket, c/b device"`
	SizeBytes int64  `json:"size_bytes"`
	Modified  string `json:"modified" jsonschema:"last modification, RFC 3339 in UTC"`
}

// findArgv is what search_files runs: root is absolute (so that find
// never reads it as an expression), the pattern is -name's operand.
func findArgv(root, pattern, typ string, depth int) []string {
	argv := []string{"find", root, "-maxdepth", strconv.Itoa(depth), "-name", pattern}
	if typ != "" {
		argv = append(argv, "-type", typ)
	}
	return append(argv, "-printf", `%y\t%s\t%T@\t%p\0`)
}

// parseFind reads findArgv's output: NUL-terminated records, the last
// one possibly cut by the output limit (dropped).
func parseFind(out string) ([]FoundFile, error) {
	files := []FoundFile{}
	recs := strings.Split(out, "\x00")
	for i, rec := range recs[:len(recs)-1] { // after the last NUL: nothing, or a record cut short
		f := strings.SplitN(rec, "\t", 4)
		if len(f) != 4 {
			return nil, fmt.Errorf("find record %d is not type, size, time and path: %q", i+1, clip(rec))
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("find record %d: size %q is not a number", i+1, f[1])
		}
		secs, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return nil, fmt.Errorf("find record %d: time %q is not a number", i+1, f[2])
		}
		sec, frac := math.Modf(secs)
		mod := time.Unix(int64(sec), int64(frac*1e9)).UTC().Truncate(time.Second)
		files = append(files, FoundFile{Path: valid(f[3]), Type: f[0], SizeBytes: size, Modified: mod.Format(time.RFC3339)})
	}
	return files, nil
}

// Match is one line grep_content found.
type Match struct {
	Path string `json:"path"`
	Line int    `json:"line"`
	Text string `json:"text" jsonschema:"the line, cut at 1000 bytes"`
}

// maxMatchText is the most of a matching line a Match keeps.
const maxMatchText = 1000

// grepArgv is what grep_content runs: the pattern after "--", so that
// one starting with "-" is searched for, never read as an option.
func grepArgv(pattern, path string, fixed, ignoreCase bool, perFile int) []string {
	argv := []string{"grep", "-r", "-n", "-H", "-I", "-Z", "--color=never", "-m", strconv.Itoa(perFile)}
	if fixed {
		argv = append(argv, "-F")
	} else {
		argv = append(argv, "-E")
	}
	if ignoreCase {
		argv = append(argv, "-i")
	}
	return append(argv, "--", pattern, path)
}

// parseGrep reads grepArgv's output: PATH NUL LINE ":" TEXT newline, a
// match each (a path may hold newlines; a line cannot). A last match
// without its newline (cut by the limit) is dropped.
func parseGrep(out string) ([]Match, error) {
	ms := []Match{}
	for rest := out; rest != ""; {
		path, after, ok := strings.Cut(rest, "\x00")
		line, next, ok2 := strings.Cut(after, "\n")
		if !ok && !strings.Contains(rest, "\n") || ok && !ok2 {
			break // cut short by the output limit
		}
		num, txt, ok3 := strings.Cut(line, ":")
		n, err := strconv.Atoi(num)
		if !ok || !ok3 || err != nil {
			return nil, fmt.Errorf("grep match %d is not PATH, NUL, LINE:TEXT: %q", len(ms)+1, clip(rest))
		}
		if len(txt) > maxMatchText {
			txt = txt[:maxMatchText]
		}
		ms = append(ms, Match{Path: valid(path), Line: n, Text: valid(txt)})
		rest = next
	}
	return ms, nil
}

// JournalEntry is one record of the systemd journal.
type JournalEntry struct {
	Time       string `json:"time" jsonschema:"RFC 3339 in UTC, to the microsecond"`
	Priority   *int   `json:"priority" jsonschema:"0 emerg ... 7 debug; null when the record has none"`
	Unit       string `json:"unit,omitempty"`
	Identifier string `json:"identifier,omitempty" jsonschema:"SYSLOG_IDENTIFIER: the program that logged"`
	PID        string `json:"pid,omitempty"`
	Hostname   string `json:"hostname,omitempty"`
	Message    string `json:"message"`
}

// Priorities are journalctl's priority names, by number.
var Priorities = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// journalArgv is what journal runs; unit and priority are one word with
// their option ("--unit=..."), never an option of their own.
func journalArgv(unit, priority string, lines int) []string {
	argv := []string{"journalctl", "--no-pager", "--quiet", "--output=json", "--lines=" + strconv.Itoa(lines)}
	if unit != "" {
		argv = append(argv, "--unit="+unit)
	}
	if priority != "" {
		argv = append(argv, "--priority="+priority)
	}
	return argv
}

// parseJournal reads journalctl --output=json: one object a line.
// MESSAGE is a string, an array of bytes (not UTF-8), or null.
func parseJournal(out string) ([]JournalEntry, error) {
	es := []JournalEntry{}
	ls := strings.Split(out, "\n")
	for i, line := range ls[:len(ls)-1] {
		if line == "" {
			continue
		}
		var rec map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			return nil, fmt.Errorf("journal record %d is not a JSON object: %w", i+1, err)
		}
		e := JournalEntry{Unit: jstr(rec["_SYSTEMD_UNIT"]), Identifier: jstr(rec["SYSLOG_IDENTIFIER"]), PID: jstr(rec["_PID"]),
			Hostname: jstr(rec["_HOSTNAME"]), Message: jstr(rec["MESSAGE"])}
		if us, err := strconv.ParseInt(jstr(rec["__REALTIME_TIMESTAMP"]), 10, 64); err == nil {
			e.Time = time.UnixMicro(us).UTC().Format("2006-01-02T15:04:05.000000Z07:00")
		}
		if p, err := strconv.Atoi(jstr(rec["PRIORITY"])); err == nil {
			e.Priority = &p
		}
		es = append(es, e)
	}
	return es, nil
}

// jstr is a journal field as text: a string, or an array of bytes.
func jstr(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b []byte
	var nums []int
	if json.Unmarshal(raw, &nums) == nil {
		for _, n := range nums {
			b = append(b, byte(n))
		}
		return valid(string(b))
	}
	return ""
}

// lines splits output into lines without their ends, dropping a last
// empty one.
func lines(out string) []string {
	ls := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(ls) == 1 && ls[0] == "" {
		return nil
	}
	return ls
}

// fields splits the first n blank-separated words off line and returns
// them with the rest of the line, its inner blanks kept.
func fields(line string, n int) ([]string, string) {
	var f []string
	rest := line
	for len(f) < n {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			break
		}
		end := strings.IndexAny(rest, " \t")
		if end < 0 {
			f, rest = append(f, rest), ""
			break
		}
		f, rest = append(f, rest[:end]), rest[end:]
	}
	return f, strings.TrimLeft(rest, " \t")
}

// valid replaces bytes that are not UTF-8, for JSON.
func valid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// clip shortens a line quoted in an error.
func clip(s string) string {
	if len(s) > 120 {
		return valid(s[:120]) + "..."
	}
	return s
}
