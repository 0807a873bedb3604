package remote

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"
)

// The remote is not trusted to keep the limits it was sent: the local
// side bounds what it receives, so that a remote sending without end
// costs bounded memory and is cut off.

// Caps bound the bytes a remote run may send on each stream; 0 is no
// bound.
type Caps struct {
	Stdout, Stderr int64
}

// StderrSlack is what a remote may write on stderr beyond the command's
// own --max-output: its shannot's messages and ssh's.
const StderrSlack = 64 << 10

// jsonSlack is room in a --json result for everything but the output:
// the status fields, the profile's name, shannot's error message.
const jsonSlack = 64 << 10

// CapsFor is what an honest remote shannot sends under maxOutput bytes
// of each stream (0: no limit), at most. Plain runs: the command's
// stdout as it is; stderr with StderrSlack more. --json runs: one object
// on stdout holding both streams, each at most maxOutput bytes before
// encoding and six times that after (encoding/json writes ESC as
// \u001b), the command line echoed (six times its bytes at most), and
// jsonSlack. A --json run always has a limit; without one its object is
// bounded as for 1 MiB.
func CapsFor(maxOutput int64, argv []string, asJSON bool) Caps {
	if !asJSON {
		if maxOutput <= 0 {
			return Caps{}
		}
		return Caps{Stdout: maxOutput, Stderr: maxOutput + StderrSlack}
	}
	if maxOutput <= 0 {
		maxOutput = 1 << 20
	}
	var args int64
	for _, a := range argv {
		args += int64(len(a)) + 3 // quotes and comma
	}
	return Caps{Stdout: 2*6*maxOutput + 6*args + jsonSlack, Stderr: StderrSlack}
}

// OverflowError is a remote sending more than its Caps allowed on one
// stream: more than a shannot there sends under the limits it was given.
// The connection was cut.
type OverflowError struct {
	Target Target
	Stream string // "stdout" or "stderr"
	Limit  int64
}

func (e *OverflowError) Error() string {
	return fmt.Sprintf("%s sent more than %d bytes on %s, more than its shannot may under these limits; the connection was cut",
		e.Target, e.Limit, e.Stream)
}

// capWriter passes on the first left bytes, then drops the rest and
// calls cut once.
type capWriter struct {
	mu     sync.Mutex
	dst    io.Writer
	left   int64
	over   bool
	cut    func()
	stream string
}

func capped(w io.Writer, limit int64, stream string, cut func()) *capWriter {
	return &capWriter{dst: w, left: limit, cut: cut, stream: stream}
}

func (w *capWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.over {
		return len(p), nil
	}
	if int64(len(p)) <= w.left {
		w.left -= int64(len(p))
		return w.dst.Write(p)
	}
	if w.left > 0 {
		if _, err := w.dst.Write(p[:w.left]); err != nil {
			return 0, err
		}
		w.left = 0
	}
	w.over = true
	w.cut()
	return len(p), nil
}

func (w *capWriter) overflowed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.over
}

// CapOutput shortens a --json result's output field to at most max
// bytes of output (text cut between characters; base64 decoded, cut
// and encoded again) and reports whether it did. Output that is not
// what its encoding says is left as is: the byte caps bound it.
func CapOutput(text, encoding string, max int64) (string, bool) {
	if max <= 0 {
		return text, false
	}
	if encoding == "base64" {
		if int64(base64.StdEncoding.DecodedLen(len(text))) <= max {
			return text, false
		}
		b, err := base64.StdEncoding.DecodeString(text)
		if err != nil || int64(len(b)) <= max {
			return text, false
		}
		return base64.StdEncoding.EncodeToString(b[:max]), true
	}
	if int64(len(text)) <= max {
		return text, false
	}
	cut := text[:max]
	for i := 0; i < utf8.UTFMax && len(cut) > 0 && !utf8.ValidString(cut); i++ {
		cut = cut[:len(cut)-1]
	}
	return cut, true
}

// ExecCapped is Exec with what the remote may send bounded by caps: past
// a cap, the rest is dropped, ssh is killed and the error is an
// *OverflowError (the bytes before the cap were passed on).
func (s SSH) ExecCapped(ctx context.Context, t Target, remote string, stdin io.Reader, stdout, stderr io.Writer, caps Caps) (int, error) {
	ctx, cut := context.WithCancel(ctx)
	defer cut()
	var out, errOut *capWriter
	if caps.Stdout > 0 {
		out = capped(orDiscard(stdout), caps.Stdout, "stdout", cut)
		stdout = out
	}
	if caps.Stderr > 0 {
		errOut = capped(orDiscard(stderr), caps.Stderr, "stderr", cut)
		stderr = errOut
	}
	code, err := s.Exec(ctx, t, remote, stdin, stdout, stderr)
	for _, w := range []*capWriter{out, errOut} {
		if w != nil && w.overflowed() {
			limit := caps.Stdout
			if w == errOut {
				limit = caps.Stderr
			}
			return 0, &OverflowError{Target: t, Stream: w.stream, Limit: limit}
		}
	}
	return code, err
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
