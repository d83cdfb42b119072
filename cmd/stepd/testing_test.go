package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lambdaSQS is the LambdaSQSIntegration state machine of AWS's documentation
// for Step Functions Local's mocks; testdata/MockConfigFile.json is its mock
// configuration, unchanged.
const lambdaSQS = `{"Comment":"This state machine is called: LambdaSQSIntegration","StartAt":"LambdaState","States":{
 "LambdaState":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"Payload.$":"$","FunctionName":"HelloWorldFunction"},
  "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"MaxAttempts":3,"BackoffRate":2}],"Next":"SQSState"},
 "SQSState":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/myQueue","MessageBody.$":"$"},"End":true}}}`

// TestRunWithMockConfig: stepd run runs a test case of a Step Functions
// Local mock configuration in memory: the retry path fails three times and
// succeeds on the fourth invocation, as the configuration says.
func TestRunWithMockConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	def := write(t, dir, "lambda-sqs.json", lambdaSQS)
	code, out, errOut := stepd(t, "", "run", "--mock-config", "testdata/MockConfigFile.json", "--test-case", "RetryPath",
		"--state-machine-name", "LambdaSQSIntegration", "--time-scale", "0.001", "--json", "--history", def)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	var res struct {
		Status  string
		Output  map[string]string
		History []struct {
			Type                   string
			TaskFailedEventDetails *struct{ Error string } `json:"taskFailedEventDetails"`
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	var failures []string
	for _, e := range res.History {
		if e.TaskFailedEventDetails != nil {
			failures = append(failures, e.TaskFailedEventDetails.Error)
		}
	}
	if res.Status != "SUCCEEDED" || res.Output["MessageId"] != "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51" ||
		strings.Join(failures, ",") != "Lambda.ResourceNotReadyException,Lambda.TimeoutException,Lambda.TimeoutException" {
		t.Fatalf("%s: output %v, failures %v", res.Status, res.Output, failures)
	}
	// Unknown test cases and machines are named.
	code, _, errOut = stepd(t, "", "run", "--mock-config", "testdata/MockConfigFile.json", "--test-case", "SadPath",
		"--state-machine-name", "LambdaSQSIntegration", def)
	if code == 0 || !strings.Contains(errOut, `no test case "SadPath" for state machine "LambdaSQSIntegration"`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, _, errOut = stepd(t, "", "run", "--test-case", "HappyPath", def)
	if code != 2 || !strings.Contains(errOut, "--test-case needs --mock-config") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// TestTestExamples: stepd test runs the examples' test files, and its
// coverage report is what the cases exercise.
func TestTestExamples(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	junit, coverJSON := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "cover.json")
	code, out, errOut := stepd(t, "", "test", "--junit", junit, "--cover-json", coverJSON, "--cover-min", "100", "../../examples")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	for _, want := range []string{"ok\t../../examples/vending-pass/vending.test.yaml\t2 cases",
		"coverage: ../../examples/stock-trading/definition.asl.json: 100.0% of 9 (states 7/7, Choice rules 2/2, Retriers 0/0, Catchers 0/0)",
		"ok: 10 passed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	raw, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suites []struct {
			Tests int `xml:"tests,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(raw, &suites); err != nil || len(suites.Suites) < 4 {
		t.Fatalf("junit %s (%v)", raw, err)
	}
	var cov struct{ Percent float64 }
	if raw, err = os.ReadFile(coverJSON); err != nil || json.Unmarshal(raw, &cov) != nil || cov.Percent != 100 {
		t.Fatalf("coverage %s (%v)", raw, err)
	}

	// A coverage minimum not met and a failing case both exit 1.
	write(t, dir, "c.asl.json", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":1,"Next":"A"}],"Default":"B"},"A":{"Type":"Succeed"},"B":{"Type":"Succeed"}}}`)
	write(t, dir, "c.test.yaml", "definition: c.asl.json\ncases:\n  - name: one\n    input: {x: 1}\n    expect: {states: [C, A]}\n")
	code, out, _ = stepd(t, "", "test", "--cover-min", "80", filepath.Join(dir, "c.test.yaml"))
	if code != 1 || !strings.Contains(out, "coverage 60.0% is below --cover-min 80%") {
		t.Fatalf("exit %d: %s", code, out)
	}
	write(t, dir, "d.test.yaml", "definition: c.asl.json\ncases:\n  - name: one\n    input: {x: 2}\n    expect: {states: [C, A]}\n")
	code, out, _ = stepd(t, "", "test", filepath.Join(dir, "d.test.yaml"))
	if code != 1 || !strings.Contains(out, "--- FAIL: one") || !strings.Contains(out, "- A") || !strings.Contains(out, "+ B") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

// TestRunMocksHTTPTask: a mocked HTTP Task (arn:aws:states:::http:invoke)
// answers its mocked response and makes no request, and its mocked error is
// the state's, as with any other Task; the definition needs no connection
// that could be reached.
func TestRunMocksHTTPTask(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	def := write(t, dir, "http.json", `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::http:invoke",
		"Parameters":{"ApiEndpoint":"https://api.example.invalid/orders","Method":"GET",
		"Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:123456789012:connection/orders/0a1b2c3d"}},
		"ResultSelector":{"status.$":"$.StatusCode","body.$":"$.ResponseBody"},
		"Catch":[{"ErrorEquals":["States.Http.StatusCode.503"],"ResultPath":"$.err","Next":"Down"}],"End":true},
		"Down":{"Type":"Pass","Result":"down","End":true}}}`)
	mocks := write(t, dir, "mocks.json", `{"StateMachines":{"orders":{"TestCases":{
		"Ok":{"Call":"OkResponse"},"Unavailable":{"Call":"Unavailable"}}}},
		"MockedResponses":{
		"OkResponse":{"0":{"Return":{"StatusCode":200,"StatusText":"OK","ResponseBody":{"orders":[1,2]}}}},
		"Unavailable":{"0":{"Throw":{"Error":"States.Http.StatusCode.503","Cause":"Service Unavailable"}}}}}`)
	for _, tt := range []struct{ testCase, output string }{
		{"Ok", `{"status":200,"body":{"orders":[1,2]}}`},
		{"Unavailable", `"down"`},
	} {
		code, out, errOut := stepd(t, "", "run", "--mock-config", mocks, "--test-case", tt.testCase, "--state-machine-name", "orders", "--json", def)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s %s", tt.testCase, code, out, errOut)
		}
		var res struct {
			Status string
			Output json.RawMessage
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if res.Status != "SUCCEEDED" || string(res.Output) != tt.output {
			t.Errorf("%s: %s %s, want output %s", tt.testCase, res.Status, res.Output, tt.output)
		}
	}
}
