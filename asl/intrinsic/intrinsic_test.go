package intrinsic

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/asl/jsonpath"
	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// testEnv resolves paths the way the interpreter does: $ against the input, $$
// against the context object, $name against the variables.
type testEnv struct {
	input, context any
	vars           map[string]any
	random         int64 // RandomInt answers lo + random
	// budget, when set, bounds path arguments as package asl does: a path
	// past it fails with the budget's error.
	budget *budget.Budget
}

func (e *testEnv) Resolve(p *jsonpath.Path) (any, error) {
	var root any
	switch p.Root() {
	case jsonpath.RootContext:
		root = e.context
	case jsonpath.RootVariable:
		root = e.vars[p.Variable()]
	default:
		root = e.input
	}
	v, found, err := p.LookupWithin(root, e.budget)
	if errors.Is(err, budget.ErrExceeded) {
		return nil, err
	}
	if err != nil || !found {
		return nil, ArgumentNotFound(strings.Replace(p.String(), "$$", "$", 1), e.input)
	}
	return v, nil
}

func (e *testEnv) RandomInt(lo, hi int64) int64 { return min(lo+e.random, hi-1) }
func (e *testEnv) UUID() string                 { return "c2d4a6f5-9b1e-4e8a-8f3c-0a1b2c3d4e5f" }

var _ Env = (*testEnv)(nil)

func eval(t *testing.T, expr, input string) (any, error) {
	t.Helper()
	c, err := Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	env := &testEnv{
		input:   jsonvalue.MustParse(input),
		context: jsonvalue.MustParse(`{"Execution":{"Id":"arn:aws:states:us-east-1:111111111111:execution:sm:ex","Name":"ex"},"StateMachine":{"Id":"arn:aws:states:us-east-1:111111111111:stateMachine:sm","Name":"my-state-machine"}}`),
		vars:    map[string]any{"tpl": "v={}", "n": jsonvalue.Number("7")},
	}
	return c.Eval(env)
}

func TestEval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr, input, want string
	}{
		// States.Format
		{"format literal", `States.Format('Hello, my name is {}.', $.name)`, `{"name":"Arnav"}`, `"Hello, my name is Arnav."`},
		{"format template from path", `States.Format($.template, $.name)`, `{"name":"Arnav","template":"Hello, my name is {}."}`, `"Hello, my name is Arnav."`},
		{"format template from variable", `States.Format($tpl, $n)`, `{}`, `"v=7"`},
		{"format null", `States.Format('a {}.', $.v)`, `{"v":null}`, `"a null."`},
		{"format number keeps digits", `States.Format('{} {}', $.a, $.b)`, `{"a":1.50,"b":-2}`, `"1.50 -2"`},
		{"format boolean", `States.Format('{}', $.v)`, `{"v":true}`, `"true"`},
		{"format json string as is", `States.Format('{}', $.v)`, `{"v":"{\"Arg1\": 1, \"Arg2\": []}"}`, `"{\"Arg1\": 1, \"Arg2\": []}"`},
		{"format object like Java", `States.Format('{}', $.v)`, `{"v":{"Arg1":1,"Arg2":[],"s":"x","o":{"n":null}}}`, `"{Arg1=1, Arg2=[], s=x, o={n=null}}"`},
		{"format array like Java", `States.Format('{}', $.v)`, `{"v":[1,"a",[true]]}`, `"[1, a, [true]]"`},
		{"format context object", `States.Format('{}', $$.StateMachine)`, `{}`, `"{Id=arn:aws:states:us-east-1:111111111111:stateMachine:sm, Name=my-state-machine}"`},
		{"format escaped braces", `States.Format('\{\} {} \\ it\'s', 1)`, `{}`, `"{} 1 \\ it's"`},
		{"format literal args", `States.Format('{}{}{}{}', 'a', 2, true, null)`, `{}`, `"a2truenull"`},
		{"format no placeholders", `States.Format('plain')`, `{}`, `"plain"`},
		{"format nested", `States.Format('{}', States.Format('<{}>', $.a))`, `{"a":"x"}`, `"<x>"`},
		// States.StringToJson / JsonToString
		{"string to json object", `States.StringToJson($.s)`, `{"s":"{\"foo\": \"bar\"}"}`, `{"foo":"bar"}`},
		{"string to json blank", `States.StringToJson($.s)`, `{"s":" "}`, `null`},
		{"string to json empty", `States.StringToJson($.s)`, `{"s":""}`, `null`},
		{"string to json number", `States.StringToJson('1.50')`, `{}`, `1.50`},
		{"json to string", `States.JsonToString($.o)`, `{"o":{"foo":"bar","n":[1,2.0]}}`, `"{\"foo\":\"bar\",\"n\":[1,2.0]}"`},
		{"json to string string", `States.JsonToString($.o)`, `{"o":"HelloWorld"}`, `"\"HelloWorld\""`},
		{"json to string whole input", `States.JsonToString($)`, `{"a":1}`, `"{\"a\":1}"`},
		// States.Array
		{"array empty", `States.Array()`, `{}`, `[]`},
		{"array mixed", `States.Array('a', 1, true, null, $.o, States.Array())`, `{"o":{"k":[]}}`, `["a",1,true,null,{"k":[]},[]]`},
		// States.ArrayPartition
		{"partition", `States.ArrayPartition($.a, 4)`, `{"a":[1,2,3,4,5,6,7,8,9]}`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		{"partition empty", `States.ArrayPartition($.a, 2)`, `{"a":[]}`, `[]`},
		{"partition exact", `States.ArrayPartition($.a, 2)`, `{"a":[1,2]}`, `[[1,2]]`},
		// States.ArrayContains
		{"contains number", `States.ArrayContains($.a, 5)`, `{"a":[1,2,5]}`, `true`},
		{"contains absent", `States.ArrayContains($.a, $.v)`, `{"a":[],"v":null}`, `false`},
		{"contains array", `States.ArrayContains($.a, $.v)`, `{"a":[[1,2,3],2],"v":[1,2,3]}`, `true`},
		{"contains object any order", `States.ArrayContains($.a, $.v)`, `{"a":[{"1":2,"2":[]}],"v":{"2":[],"1":2}}`, `true`},
		{"contains integer is not decimal", `States.ArrayContains($.a, 1)`, `{"a":[1.0]}`, `false`},
		{"contains string is not number", `States.ArrayContains($.a, '1')`, `{"a":[1]}`, `false`},
		// States.ArrayRange
		{"range", `States.ArrayRange(1, 9, 2)`, `{}`, `[1,3,5,7,9]`},
		{"range end not reached", `States.ArrayRange(0, 10, 3)`, `{}`, `[0,3,6,9]`},
		{"range one", `States.ArrayRange(1, 9, 9)`, `{}`, `[1]`},
		{"range descending", `States.ArrayRange(5, 1, -2)`, `{}`, `[5,3,1]`},
		{"range wrong direction", `States.ArrayRange(5, 1, 2)`, `{}`, `[]`},
		{"range 1000 items", `States.ArrayLength(States.ArrayRange(1, 1000, 1))`, `{}`, `1000`},
		{"range integral decimal", `States.ArrayRange($.a, 2, 1)`, `{"a":1.0}`, `[1,2]`},
		// States.ArrayGetItem / ArrayLength / ArrayUnique
		{"get item", `States.ArrayGetItem($.a, 5)`, `{"a":[1,2,3,4,5,6,7,8,9]}`, `6`},
		{"get item object", `States.ArrayGetItem($.a, $.i)`, `{"a":[{"x":1}],"i":0}`, `{"x":1}`},
		{"length", `States.ArrayLength($.a)`, `{"a":[1,2,3]}`, `3`},
		{"length empty", `States.ArrayLength($.a)`, `{"a":[]}`, `0`},
		{"unique", `States.ArrayUnique($.a)`, `{"a":[1,2,3,3,3,3,3,3,4]}`, `[1,2,3,4]`},
		{"unique mixed", `States.ArrayUnique($.a)`, `{"a":[null,null,true,true,1,1,1.1,0,"x","x",[],[],[null],[null],{"a":1,"b":2},{"b":2,"a":1},{"a":1,"b":1}]}`, `[null,true,1,1.1,0,"x",[],[null],{"a":1,"b":2},{"a":1,"b":1}]`},
		// Base64 and Hash
		{"base64 encode", `States.Base64Encode($.s)`, `{"s":"Data to encode"}`, `"RGF0YSB0byBlbmNvZGU="`},
		{"base64 encode unicode", `States.Base64Encode('é😀')`, `{}`, `"w6nwn5iA"`},
		{"base64 encode empty", `States.Base64Encode('')`, `{}`, `""`},
		{"base64 decode", `States.Base64Decode($.s)`, `{"s":"RGF0YSB0byBlbmNvZGU="}`, `"Data to encode"`},
		{"base64 decode without padding", `States.Base64Decode('RGF0YSB0byBlbmNvZGU')`, `{}`, `"Data to encode"`},
		{"base64 decode invalid utf8", `States.Base64Decode('/w==')`, `{}`, `"\ufffd"`},
		{"hash md5", `States.Hash($.d, 'MD5')`, `{"d":"input data"}`, `"812f45842bc6d66ee14572ce20db8e86"`},
		{"hash sha1", `States.Hash($.d, 'SHA-1')`, `{"d":"input data"}`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{"hash sha256", `States.Hash($.d, $.a)`, `{"d":"input data","a":"SHA-256"}`, `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{"hash sha384", `States.Hash($.d, 'SHA-384')`, `{"d":"input data"}`, `"d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"`},
		{"hash sha512 empty", `States.Hash('', 'SHA-512')`, `{}`, `"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"`},
		// States.JsonMerge
		{"merge shallow", `States.JsonMerge($.a, $.b, false)`, `{"a":{"a":{"a1":1,"a2":2},"b":2,"d":3},"b":{"a":{"a3":1,"a4":2},"c":3,"d":4}}`, `{"a":{"a3":1,"a4":2},"b":2,"d":4,"c":3}`},
		{"merge deep flag from path false", `States.JsonMerge($.a, $.b, $.deep)`, `{"a":{},"b":{"x":1},"deep":false}`, `{"x":1}`},
		// States.MathRandom / MathAdd
		{"random from env", `States.MathRandom(1, 999)`, `{}`, `1`},
		{"random rounds bounds", `States.MathRandom($.a, $.b)`, `{"a":12.5,"b":44.51}`, `13`},
		{"random equal bounds", `States.MathRandom(5, 5)`, `{}`, `5`},
		{"add", `States.MathAdd($.v, $.step)`, `{"v":111,"step":-1}`, `110`},
		{"add rounds half up", `States.MathAdd($.a, $.b)`, `{"a":1.49,"b":1.5}`, `3`},
		{"add rounds negative half up", `States.MathAdd($.a, $.b)`, `{"a":-2.5,"b":-0.5}`, `-2`},
		{"add nested", `States.MathAdd(States.ArrayLength($.a), -1)`, `{"a":[1,2,3]}`, `2`},
		// States.StringSplit
		{"split", `States.StringSplit($.s, ',')`, `{"s":"1,2,3,4,5"}`, `["1","2","3","4","5"]`},
		{"split on every delimiter character", `States.StringSplit($.s, $.d)`, `{"s":"This.is+a,test=string","d":".+,="}`, `["This","is","a","test","string"]`},
		{"split drops empty pieces", `States.StringSplit(',,a,,b,', ',')`, `{}`, `["a","b"]`},
		{"split all delimiters", `States.StringSplit(',,,,', ',')`, `{}`, `[]`},
		{"split no delimiter found", `States.StringSplit(' ', ',')`, `{}`, `[" "]`},
		{"split unicode", `States.StringSplit('aéb', 'é')`, `{}`, `["a","b"]`},
		{"split newline", "States.StringSplit('Hello\nWorld', '\n')", `{}`, `["Hello","World"]`},
		// States.UUID
		{"uuid", `States.UUID()`, `{}`, `"c2d4a6f5-9b1e-4e8a-8f3c-0a1b2c3d4e5f"`},
		// AWS's documentation example with nine calls (its template has one {} too many).
		{"nine nested calls", `States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))`,
			`{"ImageRecipe":{"Arn":"arn:aws:imagebuilder:us-east-1:111122223333:image-recipe/a/1.0.2"}}`, `"1.0"`},
		{"spaces around arguments", "States.Array( 1 ,\t$.a , 'x' )", `{"a":2}`, `[1,2,"x"]`},
		{"path with brackets and commas", `States.Array($['a,b'], $.c[0], $.d[?(@ > 1)])`, `{"a,b":1,"c":[2],"d":[1,2,3]}`, `[1,2,[2,3]]`},
		{"path of variable", `States.ArrayLength($n.nope[*])`, `{}`, `0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := eval(t, tt.expr, tt.input)
			if err != nil {
				t.Fatalf("Eval(%s): %v", tt.expr, err)
			}
			if g, w := jsonvalue.String(got), jsonvalue.String(jsonvalue.MustParse(tt.want)); g != w {
				t.Errorf("Eval(%s)\n got %s\nwant %s", tt.expr, g, w)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr, input, cause string
	}{
		// The causes of missing arguments are AWS's, as recorded from real executions.
		{"missing argument", `States.Format('{}', $.nope)`, `{"other":1}`,
			`The function 'States.Format('{}', $.nope)' had the following error: The JsonPath argument for the field '$.nope' could not be found in the input '{"other":1}'`},
		{"nested call names the whole expression", `States.Format('{}', States.Format('{}', $.nope))`, `{"other":1}`,
			`The function 'States.Format('{}', States.Format('{}', $.nope))' had the following error: The JsonPath argument for the field '$.nope' could not be found in the input '{"other":1}'`},
		{"index past the end is a miss", `States.Format('{}', $.items[5])`, `{"items":[1,2]}`,
			`The function 'States.Format('{}', $.items[5])' had the following error: The JsonPath argument for the field '$.items[5]' could not be found in the input '{"items":[1,2]}'`},
		{"context path is written with one $", `States.Format('{}', $$.Nope.Deep)`, `{"other":1}`,
			`The function 'States.Format('{}', $$.Nope.Deep)' had the following error: The JsonPath argument for the field '$.Nope.Deep' could not be found in the input '{"other":1}'`},
		{"template from a missing path", `States.Format($.nope, 1)`, `{"other":1}`,
			`The function 'States.Format($.nope, 1)' had the following error: The JsonPath argument for the field '$.nope' could not be found in the input '{"other":1}'`},
		{"format count literal", `States.Format('{} {}', 1)`, `{}`,
			`The function 'States.Format('{} {}', 1)' had the following error: Number of arguments in States.Format does not match the number of placeholders: 2 placeholders and 1 argument`},
		{"format escaped braces are not placeholders", `States.Format('\{}', 1)`, `{}`, ""},
		{"format count from path", `States.Format($.t, 1)`, `{"t":"{} {}"}`,
			`The function 'States.Format($.t, 1)' had the following error: Number of arguments in States.Format does not match the number of placeholders: 2 placeholders and 1 argument`},
		{"format template not a string", `States.Format($.t)`, `{"t":1}`,
			`The function 'States.Format($.t)' had the following error: The value of argument 1 of States.Format must be a string, but was the number 1`},
		{"string to json invalid", `States.StringToJson($.s)`, `{"s":"{bad"}`, ""},
		{"string to json not a string", `States.StringToJson($.s)`, `{"s":{}}`, ""},
		{"partition size zero", `States.ArrayPartition($.a, $.n)`, `{"a":[1],"n":0}`, ""},
		{"partition size decimal", `States.ArrayPartition($.a, $.n)`, `{"a":[1],"n":1.5}`, ""},
		{"partition not array", `States.ArrayPartition($.a, 1)`, `{"a":"x"}`, ""},
		{"range too many", `States.ArrayRange(0, 1000, 1)`, `{}`,
			`The function 'States.ArrayRange(0, 1000, 1)' had the following error: States.ArrayRange would create 1001 items, more than the limit of 1000`},
		{"range step zero", `States.ArrayRange(0, 10, $.s)`, `{"s":0}`, ""},
		{"range decimal", `States.ArrayRange(0, $.e, 1)`, `{"e":1.5}`, ""},
		{"get item out of bounds", `States.ArrayGetItem($.a, 3)`, `{"a":[1,2,3]}`, ""},
		{"get item negative", `States.ArrayGetItem($.a, $.i)`, `{"a":[1,2,3],"i":-1}`, ""},
		{"length of object", `States.ArrayLength($.a)`, `{"a":{}}`, ""},
		{"base64 encode too long", `States.Base64Encode($.s)`, `{"s":"` + strings.Repeat("a", 10001) + `"}`, ""},
		{"base64 decode invalid", `States.Base64Decode($.s)`, `{"s":"***"}`, ""},
		{"base64 decode bad padding", `States.Base64Decode('QQ===')`, `{}`, ""},
		{"hash unknown algorithm", `States.Hash('x', $.a)`, `{"a":"SHA-3"}`, ""},
		{"hash too long", `States.Hash($.s, 'MD5')`, `{"s":"` + strings.Repeat("é", 10001) + `"}`, ""},
		{"merge deep from path", `States.JsonMerge($.a, $.a, $.d)`, `{"a":{},"d":true}`, ""},
		{"merge not object", `States.JsonMerge($.a, $.b, false)`, `{"a":{},"b":[]}`, ""},
		{"random end below start", `States.MathRandom(5, 1)`, `{}`, ""},
		{"random not a number", `States.MathRandom($.a, 1)`, `{"a":"1"}`, ""},
		{"add out of int range", `States.MathAdd($.a, 1)`, `{"a":2147483648}`, ""},
		{"add not a number", `States.MathAdd($.a, 1)`, `{"a":null}`, ""},
		{"split not a string", `States.StringSplit($.a, ',')`, `{"a":1}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := eval(t, tt.expr, tt.input)
			var f *aslerr.Failure
			if !errors.As(err, &f) {
				t.Fatalf("Eval(%s) = %v, want an *aslerr.Failure", tt.expr, err)
			}
			if f.Name != aslerr.Runtime {
				t.Errorf("error name %q, want %q", f.Name, aslerr.Runtime)
			}
			prefix := "The function '" + tt.expr + "' had the following error: "
			if !strings.HasPrefix(f.Cause, prefix) {
				t.Errorf("cause %q does not start with %q", f.Cause, prefix)
			}
			if tt.cause != "" && f.Cause != tt.cause {
				t.Errorf("cause\n got %q\nwant %q", f.Cause, tt.cause)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, expr, msg string }{
		{"unknown function", `States.Nope(1)`, "unknown intrinsic function 'States.Nope'"},
		{"not a call", `Foo.Bar()`, "expected an intrinsic function"},
		{"no parenthesis", `States.Array`, "expected '('"},
		{"unclosed", `States.Array(1`, "unclosed"},
		{"trailing text", `States.Array(1) x`, "after the call"},
		{"missing argument", `States.Array(1,)`, "unexpected ')'"},
		{"too few", `States.MathAdd(1)`, "States.MathAdd takes 2 arguments, found 1"},
		{"too many", `States.ArrayLength($.a, $.b)`, "States.ArrayLength takes 1 argument, found 2"},
		{"random arity", `States.MathRandom(1, 2, 3, 4)`, "States.MathRandom takes 2 or 3 arguments, found 4"},
		{"uuid takes none", `States.UUID(1)`, "takes 0 arguments"},
		{"format needs a template", `States.Format()`, "at least 1 argument"},
		{"format template literal type", `States.Format(1)`, "must be a string"},
		{"bad escape", `States.Format('a\nb')`, "invalid escape sequence"},
		{"open escape", `States.Format('a\`, "open escape backslash"},
		{"unclosed string", `States.Format('abc)`, "unclosed string literal"},
		{"literal array expected", `States.ArrayLength('x')`, "must be an array"},
		{"literal integer expected", `States.ArrayRange(1, 2.5, 1)`, "must be an integer"},
		{"literal out of int range", `States.ArrayGetItem($.a, 3000000000)`, "between -2147483648 and 2147483647"},
		{"deep merge", `States.JsonMerge($.a, $.b, true)`, "does not support deep merging"},
		{"hash algorithm", `States.Hash('x', 'SHA-3')`, "must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"},
		{"bad path", `States.Array($.a b)`, "invalid path"},
		{"bad number", `States.Array(1.2.3)`, "invalid number"},
		{"bad keyword", `States.Array(truex)`, "unexpected"},
		{"eleven calls", `States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array())))))))))) `, "more than 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tt.expr)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%s) = %v, want a *ParseError", tt.expr, err)
			}
			if !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("Parse(%s) message %q, want it to contain %q", tt.expr, pe.Msg, tt.msg)
			}
		})
	}
}

func TestIsCall(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"States.Format('x')": true,
		"States.UUID()":      true,
		"States.Nope(1)":     true, // looks like one; Parse rejects it
		"$.a":                false,
		"States.":            false,
		"States.Format":      false,
		"Hello States.X()":   false,
	} {
		if got := IsCall(s); got != want {
			t.Errorf("IsCall(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestSeededRandomIsDeterministic(t *testing.T) {
	t.Parallel()
	a, err := eval(t, `States.MathRandom(0, 999, 3)`, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, _ := eval(t, `States.MathRandom($.a, $.b, $.seed)`, `{"a":0,"b":999,"seed":3}`)
		if jsonvalue.String(a) != jsonvalue.String(b) {
			t.Fatalf("seeded MathRandom gave %v then %v", a, b)
		}
	}
	// The values java.util.Random draws (checked with jshell).
	tests := []struct {
		seed, bound int64
		want        int64
	}{{42, 100, 30}, {3, 999, 239}, {-7, 1 << 20, 282194}}
	for _, tt := range tests {
		if got := newJavaRandom(tt.seed).boundedInt64(tt.bound); got != tt.want {
			t.Errorf("Random(%d).nextInt(%d) = %d, want %d", tt.seed, tt.bound, got, tt.want)
		}
	}
}

type conformanceCase struct {
	Case  string          `json:"case"`
	Expr  string          `json:"expr"`
	Input json.RawMessage `json:"input"`
	Want  json.RawMessage `json:"want"`
}

// TestConformance evaluates every intrinsic call of the recorded AWS cases whose
// result follows from the execution input alone (testdata/extract.py).
func TestConformance(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/conformance.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []conformanceCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no conformance cases")
	}
	for _, tc := range cases {
		t.Run(tc.Case, func(t *testing.T) {
			got, err := eval(t, tc.Expr, string(tc.Input))
			if err != nil {
				t.Fatalf("Eval(%s): %v", tc.Expr, err)
			}
			if !jsonvalue.Equal(got, jsonvalue.MustParse(string(tc.Want))) {
				t.Errorf("Eval(%s) on %s\n got %s\nwant %s", tc.Expr, tc.Input, jsonvalue.String(got), tc.Want)
			}
		})
	}
}

// TestConformanceCallsParse parses every intrinsic call found in the recorded
// cases' definitions.
func TestConformanceCallsParse(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../jsonpath/testdata/conformance.json")
	if err != nil {
		t.Fatal(err)
	}
	var corpus struct {
		Calls []string `json:"calls"`
	}
	if err := json.Unmarshal(data, &corpus); err != nil {
		t.Fatal(err)
	}
	for _, s := range corpus.Calls {
		if !IsCall(s) {
			t.Errorf("IsCall(%q) = false", s)
		}
		if _, err := Parse(s); err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
}
