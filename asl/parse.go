package asl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/stepd/stepd/asl/jsonpath"
	"github.com/stepd/stepd/jsonvalue"
)

// ParseOptions control Parse.
type ParseOptions struct {
	// Type is the state machine type, STANDARD (the default) or EXPRESS; some
	// definitions are valid for one and not the other.
	Type string
}

// Parse reads, validates and builds a definition. A definition with any ERROR
// diagnostic fails with a *DefinitionError listing them all.
func Parse(text []byte, opts ParseOptions) (*Definition, error) {
	doc, diags := ReadDocument(text)
	if doc != nil {
		diags = append(diags, Validate(doc, ValidateOptions{Type: opts.Type})...)
	}
	var errs []Diagnostic
	for _, d := range diags {
		if d.Severity != SeverityWarning {
			errs = append(errs, d)
		}
	}
	if len(errs) > 0 {
		return nil, &DefinitionError{Diagnostics: errs}
	}
	return Build(doc)
}

// Build builds the typed model of a definition that Validate accepted. It does
// not repeat the validator's checks, but it never panics on a document it was not
// given to: a field it cannot use is an error naming its location.
func Build(doc *jsonvalue.Object) (*Definition, error) {
	b := &builder{def: &Definition{}}
	d := b.def
	d.Comment = b.str(doc, "", "Comment")
	d.Version = b.str(doc, "", "Version")
	if ql := b.str(doc, "", "QueryLanguage"); ql == "JSONata" {
		d.QueryLanguage = JSONata
	}
	if v, ok := doc.Get("TimeoutSeconds"); ok {
		d.TimeoutSeconds = b.int(v, "/TimeoutSeconds")
	}
	d.Root = b.graph(doc, "", nil, d.QueryLanguage)
	if b.err != nil {
		return nil, b.err
	}
	return d, nil
}

// builder carries the first error, so that building reads as a sequence of
// field reads.
type builder struct {
	def *Definition
	err error
	// pending transitions, resolved once every graph's states exist
}

func (b *builder) fail(loc, format string, args ...any) {
	if b.err == nil {
		b.err = &DefinitionError{Diagnostics: []Diagnostic{{
			Severity: SeverityError, Code: CodeSchemaValidationFailed, Location: loc,
			Message: fmt.Sprintf(format, args...),
		}}}
	}
}

func (b *builder) str(o *jsonvalue.Object, loc, key string) string {
	v, ok := o.Get(key)
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		b.fail(loc+"/"+key, "The field '%s' must be a string", key)
	}
	return s
}

func (b *builder) int(v any, loc string) int64 {
	n, ok := v.(jsonvalue.Number)
	if ok {
		if i, ok := n.Int64(); ok {
			return i
		}
	}
	b.fail(loc, "The value must be an integer")
	return 0
}

func (b *builder) float(v any, loc string) float64 {
	if f, ok := jsonvalue.ToFloat(v); ok {
		return f
	}
	b.fail(loc, "The value must be a number")
	return 0
}

func (b *builder) object(v any, loc string) *jsonvalue.Object {
	o, ok := v.(*jsonvalue.Object)
	if !ok {
		b.fail(loc, "The value must be an object")
		return jsonvalue.NewObject(0)
	}
	return o
}

// graph builds the states of a top level, branch or processor object.
func (b *builder) graph(o *jsonvalue.Object, loc string, owner *State, ql QueryLanguage) *Graph {
	g := &Graph{ID: len(b.def.graphs), Location: loc, Owner: owner, byName: map[string]*State{}}
	b.def.graphs = append(b.def.graphs, g)
	statesV, _ := o.Get("States")
	states := b.object(statesV, loc+"/States")
	raw := make([]*jsonvalue.Object, states.Len())
	for i, name := range states.Keys() {
		_, sv := states.At(i)
		so := b.object(sv, loc+"/States/"+name)
		raw[i] = so
		st := &State{Name: name, Graph: g, Location: lintAt(loc+"/States", name), QueryLanguage: ql}
		g.States = append(g.States, st)
		g.byName[name] = st
	}
	for i, st := range g.States {
		b.state(st, raw[i])
	}
	g.StartAt = g.byName[b.str(o, loc, "StartAt")]
	if g.StartAt == nil {
		b.fail(loc+"/StartAt", "StartAt does not name a state")
	}
	return g
}

// target resolves a transition to a state of the same graph.
func (b *builder) target(st *State, name, loc string) *State {
	t := st.Graph.byName[name]
	if t == nil {
		b.fail(loc, "Missing 'Next' target: %s", name)
	}
	return t
}

func (b *builder) state(st *State, o *jsonvalue.Object) {
	loc := st.Location
	switch b.str(o, loc, "QueryLanguage") {
	case "JSONata":
		st.QueryLanguage = JSONata
	case "JSONPath":
		st.QueryLanguage = JSONPath
	}
	st.Comment = b.str(o, loc, "Comment")
	typ := b.str(o, loc, "Type")
	for t, name := range stateTypeNames {
		if name == typ {
			st.Type = t
		}
	}
	if st.Type == 0 {
		b.fail(loc+"/Type", "Unknown state type %q", typ)
		return
	}
	if next := b.str(o, loc, "Next"); next != "" {
		st.Next = b.target(st, next, loc+"/Next")
	}
	if v, ok := o.Get("End"); ok && v == true {
		st.End = true
	}
	st.InputPath = b.pathField(o, loc, "InputPath")
	st.OutputPath = b.pathField(o, loc, "OutputPath")
	st.Parameters = b.template(st, o, loc, "Parameters")
	st.ResultSelector = b.template(st, o, loc, "ResultSelector")
	st.ResultPath = b.resultPath(o, loc, "ResultPath")
	st.Arguments = b.template(st, o, loc, "Arguments")
	st.Output = b.template(st, o, loc, "Output")
	st.Assign = b.template(st, o, loc, "Assign")
	st.Retry = b.retriers(o, loc)
	st.Catch = b.catchers(st, o, loc)

	switch st.Type {
	case TypePass:
		st.Pass = &PassSpec{}
		st.Pass.Result, st.Pass.HasResult = o.Get("Result")
	case TypeTask:
		b.task(st, o, loc)
	case TypeChoice:
		b.choice(st, o, loc)
	case TypeWait:
		st.Wait = &WaitSpec{
			Seconds:   b.field(st, o, loc, "Seconds", "SecondsPath"),
			Timestamp: b.field(st, o, loc, "Timestamp", "TimestampPath"),
		}
	case TypeFail:
		st.Fail = &FailSpec{
			Error: b.field(st, o, loc, "Error", "ErrorPath"),
			Cause: b.field(st, o, loc, "Cause", "CausePath"),
		}
	case TypeParallel:
		st.Parallel = &ParallelSpec{}
		bv, _ := o.Get("Branches")
		branches, _ := bv.([]any)
		for i, br := range branches {
			bloc := loc + "/Branches/" + strconv.Itoa(i)
			// States inside a branch default to the machine's language, not the
			// Parallel state's.
			st.Parallel.Branches = append(st.Parallel.Branches, b.graph(b.object(br, bloc), bloc, st, b.def.QueryLanguage))
		}
	case TypeMap:
		b.mapState(st, o, loc)
	}
}

// pathField reads InputPath or OutputPath: absent (nil), null, or a path.
func (b *builder) pathField(o *jsonvalue.Object, loc, key string) *PathField {
	v, ok := o.Get(key)
	if !ok {
		return nil
	}
	if v == nil {
		return &PathField{Null: true}
	}
	s, _ := v.(string)
	p, err := jsonpath.Compile(s)
	if err != nil {
		b.fail(loc+"/"+key, "The value for the field '%s' must be a valid JSONPath: %v", key, err)
		return nil
	}
	if p.Root() == jsonpath.RootInput && s == "$" {
		return nil // the default: the whole input
	}
	return &PathField{Path: p}
}

func (b *builder) resultPath(o *jsonvalue.Object, loc, key string) *ResultPath {
	v, ok := o.Get(key)
	if !ok {
		return nil
	}
	if v == nil {
		return &ResultPath{Discard: true}
	}
	s, _ := v.(string)
	p, err := jsonpath.CompileReference(s)
	if err != nil {
		b.fail(loc+"/"+key, "The value for the field '%s' must be a valid Reference Path: %v", key, err)
		return nil
	}
	return &ResultPath{Path: p}
}

// template compiles a payload template field in the state's query language.
func (b *builder) template(st *State, o *jsonvalue.Object, loc, key string) *Template {
	return b.templateAt(st, o, loc, key, key)
}

// templateAt is template, with the name AWS gives the field in messages
// ("Choices[0]/Output").
func (b *builder) templateAt(st *State, o *jsonvalue.Object, loc, key, name string) *Template {
	v, ok := o.Get(key)
	if !ok {
		return nil
	}
	t, err := b.compileTemplate(st.QueryLanguage, v, name)
	if err != nil {
		b.fail(loc+"/"+key, "%s", err.Error())
		return nil
	}
	return t
}

// compileTemplate compiles a template in a language. JSONata templates come with
// JSONata support; until then a JSONata definition builds its JSONPath parts only.
func (b *builder) compileTemplate(ql QueryLanguage, v any, field string) (*Template, error) {
	if ql == JSONata {
		return compileJSONataTemplate(v, field)
	}
	return compileJSONPathTemplate(v)
}

// field reads a field that may be a literal (key), a path (pathKey), or, in a
// JSONata state, a "{% %}" expression in key.
func (b *builder) field(st *State, o *jsonvalue.Object, loc, key, pathKey string) *Field {
	if v, ok := o.Get(key); ok {
		if st.QueryLanguage == JSONata {
			t, err := compileJSONataTemplate(v, key)
			if err != nil {
				b.fail(loc+"/"+key, "%s", err.Error())
				return nil
			}
			if e := t.Expr(); e != nil {
				return &Field{Name: key, Expr: e}
			}
			return &Field{Name: key, Expr: templateExpr{t}}
		}
		return &Field{Name: key, Expr: Const(v)}
	}
	if pathKey == "" {
		return nil
	}
	if v, ok := o.Get(pathKey); ok {
		s, _ := v.(string)
		e, err := compilePathOrIntrinsic(s)
		if err != nil {
			b.fail(loc+"/"+pathKey, "The value for the field '%s' must be a valid JSONPath: %v", pathKey, err)
			return nil
		}
		return &Field{Name: pathKey, Expr: e, IsPath: true}
	}
	return nil
}

// templateExpr adapts a template to an Expr.
type templateExpr struct{ t *Template }

func (e templateExpr) Eval(env *Env) (any, error) { return e.t.Eval(env) }
func (e templateExpr) String() string             { return jsonvalue.String(e.t.src) }

func (b *builder) retriers(o *jsonvalue.Object, loc string) []*Retrier {
	v, ok := o.Get("Retry")
	if !ok {
		return nil
	}
	list, _ := v.([]any)
	out := make([]*Retrier, 0, len(list))
	for i, rv := range list {
		rloc := loc + "/Retry/" + strconv.Itoa(i)
		ro := b.object(rv, rloc)
		r := &Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2}
		r.ErrorEquals = b.strings(ro, rloc, "ErrorEquals")
		if v, ok := ro.Get("IntervalSeconds"); ok {
			r.IntervalSeconds = float64(b.int(v, rloc+"/IntervalSeconds"))
		}
		if v, ok := ro.Get("MaxAttempts"); ok {
			r.MaxAttempts = int(b.int(v, rloc+"/MaxAttempts"))
		}
		if v, ok := ro.Get("BackoffRate"); ok {
			r.BackoffRate = b.float(v, rloc+"/BackoffRate")
		}
		if v, ok := ro.Get("MaxDelaySeconds"); ok {
			r.MaxDelaySeconds = float64(b.int(v, rloc+"/MaxDelaySeconds"))
		}
		r.FullJitter = b.str(ro, rloc, "JitterStrategy") == "FULL"
		out = append(out, r)
	}
	return out
}

func (b *builder) catchers(st *State, o *jsonvalue.Object, loc string) []*Catcher {
	v, ok := o.Get("Catch")
	if !ok {
		return nil
	}
	list, _ := v.([]any)
	out := make([]*Catcher, 0, len(list))
	for i, cv := range list {
		cloc := loc + "/Catch/" + strconv.Itoa(i)
		co := b.object(cv, cloc)
		c := &Catcher{ErrorEquals: b.strings(co, cloc, "ErrorEquals")}
		c.Next = b.target(st, b.str(co, cloc, "Next"), cloc+"/Next")
		c.ResultPath = b.resultPath(co, cloc, "ResultPath")
		c.Output = b.templateAt(st, co, cloc, "Output", fmt.Sprintf("Catch[%d]/Output", i))
		c.Assign = b.templateAt(st, co, cloc, "Assign", fmt.Sprintf("Catch[%d]/Assign", i))
		out = append(out, c)
	}
	return out
}

func (b *builder) strings(o *jsonvalue.Object, loc, key string) []string {
	v, _ := o.Get(key)
	list, ok := v.([]any)
	if !ok {
		b.fail(loc+"/"+key, "The field '%s' must be an array of strings", key)
		return nil
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			b.fail(loc+"/"+key, "The field '%s' must be an array of strings", key)
		}
		out = append(out, s)
	}
	return out
}

func (b *builder) task(st *State, o *jsonvalue.Object, loc string) {
	t := &TaskSpec{}
	st.Task = t
	res, err := ParseResource(b.str(o, loc, "Resource"))
	if err != nil {
		b.fail(loc+"/Resource", "%s", err.Error())
	}
	t.Resource = res
	t.TimeoutSeconds = b.field(st, o, loc, "TimeoutSeconds", "TimeoutSecondsPath")
	t.HeartbeatSeconds = b.field(st, o, loc, "HeartbeatSeconds", "HeartbeatSecondsPath")
	t.Credentials = b.template(st, o, loc, "Credentials")
}

func (b *builder) mapState(st *State, o *jsonvalue.Object, loc string) {
	m := &MapSpec{}
	st.Map = m
	procKey := "ItemProcessor"
	pv, ok := o.Get(procKey)
	if !ok {
		procKey = "Iterator"
		pv, _ = o.Get(procKey)
	}
	proc := b.object(pv, loc+"/"+procKey)
	if cv, ok := proc.Get("ProcessorConfig"); ok {
		cfg := b.object(cv, loc+"/"+procKey+"/ProcessorConfig")
		if b.str(cfg, loc, "Mode") == "DISTRIBUTED" {
			m.Mode = MapDistributed
		}
		m.ExecutionType = b.str(cfg, loc, "ExecutionType")
	}
	m.Processor = b.graph(proc, loc+"/"+procKey, st, b.def.QueryLanguage) // the machine's language, as for branches
	if st.QueryLanguage == JSONata {
		m.Items = b.template(st, o, loc, "Items")
	} else {
		m.ItemsPath = b.pathField(o, loc, "ItemsPath")
	}
	m.ItemSelectorField = "ItemSelector"
	m.ItemSelector = b.template(st, o, loc, "ItemSelector")
	if m.ItemSelector == nil && st.Parameters != nil {
		// The legacy Parameters of a Map state select each item; they do not
		// apply to the state's input.
		m.ItemSelector, m.ItemSelectorField, st.Parameters = st.Parameters, "Parameters", nil
	}
	m.MaxConcurrency = b.field(st, o, loc, "MaxConcurrency", "MaxConcurrencyPath")
	m.ToleratedFailureCount = b.field(st, o, loc, "ToleratedFailureCount", "ToleratedFailureCountPath")
	m.ToleratedFailurePercentage = b.field(st, o, loc, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath")
	if v, ok := o.Get("ItemReader"); ok {
		m.Reader = b.itemReader(st, b.object(v, loc+"/ItemReader"), loc+"/ItemReader")
	}
	if v, ok := o.Get("ItemBatcher"); ok {
		bo := b.object(v, loc+"/ItemBatcher")
		m.Batcher = &ItemBatcher{
			MaxItemsPerBatch:      b.field(st, bo, loc+"/ItemBatcher", "MaxItemsPerBatch", "MaxItemsPerBatchPath"),
			MaxInputBytesPerBatch: b.field(st, bo, loc+"/ItemBatcher", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"),
			BatchInput:            b.template(st, bo, loc+"/ItemBatcher", "BatchInput"),
		}
	}
	if v, ok := o.Get("ResultWriter"); ok {
		m.Writer = b.resultWriter(st, b.object(v, loc+"/ResultWriter"), loc+"/ResultWriter")
	}
	m.Label = b.str(o, loc, "Label")
}

// arguments compiles the Parameters (JSONPath) or Arguments (JSONata) of an
// ItemReader or ResultWriter.
func (b *builder) arguments(st *State, o *jsonvalue.Object, loc string) *Template {
	if st.QueryLanguage == JSONata {
		return b.template(st, o, loc, "Arguments")
	}
	return b.template(st, o, loc, "Parameters")
}

func (b *builder) itemReader(st *State, o *jsonvalue.Object, loc string) *ItemReader {
	r := &ItemReader{Arguments: b.arguments(st, o, loc)}
	res, err := ParseResource(b.str(o, loc, "Resource"))
	if err != nil {
		b.fail(loc+"/Resource", "%s", err.Error())
	}
	r.Resource = res
	if v, ok := o.Get("ReaderConfig"); ok {
		cfg := b.object(v, loc+"/ReaderConfig")
		cloc := loc + "/ReaderConfig"
		r.InputType = b.str(cfg, cloc, "InputType")
		r.CSVHeaderLocation = b.str(cfg, cloc, "CSVHeaderLocation")
		r.CSVDelimiter = b.str(cfg, cloc, "CSVDelimiter")
		r.ManifestType = b.str(cfg, cloc, "ManifestType")
		r.Transformation = b.str(cfg, cloc, "Transformation")
		if cfg.Has("CSVHeaders") {
			r.CSVHeaders = b.strings(cfg, cloc, "CSVHeaders")
		}
		r.MaxItems = b.field(st, cfg, cloc, "MaxItems", "MaxItemsPath")
	}
	return r
}

func (b *builder) resultWriter(st *State, o *jsonvalue.Object, loc string) *ResultWriter {
	w := &ResultWriter{Arguments: b.arguments(st, o, loc)}
	if o.Has("Resource") {
		res, err := ParseResource(b.str(o, loc, "Resource"))
		if err != nil {
			b.fail(loc+"/Resource", "%s", err.Error())
		}
		w.Resource = &res
	}
	if v, ok := o.Get("WriterConfig"); ok {
		cfg := b.object(v, loc+"/WriterConfig")
		w.OutputType = b.str(cfg, loc+"/WriterConfig", "OutputType")
		w.Transformation = b.str(cfg, loc+"/WriterConfig", "Transformation")
	}
	return w
}

func (b *builder) choice(st *State, o *jsonvalue.Object, loc string) {
	c := &ChoiceSpec{}
	st.Choice = c
	if def := b.str(o, loc, "Default"); def != "" {
		c.Default = b.target(st, def, loc+"/Default")
	}
	v, _ := o.Get("Choices")
	list, _ := v.([]any)
	for i, rv := range list {
		rloc := loc + "/Choices/" + strconv.Itoa(i)
		ro := b.object(rv, rloc)
		rule := &ChoiceRule{}
		rule.Next = b.target(st, b.str(ro, rloc, "Next"), rloc+"/Next")
		if st.QueryLanguage == JSONata {
			cv, _ := ro.Get("Condition")
			field := fmt.Sprintf("Choices[%d]/Condition", i)
			t, err := compileJSONataTemplate(cv, field)
			if err != nil {
				b.fail(rloc+"/Condition", "%s", err.Error())
				continue
			}
			var e Expr = templateExpr{t}
			if single := t.Expr(); single != nil {
				e = single
			}
			rule.Condition = ExprCondition{Expr: e, Field: field}
		} else {
			rule.Condition = b.condition(ro, rloc)
		}
		rule.Output = b.templateAt(st, ro, rloc, "Output", fmt.Sprintf("Choices[%d]/Output", i))
		rule.Assign = b.templateAt(st, ro, rloc, "Assign", fmt.Sprintf("Choices[%d]/Assign", i))
		c.Choices = append(c.Choices, rule)
	}
}

// condition builds a JSONPath Choice rule (or a nested rule of And, Or, Not).
func (b *builder) condition(o *jsonvalue.Object, loc string) Condition {
	for _, combo := range []string{"And", "Or"} {
		v, ok := o.Get(combo)
		if !ok {
			continue
		}
		list, _ := v.([]any)
		rules := make([]Condition, 0, len(list))
		for i, rv := range list {
			rloc := loc + "/" + combo + "/" + strconv.Itoa(i)
			rules = append(rules, b.condition(b.object(rv, rloc), rloc))
		}
		if combo == "And" {
			return And(rules)
		}
		return Or(rules)
	}
	if v, ok := o.Get("Not"); ok {
		return Not{Rule: b.condition(b.object(v, loc+"/Not"), loc+"/Not")}
	}
	vs := b.str(o, loc, "Variable")
	variable, err := compilePathOrIntrinsic(vs)
	if err != nil {
		b.fail(loc+"/Variable", "The value for the field 'Variable' must be a valid JSONPath: %v", err)
		return And(nil)
	}
	for i, key := range o.Keys() {
		_, val := o.At(i)
		name, isPath := strings.CutSuffix(key, "Path")
		op, ok := Operators[name]
		if !ok {
			if op, ok = Operators[key]; !ok {
				continue
			}
			isPath = false
		}
		c := &Comparison{Variable: variable, Op: op}
		if isPath {
			s, _ := val.(string)
			p, err := compilePathOrIntrinsic(s)
			if err != nil {
				b.fail(loc+"/"+key, "The value for the field '%s' must be a valid JSONPath: %v", key, err)
				return And(nil)
			}
			c.ValuePath = p
		} else {
			c.Value = val
			switch {
			case op == OpStringMatches:
				s, _ := val.(string)
				c.pattern = compileMatchPattern(s)
			case op >= OpTimestampEquals && op <= OpTimestampGreaterThanEquals:
				s, _ := val.(string)
				ts, err := ParseTimestamp(s)
				if err != nil {
					b.fail(loc+"/"+key, "The value for the field '%s' must be a valid timestamp", key)
				}
				c.stamp = ts
			}
		}
		return c
	}
	b.fail(loc, "The Choice rule has no comparison operator")
	return And(nil)
}
