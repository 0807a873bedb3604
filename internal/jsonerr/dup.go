package jsonerr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// DuplicateKeyError is an object that has the same key twice. encoding/json
// keeps the last silently; shannot refuses, because the one that counts
// need not be the one its author reads.
type DuplicateKeyError struct {
	Pointer       string // the object holding the key; "" for the top level
	Key           string
	First, Second int // lines
}

func (e *DuplicateKeyError) Error() string {
	return fmt.Sprintf("key %s appears twice (line %d and line %d): keep one", Quote(e.Key), e.First, e.Second)
}

// Duplicates returns the first key that appears twice in one object of
// the JSON document data, at any depth, or nil. data must be valid JSON
// (decode it first: this pass assumes the syntax is checked).
func Duplicates(data []byte) *DuplicateKeyError {
	type frame struct {
		object  bool
		name    string           // this container's token in its parent
		keys    map[string]int64 // key -> offset just after it
		key     string           // the current key, for objects
		wantKey bool
		index   int // the next element, for arrays
	}
	var stack []*frame
	pointer := func() string {
		tokens := make([]string, 0, len(stack))
		for _, f := range stack[1:] {
			tokens = append(tokens, f.name)
		}
		return Pointer(tokens...)
	}
	// done advances the parent after one of its values.
	done := func() {
		if len(stack) == 0 {
			return
		}
		if top := stack[len(stack)-1]; top.object {
			top.wantKey = true
		} else {
			top.index++
		}
	}
	lines := newlines(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF, or a syntax error reported elsewhere
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			done()
			continue
		}
		if top != nil && top.object && top.wantKey {
			k, _ := tok.(string)
			end := dec.InputOffset()
			if first, seen := top.keys[k]; seen {
				return &DuplicateKeyError{Pointer: pointer(), Key: k, First: lineOf(lines, first), Second: lineOf(lines, end)}
			}
			if top.keys == nil {
				top.keys = map[string]int64{}
			}
			top.keys[k] = end
			top.key, top.wantKey = k, false
			continue
		}
		name := ""
		if top != nil {
			if top.object {
				name = top.key
			} else {
				name = strconv.Itoa(top.index)
			}
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{object: d == '{', name: name, wantKey: d == '{'})
			continue
		}
		done()
	}
}

// newlines returns the offsets of data's line feeds.
func newlines(data []byte) []int64 {
	var nl []int64
	for i, c := range data {
		if c == '\n' {
			nl = append(nl, int64(i))
		}
	}
	return nl
}

// lineOf is the 1-based line of the byte before offset (a key ends
// there; keys hold no line feed).
func lineOf(nl []int64, offset int64) int {
	return sort.Search(len(nl), func(i int) bool { return nl[i] >= offset-1 }) + 1
}
