package awsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stepd/stepd/awsapi"
)

// call sends a raw request to the API and returns the status and the decoded
// body.
func (e *env) call(target, body string, header map[string]string) (int, map[string]any, http.Header) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.server.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if h, ok := header["Host"]; ok {
		req.Host = h
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		e.t.Fatalf("body is not a JSON object: %s", raw)
	}
	return resp.StatusCode, out, resp.Header
}

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const sfnNS, coralNS = "com.amazonaws.states#", "com.amazon.coral.service#"
	cases := []struct {
		name, target, body string
		status             int
		typ, msg           string
	}{
		{"malformed JSON", "AWSStepFunctions.ListStateMachines", `{"maxResults": `, 400, coralNS + "SerializationException", ""},
		{"not an object", "AWSStepFunctions.ListStateMachines", `[1]`, 400, coralNS + "SerializationException",
			"The request body must be a JSON object, not array"},
		{"trailing garbage", "AWSStepFunctions.ListStateMachines", `{} x`, 400, coralNS + "SerializationException", ""},
		{"wrong type", "AWSStepFunctions.CreateActivity", `{"name": 5}`, 400, coralNS + "SerializationException",
			"Unexpected number for field 'name': expected a string"},
		{"wrong integer", "AWSStepFunctions.ListActivities", `{"maxResults": 1.5}`, 400, coralNS + "SerializationException",
			"Unexpected number 1.5 for field 'maxResults': expected an integer"},
		{"wrong list", "AWSStepFunctions.TagResource", `{"resourceArn":"arn:aws:states:us-east-1:123456789012:activity:a","tags":{}}`, 400,
			coralNS + "SerializationException", "Unexpected object for field 'tags': expected a list"},
		{"missing member", "AWSStepFunctions.CreateActivity", `{}`, 400, sfnNS + "ValidationException",
			"1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"},
		{"null member", "AWSStepFunctions.DescribeExecution", `{"executionArn": null}`, 400, sfnNS + "ValidationException",
			"1 validation error detected: Value null at 'executionArn' failed to satisfy constraint: Member must not be null"},
		{"missing members", "AWSStepFunctions.CreateStateMachine", `{"type":"SLOW"}`, 400, sfnNS + "ValidationException",
			"4 validation errors detected: Value null at 'name' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'definition' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'roleArn' failed to satisfy constraint: Member must not be null; " +
				"Value 'SLOW' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"},
		{"negative page size", "AWSStepFunctions.ListStateMachines", `{"maxResults": -1}`, 400, sfnNS + "ValidationException",
			"1 validation error detected: Value '-1' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{"long token", "AWSStepFunctions.ListStateMachines", `{"nextToken":"` + strings.Repeat("t", 1025) + `"}`, 400, sfnNS + "ValidationException", ""},
		{"unknown action", "AWSStepFunctions.Frobnicate", `{}`, 400, coralNS + "UnknownOperationException",
			"AWSStepFunctions.Frobnicate is not a Step Functions action"},
		{"another service", "DynamoDB_20120810.ListTables", `{}`, 400, coralNS + "UnknownOperationException", ""},
		{"no target", "", `{}`, 400, coralNS + "UnknownOperationException", ""},
		{"unsupported", "AWSStepFunctions.RedriveExecution", `{}`, 400, coralNS + "UnsupportedOperation",
			"stepd does not support RedriveExecution yet (redriving executions)"},
		{"TestState without a definition", "AWSStepFunctions.TestState", `{}`, 400, sfnNS + "ValidationException",
			"1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, out, h := e.call(c.target, c.body, nil)
			if status != c.status || out["__type"] != c.typ || (c.msg != "" && out["message"] != c.msg) {
				t.Fatalf("%d %v, want %d %s %q", status, out, c.status, c.typ, c.msg)
			}
			if len(out) != 2 || h.Get("Content-Type") != "application/x-amz-json-1.0" || h.Get("X-Amzn-Requestid") == "" {
				t.Fatalf("error answer %v, headers %v", out, h)
			}
		})
	}
}

// TestUnsupportedActions: every Step Functions action stepd lacks answers an
// error that names it, which the SDK reports with its code.
func TestUnsupportedActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, action := range []string{"CreateStateMachineAlias", "DeleteStateMachineAlias", "DescribeStateMachineAlias", "ListStateMachineAliases",
		"UpdateStateMachineAlias", "PublishStateMachineVersion", "DeleteStateMachineVersion", "ListStateMachineVersions",
		"RedriveExecution"} {
		status, out, _ := e.call("AWSStepFunctions."+action, `{}`, nil)
		if status != 400 || out["__type"] != "com.amazon.coral.service#UnsupportedOperation" ||
			!strings.HasPrefix(out["message"].(string), "stepd does not support "+action+" yet (") {
			t.Errorf("%s: %d %v", action, status, out)
		}
	}
	_, err := e.sfn.CreateStateMachineAlias(context.Background(), &sfn.CreateStateMachineAliasInput{Name: aws.String("PROD"),
		RoutingConfiguration: []types.RoutingConfigurationListItem{{StateMachineVersionArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:m:1"), Weight: 100}}})
	wantCode(t, err, "UnsupportedOperation", "stepd does not support CreateStateMachineAlias yet (state machine aliases)")
}

func TestProtocolRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Any host (SDKs prefix StartSyncExecution's with "sync-"), any content type,
	// an unverified SigV4 signature, unknown fields: all accepted.
	status, out, _ := e.call("AWSStepFunctions.CreateActivity", `{"name":"hosted","futureField":{"x":[1]}}`, map[string]string{
		"Host": "sync-states.localhost:8083", "Content-Type": "application/json",
		"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/states/aws4_request, SignedHeaders=host, Signature=deadbeef",
	})
	if status != 200 || out["activityArn"] != "arn:aws:states:us-east-1:123456789012:activity:hosted" {
		t.Fatalf("%d %v", status, out)
	}
	if _, ok := out["creationDate"].(float64); !ok {
		t.Fatalf("creationDate %T %v: want epoch seconds", out["creationDate"], out["creationDate"])
	}
	// An empty body is an empty input.
	status, out, _ = e.call("AWSStepFunctions.ListStateMachines", ``, nil)
	if status != 200 || out["stateMachines"] == nil {
		t.Fatalf("empty body: %d %v", status, out)
	}
	// An empty activity task is {}.
	awsapi.SetPollTimeout(e.handler, 50*time.Millisecond)
	status, out, _ = e.call("AWSStepFunctions.GetActivityTask", `{"activityArn":"arn:aws:states:us-east-1:123456789012:activity:hosted"}`, nil)
	if status != 200 || len(out) != 0 {
		t.Fatalf("empty task: %d %v", status, out)
	}
	// A body larger than any request is refused before it is read whole.
	status, out, _ = e.call("AWSStepFunctions.CreateActivity", `{"name":"`+strings.Repeat("x", 9<<20)+`"}`, nil)
	if status != http.StatusRequestEntityTooLarge || out["__type"] != "com.amazon.coral.service#RequestEntityTooLarge" {
		t.Fatalf("large body: %d %v", status, out)
	}
}

// TestMatch: the handler takes only POST / with an X-Amz-Target, so a server
// can serve a console beside it.
func TestMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		method, path, target string
		match                bool
		status               int
	}{
		{"POST", "/", "AWSStepFunctions.ListActivities", true, 200},
		{"POST", "/", "", false, 400},
		{"GET", "/", "", false, 405},
		{"GET", "/app.js", "", false, 404},
		{"POST", "/other", "AWSStepFunctions.ListActivities", false, 404},
	}
	for _, c := range cases {
		req := httptest.NewRequest(c.method, c.path, bytes.NewReader([]byte(`{}`)))
		if c.target != "" {
			req.Header.Set("X-Amz-Target", c.target)
		}
		if got := e.handler.Match(req); got != c.match {
			t.Errorf("%s %s %q: Match %v", c.method, c.path, c.target, got)
		}
		w := httptest.NewRecorder()
		e.handler.ServeHTTP(w, req)
		if w.Code != c.status {
			t.Errorf("%s %s %q: status %d, want %d", c.method, c.path, c.target, w.Code, c.status)
		}
	}
}

// withoutHostPrefix is how a Go program stops the SDK from sending
// StartSyncExecution to "sync-<host>", which does not resolve for a local
// endpoint (docs/api.md).
func withoutHostPrefix(o *sfn.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("stepdNoHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	})
}

func TestStartSyncWithoutHostPrefix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sm := e.machine("EXPRESS", passDef)
	plain := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.server.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSTEPD", "secret", "")}, withoutHostPrefix)
	out, err := plain.StartSyncExecution(context.Background(), &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil || out.Status != types.SyncExecutionStatusSucceeded {
		t.Fatalf("%+v, %v", out, err)
	}
}

// actions are the supported actions, for the robustness tests.
var actions = []string{"CreateStateMachine", "UpdateStateMachine", "DeleteStateMachine", "DescribeStateMachine", "ListStateMachines",
	"ValidateStateMachineDefinition", "StartExecution", "StartSyncExecution", "StopExecution", "DescribeExecution", "ListExecutions",
	"GetExecutionHistory", "DescribeStateMachineForExecution", "CreateActivity", "DeleteActivity", "DescribeActivity", "ListActivities",
	"GetActivityTask", "SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat", "TagResource", "UntagResource", "ListTagsForResource"}

// members are every input member of those actions.
var members = []string{"name", "definition", "roleArn", "type", "loggingConfiguration", "tracingConfiguration", "tags", "publish",
	"versionDescription", "encryptionConfiguration", "stateMachineArn", "includedData", "maxResults", "nextToken", "severity", "input",
	"traceHeader", "executionArn", "error", "cause", "reverseOrder", "includeExecutionData", "statusFilter", "mapRunArn", "redriveFilter",
	"activityArn", "workerName", "taskToken", "output", "resourceArn", "tagKeys"}

// TestNoInternalErrorsOnBadInput sends every action every member with values of
// every JSON type, odd strings and ARNs of every kind: the answers are AWS
// errors (4xx) or successes, never a 500.
func TestNoInternalErrorsOnBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	awsapi.SetPollTimeout(e.handler, 10*time.Millisecond)
	sm := e.machine("STANDARD", passDef)
	act, _ := e.sfn.CreateActivity(context.Background(), &sfn.CreateActivityInput{Name: aws.String("robust")})
	values := []string{`null`, `""`, `"x"`, `0`, `-1`, `1e400`, `99999999999999999999`, `true`, `[]`, `[null]`, `[{}]`, `{}`, `{"key":null}`,
		`"` + sm + `"`, `"` + *act.ActivityArn + `"`, `"` + strings.Replace(sm, "stateMachine", "execution", 1) + `:x"`,
		`"` + strings.Replace(sm, "stateMachine", "express", 1) + `:x:y"`, `"arn:aws:states:::"`, `"arn:aws:states:r:a:stateMachine:"`,
		`"{\"StartAt\":\"A\"}"`, `"` + strings.Repeat("é", 300) + `"`, `"\u0000"`}
	for _, action := range actions {
		for _, v := range values {
			var b strings.Builder
			b.WriteString("{")
			for i, m := range members {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString(`"` + m + `":` + v)
			}
			b.WriteString("}")
			for _, body := range []string{b.String(), `{"` + members[0] + `":` + v + `}`} {
				status, out, _ := e.call("AWSStepFunctions."+action, body, nil)
				if status >= 500 {
					t.Errorf("%s %.80s: %d %v", action, body, status, out)
				}
			}
		}
	}
}

// FuzzHandler throws arbitrary bodies at every action: never a 500.
func FuzzHandler(f *testing.F) {
	for i := range actions {
		f.Add(i, `{}`)
		f.Add(i, `{"name":"n","definition":"{}","roleArn":"arn:aws:iam::1:role/r","stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:n"}`)
		f.Add(i, `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:n:x","maxResults":3,"nextToken":"a.b"}`)
	}
	e := newEnv(f)
	awsapi.SetPollTimeout(e.handler, time.Millisecond)
	f.Fuzz(func(t *testing.T, action int, body string) {
		if action < 0 {
			action = -action
		}
		// A StartSyncExecution waits for its execution, which may wait an hour.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "AWSStepFunctions."+actions[action%len(actions)])
		w := httptest.NewRecorder()
		e.handler.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %s", actions[action%len(actions)], body, w.Code, w.Body)
		}
	})
}
