// Package bench is stepd's standard workloads, run against a stepd through
// its public API with the AWS SDK for Go v2, as users run it: `stepd bench`
// runs them (docs/performance.md says how, and what they were compared with).
//
// Each workload creates what it needs (state machines, an activity), runs,
// and returns its figures: named numbers, each with its unit in the name
// ("workflows_per_s", "one_ms", "p50_ms"). A workload that cannot run against
// the stepd given (one that needs the server's process, or a function in its
// configuration) says why with ErrUnavailable.
package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Role is the role ARN the workloads' state machines are created with.
const Role = "arn:aws:iam::123456789012:role/stepd-bench"

// ErrUnavailable wraps the reason a workload cannot run against the stepd
// given.
var ErrUnavailable = errors.New("unavailable")

// Target is the stepd a workload runs against.
type Target struct {
	// Client calls its API.
	Client *sfn.Client
	// RSS returns the server process's resident memory in bytes; nil when the
	// process is not this machine's to read (--endpoint).
	RSS func() (int64, error)
	// ColdStart starts a new stepd on a fresh data directory and returns the
	// time from exec to a ready API; nil with --endpoint.
	ColdStart func(ctx context.Context) (time.Duration, error)
	// CallbackURL, when set, is the function "stepd-bench-callback" of the
	// server's configuration: a url function that POSTs here. Callbacks sets
	// the handler with SetCallbackHandler.
	CallbackFunction string
	// SetCallbackHandler installs the handler of the callback function's
	// requests; nil when the server has no such function.
	SetCallbackHandler func(http.Handler)
}

// Params size the workloads.
type Params struct {
	N        int // executions or workflows (concurrent, activities, callbacks, parked)
	Clients  int // concurrent API clients starting executions
	Pollers  int // activity workers polling GetActivityTask
	Items    int // the map workload's items
	Repeat   int // samples of the latency workloads (chain, express-sync, map)
	Activity int // activity tasks per workflow
}

// Figures are a run's measurements, by name.
type Figures map[string]float64

// Workload is one of the standard workloads.
type Workload struct {
	Name string
	// About says what it measures, for the report.
	About string
	Run   func(ctx context.Context, t *Target, p Params) (Figures, error)
}

// Workloads are the standard workloads, in the order stepd bench runs them.
var Workloads = []Workload{
	{"chain", "a 100-state Pass chain, started and described through the API, one at a time", Chain},
	{"concurrent", "N executions of a 10-state Pass/Choice machine from C clients at once", Concurrent},
	{"map", "an inline Map of 1,000 items, started and described through the API", Map},
	{"activities", "N workflows of 10 sequential activity tasks, answered by P remote pollers (GetActivityTask, SendTaskSuccess)", Activities},
	{"callbacks", ".waitForTaskToken tasks answered with SendTaskSuccess by the process the task called", Callbacks},
	{"express-sync", "StartSyncExecution of a 5-state Express machine, one call at a time", ExpressSync},
	{"parked", "the server's resident memory per execution parked in a Wait", Parked},
	{"cold-start", "exec of stepd serve on a fresh data directory to a ready API (/readyz)", ColdStart},
}

// Lookup returns the workload named name.
func Lookup(name string) (Workload, bool) {
	for _, w := range Workloads {
		if w.Name == name {
			return w, true
		}
	}
	return Workload{}, false
}

// NewClient returns an SFN client of endpoint with static test credentials,
// and connections enough for clients concurrent calls.
func NewClient(endpoint string, clients int) *sfn.Client {
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns = clients + 64
		tr.MaxIdleConnsPerHost = clients + 64
	})
	return sfn.New(sfn.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		HTTPClient:       hc,
		RetryMaxAttempts: 1,
	}, withoutHostPrefix)
}

// withoutHostPrefix stops the SDK from sending StartSyncExecution to
// "sync-<host>", which does not resolve for a local endpoint (docs/api.md).
func withoutHostPrefix(o *sfn.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("stepdNoHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	})
}

// uniq makes names unique between runs against one server.
var uniq atomic.Int64

func name(prefix string) string {
	return fmt.Sprintf("bench-%s-%d-%d", prefix, time.Now().UnixNano()%1e9, uniq.Add(1))
}

// createMachine creates a state machine and returns its ARN.
func createMachine(ctx context.Context, c *sfn.Client, kind, typ, definition string) (string, error) {
	in := &sfn.CreateStateMachineInput{Name: aws.String(name(kind)), Definition: aws.String(definition), RoleArn: aws.String(Role)}
	if typ == "EXPRESS" {
		in.Type = "EXPRESS"
	}
	out, err := c.CreateStateMachine(ctx, in)
	if err != nil {
		return "", fmt.Errorf("CreateStateMachine %s: %w", kind, err)
	}
	return *out.StateMachineArn, nil
}

// waitEnd describes an execution until it is no longer RUNNING, and returns
// its status.
func waitEnd(ctx context.Context, c *sfn.Client, arn string) (string, error) {
	for delay := 200 * time.Microsecond; ; delay = min(2*delay, 20*time.Millisecond) {
		// Retried: the SDK sometimes fails to read a large answer on a kept-alive
		// connection ("use of closed network connection"; net/http alone does
		// not), and describing is idempotent.
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)},
			func(o *sfn.Options) { o.RetryMaxAttempts = 5 })
		if err != nil {
			return "", err
		}
		if d.Status != "RUNNING" {
			return string(d.Status), nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(delay): // polling the API as a client does
		}
	}
}

// ms is a duration in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// percentile is the p-th percentile (0..1) of ds, which it sorts.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(p * float64(len(ds)-1))
	return ds[i]
}

// parallel runs f(i) for i in [0, n) from clients goroutines and returns the
// first error.
func parallel(ctx context.Context, clients, n int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(clients, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

// Median returns, for each figure, the median over runs.
func Median(runs []Figures) Figures {
	out := Figures{}
	for _, r := range runs {
		for k := range r {
			out[k] = 0
		}
	}
	for k := range out {
		var vs []float64
		for _, r := range runs {
			if v, ok := r[k]; ok {
				vs = append(vs, v)
			}
		}
		sort.Float64s(vs)
		if n := len(vs); n%2 == 1 {
			out[k] = vs[n/2]
		} else {
			out[k] = (vs[n/2-1] + vs[n/2]) / 2
		}
	}
	return out
}

// Keys returns the figures' names in order.
func (f Figures) Keys() []string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// String is the figures on one line.
func (f Figures) String() string {
	var b strings.Builder
	for i, k := range f.Keys() {
		if i > 0 {
			b.WriteString("  ")
		}
		fmt.Fprintf(&b, "%s=%s", k, format(f[k]))
	}
	return b.String()
}

func format(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
