package mcpserver

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
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
// character), integers as integers (the float64 the map held them as
// holds every exit code and duration exactly), and "error" left out when
// empty (omitempty). It writes the object itself: a tenth of the time a
// map's marshalling took.
func structuredReport(r sandbox.Report) (json.RawMessage, error) {
	b := make([]byte, 0, 256+len(r.Stdout)+len(r.Stderr))
	var err error
	str := func(s string) {
		if err == nil {
			var q []byte
			q, err = json.Marshal(roundTrip(s))
			b = append(b, q...)
		}
	}
	b = append(b, `{"command":`...)
	if r.Command == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, a := range r.Command {
			if i > 0 {
				b = append(b, ',')
			}
			str(a)
		}
		b = append(b, ']')
	}
	b = append(b, `,"duration_ms":`...)
	b = strconv.AppendInt(b, r.DurationMS, 10)
	if r.Error != "" {
		b = append(b, `,"error":`...)
		str(r.Error)
	}
	b = append(b, `,"exit_code":`...)
	b = strconv.AppendInt(b, int64(r.ExitCode), 10)
	b = append(b, `,"profile":`...)
	str(r.Profile)
	b = append(b, `,"signal":`...)
	if r.Signal == nil {
		b = append(b, "null"...)
	} else {
		str(*r.Signal)
	}
	b = append(b, `,"stderr":`...)
	str(r.Stderr)
	b = append(b, `,"stderr_encoding":`...)
	str(r.StderrEncoding)
	b = append(b, `,"stderr_truncated":`...)
	b = strconv.AppendBool(b, r.StderrTruncated)
	b = append(b, `,"stdout":`...)
	str(r.Stdout)
	b = append(b, `,"stdout_encoding":`...)
	str(r.StdoutEncoding)
	b = append(b, `,"stdout_truncated":`...)
	b = strconv.AppendBool(b, r.StdoutTruncated)
	b = append(b, `,"timed_out":`...)
	b = strconv.AppendBool(b, r.TimedOut)
	b = append(b, '}')
	return b, err
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
