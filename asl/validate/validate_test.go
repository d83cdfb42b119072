package validate

import (
	"flag"
	"github.com/stepd/stepd/asl"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stepd/stepd/jsonvalue"
)

var lintUpdate = flag.Bool("update", false, "rewrite the golden files of testdata/lint")

// lintGolden renders diagnostics one per line, as the golden files hold them.
func lintGolden(diags []asl.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		loc := d.Location
		if loc == "" {
			loc = "-"
		}
		b.WriteString(string(d.Severity) + " " + d.Code + " " + loc + ": " + d.Message + "\n")
	}
	return b.String()
}

// TestValidateTestdata validates every definition of testdata/lint and
// compares the diagnostics (severity, code, location and message) with the
// definition's .golden file. A name starting with "valid-" must have no error,
// one starting with "invalid-" at least one; ".express." in a name validates it
// as an Express state machine. Run with -update to rewrite the golden files.
func TestValidateTestdata(t *testing.T) {
	jsonFiles, _ := filepath.Glob(filepath.Join("testdata", "lint", "*.asl.json"))
	yamlFiles, _ := filepath.Glob(filepath.Join("testdata", "lint", "*.asl.yaml"))
	files := append(jsonFiles, yamlFiles...)
	if len(files) == 0 {
		t.Fatal("no definitions in testdata/lint")
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{}
			if strings.Contains(name, ".express.") {
				opts.Type = "EXPRESS"
			}
			diags := Text(text, opts)
			switch {
			case strings.HasPrefix(name, "valid-") && lintHasError(diags):
				t.Errorf("valid definition has errors:\n%s", lintGolden(diags))
			case strings.HasPrefix(name, "invalid-") && !lintHasError(diags):
				t.Errorf("invalid definition has no error:\n%s", lintGolden(diags))
			}
			golden := strings.TrimSuffix(file, filepath.Ext(file)) + ".golden"
			got := lintGolden(diags)
			if *lintUpdate {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestValidateTestdata -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("diagnostics differ from %s\ngot:\n%swant:\n%s", golden, got, want)
			}
		})
	}
}

// TestValidateStable checks that validating the same definition twice, and
// concurrently, gives the same diagnostics in the same order.
func TestValidateStable(t *testing.T) {
	t.Parallel()
	text, err := os.ReadFile(filepath.Join("testdata", "lint", "invalid-retry-catch.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, diags := asl.ReadDocument(text)
	if doc == nil {
		t.Fatalf("asl.ReadDocument: %v", diags)
	}
	want := lintGolden(Document(doc, Options{}))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := lintGolden(Document(doc, Options{})); got != want {
				t.Errorf("diagnostics changed between runs:\n%s\nvs\n%s", got, want)
			}
		}()
	}
	wg.Wait()
}

// TestValidateNilDocument checks that a nil document is an error, not a panic.
func TestValidateNilDocument(t *testing.T) {
	t.Parallel()
	if diags := Document(nil, Options{}); !lintHasError(diags) {
		t.Fatalf("Document(nil) = %v, want an error", diags)
	}
}

func TestReadDocument(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		want       string // the document as compact JSON, or the first diagnostic's code and message
	}{
		{"json", `{"b": 1, "a": [true, null, 1.50]}`, `{"b":1,"a":[true,null,1.50]}`},
		{"json with spaces", " \n\t{}\n", `{}`},
		{"empty", "", "MISSING_DESCRIPTION: Received a null or empty workflow input."},
		{"blank", " \n ", "SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object"},
		{"bare word", "not a definition",
			// AWS's recording, to the letter.
			"INVALID_JSON_DESCRIPTION: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]"},
		{"trailing comma", "{\"a\": 1,\n}", "INVALID_JSON_DESCRIPTION: Unexpected character ('}' (code 125)): was expecting double-quote to start field name\n at [Source: (String)\"{\"a\": 1,\n}\"; line: 2, column: 2]"},
		{"unclosed object", "{\"a\": 1", "INVALID_JSON_DESCRIPTION: Unexpected end-of-input: expected close marker for Object\n at [Source: (String)\"{\"a\": 1\"; line: 1, column: 8]"},
		{"duplicate key", `{"a": {"b": 1, "b": 2}}`, "INVALID_JSON_DESCRIPTION: Duplicate field 'b'"},
		{"duplicate escaped key", `{"a\u0062": 1, "ab": 2}`, "INVALID_JSON_DESCRIPTION: Duplicate field 'ab'"},
		{"array", `[1]`, "SCHEMA_VALIDATION_FAILED: Expected value of type [OBJECT]"},
		{"yaml", "b: 1\na: [x, 'y', 2.5, 0o17, 1_000, ~, true]\n", `{"b":1,"a":["x","y",2.5,15,1000,null,true]}`},
		{"yaml timestamp stays a string", "t: 2024-01-02T03:04:05Z\n", `{"t":"2024-01-02T03:04:05Z"}`},
		{"yaml merge", "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", `{"base":{"x":1,"y":2},"use":{"y":3,"x":1}}`},
		{"yaml duplicate", "a: 1\na: 2\n", "INVALID_JSON_DESCRIPTION: Duplicate field 'a' at line 2, column 1"},
		{"yaml tag", "a: !Ref X\n", "INVALID_JSON_DESCRIPTION: invalid YAML at line 1, column 4: the tag !Ref has no JSON value"},
		{"yaml infinity", "a: .inf\n", "INVALID_JSON_DESCRIPTION: invalid YAML at line 1, column 4: the number .inf has no JSON value"},
		{"yaml scalar", "just text\n",
			"INVALID_JSON_DESCRIPTION: Unrecognized token 'just': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"just text\n\"; line: 1, column: 5]"},
		{"yaml syntax", "a: [1, 2\n", "INVALID_JSON_DESCRIPTION: invalid YAML: line 1: did not find expected ',' or ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, diags := asl.ReadDocument([]byte(tt.text))
			var got string
			if len(diags) > 0 {
				if doc != nil {
					t.Errorf("document returned with diagnostics %v", diags)
				}
				got = diags[0].Code + ": " + diags[0].Message
			} else {
				got = jsonvalue.String(doc)
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestLintIsRFC3339(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"2016-03-14T01:59:00Z":           true,
		"2016-03-14T01:59:00.123456789Z": true,
		"2016-03-14t01:59:00z":           true,
		"2016-03-14T01:59:00+05:30":      true,
		"2024-02-29T00:00:00Z":           true,
		"2023-02-29T00:00:00Z":           false,
		"2016-13-05T21:29:29Z":           false,
		"2016-12-05T25:29:29Z":           false,
		"2016-12-05 21:29:29Z":           false,
		"2016-12-05T21:29:29":            false,
		"2016-12-05T21:29:29.Z":          false,
		"2016-12-05T21:29:29+0530":       false,
		"{% '2016-03-14T01:59:00Z' %}":   false,
	} {
		if got := lintIsRFC3339(s); got != want {
			t.Errorf("lintIsRFC3339(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestLintResource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		resource string
		express  bool
		want     string // "" when valid, else a word of the message
	}{
		{"arn:aws:lambda:us-east-1:123456789012:function:f", false, ""},
		{"arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST", false, ""},
		{"arn:aws:lambda:us-east-1:123456789012:function:f:prod", false, ""},
		{"arn:aws:lambda:us-east-1:123456789012:function:f:", false, "not recognized"},
		{"arn:aws-cn:states:::lambda:invoke", false, ""},
		{"arn:aws:states:::lambda:invoke.sync", false, "not recognized"},
		{"arn:aws:states:::states:startExecution.sync:2", false, ""},
		{"arn:aws:states:::states:startExecution.sync:2", true, "'.sync'"},
		{"arn:aws:states:::sns:publish.waitForTaskToken", true, "'.waitForTaskToken'"},
		{"arn:aws:states:::aws-sdk:dynamodb:query", false, ""},
		{"arn:aws:states:::aws-sdk:dynamodb:query.sync", false, "not recognized"},
		{"arn:aws:states:::aws-sdk:apigatewaymanagementapi:postToConnection", false, "not recognized"},
		{"arn:aws:states:::dynamodb:query", false, "arn:<partition>:states:::dynamodb:query"},
		{"arn:aws:states:::http:invoke", false, ""},
		{"arn:aws:states:us-east-1:123456789012:activity:a", false, ""},
		{"arn:aws:states:us-east-1:123456789012:activity:a", true, "Activity"},
		{"arn:aws:states:us-east-1:123456789012:stateMachine:a", false, "not recognized"},
		{"arn:aws:swf:us-east-1:123456789012:task:X", false, ""},
		{"foo:bar", false, "foo:bar is not recognized"},
		{"${LambdaArn}", false, "not recognized"},
	}
	for _, tt := range tests {
		v := &validator{express: tt.express}
		v.resource(tt.resource, "/States/T/Resource")
		var got string
		if len(v.diags) > 0 {
			got = v.diags[0].Message
		}
		switch {
		case tt.want == "" && got != "":
			t.Errorf("%s (express %v): %s", tt.resource, tt.express, got)
		case tt.want != "" && !strings.Contains(got, tt.want):
			t.Errorf("%s (express %v): got %q, want it to contain %q", tt.resource, tt.express, got, tt.want)
		}
	}
}

func TestLintVariableName(t *testing.T) {
	t.Parallel()
	for name, ok := range map[string]bool{
		"x": true, "_x": true, "count2": true, "größe": true, "top-level": true,
		"": false, "states": false, "2x": false, "a b": false, "a.b": false, "a$": false,
		strings.Repeat("v", 80): true, strings.Repeat("v", 81): false,
	} {
		if got := lintVariableNameProblem(name) == ""; got != ok {
			t.Errorf("variable name %q: valid=%v, want %v (%s)", name, got, ok, lintVariableNameProblem(name))
		}
	}
}

// TestValidateGoValues checks a document built in Go, whose numbers are Go
// ints and float64s rather than parsed Numbers.
func TestValidateGoValues(t *testing.T) {
	t.Parallel()
	v, err := jsonvalue.FromGo(map[string]any{
		"StartAt":        "T",
		"TimeoutSeconds": 300,
		"States": map[string]any{
			"T": map[string]any{
				"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
				"TimeoutSeconds": 30, "HeartbeatSeconds": int64(10),
				"Retry": []any{map[string]any{"ErrorEquals": []any{"States.ALL"}, "MaxAttempts": 2, "BackoffRate": 1.5}},
				"End":   true,
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if diags := Document(v.(*jsonvalue.Object), Options{}); len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", lintGolden(diags))
	}
}
