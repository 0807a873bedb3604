package profile

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/shannot-project/shannot/internal/bug"
	"github.com/shannot-project/shannot/internal/jsonerr"
)

// The launch validator checks a profile against schema.json without
// reading it: schema_gen.go holds schema.json as a tree of nodes, Go data
// the linker lays out (nothing runs at init, nothing is parsed at the
// first validation). It implements the keywords of JSON Schema draft
// 2020-12 that the format uses: type, required, properties,
// additionalProperties, items, propertyNames, minLength, maxLength,
// pattern. The test that writes schema_gen.go refuses any other keyword,
// so schema.json cannot say more than a launch enforces, and fails when
// schema_gen.go is not what schema.json gives; conformance_test.go holds
// the verdicts to a full draft 2020-12 validator's.

// node is one schema of schema.json.
type node struct {
	types      []string // "type": the JSON types allowed; none is any
	required   []string
	keys       []string // the properties' names, in the schema's order
	props      []*node  // their schemas, in the same order
	closed     bool     // "additionalProperties": false
	additional *node    // "additionalProperties": a schema
	items      *node
	names      *node // "propertyNames"
	minLength  int   // in characters (code points); 0 when absent
	maxLength  int   // -1 when absent
	pattern    string
	// oneOf and noneOf are pattern said without a regexp, when it is
	// of one of the two shapes schema.json uses (the generator checks
	// that they agree): ^(a|b|...)$ is one of the words, ^[^chars]*$
	// a string holding none of the characters. A regexp compiled at a
	// launch costs tens of microseconds.
	oneOf  []string
	noneOf string
	// description words a failure of this schema as a property name
	// ("propertyNames"): NAME is not a valid DESCRIPTION.
	description string

	compileOnce sync.Once // pattern, compiled at its first use
	re          *regexp.Regexp
	reErr       error
}

// prop returns the schema of the property k, or nil.
func (n *node) prop(k string) *node {
	if i := slices.Index(n.keys, k); i >= 0 {
		return n.props[i]
	}
	return nil
}

func (n *node) regexp() (*regexp.Regexp, error) {
	n.compileOnce.Do(func() { n.re, n.reErr = regexp.Compile(n.pattern) })
	return n.re, n.reErr
}

// schemaError is the first failure the validator found.
type schemaError struct {
	pointer string // JSON pointer of the failing value; "/" for the root
	msg     string
}

// validate checks doc, a document decoded by encoding/json into any,
// against the schema. It returns the first failure, in the schema's
// order of properties (and, for keys the schema does not name, sorted
// order), or nil. A valid document costs one allocation: the pointer of
// a value is spelt only when it fails.
func (n *node) validate(doc any) *schemaError {
	return n.check(doc, make(place, 0, 8))
}

// place is where a value is: the object keys and array indexes from the
// root. The walk is depth first, so siblings share the one array.
type place []step

type step struct {
	key   string
	index int // for an array element; -1 for an object member
}

func (at place) key(k string) place { return append(at, step{key: k, index: -1}) }
func (at place) index(i int) place  { return append(at, step{index: i}) }

// pointer spells the JSON pointer of at.
func (at place) pointer() string {
	tokens := make([]string, len(at))
	for i, s := range at {
		if s.index >= 0 {
			tokens[i] = strconv.Itoa(s.index)
		} else {
			tokens[i] = s.key
		}
	}
	return jsonerr.Pointer(tokens...)
}

func (n *node) check(v any, at place) *schemaError {
	fail := func(format string, args ...any) *schemaError {
		return &schemaError{pointer: orRoot(at.pointer()), msg: fmt.Sprintf(format, args...)}
	}
	if len(n.types) > 0 {
		if t := jsonType(v); !slices.Contains(n.types, t) {
			return fail("expected %s, but got %s", strings.Join(n.types, " or "), t)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		if n.closed {
			// Unknown keys first: a misspelt key is the likeliest cause
			// of a missing one, and the suggestion says so.
			for k := range v {
				if !slices.Contains(n.keys, k) {
					ptr, msg := jsonerr.UnknownKey(v, n.keys)
					return &schemaError{pointer: at.pointer() + ptr, msg: msg}
				}
			}
		}
		for _, k := range n.required {
			if _, ok := v[k]; !ok {
				var missing []string
				for _, k := range n.required {
					if _, ok := v[k]; !ok {
						missing = append(missing, "'"+k+"'")
					}
				}
				return fail("missing properties: %s", strings.Join(missing, ", "))
			}
		}
		for i, k := range n.keys {
			if pv, ok := v[k]; ok {
				if err := n.props[i].check(pv, at.key(k)); err != nil {
					return err
				}
			}
		}
		if n.names == nil && n.additional == nil {
			return nil
		}
		// In the map's order while all is well; again in sorted order,
		// for the same report every time, when something is not.
		for k, pv := range v {
			if n.member(k, pv, at) != nil {
				for _, k := range slices.Sorted(maps.Keys(v)) {
					if err := n.member(k, v[k], at); err != nil {
						return err
					}
				}
			}
		}
	case []any:
		if n.items != nil {
			for i, e := range v {
				if err := n.items.check(e, at.index(i)); err != nil {
					return err
				}
			}
		}
	case string:
		return n.checkString(v, at)
	}
	return nil
}

// checkString checks a string against the string keywords: check's
// case for strings, and propertyNames' for keys (which a call of check
// would box, for an allocation each).
func (n *node) checkString(v string, at place) *schemaError {
	fail := func(format string, args ...any) *schemaError {
		return &schemaError{pointer: orRoot(at.pointer()), msg: fmt.Sprintf(format, args...)}
	}
	if len(n.types) > 0 && !slices.Contains(n.types, "string") {
		return fail("expected %s, but got string", strings.Join(n.types, " or "))
	}
	if n.minLength > 0 || n.maxLength >= 0 {
		length := utf8.RuneCountInString(v)
		if length < n.minLength {
			return fail("length must be >= %d, but got %d", n.minLength, length)
		}
		if n.maxLength >= 0 && length > n.maxLength {
			return fail("length must be <= %d, but got %d", n.maxLength, length)
		}
	}
	switch {
	case n.oneOf != nil:
		if !slices.Contains(n.oneOf, v) {
			return fail("does not match pattern '%s'", n.pattern)
		}
	case n.noneOf != "":
		if strings.ContainsAny(v, n.noneOf) {
			return fail("does not match pattern '%s'", n.pattern)
		}
	case n.pattern != "":
		re, err := n.regexp()
		if err != nil {
			return fail("%v", bug.Errorf("pattern of the embedded profile schema: %w", err))
		}
		if !re.MatchString(v) {
			return fail("does not match pattern '%s'", n.pattern)
		}
	}
	return nil
}

// member checks the key k of an object and its value v against
// propertyNames and additionalProperties.
func (n *node) member(k string, v any, at place) *schemaError {
	here := at.key(k)
	if n.names != nil {
		if err := n.names.checkString(k, here); err != nil {
			if d := n.names.description; d != "" {
				err.msg = jsonerr.Quote(k) + " is not a valid " + d
			}
			return err
		}
	}
	if n.additional != nil && n.prop(k) == nil {
		return n.additional.check(v, here)
	}
	return nil
}

// jsonType names the JSON type of a value decoded by encoding/json.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64, json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
