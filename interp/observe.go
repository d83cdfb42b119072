package interp

import (
	"time"

	"github.com/stepd/stepd/asl/aslerr"
)

// Observer is told what a step decides and computes, for the tools that look
// inside an execution: coverage (which states, Choice rules, Retriers and
// Catchers ran) and TestState's inspection data (each stage of a state's data
// flow). Set it on the Result a step writes to (Result.Observer); nil observes
// nothing and costs a nil check.
//
// The methods are called synchronously, in the order things happen within
// the step, for every path, including the iterations of a Distributed Map
// (whose events are not in the parent's history). An observer must not change
// what it is given: the values are the execution's own, shared.
type Observer interface {
	// StateEntered: path p entered its current state (p.State()).
	StateEntered(x *Execution, p *Path)
	// ChoiceMatched: the Choice state of p chose its Choices[rule], or its
	// Default when rule is -1.
	ChoiceMatched(x *Execution, p *Path, rule int)
	// RetryMatched: the failure f of p's state matched its Retry[retrier] (the
	// first Retrier whose ErrorEquals names it). retries reports whether the
	// Retrier retries it, after delay; false means its attempts are used up,
	// and Catch decides next.
	RetryMatched(x *Execution, p *Path, retrier int, f *aslerr.Failure, retries bool, delay time.Duration)
	// Caught: p's state's Catch[catcher] caught the failure f.
	Caught(x *Execution, p *Path, catcher int, f *aslerr.Failure)
	// Data: a stage of the data flow of p's state produced v.
	Data(x *Execution, p *Path, stage Stage, v any)
}

// Stage is a point of a state's data flow (see dataflow.go), as TestState's
// inspection data names them.
type Stage uint8

// The stages, in the order a state passes them.
const (
	// StageAfterInputPath: the input after InputPath (JSONPath).
	StageAfterInputPath Stage = iota + 1
	// StageAfterParameters: the effective input after Parameters (JSONPath;
	// the InputPath's value when the state has none).
	StageAfterParameters
	// StageAfterArguments: the effective input after Arguments (JSONata, when
	// the state has Arguments).
	StageAfterArguments
	// StageResult: the raw result of a Task, Parallel or Map state, or a Pass
	// state's result.
	StageResult
	// StageAfterResultSelector: the result after ResultSelector (the raw
	// result when the state has none; JSONPath).
	StageAfterResultSelector
	// StageAfterResultPath: the result combined with the input by ResultPath,
	// before OutputPath (JSONPath).
	StageAfterResultPath
)

// BaseObserver observes nothing: embed it to implement only the methods of
// Observer that matter.
type BaseObserver struct{}

// StateEntered does nothing.
func (BaseObserver) StateEntered(*Execution, *Path) {}

// ChoiceMatched does nothing.
func (BaseObserver) ChoiceMatched(*Execution, *Path, int) {}

// RetryMatched does nothing.
func (BaseObserver) RetryMatched(*Execution, *Path, int, *aslerr.Failure, bool, time.Duration) {}

// Caught does nothing.
func (BaseObserver) Caught(*Execution, *Path, int, *aslerr.Failure) {}

// Data does nothing.
func (BaseObserver) Data(*Execution, *Path, Stage, any) {}

// data reports a data-flow stage to the observer, if any.
func (s *stepper) data(p *Path, stage Stage, v any) {
	if o := s.res.Observer; o != nil {
		o.Data(s.x, p, stage, v)
	}
}
