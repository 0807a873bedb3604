package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/shannot-project/shannot/internal/jsonerr"
)

// The launch validator: schema.json interpreted directly, for the few
// keywords of JSON Schema draft 2020-12 that the profile format uses.
// The schema is read at the first validation of a process (some tens of
// microseconds), never at init. A keyword it does not know is an error
// when the schema is read, so that schema.json cannot say more than the
// launch enforces; the tests hold its verdicts to a full draft 2020-12
// validator's (conformance_test.go).

// node is one schema of schema.json.
type node struct {
	types      []string // "type": the JSON types allowed; none is any
	required   []string
	props      map[string]*node
	order      []string // the keys of props, in the schema's order
	closed     bool     // "additionalProperties": false
	additional *node    // "additionalProperties": a schema
	items      *node
	names      *node // "propertyNames"
	minLength  int   // in characters (code points), -1 when absent
	maxLength  int
	pattern    *regexp.Regexp
	// description words a failure of this schema as a property name
	// ("propertyNames"): NAME is not a valid DESCRIPTION.
	description string
}

// schemaError is the first failure the validator found.
type schemaError struct {
	pointer string // JSON pointer of the failing value; "/" for the root
	msg     string
}

// launchSchema is schema.json, read at the first validation.
var launchSchema = sync.OnceValues(func() (*node, error) { return compileSchema(schemaJSON) })

// compileSchema reads a schema in the subset of draft 2020-12 that the
// validator implements.
func compileSchema(data []byte) (*node, error) {
	var kw map[string]json.RawMessage
	if err := json.Unmarshal(data, &kw); err != nil {
		return nil, fmt.Errorf("schema is not a JSON object: %w", err)
	}
	n := &node{minLength: -1, maxLength: -1}
	for _, k := range slices.Sorted(maps.Keys(kw)) {
		v := kw[k]
		var err error
		switch k {
		case "$schema", "$id", "title", "$comment":
			// Annotations.
		case "description":
			err = json.Unmarshal(v, &n.description)
		case "type":
			if bytes.HasPrefix(bytes.TrimSpace(v), []byte("[")) {
				err = json.Unmarshal(v, &n.types)
			} else {
				var t string
				err = json.Unmarshal(v, &t)
				n.types = []string{t}
			}
			for _, t := range n.types {
				if !slices.Contains([]string{"null", "boolean", "object", "array", "number", "string"}, t) {
					err = fmt.Errorf("type %q is not supported", t)
				}
			}
		case "required":
			err = json.Unmarshal(v, &n.required)
		case "properties":
			var props map[string]json.RawMessage
			if err = json.Unmarshal(v, &props); err != nil {
				break
			}
			n.order = objectKeys(v)
			n.props = map[string]*node{}
			for name, sub := range props {
				if n.props[name], err = compileSchema(sub); err != nil {
					return nil, fmt.Errorf("properties/%s: %w", name, err)
				}
			}
		case "additionalProperties":
			var closedOrOpen bool
			if json.Unmarshal(v, &closedOrOpen) == nil {
				n.closed = !closedOrOpen
			} else {
				n.additional, err = compileSchema(v)
			}
		case "items":
			n.items, err = compileSchema(v)
		case "propertyNames":
			n.names, err = compileSchema(v)
		case "minLength":
			err = json.Unmarshal(v, &n.minLength)
		case "maxLength":
			err = json.Unmarshal(v, &n.maxLength)
		case "pattern":
			var p string
			if err = json.Unmarshal(v, &p); err == nil {
				n.pattern, err = regexp.Compile(p)
			}
		default:
			err = fmt.Errorf("keyword not supported by the launch validator (pkg/profile/validate.go)")
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	return n, nil
}

// objectKeys returns the keys of the JSON object data in their order.
func objectKeys(data []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // '{'
		return nil
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := tok.(string)
		keys = append(keys, k)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return keys
		}
	}
	return keys
}

// validate checks doc, a document decoded by encoding/json into any,
// against the schema. It returns the first failure, in the schema's
// order of properties (and, for keys the schema does not name, sorted
// order), or nil.
func (n *node) validate(doc any) *schemaError {
	return n.check(doc, nil)
}

func (n *node) check(v any, at []string) *schemaError {
	fail := func(format string, args ...any) *schemaError {
		return &schemaError{pointer: orRoot(jsonerr.Pointer(at...)), msg: fmt.Sprintf(format, args...)}
	}
	if len(n.types) > 0 {
		if t := jsonType(v); !slices.Contains(n.types, t) {
			return fail("expected %s, but got %s", strings.Join(n.types, " or "), t)
		}
	}
	child := func(token string) []string { return append(slices.Clip(at), token) }
	switch v := v.(type) {
	case map[string]any:
		if n.closed {
			// Unknown keys first: a misspelt key is the likeliest cause
			// of a missing one, and the suggestion says so.
			if ptr, msg := jsonerr.UnknownKey(v, n.order, at...); msg != "" {
				return &schemaError{pointer: ptr, msg: msg}
			}
		}
		var missing []string
		for _, k := range n.required {
			if _, ok := v[k]; !ok {
				missing = append(missing, "'"+k+"'")
			}
		}
		if len(missing) > 0 {
			return fail("missing properties: %s", strings.Join(missing, ", "))
		}
		for _, k := range n.order {
			if pv, ok := v[k]; ok {
				if err := n.props[k].check(pv, child(k)); err != nil {
					return err
				}
			}
		}
		if n.names == nil && n.additional == nil {
			return nil
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if n.names != nil {
				if err := n.names.check(k, child(k)); err != nil {
					if d := n.names.description; d != "" {
						err.msg = jsonerr.Quote(k) + " is not a valid " + d
					}
					return err
				}
			}
			if _, named := n.props[k]; !named && n.additional != nil {
				if err := n.additional.check(v[k], child(k)); err != nil {
					return err
				}
			}
		}
	case []any:
		if n.items != nil {
			for i, e := range v {
				if err := n.items.check(e, child(fmt.Sprint(i))); err != nil {
					return err
				}
			}
		}
	case string:
		if n.minLength >= 0 || n.maxLength >= 0 {
			length := utf8.RuneCountInString(v)
			if n.minLength >= 0 && length < n.minLength {
				return fail("length must be >= %d, but got %d", n.minLength, length)
			}
			if n.maxLength >= 0 && length > n.maxLength {
				return fail("length must be <= %d, but got %d", n.maxLength, length)
			}
		}
		if n.pattern != nil && !n.pattern.MatchString(v) {
			return fail("does not match pattern '%s'", n.pattern)
		}
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
