package jsonerr

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"network_isolaton", "network_isolation", 1}, {"kitten", "sitting", 3}} {
		if got := EditDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestPointer(t *testing.T) {
	if got := Pointer("binds", "0", "a/b~c"); got != "/binds/0/a~1b~0c" {
		t.Errorf("Pointer = %q", got)
	}
}

func TestLineCol(t *testing.T) {
	data := []byte("ab\ncd\n")
	for _, tc := range []struct {
		off       int64
		line, col int
	}{{0, 1, 1}, {1, 1, 2}, {3, 2, 1}, {4, 2, 2}, {-5, 1, 1}, {100, 3, 1}} {
		if l, c := LineCol(data, tc.off); l != tc.line || c != tc.col {
			t.Errorf("LineCol(%d) = %d:%d, want %d:%d", tc.off, l, c, tc.line, tc.col)
		}
	}
}

func TestQuote(t *testing.T) {
	long := strings.Repeat("1", 100000)
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"source", `"source"`},
		{"tab\there", `"tab\there"`},
		{"\x1b]0;pwned\x07", `"\x1b]0;pwned\a"`},        // an OSC sequence that would retitle the terminal
		{"\x1b[2J", `"\x1b[2J"`},                        // clear screen
		{"\u009b31m", `"\u009b31m"`},                    // C1 CSI
		{"caf\xe9", `"caf\xe9"`},                        // invalid UTF-8
		{"\u202egnp.exe", `"\u202egnp.exe"`},            // right-to-left override
		{"ok ünïcödé", `"ok ünïcödé"`},                  // printable text stays as it is
		{long, `"` + long[:58] + `"... (100000 bytes)`}, // cut
		{strings.Repeat("\x1b", 100), `"` + strings.Repeat(`\x1b`, 14) + `"... (100 bytes)`}, // cut after escaping
	} {
		got := Quote(tc.in)
		if got != tc.want {
			t.Errorf("Quote(%.40q) = %s, want %s", tc.in, got, tc.want)
		}
		if len(got) > MaxEcho+30 {
			t.Errorf("Quote(%.40q) is %d bytes long", tc.in, len(got))
		}
	}
}

func TestOneLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain message", "plain message"},
		{"a\nb\r\nc", `a\nb\r\nc`},
		{"bell\a esc\x1b[31m del\x7f", `bell\x07 esc\x1b[31m del\x7f`},
		{"nul\x00", `nul\x00`},
		{"c1 \u0085 \u009b", `c1 \u0085 \u009b`},
		{"bidi \u202e \u2066", `bidi \u202e \u2066`},
		{"bad \xff utf-8", `bad \xff utf-8`},
		{"ünïcödé stays", "ünïcödé stays"},
	} {
		if got := OneLine(tc.in); got != tc.want {
			t.Errorf("OneLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := OneLine(strings.Repeat("x", 1<<20)); len(got) > 1100 || !strings.HasSuffix(got, "... (1047552 more bytes)") {
		t.Errorf("OneLine of 1 MB: %d bytes, ending %q", len(got), got[max(0, len(got)-40):])
	}
}

func TestDescribeShortensWhatItEchoes(t *testing.T) {
	digits := strings.Repeat("9", 100000)
	data := []byte(`{"name": ` + digits + `}`)
	var doc any
	err := json.Unmarshal(data, &doc)
	if err == nil {
		t.Fatal("a 100,000-digit number decoded")
	}
	got := Describe(data, err)
	if len(got) > 200 || !strings.Contains(got, `line 1, column 10: number "99999`) || !strings.Contains(got, "... (100000 bytes)") {
		t.Errorf("Describe = %q (%d bytes)", got[:min(len(got), 300)], len(got))
	}
}

func TestUnknownKeyShortensTheKey(t *testing.T) {
	key := strings.Repeat("k", 1<<20)
	ptr, msg := UnknownKey(map[string]any{key: 1, "name": "x"}, []string{"name"})
	if len(msg) > 200 || !strings.HasPrefix(msg, `unknown key "kkk`) || !strings.Contains(msg, "(1048576 bytes)") {
		t.Errorf("UnknownKey message %q (%d bytes)", msg[:min(len(msg), 300)], len(msg))
	}
	if c := ClipPointer(ptr); len(c) > 100 || !strings.HasPrefix(c, "/kkk") {
		t.Errorf("ClipPointer = %q", c)
	}
	if ClipPointer("/binds/0/source") != "/binds/0/source" || ClipPointer("") != "" {
		t.Error("ClipPointer changes short pointers")
	}
}

func TestDuplicates(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want string // "" for none; else pointer + ": " + message
	}{
		{`{"a": 1, "b": 2}`, ""},
		{`[1, 1, {"a": 1}, {"a": 1}]`, ""}, // equal values, and the same key in different objects
		{`42`, ""},
		{`{"name": "x", "name": "y"}`, `: key "name" appears twice (line 1 and line 1): keep one`},
		{"{\"name\": \"x\",\n \"binds\": [{\"source\": \"/usr\",\n  \"target\": \"/usr\",\n  \"source\": \"/\"}]}",
			`/binds/0: key "source" appears twice (line 2 and line 4): keep one`},
		{`{"a": {"b": [[], {"c": {"d": 1, "d": 2}}]}}`, `/a/b/1/c: key "d" appears twice (line 1 and line 1): keep one`},
		{`{"x/y": {"k": 1, "k": 1}}`, `/x~1y: key "k" appears twice (line 1 and line 1): keep one`},
		{`{"a": [1, {"z": 0}], "b": {"q": 1}, "a": 2}`, `: key "a" appears twice (line 1 and line 1): keep one`},
		{"{\"\x1b\": 1, \"\x1b\": 2}", ""}, // not valid JSON: left to the decoder
		{`{"\u001b": 1, "\u001b": 2}`, `: key "\x1b" appears twice (line 1 and line 1): keep one`},
		{`{"a": 1, "\u0061": 2}`, `: key "a" appears twice (line 1 and line 1): keep one`}, // the same key, spelled differently
	} {
		err := Duplicates([]byte(tc.doc))
		got := ""
		if err != nil {
			got = err.Pointer + ": " + err.Error()
		}
		if got != tc.want {
			t.Errorf("Duplicates(%s) = %q, want %q", tc.doc, got, tc.want)
		}
	}
}

// The fast pass answers for documents as profiles and policies are
// written, and leaves to the token pass every document with a duplicate
// (past its switch from a list of keys to a map too), an escaped key, or
// a syntax it does not follow.
func TestNoDuplicatesFastPass(t *testing.T) {
	var many strings.Builder
	many.WriteString(`{"env": {`)
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&many, `"K%d": "v", `, i)
	}
	for _, tc := range []struct {
		doc  string
		fast bool
	}{
		{`{"name": "x", "binds": [{"source": "/usr", "target": "/usr"}, {"source": "/etc"}], "seccomp_profile": null, "n": -1.5e3, "b": true}`, true},
		{many.String() + `"K39": "w"}}`, false},
		{many.String() + `"K40": "w"}}`, true},
		{`{"a": "\"b\": 1", "b": 2}`, true}, // an escape in a value, not a key
		{`{"a": 1, "\u0061": 2}`, false},
		{`{"a": 1, "b": {"a": 1}, "a": 2}`, false},
		{`{"a": 1`, false},
		{`[1, 2}`, false},
	} {
		if got := noDuplicates([]byte(tc.doc)); got != tc.fast {
			t.Errorf("noDuplicates(%s) = %v, want %v", tc.doc, got, tc.fast)
		}
		if tc.fast && duplicates([]byte(tc.doc)) != nil {
			t.Errorf("the token pass finds a duplicate in %s", tc.doc)
		}
	}
	if d := Duplicates([]byte(many.String() + `"K39": "w"}}`)); d == nil || d.Key != "K39" || d.Pointer != "/env" {
		t.Errorf("Duplicates = %v, want K39 in /env", d)
	}
}

func TestDuplicatesDeepAndLarge(t *testing.T) {
	// As deep as encoding/json decodes, and a long key.
	key := strings.Repeat("k", 1<<20)
	doc := strings.Repeat(`{"a":`, 9999) + `{"` + key + `": 1, "` + key + `": 2}` + strings.Repeat("}", 9999)
	err := Duplicates([]byte(doc))
	if err == nil || len(err.Error()) > 200 || !strings.HasPrefix(err.Pointer, "/a/a/a") {
		t.Fatalf("Duplicates: %v", err)
	}
}

// FuzzDuplicates checks Duplicates against a plain reading of the
// document: it reports a key only if the key is in the document, and
// never panics on what encoding/json accepts.
func FuzzDuplicates(f *testing.F) {
	f.Add([]byte(`{"a": 1, "b": [{"c": 1, "c": 2}]}`))
	f.Add([]byte(`[{"a": {}}, {"a": {"a": 1, "b": 2}}]`))
	f.Add([]byte(`{"\u0061": 1, "a": 2}`))
	f.Add([]byte(`{"a": "x\"}", "b": {"a": 1}, "a": 2}`))
	f.Add([]byte(`[1, {"a": [true, null, {"a": 1}], "b": -1.5e3, "a": 0}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		d := Duplicates(data)
		if noDuplicates(data) && duplicates(data) != nil {
			t.Errorf("the fast pass found no duplicate in %q, the token pass %v", data, duplicates(data))
		}
		if d == nil {
			return
		}
		enc, _ := json.Marshal(d.Key)
		if !strings.Contains(string(data), d.Key) && !strings.Contains(string(data), string(enc[1:len(enc)-1])) && !strings.Contains(string(data), `\u`) {
			t.Errorf("reported key %q is not in %q", d.Key, data)
		}
		if d.First > d.Second || d.First < 1 {
			t.Errorf("lines %d and %d", d.First, d.Second)
		}
	})
}
