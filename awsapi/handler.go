package awsapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/history"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store"
)

// Options configure a Handler.
type Options struct {
	// Service is the Step Functions service the API serves: its store holds
	// the state machines, activities, tags and STANDARD executions, and it
	// starts, stops and answers executions on the engine of their type.
	// Required.
	Service *service.Service
	// Region and Account appear in the ARNs the handler makes; defaults
	// us-east-1 and 123456789012.
	Region  string
	Account string
	// Logger receives internal failures (with their cause) and a debug line per
	// request; nil discards them.
	Logger *slog.Logger
	// Now is the handler's clock, for creation and update dates; default
	// time.Now.
	Now func() time.Time
	// CheckResource, when set, is asked about every Task's Resource of a
	// definition given to CreateStateMachine and UpdateStateMachine; an error
	// (which names the resource) refuses the definition with
	// InvalidDefinition, so that a resource this stepd cannot run is reported
	// when the machine is made, not when an execution reaches it.
	CheckResource func(asl.Resource) error
	// CheckMap, when set, is asked likewise about every Map state; an error
	// refuses the definition, at the returned location (a JSON pointer
	// below the state, such as "/ItemReader/ReaderConfig/InputType").
	CheckMap func(*asl.State) (location string, err error)

	// Admit, when set, is asked about every request before its body is read;
	// an error refuses it (stepd serve checks the Host header with it when
	// authentication is off). A Refusal is answered as it says, any other
	// error as an internal failure.
	Admit func(r *http.Request) error
	// Authenticate, when set, is asked who makes each API call, once its body
	// is read and before the action runs: it returns the account the call acts
	// for, or an error that refuses it (as for Admit). With Authenticate set,
	// accounts are kept apart: a call makes the ARNs of its account and lists
	// only its account's machines, activities and executions, and another
	// account's machine, execution, activity or task token is answered as one
	// that does not exist. Without it, every call acts for Account.
	Authenticate func(r *http.Request, body []byte) (account string, err error)
	// BodyTimeout bounds how long a request's body may take to arrive
	// (default 30 s): a slower one is answered 408 RequestTimeout and its
	// connection closed.
	BodyTimeout time.Duration
	// AnswerTimeout bounds how long an action may take to answer (default
	// 60 s), on top of GetActivityTask's long poll (60 s) and of a
	// StartSyncExecution's run (up to 5 minutes): past it, the action's context
	// ends and the answer can no longer be written.
	AnswerTimeout time.Duration
}

// Refusal is an error of Options.Admit or Options.Authenticate that refuses
// a request: it is answered with the HTTP status and {"__type":
// "com.amazon.coral.service#<code>", "message": message}.
type Refusal interface {
	error
	Refusal() (status int, code, message string)
}

// Defaults of Options.
const (
	DefaultBodyTimeout   = 30 * time.Second
	DefaultAnswerTimeout = 60 * time.Second
	// syncRunTime is how long a StartSyncExecution may run, as on AWS.
	syncRunTime = 5 * time.Minute
)

// Handler serves the Step Functions API over the AWS JSON 1.0 protocol. It
// is safe for concurrent use.
type Handler struct {
	svc          *service.Service
	store        store.Store
	region       string
	account      string
	log          *slog.Logger
	now          func() time.Time
	checkRes     func(asl.Resource) error
	checkMap     func(*asl.State) (string, error)
	maxPayload   int
	admit        func(*http.Request) error
	authenticate func(*http.Request, []byte) (string, error)
	bodyTimeout  time.Duration
	answerTime   time.Duration

	tokenKey []byte
	// pollTimeout bounds GetActivityTask's long poll (AWS: 60 s).
	pollTimeout time.Duration
	// bodiesInFlight counts the bytes reserved by the bodies being read.
	bodiesInFlight atomic.Int64
	// activities are the activities polls have found, for a second.
}

// New returns a Handler.
func New(opts Options) *Handler {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "123456789012"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BodyTimeout <= 0 {
		opts.BodyTimeout = DefaultBodyTimeout
	}
	if opts.AnswerTimeout <= 0 {
		opts.AnswerTimeout = DefaultAnswerTimeout
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &Handler{
		svc: opts.Service, store: opts.Service.Store(),
		region: opts.Region, account: opts.Account, log: opts.Logger, now: opts.Now, checkRes: opts.CheckResource, checkMap: opts.CheckMap,
		tokenKey: key, pollTimeout: 60 * time.Second, maxPayload: opts.Service.MaxPayloadBytes(),
		admit: opts.Admit, authenticate: opts.Authenticate, bodyTimeout: opts.BodyTimeout, answerTime: opts.AnswerTimeout,
	}
}

// targetPrefix is the X-Amz-Target prefix of Step Functions actions.
const targetPrefix = "AWSStepFunctions."

// maxBody bounds a request body: a definition is at most 1 MiB, which JSON
// escaping can grow.
const maxBody = 8 << 20

// Bodies being read count against a budget, so that many clients sending
// large bodies slowly hold a bounded amount of memory: a body declares its
// length (or, chunked, counts as maxBody), and one that does not fit in
// bodyBudget beside the others being read is answered 503, which SDKs retry.
// Bodies of at most smallBody bytes are not counted.
const (
	bodyBudget = 256 << 20
	smallBody  = 64 << 10
)

// Match reports whether a request is an API call: POST / with an
// X-Amz-Target header. A server that serves other things beside the API (the
// console on GET /) routes with it:
//
//	if api.Match(r) { api.ServeHTTP(w, r) } else { console.ServeHTTP(w, r) }
func (h *Handler) Match(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/" && r.Header.Get("X-Amz-Target") != ""
}

// ServeHTTP answers an API call. Options.Admit is asked first; a request
// that Match refuses is then answered 404 (405 for another method on /), or,
// for a POST / with no X-Amz-Target, AWS's UnknownOperationException. The
// body is read within Options.BodyTimeout, and Options.Authenticate (when
// set) decides who makes the call; without it, any SigV4 Authorization is
// accepted as it comes, unverified. The Host (including the "sync-" prefix
// SDKs add for StartSyncExecution) and Content-Type are accepted as they
// come. The action then has Options.AnswerTimeout to answer.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.admit != nil {
		if err := h.admit(r); err != nil {
			h.writeError(w, newRequestID(), "", refused(err))
			return
		}
	}
	if !h.Match(r) {
		switch {
		case r.URL.Path != "/":
			http.NotFound(w, r)
		case r.Method != http.MethodPost:
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		default:
			h.writeError(w, newRequestID(), "", &apiError{status: http.StatusBadRequest, ns: nsCoral, code: CodeUnknownOperation,
				message: "The request has no X-Amz-Target header naming a Step Functions action"})
		}
		return
	}
	start := time.Now()
	reqID := newRequestID()
	target := r.Header.Get("X-Amz-Target")
	action, _ := strings.CutPrefix(target, targetPrefix)
	op := operations[action]
	if !strings.HasPrefix(target, targetPrefix) || op == nil {
		err := &apiError{status: http.StatusBadRequest, ns: nsCoral, code: CodeUnknownOperation,
			message: fmt.Sprintf("%s is not a Step Functions action", clip(target))}
		if what, ok := unsupportedActions[action]; ok && strings.HasPrefix(target, targetPrefix) {
			err = unsupported(action, what)
		}
		h.writeError(w, reqID, action, err)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(start.Add(h.bodyTimeout)) // not every ResponseWriter has deadlines (tests' recorders)
	body, err := h.readBody(w, r)
	if errors.Is(err, errBodyBudget) {
		h.writeError(w, reqID, action, &apiError{status: http.StatusServiceUnavailable, ns: nsCoral, code: CodeServiceUnavailable,
			message: "Too many large requests are being received at once; try again"})
		return
	}
	if err == nil {
		// Lifted only once the body is in: a long poll must still see the
		// client go away, and a failed read must not wait for the rest.
		_ = rc.SetReadDeadline(time.Time{})
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		var netErr net.Error
		switch {
		case errors.As(err, &tooLarge):
			h.writeError(w, reqID, action, &apiError{status: http.StatusRequestEntityTooLarge, ns: nsCoral, code: "RequestEntityTooLarge",
				message: fmt.Sprintf("The request body is larger than %d bytes", maxBody)})
		case errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
			w.Header().Set("Connection", "close")
			h.writeError(w, reqID, action, &apiError{status: http.StatusRequestTimeout, ns: nsCoral, code: "RequestTimeout",
				message: fmt.Sprintf("The request body did not arrive within %s", h.bodyTimeout)})
		default:
			h.writeError(w, reqID, action, serializationError("Could not read the request body: %v", err))
		}
		return
	}
	ctx := r.Context()
	if h.authenticate != nil {
		account, err := h.authenticate(r, body)
		if err != nil {
			h.writeError(w, reqID, action, refused(err))
			return
		}
		ctx = withAccount(ctx, account)
	}
	if v := r.Header.Get("X-Amzn-Trace-Id"); v != "" && (action == "StartExecution" || action == "StartSyncExecution") {
		ctx = context.WithValue(ctx, traceHeaderKey{}, v)
	}
	answer := h.answerTime
	switch action {
	case "GetActivityTask":
		answer += h.pollTimeout
	case "StartSyncExecution":
		answer += syncRunTime
	}
	_ = rc.SetWriteDeadline(time.Now().Add(answer))
	ctx, cancel := context.WithTimeout(ctx, answer)
	defer cancel()
	out, err := op(h, ctx, body)
	if err != nil {
		h.writeError(w, reqID, action, err)
	} else {
		h.writeJSON(w, reqID, http.StatusOK, out)
	}
	if h.log.Enabled(r.Context(), slog.LevelDebug) { // its arguments would allocate on every call
		h.log.Debug("api", "action", action, "request", reqID, "took", time.Since(start), "err", err)
	}
}

var errBodyBudget = errors.New("the body budget is spent")

// readBody reads a request's body, at most maxBody bytes, within the budget
// of bodies being read.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	size := r.ContentLength
	if size > maxBody {
		return nil, &http.MaxBytesError{Limit: maxBody} // refused before it is read
	}
	if size < 0 {
		size = maxBody
	}
	if size <= smallBody {
		return io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	}
	if h.bodiesInFlight.Add(size) > bodyBudget {
		h.bodiesInFlight.Add(-size)
		return nil, errBodyBudget
	}
	defer h.bodiesInFlight.Add(-size)
	// Exactly the size reserved, so that the buffer never doubles as it fills.
	body := http.MaxBytesReader(w, r.Body, maxBody)
	buf := make([]byte, size)
	n, err := io.ReadFull(body, buf)
	switch {
	case err == nil && r.ContentLength < 0:
		// Chunked and maxBody long: more is too large.
		if _, err := body.Read(make([]byte, 1)); err != io.EOF {
			return nil, err
		}
	case (err == io.EOF || err == io.ErrUnexpectedEOF) && r.ContentLength < 0:
		err = nil // a chunked body shorter than maxBody
	}
	return buf[:n], err
}

// refused turns an error of Options.Admit or Options.Authenticate into the
// answer: a Refusal as it says, anything else as it is (an internal failure).
func refused(err error) error {
	var r Refusal
	if errors.As(err, &r) {
		status, code, message := r.Refusal()
		return &apiError{status: status, ns: nsCoral, code: code, message: message}
	}
	return err
}

// operation is one action: it decodes its input from the body and returns its
// output (a value for encoding/json, or rawJSON).
type operation func(h *Handler, ctx context.Context, body []byte) (any, error)

// rawJSON is an output already encoded.
type rawJSON []byte

// operations are the supported actions.
var operations map[string]operation

func init() {
	operations = map[string]operation{
		"CreateStateMachine":               (*Handler).createStateMachine,
		"UpdateStateMachine":               (*Handler).updateStateMachine,
		"DeleteStateMachine":               (*Handler).deleteStateMachine,
		"DescribeStateMachine":             (*Handler).describeStateMachine,
		"ListStateMachines":                (*Handler).listStateMachines,
		"ValidateStateMachineDefinition":   (*Handler).validateStateMachineDefinition,
		"StartExecution":                   (*Handler).startExecution,
		"StartSyncExecution":               (*Handler).startSyncExecution,
		"StopExecution":                    (*Handler).stopExecution,
		"DescribeExecution":                (*Handler).describeExecution,
		"ListExecutions":                   (*Handler).listExecutions,
		"GetExecutionHistory":              (*Handler).getExecutionHistory,
		"DescribeStateMachineForExecution": (*Handler).describeStateMachineForExecution,
		"CreateActivity":                   (*Handler).createActivity,
		"DeleteActivity":                   (*Handler).deleteActivity,
		"DescribeActivity":                 (*Handler).describeActivity,
		"ListActivities":                   (*Handler).listActivities,
		"GetActivityTask":                  (*Handler).getActivityTask,
		"SendTaskSuccess":                  (*Handler).sendTaskSuccess,
		"SendTaskFailure":                  (*Handler).sendTaskFailure,
		"SendTaskHeartbeat":                (*Handler).sendTaskHeartbeat,
		"TagResource":                      (*Handler).tagResource,
		"UntagResource":                    (*Handler).untagResource,
		"ListTagsForResource":              (*Handler).listTagsForResource,
		"TestState":                        (*Handler).testState,
		"ListMapRuns":                      (*Handler).listMapRuns,
		"DescribeMapRun":                   (*Handler).describeMapRun,
		"UpdateMapRun":                     (*Handler).updateMapRun,
		"PublishStateMachineVersion":       (*Handler).publishStateMachineVersion,
		"DeleteStateMachineVersion":        (*Handler).deleteStateMachineVersion,
		"ListStateMachineVersions":         (*Handler).listStateMachineVersions,
		"CreateStateMachineAlias":          (*Handler).createStateMachineAlias,
		"DescribeStateMachineAlias":        (*Handler).describeStateMachineAlias,
		"UpdateStateMachineAlias":          (*Handler).updateStateMachineAlias,
		"DeleteStateMachineAlias":          (*Handler).deleteStateMachineAlias,
		"ListStateMachineAliases":          (*Handler).listStateMachineAliases,
		"RedriveExecution":                 (*Handler).redriveExecution,
	}
}

// unsupportedActions are the Step Functions actions stepd does not implement
// yet, with what they are about.
var unsupportedActions = map[string]string{}

// decode reads a request body into in. An empty body is {}. A body that is
// not a JSON object, or a field of the wrong JSON type, is a
// SerializationException; unknown fields are ignored, as AWS does. A body
// that is not valid UTF-8 is refused rather than mended: InvalidName when the
// bad bytes are in its name, a SerializationException naming the member
// otherwise.
func decode(body []byte, in any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if !utf8.Valid(body) {
		if err := invalidUTF8(body); err != nil {
			return err
		}
	}
	err := json.Unmarshal(body, in)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return serializationError("The request body must be a JSON object, not %s", typeErr.Value)
	case errors.As(err, &typeErr):
		return serializationError("Unexpected %s for field '%s': expected %s", typeErr.Value, typeErr.Field, jsonTypeName(typeErr.Type.String()))
	case errors.As(err, &syntaxErr):
		return serializationError("The request body is not valid JSON: %v (at byte %d)", err, syntaxErr.Offset)
	}
	return serializationError("The request body is not valid JSON: %v", err)
}

// invalidUTF8 names the member of a body that holds bytes that are not UTF-8
// (encoding/json would silently replace them with U+FFFD). It returns nil when
// the body is not a JSON object, for decode to say so.
func invalidUTF8(body []byte) error {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil
	}
	for k, v := range members {
		if utf8.Valid(v) && utf8.ValidString(k) {
			continue
		}
		if k == "name" {
			var name string
			_ = json.Unmarshal(v, &name)
			return invalidName(name)
		}
		if !utf8.ValidString(k) {
			return serializationError("A member name of the request body is not valid UTF-8")
		}
		return serializationError("The value of '%s' is not valid UTF-8", clip(k))
	}
	return serializationError("The request body is not valid UTF-8")
}

// jsonTypeName names the JSON type a Go field type decodes from.
func jsonTypeName(goType string) string {
	goType = strings.TrimLeft(goType, "*")
	switch {
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "int"):
		return "an integer"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	}
	return "an object"
}

// epoch is a timestamp as the AWS JSON protocol encodes it: epoch seconds
// with fractional milliseconds.
type epoch time.Time

// MarshalJSON writes the seconds.
func (t epoch) MarshalJSON() ([]byte, error) { return history.AppendEpoch(nil, time.Time(t)), nil }

func epochPtr(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

func (h *Handler) writeJSON(w http.ResponseWriter, reqID string, status int, v any) {
	var body []byte
	switch v := v.(type) {
	case rawJSON:
		body = v
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			h.log.Error("encode response", "request", reqID, "err", err)
			status, body = http.StatusInternalServerError, []byte(`{"__type":"`+nsCoral+`#`+CodeInternalFailure+`","message":"could not encode the response"}`)
		} else {
			body = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		}
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/x-amz-json-1.0")
	hd.Set("X-Amzn-Requestid", reqID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError answers an error: an apiError as it is, anything else as a 500
// whose cause is logged (the client sees only the request ID).
func (h *Handler) writeError(w http.ResponseWriter, reqID, action string, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			// The client went away (or gave up): nobody reads this answer.
			ae = &apiError{status: 499, ns: nsCoral, code: "RequestCanceled", message: "the request was canceled"}
		} else {
			h.log.Error("api internal failure", "action", action, "request", reqID, "err", err)
			ae = &apiError{status: http.StatusInternalServerError, ns: nsCoral, code: CodeInternalFailure,
				message: "An internal error occurred (request " + reqID + ")"}
		}
	}
	out := struct {
		Type         string `json:"__type"`
		Message      string `json:"message"`
		ResourceName string `json:"resourceName,omitempty"`
	}{ae.ns + "#" + ae.code, ae.message, ae.resourceName}
	h.writeJSON(w, reqID, ae.status, out)
}

// newRequestID returns a UUID for x-amzn-RequestId.
func newRequestID() string { return engine.CryptoSource{}.UUID() }

// traceHeaderKey is the context key of a start's X-Amzn-Trace-Id header.
type traceHeaderKey struct{}

func traceHeaderOf(ctx context.Context) string {
	h, _ := ctx.Value(traceHeaderKey{}).(string)
	return h
}

// accountKey is the context key of the account a call acts for.
type accountKey struct{}

func withAccount(ctx context.Context, account string) context.Context {
	return context.WithValue(ctx, accountKey{}, account)
}

// accountOf returns the account a call acts for, and whether accounts are
// kept apart (Options.Authenticate set it).
func (h *Handler) accountOf(ctx context.Context) (account string, apart bool) {
	if a, ok := ctx.Value(accountKey{}).(string); ok && a != "" {
		return a, true
	}
	return h.account, false
}

// arnOf builds an ARN of this handler's region and the call's account.
func (h *Handler) arnOf(ctx context.Context, typ, resource string) string {
	account, _ := h.accountOf(ctx)
	return "arn:aws:states:" + h.region + ":" + account + ":" + typ + ":" + resource
}

// arnPrefix is the start of the ARNs of a resource type of the call's
// account, and whether listings must keep to it (accounts are apart).
func (h *Handler) arnPrefix(ctx context.Context, typ string) (string, bool) {
	account, apart := h.accountOf(ctx)
	return "arn:aws:states:" + h.region + ":" + account + ":" + typ + ":", apart
}

// foreign reports whether an ARN is of another account than the call's,
// when accounts are kept apart: such a resource is one that does not exist.
func (h *Handler) foreign(ctx context.Context, arn string) bool {
	account, apart := h.accountOf(ctx)
	return apart && arnAccount(arn) != account
}

// arnAccount returns the account field of an ARN
// (arn:partition:service:region:account:...), or "".
func arnAccount(arn string) string {
	for i := 0; i < 4; i++ {
		j := strings.IndexByte(arn, ':')
		if j < 0 {
			return ""
		}
		arn = arn[j+1:]
	}
	account, _, _ := strings.Cut(arn, ":")
	return account
}

// pageSize checks maxResults (0..1000; 0 means the default, 100).
func pageSize(v *validation, n *int64) int {
	v.rangeInt("maxResults", n, 0, 1000)
	if n == nil || *n <= 0 || *n > 1000 {
		return 100
	}
	return int(*n)
}
