package jsonata

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stepd/stepd/jsonvalue"
)

// suiteDir is the official jsonata-js test suite (see TESTSUITE.md there):
// in $STEPD_SHARED (CI sets it, and then the suite must be there), or in
// ../shared beside the checkout.
var suiteDir = func() string {
	if d := os.Getenv("STEPD_SHARED"); d != "" {
		return filepath.Join(d, "jsonata")
	}
	return filepath.Join("..", "..", "shared", "jsonata")
}()

// suiteCase is one case of the suite.
type suiteCase struct {
	name      string
	expr      string
	input     any
	bindings  map[string]any
	timelimit int
	depth     int
	hasLimits bool

	result      any
	hasResult   bool
	undefined   bool
	unordered   bool
	code        string
	token       string
	hasToken    bool
	message     string
	hasMessage  bool
	description string
}

// loadSuite reads every case of the suite, named group/file (with #n for
// the cases of a file that holds several).
func loadSuite(t testing.TB) []*suiteCase {
	t.Helper()
	if _, err := os.Stat(filepath.Join(suiteDir, "groups")); err != nil {
		if os.Getenv("STEPD_SHARED") != "" {
			t.Fatalf("the JSONata test suite is not at %s: %v", suiteDir, err)
		}
		t.Skipf("the JSONata test suite is not at %s: %v (set STEPD_SHARED)", suiteDir, err)
	}
	datasets := map[string]any{}
	files, err := filepath.Glob(filepath.Join(suiteDir, "datasets", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonvalue.Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		datasets[strings.TrimSuffix(filepath.Base(f), ".json")] = v
	}
	groups, err := os.ReadDir(filepath.Join(suiteDir, "groups"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []*suiteCase
	for _, g := range groups {
		if !g.IsDir() {
			continue
		}
		dir := filepath.Join(suiteDir, "groups", g.Name())
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".json") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			v, err := jsonvalue.Parse(b)
			if err != nil {
				t.Fatalf("%s/%s: %v", g.Name(), e.Name(), err)
			}
			base := g.Name() + "/" + strings.TrimSuffix(e.Name(), ".json")
			if list, ok := v.([]any); ok {
				for i, item := range list {
					cases = append(cases, newSuiteCase(t, fmt.Sprintf("%s#%d", base, i), dir, item.(*jsonvalue.Object), datasets))
				}
			} else {
				cases = append(cases, newSuiteCase(t, base, dir, v.(*jsonvalue.Object), datasets))
			}
		}
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].name < cases[j].name })
	return cases
}

func newSuiteCase(t testing.TB, name, dir string, o *jsonvalue.Object, datasets map[string]any) *suiteCase {
	c := &suiteCase{name: name, input: Undefined}
	get := func(k string) (any, bool) { return o.Get(k) }
	if v, ok := get("expr"); ok {
		c.expr = v.(string)
		if strings.ContainsRune(c.expr, utf8.RuneError) {
			c.expr = rawExpr(t, dir, name)
		}
	} else if v, ok := get("expr-file"); ok {
		b, err := os.ReadFile(filepath.Join(dir, v.(string)))
		if err != nil {
			t.Fatal(err)
		}
		c.expr = string(b)
	}
	if v, ok := get("data"); ok {
		c.input = v
	} else if v, ok := get("dataset"); ok && v != nil {
		d, ok := datasets[v.(string)]
		if !ok {
			t.Fatalf("%s: no dataset %v", name, v)
		}
		c.input = d
	}
	if v, ok := get("bindings"); ok {
		if b, ok := v.(*jsonvalue.Object); ok && b.Len() > 0 {
			c.bindings = map[string]any{}
			for i := 0; i < b.Len(); i++ {
				k, val := b.At(i)
				c.bindings[k] = val
			}
		}
	}
	tl, hasTL := get("timelimit")
	dp, hasDP := get("depth")
	if hasTL && hasDP {
		c.hasLimits = true
		f, _ := jsonvalue.ToFloat(tl)
		c.timelimit = int(f)
		f, _ = jsonvalue.ToFloat(dp)
		c.depth = int(f)
	}
	if v, ok := get("result"); ok {
		c.result, c.hasResult = v, true
	}
	if v, ok := get("undefinedResult"); ok && v == true {
		c.undefined = true
	}
	if v, ok := get("unordered"); ok && v == true {
		c.unordered = true
	}
	if v, ok := get("code"); ok {
		c.code = v.(string)
	}
	if v, ok := get("token"); ok {
		c.token, c.hasToken = fmt.Sprint(v), true
	}
	if v, ok := get("error"); ok {
		eo := v.(*jsonvalue.Object)
		if code, ok := eo.Get("code"); ok {
			c.code = code.(string)
		}
		if tok, ok := eo.Get("token"); ok {
			c.token, c.hasToken = fmt.Sprint(tok), true
		}
		if msg, ok := eo.Get("message"); ok {
			c.message, c.hasMessage = msg.(string), true
		}
	}
	if v, ok := get("description"); ok {
		c.description, _ = v.(string)
	}
	return c
}

// rawExpr re-reads the expression of a case whose text holds a lone
// surrogate escape, which JSON decoders replace with U+FFFD but JavaScript
// keeps: here it becomes its WTF-8 bytes, the closest a Go string gets.
func rawExpr(t testing.TB, dir, name string) string {
	file := strings.TrimPrefix(name, filepath.Base(dir)+"/")
	index := -1
	if i := strings.IndexByte(file, '#'); i >= 0 {
		index, _ = strconv.Atoi(file[i+1:])
		file = file[:i]
	}
	b, err := os.ReadFile(filepath.Join(dir, file+".json"))
	if err != nil {
		t.Fatal(err)
	}
	type raw struct {
		Expr json.RawMessage `json:"expr"`
	}
	var r raw
	if index >= 0 {
		var list []raw
		if err := json.Unmarshal(b, &list); err != nil {
			t.Fatal(err)
		}
		r = list[index]
	} else if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return unquoteWTF8(t, string(r.Expr))
}

// unquoteWTF8 decodes a JSON string literal, writing lone surrogates as
// WTF-8.
func unquoteWTF8(t testing.TB, q string) string {
	q = q[1 : len(q)-1]
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] != '\\' {
			b.WriteByte(q[i])
			continue
		}
		i++
		switch q[i] {
		case 'u':
			r, err := strconv.ParseUint(q[i+1:i+5], 16, 32)
			if err != nil {
				t.Fatal(err)
			}
			i += 4
			if utf16.IsSurrogate(rune(r)) && r < 0xdc00 && strings.HasPrefix(q[i+1:], "\\u") {
				if r2, err := strconv.ParseUint(q[i+3:i+7], 16, 32); err == nil && r2 >= 0xdc00 && r2 < 0xe000 {
					b.WriteRune(utf16.DecodeRune(rune(r), rune(r2)))
					i += 6
					continue
				}
			}
			if utf16.IsSurrogate(rune(r)) {
				b.Write([]byte{0xed, byte(0xa0 | (r>>6)&0x1f), byte(0x80 | r&0x3f)})
				continue
			}
			b.WriteRune(rune(r))
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		default:
			b.WriteByte(q[i])
		}
	}
	return b.String()
}

// suiteEnv is the standard environment with the wall clock and math/rand,
// as jsonata-js has them.
var suiteEnv, _ = NewEnv(Config{Clock: time.Now, Random: rand.Float64})

// run evaluates the case and returns "" if it passes, or why not.
func (c *suiteCase) run() string {
	expr, err := Compile(c.expr)
	if err != nil {
		return c.checkError(err)
	}
	opts := &Options{Env: suiteEnv, Vars: c.bindings}
	if c.hasLimits {
		env, err := NewEnv(Config{MaxDepth: c.depth, Timeout: time.Duration(c.timelimit) * time.Millisecond, Clock: time.Now, Random: rand.Float64})
		if err != nil {
			return err.Error()
		}
		opts.Env = env
	}
	got, err := expr.Evaluate(context.Background(), c.input, opts)
	if err != nil {
		return c.checkError(err)
	}
	switch {
	case c.code != "":
		return fmt.Sprintf("got %s, want error %s", show(got), c.code)
	case c.undefined:
		if !IsUndefined(got) {
			return fmt.Sprintf("got %s, want undefined", show(got))
		}
	case c.hasResult:
		if IsUndefined(got) {
			return fmt.Sprintf("got undefined, want %s", show(c.result))
		}
		if !sameResult(got, c.result, c.unordered) {
			return fmt.Sprintf("got %s, want %s", show(got), show(c.result))
		}
	default:
		return "the case expects nothing"
	}
	return ""
}

func (c *suiteCase) checkError(err error) string {
	e, ok := err.(*Error)
	if !ok {
		return fmt.Sprintf("got error %v, want %s", err, c.want())
	}
	if c.code == "" {
		return fmt.Sprintf("got error %s (%s), want %s", e.Code, e.Message, c.want())
	}
	code := e.Code
	if c.code == "U1001" && (code == "D1011" || code == "D1012") {
		// the suite's runner reports its own depth and time limits as U1001
		code = "U1001"
	}
	if code != c.code {
		return fmt.Sprintf("got error %s (%s), want %s", e.Code, e.Message, c.code)
	}
	if c.hasToken && e.Token != c.token {
		return fmt.Sprintf("got token %q, want %q", e.Token, c.token)
	}
	if c.hasMessage && e.Message != c.message {
		return fmt.Sprintf("got message %q, want %q", e.Message, c.message)
	}
	return ""
}

func (c *suiteCase) want() string {
	switch {
	case c.code != "":
		return "error " + c.code
	case c.undefined:
		return "undefined"
	}
	return show(c.result)
}

func show(v any) string {
	if IsUndefined(v) {
		return "undefined"
	}
	defer func() { recover() }()
	s := jsonvalue.String(v)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// sameResult compares as the suite's runner does (chai's deep equality of
// JavaScript values): numbers as float64, objects regardless of key order.
func sameResult(got, want any, unordered bool) bool {
	if !unordered {
		return jsEqual(got, want)
	}
	g, ok1 := got.([]any)
	w, ok2 := want.([]any)
	if !ok1 || !ok2 || len(g) != len(w) {
		return jsEqual(got, want)
	}
	used := make([]bool, len(w))
outer:
	for _, x := range g {
		for j, y := range w {
			if !used[j] && jsEqual(x, y) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

// TestSuite runs the official jsonata-js test suite. The cases listed in
// knownFailures are expected to fail (doc.go says why); any other failure,
// and any listed case that passes, fails the test.
func TestSuite(t *testing.T) {
	cases := loadSuite(t)
	var mu sync.Mutex
	failed := map[string]string{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			reason := c.run()
			mu.Lock()
			if reason != "" {
				failed[c.name] = reason
			}
			mu.Unlock()
			_, known := knownFailures[c.name]
			switch {
			case reason != "" && !known:
				t.Errorf("%s\n  expr: %s\n  %s", c.name, oneLine(c.expr), reason)
			case reason == "" && known:
				t.Errorf("%s passes now: remove it from knownFailures and doc.go", c.name)
			}
		})
	}
	t.Cleanup(func() {
		n := len(cases)
		t.Logf("JSONata suite: %d of %d cases pass (%.2f%%)", n-len(failed), n, 100*float64(n-len(failed))/float64(n))
	})
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// TestKnownFailuresDocumented checks that doc.go lists every known failure
// with its reason.
func TestKnownFailuresDocumented(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for name, reason := range knownFailures {
		if !strings.Contains(doc, name+": "+reason) {
			t.Errorf("doc.go does not list %q with its reason %q", name, reason)
		}
	}
}

func jsEqual(a, b any) bool {
	if fa, ok := jsonvalue.ToFloat(a); ok {
		fb, ok := jsonvalue.ToFloat(b)
		return ok && fa == fb
	}
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *jsonvalue.Object:
		y, ok := b.(*jsonvalue.Object)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for i := 0; i < x.Len(); i++ {
			k, v := x.At(i)
			w, ok := y.Get(k)
			if !ok || !jsEqual(v, w) {
				return false
			}
		}
		return true
	}
	return jsonvalue.Equal(a, b)
}
