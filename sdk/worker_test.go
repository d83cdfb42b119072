package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/awsapi"
	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/sdk"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store/sqlite"
)

// server is a real stepd API in the test process.
type server struct {
	url string
	sfn *sfn.Client
	st  *sqlite.Store
	eng *engine.Engine
}

func newServer(t *testing.T) *server {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "stepd.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: st})
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(awsapi.New(awsapi.Options{Service: svc}))
	t.Cleanup(func() {
		srv.Close()
		svc.StopWithin(0)
		st.Close()
	})
	return &server{url: srv.URL, st: st, eng: svc.Standard(), sfn: sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})}
}

// machine creates an activity and a machine whose one state is a task of it.
func (s *server) machine(t *testing.T, name, extra string) (activityARN, machineARN string) {
	t.Helper()
	ctx := context.Background()
	arn, err := sdk.NewClient(s.url).CreateActivity(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"` + arn + `",` + extra + `"End":true}}}`
	out, err := s.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	return arn, *out.StateMachineArn
}

func (s *server) start(t *testing.T, machine, input string) string {
	t.Helper()
	out, err := s.sfn.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(input)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.ExecutionArn
}

// wait waits for an execution to end, on the engine's signal, and describes
// it through the API.
func (s *server) wait(t *testing.T, execution string) *sfn.DescribeExecutionOutput {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	row, err := s.st.ExecutionGet(ctx, execution)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.eng.WaitFinished(ctx, row.ID); err != nil {
		t.Fatalf("%s: %v", execution, err)
	}
	d, err := s.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execution)})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// runWorker runs w until the test ends.
func runWorker(t *testing.T, w *sdk.Worker) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestWorkerSucceedsAndFails(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	activity, machine := s.machine(t, "greet", "")
	w := &sdk.Worker{Client: sdk.NewClient(s.url), ActivityARN: activity, Name: "test-worker",
		Handler: sdk.HandlerFunc(func(ctx context.Context, task *sdk.Task) (any, error) {
			var in struct{ Name string }
			if err := task.Decode(&in); err != nil {
				return nil, err
			}
			switch in.Name {
			case "":
				return nil, &sdk.TaskError{Name: "NoName", Cause: "who are you?"}
			case "boom":
				return nil, errors.New("it broke")
			case "panic":
				panic("oh no")
			}
			return map[string]string{"greeting": "hello " + in.Name}, nil
		})}
	runWorker(t, w)

	tests := []struct {
		input, status, output, err, cause string
	}{
		{`{"Name":"PSY"}`, "SUCCEEDED", `{"greeting":"hello PSY"}`, "", ""},
		{`{}`, "FAILED", "", "NoName", "who are you?"},
		{`{"Name":"boom"}`, "FAILED", "", "Error", "it broke"},
		{`{"Name":"panic"}`, "FAILED", "", "Panic", "oh no"},
	}
	for _, tt := range tests {
		d := s.wait(t, s.start(t, machine, tt.input))
		if string(d.Status) != tt.status || aws.ToString(d.Output) != tt.output || aws.ToString(d.Error) != tt.err || aws.ToString(d.Cause) != tt.cause {
			t.Errorf("%s: %s output=%s error=%s cause=%s", tt.input, d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
		}
	}
}

func TestWorkerConcurrency(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	activity, machine := s.machine(t, "together", "")
	var inside atomic.Int32
	all := make(chan struct{})
	w := &sdk.Worker{Client: sdk.NewClient(s.url), ActivityARN: activity, Concurrency: 3,
		Handler: sdk.HandlerFunc(func(ctx context.Context, task *sdk.Task) (any, error) {
			if inside.Add(1) == 3 {
				close(all)
			}
			select {
			case <-all: // all three run at once, or none finishes
				return "ok", nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		})}
	runWorker(t, w)
	var execs []string
	for range 3 {
		execs = append(execs, s.start(t, machine, `{}`))
	}
	for _, e := range execs {
		if d := s.wait(t, e); d.Status != types.ExecutionStatusSucceeded {
			t.Errorf("%s: %s %s", e, d.Status, aws.ToString(d.Error))
		}
	}
}

func TestWorkerHeartbeatsKeepALongTaskAlive(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	activity, machine := s.machine(t, "slow", `"HeartbeatSeconds":1,`)
	w := &sdk.Worker{Client: sdk.NewClient(s.url), ActivityARN: activity, HeartbeatInterval: 200 * time.Millisecond,
		Handler: sdk.HandlerFunc(func(ctx context.Context, task *sdk.Task) (any, error) {
			select {
			case <-time.After(2500 * time.Millisecond): // the work: longer than HeartbeatSeconds
				return "done", nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		})}
	runWorker(t, w)
	if d := s.wait(t, s.start(t, machine, `{}`)); d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("%s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

func TestWorkerStopIsGraceful(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	activity, machine := s.machine(t, "graceful", "")
	started, finish := make(chan struct{}), make(chan struct{})
	w := &sdk.Worker{Client: sdk.NewClient(s.url), ActivityARN: activity,
		Handler: sdk.HandlerFunc(func(ctx context.Context, task *sdk.Task) (any, error) {
			close(started)
			<-finish
			return "finished", nil
		})}
	done := make(chan error, 1)
	go func() { done <- w.Run(context.Background()) }()
	exec := s.start(t, machine, `{}`)
	<-started
	w.Stop()
	select {
	case <-done:
		t.Fatal("Run returned while a handler was running")
	case <-time.After(100 * time.Millisecond): // Run must still be waiting for the handler
	}
	close(finish)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := s.wait(t, exec); d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `"finished"` {
		t.Errorf("%s %s", d.Status, aws.ToString(d.Output))
	}
	w.Stop() // twice is fine
}

func TestWorkerStopsOnAnActivityThatDoesNotExist(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	w := &sdk.Worker{Client: sdk.NewClient(s.url), ActivityARN: "arn:aws:states:us-east-1:123456789012:activity:nope",
		Handler: sdk.HandlerFunc(func(context.Context, *sdk.Task) (any, error) { return nil, nil })}
	err := w.Run(context.Background())
	var api *sdk.APIError
	if !errors.As(err, &api) || api.Type != "ActivityDoesNotExist" {
		t.Fatalf("Run: %v", err)
	}
}

func TestIsTaskGone(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	err := sdk.NewClient(s.url).SendTaskSuccess(context.Background(), "not-a-token", "x")
	if !sdk.IsTaskGone(err) {
		t.Fatalf("SendTaskSuccess with a token stepd never gave: %v, want a task that is gone", err)
	}
	if wrapped := fmt.Errorf("report: %w", err); !sdk.IsTaskGone(wrapped) {
		t.Errorf("IsTaskGone(%v) is false for the wrapped error", wrapped)
	}
	for _, err := range []error{nil, errors.New("TaskTimedOut"), &sdk.APIError{Type: "ActivityDoesNotExist"}} {
		if sdk.IsTaskGone(err) {
			t.Errorf("IsTaskGone(%v) is true", err)
		}
	}
}
