package jsonerr

import (
	"encoding/json"
	"errors"
	"fmt"
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

var lineEscaper = strings.NewReplacer("\n", `\n`, "\r", `\r`)

// OneLine keeps an error message on a single line whatever it quotes.
func OneLine(s string) string { return lineEscaper.Replace(s) }

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
		line, col := LineCol(data, te.Offset)
		return fmt.Sprintf("line %d, column %d: %s must be %s, not %s", line, col, te.Field, te.Type, te.Value)
	}
	return "invalid JSON: " + err.Error()
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
		return ptr, fmt.Sprintf("unknown key %q; did you mean %q?", k, s)
	}
	return ptr, fmt.Sprintf("unknown key %q; known keys are %s", k, strings.Join(known, ", "))
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
