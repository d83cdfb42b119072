package interp_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
)

// The golden replay corpus: testdata/replay/*/case.json are definitions,
// inputs and scripted events; golden.json beside each is what this
// interpreter recorded for it, step by step: the history events, the effects
// and the encoded execution. See testdata/replay/README.md.

var update = flag.Bool("update", false, "rewrite the golden files of testdata/replay from this build")

const replayDir = "testdata/replay"

// replayCase is a case.json.
type replayCase struct {
	Comment    string          `json:"comment"`
	Definition json.RawMessage `json:"definition"`
	Input      json.RawMessage `json:"input"`
	Events     []scriptEvent   `json:"events"`
}

// scriptEvent is one scripted event; the tasks and timers it concerns are
// named by what they are, and resolved to their IDs when it is applied.
type scriptEvent struct {
	Event   string          `json:"event"`
	State   string          `json:"state,omitempty"`
	Nth     int             `json:"nth,omitempty"`
	TaskID  int64           `json:"taskId,omitempty"`
	Timer   string          `json:"timer,omitempty"`
	TimerID int64           `json:"timerId,omitempty"`
	After   float64         `json:"after,omitempty"`
	Output  json.RawMessage `json:"output,omitempty"`
	Error   string          `json:"error,omitempty"`
	Cause   string          `json:"cause,omitempty"`
	Worker  string          `json:"worker,omitempty"`
}

// golden is a golden.json: one entry per step, the start first.
type golden struct {
	Steps []goldenStep `json:"steps"`
}

// goldenStep is what one step was given and what it produced.
type goldenStep struct {
	Event   goldenEvent       `json:"event"`
	Time    time.Time         `json:"time"`
	Applied bool              `json:"applied"`
	History []json.RawMessage `json:"history"`
	Effects []goldenEffect    `json:"effects"`
	Source  sourcePosition    `json:"source"`
	State   json.RawMessage   `json:"state"`
}

// goldenEvent is an interp.Event as it was applied, with the IDs resolved.
// State and Timer only say what the IDs name.
type goldenEvent struct {
	Event   string          `json:"event"`
	State   string          `json:"state,omitempty"`
	TaskID  int64           `json:"taskId,omitempty"`
	Timer   string          `json:"timer,omitempty"`
	TimerID int64           `json:"timerId,omitempty"`
	Output  json.RawMessage `json:"output,omitempty"`
	Error   string          `json:"error,omitempty"`
	Cause   string          `json:"cause,omitempty"`
	Worker  string          `json:"worker,omitempty"`
}

// goldenEffect is an interp.Effect.
type goldenEffect struct {
	Effect           string          `json:"effect"`
	TaskID           int64           `json:"taskId,omitempty"`
	PathID           int64           `json:"pathId,omitempty"`
	State            string          `json:"state,omitempty"`
	Resource         string          `json:"resource,omitempty"`
	Input            json.RawMessage `json:"input,omitempty"`
	Token            string          `json:"token,omitempty"`
	TimeoutSeconds   int64           `json:"timeoutSeconds,omitempty"`
	HeartbeatSeconds int64           `json:"heartbeatSeconds,omitempty"`
	Attempt          int             `json:"attempt,omitempty"`
	Credentials      json.RawMessage `json:"credentials,omitempty"`
	MapRun           json.RawMessage `json:"mapRun,omitempty"`
	Timer            string          `json:"timer,omitempty"`
	TimerID          int64           `json:"timerId,omitempty"`
	Due              *time.Time      `json:"due,omitempty"`
}

// sourcePosition is how far the seeded source has gone: identifiers given
// (task tokens, UUIDs) and 64-bit words drawn from its PCG.
type sourcePosition struct {
	IDs   int `json:"ids"`
	Draws int `json:"draws"`
}

var eventKinds = map[interp.EventKind]string{
	interp.EventStart: "Start", interp.EventTaskStarted: "TaskStarted", interp.EventTaskSubmitted: "TaskSubmitted",
	interp.EventTaskSucceeded: "TaskSucceeded", interp.EventTaskFailed: "TaskFailed", interp.EventTaskHeartbeat: "TaskHeartbeat",
	interp.EventTimerFired: "TimerFired", interp.EventStop: "Stop",
}

var effectKinds = map[interp.EffectKind]string{
	interp.EffectInvokeTask: "InvokeTask", interp.EffectCancelTask: "CancelTask", interp.EffectArmTimer: "ArmTimer",
	interp.EffectCancelTimer: "CancelTimer", interp.EffectFinish: "Finish",
}

var timerKinds = map[interp.TimerKind]string{
	interp.TimerWait: "Wait", interp.TimerRetry: "Retry", interp.TimerTaskTimeout: "TaskTimeout",
	interp.TimerHeartbeat: "Heartbeat", interp.TimerExecutionTimeout: "ExecutionTimeout",
}

func kindOf[K comparable](names map[K]string, name string) (K, bool) {
	for k, n := range names {
		if n == name {
			return k, true
		}
	}
	var zero K
	return zero, false
}

// countingPCG is the PCG of the tests' seededSource, counting its draws so
// that a source can be put back where a step left it.
type countingPCG struct {
	pcg   *rand.PCG
	draws int
}

func (c *countingPCG) Uint64() uint64 { c.draws++; return c.pcg.Uint64() }

// replaySource is the tests' seeded source (newSource) at a position.
func replaySource(at sourcePosition) (*seededSource, *countingPCG) {
	c := &countingPCG{pcg: rand.NewPCG(1, 2)}
	for range at.Draws {
		c.pcg.Uint64()
	}
	c.draws = at.Draws
	return &seededSource{r: rand.New(c), n: at.IDs}, c
}

// replayer steps one execution and keeps what a driver would: the open tasks
// and timers, and the clock.
type replayer struct {
	def *asl.Definition
	x   *interp.Execution
	src *seededSource
	pcg *countingPCG
	now time.Time
	res interp.Result

	tasks  []openTask
	timers []openTimer
}

type openTask struct {
	id    int64
	state string
	input any
}

type openTimer struct {
	id   int64
	kind interp.TimerKind
	due  time.Time
}

// step applies ev at the replayer's time and records the step.
func (r *replayer) step(t *testing.T, ev interp.Event, gev goldenEvent) goldenStep {
	t.Helper()
	r.res.Reset()
	if err := interp.Step(r.def, r.x, ev, r.now, r.src, &r.res); err != nil {
		t.Fatalf("Step(%s): %v", gev.Event, err)
	}
	st := goldenStep{Event: gev, Time: r.now, Applied: r.res.Applied, History: []json.RawMessage{}, Effects: []goldenEffect{},
		Source: sourcePosition{IDs: r.src.n, Draws: r.pcg.draws}}
	for i := range r.res.Events {
		st.History = append(st.History, r.res.Events[i].AppendJSON(nil, history.EncodeOptions{}))
	}
	for _, e := range r.res.Effects {
		ge := goldenEffect{Effect: effectKinds[e.Kind]}
		if ge.Effect == "" || e.Kind == interp.EffectArmTimer && timerKinds[e.Timer.Kind] == "" {
			t.Fatalf("the effect %+v has no name in replay_test.go's effectKinds or timerKinds: add it, and its fields to goldenEffect", e)
		}
		switch e.Kind {
		case interp.EffectInvokeTask, interp.EffectCancelTask:
			d := e.Task
			ge.TaskID, ge.PathID, ge.State, ge.Token = d.TaskID, d.PathID, d.State, d.Token
			if d.MapRun != nil {
				spec, err := json.Marshal(d.MapRun)
				if err != nil {
					t.Fatal(err)
				}
				ge.MapRun = spec
			}
			if e.Kind == interp.EffectInvokeTask {
				if d.MapRun == nil {
					ge.Resource, ge.Input = d.Resource.ARN, jsonvalue.Marshal(d.Input)
				}
				ge.TimeoutSeconds, ge.HeartbeatSeconds, ge.Attempt = d.TimeoutSeconds, d.HeartbeatSeconds, d.Attempt
				if d.Credentials != nil {
					ge.Credentials = jsonvalue.Marshal(d.Credentials)
				}
				r.tasks = append(r.tasks, openTask{d.TaskID, d.State, d.Input})
			} else {
				r.tasks = slices.DeleteFunc(r.tasks, func(o openTask) bool { return o.id == d.TaskID })
			}
		case interp.EffectArmTimer:
			due := e.Timer.Due.UTC()
			ge.TimerID, ge.Timer, ge.Due = e.Timer.ID, timerKinds[e.Timer.Kind], &due
			r.timers = append(r.timers, openTimer{e.Timer.ID, e.Timer.Kind, e.Timer.Due})
		case interp.EffectCancelTimer:
			ge.TimerID = e.Timer.ID
			r.timers = slices.DeleteFunc(r.timers, func(o openTimer) bool { return o.id == e.Timer.ID })
		}
		st.Effects = append(st.Effects, ge)
	}
	data, err := r.x.MarshalBinary()
	if err != nil {
		t.Fatalf("MarshalBinary: %v", err)
	}
	st.State = data
	return st
}

// resolve turns a scripted event into the event to apply, moving the clock.
func (r *replayer) resolve(se scriptEvent) (interp.Event, goldenEvent, error) {
	r.now = r.now.Add(time.Duration(se.After * float64(time.Second)))
	kind, ok := kindOf(eventKinds, se.Event)
	if !ok || kind == interp.EventStart {
		return interp.Event{}, goldenEvent{}, fmt.Errorf("unknown event %q", se.Event)
	}
	ev := interp.Event{Kind: kind, Error: se.Error, Cause: se.Cause, WorkerName: se.Worker}
	gev := goldenEvent{Event: se.Event, Error: se.Error, Cause: se.Cause, Worker: se.Worker}
	switch kind {
	case interp.EventStop:
	case interp.EventTimerFired:
		tm, err := r.timer(se)
		if err != nil {
			return ev, gev, err
		}
		if tm.due.After(r.now) {
			r.now = tm.due
		}
		ev.TimerID, gev.TimerID, gev.Timer = tm.id, tm.id, timerKinds[tm.kind]
	default:
		task, err := r.task(se)
		if err != nil {
			return ev, gev, err
		}
		ev.TaskID, gev.TaskID, gev.State = task.id, task.id, task.state
		if kind == interp.EventTaskSucceeded || kind == interp.EventTaskSubmitted {
			ev.Output = task.input
			if len(se.Output) > 0 {
				if ev.Output, err = jsonvalue.Parse(se.Output); err != nil {
					return ev, gev, fmt.Errorf("output: %w", err)
				}
			}
			gev.Output = jsonvalue.Marshal(ev.Output)
		}
		if kind == interp.EventTaskSucceeded || kind == interp.EventTaskFailed {
			r.tasks = slices.DeleteFunc(r.tasks, func(o openTask) bool { return o.id == task.id })
		}
	}
	return ev, gev, nil
}

// task finds the open task a scripted event is for.
func (r *replayer) task(se scriptEvent) (openTask, error) {
	if se.TaskID != 0 {
		for _, o := range r.tasks {
			if o.id == se.TaskID {
				return o, nil
			}
		}
		return openTask{id: se.TaskID}, nil // a task that is no longer open: a stale event
	}
	n := se.Nth
	for _, o := range r.tasks {
		if se.State == "" || o.state == se.State {
			if n == 0 {
				return o, nil
			}
			n--
		}
	}
	return openTask{}, fmt.Errorf("no open task (number %d) of state %q; open: %v", se.Nth, se.State, r.tasks)
}

// timer finds the timer a scripted TimerFired is for: the one named, or the
// earliest due (of its kind), the first armed among equals.
func (r *replayer) timer(se scriptEvent) (openTimer, error) {
	if se.TimerID != 0 {
		for _, o := range r.timers {
			if o.id == se.TimerID {
				r.timers = slices.DeleteFunc(r.timers, func(x openTimer) bool { return x.id == o.id })
				return o, nil
			}
		}
		return openTimer{id: se.TimerID}, nil
	}
	var kind interp.TimerKind
	if se.Timer != "" {
		var ok bool
		if kind, ok = kindOf(timerKinds, se.Timer); !ok {
			return openTimer{}, fmt.Errorf("unknown timer kind %q", se.Timer)
		}
	}
	best := -1
	for i, o := range r.timers {
		if (kind == 0 || o.kind == kind) && (best < 0 || o.due.Before(r.timers[best].due)) {
			best = i
		}
	}
	if best < 0 {
		return openTimer{}, fmt.Errorf("no open timer of kind %q; open: %v", se.Timer, r.timers)
	}
	tm := r.timers[best]
	r.timers = slices.Delete(r.timers, best, best+1)
	return tm, nil
}

// toEvent is the interp.Event a golden event records.
func (g goldenEvent) toEvent() (interp.Event, error) {
	kind, ok := kindOf(eventKinds, g.Event)
	if !ok {
		return interp.Event{}, fmt.Errorf("unknown event %q", g.Event)
	}
	ev := interp.Event{Kind: kind, TaskID: g.TaskID, TimerID: g.TimerID, Error: g.Error, Cause: g.Cause, WorkerName: g.Worker}
	if len(g.Output) > 0 {
		v, err := jsonvalue.Parse(g.Output)
		if err != nil {
			return ev, err
		}
		ev.Output = v
	}
	return ev, nil
}

// replayCaseDirs lists the cases.
func replayCaseDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(replayDir)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) == 0 {
		t.Fatalf("no cases in %s", replayDir)
	}
	return dirs
}

// TestReplay replays every case of the corpus from its start and compares each
// step with golden.json; then, for each step k, it decodes the golden state k
// (as the build that recorded it wrote it) and continues the recorded events
// from there, comparing what follows with the golden steps. With -update it
// rewrites golden.json from this build first.
func TestReplay(t *testing.T) {
	for _, name := range replayCaseDirs(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(replayDir, name)
			c, def := readReplayCase(t, dir)
			fresh := replayFromStart(t, c, def)
			want := encodeGolden(t, fresh)
			path := filepath.Join(dir, "golden.json")
			if *update {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			have, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v: run go test ./interp -run TestReplay -update to record it", err)
			}
			var recorded golden
			if err := json.Unmarshal(have, &recorded); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !bytes.Equal(have, want) {
				reportGoldenDiff(t, fresh, &recorded)
			}
			continueFromEachStep(t, def, &recorded)
		})
	}
}

func readReplayCase(t *testing.T, dir string) (*replayCase, *asl.Definition) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "case.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c replayCase
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("case.json: %v", err)
	}
	if c.Comment == "" || len(c.Definition) == 0 || len(c.Input) == 0 {
		t.Fatal("case.json needs a comment, a definition and an input")
	}
	return &c, mustDefinition(t, string(c.Definition))
}

// replayFromStart runs a case's script from the start on a fresh execution.
func replayFromStart(t *testing.T, c *replayCase, def *asl.Definition) *golden {
	t.Helper()
	input, err := jsonvalue.Parse(c.Input)
	if err != nil {
		t.Fatalf("input: %v", err)
	}
	src, pcg := replaySource(sourcePosition{})
	r := &replayer{def: def, x: newExecution(input), src: src, pcg: pcg, now: epoch}
	g := &golden{Steps: []goldenStep{r.step(t, interp.Event{Kind: interp.EventStart}, goldenEvent{Event: "Start"})}}
	for i, se := range c.Events {
		ev, gev, err := r.resolve(se)
		if err != nil {
			t.Fatalf("event %d (%s): %v", i+1, se.Event, err)
		}
		g.Steps = append(g.Steps, r.step(t, ev, gev))
	}
	if r.x.Status == interp.StatusRunning {
		t.Fatalf("the script leaves the execution running: add the events that end it")
	}
	checkGoldenHistory(t, g)
	return g
}

// checkGoldenHistory checks what any history must be: ids from 1 with no
// gap, each previousEventId pointing backwards, and one end, last.
func checkGoldenHistory(t *testing.T, g *golden) {
	t.Helper()
	var id int64
	for _, st := range g.Steps {
		for _, raw := range st.History {
			var e struct {
				ID, PreviousEventID int64
				Type                string
			}
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatal(err)
			}
			id++
			if e.ID != id || e.PreviousEventID < 0 || e.PreviousEventID >= e.ID {
				t.Fatalf("event %s has id %d and previousEventId %d, after event %d", e.Type, e.ID, e.PreviousEventID, id-1)
			}
			ended := strings.HasPrefix(e.Type, "Execution") && e.Type != "ExecutionStarted"
			if ended != (id == countEvents(g)) {
				t.Fatalf("event %d is %s, and the history has %d events", id, e.Type, countEvents(g))
			}
		}
	}
}

func countEvents(g *golden) int64 {
	n := 0
	for _, st := range g.Steps {
		n += len(st.History)
	}
	return int64(n)
}

// continueFromEachStep decodes each recorded state but the last and applies
// the recorded events that follow it, as an engine does with a stored
// execution after an upgrade: each step must give the recorded history,
// effects and source position, and the state the recorded one decodes to. It
// also checks that each recorded state encodes back to its own bytes: when
// only that fails, the encoding changed in a way the states recorded before
// still survive.
func continueFromEachStep(t *testing.T, def *asl.Definition, g *golden) {
	t.Helper()
	decoded := make([]json.RawMessage, len(g.Steps)) // each recorded state, decoded and encoded again
	for k := range g.Steps {
		x, err := interp.UnmarshalExecution(g.Steps[k].State)
		if err != nil {
			t.Fatalf("the golden state of step %d does not decode: %v", k, err)
		}
		if decoded[k], err = x.MarshalBinary(); err != nil {
			t.Fatal(err)
		}
	}
	for k := range g.Steps {
		if a, b := indent(decoded[k]), indent(g.Steps[k].State); !bytes.Equal(a, b) {
			t.Errorf("the golden state of step %d, decoded, encodes to other bytes (the encoding changed, or the decoder loses a field; "+
				"if no continuation fails and the change is intended, run -update):\n%s", k, lineDiff(a, b))
			break
		}
	}
	for k := 0; k < len(g.Steps)-1; k++ {
		x, _ := interp.UnmarshalExecution(g.Steps[k].State)
		src, pcg := replaySource(g.Steps[k].Source)
		r := &replayer{def: def, x: x, src: src, pcg: pcg}
		for j := k + 1; j < len(g.Steps); j++ {
			want := g.Steps[j]
			ev, err := want.Event.toEvent()
			if err != nil {
				t.Fatalf("step %d: %v", j, err)
			}
			r.now = want.Time
			got := r.step(t, ev, want.Event)
			want.State = decoded[j]
			if field, a, b := firstDifference(&got, &want); field != "" {
				t.Fatalf("continued from the golden state of step %d, step %d (%s) gives another %s:\n%s",
					k, j, describe(want.Event), field, lineDiff(a, b))
			}
		}
	}
}

// reportGoldenDiff says where a fresh replay departs from the recorded one.
func reportGoldenDiff(t *testing.T, fresh, recorded *golden) {
	t.Helper()
	const hint = "if the change is intended, run go test ./interp -run TestReplay -update and review git diff"
	for i := range max(len(fresh.Steps), len(recorded.Steps)) {
		if i >= len(fresh.Steps) || i >= len(recorded.Steps) {
			t.Errorf("the replay has %d steps, golden.json %d (%s)", len(fresh.Steps), len(recorded.Steps), hint)
			return
		}
		if field, a, b := firstDifference(&fresh.Steps[i], &recorded.Steps[i]); field != "" {
			t.Errorf("step %d (%s): the %s differs from golden.json (%s):\n%s", i, describe(recorded.Steps[i].Event), field, hint, lineDiff(a, b))
			return
		}
	}
	t.Errorf("golden.json is not as this build writes it (%s)", hint)
}

func describe(e goldenEvent) string {
	s := e.Event
	if e.State != "" {
		s += " " + e.State
	}
	if e.Timer != "" {
		s += " " + e.Timer
	}
	return s
}

// firstDifference compares two steps part by part, and returns the first
// part that differs with both sides, indented.
func firstDifference(got, want *goldenStep) (field string, a, b []byte) {
	parts := []struct {
		name      string
		got, want any
	}{
		{"event", got.Event, want.Event},
		{"time", got.Time, want.Time},
		{"applied", got.Applied, want.Applied},
		{"history", got.History, want.History},
		{"effects", got.Effects, want.Effects},
		{"source position", got.Source, want.Source},
		{"state", got.State, want.State},
	}
	for _, p := range parts {
		a, b := indent(p.got), indent(p.want)
		if !bytes.Equal(a, b) {
			return p.name, a, b
		}
	}
	return "", nil, nil
}

func indent(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func encodeGolden(t *testing.T, g *golden) []byte {
	t.Helper()
	return indent(g)
}

// lineDiff shows the first line where got and want differ, with some
// context.
func lineDiff(got, want []byte) string {
	a, b := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-3)
	show := func(lines []string) string {
		to := min(len(lines), i+4)
		if from >= to {
			return "  (ends here)"
		}
		return "  " + strings.Join(lines[from:to], "\n  ")
	}
	return fmt.Sprintf("at line %d\n got:\n%s\nwant:\n%s", i+1, show(a), show(b))
}
