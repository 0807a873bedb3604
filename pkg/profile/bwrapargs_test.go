package profile

import (
	"testing"

	"github.com/shannot-project/shannot/pkg/bwrap/option"
)

// TestRulesNameTheOptionTable: every option additional_args allows or
// refuses is spelt in package option's table, and every option of the
// table has a rule here, so that a new option is decided on, not
// refused by default without a reason.
func TestRulesNameTheOptionTable(t *testing.T) {
	for name := range bwrapRules {
		if _, ok := option.Lookup(name); !ok {
			t.Errorf("bwrapRules has %s, which package option does not know", name)
		}
	}
	for _, o := range option.All() {
		if _, ok := bwrapRules[o.Name]; !ok {
			t.Errorf("package option knows %s, which bwrapRules neither allows nor refuses", o.Name)
		}
	}
}
