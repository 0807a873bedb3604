package identity

import (
	"errors"
	"os/user"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name    string
		user    string
		groups  []string
		wantErr string
	}{
		{name: "missing user", user: "shannot-no-such-user", wantErr: "does not exist"},
		{name: "root refused", user: "root", wantErr: "must be an unprivileged user"},
		{name: "refused group", user: "nobody", groups: []string{"shadow"}, wantErr: `group "shadow" is refused`},
		{name: "gid 0 group", user: "nobody", groups: []string{"root"}, wantErr: `group "root" is refused`},
		{name: "explicit missing group", user: "nobody", groups: []string{"shannot-no-such-group"}, wantErr: "shannot-no-such-group"},
		{name: "defaults skip missing groups", user: "nobody"},
		{name: "no groups", user: "nobody", groups: []string{}},
	}
	if _, err := user.Lookup("nobody"); err != nil {
		t.Fatalf("this test needs the user nobody: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := Lookup(tt.user, tt.groups)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Lookup(%q, %q) = %v, %v; want error containing %q", tt.user, tt.groups, id, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if id.UID == 0 || id.GID == 0 {
				t.Fatalf("identity %v is root", id)
			}
			if tt.groups != nil && len(id.Groups) != 0 {
				t.Fatalf("groups %v, want none", id.Groups)
			}
		})
	}
}

func TestLookupMissingUserIsErrNoUser(t *testing.T) {
	_, err := Lookup("shannot-no-such-user", nil)
	if !errors.Is(err, ErrNoUser) {
		t.Fatalf("err = %v, want ErrNoUser", err)
	}
}
