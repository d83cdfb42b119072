package validate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLintParseJSONataErrors checks the messages of jsonata's parser, as the
// validator gives them, against the ones AWS answers with (jsonata-js's,
// without the error code).
func TestLintParseJSONataErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr, want string
	}{
		{`a[1,2)`, `Expected "]", got ","`},
		{`"unterminated`, `String literal must be terminated by a matching quote`},
		{`1 +`, `Unexpected end of expression`},
		{`{"a":}`, `The symbol "}" cannot be used as a unary operator`},
		{`$x :=`, `Unexpected end of expression`},
		{`$match("a", /abc`, `No terminating / in regular expression`},
		{`phone %.other`, `The symbol "." cannot be used as a unary operator`},
		{``, `Unexpected end of expression`},
		{`10 + * 2`, `Syntax error: 2`},
		{`$sum($states.input.items.numbers`, `Expected ")" before end of expression`},
		{`$.store.book[?(@.price < 10)].title`, `The symbol "?" cannot be used as a unary operator`},
		// jsonata-js processes a path's right side before it checks its steps
		{`420.`, `Unexpected end of expression`},
		{`420.a`, `The literal value 420 cannot be used as a step within a path expression`},
		{`1 2`, `Syntax error: 2`},
		{`a ! b`, `Unknown operator: "!"`},
		{`"\q"`, `Unsupported escape sequence: \"q"`},
		{`"\u12"`, `The escape sequence \u must be followed by 4 hex digits`},
		{"`name", "Quoted property name must be terminated with a backquote (`)"},
		{`/* open`, `Comment has no closing tag`},
		{`$match(x, //)`, `Empty regular expressions are not allowed`},
		{`function(a){1}`, `Parameter 1 of function definition must be a variable name (start with $)`},
		{`1 := 2`, `The left side of := must be a variable name (start with $)`},
		{`a@b`, `The right side of "@" must be a variable name (start with $)`},
		{`(1; 2`, `Expected ")" before end of expression`},
		{`1e999`, `Number out of range: "1e999"`},
	}
	for _, tt := range tests {
		_, err := lintCompileJSONata(tt.expr)
		if err == nil {
			t.Errorf("%q: parsed, want error %q", tt.expr, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%q: error %q, want %q", tt.expr, err.Error(), tt.want)
		}
	}
}

// TestLintParseJSONataValid parses expressions Step Functions accepts.
func TestLintParseJSONataValid(t *testing.T) {
	t.Parallel()
	exprs := []string{
		`10`,
		`$states.input.a.b[0]`,
		`$sum($states.input.numbers)`,
		`$states.input.x > 1 ? 'big' : 'small'`,
		`$not(null in $each($states.input.a, function($v) { $length($trim($v)) > 0 ? $v : null }))`,
		`($e := $x.email; $n := $x.first & ' ' & $x.last; $x.interests[category = 'home']{'customer': $n, 'total': $sum(value), category: {type: year}})`,
		`$match($states.input.email, /^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$/i)`,
		`[1..5]`,
		`$states.input.items^(>price, name)`,
		`$states.input ~> $keys()`,
		`$states.input.a ?: 'default'`,
		`$states.input.a ?? 'default'`,
		`$states.input.items#$i[$i < 2]`,
		`$states.input.items@$item.name`,
		`| $states.input | {'a': 1}, ['b'] |`,
		`$f := function($x)<n:n>{ $x * 2 }`,
		`$map([1,2], $string)`,
		`$partial := $substring(?, 0, 2)`,
		`/* a comment */ 1`,
		"$states.input.`field with spaces`",
		`-$states.input.n`,
		`$states.input.**.id`,
		`$states.input.*`,
		`{"a": 1, "b": [true, false, null]}`,
		`"a \"quoted\" \u00e9 string"`,
	}
	for _, e := range exprs {
		if _, err := lintCompileJSONata(e); err != nil {
			t.Errorf("%q: %v", e, err)
		}
	}
}

// TestLintJSONataRefs checks what an expression reads from the top-level
// context, which Step Functions refuses.
func TestLintJSONataRefs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr        string
		errorOutput bool
		want        string // the references, comma-separated
	}{
		{`$states.input.a`, false, ``},
		{`$$`, false, `$$`},
		{`$`, false, `$`},
		{`phone`, false, `phone`},
		{`phone.number`, false, `phone`},
		{`$states.input.a[b = 1].c`, false, ``},
		{`{aaa: 1}`, false, `aaa`},
		{`{"aaa": 1}`, false, ``},
		{`$map($states.input.a, function($x){ b })`, false, `b`},
		{`$x := phone`, false, `phone`},
		{`a + b`, false, `a, b`},
		{`$states.errorOutput.Cause`, false, `$states.errorOutput`},
		{`$states.errorOutput.Cause`, true, ``},
		{`$states.input.items^(price)`, false, ``},
		{`x ? y : z`, false, `x, y, z`},
		{`$count($states.input) > 0 and ok`, false, `ok`},
	}
	for _, tt := range tests {
		e, err := lintCompileJSONata(tt.expr)
		if err != nil {
			t.Errorf("%q: %v", tt.expr, err)
			continue
		}
		if got := strings.Join(lintTopLevelRefs(e.References(), tt.errorOutput), ", "); got != tt.want {
			t.Errorf("%q: references %q, want %q", tt.expr, got, tt.want)
		}
	}
}

// TestLintParseJSONataSuite runs the expressions of the jsonata-js test suite
// (../shared/jsonata/groups) through the validator's compile: a case
// expecting a syntax error (a code S0...) must fail to parse, every other
// case must parse.
func TestLintParseJSONataSuite(t *testing.T) {
	t.Parallel()
	dir := lintSharedDir(t, "jsonata", "groups")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if len(files) == 0 {
		if os.Getenv("STEPD_SHARED") != "" {
			t.Fatalf("no JSONata test suite at %s", dir)
		}
		t.Skipf("no JSONata test suite at %s: skipping (set STEPD_SHARED)", dir)
	}
	var total, agree int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var raw any
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		list, isList := raw.([]any)
		if !isList {
			list = []any{raw}
		}
		for _, e := range list {
			c, _ := e.(map[string]any)
			expr, ok := c["expr"].(string)
			if !ok {
				continue
			}
			code, _ := c["code"].(string)
			total++
			_, err := lintCompileJSONata(expr)
			if wantErr := strings.HasPrefix(code, "S0"); (err != nil) != wantErr {
				t.Errorf("%s: %q (code %q): parse error %v", filepath.Base(f), expr, code, err)
				continue
			}
			agree++
		}
	}
	t.Logf("%d/%d expressions parse as jsonata-js parses them", agree, total)
}

// TestValidateJSONataDelimiters checks where a string of a JSONata state is an
// expression: it starts with "{%" and ends with "%}", with or without space
// inside (AWS's console starter packs write "{%$states.context...%}"); a string
// with text outside both delimiters is a literal, and one with text outside only
// one of them is refused.
func TestValidateJSONataDelimiters(t *testing.T) {
	t.Parallel()
	pass := func(fields string) string {
		return `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", ` + fields + `, "End": true}}}`
	}
	runLintForms(t, []lintFormCase{
		{"variable", pass(`"Assign": {"x": 1, "y": "{%$x%}"}`), ""},
		{"states input", pass(`"Output": "{%$states.input%}"`), ""},
		{"Output field", pass(`"Output": {"a": "{%$states.input.a%}", "b": ["{%1+1%}"]}`), ""},
		{"space on one side", pass(`"Output": "{% $states.input%}"`), ""},
		{"tab and newline", pass(`"Output": "{%\t$states.input\n%}"`), ""},
		{"Wait Seconds", `{"QueryLanguage": "JSONata", "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": "{%$states.input.n%}", "End": true}}}`, ""},
		{"Choice Condition", `{"QueryLanguage": "JSONata", "StartAt": "C", "States": {"C": {"Type": "Choice", ` +
			`"Choices": [{"Condition": "{%$states.input.ok%}", "Next": "D"}], "Default": "D"}, "D": {"Type": "Pass", "End": true}}}`, ""},
		{"text outside on both sides is a literal", pass(`"Output": {"a": " {%$states.input%} ", "b": "x {%%} y"}`), ""},

		{"empty expression", pass(`"Output": "{%%}"`), "/States/P/Output: Unexpected end of expression"},
		{"no inner spaces, bad expression", pass(`"Output": "{%$states.input(%}"`), "/States/P/Output: Expected \")\" before end of expression"},
		{"no inner spaces, top-level reference", pass(`"Output": "{%input%}"`), "/States/P/Output: Reference to 'input' at the top level is not supported."},
		{"unclosed", pass(`"Output": "{%$states.input"`), "/States/P/Output: A JSONata expression must start with"},
		{"text after the close", pass(`"Output": "{%$states.input%} "`), "/States/P/Output: A JSONata expression must start with"},
	})
}
