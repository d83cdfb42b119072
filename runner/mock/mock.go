// Package mock reads Step Functions Local's mock configuration
// (MockConfigFile.json, SFN_MOCK_CONFIG) and answers task invocations from
// it, so that test suites written for Step Functions Local run unchanged:
//
//	{"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<state>": "<response>"}}}},
//	 "MockedResponses": {"<response>": {"0": {"Return": ...}, "1-2": {"Throw": {"Error": ..., "Cause": ...}}}}}
//
// An execution started on "<machine ARN>#<case>" runs test case <case> of its
// machine: each Task state the case names is answered by its mocked
// response, whatever its resource (Lambda, activity, .waitForTaskToken,
// .sync, HTTP, AWS services), and the others run for real. A mocked response
// lists one answer per invocation of the state in the execution, counting
// from 0 (a Retry's attempts, a loop's rounds and a Map's iterations each
// invoke it again): "0", or a range "1-2", each a Return (the result) or a
// Throw (an error and its cause). An invocation past the last answer fails,
// as the documentation of Step Functions Local says.
package mock

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
)

// Config is a mock configuration: the test cases of state machines, and the
// mocked responses they use.
type Config struct {
	machines map[string]map[string]*TestCase
}

// TestCase is one test case of a state machine: the mocked responses of its
// Task states, by state name.
type TestCase struct {
	Machine, Name string
	States        map[string]*Responses
}

// Responses is a mocked response: one answer per invocation of the state.
type Responses struct {
	Name    string
	Answers []Answer // by invocation number
	// Repeat makes the last answer answer every later invocation too (an
	// inline mock of stepd test with one answer); Step Functions Local's
	// format has no such thing.
	Repeat bool
}

// Answer is one invocation's answer: Return (a result) or Throw (a failure).
type Answer struct {
	Return any
	Throw  *aslerr.Failure
}

// Load reads a mock configuration file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("mock configuration %s: %w", path, err)
	}
	return c, nil
}

// Parse reads a mock configuration. Every response a test case names must
// exist, and each response's invocation numbers must run from 0 without a
// gap or an overlap; anything the format does not have is refused, naming
// where it is.
func Parse(data []byte) (*Config, error) {
	v, err := jsonvalue.Parse(bytes.TrimSpace(data))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	top, ok := v.(*jsonvalue.Object)
	if !ok {
		return nil, errors.New("the mock configuration must be a JSON object")
	}
	for k := range top.All() {
		if k != "StateMachines" && k != "MockedResponses" {
			return nil, fmt.Errorf("unknown field %q: a mock configuration has StateMachines and MockedResponses", k)
		}
	}
	responses := map[string]*Responses{}
	if rv, ok := top.Get("MockedResponses"); ok {
		ro, ok := rv.(*jsonvalue.Object)
		if !ok {
			return nil, errors.New("MockedResponses must be an object")
		}
		for name, r := range ro.All() {
			resp, err := ParseResponses(name, r)
			if err != nil {
				return nil, err
			}
			responses[name] = resp
		}
	}
	c := &Config{machines: map[string]map[string]*TestCase{}}
	smv, ok := top.Get("StateMachines")
	if !ok {
		return c, nil
	}
	sms, ok := smv.(*jsonvalue.Object)
	if !ok {
		return nil, errors.New("StateMachines must be an object")
	}
	for machine, mv := range sms.All() {
		mo, ok := mv.(*jsonvalue.Object)
		if !ok {
			return nil, fmt.Errorf("StateMachines.%s must be an object", machine)
		}
		cases := map[string]*TestCase{}
		for k, tv := range mo.All() {
			if k != "TestCases" {
				return nil, fmt.Errorf("StateMachines.%s: unknown field %q: a state machine has TestCases", machine, k)
			}
			to, ok := tv.(*jsonvalue.Object)
			if !ok {
				return nil, fmt.Errorf("StateMachines.%s.TestCases must be an object", machine)
			}
			for name, cv := range to.All() {
				co, ok := cv.(*jsonvalue.Object)
				if !ok {
					return nil, fmt.Errorf("StateMachines.%s.TestCases.%s must be an object of state names to mocked responses", machine, name)
				}
				tc := &TestCase{Machine: machine, Name: name, States: map[string]*Responses{}}
				for state, rv := range co.All() {
					rname, ok := rv.(string)
					if !ok {
						return nil, fmt.Errorf("StateMachines.%s.TestCases.%s.%s must name a mocked response", machine, name, state)
					}
					resp := responses[rname]
					if resp == nil {
						return nil, fmt.Errorf("StateMachines.%s.TestCases.%s.%s: no mocked response %q in MockedResponses", machine, name, state, rname)
					}
					tc.States[state] = resp
				}
				cases[name] = tc
			}
		}
		c.machines[machine] = cases
	}
	return c, nil
}

// ParseResponses reads one mocked response: invocation numbers ("0") or
// ranges ("1-2") to a Return or a Throw.
func ParseResponses(name string, v any) (*Responses, error) {
	o, ok := v.(*jsonvalue.Object)
	if !ok || o.Len() == 0 {
		return nil, fmt.Errorf("MockedResponses.%s must be an object of invocation numbers to answers", name)
	}
	type span struct {
		from, to int
		a        Answer
	}
	var spans []span
	for key, av := range o.All() {
		from, to, err := parseRange(key)
		if err != nil {
			return nil, fmt.Errorf("MockedResponses.%s: %w", name, err)
		}
		a, err := parseAnswer(av)
		if err != nil {
			return nil, fmt.Errorf("MockedResponses.%s.%s: %w", name, key, err)
		}
		spans = append(spans, span{from, to, a})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from < spans[j].from })
	r := &Responses{Name: name}
	for _, s := range spans {
		if s.from != len(r.Answers) {
			return nil, fmt.Errorf("MockedResponses.%s: the invocation numbers must run from 0 without a gap or an overlap: %d follows %d",
				name, s.from, len(r.Answers)-1)
		}
		for i := s.from; i <= s.to; i++ {
			r.Answers = append(r.Answers, s.a)
		}
	}
	return r, nil
}

// maxInvocations bounds a range, so that a file cannot make stepd allocate
// without limit.
const maxInvocations = 100000

func parseRange(key string) (int, int, error) {
	a, b, isRange := strings.Cut(strings.TrimSpace(key), "-")
	from, err1 := strconv.Atoi(a)
	to := from
	var err2 error
	if isRange {
		to, err2 = strconv.Atoi(b)
	}
	if err1 != nil || err2 != nil || from < 0 || to < from {
		return 0, 0, fmt.Errorf("%q is not an invocation number (\"0\") or range (\"1-2\")", key)
	}
	if to >= maxInvocations {
		return 0, 0, fmt.Errorf("%q: invocation numbers go up to %d", key, maxInvocations-1)
	}
	return from, to, nil
}

func parseAnswer(v any) (Answer, error) {
	o, ok := v.(*jsonvalue.Object)
	if !ok || o.Len() != 1 {
		return Answer{}, errors.New("an answer is an object with one field, Return or Throw")
	}
	if r, ok := o.Get("Return"); ok {
		return Answer{Return: r}, nil
	}
	t, ok := o.Get("Throw")
	if !ok {
		k, _ := o.At(0)
		return Answer{}, fmt.Errorf("unknown field %q: an answer is a Return or a Throw", k)
	}
	to, ok := t.(*jsonvalue.Object)
	if !ok {
		return Answer{}, errors.New("Throw must be an object with Error and Cause")
	}
	f := &aslerr.Failure{}
	for k, fv := range to.All() {
		s, isStr := fv.(string)
		switch {
		case k == "Error" && isStr:
			f.Name = s
		case k == "Cause" && isStr:
			f.Cause = s
		case k == "Error" || k == "Cause":
			return Answer{}, fmt.Errorf("Throw.%s must be a string", k)
		default:
			return Answer{}, fmt.Errorf("Throw: unknown field %q: a Throw has Error and Cause", k)
		}
	}
	if f.Name == "" {
		return Answer{}, errors.New("Throw must have an Error")
	}
	return Answer{Throw: f}, nil
}

// TestCase returns test case name of the state machine machine, or an error
// that names what the configuration does not have.
func (c *Config) TestCase(machine, name string) (*TestCase, error) {
	cases, ok := c.machines[machine]
	if !ok {
		return nil, fmt.Errorf("the mock configuration has no state machine %q", machine)
	}
	tc, ok := cases[name]
	if !ok {
		return nil, fmt.Errorf("the mock configuration has no test case %q for state machine %q", name, machine)
	}
	return tc, nil
}

// Machines returns the names of the state machines that have test cases.
func (c *Config) Machines() []string {
	out := make([]string, 0, len(c.machines))
	for m := range c.machines {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// Answer returns the answer to invocation n (from 0) of the state, and a
// failure when the response has none.
func (r *Responses) Answer(state string, n int) Answer {
	if n < len(r.Answers) {
		return r.Answers[n]
	}
	if r.Repeat && len(r.Answers) > 0 {
		return r.Answers[len(r.Answers)-1]
	}
	return Answer{Throw: aslerr.Newf(aslerr.Runtime,
		"The mocked response '%s' of state '%s' has no answer for invocation %d (it has answers for invocations 0 to %d).",
		r.Name, state, n, len(r.Answers)-1)}
}

// Outcome is the answer as a task's outcome for resource res: a Lambda
// function called by its ARN gives the Payload of the Invoke response its
// Return mocks (Step Functions hands on the function's result); every other
// resource gives the Return as it is.
func (a Answer) Outcome(res asl.Resource) runner.Outcome {
	if a.Throw != nil {
		return runner.Outcome{Failure: a.Throw}
	}
	if res.Kind == asl.ResourceLambda {
		if o, ok := a.Return.(*jsonvalue.Object); ok {
			if p, ok := o.Get("Payload"); ok {
				return runner.Succeeded(p)
			}
		}
	}
	return runner.Succeeded(a.Return)
}

// MaxRuns bounds the executions Mocks answers for at once.
const MaxRuns = 10000

// Mocks answers the task invocations of the executions bound to a test
// case. It is safe for concurrent use.
type Mocks struct {
	mu   sync.Mutex
	runs map[string]*run
}

// run is one execution's test case and its invocation counts.
type run struct {
	tc    *TestCase
	count map[string]int   // state → invocations so far
	tasks map[int64]int    // task ID → its invocation number (a task delivered again is the same invocation)
	names map[int64]string // task ID → state
}

// NewMocks returns a Mocks that answers for no execution yet.
func NewMocks() *Mocks { return &Mocks{runs: map[string]*run{}} }

// Bind makes the test case answer the tasks of the execution. It reports
// false when the execution is bound already (its test case stays), and an
// error when MaxRuns executions are bound.
func (m *Mocks) Bind(executionARN string, tc *TestCase) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.runs[executionARN]; ok {
		return false, nil
	}
	if len(m.runs) >= MaxRuns {
		return false, fmt.Errorf("%d executions with a mock test case are running already", MaxRuns)
	}
	m.runs[executionARN] = &run{tc: tc, count: map[string]int{}, tasks: map[int64]int{}, names: map[int64]string{}}
	return true, nil
}

// Ended forgets an execution.
func (m *Mocks) Ended(executionARN string) {
	m.mu.Lock()
	delete(m.runs, executionARN)
	m.mu.Unlock()
}

// Mock returns the outcome of a task invocation and true when its execution
// runs a test case that mocks its state.
func (m *Mocks) Mock(t *runner.Task) (runner.Outcome, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.runs[t.ExecutionARN]
	if r == nil {
		return runner.Outcome{}, false
	}
	resp := r.tc.States[t.StateName]
	if resp == nil {
		return runner.Outcome{}, false
	}
	n, seen := r.tasks[t.ID]
	if !seen || r.names[t.ID] != t.StateName {
		n = r.count[t.StateName]
		r.count[t.StateName] = n + 1
		r.tasks[t.ID], r.names[t.ID] = n, t.StateName
	}
	return resp.Answer(t.StateName, n).Outcome(t.Resource), true
}

// TestCaseOf is the test case an execution runs, or nil. A Distributed
// Map's children run their parent's, as in Step Functions Local.
func (m *Mocks) TestCaseOf(executionARN string) *TestCase {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r := m.runs[executionARN]; r != nil {
		return r.tc
	}
	return nil
}

// Bound reports whether the execution runs a test case.
func (m *Mocks) Bound(executionARN string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.runs[executionARN]
	return ok
}
