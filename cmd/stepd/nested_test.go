package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/stepd/stepd/service"
)

// server is stepd serve, in-process, with the AWS SDK's client for it.
type server struct {
	t      testing.TB
	svc    *service.Service
	client *sfn.Client
	log    *lockedBuffer
	addr   string // host:port
	stop   func() // stops it gracefully, as SIGTERM does
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serve runs stepd serve on a free port until the test ends.
func serve(t testing.TB, args ...string) *server {
	return serveData(t, t.TempDir(), args...)
}

// serveData runs stepd serve on a data directory until the test ends or
// stop is called.
func serveData(t testing.TB, dir string, args ...string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{t: t, log: &lockedBuffer{}, addr: addr}
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), serviceReadyKey{}, func(svc *service.Service) {
		s.svc = svc
		close(ready)
	}))
	done := make(chan int, 1)
	args = append([]string{"serve", "--addr", addr, "--data", dir, "--sync", "NORMAL", "--log-level", "warn"}, args...)
	go func() { done <- Main(ctx, args, strings.NewReader(""), s.log, s.log) }()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				t.Errorf("stepd serve did not stop")
			}
		})
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("stepd's log:\n%s", s.log.String())
		}
	})
	select {
	case <-ready:
	case code := <-done:
		t.Fatalf("stepd serve exited with %d:\n%s", code, s.log.String())
	case <-time.After(30 * time.Second):
		t.Fatal("stepd serve is not ready")
	}
	s.client = sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", "")})
	return s
}

func (s *server) machine(name, typ, definition string) string {
	s.t.Helper()
	out, err := s.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String(name),
		Definition: aws.String(definition), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Type: types.StateMachineType(typ)})
	if err != nil {
		s.t.Fatalf("create %s: %v", name, err)
	}
	return *out.StateMachineArn
}

func (s *server) start(machine, input string) string {
	s.t.Helper()
	out, err := s.client.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(input)})
	if err != nil {
		s.t.Fatal(err)
	}
	return *out.ExecutionArn
}

// waitStatus waits until an execution exists and its status is want (or it
// ended): for an end, on the engine's signal.
func (s *server) waitStatus(arn string, want types.ExecutionStatus) *sfn.DescribeExecutionOutput {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Until it exists, a poll: a child is started after its parent's commit,
	// and the engine signals ends, not starts.
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		d, err := s.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		var missing *types.ExecutionDoesNotExist
		if errors.As(err, &missing) && time.Since(start) < 30*time.Second {
			continue // not started yet
		}
		if err != nil {
			s.t.Fatal(err)
		}
		if d.Status == want || (d.Status != types.ExecutionStatusRunning && want != types.ExecutionStatusRunning) {
			return d
		}
		row, err := s.svc.Store().ExecutionGet(ctx, arn)
		if err != nil {
			s.t.Fatal(err)
		}
		if _, err := s.svc.Standard().WaitFinished(ctx, row.ID); err != nil {
			s.t.Fatalf("%s is %s, not %s: %v", arn, d.Status, want, err)
		}
	}
}

func (s *server) history(arn string) []types.HistoryEvent {
	s.t.Helper()
	var events []types.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(s.client, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			s.t.Fatal(err)
		}
		events = append(events, page.Events...)
	}
	return events
}

// waitChild waits until machine has an execution (a child, started after its
// parent's commit) and returns the ARN of the first listed. It polls: the
// engine signals an execution's end (WaitFinished), not a start, and the
// children waited for here do not end meanwhile.
func (s *server) waitChild(machine string) string {
	s.t.Helper()
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if list := s.executions(machine); len(list) > 0 {
			return *list[0].ExecutionArn
		}
		if time.Since(start) > 30*time.Second {
			s.t.Fatal("no child started")
		}
	}
}

// executions lists a machine's executions.
func (s *server) executions(machine string) []types.ExecutionListItem {
	s.t.Helper()
	out, err := s.client.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(machine)})
	if err != nil {
		s.t.Fatal(err)
	}
	return out.Executions
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return m
}

func TestNestedExecutions(t *testing.T) {
	t.Parallel()
	s := serve(t)
	child := s.machine("child", "STANDARD", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"got.$":"$","n":1},"End":true}}}`)
	express := s.machine("child-express", "EXPRESS", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"fast","End":true}}}`)
	failing := s.machine("child-fails", "STANDARD", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"it broke"}}}`)
	task := func(name, resource, machine, input, next string) string {
		end := `"End":true`
		if next != "" {
			end = `"Next":"` + next + `"`
		}
		return fmt.Sprintf(`"%s":{"Type":"Task","Resource":"arn:aws:states:::states:%s","Parameters":{"StateMachineArn":"%s","Input":%s},"ResultPath":"$.%s",%s}`,
			name, resource, machine, input, name, end)
	}
	parent := s.machine("parent", "STANDARD", `{"StartAt":"RR","States":{`+
		task("RR", "startExecution", child, `{"from":"rr"}`, "Sync")+","+
		task("Sync", "startExecution.sync", child, `{"a.$":"$.a"}`, "Sync2")+","+
		task("Sync2", "startExecution.sync:2", child, `{"a.$":"$.a"}`, "Express")+","+
		task("Express", "startExecution.sync:2", express, `null`, "Fails")+","+
		`"Fails":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{"StateMachineArn":"`+failing+`"},
			"Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.caught","Next":"Missing"}],"End":true},`+
		`"Missing":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"`+strings.Replace(child, ":child", ":nobody", 1)+`"},
			"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.missing","Next":"Done"}],"End":true},`+
		`"Done":{"Type":"Succeed"}}}`)

	arn := s.start(parent, `{"a":7}`)
	d := s.waitStatus(arn, types.ExecutionStatusSucceeded)
	if d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("parent %s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	out := decodeJSON(t, aws.ToString(d.Output))

	// Request-response: StartExecution's answer, and the child runs on.
	rr := out["RR"].(map[string]any)
	childARN, _ := rr["ExecutionArn"].(string)
	if !strings.HasPrefix(childARN, strings.Replace(child, ":stateMachine:", ":execution:", 1)+":") {
		t.Errorf("RR.ExecutionArn %q", childARN)
	}
	if _, ok := rr["StartDate"].(float64); !ok || rr["SdkHttpMetadata"] == nil || rr["SdkResponseMetadata"] == nil {
		t.Errorf("RR %v", rr)
	}
	if c := s.waitStatus(childARN, types.ExecutionStatusSucceeded); aws.ToString(c.Output) != `{"got":{"from":"rr"},"n":1}` {
		t.Errorf("the request-response child's output %s", aws.ToString(c.Output))
	}

	// .sync: the child's description, Input and Output as text.
	sync1 := out["Sync"].(map[string]any)
	if sync1["Status"] != "SUCCEEDED" || sync1["Output"] != `{"got":{"a":7},"n":1}` || sync1["Input"] != `{"a":7}` ||
		sync1["StateMachineArn"] != child || sync1["Name"] == nil || sync1["StopDate"] == nil {
		t.Errorf(".sync result %v", sync1)
	}
	// .sync:2: the same, Input and Output as JSON.
	sync2 := out["Sync2"].(map[string]any)
	if got, _ := json.Marshal(sync2["Output"]); string(got) != `{"got":{"a":7},"n":1}` {
		t.Errorf(".sync:2 output %s", got)
	}
	if got, _ := json.Marshal(sync2["Input"]); string(got) != `{"a":7}` {
		t.Errorf(".sync:2 input %s", got)
	}
	if x := out["Express"].(map[string]any); x["Output"] != "fast" || x["Status"] != "SUCCEEDED" || !strings.Contains(x["ExecutionArn"].(string), ":express:") {
		t.Errorf("an Express child: %v", x)
	}
	// A failed child fails the task with States.TaskFailed, its description as the cause.
	caught := out["caught"].(map[string]any)
	if caught["Error"] != "States.TaskFailed" {
		t.Errorf("caught %v", caught)
	}
	cause := decodeJSON(t, caught["Cause"].(string))
	if cause["Status"] != "FAILED" || cause["Error"] != "Boom" || cause["Cause"] != "it broke" || cause["Output"] != nil {
		t.Errorf("the failed child's description: %v", cause)
	}
	// Its redrive status is DescribeExecution's: a failed child is
	// REDRIVABLE, without a reason, as AWS's .sync causes show it.
	described, err := s.client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(cause["ExecutionArn"].(string))})
	if err != nil {
		t.Fatal(err)
	}
	if _, reason := cause["RedriveStatusReason"]; cause["RedriveStatus"] != "REDRIVABLE" || reason || cause["RedriveCount"] != 0.0 ||
		described.RedriveStatus != "REDRIVABLE" {
		t.Errorf("the failed child's redrive status: %v, %v; DescribeExecution: %s", cause["RedriveStatus"], cause["RedriveStatusReason"], described.RedriveStatus)
	}
	// A machine that does not exist is the API's error, named as Step Functions names it.
	missing := out["missing"].(map[string]any)
	if missing["Error"] != "StepFunctions.StateMachineDoesNotExistException" ||
		!strings.Contains(missing["Cause"].(string), "(Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist;") {
		t.Errorf("missing %v", missing)
	}

	// The history: a .sync task is submitted (StartExecution's answer), then succeeds.
	var kinds []string
	for _, e := range s.history(arn) {
		if e.TaskSubmittedEventDetails != nil || e.TaskSucceededEventDetails != nil || e.TaskFailedEventDetails != nil {
			kinds = append(kinds, string(e.Type))
		}
	}
	want := "TaskSucceeded TaskSubmitted TaskSucceeded TaskSubmitted TaskSucceeded TaskSubmitted TaskSucceeded TaskSubmitted TaskFailed TaskFailed"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("task events\n got %s\nwant %s", got, want)
	}
}

func TestNestedExecutionStopsWithItsParent(t *testing.T) {
	t.Parallel()
	s := serve(t)
	slow := s.machine("slow", "STANDARD", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`)
	parent := s.machine("parent", "STANDARD", `{"StartAt":"Run","States":{"Run":{"Type":"Task",
		"Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"`+slow+`","Name.$":"$.name"},"End":true}}}`)
	timesOut := s.machine("times-out", "STANDARD", `{"StartAt":"Run","States":{"Run":{"Type":"Task","TimeoutSeconds":1,
		"Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{"StateMachineArn":"`+slow+`","Name.$":"$.name"},"End":true}}}`)
	childOf := func(name string) string {
		return strings.Replace(slow, ":stateMachine:", ":execution:", 1) + ":" + name
	}

	// StopExecution of the parent stops the child it waits for.
	p := s.start(parent, `{"name":"stopped-with-parent"}`)
	s.waitStatus(childOf("stopped-with-parent"), types.ExecutionStatusRunning)
	if _, err := s.client.StopExecution(context.Background(), &sfn.StopExecutionInput{ExecutionArn: aws.String(p)}); err != nil {
		t.Fatal(err)
	}
	if d := s.waitStatus(childOf("stopped-with-parent"), types.ExecutionStatusAborted); d.Status != types.ExecutionStatusAborted {
		t.Errorf("the child of a stopped parent is %s", d.Status)
	}

	// A Task that times out stops its child as well.
	p = s.start(timesOut, `{"name":"timed-out"}`)
	if d := s.waitStatus(p, types.ExecutionStatusFailed); d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "States.Timeout" {
		t.Errorf("parent %s %s", d.Status, aws.ToString(d.Error))
	}
	if d := s.waitStatus(childOf("timed-out"), types.ExecutionStatusAborted); d.Status != types.ExecutionStatusAborted {
		t.Errorf("the child of a timed-out task is %s", d.Status)
	}
}

func TestNestedExecutionCallsBack(t *testing.T) {
	t.Parallel()
	s := serve(t)
	child := s.machine("child", "STANDARD", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`)
	parent := s.machine("parent", "STANDARD", `{"StartAt":"Run","States":{"Run":{"Type":"Task",
		"Resource":"arn:aws:states:::states:startExecution.waitForTaskToken",
		"Parameters":{"StateMachineArn":"`+child+`","Input":{"token.$":"$$.Task.Token","AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}},"End":true}}}`)
	p := s.start(parent, `{}`)
	d := s.waitStatus(s.waitChild(child), types.ExecutionStatusRunning)
	in := decodeJSON(t, aws.ToString(d.Input))
	if in["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"] != p {
		t.Errorf("child input %v", in)
	}
	if _, err := s.client.SendTaskSuccess(context.Background(), &sfn.SendTaskSuccessInput{TaskToken: aws.String(in["token"].(string)), Output: aws.String(`{"approved":true}`)}); err != nil {
		t.Fatal(err)
	}
	if d := s.waitStatus(p, types.ExecutionStatusSucceeded); aws.ToString(d.Output) != `{"approved":true}` {
		t.Errorf("parent %s %s", d.Status, aws.ToString(d.Output))
	}
}

func TestNestedExecutionResourcesAreChecked(t *testing.T) {
	t.Parallel()
	s := serve(t)
	_, err := s.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String("m"),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/r"),
		Definition: aws.String(`{"StartAt":"D","States":{"D":{"Type":"Task","Resource":"arn:aws:states:::states:describeExecution","End":true}}}`)})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidDefinition" || !strings.Contains(api.ErrorMessage(), "states:describeExecution") {
		t.Fatalf("got %v", err)
	}
}

// A .sync task outlives a restart of stepd: the restarted server waits for
// the child the first one started (it does not start another), and the
// parent ends with the child's output. Stopping does not wait out the grace
// period for a task that only waits.
func TestNestedExecutionSurvivesARestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := serveData(t, dir)
	child := s.machine("child", "STANDARD", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":2,"Next":"P"},"P":{"Type":"Pass","Result":"done","End":true}}}`)
	parent := s.machine("parent", "STANDARD", `{"StartAt":"Run","States":{"Run":{"Type":"Task",
		"Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"`+child+`"},"OutputPath":"$.Output","End":true}}}`)
	p := s.start(parent, `{}`)
	s.waitChild(child)
	began := time.Now()
	s.stop()
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("stopping took %v: it waited for a task that only waits", took)
	}

	s = serveData(t, dir)
	if d := s.waitStatus(p, types.ExecutionStatusSucceeded); d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `"done"` {
		t.Fatalf("parent %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Cause))
	}
	if n := len(s.executions(child)); n != 1 {
		t.Errorf("%d children, want 1", n)
	}
	submitted := 0
	for _, e := range s.history(p) {
		if e.Type == types.HistoryEventTypeTaskSubmitted {
			submitted++
		}
	}
	if submitted != 1 {
		t.Errorf("%d TaskSubmitted events, want 1", submitted)
	}
}

// BenchmarkNestedSyncExecution: a parent whose one Task starts a 3-state
// child with .sync:2 and waits for it, end to end through the API: parent
// executions per second (two executions, and five commits, each).
func BenchmarkNestedSyncExecution(b *testing.B) {
	s := serve(b)
	child := s.machine("child", "STANDARD", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"C"},"C":{"Type":"Succeed"}}}`)
	parent := s.machine("parent", "STANDARD", `{"StartAt":"Run","States":{"Run":{"Type":"Task",
		"Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"`+child+`","Input.$":"$"},"OutputPath":"$.Output","End":true}}}`)
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			arn := s.start(parent, fmt.Sprintf(`{"i":%d}`, n.Add(1)))
			row, err := s.svc.Store().ExecutionGet(context.Background(), arn)
			if err == nil {
				row, err = s.svc.Standard().WaitFinished(context.Background(), row.ID)
			}
			if err != nil {
				b.Error(err)
				return
			}
			if row.Status != "SUCCEEDED" {
				b.Errorf("%s: %s", arn, row.Status)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "parents/s")
}
