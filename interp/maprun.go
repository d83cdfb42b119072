package interp

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/jsonvalue"
)

// A Distributed Map runs its items as child executions, in a Map Run: the
// interpreter evaluates everything the run needs when the state starts
// (MapRunSpec), records MapRunStarted, and dispatches the run as a task of the
// Map state; the engine runs it and answers the task with the Map's result
// (the children's outputs, or the ResultWriterDetails) or its failure. The
// interpreter then records MapRunSucceeded or MapRunFailed, and the state
// goes on as any Map state does: ResultSelector, ResultPath, Retry, Catch.

// MapRunSpec describes a Map Run, evaluated when its Map state started. It is
// the dispatch of the Map state's task, and the engine keeps it with the run.
type MapRunSpec struct {
	ARN string `json:"arn"`
	// MachineARN is the run's state machine, which its children run: the
	// parent's machine ARN, "/", the label.
	MachineARN string `json:"machine"`
	// Graph is the ItemProcessor's graph in the parent's definition; the
	// children run it as their top level. State names the Map state, in the
	// graph StateGraph.
	Graph      int    `json:"graph"`
	StateGraph int    `json:"stateGraph"`
	State      string `json:"state"`
	// ExecutionType is the children's: STANDARD or EXPRESS.
	ExecutionType string `json:"type"`
	// MaxConcurrency bounds the children running at once; 0 is no bound (the
	// engine's own).
	MaxConcurrency int `json:"maxConcurrency,omitempty"`
	// ToleratedFailureCount and ToleratedFailurePercentage are -1 when not
	// given: then no failure is tolerated.
	ToleratedFailureCount      int64   `json:"toleratedCount"`
	ToleratedFailurePercentage float64 `json:"toleratedPercent"`
	// Inputs are the children's inputs, when the items came with the state's
	// input (ItemsPath, Items): the ItemSelector and the batching are applied.
	Inputs json.RawMessage `json:"inputs,omitempty"`
	// Reader says where the items come from, when an ItemReader does: then the
	// engine reads them, and shapes them with Shape.
	Reader *MapRunReader `json:"reader,omitempty"`
	// Shape is what turns an item into a child's input: the ItemSelector's
	// environment and the batching.
	Shape MapItemShape `json:"shape"`
	// Writer says where the results go, when a ResultWriter does.
	Writer *MapRunWriter `json:"writer,omitempty"`
}

// MapRunReader is an ItemReader, evaluated.
type MapRunReader struct {
	Resource          string          `json:"resource"`
	Arguments         json.RawMessage `json:"arguments,omitempty"`
	InputType         string          `json:"inputType,omitempty"`
	CSVHeaderLocation string          `json:"csvHeaderLocation,omitempty"`
	CSVHeaders        []string        `json:"csvHeaders,omitempty"`
	CSVDelimiter      string          `json:"csvDelimiter,omitempty"`
	ManifestType      string          `json:"manifestType,omitempty"`
	MaxItems          int64           `json:"maxItems,omitempty"`
}

// MapRunWriter is a ResultWriter, evaluated.
type MapRunWriter struct {
	Resource       string          `json:"resource,omitempty"` // "": WriterConfig alone
	Arguments      json.RawMessage `json:"arguments,omitempty"`
	OutputType     string          `json:"outputType,omitempty"`
	Transformation string          `json:"transformation,omitempty"`
}

// MapItemShape turns a Distributed Map's items into its children's inputs:
// the ItemSelector, evaluated for each item in the environment of the Map
// state as it started, then the ItemBatcher's batches.
type MapItemShape struct {
	// Selector is set when the state has an ItemSelector; the rest of the
	// selector's environment comes with it.
	Selector   bool            `json:"selector,omitempty"`
	Input      json.RawMessage `json:"input,omitempty"` // the state's effective input
	Vars       json.RawMessage `json:"vars,omitempty"`  // the variables in scope
	Execution  json.RawMessage `json:"execution,omitempty"`
	EnteredAt  time.Time       `json:"entered,omitzero"`
	RetryCount int             `json:"retries,omitempty"`
	// Batching: MaxItems per batch (0: no bound), MaxBytes per batch (the
	// smaller of MaxInputBytesPerBatch and the payload limit; 0: no bound),
	// and the evaluated BatchInput.
	Batch      bool            `json:"batch,omitempty"`
	MaxItems   int64           `json:"batchItems,omitempty"`
	MaxBytes   int64           `json:"batchBytes,omitempty"`
	BatchInput json.RawMessage `json:"batchInput,omitempty"`
}

// IsMapRun reports whether a dispatch is a Map Run's.
func (d *TaskDispatch) IsMapRun() bool { return d.MapRun != nil }

// mapRun starts a Distributed Map state's run: it evaluates the run's spec
// and dispatches it as the state's task.
func (s *stepper) mapRun(p *Path, env *asl.Env, input any, maxConc int64) {
	st := p.state
	m := st.Map
	var items []any
	if m.Reader == nil {
		var err error
		if items, err = s.mapItems(env, st, input); err == nil {
			err = s.checkSize(items)
		}
		if err != nil {
			s.fail(p, s.stateFailure(p, err))
			return
		}
	}
	s.emit(p, history.Event{Type: history.MapStateStarted, Length: len(items)})
	spec, err := s.mapRunSpec(p, env, input, maxConc)
	if err == nil && m.Reader == nil {
		spec.Inputs, err = s.mapInputs(st, spec, items)
	}
	if err != nil {
		s.fail(p, s.stateFailure(p, err))
		return
	}
	if arn, ok := s.redriveRuns[p]; ok {
		delete(s.redriveRuns, p)
		spec.ARN = arn
		s.emit(p, history.Event{Type: history.MapRunRedriven, MapRunARN: spec.ARN, RedriveCount: s.x.Info.RedriveCount})
	} else {
		s.emit(p, history.Event{Type: history.MapRunStarted, MapRunARN: spec.ARN})
	}
	p.TaskToken = s.src.TaskToken()
	p.TaskID = s.nextID()
	p.MapRun = spec.ARN
	p.Phase = PhaseTask
	p.TaskStarted = true
	s.effect(Effect{Kind: EffectInvokeTask, Task: &TaskDispatch{TaskID: p.TaskID, PathID: p.ID, State: st.Name, Token: p.TaskToken, MapRun: spec}})
}

// mapRunSpec evaluates what a Map Run needs.
func (s *stepper) mapRunSpec(p *Path, env *asl.Env, input any, maxConc int64) (*MapRunSpec, error) {
	st := p.state
	m := st.Map
	ql := st.QueryLanguage
	if err := s.checkTolerance(env, st); err != nil {
		return nil, err
	}
	spec := &MapRunSpec{Graph: m.Processor.ID, StateGraph: p.Graph, State: st.Name, ExecutionType: m.ExecutionType,
		MaxConcurrency: int(maxConc), ToleratedFailureCount: -1, ToleratedFailurePercentage: -1}
	if spec.ExecutionType == "" {
		spec.ExecutionType = "STANDARD"
	}
	if f := m.ToleratedFailureCount; f != nil {
		n, _, _ := integerField(env, f, ql)
		spec.ToleratedFailureCount = n
	}
	if f := m.ToleratedFailurePercentage; f != nil {
		if v, err := f.Expr.Eval(env); err == nil {
			spec.ToleratedFailurePercentage, _ = toFloat(v, f.IsPath && ql == asl.JSONPath)
		}
	}
	label := m.Label
	if label == "" {
		// As AWS names it: a UUID of the Map state, the same in every run, so
		// that the run's machine (<machine>/<label>) is the state's.
		label = stateUUID(s.x.Info.StateMachineID + "#" + st.Location)
	}
	spec.MachineARN = s.x.Info.StateMachineID + "/" + label
	spec.ARN = strings.Replace(s.x.Info.StateMachineID, ":stateMachine:", ":mapRun:", 1) + "/" + label + ":" + s.src.UUID()

	if r := m.Reader; r != nil {
		rd := &MapRunReader{Resource: r.Resource.ARN, InputType: r.InputType, CSVHeaderLocation: r.CSVHeaderLocation,
			CSVHeaders: r.CSVHeaders, CSVDelimiter: r.CSVDelimiter, ManifestType: r.ManifestType}
		if r.Arguments != nil {
			v, err := r.Arguments.Eval(env)
			if err != nil {
				return nil, err
			}
			rd.Arguments = raw(v)
		}
		if r.MaxItems != nil {
			n, v, err := integerField(env, r.MaxItems, ql)
			if err != nil || n < 0 {
				if ql == asl.JSONata && err == errNotInteger {
					return nil, asl.UnexpectedType(r.MaxItems.Expr, r.MaxItems.Name, "non-negative integer", v)
				}
				return nil, aslerr.Newf(aslerr.Runtime, "The %s field must be a non-negative integer: %s", r.MaxItems.Name, jsonvalue.String(v))
			}
			rd.MaxItems = n
		}
		spec.Reader = rd
	}
	if w := m.Writer; w != nil {
		wr := &MapRunWriter{OutputType: w.OutputType, Transformation: w.Transformation}
		if w.Resource != nil {
			wr.Resource = w.Resource.ARN
		}
		if w.Arguments != nil {
			v, err := w.Arguments.Eval(env)
			if err != nil {
				return nil, err
			}
			wr.Arguments = raw(v)
		}
		spec.Writer = wr
	}
	sh := &spec.Shape
	if m.ItemSelector != nil {
		sh.Selector = true
		sh.Input = raw(input)
		sh.Vars = raw(s.visibleVars(p))
		sh.Execution = raw(s.x.Info.Input)
		sh.EnteredAt = p.EnteredTime
		sh.RetryCount = p.Retries
	}
	if b := m.Batcher; b != nil {
		sh.Batch = true
		for _, f := range []struct {
			field *asl.Field
			dst   *int64
		}{{b.MaxItemsPerBatch, &sh.MaxItems}, {b.MaxInputBytesPerBatch, &sh.MaxBytes}} {
			if f.field == nil {
				continue
			}
			n, v, err := integerField(env, f.field, ql)
			if err != nil || n <= 0 {
				if ql == asl.JSONata {
					return nil, asl.UnexpectedType(f.field.Expr, f.field.Name, "positive integer", v)
				}
				return nil, aslerr.Newf(aslerr.Runtime, "The %s field must be a positive integer: %s", f.field.Name, jsonvalue.String(v))
			}
			*f.dst = n
		}
		// AWS batches up to 256 KiB, its payload quota, with or without
		// MaxInputBytesPerBatch: a child's input is never larger.
		if max := int64(s.x.Limits.MaxPayloadBytes); max > 0 && (sh.MaxBytes == 0 || sh.MaxBytes > max) {
			sh.MaxBytes = max
		}
		if b.BatchInput != nil {
			v, err := b.BatchInput.Eval(env)
			if err != nil {
				return nil, err
			}
			sh.BatchInput = raw(v)
		}
	}
	return spec, nil
}

// stateUUID is a name-based UUID (version 3's layout) of key: two 64-bit
// FNV-1a hashes of it, so that the interpreter stays free of I/O and
// randomness.
func stateUUID(key string) string {
	h := func(seed uint64) uint64 {
		x := seed
		for i := 0; i < len(key); i++ {
			x ^= uint64(key[i])
			x *= 1099511628211
		}
		return x
	}
	var b [16]byte
	hi, lo := h(14695981039346656037), h(14695981039346656037^0x9e3779b97f4a7c15)
	for i := range 8 {
		b[i], b[8+i] = byte(hi>>(56-8*i)), byte(lo>>(56-8*i))
	}
	b[6] = b[6]&0x0f | 0x30
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&0x0f])
	}
	return string(out)
}

// visibleVars returns the variables p's state sees, as one object.
func (s *stepper) visibleVars(p *Path) *jsonvalue.Object {
	out := jsonvalue.NewObject(4)
	for q := p; q != nil; {
		if q.Vars != nil {
			for name, v := range q.Vars.All() {
				if !out.Has(name) {
					out.Set(name, v)
				}
			}
		}
		parent := s.x.Paths[q.Parent]
		if parent == nil || (q.Detached && !parent.Detached) {
			break
		}
		q = parent
	}
	return out
}

// mapInputs shapes the items that came with the state's input.
func (s *stepper) mapInputs(st *asl.State, spec *MapRunSpec, items []any) (json.RawMessage, error) {
	sh, err := NewMapShaper(st, s.x.Info, &spec.Shape, s.src, s.now)
	if err != nil {
		return nil, err
	}
	var inputs []any
	emit := func(in any) error {
		inputs = append(inputs, in)
		return nil
	}
	for _, item := range items {
		if err := sh.Add(item, emit); err != nil {
			return nil, err
		}
	}
	if err := sh.Flush(emit); err != nil {
		return nil, err
	}
	if inputs == nil {
		inputs = []any{}
	}
	return raw(inputs), nil
}

// mapRunEvent applies the outcome of a Map Run to its Map state.
func (s *stepper) mapRunEvent(p *Path, ev Event) {
	switch ev.Kind {
	case EventTaskSucceeded:
		p.TaskID, p.MapRun = 0, ""
		started := p.LastEventID // MapRunStarted (or MapRunRedriven)
		s.emit(p, history.Event{Type: history.MapRunSucceeded})
		s.emit(p, history.Event{Type: history.MapStateSucceeded})
		// AWS's MapStateExited points back to MapRunStarted, not to
		// MapStateSucceeded, as its recordings show.
		p.LastEventID = started
		out, assigned, err := s.resultOutput(p, ev.Output)
		if err != nil {
			s.fail(p, s.stateFailure(p, err))
			return
		}
		s.complete(p, out, assigned)
	case EventTaskFailed:
		if s.failedRuns == nil {
			s.failedRuns = map[int64]string{}
		}
		s.failedRuns[p.ID] = p.MapRun // for a redrive's snapshot
		p.TaskID, p.MapRun = 0, ""
		s.emit(p, history.Event{Type: history.MapRunFailed, Error: ev.Error, Cause: ev.Cause})
		s.failFrom(p, aslerr.New(ev.Error, ev.Cause), true)
	}
}

// MapShaper turns a Distributed Map's items into its children's inputs, one
// by one: the ItemSelector (in the environment the Map state started in, with
// $$.Map.Item), then the batches of the ItemBatcher. It is pure, like the
// interpreter: the engine shapes an ItemReader's items with it as it reads
// them.
type MapShaper struct {
	st    *asl.State
	shape *MapItemShape
	env   asl.Env
	base  asl.Context // the context, without $$.Map
	ctx   asl.Context
	vars  *jsonvalue.Object
	index int

	batch      []any
	batchBytes int
	batchInput any
	hasInput   bool
}

// NewMapShaper returns the shaper of a Map state's items: st is the Map
// state; info the parent execution's context ($$.Execution); the rest comes
// from the spec.
func NewMapShaper(st *asl.State, info *asl.ExecutionInfo, shape *MapItemShape, random asl.Random, now time.Time) (*MapShaper, error) {
	sh := &MapShaper{st: st, shape: shape}
	value := func(r json.RawMessage) (any, error) {
		if len(r) == 0 {
			return nil, nil
		}
		return jsonvalue.Parse(r)
	}
	if shape.Selector {
		input, err := value(shape.Input)
		if err != nil {
			return nil, fmt.Errorf("map run: %w", err)
		}
		vars, err := value(shape.Vars)
		if err != nil {
			return nil, fmt.Errorf("map run: %w", err)
		}
		sh.vars, _ = vars.(*jsonvalue.Object)
		sh.base = asl.Context{Execution: info, StateName: st.Name, EnteredTime: shape.EnteredAt, RetryCount: shape.RetryCount, HasRetry: true}
		sh.env = asl.Env{Input: input, StateInput: input, Context: &sh.ctx, Random: random, Now: now, Clock: clockOf(random)}
		if sh.vars != nil {
			sh.env.Vars = objectVars{sh.vars}
		}
	}
	if shape.Batch && len(shape.BatchInput) > 0 {
		v, err := value(shape.BatchInput)
		if err != nil {
			return nil, fmt.Errorf("map run: %w", err)
		}
		sh.batchInput, sh.hasInput = v, true
	}
	return sh, nil
}

// objectVars are variables held in one object.
type objectVars struct{ o *jsonvalue.Object }

func (v objectVars) Variable(name string) (any, bool) { return v.o.Get(name) }

// Add shapes the next item, and calls emit with each child input it makes.
func (sh *MapShaper) Add(item any, emit func(input any) error) error {
	input := item
	if sh.shape.Selector {
		sh.ctx = sh.base // a fresh context object: it keeps its JSON form once built
		sh.ctx.MapItem = &asl.MapItem{Index: sh.index, Value: item}
		v, err := sh.st.Map.ItemSelector.Eval(&sh.env)
		if err != nil {
			return err
		}
		input = v
	}
	sh.index++
	if !sh.shape.Batch {
		return emit(input)
	}
	// A batch's size is its child's input: {"BatchInput":...,"Items":[...]},
	// compact, with a comma between items.
	size := jsonvalue.Size(input)
	if max := sh.shape.MaxBytes; max > 0 && len(sh.batch) > 0 && int64(sh.batchBytes+1+size) > max {
		if err := sh.Flush(emit); err != nil {
			return err
		}
	}
	if max := sh.shape.MaxBytes; max > 0 && int64(sh.overhead()+size) > max {
		return aslerr.Newf(aslerr.DataLimitExceeded,
			"The item at index %d is larger than a batch of at most %d bytes (MaxInputBytesPerBatch).", sh.index-1, max)
	}
	if len(sh.batch) == 0 {
		sh.batchBytes = sh.overhead()
	} else {
		sh.batchBytes++
	}
	sh.batch = append(sh.batch, input)
	sh.batchBytes += size
	if max := sh.shape.MaxItems; max > 0 && int64(len(sh.batch)) >= max {
		return sh.Flush(emit)
	}
	return nil
}

// overhead is the size of a batch with no items: {"Items":[]}, and
// BatchInput when there is one.
func (sh *MapShaper) overhead() int {
	n := len(`{"Items":[]}`)
	if sh.hasInput {
		n += len(`"BatchInput":,`) + jsonvalue.Size(sh.batchInput)
	}
	return n
}

// Flush emits the last, partial batch.
func (sh *MapShaper) Flush(emit func(input any) error) error {
	if len(sh.batch) == 0 {
		return nil
	}
	b := jsonvalue.NewObject(2)
	if sh.hasInput {
		b.Set("BatchInput", sh.batchInput)
	}
	b.Set("Items", sh.batch)
	sh.batch, sh.batchBytes = nil, 0
	return emit(b)
}
