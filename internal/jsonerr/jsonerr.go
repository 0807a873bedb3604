package jsonerr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// Pointer joins JSON pointer tokens, escaping them as RFC 6901 says.
func Pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		if strings.ContainsAny(t, "~/") {
			t = pointerEscaper.Replace(t)
		}
		b.WriteString(t)
	}
	return b.String()
}

// MaxEcho is about how many characters of the user's input an error
// message quotes; the rest is cut and marked.
const MaxEcho = 60

// maxMessage bounds a whole message, whatever it quotes.
const maxMessage = 1024

// Quote quotes s, the user's input, for an error message: escaped as
// Go's %q does (so that no control character, terminal escape or
// invalid UTF-8 reaches the terminal) and, when that is longer than
// about MaxEcho characters, cut and marked with its length:
//
//	"1111111111111111111111111111111111111111111111111111111"... (100000 bytes)
func Quote(s string) string {
	body, cut := escape(s)
	if cut {
		return fmt.Sprintf(`"%s"... (%d bytes)`, body, len(s))
	}
	return `"` + body + `"`
}

// escape escapes s as strconv.Quote does, without the quotes, keeping
// at most about MaxEcho characters; cut says whether it kept less than
// all of s.
func escape(s string) (body string, cut bool) {
	var b strings.Builder
	for i := 0; i < len(s); {
		_, w := utf8.DecodeRuneInString(s[i:])
		q := strconv.Quote(s[i : i+w])
		q = q[1 : len(q)-1]
		if b.Len()+len(q) > MaxEcho-2 {
			return b.String(), true
		}
		b.WriteString(q)
		i += w
	}
	return b.String(), false
}

// OneLine keeps an error message on a single line, and the terminal
// safe, whatever it quotes: line breaks, other C0 and C1 control
// characters, DEL, bidirectional overrides and invalid UTF-8 are
// escaped, and a message longer than about a thousand characters is
// cut and marked.
func OneLine(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if b.Len() >= maxMessage {
			fmt.Fprintf(&b, "... (%d more bytes)", len(s)-i)
			break
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && w <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f, unsafeFormat(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+w])
		}
		i += w
	}
	return b.String()
}

// unsafeFormat reports the invisible characters that reorder or hide
// text on a terminal: bidirectional controls and the line and
// paragraph separators.
func unsafeFormat(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f ||
		r == 0x061c || r == 0x2028 || r == 0x2029
}

// LineCol turns a byte offset into a 1-based line and column.
func LineCol(data []byte, offset int64) (line, col int) {
	offset = max(0, min(offset, int64(len(data))))
	line, col = 1, 1
	for _, c := range data[:offset] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// CheckUTF8 returns an error naming the line and column of the first
// invalid UTF-8 sequence in data, or nil.
func CheckUTF8(data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			line, col := LineCol(data, int64(i))
			return fmt.Errorf("line %d, column %d: not valid UTF-8; save the file as UTF-8", line, col)
		}
		i += size
	}
	return nil
}

// Describe words an error of encoding/json about data, with the line
// and column where it can tell them.
func Describe(data []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		// Offset counts the bytes read, the offending one included.
		line, col := LineCol(data, se.Offset-1)
		return fmt.Sprintf("line %d, column %d: invalid JSON: %s", line, col, se.Error())
	case errors.As(err, &te):
		offset := te.Offset
		// Value is "number 1234...": the literal itself, as long as
		// the user made it. Offset is past it; point at its start.
		value := te.Value
		if lit, ok := strings.CutPrefix(value, "number "); ok {
			value = "number " + Quote(lit)
			if i := bytes.LastIndex(data[:max(0, min(offset, int64(len(data))))], []byte(lit)); i >= 0 {
				offset = int64(i)
			}
		}
		line, col := LineCol(data, offset)
		if te.Field == "" {
			return fmt.Sprintf("line %d, column %d: %s cannot be read as %s", line, col, value, te.Type)
		}
		return fmt.Sprintf("line %d, column %d: %s must be %s, not %s", line, col, Clip(te.Field), te.Type, value)
	}
	return "invalid JSON: " + err.Error()
}

// Clip is Quote without the quotes, for input such as a path that an
// error message names as it is: escaped, and cut when long.
func Clip(s string) string {
	body, cut := escape(s)
	if cut {
		return fmt.Sprintf("%s... (%d bytes)", body, len(s))
	}
	return body
}

// ClipPointer shortens and escapes each token of the JSON pointer ptr
// (whose keys are the user's) for an error message.
func ClipPointer(ptr string) string {
	if ptr == "" {
		return ""
	}
	tokens := strings.Split(ptr, "/")
	for i, t := range tokens {
		tokens[i] = Clip(t)
	}
	return strings.Join(tokens, "/")
}

// UnknownKey returns a message for the first key of obj (in sorted
// order) that is not in known, or "" and "" when all are known.
func UnknownKey(obj map[string]any, known []string, at ...string) (ptr, msg string) {
	var unknown []string
	for k := range obj {
		if !contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return "", ""
	}
	k := minString(unknown)
	ptr = Pointer(append(append([]string(nil), at...), k)...)
	if s := Suggest(k, known); s != "" {
		return ptr, fmt.Sprintf("unknown key %s; did you mean %q?", Quote(k), s)
	}
	return ptr, fmt.Sprintf("unknown key %s; known keys are %s", Quote(k), strings.Join(known, ", "))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func minString(list []string) string {
	m := list[0]
	for _, s := range list[1:] {
		if s < m {
			m = s
		}
	}
	return m
}

// Suggest returns the known word closest to word, or "" when none is
// close enough to be a likely typo.
func Suggest(word string, known []string) string {
	if len(word) > 256 {
		return "" // no typo of a known word is this long
	}
	best, bestDist := "", len(word)/2+2
	for _, k := range known {
		if d := EditDistance(word, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance between a and b.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
