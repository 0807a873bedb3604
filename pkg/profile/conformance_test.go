package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/shannot-project/shannot/internal/jsonerr"
)

// The conformance oracle: schema.json through a full draft 2020-12
// validator. Only tests link it; a launch uses validate.go.
var oracle = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("profile.schema.json", bytes.NewReader(schemaJSON)); err != nil {
		return nil, err
	}
	return c.Compile("profile.schema.json")
})

// judgeable returns the document in data when the schema can judge it:
// at most MaxSize bytes of UTF-8 that decode as JSON with no key twice.
// Parse refuses everything else before the schema-level checks.
func judgeable(data []byte) (doc any, ok bool) {
	if len(data) > MaxSize || !utf8.Valid(data) || json.Unmarshal(data, &doc) != nil || jsonerr.Duplicates(data) != nil {
		return nil, false
	}
	return doc, true
}

// agree checks one judgeable document: the schema (through the oracle)
// and the launch validator give the same verdict, and where the oracle
// finds exactly one failure the launch names the same place. It returns
// the verdict.
func agree(t *testing.T, name string, doc any) (accepted bool) {
	t.Helper()
	v5, err := oracle()
	if err != nil {
		t.Fatalf("schema.json does not compile under jsonschema/v5: %v", err)
	}
	want := v5.Validate(doc)
	got := profileSchema.validate(doc)
	switch {
	case want == nil && got != nil:
		t.Errorf("%s: the schema accepts it, the launch validator refuses it: %s: %s", name, got.pointer, got.msg)
	case want != nil && got == nil:
		t.Errorf("%s: the schema refuses it (%v), the launch validator accepts it", name, want)
	case want != nil:
		var ve *jsonschema.ValidationError
		if !errors.As(want, &ve) {
			t.Fatalf("%s: oracle error %T: %v", name, want, want)
		}
		leaves := leafErrors(ve)
		if len(leaves) != 1 {
			break
		}
		// v5 URL-escapes the tokens of its locations and drops empty
		// ones (the key ""); the launch's are RFC 6901's. An unknown key
		// is v5's failure of the object, the launch's of the key.
		loc, err := url.PathUnescape(leaves[0].InstanceLocation)
		if err != nil {
			t.Fatalf("%s: oracle location %q: %v", name, leaves[0].InstanceLocation, err)
		}
		at := orRoot(loc)
		unknownKey := strings.HasSuffix(leaves[0].KeywordLocation, "/additionalProperties")
		same := got.pointer == at || got.pointer == loc+"/" || unknownKey && path.Dir(got.pointer) == at
		if !same {
			t.Errorf("%s: the schema's one failure is at %s (%s), the launch validator's at %s (%s)", name, at, leaves[0].Message, got.pointer, got.msg)
		}
	}
	return want == nil
}

func leafErrors(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, leafErrors(c)...)
	}
	return out
}

// schemaCases probe each keyword of schema.json at its edges, on both
// sides. Lengths count characters: é and ü are two bytes each.
var schemaCases = []struct{ name, json string }{
	{"top: array", `[]`},
	{"top: string", `"x"`},
	{"top: number", `1`},
	{"top: null", `null`},
	{"top: boolean", `true`},
	{"no name", `{}`},
	{"misspelt name", `{"nmae": "x"}`},
	{"name: 255 characters", `{"name": "` + strings.Repeat("é", 255) + `"}`},
	{"name: 256 characters", `{"name": "` + strings.Repeat("é", 256) + `"}`},
	{"name: 256 bytes, 128 characters", `{"name": "` + strings.Repeat("é", 128) + `"}`},
	{"name: empty", `{"name": ""}`},
	{"name: null", `{"name": null}`},
	{"name: number", `{"name": 1.5}`},
	{"name: array", `{"name": ["x"]}`},
	{"name: lone surrogate", `{"name": "\ud800"}`},
	{"name: NUL", `{"name": "\u0000"}`},
	{"description: 4096 characters", `{"name": "x", "description": "` + strings.Repeat("ü", 4096) + `"}`},
	{"description: 4097 characters", `{"name": "x", "description": "` + strings.Repeat("ü", 4097) + `"}`},
	{"description: empty", `{"name": "x", "description": ""}`},
	{"description: number", `{"name": "x", "description": 1}`},
	{"$schema: string", `{"$schema": "./profile.schema.json", "name": "x"}`},
	{"$schema: empty", `{"$schema": "", "name": "x"}`},
	{"$schema: number", `{"$schema": 1, "name": "x"}`},
	{"$schema: null", `{"$schema": null, "name": "x"}`},
	{"$id: unknown", `{"$id": "x", "name": "x"}`},
	{"seccomp_profile: null", `{"name": "x", "seccomp_profile": null}`},
	{"seccomp_profile: empty", `{"name": "x", "seccomp_profile": ""}`},
	{"seccomp_profile: path", `{"name": "x", "seccomp_profile": "a"}`},
	{"seccomp_profile: boolean", `{"name": "x", "seccomp_profile": true}`},
	{"seccomp_profile: array", `{"name": "x", "seccomp_profile": []}`},
	{"allowed_commands: empty", `{"name": "x", "allowed_commands": []}`},
	{"allowed_commands: empty string", `{"name": "x", "allowed_commands": ["ls", ""]}`},
	{"allowed_commands: number", `{"name": "x", "allowed_commands": [1]}`},
	{"allowed_commands: string", `{"name": "x", "allowed_commands": "ls"}`},
	{"allowed_commands: null", `{"name": "x", "allowed_commands": null}`},
	{"binds: empty", `{"name": "x", "binds": []}`},
	{"binds: object", `{"name": "x", "binds": {"source": "/usr", "target": "/usr"}}`},
	{"bind: empty", `{"name": "x", "binds": [{}]}`},
	{"bind: no target", `{"name": "x", "binds": [{"source": "/a"}]}`},
	{"bind: misspelt target", `{"name": "x", "binds": [{"source": "/a", "traget": "/a"}]}`},
	{"bind: empty source", `{"name": "x", "binds": [{"source": "", "target": "/a"}]}`},
	{"bind: empty target", `{"name": "x", "binds": [{"source": "/a", "target": ""}]}`},
	{"bind: number", `{"name": "x", "binds": [1]}`},
	{"bind: null", `{"name": "x", "binds": [null]}`},
	{"bind: all keys", `{"name": "x", "binds": [{"source": "/a", "target": "/a", "read_only": false, "create_target": false, "optional": true}]}`},
	{"bind: optional string", `{"name": "x", "binds": [{"source": "/a", "target": "/a", "optional": "yes"}]}`},
	{"bind: read_only null", `{"name": "x", "binds": [{"source": "/a", "target": "/a", "read_only": null}]}`},
	{"bind: create_target number", `{"name": "x", "binds": [{"source": "/a", "target": "/a", "create_target": 1}]}`},
	{"bind: second one wrong", `{"name": "x", "binds": [{"source": "/a", "target": "/a"}, {"source": "/b", "target": 2}]}`},
	{"tmpfs_paths: empty string", `{"name": "x", "tmpfs_paths": [""]}`},
	{"tmpfs_paths: path", `{"name": "x", "tmpfs_paths": ["/t"]}`},
	{"tmpfs_paths: string", `{"name": "x", "tmpfs_paths": "/t"}`},
	{"environment: empty", `{"name": "x", "environment": {}}`},
	{"environment: empty name", `{"name": "x", "environment": {"": "x"}}`},
	{"environment: = in name", `{"name": "x", "environment": {"A=": "x"}}`},
	{"environment: = alone", `{"name": "x", "environment": {"=": "x"}}`},
	{"environment: newline in name", `{"name": "x", "environment": {"A\nB": "x"}}`},
	{"environment: non-ASCII name", `{"name": "x", "environment": {"é": "x"}}`},
	{"environment: null value", `{"name": "x", "environment": {"A": null}}`},
	{"environment: object value", `{"name": "x", "environment": {"A": {}}}`},
	{"environment: empty value", `{"name": "x", "environment": {"A": ""}}`},
	{"environment: array", `{"name": "x", "environment": ["A=b"]}`},
	{"environment: bad name and bad value", `{"name": "x", "environment": {"B": 1, "A=": "x"}}`},
	{"network_isolation: null", `{"name": "x", "network_isolation": null}`},
	{"network_isolation: 0", `{"name": "x", "network_isolation": 0}`},
	{"user_namespace_isolation: string", `{"name": "x", "user_namespace_isolation": "false"}`},
	{"additional_args: number", `{"name": "x", "additional_args": [1]}`},
	{"additional_args: null item", `{"name": "x", "additional_args": [null]}`},
	{"additional_args: empty string", `{"name": "x", "additional_args": ["--hostname", ""]}`},
	{"additional_args: string", `{"name": "x", "additional_args": "--hostname x"}`},
	{"host_view: a view", `{"name": "x", "host_view": ["hostname"]}`},
	{"host_view: every view", `{"name": "x", "host_view": ["processes", "network", "filesystems", "hostname", "logs"]}`},
	{"host_view: unknown view", `{"name": "x", "host_view": ["hostnames"]}`},
	{"host_view: view with a newline", `{"name": "x", "host_view": ["logs\n"]}`},
	{"host_view: empty view", `{"name": "x", "host_view": [""]}`},
	{"host_view: number", `{"name": "x", "host_view": [1]}`},
	{"host_view: string", `{"name": "x", "host_view": "logs"}`},
	{"two failures", `{"name": 1, "binds": [{}], "tmpfs_paths": [""]}`},
	{"unknown key and a failure", `{"name": 1, "zzz": 1}`},
}

type input struct {
	name string
	data []byte
}

// conformanceInputs gathers every input the package's tests know: the
// files under testdata (fuzz corpora decoded), the shipped profiles, the
// malformed profiles of the unit tests, schemaCases and the fuzz seeds.
func conformanceInputs(t testing.TB) []input {
	var in []input
	add := func(name string, data string) { in = append(in, input{name, []byte(data)}) }
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(data, []byte("go test fuzz v1\n")) {
			in = append(in, input{p, data})
			return nil
		}
		values, err := corpusValues(data)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		for i, v := range values {
			in = append(in, input{fmt.Sprintf("%s[%d]", p, i), v})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := filepath.Glob(filepath.Join("..", "..", "profiles", "*.json"))
	if err != nil || len(shipped) == 0 {
		t.Fatalf("no shipped profiles: %v", err)
	}
	for _, f := range shipped {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, input{f, data})
	}
	for _, tc := range parseErrorCases {
		add("TestParseErrors/"+tc.name, tc.json)
	}
	for _, args := range additionalArgsOK {
		add("TestAdditionalArgs ok ["+args+"]", additionalArgsDoc(args))
	}
	for _, tc := range additionalArgsRefused {
		add("TestAdditionalArgs ["+tc.args+"]", additionalArgsDoc(tc.args))
	}
	for _, tc := range echoCases() {
		add("TestEchoesAreShortAndEscaped/"+tc.name, tc.json)
	}
	for _, tc := range schemaCases {
		add("schemaCases/"+tc.name, tc.json)
	}
	for i, s := range fuzzParseSeeds {
		add("FuzzParse seed "+strconv.Itoa(i), s)
	}
	return in
}

// fuzzParseSeeds are the seeds FuzzParse adds besides the shipped
// profiles.
var fuzzParseSeeds = []string{
	`{"name": "x", "binds": [{"source": "a", "target": "/a"}]}`,
	`{"name": "\u0000"}`,
	`{"name": "x", "binds": [{"source": "data", "target": "/data"}], "seccomp_profile": "f/filter.bpf"}`,
}

// corpusValues decodes a file of Go's fuzz corpus format holding []byte
// (or string) values.
func corpusValues(data []byte) ([][]byte, error) {
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")[1:]
	var out [][]byte
	for _, l := range lines {
		lit, ok := strings.CutPrefix(l, "[]byte(")
		if !ok {
			lit, ok = strings.CutPrefix(l, "string(")
		}
		lit, ok2 := strings.CutSuffix(lit, ")")
		if !ok || !ok2 {
			return nil, fmt.Errorf("not a []byte or string value: %.60q", l)
		}
		s, err := strconv.Unquote(lit)
		if err != nil {
			return nil, fmt.Errorf("%.60q: %w", l, err)
		}
		out = append(out, []byte(s))
	}
	return out, nil
}

// TestSchemaConformance: for every input the tests know, schema.json
// (through jsonschema/v5) and the launch validator agree on whether it
// is a valid profile; and Parse, whose further checks only refuse more,
// accepts nothing the schema refuses. See the package documentation.
func TestSchemaConformance(t *testing.T) {
	var judged, accepted, refusedLater int
	for _, in := range conformanceInputs(t) {
		doc, ok := judgeable(in.data)
		if !ok {
			continue
		}
		judged++
		ok = agree(t, in.name, doc)
		_, err := Parse(in.data, Origin{Path: "/p.json"})
		switch {
		case ok:
			accepted++
			if err != nil {
				refusedLater++
			}
		case err == nil:
			t.Errorf("%s: Parse accepts what the schema refuses", in.name)
		}
	}
	// Both verdicts occur, and the semantic checks refuse some of what
	// the schema accepts: a validator that always answered the same way
	// would fail here.
	t.Logf("%d inputs judged: %d valid by the schema (%d of them refused by Parse's further checks), %d invalid", judged, accepted, refusedLater, judged-accepted)
	if judged < 150 || accepted < 50 || judged-accepted < 50 || refusedLater < 50 {
		t.Errorf("too few inputs on each side: %d judged, %d accepted, %d refused later", judged, accepted, refusedLater)
	}
}

// TestLaunchValidatorRefusesUnknownKeywords: a keyword schema.json may
// gain that validate.go does not implement stops the schema from
// compiling, instead of being silently ignored at launch.
func TestLaunchValidatorRefusesUnknownKeywords(t *testing.T) {
	for _, s := range []string{
		`{"type": "object", "properties": {"name": {"type": "string", "enum": ["a"]}}}`,
		`{"type": "object", "properties": {"n": {"type": "integer"}}}`,
		`{"items": {"const": 1}}`,
		`{"patternProperties": {}}`,
	} {
		if _, err := compileSchema([]byte(s)); err == nil {
			t.Errorf("%s: compiled", s)
		}
	}
	if _, err := compileSchema(schemaJSON); err != nil {
		t.Fatalf("schema.json: %v", err)
	}
}

// FuzzSchemaAgreement: on any input the schema can judge, schema.json
// through jsonschema/v5 and the launch validator agree.
func FuzzSchemaAgreement(f *testing.F) {
	for _, in := range conformanceInputs(f) {
		if len(in.data) <= 64<<10 {
			f.Add(in.data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if doc, ok := judgeable(data); ok {
			agree(t, "input", doc)
		}
	})
}
