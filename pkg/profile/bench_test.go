package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// BenchmarkCompileSchema is what reading schema.json would cost a launch
// (compileSchema); schema_gen.go holds it compiled, so a launch pays
// nothing.
func BenchmarkCompileSchema(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := compileSchema(schemaJSON); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileSchemaV5 is what the conformance oracle pays to
// compile schema.json, on top of the meta-schemas its init compiles (a
// launch paid both until issue 14).
func BenchmarkCompileSchemaV5(b *testing.B) {
	for i := 0; i < b.N; i++ {
		c := jsonschema.NewCompiler()
		c.Draft = jsonschema.Draft2020
		if err := c.AddResource("profile.schema.json", bytes.NewReader(schemaJSON)); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Compile("profile.schema.json"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate is the schema-level check alone of the shipped
// diagnostics profile: the launch validator, and the oracle.
func BenchmarkValidate(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "profiles", "diagnostics.json"))
	if err != nil {
		b.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		b.Fatal(err)
	}
	v5, err := oracle()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("launch", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := profileSchema.validate(doc); err != nil {
				b.Fatal(err.msg)
			}
		}
	})
	b.Run("v5", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := v5.Validate(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOpenBuiltin loads and validates the built-in default profile,
// as every run without --profile does (schema already compiled).
func BenchmarkOpenBuiltin(b *testing.B) {
	o := Origin{Path: "diagnostics.json", Builtin: true}
	for i := 0; i < b.N; i++ {
		if _, err := Open(o, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadLarge loads a profile with 1,000 binds and 1,000
// environment variables from a file.
func BenchmarkLoadLarge(b *testing.B) {
	f := writeLarge(b, 1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Open(Origin{Path: f}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// writeLarge writes a profile with n binds (all of /usr's first n
// entries, or /usr again under other names) and n variables.
func writeLarge(tb testing.TB, n int) string {
	type bind struct {
		Source string `json:"source"`
		Target string `json:"target"`
	}
	doc := map[string]any{"name": "large"}
	var binds []bind
	env := map[string]string{}
	for i := 0; i < n; i++ {
		binds = append(binds, bind{Source: "/usr", Target: fmt.Sprintf("/mnt/u%04d", i)})
		env[fmt.Sprintf("VAR_%04d", i)] = fmt.Sprintf("value %d", i)
	}
	doc["binds"], doc["environment"] = binds, env
	data, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	f := filepath.Join(tb.TempDir(), "large.json")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return f
}

// BenchmarkParse validates each shipped profile from bytes already in
// memory, as a launch does after reading the file (schema ready).
func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"minimal", "diagnostics"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "profiles", name+".json"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Parse(data, Origin{Path: name + ".json", Builtin: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
