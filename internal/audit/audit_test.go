package audit

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLogToFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "log", "audit.jsonl")
	rec := Record{Time: time.Unix(1700000000, 0).UTC(), User: "ann", UID: 1000, Profile: "builtin:diagnostics.json",
		ProfileSHA256: "ab", Argv: []string{"df", "-h"}, ExitStatus: 0, DurationMS: 12}
	for i := 0; i < 2; i++ {
		// syslog may be missing here (no /dev/log): that error must not stop the file.
		err := Log(rec, Config{File: file})
		if err != nil && !strings.Contains(err.Error(), "syslog") {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var got Record
	if len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &got) != nil || got.User != "ann" || strings.Join(got.Argv, " ") != "df -h" {
		t.Errorf("audit file:\n%s", data)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("audit file mode %v", st.Mode())
	}
	// A symlink planted in the log's place is not followed.
	link := filepath.Join(t.TempDir(), "link.jsonl")
	target := filepath.Join(t.TempDir(), "target")
	os.WriteFile(target, nil, 0o644)
	os.Symlink(target, link)
	if err := Log(rec, Config{File: link}); err == nil || !strings.Contains(err.Error(), "audit log") {
		t.Errorf("symlinked log: %v", err)
	}
	if data, _ := os.ReadFile(target); len(data) != 0 {
		t.Error("wrote through a symlink")
	}
}

func TestLoadConfig(t *testing.T) {
	missing := func(string) (*os.File, error) { return nil, os.ErrNotExist }
	if c, err := LoadConfig(missing); err != nil || c.File != "" {
		t.Errorf("no config: %+v %v", c, err)
	}
	write := func(body string) func(string) (*os.File, error) {
		f := filepath.Join(t.TempDir(), "config.json")
		os.WriteFile(f, []byte(body), 0o644)
		return func(string) (*os.File, error) { return os.Open(f) }
	}
	if c, err := LoadConfig(write(`{"audit_log": "/var/log/shannot/audit.jsonl"}`)); err != nil || c.File != "/var/log/shannot/audit.jsonl" {
		t.Errorf("config: %+v %v", c, err)
	}
	for _, bad := range []string{`{"audit_log": "relative.jsonl"}`, `{"audit_file": "/x"}`, `not json`} {
		if _, err := LoadConfig(write(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	untrusted := func(string) (*os.File, error) { return nil, errors.New("not trusted") }
	if _, err := LoadConfig(untrusted); err == nil {
		t.Error("an untrusted config was used")
	}
}

func TestMarshalFitsMaxRecord(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
	}{
		{"short", Record{Event: EventStart, Argv: []string{"ls", "/"}}},
		{"one long word", Record{Argv: []string{"echo", strings.Repeat("x", 300<<10)}}},
		{"many words", Record{Argv: strings.Split(strings.Repeat("word ", 100000), " ")}},
		{"long error", Record{Argv: []string{"ls"}, Error: strings.Repeat("é", 100<<10)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, err := Marshal(tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			if len(line) > MaxRecord {
				t.Fatalf("record is %d bytes, more than %d", len(line), MaxRecord)
			}
			var back Record
			if err := json.Unmarshal(line, &back); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			full, _ := json.Marshal(tt.rec)
			if want := len(full) > MaxRecord; back.Truncated != want {
				t.Fatalf("truncated = %v, want %v", back.Truncated, want)
			}
			if len(back.Argv) == 0 || back.Argv[0] != tt.rec.Argv[0] {
				t.Fatalf("argv[0] lost: %q", back.Argv)
			}
		})
	}
}

// A caller who pads the front of a long command line cannot push the
// word that matters out of the record: both ends stay, and the digest
// and counts describe the whole argv.
func TestMarshalKeepsBothEnds(t *testing.T) {
	argv := []string{"cat"}
	for i := 0; i < 250; i++ {
		argv = append(argv, "/etc/hostname"+strings.Repeat("/", 40))
	}
	argv = append(argv, "/etc/passwd")
	line, err := Marshal(Record{Argv: argv})
	if err != nil {
		t.Fatal(err)
	}
	var back Record
	json.Unmarshal(line, &back)
	if !back.Truncated || back.Argv[0] != "cat" || back.Argv[len(back.Argv)-1] != "/etc/passwd" {
		t.Fatalf("argv kept: first %q, last %q, truncated %v", back.Argv[0], back.Argv[len(back.Argv)-1], back.Truncated)
	}
	if back.Argc != len(argv) || len(back.ArgvSHA256) != 64 || back.ArgvBytes == 0 {
		t.Fatalf("argc %d argv_sha256 %q argv_bytes %d; want %d words described", back.Argc, back.ArgvSHA256, back.ArgvBytes, len(argv))
	}
	if !strings.Contains(string(line), " words cut]") {
		t.Fatalf("no marker where words were cut: %s", line)
	}
}

// Padding a word with slashes cannot hide its name (both ends of each
// word stay), and the continuation records hold the whole argv, whose
// digest is the record's.
func TestLinesKeepTheWholeArgv(t *testing.T) {
	pad := strings.Repeat("/", 4060)
	argv := []string{"head", "-c", "40", pad + "etc/hostname", pad + "etc/hostname", pad + "etc/shadow"}
	lines, err := Lines(Record{Event: EventStart, Argv: argv})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) < 2 {
		t.Fatalf("%d lines; want the record and continuation records", len(lines))
	}
	if !strings.Contains(string(lines[0]), "etc/shadow") {
		t.Errorf("the record hides the file read: %s", lines[0])
	}
	var head Record
	json.Unmarshal(lines[0], &head)
	var whole strings.Builder
	for i, l := range lines {
		if len(l) > MaxRecord {
			t.Errorf("line %d is %d bytes", i, len(l))
		}
		if i == 0 {
			continue
		}
		var p ArgvPart
		if err := json.Unmarshal(l, &p); err != nil || p.Event != EventArgv || p.Part != i || p.Parts != len(lines)-1 || p.ArgvSHA256 != head.ArgvSHA256 {
			t.Fatalf("continuation %d: %s (%v)", i, l, err)
		}
		whole.WriteString(p.Chunk)
	}
	if got := strings.Split(whole.String(), "\x00"); !slices.Equal(got, argv) {
		t.Fatalf("the parts hold %d words, not the argv", len(got))
	}
	short, _ := Lines(Record{Argv: []string{"ls", "/"}})
	if len(short) != 1 {
		t.Fatalf("a short record has %d lines", len(short))
	}
}
