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
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
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
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "stepd-examples-")
		if err != nil {
			buildErr = err
			return
		}
		built = filepath.Join(dir, "stepd")
		cmd := exec.Command("go", "build", "-o", built, "./cmd/stepd")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build stepd: %v\n%s", err, out)
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

// moduleRoot finds the checkout from the working directory.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the examples from stepd's checkout (or set STEPD_BIN)")
	}
	return filepath.Dir(mod), nil
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

	cmd    *exec.Cmd
	log    *syncBuffer
	exited chan struct{}
	data   string
}

// Start starts `stepd serve` on a free loopback port, with its data in a
// temporary directory, and waits until it answers.
func Start(ctx context.Context, opts Options) (*Stepd, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	data, err := os.MkdirTemp("", "stepd-example-data-")
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := []string{"serve", "--addr", addr, "--data", data}
	if opts.Config != "" {
		args = append(args, "--config", opts.Config)
	}
	if opts.TimeScale != 0 && opts.TimeScale != 1 {
		args = append(args, "--time-scale", fmt.Sprint(opts.TimeScale))
	}
	s := &Stepd{Endpoint: "http://" + addr, log: &syncBuffer{}, exited: make(chan struct{}), data: data}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = append(os.Environ(), opts.Env...)
	var w io.Writer = s.log
	if opts.Log != nil {
		w = io.MultiWriter(s.log, opts.Log)
	}
	s.cmd.Stdout, s.cmd.Stderr = w, w
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // dies with the example
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	s.SFN = sfn.New(sfn.Options{Region: Region, BaseEndpoint: aws.String(s.Endpoint), Credentials: Credentials})
	if err := waitHTTP(ctx, s.Endpoint+"/", s.exited); err != nil {
		s.Stop()
		return nil, fmt.Errorf("stepd serve did not start: %v\n%s", err, s.Log())
	}
	return s, nil
}

// Log returns what stepd has logged so far.
func (s *Stepd) Log() string { return s.log.String() }

// Stop stops stepd gracefully (SIGTERM), and removes its data.
func (s *Stepd) Stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
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
	cmd      *exec.Cmd
	exited   chan struct{}
}

// ErrNoMoto is returned by StartMoto when moto_server is not installed.
var ErrNoMoto = errors.New("moto_server is not installed (pip install 'moto[server]')")

// StartMoto starts moto's server on a free loopback port.
func StartMoto(ctx context.Context) (*Moto, error) {
	path, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrNoMoto
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	m := &Moto{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), exited: make(chan struct{})}
	m.cmd = exec.Command(path, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out syncBuffer
	m.cmd.Stdout, m.cmd.Stderr = &out, &out
	if err := m.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = m.cmd.Wait(); close(m.exited) }()
	if err := waitHTTP(ctx, m.Endpoint+"/moto-api/", m.exited); err != nil {
		m.Stop()
		return nil, fmt.Errorf("moto_server did not start: %v\n%s", err, out.String())
	}
	return m, nil
}

// Stop stops the server.
func (m *Moto) Stop() {
	_ = m.cmd.Process.Kill()
	<-m.exited
}

// AWSConfig is the aws-sdk-go-v2 configuration of clients for the server.
func (m *Moto) AWSConfig() aws.Config {
	return aws.Config{Region: Region, BaseEndpoint: aws.String(m.Endpoint), Credentials: Credentials}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitHTTP waits until a server answers (any status) or exits.
func waitHTTP(ctx context.Context, url string, exited <-chan struct{}) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return errors.New("the process exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond): // polling the port: the process gives no other signal
		}
	}
	return errors.New("no answer within a minute")
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
