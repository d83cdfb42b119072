package lambda

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepd/stepd/runner"
)

//go:embed bootstrap/bootstrap.py bootstrap/bootstrap.js
var bootstraps embed.FS

// The runtimes a Handler runs.
const (
	RuntimePython = "python3"
	RuntimeNode   = "nodejs"
)

// RuntimeKind reads a runtime name as Lambda writes it ("python3",
// "python3.12", "nodejs", "nodejs20.x") and returns RuntimePython or
// RuntimeNode, or "" when stepd cannot run it.
func RuntimeKind(runtime string) string {
	switch {
	case runtime == "python" || strings.HasPrefix(runtime, "python3"):
		return RuntimePython
	case runtime == "node" || strings.HasPrefix(runtime, "nodejs"):
		return RuntimeNode
	}
	return ""
}

// Handler is a function written as a Lambda handler for the Python or Node.js
// runtime — def lambda_handler(event, context) or exports.handler = async
// (event, context) => ... — run unchanged in a warm pool of worker processes.
// Each worker imports the handler once (a small bootstrap embedded in stepd)
// and then serves invocations one at a time; up to Concurrency workers run at
// once, and further invocations wait for one to be free.
//
// The handler gets Lambda's context object (aws_request_id, function_name,
// get_remaining_time_in_millis, ... in Python; awsRequestId, functionName,
// getRemainingTimeInMillis, ... in Node.js) and Lambda's environment
// variables. Errors come back as Lambda reports them: Python's
// {"errorMessage", "errorType", "requestId", "stackTrace"} and Node.js's
// {"errorType", "errorMessage", "trace"}, with the code's directory shown as
// /var/task, as on Lambda. What the handler prints goes to Logger, tagged
// with the execution.
//
// A worker that runs past Timeout is killed and the invocation fails with
// Sandbox.Timedout; a worker that dies fails it with Runtime.ExitError. Either
// way the pool starts a fresh worker for the next invocation. When the
// handler's module file changes, idle workers are replaced, so an edit takes
// effect at the next invocation. Handler is safe for concurrent use; Close
// stops its workers.
type Handler struct {
	Runtime string   // "python3" or "nodejs" (versions such as "python3.12" or "nodejs20.x" are accepted)
	Handler string   // "module.function", as in Lambda: "lambda_function.lambda_handler", "index.handler"
	Dir     string   // the code's directory (LAMBDA_TASK_ROOT); the working directory
	Env     []string // extra environment, KEY=VALUE
	// Timeout is the function's timeout, as Lambda's; zero: only the task's.
	Timeout time.Duration
	// Concurrency bounds the worker processes; zero means 10.
	Concurrency int
	// Interpreter runs the bootstrap; default: python3 or node from PATH.
	Interpreter []string
	// IdleTimeout stops a worker left idle this long; zero means 10 minutes.
	IdleTimeout time.Duration
	// MemoryMB is reported to the handler (context.memory_limit_in_mb); zero
	// means 128. stepd does not enforce it.
	MemoryMB int
	// Region is AWS_REGION in the workers' environment; default us-east-1.
	Region string
	// Logger receives the workers' standard output and error; nil discards
	// them.
	Logger Logger

	once      sync.Once
	bootstrap string // the bootstrap file
	initErr   error
	sem       chan struct{}

	mu     sync.Mutex
	idle   []*worker
	all    map[*worker]struct{}
	closed bool
}

var _ Function = (*Handler)(nil)

// worker is one process of the pool.
type worker struct {
	cmd       *exec.Cmd
	req       *os.File      // stepd's end of the requests pipe (fd 3 in the worker)
	resp      *bufio.Reader // stepd's end of the answers pipe (fd 4 in the worker)
	respFile  *os.File
	stdout    *lineWriter
	stderr    *lineWriter
	exited    chan struct{}
	idleTimer *time.Timer
	killOnce  sync.Once
	code      time.Time // the handler module's modification time when the worker started
}

func (h *Handler) setup() {
	h.once.Do(func() {
		kind := RuntimeKind(h.Runtime)
		if kind == "" {
			h.initErr = fmt.Errorf("the runtime %q is not supported: use python3 or nodejs", h.Runtime)
			return
		}
		name := "bootstrap/bootstrap.py"
		if kind == RuntimeNode {
			name = "bootstrap/bootstrap.js"
		}
		h.bootstrap, h.initErr = writeBootstrap(name)
		n := h.Concurrency
		if n <= 0 {
			n = 10
		}
		h.sem = make(chan struct{}, n)
		h.all = map[*worker]struct{}{}
	})
}

// writeBootstrap puts an embedded bootstrap in a file the interpreter can
// run: named by its content, so stepd processes share it and a new stepd never
// runs an old bootstrap.
func writeBootstrap(name string) (string, error) {
	src, err := bootstraps.ReadFile(name)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(src)
	dir := filepath.Join(os.TempDir(), "stepd-bootstrap-"+hex.EncodeToString(sum[:8]))
	path := filepath.Join(dir, filepath.Base(name))
	if b, err := os.ReadFile(path); err == nil && bytes.Equal(b, src) {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write the handler bootstrap: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "tmp-*")
	if err != nil {
		return "", fmt.Errorf("write the handler bootstrap: %w", err)
	}
	_, werr := tmp.Write(src)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("write the handler bootstrap: %w", errors.Join(werr, cerr))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("write the handler bootstrap: %w", err)
	}
	return path, nil
}

// Invoke runs the handler once in a warm worker.
func (h *Handler) Invoke(ctx context.Context, inv *Invocation) (*Response, error) {
	h.setup()
	if h.initErr != nil {
		return nil, h.initErr
	}
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.sem }()

	w, err := h.get(ctx, inv)
	if err != nil {
		return nil, err
	}
	// As on Lambda, the timeout counts the invocation, not the worker's start
	// (its init phase).
	deadline := time.Now().Add(15 * time.Minute) // Lambda's longest timeout
	ctx, cancel := withTimeout(ctx, h.Timeout)
	defer cancel()
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	tags := tagsOf(inv)
	w.stdout.tags.Store(tags)
	w.stderr.tags.Store(tags)
	kind, payload, err := w.roundTrip(ctx, request(inv, deadline))
	if err != nil {
		if ctx.Err() != nil {
			h.discard(w)
			return interrupted(ctx, inv, h.Timeout)
		}
		status := w.exitStatus()
		h.discard(w)
		return exitError(inv, status), nil
	}
	// The invocation's output is logged, with its tags, before its result goes
	// back: the bootstrap wrote an end marker on both streams before answering.
	w.stdout.awaitEnd(inv.RequestID, time.Second)
	w.stderr.awaitEnd(inv.RequestID, time.Second)
	h.put(w)
	if kind == 'E' {
		return &Response{Payload: payload, FunctionError: "Unhandled"}, nil
	}
	return &Response{Payload: payload}, nil
}

// request is the line that asks a worker for one invocation.
func request(inv *Invocation, deadline time.Time) []byte {
	event := inv.Payload
	if len(bytes.TrimSpace(event)) == 0 {
		event = []byte("null")
	}
	if bytes.IndexByte(event, '\n') >= 0 {
		var b bytes.Buffer
		if json.Compact(&b, event) == nil {
			event = b.Bytes()
		}
	}
	var b bytes.Buffer
	b.Grow(len(event) + 256)
	b.WriteString(`{"requestId":`)
	writeJSONString(&b, inv.RequestID)
	b.WriteString(`,"functionArn":`)
	writeJSONString(&b, inv.FunctionARN)
	b.WriteString(`,"deadlineMs":`)
	b.WriteString(strconv.FormatInt(deadline.UnixMilli(), 10))
	if inv.Task != nil {
		b.WriteString(`,"executionArn":`)
		writeJSONString(&b, inv.Task.ExecutionARN)
		b.WriteString(`,"idempotencyKey":`)
		writeJSONString(&b, inv.Task.IdempotencyKey())
		if c, ok := runner.ParseTraceHeader(inv.Task.TraceHeader); ok {
			// The runtime sets _X_AMZN_TRACE_ID for the invocation, as Lambda's do.
			b.WriteString(`,"traceId":`)
			writeJSONString(&b, c.XRay())
		}
	}
	if inv.ClientContext != "" {
		if cc, err := base64.StdEncoding.DecodeString(inv.ClientContext); err == nil && json.Valid(cc) {
			b.WriteString(`,"clientContext":`)
			if json.Compact(&b, cc) != nil {
				b.WriteString("null")
			}
		}
	}
	b.WriteString(`,"event":`)
	b.Write(event)
	b.WriteString("}\n")
	return b.Bytes()
}

func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s)
	b.Write(q)
}

// get returns an idle worker, or starts one.
func (h *Handler) get(ctx context.Context, inv *Invocation) (*worker, error) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, errors.New("the function's worker pool is closed")
	}
	code := h.codeTime()
	var stale []*worker
	for len(h.idle) > 0 {
		w := h.idle[len(h.idle)-1]
		h.idle = h.idle[:len(h.idle)-1]
		if w.idleTimer != nil {
			w.idleTimer.Stop()
		}
		select {
		case <-w.exited: // died while idle
			delete(h.all, w)
			continue
		default:
		}
		if !w.code.Equal(code) { // the code changed: a new worker imports it
			delete(h.all, w)
			stale = append(stale, w)
			continue
		}
		h.mu.Unlock()
		go killAll(stale)
		return w, nil
	}
	h.mu.Unlock()
	go killAll(stale)
	w, err := h.start(inv)
	if err != nil {
		return nil, err
	}
	if err := w.ready(ctx); err != nil {
		status := w.exitStatus()
		w.kill()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &InvokeError{Name: "Lambda.ServiceException", Cause: fmt.Sprintf("the %s runtime did not start: %v (%s)", h.Runtime, err, status)}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		w.kill()
		return nil, errors.New("the function's worker pool is closed")
	}
	h.all[w] = struct{}{}
	return w, nil
}

func killAll(ws []*worker) {
	for _, w := range ws {
		w.kill()
	}
}

// codeTime is the modification time of the handler's module file (the first
// of module.py, module.js, module.mjs, module.cjs that exists), so that a
// change to it makes the pool start workers that import it anew.
func (h *Handler) codeTime() time.Time {
	dot := strings.LastIndexByte(h.Handler, '.')
	if dot < 0 {
		return time.Time{}
	}
	base := filepath.Join(h.Dir, h.Handler[:dot])
	if RuntimeKind(h.Runtime) == RuntimePython {
		base = filepath.Join(h.Dir, strings.ReplaceAll(h.Handler[:dot], ".", string(filepath.Separator)))
	}
	for _, ext := range []string{".py", ".js", ".mjs", ".cjs"} {
		if fi, err := os.Stat(base + ext); err == nil {
			return fi.ModTime()
		}
	}
	return time.Time{}
}

// put returns a worker to the idle pool.
func (h *Handler) put(w *worker) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		w.kill()
		return
	}
	idle := h.IdleTimeout
	if idle <= 0 {
		idle = 10 * time.Minute
	}
	w.idleTimer = time.AfterFunc(idle, func() { h.reap(w) })
	h.idle = append(h.idle, w)
}

// reap stops a worker that stayed idle.
func (h *Handler) reap(w *worker) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, x := range h.idle {
		if x == w {
			h.idle = append(h.idle[:i], h.idle[i+1:]...)
			delete(h.all, w)
			w.kill()
			return
		}
	}
}

// discard stops a worker that failed or ran out of time.
func (h *Handler) discard(w *worker) {
	w.kill()
	h.mu.Lock()
	delete(h.all, w)
	h.mu.Unlock()
}

// Workers returns how many worker processes are alive (for tests and
// metrics).
func (h *Handler) Workers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.all)
}

// Close stops every worker; invocations after it fail. It is safe to call
// twice.
func (h *Handler) Close() error {
	h.mu.Lock()
	h.closed = true
	ws := make([]*worker, 0, len(h.all))
	for w := range h.all {
		ws = append(ws, w)
	}
	h.all = map[*worker]struct{}{}
	h.idle = nil
	h.mu.Unlock()
	for _, w := range ws {
		w.kill()
	}
	return nil
}

// interpreter returns the command that runs the bootstrap.
func (h *Handler) interpreter() []string {
	if len(h.Interpreter) > 0 {
		return h.Interpreter
	}
	if RuntimeKind(h.Runtime) == RuntimeNode {
		return []string{"node"}
	}
	// "python3.12" runs that Python when it is installed.
	if h.Runtime != RuntimePython && strings.HasPrefix(h.Runtime, "python3.") {
		if p, err := exec.LookPath(h.Runtime); err == nil {
			return []string{p}
		}
	}
	return []string{resolvedPython()}
}

var (
	pythonOnce sync.Once
	pythonPath string
)

// resolvedPython is the python3 on PATH, resolved to the interpreter itself:
// a version manager's shim (pyenv's is a shell script) would add its own start
// time to every worker's.
func resolvedPython() string {
	pythonOnce.Do(func() {
		pythonPath = "python3"
		out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
		if p := strings.TrimSpace(string(out)); err == nil && p != "" {
			pythonPath = p
		}
	})
	return pythonPath
}

// environment is a worker's environment: stepd's, Lambda's variables, then
// the function's own.
func (h *Handler) environment(inv *Invocation, dir string) []string {
	region := h.Region
	if region == "" {
		region = "us-east-1"
	}
	mem := h.MemoryMB
	if mem <= 0 {
		mem = 128
	}
	execEnv := "AWS_Lambda_python3.12"
	if RuntimeKind(h.Runtime) == RuntimeNode {
		execEnv = "AWS_Lambda_nodejs20.x"
	}
	if h.Runtime != RuntimePython && h.Runtime != RuntimeNode {
		execEnv = "AWS_Lambda_" + h.Runtime
	}
	env := append(os.Environ(),
		"AWS_LAMBDA_FUNCTION_NAME="+inv.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(mem),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/"+inv.FunctionName,
		"AWS_LAMBDA_LOG_STREAM_NAME="+time.Now().UTC().Format("2006/01/02")+"/[$LATEST]"+strings.ReplaceAll(runner.RequestID(), "-", ""),
		"AWS_REGION="+region,
		"AWS_DEFAULT_REGION="+region,
		"AWS_EXECUTION_ENV="+execEnv,
		"LAMBDA_TASK_ROOT="+dir,
		"STEPD_TASK_ROOT="+dir,
		"_HANDLER="+h.Handler,
		"PYTHONUNBUFFERED=1",
	)
	return append(env, h.Env...)
}

// start starts a worker process.
func (h *Handler) start(inv *Invocation) (*worker, error) {
	dir := h.Dir
	if dir == "" {
		dir = "."
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	respR, respW, err := os.Pipe()
	if err != nil {
		reqR.Close()
		reqW.Close()
		return nil, err
	}
	args := append(append([]string(nil), h.interpreter()...), h.bootstrap)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = h.environment(inv, dir)
	cmd.ExtraFiles = []*os.File{reqR, respW} // fd 3 and fd 4
	cmd.SysProcAttr = groupAttr()
	log := h.Logger
	if log == nil {
		log = func(LogLine) {}
	}
	tags := tagsOf(inv)
	w := &worker{
		cmd: cmd, req: reqW, respFile: respR, resp: bufio.NewReaderSize(respR, 64<<10),
		stdout: newLineWriter(log, "stdout", tags), stderr: newLineWriter(log, "stderr", tags),
		exited: make(chan struct{}), code: h.codeTime(),
	}
	cmd.Stdout = w.stdout
	cmd.Stderr = w.stderr
	err = cmd.Start()
	reqR.Close()
	respW.Close()
	if err != nil {
		reqW.Close()
		respR.Close()
		return nil, &InvokeError{Name: "Lambda.ServiceException", Cause: fmt.Sprintf("start the %s runtime (%s): %v", h.Runtime, args[0], err)}
	}
	go func() {
		_ = cmd.Wait()
		w.stdout.Flush()
		w.stderr.Flush()
		close(w.exited)
	}()
	return w, nil
}

// initTimeout bounds a worker's start, as Lambda bounds its init phase.
const initTimeout = 10 * time.Second

// ready waits for a new worker to load the handler.
func (w *worker) ready(ctx context.Context) error {
	done := make(chan answer, 1)
	go func() {
		line, err := w.resp.ReadBytes('\n')
		done <- answer{line: line, err: err}
	}()
	timer := time.NewTimer(initTimeout)
	defer timer.Stop()
	select {
	case a := <-done:
		if a.err != nil {
			return a.err
		}
		if string(a.line) != "READY\n" {
			return fmt.Errorf("the worker said %q", a.line)
		}
		return nil
	case <-ctx.Done():
		w.kill()
		<-done
		return ctx.Err()
	case <-timer.C:
		w.kill()
		<-done
		return fmt.Errorf("no answer in %v", initTimeout)
	}
}

type answer struct {
	line []byte
	err  error
}

// roundTrip sends one request and reads its answer: 'R' and the result, or 'E'
// and the error object. An error means the worker is gone or must go.
func (w *worker) roundTrip(ctx context.Context, msg []byte) (byte, []byte, error) {
	done := make(chan answer, 1)
	go func() {
		if _, err := w.req.Write(msg); err != nil {
			done <- answer{err: err}
			return
		}
		line, err := w.resp.ReadBytes('\n')
		done <- answer{line: line, err: err}
	}()
	select {
	case a := <-done:
		if a.err != nil {
			return 0, nil, a.err
		}
		line := bytes.TrimSuffix(a.line, []byte{'\n'})
		if len(line) == 0 || (line[0] != 'R' && line[0] != 'E') {
			return 0, nil, fmt.Errorf("the worker answered %q", line)
		}
		return line[0], line[1:], nil
	case <-ctx.Done():
		w.kill()
		<-done
		return 0, nil, ctx.Err()
	}
}

// kill stops the worker's process group and releases its pipes.
func (w *worker) kill() {
	w.killOnce.Do(func() {
		select {
		case <-w.exited: // its process group may be gone, and its ID reused
		default:
			_ = killGroup(w.cmd.Process)
		}
		w.req.Close()
		select {
		case <-w.exited:
		case <-time.After(5 * time.Second):
		}
		w.respFile.Close()
	})
}

// exitStatus describes how a dead worker ended.
func (w *worker) exitStatus() string {
	select {
	case <-w.exited:
	case <-time.After(time.Second):
		return "the runtime stopped answering"
	}
	if ps := w.cmd.ProcessState; ps != nil {
		return ps.String()
	}
	return "the runtime exited"
}
