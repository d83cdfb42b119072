package asl

import "fmt"

// QueryLanguage is the language a state's fields are written in.
type QueryLanguage uint8

// The query languages. JSONPath is the default when a definition names none.
const (
	JSONPath QueryLanguage = iota
	JSONata
)

func (q QueryLanguage) String() string {
	if q == JSONata {
		return "JSONata"
	}
	return "JSONPath"
}

// StateType is the Type of a state.
type StateType uint8

// The state types.
const (
	TypePass StateType = iota + 1
	TypeTask
	TypeChoice
	TypeWait
	TypeSucceed
	TypeFail
	TypeParallel
	TypeMap
)

var stateTypeNames = map[StateType]string{
	TypePass: "Pass", TypeTask: "Task", TypeChoice: "Choice", TypeWait: "Wait",
	TypeSucceed: "Succeed", TypeFail: "Fail", TypeParallel: "Parallel", TypeMap: "Map",
}

// String returns the type's name as written in definitions ("Pass", "Task", ...).
func (t StateType) String() string { return stateTypeNames[t] }

// Definition is a parsed and validated state machine definition. It is read-only
// and safe for concurrent use.
type Definition struct {
	Comment        string
	Version        string
	QueryLanguage  QueryLanguage // the top-level default
	TimeoutSeconds int64         // the machine-level timeout; 0 for none
	Root           *Graph        // the top-level states

	graphs []*Graph // every graph, indexed by Graph.ID: Root is 0
}

// Graphs returns every graph of the definition (the top level, Parallel branches
// and Map processors), indexed by Graph.ID.
func (d *Definition) Graphs() []*Graph { return d.graphs }

// Graph returns the graph with the given ID, or nil.
func (d *Definition) Graph(id int) *Graph {
	if id < 0 || id >= len(d.graphs) {
		return nil
	}
	return d.graphs[id]
}

// Graph is a set of states run from StartAt: the top level of a definition, a
// Parallel branch or a Map item processor.
type Graph struct {
	ID       int
	Location string // JSON pointer of the graph in the definition ("" for the top level)
	StartAt  *State
	States   []*State // in definition order
	Owner    *State   // the Parallel or Map state the graph belongs to; nil at the top level

	byName map[string]*State
}

// State returns the state named name, or nil.
func (g *Graph) State(name string) *State { return g.byName[name] }

// State is one state of a graph. The fields that do not apply to the state's Type
// are zero. The type-specific parts are in the pointer of that type (Task for a
// Task state, and so on).
type State struct {
	Name          string
	Type          StateType
	Comment       string
	QueryLanguage QueryLanguage
	Graph         *Graph // the graph that holds the state
	Location      string // JSON pointer of the state in the definition

	Next *State // nil when End (or for Choice, Succeed and Fail)
	End  bool

	// JSONPath data flow. A nil path means the default "$"; a Null path means
	// the field was null.
	InputPath      *PathField
	Parameters     *Template
	ResultSelector *Template
	ResultPath     *ResultPath
	OutputPath     *PathField

	// JSONata data flow.
	Arguments *Template
	Output    *Template

	// Assign sets variables after the state (both languages).
	Assign *Template

	Retry []*Retrier
	Catch []*Catcher

	Pass     *PassSpec
	Task     *TaskSpec
	Choice   *ChoiceSpec
	Wait     *WaitSpec
	Fail     *FailSpec
	Parallel *ParallelSpec
	Map      *MapSpec
}

// IsTerminal reports whether the state ends its graph when it finishes without
// a failure: an End state, a Succeed state, or a Fail state.
func (s *State) IsTerminal() bool {
	return s.End || s.Type == TypeSucceed || s.Type == TypeFail
}

// Sub returns the definition that a Distributed Map's child executions run:
// the graph id (an ItemProcessor) as the top level, sharing the rest with d.
// It has no machine-level timeout.
func (d *Definition) Sub(id int) (*Definition, error) {
	g := d.Graph(id)
	if g == nil || g.Owner == nil || g.Owner.Type != TypeMap {
		return nil, fmt.Errorf("graph %d is not a Map state's ItemProcessor", id)
	}
	sub := *d
	sub.Root, sub.TimeoutSeconds = g, 0
	return &sub, nil
}
