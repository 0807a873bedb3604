package jsonerr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
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
	if noDuplicates(data) {
		return nil
	}
	return duplicates(data)
}

// noDuplicates says, without allocating for a small document, that no
// object of data has a key twice: it compares the keys' bytes as they
// are written, so it answers false, and leaves the verdict to the slow
// pass, for any key written with an escape (where "a" and "\u0061" are
// one key) and for anything that is not valid JSON. The slow pass, a
// json.Decoder's Token stream, cost a profile load 350,000 instructions.
func noDuplicates(data []byte) bool {
	type object struct {
		keys []string
		set  map[string]bool // instead of keys, past a few dozen
	}
	var stack [16]object
	objects := stack[:0]
	// containers: true for an object, false for an array, innermost last.
	var kinds [64]bool
	containers := kinds[:0]
	wantKey := false
	i := 0
	for i < len(data) {
		switch c := data[i]; c {
		case ' ', '\t', '\n', '\r', ',', ':':
			if c == ',' && len(containers) > 0 && containers[len(containers)-1] {
				wantKey = true
			}
			i++
		case '{':
			containers = append(containers, true)
			objects = append(objects, object{})
			wantKey = true
			i++
		case '[':
			containers = append(containers, false)
			wantKey = false
			i++
		case '}', ']':
			if len(containers) == 0 || containers[len(containers)-1] != (c == '}') {
				return false
			}
			if c == '}' {
				objects = objects[:len(objects)-1]
			}
			containers = containers[:len(containers)-1]
			wantKey = false
			i++
		case '"':
			j := i + 1
			for j < len(data) && data[j] != '"' {
				if data[j] == '\\' {
					if wantKey {
						return false // an escaped key: the slow pass decides
					}
					j++
				}
				j++
			}
			if j >= len(data) {
				return false
			}
			if wantKey {
				if len(containers) == 0 || !containers[len(containers)-1] {
					return false
				}
				top := &objects[len(objects)-1]
				k := string(data[i+1 : j])
				switch {
				case top.set != nil:
					if top.set[k] {
						return false
					}
					top.set[k] = true
				case slices.Contains(top.keys, k):
					return false
				case len(top.keys) == 32:
					top.set = map[string]bool{k: true}
					for _, seen := range top.keys {
						top.set[seen] = true
					}
				default:
					top.keys = append(top.keys, k)
				}
				wantKey = false
			}
			i = j + 1
		default:
			// A number, true, false or null: up to the next delimiter.
			for i < len(data) && !strings.ContainsRune(" \t\n\r,:]}", rune(data[i])) {
				i++
			}
		}
	}
	return len(containers) == 0
}

// duplicates is Duplicates's pass over the tokens, which says where.
func duplicates(data []byte) *DuplicateKeyError {
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
