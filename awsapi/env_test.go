package awsapi_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
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

	"github.com/stepd/stepd/awsapi"
	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store/memory"
	"github.com/stepd/stepd/store/sqlite"
)

// env is the API over real parts: a Standard engine on SQLite, an Express
// engine on a memory store, an httptest server, and the AWS SDK's client.
type env struct {
	t       testing.TB
	handler *awsapi.Handler
	server  *httptest.Server
	sfn     *sfn.Client
	store   *sqlite.Store
	svc     *service.Service
	std     *engine.Engine

	mu  sync.Mutex
	run func(ctx context.Context, t *runner.Task) runner.Outcome
}

func newEnv(t testing.TB) *env { return newEnvWith(t, nil) }

// newEnvWith is newEnv with the handler's options changed by with.
func newEnvWith(t testing.TB, with func(*awsapi.Options)) *env { return newEnvOf(t, nil, with) }

// newEnvOf is newEnv with the service's options changed by withService and
// the handler's by with (either may be nil).
func newEnvOf(t testing.TB, withService func(*service.Options), with func(*awsapi.Options)) *env {
	t.Helper()
	e := &env{t: t}
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "stepd.db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	run := runner.RunnerFunc(func(ctx context.Context, task *runner.Task) runner.Outcome {
		e.mu.Lock()
		f := e.run
		e.mu.Unlock()
		if f == nil {
			return runner.Succeeded(task.Input) // an echo function
		}
		return f(ctx, task)
	})
	e.store = st
	so := service.Options{Store: st, ExpressStore: memory.New(), Runner: run, Shards: 8}
	if withService != nil {
		withService(&so)
	}
	e.svc = service.New(so)
	e.std = e.svc.Standard()
	if err := e.svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	opts := awsapi.Options{Service: e.svc,
		Logger: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if with != nil {
		with(&opts)
	}
	e.handler = awsapi.New(opts)
	awsapi.SetPollTimeout(e.handler, 2*time.Second)
	e.server = httptest.NewServer(e.handler)
	t.Cleanup(func() {
		e.server.Close()
		e.svc.StopWithin(0)
		st.Close()
	})
	e.sfn = newClient(e.server)
	return e
}

// newClient returns the SDK's client for a test server. Every connection goes
// to the server, whatever the host: the SDK sends StartSyncExecution to
// "sync-<host>", which no resolver knows for 127.0.0.1.
func newClient(srv *httptest.Server) *sfn.Client { return newClientAs(srv, "AKIDSTEPD", "secret") }

// newClientAs is newClient signing with another key pair.
func newClientAs(srv *httptest.Server, keyID, secret string) *sfn.Client {
	addr := srv.Listener.Addr().String()
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 64,
	}
	return sfn.New(sfn.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		BaseEndpoint:     aws.String(srv.URL),
		HTTPClient:       &http.Client{Transport: tr},
		RetryMaxAttempts: 1,
	})
}

// onTask sets the function that runs the tasks of the env's executions.
func (e *env) onTask(f func(ctx context.Context, t *runner.Task) runner.Outcome) {
	e.mu.Lock()
	e.run = f
	e.mu.Unlock()
}

// testLog writes the handler's log to the test's.
type testLog struct{ t testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

var nameSeq atomic.Int64

func uniqueName(prefix string) string { return fmt.Sprintf("%s-%d", prefix, nameSeq.Add(1)) }

const roleARN = "arn:aws:iam::123456789012:role/stepd"

// machine creates a state machine and returns its ARN.
func (e *env) machine(typ, definition string) string {
	e.t.Helper()
	out, err := e.sfn.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String(uniqueName("sm")), Definition: aws.String(definition), RoleArn: aws.String(roleARN),
		Type: sfnType(typ),
	})
	if err != nil {
		e.t.Fatalf("CreateStateMachine: %v", err)
	}
	return *out.StateMachineArn
}

// waitDone waits for a STANDARD execution's end (on the engine's signal) and
// describes it.
func (e *env) waitDone(arn string) *sfn.DescribeExecutionOutput {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	row, err := e.store.ExecutionGet(ctx, arn)
	if err != nil {
		e.t.Fatalf("execution %s: %v", arn, err)
	}
	if _, err := e.std.WaitFinished(ctx, row.ID); err != nil {
		e.t.Fatalf("wait for %s: %v", arn, err)
	}
	out, err := e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		e.t.Fatalf("DescribeExecution: %v", err)
	}
	return out
}

func sfnType(typ string) types.StateMachineType { return types.StateMachineType(typ) }

// apiCode returns the error code the SDK parsed from an error answer.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprintf("not an API error: %v", err)
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// wantCode checks that err is the API error code, with a message containing
// msg (if given).
func wantCode(t testing.TB, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if got := apiCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	if msg != "" && apiMessage(err) != msg {
		t.Fatalf("error message %q, want %q", apiMessage(err), msg)
	}
}
