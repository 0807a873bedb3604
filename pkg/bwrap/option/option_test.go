package option

import (
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	// What each model reads of the option's arguments.
	wantArity := map[Model]int{BindMount: 2, MakeSymlink: 2, MakeDir: 1, SetCwd: 1}
	seen := map[string]bool{}
	for _, o := range All() {
		if seen[o.Name] {
			t.Errorf("%s is in the table twice", o.Name)
		}
		seen[o.Name] = true
		if !strings.HasPrefix(o.Name, "--") || o.Name == End {
			t.Errorf("%q is not spelt as a bwrap option", o.Name)
		}
		if n, ok := wantArity[o.Model]; ok && o.Arity != n {
			t.Errorf("%s: arity %d, but its model reads %d argument(s)", o.Name, o.Arity, n)
		}
		if got, ok := Lookup(o.Name); !ok || got != o {
			t.Errorf("Lookup(%s) = %+v, %v; want %+v, true", o.Name, got, ok, o)
		}
	}
	for _, name := range []string{End, "", "-", "--unknown", "--BIND"} {
		if o, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) = %+v, true; want not known", name, o)
		}
	}
}
