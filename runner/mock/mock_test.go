package mock_test

import (
	"strings"
	"testing"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/mock"
)

// The sample of AWS's documentation (LambdaSQSIntegration), unchanged.
const sample = `{
  "StateMachines":{"LambdaSQSIntegration":{"TestCases":{
    "HappyPath":{"LambdaState":"MockedLambdaSuccess","SQSState":"MockedSQSSuccess"},
    "RetryPath":{"LambdaState":"MockedLambdaRetry","SQSState":"MockedSQSSuccess"},
    "HybridPath":{"LambdaState":"MockedLambdaSuccess"}}}},
  "MockedResponses":{
    "MockedLambdaSuccess":{"0":{"Return":{"StatusCode":200,"Payload":{"StatusCode":200,"body":"Hello from Lambda!"}}}},
    "LambdaMockedResourceNotReady":{"0":{"Throw":{"Error":"Lambda.ResourceNotReadyException","Cause":"Lambda resource is not ready."}}},
    "MockedSQSSuccess":{"0":{"Return":{"MD5OfMessageBody":"3bcb6e8e-7h85-4375-b0bc-1a59812c6e51","MessageId":"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}}},
    "MockedLambdaRetry":{
      "0":{"Throw":{"Error":"Lambda.ResourceNotReadyException","Cause":"Lambda resource is not ready."}},
      "1-2":{"Throw":{"Error":"Lambda.TimeoutException","Cause":"Lambda timed out."}},
      "3":{"Return":{"StatusCode":200,"Payload":{"StatusCode":200,"body":"Hello from Lambda!"}}}}}}`

func resource(t *testing.T, arn string) asl.Resource {
	t.Helper()
	r, err := asl.ParseResource(arn)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAnswersCountInvocationsPerState(t *testing.T) {
	cfg, err := mock.Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := cfg.TestCase("LambdaSQSIntegration", "RetryPath")
	if err != nil {
		t.Fatal(err)
	}
	m := mock.NewMocks()
	const arn = "arn:aws:states:us-east-1:123456789012:execution:LambdaSQSIntegration:x"
	if ok, err := m.Bind(arn, tc); !ok || err != nil {
		t.Fatal(ok, err)
	}
	invoke := resource(t, "arn:aws:states:::lambda:invoke")
	var errs []string
	for id := int64(1); id <= 5; id++ {
		out, ok := m.Mock(&runner.Task{ID: id, ExecutionARN: arn, StateName: "LambdaState", Resource: invoke})
		if !ok {
			t.Fatal("not mocked")
		}
		if out.Failure != nil {
			errs = append(errs, out.Failure.Name)
		} else {
			errs = append(errs, "ok:"+string(jsonvalue.Marshal(out.Output)))
		}
	}
	want := []string{"Lambda.ResourceNotReadyException", "Lambda.TimeoutException", "Lambda.TimeoutException",
		`ok:{"StatusCode":200,"Payload":{"StatusCode":200,"body":"Hello from Lambda!"}}`, "States.Runtime"}
	if strings.Join(errs, "|") != strings.Join(want, "|") {
		t.Fatalf("answers %v, want %v", errs, want)
	}
	// A task delivered again is the same invocation.
	out, _ := m.Mock(&runner.Task{ID: 1, ExecutionARN: arn, StateName: "LambdaState", Resource: invoke})
	if out.Failure == nil || out.Failure.Name != "Lambda.ResourceNotReadyException" {
		t.Fatalf("redelivery: %+v", out)
	}
	if _, ok := m.Mock(&runner.Task{ID: 9, ExecutionARN: arn, StateName: "Unmocked", Resource: invoke}); ok {
		t.Fatal("a state the test case does not name is mocked")
	}
	m.Ended(arn)
	if _, ok := m.Mock(&runner.Task{ID: 10, ExecutionARN: arn, StateName: "LambdaState", Resource: invoke}); ok {
		t.Fatal("an ended execution is still mocked")
	}
}

func TestLambdaARNGivesThePayload(t *testing.T) {
	cfg, _ := mock.Parse([]byte(sample))
	tc, _ := cfg.TestCase("LambdaSQSIntegration", "HappyPath")
	a := tc.States["LambdaState"].Answer("LambdaState", 0)
	out := a.Outcome(resource(t, "arn:aws:lambda:us-east-1:123456789012:function:f"))
	if got := string(jsonvalue.Marshal(out.Output)); got != `{"StatusCode":200,"body":"Hello from Lambda!"}` {
		t.Fatalf("output %s", got)
	}
}

func TestParseRefusesWhatItDoesNotKnow(t *testing.T) {
	cases := map[string]string{
		`{"StateMachines":{},"Mocks":{}}`:                                               `unknown field "Mocks"`,
		`{"StateMachines":{"M":{"TestCases":{"C":{"S":"Nope"}}}},"MockedResponses":{}}`: `no mocked response "Nope"`,
		`{"MockedResponses":{"R":{"0":{"Return":1},"2":{"Return":2}}}}`:                 "without a gap or an overlap: 2 follows 0",
		`{"MockedResponses":{"R":{"0-1":{"Return":1},"1":{"Return":2}}}}`:               "without a gap or an overlap: 1 follows 1",
		`{"MockedResponses":{"R":{"x":{"Return":1}}}}`:                                  `"x" is not an invocation number`,
		`{"MockedResponses":{"R":{"0":{"Return":1,"Throw":{}}}}}`:                       "one field, Return or Throw",
		`{"MockedResponses":{"R":{"0":{"Throw":{"Cause":"c"}}}}}`:                       "Throw must have an Error",
		`{"MockedResponses":{"R":{"0":{"Throw":{"Error":"E","Why":"c"}}}}}`:             `unknown field "Why"`,
		`{"StateMachines":{"M":{"Cases":{}}}}`:                                          `unknown field "Cases"`,
		`{"MockedResponses":{"R":{"0-999999999":{"Return":1}}}}`:                        "invocation numbers go up to",
	}
	for text, want := range cases {
		if _, err := mock.Parse([]byte(text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", text, err, want)
		}
	}
	cfg, err := mock.Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.TestCase("LambdaSQSIntegration", "SadPath"); err == nil || !strings.Contains(err.Error(), `no test case "SadPath"`) {
		t.Errorf("unknown case: %v", err)
	}
	if _, err := cfg.TestCase("Other", "HappyPath"); err == nil || !strings.Contains(err.Error(), `no state machine "Other"`) {
		t.Errorf("unknown machine: %v", err)
	}
}

func TestBindIsBounded(t *testing.T) {
	cfg, _ := mock.Parse([]byte(sample))
	tc, _ := cfg.TestCase("LambdaSQSIntegration", "HappyPath")
	m := mock.NewMocks()
	for i := range mock.MaxRuns {
		if _, err := m.Bind(strings.Repeat("x", i%7)+string(rune(i)), tc); err != nil {
			t.Fatal(i, err)
		}
	}
	if _, err := m.Bind("one too many", tc); err == nil {
		t.Fatal("no bound")
	}
}
