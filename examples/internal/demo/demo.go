// Package demo runs the examples the way a user would: it starts a real
// `stepd serve` (and moto's server where an example needs AWS services), and
// drives it with the AWS SDK for Go, as any Step Functions client would.
package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/internal/serveproc"
)

// Region and Account are the ones stepd serve uses by default, so the ARNs
// in the examples' definitions are stepd's own.
const (
	Region  = "us-east-1"
	Account = "123456789012"
)

// Credentials are any: stepd (and moto) do not check signatures.
var Credentials = credentials.NewStaticCredentialsProvider("test", "test", "")

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// Binary returns a stepd binary: $STEPD_BIN, or one built from this
// checkout (once per process).
func Binary() (string, error) {
	if p := os.Getenv("STEPD_BIN"); p != "" {
		return filepath.Abs(p)
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stepd-examples-")
		if err != nil {
			buildErr = err
			return
		}
		if built, buildErr = serveproc.Build(dir); buildErr != nil {
			os.RemoveAll(dir)
		}
	})
	return built, buildErr
}

// Main runs an example program: run, with a context that ends after timeout;
// then it removes the stepd that Binary built, and on an error prints it,
// after the program's name, and exits 1.
func Main(name string, timeout time.Duration, run func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	err := run(ctx)
	cancel()
	Cleanup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Cleanup removes the stepd that Binary built, if it built one. Call it when
// the program (or the test binary) is done with stepd.
func Cleanup() {
	if built != "" {
		os.RemoveAll(filepath.Dir(built))
	}
}

// Options start a stepd serve.
type Options struct {
	Config    string   // --config
	TimeScale float64  // --time-scale (0: 1)
	Env       []string // extra environment (KEY=VALUE)
	// Log receives stepd's log; nil keeps it in memory for Stepd.Log.
	Log io.Writer
}

// Stepd is a running `stepd serve` and a Step Functions client for it.
type Stepd struct {
	Endpoint string
	SFN      *sfn.Client

	proc *serveproc.Process
	log  *syncBuffer
	data string
}

// Start starts `stepd serve` on a free loopback port, with its data in a
// temporary directory, and waits until it answers.
func Start(ctx context.Context, opts Options) (*Stepd, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	addr, err := serveproc.FreeAddr()
	if err != nil {
		return nil, err
	}
	data, err := os.MkdirTemp("", "stepd-example-data-")
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--addr", addr, "--data", data}
	if opts.Config != "" {
		args = append(args, "--config", opts.Config)
	}
	if opts.TimeScale != 0 && opts.TimeScale != 1 {
		args = append(args, "--time-scale", fmt.Sprint(opts.TimeScale))
	}
	s := &Stepd{Endpoint: "http://" + addr, log: &syncBuffer{}, data: data}
	var w io.Writer = s.log
	if opts.Log != nil {
		w = io.MultiWriter(s.log, opts.Log)
	}
	s.proc = &serveproc.Process{Bin: bin, Args: args, Env: opts.Env, Out: w, Ready: s.Endpoint + "/readyz",
		DieWithParent: true} // dies with the example
	if err := s.proc.Start(ctx, time.Minute); err != nil {
		os.RemoveAll(data)
		return nil, fmt.Errorf("stepd serve did not start: %v\n%s", err, s.Log())
	}
	s.SFN = sfn.New(sfn.Options{Region: Region, BaseEndpoint: aws.String(s.Endpoint), Credentials: Credentials})
	return s, nil
}

// Log returns what stepd has logged so far.
func (s *Stepd) Log() string { return s.log.String() }

// Stop stops stepd gracefully (SIGTERM; killed after 15 s), and removes its
// data.
func (s *Stepd) Stop() {
	s.proc.Stop(15 * time.Second)
	os.RemoveAll(s.data)
}

// CreateMachine creates a STANDARD state machine from a definition file, with
// each ${Name} replaced by subs[Name] (as CloudFormation's
// DefinitionSubstitutions do).
func (s *Stepd) CreateMachine(ctx context.Context, name, file string, subs map[string]string) (string, error) {
	text, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	def := string(text)
	for k, v := range subs {
		def = strings.ReplaceAll(def, "${"+k+"}", v)
	}
	out, err := s.SFN.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def),
		RoleArn: aws.String("arn:aws:iam::" + Account + ":role/stepd-example")})
	if err != nil {
		return "", err
	}
	return *out.StateMachineArn, nil
}

// StartExecution starts an execution.
func (s *Stepd) StartExecution(ctx context.Context, machine, input string) (string, error) {
	out, err := s.SFN.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(input)})
	if err != nil {
		return "", err
	}
	return *out.ExecutionArn, nil
}

// Wait waits for an execution to end and describes it. DescribeExecution is
// the API's only signal, so it polls.
func (s *Stepd) Wait(ctx context.Context, execution string) (*sfn.DescribeExecutionOutput, error) {
	for {
		d, err := s.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execution)})
		if err != nil {
			return nil, err
		}
		if d.Status != types.ExecutionStatusRunning {
			return d, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s is still running: %w", execution, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Output returns the output of an execution that succeeded; for one that
// ended otherwise, an error that says how, with stepd's log.
func (s *Stepd) Output(d *sfn.DescribeExecutionOutput) (string, error) {
	if d.Status != types.ExecutionStatusSucceeded {
		return "", fmt.Errorf("the execution %s: %s: %s\n%s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), s.Log())
	}
	return aws.ToString(d.Output), nil
}

// Run starts an execution and waits for it to end.
func (s *Stepd) Run(ctx context.Context, machine, input string) (*sfn.DescribeExecutionOutput, error) {
	exec, err := s.StartExecution(ctx, machine, input)
	if err != nil {
		return nil, err
	}
	return s.Wait(ctx, exec)
}

// History returns an execution's events.
func (s *Stepd) History(ctx context.Context, execution string) ([]types.HistoryEvent, error) {
	var events []types.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(s.SFN, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execution)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		events = append(events, page.Events...)
	}
	return events, nil
}

// Moto is a running moto server (moto_server, a Python emulator of AWS).
type Moto struct {
	Endpoint string
	proc     *serveproc.Process
}

// ErrNoMoto is returned by StartMoto when moto_server is not installed.
var ErrNoMoto = errors.New("moto_server is not installed (pip install 'moto[server]')")

// StartMoto starts moto's server on a free loopback port.
func StartMoto(ctx context.Context) (*Moto, error) {
	path, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrNoMoto
	}
	addr, err := serveproc.FreeAddr()
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	m := &Moto{Endpoint: "http://" + addr}
	var out syncBuffer
	m.proc = &serveproc.Process{Bin: path, Args: []string{"-H", host, "-p", port}, Out: &out,
		Ready: m.Endpoint + "/moto-api/", Accept: serveproc.AnyStatus, DieWithParent: true}
	if err := m.proc.Start(ctx, time.Minute); err != nil {
		return nil, fmt.Errorf("moto_server did not start: %v\n%s", err, out.String())
	}
	return m, nil
}

// Stop stops the server.
func (m *Moto) Stop() { m.proc.Kill() }

// AWSConfig is the aws-sdk-go-v2 configuration of clients for the server.
func (m *Moto) AWSConfig() aws.Config {
	return aws.Config{Region: Region, BaseEndpoint: aws.String(m.Endpoint), Credentials: Credentials}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
