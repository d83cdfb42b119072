package asl

import (
	"slices"

	"github.com/stepd/stepd/asl/jsonpath"
)

// VariableReferences returns, for each state that reads workflow variables,
// the names (without $) of the variables its fields read, sorted and without
// repeats: DescribeStateMachine's variableReferences. States of Parallel
// branches and Map item processors are included under their own names. A
// state's reads are its JSONata expressions' variables other than $states,
// and the $name paths of its JSONPath fields and intrinsic calls: InputPath,
// OutputPath, Parameters, ResultSelector, Arguments, Output, Assign values
// (not the names Assign writes), Catch and Choice rule Assign and Output,
// Choice comparisons, the ...Path fields (TimeoutSecondsPath, SecondsPath,
// ErrorPath, ItemsPath, MaxConcurrencyPath, MaxItemsPath, ...), Credentials,
// and a Map's ItemSelector, ItemReader, ItemBatcher and ResultWriter. The map
// is nil when no state reads a variable.
//
// This is what AWS answers, as recorded against it: names sorted, $states
// and $$ left out, a "key" without ".$" whose string starts with $ not a
// reference.
func (d *Definition) VariableReferences() map[string][]string {
	var out map[string][]string
	for _, g := range d.graphs {
		for _, st := range g.States {
			var r varRefs
			r.state(st)
			if len(r) == 0 {
				continue
			}
			slices.Sort(r)
			if out == nil {
				out = make(map[string][]string)
			}
			out[st.Name] = slices.Compact(r)
		}
	}
	return out
}

// varRefs collects variable names, with repeats.
type varRefs []string

func (r *varRefs) state(st *State) {
	r.pathField(st.InputPath)
	r.pathField(st.OutputPath)
	for _, t := range []*Template{st.Parameters, st.ResultSelector, st.Arguments, st.Output, st.Assign} {
		r.template(t)
	}
	for _, c := range st.Catch {
		r.template(c.Output)
		r.template(c.Assign)
	}
	if t := st.Task; t != nil {
		r.field(t.TimeoutSeconds)
		r.field(t.HeartbeatSeconds)
		r.template(t.Credentials)
	}
	if c := st.Choice; c != nil {
		for _, rule := range c.Choices {
			r.condition(rule.Condition)
			r.template(rule.Output)
			r.template(rule.Assign)
		}
	}
	if w := st.Wait; w != nil {
		r.field(w.Seconds)
		r.field(w.Timestamp)
	}
	if f := st.Fail; f != nil {
		r.field(f.Error)
		r.field(f.Cause)
	}
	if m := st.Map; m != nil {
		r.pathField(m.ItemsPath)
		r.template(m.Items)
		r.template(m.ItemSelector)
		r.field(m.MaxConcurrency)
		r.field(m.ToleratedFailureCount)
		r.field(m.ToleratedFailurePercentage)
		if rd := m.Reader; rd != nil {
			r.template(rd.Arguments)
			r.field(rd.MaxItems)
		}
		if b := m.Batcher; b != nil {
			r.field(b.MaxItemsPerBatch)
			r.field(b.MaxInputBytesPerBatch)
			r.template(b.BatchInput)
		}
		if w := m.Writer; w != nil {
			r.template(w.Arguments)
		}
	}
}

func (r *varRefs) pathField(f *PathField) {
	if f != nil {
		r.path(f.Path)
	}
}

func (r *varRefs) path(p *jsonpath.Path) {
	if p != nil && p.Root() == jsonpath.RootVariable {
		*r = append(*r, p.Variable())
	}
}

func (r *varRefs) field(f *Field) {
	if f != nil {
		r.expr(f.Expr)
	}
}

func (r *varRefs) template(t *Template) {
	if t != nil {
		r.node(t.root)
	}
}

func (r *varRefs) node(n tnode) {
	switch x := n.(type) {
	case tobject:
		for _, f := range x.fields {
			r.node(f)
		}
	case tarray:
		for _, it := range x.items {
			r.node(it)
		}
	case tfield:
		r.expr(x.expr)
	case texpr:
		r.expr(x.e)
	}
}

func (r *varRefs) expr(e Expr) {
	switch x := e.(type) {
	case pathExpr:
		r.path(x.path)
	case intrinsicExpr:
		for _, p := range x.call.Paths() {
			r.path(p)
		}
	case *jsonataExpr:
		*r = append(*r, x.vars...)
	case templateExpr:
		r.template(x.t)
	}
}

func (r *varRefs) condition(c Condition) {
	switch x := c.(type) {
	case *Comparison:
		r.expr(x.Variable)
		if x.ValuePath != nil {
			r.expr(x.ValuePath)
		}
	case And:
		for _, c := range x {
			r.condition(c)
		}
	case Or:
		for _, c := range x {
			r.condition(c)
		}
	case Not:
		r.condition(x.Rule)
	case ExprCondition:
		r.expr(x.Expr)
	}
}
