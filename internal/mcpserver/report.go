package mcpserver

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/shannot-project/shannot/pkg/sandbox"
)

// reportSchema is the output schema of the tools whose result is a
// sandbox.Report, as the SDK infers it from the type.
var reportSchema = mustSchema(jsonschema.ForType(reflect.TypeFor[sandbox.Report](), &jsonschema.ForOptions{}))

func mustSchema(s *jsonschema.Schema, err error) *jsonschema.Schema {
	if err != nil {
		panic(err)
	}
	return s
}

// reportTool adds a tool whose result is a sandbox.Report (run_command,
// read_file, list_directory), with the structured content encoded here.
//
// Given the Report as its typed result, the SDK marshals it, decodes that
// again into a map, validates the map against the schema it inferred from
// the same type, and marshals the map: three passes over the output, and
// a 32 KiB decoder buffer, at every call, for a check that cannot fail.
// structuredReport writes the bytes that round trip ends with, once; the
// tool keeps the same output schema (TestReportToolAsTheSDK).
func reportTool[In any](srv *mcp.Server, t *mcp.Tool, h func(context.Context, *mcp.CallToolRequest, In) (*mcp.CallToolResult, sandbox.Report, error)) {
	t.OutputSchema = reportSchema
	mcp.AddTool(srv, t, func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, any, error) {
		res, rep, err := h(ctx, req, in)
		if err != nil {
			return nil, nil, err
		}
		if res == nil {
			res = &mcp.CallToolResult{}
		}
		out, err := structuredReport(rep)
		if err != nil {
			return nil, nil, err
		}
		res.StructuredContent = out
		if res.Content == nil {
			// As the SDK does: the JSON as text too, for clients that
			// read only the content.
			res.Content = []mcp.Content{&mcp.TextContent{Text: string(out)}}
		}
		return res, nil, nil
	})
}

// structuredReport encodes r as the SDK's round trip does: an object with
// the keys in sorted order (encoding/json's for a map), strings escaped
// as encoding/json.Marshal escapes them, each byte that is not UTF-8 as
// U+FFFD itself (the first marshal wrote \ufffd, the second writes the
// character), and "error" left out when empty (omitempty).
func structuredReport(r sandbox.Report) (json.RawMessage, error) {
	m := map[string]any{
		"exit_code":        r.ExitCode,
		"signal":           nil,
		"timed_out":        r.TimedOut,
		"duration_ms":      r.DurationMS,
		"stdout":           roundTrip(r.Stdout),
		"stdout_encoding":  roundTrip(r.StdoutEncoding),
		"stderr":           roundTrip(r.Stderr),
		"stderr_encoding":  roundTrip(r.StderrEncoding),
		"stdout_truncated": r.StdoutTruncated,
		"stderr_truncated": r.StderrTruncated,
		"profile":          roundTrip(r.Profile),
		"command":          nil,
	}
	if r.Signal != nil {
		m["signal"] = roundTrip(*r.Signal)
	}
	if r.Command != nil {
		cmd := make([]string, len(r.Command))
		for i, a := range r.Command {
			cmd[i] = roundTrip(a)
		}
		m["command"] = cmd
	}
	if r.Error != "" {
		m["error"] = roundTrip(r.Error)
	}
	return json.Marshal(m)
}

// roundTrip is s as encoding and decoding it again gives it back:
// encoding/json writes each byte that is not part of a UTF-8 character as
// \ufffd, one for each byte.
func roundTrip(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, c := range s { // a byte that is no character comes as U+FFFD
		b.WriteRune(c)
	}
	return b.String()
}
