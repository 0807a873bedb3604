package mcpserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Limits on one inbound message (frame) of the protocol stream.
const (
	// MaxFrame is the most bytes of one message: one line of the stream,
	// its newline not counted. A call's arguments (run_command's stdin)
	// must fit in it.
	MaxFrame = 4 << 20
	// MaxDepth is how deeply a message's arrays and objects may nest.
	MaxDepth = 64
)

// Transport is the MCP stdio transport (newline-delimited JSON-RPC) with
// a guard in front of the SDK: every inbound line is checked before the
// SDK sees it, so that one bad message costs its sender an error
// response, never the session. A line longer than MaxFrame is discarded
// up to its newline without being kept in memory; a line that nests
// deeper than MaxDepth, is not JSON, is not one JSON-RPC message (a batch
// included) is answered with a JSON-RPC error and skipped. The SDK's
// stdio transport ends the whole connection on any of these.
type Transport struct {
	Reader io.ReadCloser
	Writer io.WriteCloser
	// MaxFrame and MaxDepth override the package's limits when positive.
	MaxFrame, MaxDepth int
	// MaxPending bounds the requests handed to the SDK whose responses
	// have not been written yet (default DefaultMaxPending). A client
	// that sends but never reads then finds its requests no longer read,
	// instead of the server holding every finished response in memory.
	MaxPending int
	// Log is told of every refused frame; nil discards.
	Log *slog.Logger
}

// Connect implements mcp.Transport.
func (t *Transport) Connect(ctx context.Context) (mcp.Connection, error) {
	n := t.MaxPending
	if n <= 0 {
		n = DefaultMaxPending
	}
	tokens, done := make(chan struct{}, n), make(chan struct{})
	w := &lockedWriter{w: t.Writer, tokens: tokens}
	f := &frameReader{
		tokens:   tokens,
		done:     done,
		src:      t.Reader,
		in:       bufio.NewReaderSize(t.Reader, 64<<10),
		reply:    w,
		maxFrame: t.MaxFrame,
		maxDepth: t.MaxDepth,
		log:      t.Log,
	}
	if f.maxFrame <= 0 {
		f.maxFrame = MaxFrame
	}
	if f.maxDepth <= 0 {
		f.maxDepth = MaxDepth
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	c := &conn{frames: f, out: w, incoming: make(chan received), closed: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

// conn is the connection the SDK reads and writes messages on: what its
// IOTransport's is for newline-delimited JSON, with the guard in front.
// The guard has decoded each message to check it, and hands the SDK that
// message: the SDK's own stdio connection would read the stream again
// with a json.Decoder and decode each message twice more (first as a
// batch, a 32 KiB decoder buffer each time), at every call.
type conn struct {
	frames    *frameReader
	out       *lockedWriter
	incoming  chan received
	closeOnce sync.Once
	closed    chan struct{}
	closeErr  error
}

type received struct {
	msg jsonrpc.Message
	err error
}

// readLoop reads messages ahead of Read, as the SDK's stdio connection
// does, so that Close ends a Read at once even while the stream blocks.
func (c *conn) readLoop() {
	for {
		msg, err := c.frames.nextMessage()
		select {
		case c.incoming <- received{msg, err}:
		case <-c.closed:
			return
		}
		if err != nil {
			return
		}
	}
}

// Read implements mcp.Connection.
func (c *conn) Read(ctx context.Context) (jsonrpc.Message, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	default:
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-c.incoming:
		return r.msg, r.err
	case <-c.closed:
		return nil, io.EOF
	}
}

// Write implements mcp.Connection: one message, one line.
func (c *conn) Write(ctx context.Context, msg jsonrpc.Message) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	default:
	}
	data, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return fmt.Errorf("marshaling message: %v", err)
	}
	_, isResponse := msg.(*jsonrpc.Response)
	_, err = c.out.writeMessage(append(data, '\n'), isResponse)
	return err
}

// Close implements mcp.Connection.
func (c *conn) Close() error {
	c.closeOnce.Do(func() {
		c.closeErr = errors.Join(c.frames.Close(), c.out.Close())
		close(c.closed)
	})
	return c.closeErr
}

// SessionID implements mcp.Connection: stdio has no session id.
func (c *conn) SessionID() string { return "" }

// DefaultMaxPending is Transport.MaxPending's default.
const DefaultMaxPending = 16

// lockedWriter serialises the SDK's responses and the guard's error
// responses, each written whole. Each response the SDK writes frees one
// pending request's token.
type lockedWriter struct {
	mu     sync.Mutex
	w      io.WriteCloser
	tokens chan struct{}
}

// writeMessage writes one encoded message; a response frees one pending
// request's token.
func (l *lockedWriter) writeMessage(p []byte, isResponse bool) (int, error) {
	n, err := l.write(p)
	if err == nil && isResponse {
		select {
		case <-l.tokens:
		default:
		}
	}
	return n, err
}

// write writes without touching the tokens: the guard's own answers are
// to requests the SDK never saw.
func (l *lockedWriter) write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) Close() error { return l.w.Close() }

// frameReader hands the SDK good frames, one line each, and answers the
// others itself.
type frameReader struct {
	// tokens holds one per request handed on and not yet answered;
	// done ends a wait for one when the stream closes.
	tokens   chan struct{}
	done     chan struct{}
	closing  sync.Once
	src      io.Closer
	in       *bufio.Reader
	reply    *lockedWriter
	maxFrame int
	maxDepth int
	log      *slog.Logger

	line []byte // the line being read
}

// nextMessage returns the next good message, once a call among them has
// a token: a request with an id, which the SDK answers. (A request whose
// id is null is a notification to the SDK, which never answers it: its
// token would never come back.)
func (f *frameReader) nextMessage() (jsonrpc.Message, error) {
	msg, err := f.next()
	if err != nil {
		return nil, err
	}
	if r, ok := msg.(*jsonrpc.Request); ok && r.IsCall() {
		select {
		case f.tokens <- struct{}{}:
		case <-f.done:
			return nil, io.EOF
		}
	}
	return msg, nil
}

func (f *frameReader) Close() error {
	f.closing.Do(func() { close(f.done) })
	return f.src.Close()
}

// next returns the next good message. Bad frames are answered on the
// way; the error is the stream's own (io.EOF at its end).
func (f *frameReader) next() (jsonrpc.Message, error) {
	for {
		line, tooLong, err := f.readLine()
		if tooLong {
			f.refuse(nil, jsonrpc.CodeInvalidRequest, fmt.Sprintf("request too large: a message is one line of at most %d bytes; this one was discarded", f.maxFrame))
		} else if len(bytes.TrimSpace(line)) > 0 {
			if msg, ok := f.check(line); ok {
				return msg, nil
			}
		}
		if err != nil {
			return nil, err
		}
	}
}

// readLine reads one line without its end. A line longer than maxFrame
// is read to its newline and dropped: tooLong, and no bytes kept.
func (f *frameReader) readLine() (line []byte, tooLong bool, err error) {
	f.line = f.line[:0]
	if cap(f.line) > 1<<20 {
		f.line = nil // a large frame's buffer is not kept for the session
	}
	for {
		chunk, err := f.in.ReadSlice('\n')
		if !tooLong {
			if len(f.line)+len(bytes.TrimRight(chunk, "\r\n")) > f.maxFrame {
				tooLong, f.line = true, f.line[:0]
			} else {
				f.line = append(f.line, chunk...)
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == nil:
			return bytes.TrimRight(f.line, "\r\n"), tooLong, nil
		default:
			return bytes.TrimRight(f.line, "\r\n"), tooLong, err
		}
	}
}

// check returns line's message, or answers it and returns false.
func (f *frameReader) check(line []byte) (jsonrpc.Message, bool) {
	if deeper(line, f.maxDepth) {
		f.refuse(nil, jsonrpc.CodeParseError, fmt.Sprintf("parse error: the message nests deeper than %d levels", f.maxDepth))
		return nil, false
	}
	if !json.Valid(line) {
		f.refuse(nil, jsonrpc.CodeParseError, "parse error: the message is not JSON")
		return nil, false
	}
	if line = bytes.TrimSpace(line); line[0] != '{' {
		msg := "invalid request: a message is one JSON-RPC object"
		if line[0] == '[' {
			msg = "invalid request: batches are not supported; send one message a line"
		}
		f.refuse(nil, jsonrpc.CodeInvalidRequest, msg)
		return nil, false
	}
	// A copy: the message may keep pieces of it (params), and the next
	// line is read into the same buffer.
	line = bytes.Clone(line)
	msg, err := jsonrpc.DecodeMessage(line)
	if err != nil {
		f.refuse(requestID(line), jsonrpc.CodeInvalidRequest, "invalid request: "+err.Error())
		return nil, false
	}
	return msg, true
}

// refuse writes a JSON-RPC error response for a frame the SDK never sees.
func (f *frameReader) refuse(id json.RawMessage, code int64, msg string) {
	f.log.Warn("refused a message", "code", code, "reason", msg)
	if id == nil {
		id = json.RawMessage("null")
	}
	resp, err := json.Marshal(struct {
		Version string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   jsonrpc.Error   `json:"error"`
	}{"2.0", id, jsonrpc.Error{Code: code, Message: msg}})
	if err != nil {
		f.log.Error("encoding an error response", "err", err)
		return
	}
	if _, err := f.reply.write(append(resp, '\n')); err != nil {
		f.log.Warn("writing an error response", "err", err)
	}
}

// requestID is the id of a request that is JSON but no valid message,
// when it has one a response may carry (a string or a number); nil
// otherwise, which answers with id null.
func requestID(line []byte) json.RawMessage {
	var m struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(line, &m) != nil || len(m.ID) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(m.ID, &v) != nil {
		return nil
	}
	switch v.(type) {
	case string, float64:
		return m.ID
	}
	return nil
}

// deeper reports whether b's arrays and objects nest deeper than max,
// counted without parsing (brackets inside strings do not count) and
// stopping at the first level too many. Malformed input gets an answer
// too; json.Valid judges it next.
func deeper(b []byte, max int) bool {
	d := 0
	inString, escaped := false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString:
			switch c {
			case '\\':
				escaped = true
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if d++; d > max {
				return true
			}
		case c == ']' || c == '}':
			d--
		}
	}
	return false
}
