// Package testrun runs the test files of state machines (stepd test): each
// case runs its definition once, in memory, with a virtual clock (a
// 90-second Wait costs nothing), with its Task states answered by mocks (Step
// Functions Local's format, inline or from a mock configuration's test case)
// or by their real resources, and checks what the execution did against the
// case's expectations. It measures coverage: which states, Choice rules,
// Retriers and Catchers the cases exercised.
//
// A test file is YAML or JSON:
//
//	definition: order.asl.json          # the definition, relative to the test file
//	stateMachineName: Orders            # its name (default: the definition's file name, without extensions)
//	type: STANDARD                      # or EXPRESS
//	mockConfig: MockConfigFile.json     # Step Functions Local's mock configuration (optional)
//	cases:
//	  - name: small orders are approved
//	    input: {"amount": 5}            # or inputFile: input.json (default {})
//	    testCase: HappyPath             # a test case of mockConfig for stateMachineName
//	    mocks:                          # more mocked states, each an answer for every invocation...
//	      Charge: {Return: {"ok": true}}
//	      Notify:                       # ...or one answer per invocation, as MockedResponses
//	        "0": {Throw: {Error: Mail.Down, Cause: try later}}
//	        "1": {Return: {}}
//	    context: {Execution: {Name: order-1}}
//	    expect:
//	      status: SUCCEEDED             # the default
//	      output: {"approved": true}    # JSON-equal
//	      error: ...                    # and cause: ..., for a failure
//	      states: [Check, Charge, Notify, Notify, Done]   # every state entered, in order
//	      variables: {total: 5}         # top-level variables at the end (those named)
package testrun

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/validate"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner/mock"
)

// File is a test file, read and checked.
type File struct {
	Path           string
	DefinitionPath string
	Definition     *asl.Definition
	MachineName    string
	Type           string
	Cases          []*Case
}

// Case is one case of a test file.
type Case struct {
	File  *File
	Name  string
	Input any
	// Mocks answer Task states by name (the test case's, then the inline
	// ones).
	Mocks   map[string]*mock.Responses
	Context Context
	Expect  Expect
}

// Context is what a case sets of the context object.
type Context struct {
	ExecutionName, RoleArn, MachineName string
}

// Expect is what a case expects of its execution. Only what is set is
// checked (Status always).
type Expect struct {
	Status    string
	Output    any
	HasOutput bool
	Error     *string
	Cause     *string
	States    []string
	HasStates bool
	Variables *jsonvalue.Object
}

// Find returns the test files under paths: files as they are, and in
// directories (recursively) the files named *.test.yaml, *.test.yml or
// *.test.json, sorted.
func Find(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if !d.IsDir() && IsTestFile(d.Name()) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// IsTestFile reports whether a file name is a test file's.
func IsTestFile(name string) bool {
	for _, ext := range []string{".test.yaml", ".test.yml", ".test.json"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// ReadFile reads and checks a test file: its definition must be valid, its
// mocks well formed and its mock configuration's test cases exist. Errors
// name the file and the field.
func ReadFile(path string) (*File, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, diags := asl.ReadDocument(text)
	if doc == nil {
		msgs := make([]string, len(diags))
		for i, d := range diags {
			msgs[i] = d.Message
		}
		return nil, fmt.Errorf("%s: %s", path, strings.Join(msgs, "; "))
	}
	f, err := readFile(path, doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

func readFile(path string, doc *jsonvalue.Object) (*File, error) {
	r := reader{}
	fields := r.fields(doc, "", "definition", "stateMachineName", "type", "mockConfig", "cases")
	if r.err != nil {
		return nil, r.err
	}
	dir := filepath.Dir(path)
	f := &File{Path: path, Type: "STANDARD"}
	defName := r.str(fields, "", "definition")
	if defName == "" && r.err == nil {
		return nil, errors.New("definition: give the definition file")
	}
	if r.err != nil {
		return nil, r.err
	}
	f.DefinitionPath = filepath.Join(dir, defName)
	if t := r.str(fields, "", "type"); t != "" {
		if t != "STANDARD" && t != "EXPRESS" {
			return nil, fmt.Errorf("type: %q is not STANDARD or EXPRESS", t)
		}
		f.Type = t
	}
	defText, err := os.ReadFile(f.DefinitionPath)
	if err != nil {
		return nil, fmt.Errorf("definition: %w", err)
	}
	if f.Definition, err = validate.Parse(defText, validate.Options{Type: f.Type}); err != nil {
		return nil, fmt.Errorf("definition %s: %w", defName, err)
	}
	f.MachineName = r.str(fields, "", "stateMachineName")
	if f.MachineName == "" {
		base := filepath.Base(defName)
		f.MachineName, _, _ = strings.Cut(base, ".")
	}
	var cfg *mock.Config
	if name := r.str(fields, "", "mockConfig"); name != "" {
		if cfg, err = mock.Load(filepath.Join(dir, name)); err != nil {
			return nil, err
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	list, ok := fields["cases"].([]any)
	if !ok || len(list) == 0 {
		return nil, errors.New("cases: give a list of cases")
	}
	names := map[string]bool{}
	for i, cv := range list {
		loc := fmt.Sprintf("cases[%d]", i)
		c, err := readCase(f, cfg, dir, loc, cv)
		if err != nil {
			return nil, err
		}
		if names[c.Name] {
			return nil, fmt.Errorf("%s: a second case named %q", loc, c.Name)
		}
		names[c.Name] = true
		f.Cases = append(f.Cases, c)
	}
	return f, nil
}

func readCase(f *File, cfg *mock.Config, dir, loc string, v any) (*Case, error) {
	r := reader{}
	o, ok := v.(*jsonvalue.Object)
	if !ok {
		return nil, fmt.Errorf("%s: a case is an object", loc)
	}
	fields := r.fields(o, loc, "name", "input", "inputFile", "testCase", "mocks", "context", "expect")
	c := &Case{File: f, Name: r.str(fields, loc, "name"), Mocks: map[string]*mock.Responses{}}
	if r.err != nil {
		return nil, r.err
	}
	if c.Name == "" {
		return nil, fmt.Errorf("%s.name: give the case a name", loc)
	}
	loc = fmt.Sprintf("case %q", c.Name)
	c.Input = jsonvalue.NewObject(0)
	if in, ok := fields["input"]; ok {
		c.Input = in
	}
	if name := r.str(fields, loc, "inputFile"); name != "" {
		if _, both := fields["input"]; both {
			return nil, fmt.Errorf("%s: give input or inputFile, not both", loc)
		}
		text, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("%s.inputFile: %w", loc, err)
		}
		if c.Input, err = jsonvalue.Parse(text); err != nil {
			return nil, fmt.Errorf("%s.inputFile %s: %w", loc, name, err)
		}
	}
	if tc := r.str(fields, loc, "testCase"); tc != "" {
		if cfg == nil {
			return nil, fmt.Errorf("%s.testCase: the test file has no mockConfig", loc)
		}
		t, err := cfg.TestCase(f.MachineName, tc)
		if err != nil {
			return nil, fmt.Errorf("%s.testCase: %w", loc, err)
		}
		for state, resp := range t.States {
			c.Mocks[state] = resp
		}
	}
	if mv, ok := fields["mocks"]; ok {
		mo, ok := mv.(*jsonvalue.Object)
		if !ok {
			return nil, fmt.Errorf("%s.mocks: an object of state names to answers", loc)
		}
		for state, av := range mo.All() {
			resp, err := inlineResponses(state, av)
			if err != nil {
				return nil, fmt.Errorf("%s.mocks: %w", loc, err)
			}
			c.Mocks[state] = resp
		}
	}
	for state := range c.Mocks {
		if !hasTask(f.Definition, state) {
			return nil, fmt.Errorf("%s: the mocked state %q is not a Task state of the definition", loc, state)
		}
	}
	if cv, ok := fields["context"]; ok {
		if err := readContext(&c.Context, loc, cv); err != nil {
			return nil, err
		}
	}
	c.Expect.Status = "SUCCEEDED"
	if ev, ok := fields["expect"]; ok {
		if err := readExpect(&c.Expect, loc, ev); err != nil {
			return nil, err
		}
	}
	return c, r.err
}

// inlineResponses reads an inline mock: one answer ({Return: ...} or
// {Throw: ...}) for every invocation, or answers by invocation number.
func inlineResponses(state string, v any) (*mock.Responses, error) {
	o, ok := v.(*jsonvalue.Object)
	if ok && o.Len() == 1 {
		if k, _ := o.At(0); k == "Return" || k == "Throw" {
			wrapped := jsonvalue.NewObject(1)
			wrapped.Set("0", o)
			r, err := mock.ParseResponses(state, wrapped)
			if r != nil {
				r.Repeat = true
			}
			return r, err
		}
	}
	return mock.ParseResponses(state, v)
}

func hasTask(def *asl.Definition, name string) bool {
	for _, g := range def.Graphs() {
		if st := g.State(name); st != nil && st.Type == asl.TypeTask {
			return true
		}
	}
	return false
}

func readContext(c *Context, loc string, v any) error {
	o, ok := v.(*jsonvalue.Object)
	if !ok {
		return fmt.Errorf("%s.context: an object", loc)
	}
	r := reader{}
	top := r.fields(o, loc+".context", "Execution", "StateMachine")
	for key, sv := range top {
		so, ok := sv.(*jsonvalue.Object)
		if !ok {
			return fmt.Errorf("%s.context.%s: an object", loc, key)
		}
		if key == "Execution" {
			f := r.fields(so, loc+".context.Execution", "Name", "RoleArn")
			c.ExecutionName = r.str(f, loc+".context.Execution", "Name")
			c.RoleArn = r.str(f, loc+".context.Execution", "RoleArn")
		} else {
			f := r.fields(so, loc+".context.StateMachine", "Name")
			c.MachineName = r.str(f, loc+".context.StateMachine", "Name")
		}
	}
	return r.err
}

func readExpect(e *Expect, loc string, v any) error {
	o, ok := v.(*jsonvalue.Object)
	if !ok {
		return fmt.Errorf("%s.expect: an object", loc)
	}
	loc += ".expect"
	r := reader{}
	f := r.fields(o, loc, "status", "output", "error", "cause", "states", "variables")
	if s := r.str(f, loc, "status"); s != "" {
		switch s {
		case "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED":
			e.Status = s
		default:
			return fmt.Errorf("%s.status: %q is not SUCCEEDED, FAILED, TIMED_OUT or ABORTED", loc, s)
		}
	}
	if out, ok := f["output"]; ok {
		e.Output, e.HasOutput = out, true
	}
	for _, k := range []string{"error", "cause"} {
		if _, ok := f[k]; ok {
			s := r.str(f, loc, k)
			if k == "error" {
				e.Error = &s
			} else {
				e.Cause = &s
			}
		}
	}
	if sv, ok := f["states"]; ok {
		list, ok := sv.([]any)
		if !ok {
			return fmt.Errorf("%s.states: a list of state names", loc)
		}
		for _, n := range list {
			s, ok := n.(string)
			if !ok {
				return fmt.Errorf("%s.states: a list of state names", loc)
			}
			e.States = append(e.States, s)
		}
		e.HasStates = true
	}
	if vv, ok := f["variables"]; ok {
		vo, ok := vv.(*jsonvalue.Object)
		if !ok {
			return fmt.Errorf("%s.variables: an object of variable names to values", loc)
		}
		e.Variables = vo
	}
	return r.err
}

// reader reads an object's fields, keeping the first error.
type reader struct{ err error }

func (r *reader) fields(o *jsonvalue.Object, loc string, known ...string) map[string]any {
	out := map[string]any{}
	for k, v := range o.All() {
		found := false
		for _, name := range known {
			if k == name {
				found = true
			}
		}
		if !found && r.err == nil {
			where := k
			if loc != "" {
				where = loc + "." + k
			}
			r.err = fmt.Errorf("%s: unknown field (known: %s)", where, strings.Join(known, ", "))
		}
		out[k] = v
	}
	return out
}

func (r *reader) str(fields map[string]any, loc, key string) string {
	v, ok := fields[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok && r.err == nil {
		where := key
		if loc != "" {
			where = loc + "." + key
		}
		r.err = fmt.Errorf("%s: a string", where)
	}
	return s
}
