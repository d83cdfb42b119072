package jsonpath

import (
	"errors"
	"testing"

	"github.com/stepd/stepd/jsonvalue"
)

const store = `{
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "expensive": 10,
  "a b": {"c.d": 1, "it\\'s": 2, "ü": "unicode"},
  "n": null,
  "num": 1,
  "str": "x",
  "arr": [1, 2, 3, 4, 5],
  "items": [{"status": 0, "year": 1997}, {"status": 1, "year": 1998}, {"q": "it's", "year": 1999}]
}`

func TestGet(t *testing.T) {
	t.Parallel()
	doc := jsonvalue.MustParse(store)
	tests := []struct {
		name, path, want string
	}{
		{"root", "$", ""},
		{"field", "$.expensive", "10"},
		{"nested", "$.store.bicycle.color", `"red"`},
		{"bracket", "$['store']['bicycle']['color']", `"red"`},
		{"double quoted bracket", `$["store"]["bicycle"]`, `{"color":"red","price":19.95}`},
		{"key with space and dot", "$['a b']['c.d']", "1"},
		{"escaped quote in key keeps its backslash", `$['a b']['it\'s']`, "2"},
		{"escaped quote in filter literal", `$.items[?(@.q == 'it\'s')].year`, "[1999]"},
		{"unicode key", "$['a b'].ü", `"unicode"`},
		{"null value", "$.n", "null"},
		{"index", "$.arr[0]", "1"},
		{"negative index", "$.arr[-1]", "5"},
		{"index out of range reads null", "$.arr[9]", "null"},
		{"index then field", "$.store.book[2].isbn", `"0-553-21311-3"`},
		{"wildcard array", "$.arr[*]", "[1,2,3,4,5]"},
		{"wildcard object", "$.store.bicycle.*", `["red",19.95]`},
		{"wildcard then field", "$.store.book[*].author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{"slice", "$.arr[1:3]", "[2,3]"},
		{"slice from", "$.arr[3:]", "[4,5]"},
		{"slice to", "$.arr[:2]", "[1,2]"},
		{"slice negative from", "$.arr[-2:]", "[4,5]"},
		{"slice negative to", "$.arr[:-3]", "[1,2]"},
		{"slice past end", "$.arr[3:99]", "[4,5]"},
		{"slice empty", "$.arr[4:2]", "[]"},
		{"index list", "$.arr[0,2]", "[1,3]"},
		{"deep scan", "$..price", "[8.95,12.99,8.99,22.99,19.95]"},
		{"deep scan with index", "$..book[0].title", `["Sayings of the Century"]`},
		{"filter equals", "$.items[?(@.status == 0)]", `[{"status":0,"year":1997}]`},
		{"filter less", "$.store.book[?(@.price < 10)].title", `["Sayings of the Century","Moby Dick"]`},
		{"filter against root", "$.store.book[?(@.price > $.expensive)].price", "[12.99,22.99]"},
		{"filter exists", "$.store.book[?(@.isbn)].title", `["Moby Dick","The Lord of the Rings"]`},
		{"filter not exists", "$.store.book[?(!@.isbn)].price", "[8.95,12.99]"},
		{"filter and or", "$.store.book[?(@.price < 9 && @.category == 'fiction' || @.price > 20)].price", "[8.99,22.99]"},
		{"filter regex full match", "$.store.book[?(@.author =~ /.*REES/i)].price", "[8.95]"},
		{"filter regex must match whole", "$.store.book[?(@.author =~ /Nigel/)].price", "[]"},
		{"filter in", "$.store.book[?(@.category in ['reference', 'x'])].price", "[8.95]"},
		{"filter nin", "$.store.book[?(@.category nin ['fiction'])].price", "[8.95]"},
		{"filter string equals number", "$.items[?(@.status == '1')].year", "[1998]"},
		{"filter not equals missing", "$.store.book[?(@.isbn != 'x')].price", "[8.95,12.99,8.99,22.99]"},
		{"filter size", "$.store.book[?(@.author size 10)].price", "[8.95]"},
		{"filter double quotes", `$.items[?(@.status == "x")]`, "[]"},
		{"filter on object", "$.store.bicycle[?(@.color == 'red')].price", "[19.95]"},
		{"filter unquoted word is a string", "$.store.book[?(@.category == fiction)].price", "[12.99,8.99,22.99]"},
		{"filter unquoted word not equal", "$.store.book[?(@.category != fiction)].price", "[8.95]"},
		{"filter unquoted word beside a path", "$.store.book[?(@.category == fiction && @.price < 10)].price", "[8.99]"},
		{"multi property merge", "$.store.bicycle['color','nope']", `{"color":"red"}`},
		{"length of array", "$.arr.length()", "5"},
		{"length of object", "$.store.bicycle.length()", "2"},
		{"length of indefinite", "$.store.book[*].price.length()", "4"},
		{"sum", "$.arr.sum()", "15.0"},
		{"avg", "$.arr.avg()", "3.0"},
		{"min max", "$.store.book[*].price.max()", "22.99"},
		{"keys", "$.store.bicycle.keys()", `["color","price"]`},
		{"first", "$.arr.first()", "1"},
		{"last", "$.arr.last()", "5"},
		{"missing in indefinite is empty", "$.nope[*]", "[]"},
		{"missing deep indefinite", "$.nope.items[1:]", "[]"},
		{"wildcard then missing field", "$.items[*].nope", "[]"},
		{"trailing spaces", "  $.num  ", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.path)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.path, err)
			}
			got, err := p.Get(doc)
			if err != nil {
				t.Fatalf("Get(%q): %v", tt.path, err)
			}
			want := doc
			if tt.want != "" {
				want = jsonvalue.MustParse(tt.want)
			}
			if jsonvalue.String(got) != jsonvalue.String(want) {
				t.Errorf("Get(%q) = %s, want %s", tt.path, jsonvalue.String(got), jsonvalue.String(want))
			}
		})
	}
}

func TestGetErrors(t *testing.T) {
	t.Parallel()
	doc := jsonvalue.MustParse(store)
	const provider = "This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'."
	tests := []struct {
		name, path, input string
		kind              NotFoundKind
		msg               string
	}{
		// Recorded: scenarios.TestBaseScenarios.test_catch_states_runtime.
		{"missing intermediate", "$.no.such.result.path", "{}", MissingProperty, "Missing property in path $['no']"},
		// Recorded: scenarios.TestBaseScenarios.test_invalid_jsonpath_ST.INVALID_JSONPATH_IN_*.
		{"missing leaf", "$.NoSuchTimeoutSecondsPath", `{"int-literal":0}`, NoResults, "No results for path: $['NoSuchTimeoutSecondsPath']"},
		{"missing leaf deep", "$.store.nope", "", NoResults, "No results for path: $['store']['nope']"},
		{"missing second level", "$.store.nope.x", "", MissingProperty, "Missing property in path $['store']['nope']"},
		{"property of number", "$.num.x", "", NotAnObject, "Expected to find an object with property ['x'] in path $['num'] but found 'com.fasterxml.jackson.databind.node.IntNode'. " + provider},
		{"property of null", "$.n.x", "", NotAnObject, "Expected to find an object with property ['x'] in path $['n'] but found 'com.fasterxml.jackson.databind.node.NullNode'. " + provider},
		{"property of array", "$.arr.x", "", NotAnObject, "Expected to find an object with property ['x'] in path $['arr'] but found 'com.fasterxml.jackson.databind.node.ArrayNode'. " + provider},
		{"property of root string", "$.a", `"s"`, NotAnObject, "Expected to find an object with property ['a'] in path $ but found 'com.fasterxml.jackson.databind.node.TextNode'. " + provider},
		{"property past missing element", "$.arr[7].x", "", NotAnObject, "Expected to find an object with property ['x'] in path $['arr'][7] but found 'null'. " + provider},
		{"index past missing element", "$.arr[7][0]", "", NullElement, "The path $['arr'][7] is null"},
		// AWS writes this text for an intrinsic argument $.other[0] on {"other":1}.
		{"index of number", "$.num[0]", "", NotAnArray, "Filter: [0] can only be applied to arrays. Current context is: 1"},
		{"index of object", "$.store.bicycle[0]", "", NotAnArray, `Filter: [0] can only be applied to arrays. Current context is: {"color":"red","price":19.95}`},
		{"context root renders as $", "$$.Execution.Nope", "{}", MissingProperty, "Missing property in path $['Execution']"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := doc
			if tt.input != "" {
				in = jsonvalue.MustParse(tt.input)
			}
			_, err := MustCompile(tt.path).Get(in)
			var nf *NotFoundError
			if !errors.As(err, &nf) {
				t.Fatalf("Get(%q) error = %v, want *NotFoundError", tt.path, err)
			}
			if nf.Kind != tt.kind || nf.Msg != tt.msg {
				t.Errorf("Get(%q) = kind %d %q\nwant kind %d %q", tt.path, nf.Kind, nf.Msg, tt.kind, tt.msg)
			}
		})
	}
}

func TestLookupFound(t *testing.T) {
	t.Parallel()
	doc := jsonvalue.MustParse(`{"items":[1,2],"nul":null}`)
	tests := []struct {
		path  string
		found bool
	}{
		{"$.items[1]", true},
		{"$.items[5]", false},
		{"$.items[-3]", false},
		{"$.nul", true},
		{"$.items[*]", true},
	}
	for _, tt := range tests {
		_, found, err := MustCompile(tt.path).Lookup(doc)
		if err != nil || found != tt.found {
			t.Errorf("Lookup(%q) = found %v, err %v; want found %v", tt.path, found, err, tt.found)
		}
	}
}

func TestCompile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path     string
		root     Root
		variable string
		definite bool
		canon    string
	}{
		{"$", RootInput, "", true, "$"},
		{"$$", RootContext, "", true, "$$"},
		{"$$.Execution.Id", RootContext, "", true, "$$['Execution']['Id']"},
		{"$myVar", RootVariable, "myVar", true, "$myVar"},
		{"$my_var2.field[0]", RootVariable, "my_var2", true, "$my_var2['field'][0]"},
		{"$.a-b.c", RootInput, "", true, "$['a-b']['c']"},
		{"$.a[*]", RootInput, "", false, "$['a'][*]"},
		{"$..a", RootInput, "", false, "$..['a']"},
		{"$.a[1:2]", RootInput, "", false, "$['a'][1:2]"},
		{"$.a[?(@.x)]", RootInput, "", false, "$['a'][?]"},
		{"$.a[0,1]", RootInput, "", false, "$['a'][0,1]"},
		{"$.a.length()", RootInput, "", true, "$['a'].length()"},
		{"$.[?(@.x)]", RootInput, "", false, "$[?]"},
		{"$.['a'].b", RootInput, "", true, "$['a']['b']"},
	}
	for _, tt := range tests {
		p, err := Compile(tt.path)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.path, err)
			continue
		}
		if p.Root() != tt.root || p.Variable() != tt.variable || p.Definite() != tt.definite || p.Canonical() != tt.canon || p.String() != tt.path {
			t.Errorf("Compile(%q) = root %v var %q definite %v canon %q", tt.path, p.Root(), p.Variable(), p.Definite(), p.Canonical())
		}
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"", "a", ".a", "$.", "$..", "$.a.", "$.a b", "$[", "$['a'", "$['a]", "$[a]", "$[1", "$[:]",
		"$.a[?(@.x == )]", "$.a[?(@.x =~ 'x')]", "$.a[?(@.x =~ /(/)]", "$.a.nofunc()", "$.a.length().b",
		"$.a[?($$.x)]", "$1abc", "$.a[?(@.x ==)", "$.a[-]", "$.a[?(fiction == @.x)]", "$.a[?(@.x in fiction)]",
	} {
		if _, err := Compile(s); err == nil {
			t.Errorf("Compile(%q) succeeded, want a syntax error", s)
		} else if _, ok := err.(*SyntaxError); !ok {
			t.Errorf("Compile(%q) error %T, want *SyntaxError", s, err)
		}
	}
}

func TestCompileReference(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"$", "$.a", "$.a.b[0]", "$['a b'].c", "$$.Execution", "$x.y"} {
		if _, err := CompileReference(s); err != nil {
			t.Errorf("CompileReference(%q): %v", s, err)
		}
	}
	for _, s := range []string{"$.a[*]", "$..a", "$.a[1:2]", "$.a[?(@.b)]", "$.a.length()", "$.a[-1]", "$.a[0,1]", "$['a','b']"} {
		if _, err := CompileReference(s); err == nil {
			t.Errorf("CompileReference(%q) succeeded, want an error", s)
		}
	}
}

func TestSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, root, value, want string
	}{
		{"replace root", "$", `{"a":1}`, `"x"`, `"x"`},
		{"add field last", "$.b", `{"a":1}`, `2`, `{"a":1,"b":2}`},
		{"replace keeps position", "$.a", `{"a":1,"b":2}`, `3`, `{"a":3,"b":2}`},
		{"create intermediates", "$.x.y.z", `{"a":1}`, `true`, `{"a":1,"x":{"y":{"z":true}}}`},
		{"into existing object", "$.a.c", `{"a":{"b":1}}`, `2`, `{"a":{"b":1,"c":2}}`},
		{"array element", "$.a[1]", `{"a":[1,2,3]}`, `9`, `{"a":[1,9,3]}`},
		{"field in array element", "$.a[0].k", `{"a":[{}]}`, `1`, `{"a":[{"k":1}]}`},
		{"bracket key", "$['a b']", `{}`, `1`, `{"a b":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := CompileReference(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			root := jsonvalue.MustParse(tt.root)
			before := jsonvalue.String(root)
			got, err := p.Set(root, jsonvalue.MustParse(tt.value))
			if err != nil {
				t.Fatalf("Set: %v", err)
			}
			if g := jsonvalue.String(got); g != jsonvalue.String(jsonvalue.MustParse(tt.want)) {
				t.Errorf("Set(%q) = %s, want %s", tt.path, g, tt.want)
			}
			if jsonvalue.String(root) != before {
				t.Errorf("Set changed its root: %s, was %s", jsonvalue.String(root), before)
			}
		})
	}
}

func TestSetErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, root string }{
		{"$.a", `"string input"`},
		{"$.a", `null`},
		{"$.a.b", `{"a":1}`},
		{"$.a[0]", `{"a":{}}`},
		{"$.a[5]", `{"a":[1]}`},
		{"$.a[0]", `{}`},
	}
	for _, tt := range tests {
		_, err := MustCompile(tt.path).Set(jsonvalue.MustParse(tt.root), 1)
		var se *SetError
		if !errors.As(err, &se) {
			t.Errorf("Set(%q) on %s: error %v, want *SetError", tt.path, tt.root, err)
		}
	}
	if _, err := MustCompile("$.a[*]").Set(jsonvalue.MustParse(`{}`), 1); err == nil {
		t.Error("Set with an indefinite path succeeded")
	}
}

func TestGetDoesNotAllocate(t *testing.T) {
	doc := jsonvalue.MustParse(store)
	p := MustCompile("$.store.book[2].isbn")
	n := testing.AllocsPerRun(100, func() {
		if _, err := p.Get(doc); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("Get allocates %v times, want 0", n)
	}
}

func TestGetBoundsWork(t *testing.T) {
	t.Parallel()
	var tree any = 1
	for range 8 {
		tree = []any{tree, tree, tree, tree}
	}
	_, err := MustCompile("$..*..*..*").Get(tree)
	var ee *EvalError
	if !errors.As(err, &ee) {
		t.Fatalf("Get = %v, want an *EvalError", err)
	}
}
