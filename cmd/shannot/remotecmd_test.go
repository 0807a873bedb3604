package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// A host that never sends a newline costs a fleet at most one piece of
// maxPrefixedLine bytes, each piece written behind the prefix.
func TestPrefixWriterLongLine(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	w := &prefixWriter{mu: &mu, w: &out, prefix: "web1: "}
	chunk := []byte(strings.Repeat("x", 4096))
	for i := 0; i < 3*maxPrefixedLine/len(chunk)+1; i++ {
		w.Write(chunk)
		if len(w.buf) >= maxPrefixedLine {
			t.Fatalf("holds %d bytes of a line", len(w.buf))
		}
	}
	w.Write([]byte("end\n"))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 || lines[0] != "web1: "+strings.Repeat("x", maxPrefixedLine) || lines[3] != "web1: "+strings.Repeat("x", 4096)+"end" {
		t.Errorf("%d lines: %.80q ... %.80q", len(lines), lines[0], lines[len(lines)-1])
	}
}

// capReport cuts a remote --json object's output to the limit and flags it.
func TestCapReport(t *testing.T) {
	rep := map[string]any{"stdout": strings.Repeat("a", 10), "stdout_encoding": "utf-8", "stdout_truncated": false,
		"stderr": "AAECAwQF", "stderr_encoding": "base64", "stderr_truncated": false}
	capReport(rep, 4)
	if rep["stdout"] != "aaaa" || rep["stdout_truncated"] != true || rep["stderr"] != "AAECAw==" || rep["stderr_truncated"] != true {
		t.Errorf("capped: %v", rep)
	}
	rep = map[string]any{"stdout": "ok", "stdout_encoding": "utf-8", "stdout_truncated": false}
	capReport(rep, 4)
	if rep["stdout"] != "ok" || rep["stdout_truncated"] != false {
		t.Errorf("within the limit: %v", rep)
	}
}
