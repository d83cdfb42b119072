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
	"net/http"
	"strings"
	"time"

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
}

// Handler serves the Step Functions API over the AWS JSON 1.0 protocol. It
// is safe for concurrent use.
type Handler struct {
	svc        *service.Service
	store      store.Store
	region     string
	account    string
	log        *slog.Logger
	now        func() time.Time
	checkRes   func(asl.Resource) error
	maxPayload int

	tokenKey []byte
	// pollTimeout bounds GetActivityTask's long poll (AWS: 60 s).
	pollTimeout time.Duration
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
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &Handler{
		svc: opts.Service, store: opts.Service.Store(),
		region: opts.Region, account: opts.Account, log: opts.Logger, now: opts.Now, checkRes: opts.CheckResource,
		tokenKey: key, pollTimeout: 60 * time.Second, maxPayload: opts.Service.MaxPayloadBytes(),
	}
}

// targetPrefix is the X-Amz-Target prefix of Step Functions actions.
const targetPrefix = "AWSStepFunctions."

// maxBody bounds a request body: a definition is at most 1 MiB, which JSON
// escaping can grow.
const maxBody = 8 << 20

// Match reports whether a request is an API call: POST / with an
// X-Amz-Target header. A server that serves other things beside the API (the
// console on GET /) routes with it:
//
//	if api.Match(r) { api.ServeHTTP(w, r) } else { console.ServeHTTP(w, r) }
func (h *Handler) Match(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/" && r.Header.Get("X-Amz-Target") != ""
}

// ServeHTTP answers an API call. The Host (including the "sync-" prefix SDKs
// add for StartSyncExecution), Content-Type and any SigV4 Authorization are
// accepted as they come; signatures are not verified. A request that Match
// refuses is answered 404 (405 for another method on /), or, for a POST / with
// no X-Amz-Target, AWS's UnknownOperationException.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
			message: fmt.Sprintf("%s is not a Step Functions action", target)}
		if what, ok := unsupportedActions[action]; ok && strings.HasPrefix(target, targetPrefix) {
			err = unsupported(action, what)
		}
		h.writeError(w, reqID, action, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.writeError(w, reqID, action, &apiError{status: http.StatusRequestEntityTooLarge, ns: nsCoral, code: "RequestEntityTooLarge",
				message: fmt.Sprintf("The request body is larger than %d bytes", maxBody)})
			return
		}
		h.writeError(w, reqID, action, serializationError("Could not read the request body: %v", err))
		return
	}
	out, err := op(h, r.Context(), body)
	if err != nil {
		h.writeError(w, reqID, action, err)
	} else {
		h.writeJSON(w, reqID, http.StatusOK, out)
	}
	if h.log.Enabled(r.Context(), slog.LevelDebug) { // its arguments would allocate on every call
		h.log.Debug("api", "action", action, "request", reqID, "took", time.Since(start), "err", err)
	}
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
	}
}

// unsupportedActions are the Step Functions actions stepd does not implement
// yet, with what they are about.
var unsupportedActions = map[string]string{
	"CreateStateMachineAlias":    "state machine aliases",
	"DeleteStateMachineAlias":    "state machine aliases",
	"DescribeStateMachineAlias":  "state machine aliases",
	"ListStateMachineAliases":    "state machine aliases",
	"UpdateStateMachineAlias":    "state machine aliases",
	"PublishStateMachineVersion": "state machine versions",
	"DeleteStateMachineVersion":  "state machine versions",
	"ListStateMachineVersions":   "state machine versions",
	"DescribeMapRun":             "Distributed Map runs",
	"ListMapRuns":                "Distributed Map runs",
	"UpdateMapRun":               "Distributed Map runs",
	"RedriveExecution":           "redriving executions",
	"TestState":                  "testing a single state",
}

// decode reads a request body into in. An empty body is {}. A body that is
// not a JSON object, or a field of the wrong JSON type, is a
// SerializationException; unknown fields are ignored, as AWS does.
func decode(body []byte, in any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
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

// arnOf builds an ARN of this handler's region and account.
func (h *Handler) arnOf(typ, resource string) string {
	return "arn:aws:states:" + h.region + ":" + h.account + ":" + typ + ":" + resource
}

// pageSize checks maxResults (0..1000; 0 means the default, 100).
func pageSize(v *validation, n *int64) int {
	v.rangeInt("maxResults", n, 0, 1000)
	if n == nil || *n <= 0 || *n > 1000 {
		return 100
	}
	return int(*n)
}
