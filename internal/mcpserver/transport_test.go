package mcpserver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/shannot-project/shannot/pkg/profile"
)

// wireResponse is a JSON-RPC response as it arrives.
type wireResponse struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// TestBadFramesKeepTheSession sends the server one bad message of each
// kind, each followed by a good call: every bad one is answered with an
// error and the good call after it still works.
func TestBadFramesKeepTheSession(t *testing.T) {
	s, err := New(Options{Profiles: []*profile.Profile{{Name: "minimal", Environment: map[string]string{}}}})
	if err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.ServeStreams(ctx, inR, outW) }()
	responses := bufio.NewReader(outR)
	send := func(line string) {
		t.Helper()
		if _, err := io.WriteString(inW, line+"\n"); err != nil {
			t.Fatalf("writing: %v", err)
		}
	}
	receive := func() wireResponse {
		t.Helper()
		line, err := responses.ReadBytes('\n')
		if err != nil {
			t.Fatalf("reading a response: %v (the session ended)", err)
		}
		var r wireResponse
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("response %q: %v", line, err)
		}
		return r
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if r := receive(); r.Error != nil || string(r.ID) != "1" {
		t.Fatalf("initialize: %+v", r)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)

	big := `{"jsonrpc":"2.0","id":99,"method":"tools/call","params":{"name":"list_profiles","arguments":{"pad":"` + strings.Repeat("x", MaxFrame) + `"}}}`
	for i, tc := range []struct {
		frame string
		code  int
		id    string
		msg   string
	}{
		{big, -32600, "null", "request too large: a message is one line of at most 4194304 bytes"},
		{strings.Repeat("[", 100000), -32700, "null", "nests deeper than 64 levels"},
		{`{"a":` + strings.Repeat(`{"a":`, MaxDepth) + `1` + strings.Repeat("}", MaxDepth+1), -32700, "null", "nests deeper"},
		{`{"jsonrpc":"2.0","id":7,"method":`, -32700, "null", "not JSON"},
		{`not json at all`, -32700, "null", "not JSON"},
		{`{"id":8,"method":"tools/list"}`, -32600, "8", "invalid message version tag"},
		{`{"jsonrpc":"2.0","id":{"x":1},"method":"tools/list"}`, -32600, "null", "invalid request"},
		{`[{"jsonrpc":"2.0","id":9,"method":"tools/list"}]`, -32600, "null", "batches are not supported"},
		{`42`, -32600, "null", "one JSON-RPC object"},
		{`{"jsonrpc":"2.0","id":10,"method":"tools/list"} {"jsonrpc":"2.0","id":11,"method":"tools/list"}`, -32700, "null", "not JSON"},
	} {
		send(tc.frame)
		r := receive()
		if r.Error == nil || r.Error.Code != tc.code || string(r.ID) != tc.id || !strings.Contains(r.Error.Message, tc.msg) {
			t.Errorf("frame %d: %s; want code %d, id %s, %q", i, jsonOf(r), tc.code, tc.id, tc.msg)
		}
		id := 100 + i
		send(`{"jsonrpc":"2.0","id":` + jsonOf(id) + `,"method":"tools/call","params":{"name":"list_profiles","arguments":{}}}`)
		if r := receive(); r.Error != nil || string(r.ID) != jsonOf(id) || !strings.Contains(string(r.Result), `"minimal"`) {
			t.Errorf("the call after frame %d: %s", i, jsonOf(r))
		}
	}
	// Blank lines and CRLF ends are not errors.
	send("")
	send(`{"jsonrpc":"2.0","id":200,"method":"tools/list"}` + "\r")
	if r := receive(); r.Error != nil || string(r.ID) != "200" {
		t.Errorf("after a blank line, a CRLF line: %s", jsonOf(r))
	}
	inW.Close()
	if err := <-done; err != nil {
		t.Errorf("the session ended with %v", err)
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDeeper(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want bool
	}{
		{`{}`, 1, false},
		{`{"a":[1]}`, 1, true},
		{`{"a":[1]}`, 2, false},
		{`{"a":"[[[[[[[[[["}`, 1, false},
		{`{"a":"\"[[[[","b":1}`, 1, false},
		{`{"a\\":[[1]]}`, 2, true},
		{`[[[`, 2, true},
	} {
		if got := deeper([]byte(tc.in), tc.max); got != tc.want {
			t.Errorf("deeper(%s, %d) = %v", tc.in, tc.max, got)
		}
	}
}

// A client that sends requests and never reads the responses finds its
// requests no longer read once MaxPending are unanswered: the server
// does not hold every finished response in memory.
func TestPendingRequestsAreBounded(t *testing.T) {
	var in strings.Builder
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":%d,"method":"tools/list"}`+"\n", i)
	}
	outR, outW := io.Pipe()
	defer outR.Close()
	go io.Copy(io.Discard, outR) // the responses are read, but only when written
	tr := &Transport{Reader: io.NopCloser(strings.NewReader(in.String())), Writer: outW, MaxPending: 2}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := tr.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	read := func() (jsonrpc.Message, error) {
		got := make(chan jsonrpc.Message, 1)
		go func() {
			m, err := conn.Read(ctx)
			if err == nil {
				got <- m
			}
		}()
		select {
		case m := <-got:
			return m, nil
		case <-time.After(300 * time.Millisecond):
			return nil, errors.New("blocked")
		}
	}
	for i := 1; i <= 2; i++ {
		if _, err := read(); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	third := make(chan jsonrpc.Message, 1)
	go func() {
		if m, err := conn.Read(ctx); err == nil {
			third <- m
		}
	}()
	select {
	case <-third:
		t.Fatal("a third request was read with two unanswered")
	case <-time.After(300 * time.Millisecond):
	}
	// One response written frees one place, and the third is read.
	id, _ := jsonrpc.MakeID(float64(1))
	if err := conn.Write(ctx, &jsonrpc.Response{ID: id, Result: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-third:
	case <-time.After(5 * time.Second):
		t.Fatal("a written response did not free a place")
	}
}

// The messages handed to the SDK are their own: reading the next line
// (into the same buffer) leaves an earlier message's params as they were.
func TestMessagesOutliveTheLine(t *testing.T) {
	in := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"aaaaaaaa"}}` + "\n" +
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"bbbbbbbb"}}` + "\n"
	tr := &Transport{Reader: io.NopCloser(strings.NewReader(in)), Writer: nopWriteCloser{io.Discard}}
	ctx := context.Background()
	conn, err := tr.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	first, err := conn.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if p := string(first.(*jsonrpc.Request).Params); p != `{"name":"aaaaaaaa"}` {
		t.Errorf("the first message's params became %s", p)
	}
}

// Close ends a Read that waits on a stream with nothing to read, as the
// SDK's own stdio connection does: the session can end while the client
// is silent.
func TestCloseEndsARead(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	tr := &Transport{Reader: r, Writer: nopWriteCloser{io.Discard}}
	ctx := context.Background()
	conn, err := tr.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := conn.Read(ctx)
		done <- err
	}()
	conn.Close()
	if err := <-done; err == nil {
		t.Error("a Read on a closed connection returned a message")
	}
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// A token is taken for each call the SDK will answer, and for nothing
// else: a notification, and a request whose id is null (which the SDK
// takes for a notification and never answers), leave the pending count
// as it was.
func TestTokensForCallsOnly(t *testing.T) {
	in := `{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n" +
		`{"jsonrpc":"2.0","id":null,"method":"tools/list"}` + "\n" +
		`{"jsonrpc":"2.0","id":3,"method":"tools/list"}` + "\n"
	tr := &Transport{Reader: io.NopCloser(strings.NewReader(in)), Writer: nopWriteCloser{io.Discard}, MaxPending: 4}
	ctx := context.Background()
	c, err := tr.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 3; i++ {
		if _, err := c.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// All three read (and the stream at its end): only the call with id 3
	// holds a token.
	if got := len(c.(*conn).frames.tokens); got != 1 {
		t.Errorf("%d requests pending, want 1", got)
	}
}
