package sandbox

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"
	"unsafe"

	"github.com/shannot-project/shannot/internal/bug"
)

// chunks collects a stream in pieces that are never copied while it
// grows, unlike a bytes.Buffer, whose doubling holds the old and the new
// array at once and leaves up to twice the output behind as garbage.
// bytes joins them once, into an array of the exact size: a capture of N
// bytes peaks at about 2N.
type chunks struct {
	full [][]byte
	cur  []byte
	n    int
}

const (
	firstChunk = 4 << 10
	maxChunk   = 4 << 20
)

func (c *chunks) Write(p []byte) (int, error) {
	written := len(p)
	for len(p) > 0 {
		if len(c.cur) == cap(c.cur) {
			if c.cur != nil {
				c.full = append(c.full, c.cur)
			}
			// Each piece as large as all before it, from 4 KiB to 4 MiB:
			// the last one's unused tail is less than min(N, 4 MiB).
			c.cur = make([]byte, 0, min(max(c.n, firstChunk), maxChunk))
		}
		k := copy(c.cur[len(c.cur):cap(c.cur)], p)
		c.cur = c.cur[:len(c.cur)+k]
		c.n += k
		p = p[k:]
	}
	return written, nil
}

// bytes returns everything written, in one array, and lets the pieces go.
func (c *chunks) bytes() []byte {
	if len(c.full) == 0 {
		b := c.cur
		c.cur = nil
		return b
	}
	out := make([]byte, 0, c.n)
	for _, p := range c.full {
		out = append(out, p...)
	}
	out = append(out, c.cur...)
	c.full, c.cur = nil, nil
	return out
}

// WriteJSON writes r.Report(profile, argv) as json.Encoder does with
// SetEscapeHTML(false), newline included, byte for byte, without
// building the encoded object in memory: the output fields are encoded
// as they are written, a piece at a time.
func (r *Result) WriteJSON(w io.Writer, profile string, argv []string) error {
	rep := r.report(profile, argv)
	// The object around the output: everything but the two strings.
	var head bytes.Buffer
	enc := json.NewEncoder(&head)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil {
		return err
	}
	frame := head.Bytes()
	// Nothing before "stdout" can hold these (numbers, booleans, null
	// or a signal's name), and "stdout_encoding" is no empty string.
	i := fieldValue(frame, "stdout", 0)
	j := fieldValue(frame, "stderr", max(i, 0))
	if i < 0 || j < i {
		return fmt.Errorf("sandbox: %w", bug.Errorf("the report's output fields are not where WriteJSON looks for them: %s", frame))
	}
	out := bufio.NewWriterSize(w, 64<<10)
	out.Write(frame[:i])
	streamString(out, trimCut(r.Stdout, r.StdoutTruncated), rep.StdoutEncoding)
	out.Write(frame[i:j])
	streamString(out, trimCut(r.Stderr, r.StderrTruncated), rep.StderrEncoding)
	out.Write(frame[j:])
	return out.Flush()
}

// fieldValue is the offset just inside the quotes of `"key":""` in an
// encoded object, or -1.
func fieldValue(obj []byte, key string, from int) int {
	pat := `"` + key + `":""`
	k := bytes.Index(obj[from:], []byte(pat))
	if k < 0 {
		return -1
	}
	return from + k + len(pat) - 1
}

// streamString writes b as the inside of a JSON string, as Report's
// field holds it: base64, or text escaped as encoding/json escapes it
// (each piece is encoded by encoding/json itself, cut between characters,
// and JSON escapes each character on its own).
func streamString(w *bufio.Writer, b []byte, encoding string) {
	if encoding == "base64" {
		e := base64.NewEncoder(base64.StdEncoding, w)
		e.Write(b)
		e.Close()
		return
	}
	var piece bytes.Buffer
	enc := json.NewEncoder(&piece)
	enc.SetEscapeHTML(false)
	const size = 64 << 10
	for len(b) > 0 {
		k := min(size, len(b))
		for k < len(b) && k > 0 && !utf8.RuneStart(b[k]) {
			k--
		}
		if k == 0 { // not text after all; cannot happen for utf-8
			k = min(size, len(b))
		}
		piece.Reset()
		// The piece read in place, not copied: the output is not
		// changed while it is encoded, and the string does not outlive it.
		enc.Encode(unsafe.String(&b[0], k))
		quoted := piece.Bytes()
		w.Write(quoted[1 : len(quoted)-2]) // without the quotes and the newline
		b = b[k:]
	}
}
