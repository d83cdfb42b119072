package awsapi

import (
	"context"
	"math"
	"strings"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/validate"
	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/service/shapes"
)

// TestState runs one state alone, as AWS's TestState does: a single state's
// definition (named "StateName"), or a whole machine's with stateName; its
// input, variables and context; a mock of its work (result or errorOutput,
// checked against the service's result shape); the retries its Retrier made
// already and a Map's failed iterations; and reports its status, output, next
// state and, at DEBUG and TRACE, each stage of its data flow. Without a mock
// a Task state calls its resource for real (interp/teststate.go runs it).

type testStateInput struct {
	Definition         *string                 `json:"definition"`
	RoleArn            *string                 `json:"roleArn"`
	Input              *string                 `json:"input"`
	InspectionLevel    *string                 `json:"inspectionLevel"`
	RevealSecrets      *bool                   `json:"revealSecrets"`
	Variables          *string                 `json:"variables"`
	StateName          *string                 `json:"stateName"`
	Mock               *testStateMock          `json:"mock"`
	Context            *string                 `json:"context"`
	StateConfiguration *testStateConfiguration `json:"stateConfiguration"`
}

type testStateMock struct {
	Result              *string             `json:"result"`
	ErrorOutput         *testStateMockError `json:"errorOutput"`
	FieldValidationMode *string             `json:"fieldValidationMode"`
}

type testStateMockError struct {
	Error *string `json:"error"`
	Cause *string `json:"cause"`
}

type testStateConfiguration struct {
	RetrierRetryCount        *int64  `json:"retrierRetryCount"`
	ErrorCausedByState       *string `json:"errorCausedByState"`
	MapIterationFailureCount *int64  `json:"mapIterationFailureCount"`
	MapItemReaderData        *string `json:"mapItemReaderData"`
}

type testStateOutput struct {
	Output         *string             `json:"output,omitempty"`
	Error          string              `json:"error,omitempty"`
	Cause          string              `json:"cause,omitempty"`
	InspectionData *testInspectionData `json:"inspectionData,omitempty"`
	NextState      string              `json:"nextState,omitempty"`
	Status         string              `json:"status"`
}

type testInspectionData struct {
	Input                      *string           `json:"input,omitempty"`
	AfterArguments             *string           `json:"afterArguments,omitempty"`
	AfterInputPath             *string           `json:"afterInputPath,omitempty"`
	AfterParameters            *string           `json:"afterParameters,omitempty"`
	Result                     *string           `json:"result,omitempty"`
	AfterResultSelector        *string           `json:"afterResultSelector,omitempty"`
	AfterResultPath            *string           `json:"afterResultPath,omitempty"`
	Request                    *testHTTPRequest  `json:"request,omitempty"`
	Response                   *testHTTPResponse `json:"response,omitempty"`
	Variables                  *string           `json:"variables,omitempty"`
	ErrorDetails               *testErrorDetails `json:"errorDetails,omitempty"`
	AfterItemsPath             *string           `json:"afterItemsPath,omitempty"`
	AfterItemSelector          *string           `json:"afterItemSelector,omitempty"`
	ToleratedFailureCount      *int64            `json:"toleratedFailureCount,omitempty"`
	ToleratedFailurePercentage *float64          `json:"toleratedFailurePercentage,omitempty"`
	MaxConcurrency             *int64            `json:"maxConcurrency,omitempty"`
}

type testHTTPRequest struct {
	Protocol string `json:"protocol,omitempty"`
	Method   string `json:"method,omitempty"`
	URL      string `json:"url,omitempty"`
	Headers  string `json:"headers,omitempty"`
	Body     string `json:"body,omitempty"`
}

type testHTTPResponse struct {
	Protocol      string `json:"protocol,omitempty"`
	StatusCode    string `json:"statusCode,omitempty"`
	StatusMessage string `json:"statusMessage,omitempty"`
	Headers       string `json:"headers,omitempty"`
	Body          string `json:"body,omitempty"`
}

type testErrorDetails struct {
	CatchIndex                  *int   `json:"catchIndex,omitempty"`
	RetryIndex                  *int   `json:"retryIndex,omitempty"`
	RetryBackoffIntervalSeconds *int64 `json:"retryBackoffIntervalSeconds,omitempty"`
}

// testStateName is the name TestState gives the state of a single-state
// definition.
const testStateName = "StateName"

func validationError(format string, args ...any) *apiError {
	return errorf(CodeValidationException, format, args...)
}

func (h *Handler) testState(ctx context.Context, body []byte) (any, error) {
	var in testStateInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("definition", in.Definition != nil)
	v.length("definition", in.Definition, 1, 1048576, true)
	v.length("roleArn", in.RoleArn, 1, 256, false)
	v.length("input", in.Input, 0, 262144, true)
	v.enum("inspectionLevel", in.InspectionLevel, "INFO", "DEBUG", "TRACE")
	v.length("variables", in.Variables, 0, 262144, true)
	v.length("stateName", in.StateName, 1, 80, true)
	v.length("context", in.Context, 0, 262144, true)
	if m := in.Mock; m != nil {
		v.length("mock.result", m.Result, 0, 262144, true)
		v.enum("mock.fieldValidationMode", m.FieldValidationMode, "STRICT", "PRESENT", "NONE")
		if e := m.ErrorOutput; e != nil {
			v.length("mock.errorOutput.error", e.Error, 0, 256, true)
			v.length("mock.errorOutput.cause", e.Cause, 0, 32768, true)
		}
	}
	if c := in.StateConfiguration; c != nil {
		v.rangeInt("stateConfiguration.retrierRetryCount", c.RetrierRetryCount, 0, math.MaxInt32)
		v.rangeInt("stateConfiguration.mapIterationFailureCount", c.MapIterationFailureCount, 0, math.MaxInt32)
		v.length("stateConfiguration.errorCausedByState", c.ErrorCausedByState, 1, 80, true)
		v.length("stateConfiguration.mapItemReaderData", c.MapItemReaderData, 0, 262144, true)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	def, st, err := testDefinition(*in.Definition, in.StateName)
	if err != nil {
		return nil, err
	}
	t, err := h.prepareTest(ctx, &in, def, st)
	if err != nil {
		return nil, err
	}
	level := "INFO"
	if in.InspectionLevel != nil {
		level = *in.InspectionLevel
	}
	var exchange *service.HTTPExchange
	if level == "TRACE" {
		exchange = &service.HTTPExchange{RevealSecrets: in.RevealSecrets != nil && *in.RevealSecrets}
	}
	only := ""
	if account, apart := h.accountOf(ctx); apart {
		only = account
	}
	run := interp.RunState(t)
	for d := run.Task(); d != nil; d = run.Task() {
		run.Deliver(h.svc.RunTestTask(ctx, t.Info.ID, only, d, exchange))
	}
	out := testOutput(st, t, run.Outcome(), level)
	if exchange != nil && out.InspectionData != nil {
		if r := exchange.Request; r != nil {
			out.InspectionData.Request = &testHTTPRequest{Protocol: r.Protocol, Method: r.Method, URL: r.URL, Headers: r.Headers, Body: r.Body}
		}
		if r := exchange.Response; r != nil {
			out.InspectionData.Response = &testHTTPResponse{Protocol: r.Protocol, StatusCode: r.StatusCode, StatusMessage: r.StatusMessage,
				Headers: r.Headers, Body: r.Body}
		}
	}
	return out, nil
}

// testDefinition reads the definition TestState tests: a whole machine's
// with stateName, or one state's, which becomes the machine's only state,
// named StateName, with a Succeed state for each state it may go to.
func testDefinition(text string, stateName *string) (*asl.Definition, *asl.State, error) {
	if stateName != nil {
		def, err := validate.Parse([]byte(text), validate.Options{})
		if err != nil {
			return nil, nil, invalidDefinition(err)
		}
		for _, g := range def.Graphs() {
			if st := g.State(*stateName); st != nil {
				return def, st, nil
			}
		}
		return nil, nil, validationError("State not found in definition")
	}
	doc, diags := asl.ReadDocument([]byte(text))
	if doc == nil {
		return nil, nil, invalidDefinition(&asl.DefinitionError{Diagnostics: diags})
	}
	states := jsonvalue.NewObject(2)
	states.Set(testStateName, doc)
	for _, next := range transitions(doc) {
		if _, ok := states.Get(next); !ok {
			stub := jsonvalue.NewObject(1)
			stub.Set("Type", "Succeed")
			states.Set(next, stub)
		}
	}
	machine := jsonvalue.NewObject(2)
	machine.Set("StartAt", testStateName)
	machine.Set("States", states)
	def, err := validate.Parse(jsonvalue.Marshal(machine), validate.Options{})
	if err != nil {
		return nil, nil, invalidDefinition(err)
	}
	return def, def.Root.State(testStateName), nil
}

// transitions are the states a state may go to: Next, a Choice's rules'
// Next and Default, its Catchers' Next.
func transitions(st *jsonvalue.Object) []string {
	var out []string
	add := func(v any, ok bool) {
		if s, isStr := v.(string); ok && isStr && s != "" {
			out = append(out, s)
		}
	}
	add(st.Get("Next"))
	add(st.Get("Default"))
	for _, list := range []string{"Choices", "Catch"} {
		arr, _ := st.Get(list)
		items, _ := arr.([]any)
		for _, item := range items {
			if o, ok := item.(*jsonvalue.Object); ok {
				add(o.Get("Next"))
			}
		}
	}
	return out
}

// prepareTest checks the request against the state, as AWS does and in its
// order, and prepares the run.
func (h *Handler) prepareTest(ctx context.Context, in *testStateInput, def *asl.Definition, st *asl.State) (*interp.StateTest, error) {
	mock, conf := in.Mock, in.StateConfiguration
	if conf == nil {
		conf = &testStateConfiguration{}
	}
	if mock == nil {
		for _, c := range []struct {
			name  string
			given bool
		}{{"MapIterationFailureCount", conf.MapIterationFailureCount != nil}, {"RetrierRetryCount", conf.RetrierRetryCount != nil},
			{"ErrorCausedByState", conf.ErrorCausedByState != nil}, {"MapItemReaderData", conf.MapItemReaderData != nil},
			{"Context", in.Context != nil}} {
			if c.given {
				return nil, validationError("TestState does not support %s when a mock is not specified.", c.name)
			}
		}
		switch {
		case st.Type == asl.TypeMap || st.Type == asl.TypeParallel:
			return nil, errorf(CodeInvalidDefinition, "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]")
		case st.Type == asl.TypeTask && service.TestStateWaits(st.Task.Resource):
			return nil, validationError("TestState does not support Activity tasks, .sync or .waitForTaskToken service integration patterns when a mock is not specified.")
		case st.Type == asl.TypeTask && (in.RoleArn == nil || *in.RoleArn == ""):
			return nil, validationError("RoleArn must be specified when testing a Task state")
		}
	}
	t := &interp.StateTest{Definition: def, State: st, Now: h.now(), Source: engine.CryptoSource{},
		Limits: interp.Limits{MaxPayloadBytes: h.maxPayload, MaxHistoryEvents: interp.DefaultLimits.MaxHistoryEvents}}
	if mock != nil {
		m, err := testMock(mock, conf, in, st)
		if err != nil {
			return nil, err
		}
		t.Mock = m
	}
	if conf.MapIterationFailureCount != nil && st.Type != asl.TypeMap {
		return nil, validationError("TestState supports MapIterationFailureCount only for Map states.")
	}
	if conf.MapItemReaderData != nil {
		if st.Type != asl.TypeMap || st.Map.Reader == nil {
			return nil, validationError("TestState supports MapItemReaderData only for Map states with an ItemReader.")
		}
		data, err := jsonvalue.ParseString(*conf.MapItemReaderData)
		if err != nil {
			return nil, validationError("Map item reader data must be valid JSON")
		}
		t.ItemReaderData, t.HasItemReaderData = data, true
	}
	if conf.ErrorCausedByState != nil {
		if err := checkErrorCausedBy(st, *conf.ErrorCausedByState, mock); err != nil {
			return nil, err
		}
	}
	if conf.RetrierRetryCount != nil {
		t.RetrierRetryCount = int(*conf.RetrierRetryCount)
	}
	input := "{}"
	if in.Input != nil {
		input = *in.Input
	}
	var err error
	if t.Input, err = jsonvalue.ParseString(input); err != nil {
		msg, _, _ := asl.JSONSyntaxMessage([]byte(input), err)
		return nil, invalidInput(msg)
	}
	if in.Variables != nil {
		v, err := jsonvalue.ParseString(*in.Variables)
		o, isObject := v.(*jsonvalue.Object)
		if err != nil || !isObject {
			return nil, validationError("Variables must be a JSON object")
		}
		t.Variables = o
	}
	t.Info, t.Context = h.testContext(ctx, in, st, t)
	if in.Context != nil {
		ctxObj, err := testContextObject(*in.Context, st)
		if err != nil {
			return nil, err
		}
		t.Context = ctxObj
	}
	return t, nil
}

// testMock checks a mock against the state and reads it.
func testMock(mock *testStateMock, conf *testStateConfiguration, in *testStateInput, st *asl.State) (*interp.StateMock, error) {
	switch st.Type {
	case asl.TypeTask, asl.TypeMap, asl.TypeParallel:
	default:
		return nil, validationError("State type '%s' is not supported when a mock is specified", st.Type)
	}
	if in.RevealSecrets != nil && *in.RevealSecrets {
		return nil, validationError("TestState does not support RevealSecrets when a mock is specified.")
	}
	if mock.Result != nil && mock.ErrorOutput != nil {
		return nil, validationError("A test mock should have only one of the following fields: [result, errorOutput].")
	}
	if mock.Result == nil && mock.ErrorOutput == nil {
		return nil, validationError("A test mock should have one of the following fields: [result, errorOutput].")
	}
	m := &interp.StateMock{}
	if e := mock.ErrorOutput; e != nil {
		if e.Error == nil {
			var v validation
			v.required("mock.errorOutput.error", false)
			return nil, v.err()
		}
		m.Failed, m.Error = true, *e.Error
		if e.Cause != nil {
			m.Cause = *e.Cause
		}
	} else {
		result, err := jsonvalue.ParseString(*mock.Result)
		if err != nil {
			return nil, validationError("Mocked result must be valid JSON")
		}
		m.Result = result
		switch st.Type {
		case asl.TypeMap:
			if st.Map.Writer != nil {
				if _, ok := result.(*jsonvalue.Object); !ok {
					return nil, validationError("Mocked result must be a JSON object.")
				}
			} else if _, ok := result.([]any); !ok {
				return nil, validationError("Mocked result must be an array.")
			}
		case asl.TypeParallel:
			arr, ok := result.([]any)
			if !ok {
				return nil, validationError("Mocked result must be an array.")
			}
			if len(arr) != len(st.Parallel.Branches) {
				return nil, validationError("Mocked result must contain the same number of items as number of Parallel branches.")
			}
		case asl.TypeTask:
			mode := "STRICT"
			if mock.FieldValidationMode != nil {
				mode = *mock.FieldValidationMode
			}
			if sh, ok := shapes.ForResource(st.Task.Resource); ok && mode != "NONE" && result != nil {
				vm := shapes.Strict
				if mode == "PRESENT" {
					vm = shapes.Present
				}
				if err := sh.Validate(result, vm); err != nil {
					return nil, validationError("Mock result schema validation error: %s", err.Error())
				}
			}
		}
	}
	if n := conf.MapIterationFailureCount; n != nil {
		m.MapIterationFailures, m.HasMapIterationFailures = int(*n), true
		if arr, ok := m.Result.([]any); ok && st.Type == asl.TypeMap && int(*n) > len(arr) {
			return nil, validationError("Map iteration failure count must be less than or equal to the number of Map iterations")
		}
	}
	return m, nil
}

// checkErrorCausedBy checks that errorCausedByState names a state of the
// tested Map's or Parallel's own states, and that an error is mocked.
func checkErrorCausedBy(st *asl.State, name string, mock *testStateMock) error {
	if st.Type != asl.TypeMap && st.Type != asl.TypeParallel {
		return validationError("TestState supports ErrorCausedByState only for Map and Parallel states.")
	}
	if mock == nil || mock.ErrorOutput == nil {
		return validationError("TestState supports ErrorCausedByState only when the mock is an errorOutput.")
	}
	var graphs []*asl.Graph
	if st.Type == asl.TypeMap {
		graphs = []*asl.Graph{st.Map.Processor}
	} else {
		graphs = st.Parallel.Branches
	}
	for len(graphs) > 0 {
		g := graphs[0]
		graphs = graphs[1:]
		for _, s := range g.States {
			if s.Name == name {
				return nil
			}
			switch s.Type {
			case asl.TypeMap:
				graphs = append(graphs, s.Map.Processor)
			case asl.TypeParallel:
				graphs = append(graphs, s.Parallel.Branches...)
			}
		}
	}
	return validationError("State '%s' given as errorCausedByState is not a state of the tested state.", name)
}

// testContext is the execution TestState runs the state in, and its context
// object: an Express execution of a state machine made for the test, in the
// caller's account (without authentication, the role's: IAM roles of one
// account are the ones it may pass), whose state is named StateName.
func (h *Handler) testContext(ctx context.Context, in *testStateInput, st *asl.State, t *interp.StateTest) (*asl.ExecutionInfo, *jsonvalue.Object) {
	account, apart := h.accountOf(ctx)
	role := ""
	if in.RoleArn != nil {
		role = *in.RoleArn
		// Without authentication, the account is the role's (a role may be
		// passed in its own account only); an authenticated call's is its own.
		if parts := strings.SplitN(role, ":", 6); !apart && len(parts) == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[4] != "" {
			account = parts[4]
		}
	}
	src := engine.CryptoSource{}
	machine, name := src.UUID(), src.UUID()
	machineARN := "arn:aws:states:" + h.region + ":" + account + ":stateMachine:" + machine
	arn := "arn:aws:states:" + h.region + ":" + account + ":express:" + machine + ":" + name
	start := asl.FormatTime(t.Now)
	info := asl.NewExecutionInfo(asl.ExecutionInfo{ID: arn, Name: name, RoleArn: role, StartTime: start, Input: t.Input,
		StateMachineID: machineARN, StateMachineName: machine})
	exec := jsonvalue.NewObject(5)
	exec.Set("Id", arn)
	exec.Set("Input", t.Input)
	exec.Set("Name", name)
	if role != "" {
		exec.Set("RoleArn", role)
	} else {
		exec.Set("RoleArn", nil)
	}
	exec.Set("StartTime", start)
	state := jsonvalue.NewObject(3)
	state.Set("Name", testStateName)
	state.Set("EnteredTime", start)
	if st.Type == asl.TypeTask || st.Type == asl.TypeParallel || st.Type == asl.TypeMap {
		state.Set("RetryCount", jsonvalue.Int(int64(t.RetrierRetryCount)))
	}
	sm := jsonvalue.NewObject(2)
	sm.Set("Id", machineARN)
	sm.Set("Name", machine)
	c := jsonvalue.NewObject(4)
	c.Set("Execution", exec)
	c.Set("StateMachine", sm)
	c.Set("State", state)
	if st.Type == asl.TypeTask && st.Task.Resource.Pattern == asl.PatternWaitForTaskToken {
		task := jsonvalue.NewObject(1)
		task.Set("Token", src.TaskToken())
		c.Set("Task", task)
	}
	return info, c
}

// contextFields are the fields a TestState context object may have, with
// the JSON type of each ("" for any).
var contextFields = map[string]map[string]string{
	"Execution":    {"Id": "string", "Input": "", "Name": "string", "RoleArn": "string", "StartTime": "string", "RedriveCount": "integer", "RedriveTime": "string"},
	"State":        {"EnteredTime": "string", "Name": "string", "RetryCount": "integer"},
	"StateMachine": {"Id": "string", "Name": "string"},
	"Task":         {"Token": "string"},
}

// testContextObject reads and checks the context object of a request.
func testContextObject(text string, st *asl.State) (*jsonvalue.Object, error) {
	bad := func(format string, args ...any) error {
		return validationError("Invalid Context object provided: "+format, args...)
	}
	v, err := jsonvalue.ParseString(text)
	o, ok := v.(*jsonvalue.Object)
	if err != nil || !ok {
		return nil, bad("The context must be a JSON object")
	}
	for key, val := range o.All() {
		if key == "Map" {
			return nil, bad("'Map' field is not supported when mocking a Context object")
		}
		fields, known := contextFields[key]
		if !known {
			return nil, bad("Field '%s' is not allowed", key)
		}
		if key == "Task" && (st.Type != asl.TypeTask || st.Task.Resource.Pattern == asl.PatternRequestResponse) {
			return nil, bad("Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern")
		}
		section, ok := val.(*jsonvalue.Object)
		if !ok {
			return nil, bad("%s must be an object", key)
		}
		for name, fv := range section.All() {
			typ, known := fields[name]
			if !known {
				return nil, bad("Field '%s' is not allowed", name)
			}
			switch typ {
			case "string":
				if _, ok := fv.(string); !ok {
					return nil, bad("%s.%s must be a string", key, name)
				}
			case "integer":
				if n, ok := fv.(jsonvalue.Number); !ok || !n.IsInteger() {
					return nil, bad("%s.%s must be an integer", key, name)
				}
			}
		}
	}
	return o, nil
}

// testOutput is TestState's answer: the outcome, and at DEBUG and TRACE the
// inspection data AWS reports for the state's type and query language.
func testOutput(st *asl.State, t *interp.StateTest, out *interp.StateOutcome, level string) *testStateOutput {
	res := &testStateOutput{Status: string(out.Status), Error: out.Error, Cause: out.Cause, NextState: out.NextState}
	if out.HasOutput {
		res.Output = jsonText(out.Output)
	}
	if level == "INFO" {
		return res
	}
	d := &testInspectionData{Input: jsonText(t.Input)}
	// A stage larger than the payload quota (a Parameters that builds more
	// than any state may hand on) is left out: the answer stays bounded.
	stage := func(s interp.Stage) *string {
		if !out.HasStage[s] || jsonvalue.SizeExceeds(out.Stages[s], t.Limits.MaxPayloadBytes) {
			return nil
		}
		return jsonText(out.Stages[s])
	}
	jsonpath := st.QueryLanguage == asl.JSONPath
	switch st.Type {
	case asl.TypePass:
		if jsonpath {
			if st.Pass.HasResult {
				d.Result = stage(interp.StageResult)
			} else {
				d.AfterInputPath, d.AfterParameters = stage(interp.StageAfterInputPath), stage(interp.StageAfterParameters)
			}
			d.AfterResultSelector, d.AfterResultPath = stage(interp.StageAfterResultSelector), stage(interp.StageAfterResultPath)
		}
	case asl.TypeTask:
		if jsonpath {
			d.AfterInputPath, d.AfterParameters = stage(interp.StageAfterInputPath), stage(interp.StageAfterParameters)
			d.AfterResultSelector, d.AfterResultPath = stage(interp.StageAfterResultSelector), stage(interp.StageAfterResultPath)
		} else {
			d.AfterArguments = stage(interp.StageAfterArguments)
		}
		d.Result = stage(interp.StageResult)
	case asl.TypeChoice, asl.TypeSucceed, asl.TypeWait:
		if jsonpath {
			d.AfterInputPath = stage(interp.StageAfterInputPath)
		}
	case asl.TypeFail:
		if jsonpath {
			// A Fail state has no InputPath: its input passes as it is.
			d.AfterInputPath = d.Input
		}
	case asl.TypeParallel:
		if jsonpath {
			d.AfterResultSelector, d.AfterResultPath = stage(interp.StageAfterResultSelector), stage(interp.StageAfterResultPath)
		}
	case asl.TypeMap:
		if jsonpath {
			d.AfterInputPath = stage(interp.StageAfterInputPath)
			d.AfterResultSelector, d.AfterResultPath = stage(interp.StageAfterResultSelector), stage(interp.StageAfterResultPath)
		}
		if m := out.Map; m != nil {
			if m.HasItemsPath {
				d.AfterItemsPath = jsonText(m.AfterItemsPath)
			}
			if m.HasItemSelector {
				d.AfterItemSelector = jsonText(m.AfterItemSelector)
			}
			if m.HasMaxConcurrency {
				n := m.MaxConcurrency
				d.MaxConcurrency = &n
			}
			if m.HasToleratedFailures {
				n := m.ToleratedFailures
				d.ToleratedFailureCount = &n
			}
			if m.HasToleratedPercent {
				f := m.ToleratedPercentage
				d.ToleratedFailurePercentage = &f
			}
		}
	}
	if out.Variables != nil {
		d.Variables = jsonText(out.Variables)
	}
	if out.CatchIndex >= 0 || out.RetryIndex >= 0 {
		e := &testErrorDetails{}
		if out.CatchIndex >= 0 {
			i := out.CatchIndex
			e.CatchIndex = &i
		}
		if out.RetryIndex >= 0 {
			i := out.RetryIndex
			e.RetryIndex = &i
			if out.Status == interp.TestRetriable {
				secs := int64(math.Round(out.RetryBackoff.Seconds()))
				e.RetryBackoffIntervalSeconds = &secs
			}
		}
		d.ErrorDetails = e
	}
	res.InspectionData = d
	return res
}

func jsonText(v any) *string {
	s := string(jsonvalue.Marshal(v))
	return &s
}
