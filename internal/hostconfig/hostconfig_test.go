package hostconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    Config
		wantErr string
	}{
		{name: "empty object", body: `{}`},
		{name: "all keys", body: `{"audit_log": "/var/log/a.jsonl", "sandbox_user": "u", "sandbox_groups": ["adm"]}`,
			want: Config{AuditLog: "/var/log/a.jsonl", SandboxUser: "u", SandboxGroups: []string{"adm"}}},
		{name: "no groups", body: `{"sandbox_groups": []}`, want: Config{SandboxGroups: []string{}}},
		{name: "unknown key", body: `{"sandbox_uesr": "u"}`, wantErr: "known keys"},
		{name: "relative log", body: `{"audit_log": "a.jsonl"}`, wantErr: "absolute path"},
		{name: "duplicate key", body: "{\"sandbox_user\": \"a\",\n\"sandbox_user\": \"root\"}", wantErr: "twice"},
		{name: "not JSON", body: `sandbox_user=root`, wantErr: Path},
		{name: "uid range", body: `{"sandbox_uids": {"first": 1879048192, "count": 1024}}`},
		{name: "uid range over accounts", body: `{"sandbox_uids": {"first": 1000, "count": 1024}}`, wantErr: "among the uids of accounts"},
		{name: "uid range unknown key", body: `{"sandbox_uids": {"start": 1879048192}}`, wantErr: "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "config.json")
			os.WriteFile(f, []byte(tt.body), 0o644)
			c, err := Load(func(string) (*os.File, error) { return os.Open(f) })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load = %+v, %v; want error containing %q", c, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.AuditLog != tt.want.AuditLog || c.SandboxUser != tt.want.SandboxUser || len(c.SandboxGroups) != len(tt.want.SandboxGroups) ||
				(tt.want.SandboxGroups != nil) != (c.SandboxGroups != nil) {
				t.Fatalf("Load = %+v, want %+v", c, tt.want)
			}
		})
	}
	if c, err := Load(func(string) (*os.File, error) { return nil, os.ErrNotExist }); err != nil || c.SandboxUser != "" {
		t.Fatalf("missing file: %+v, %v", c, err)
	}
}
