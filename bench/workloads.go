package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// passChain is a machine of n Pass states.
func passChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"P0","States":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if i == n-1 {
			fmt.Fprintf(&b, `"P%d":{"Type":"Pass","End":true}`, i)
		} else {
			fmt.Fprintf(&b, `"P%d":{"Type":"Pass","Next":"P%d"}`, i, i+1)
		}
	}
	b.WriteString(`}}`)
	return b.String()
}

// passChoice10 is a 10-state machine of Pass and Choice states.
const passChoice10 = `{"StartAt":"S0","States":{
	"S0":{"Type":"Pass","Parameters":{"n.$":"$.n","tag":"a"},"Next":"C1"},
	"C1":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":5,"Next":"S2"}],"Default":"S3"},
	"S2":{"Type":"Pass","Result":"big","ResultPath":"$.size","Next":"S4"},
	"S3":{"Type":"Pass","Result":"small","ResultPath":"$.size","Next":"S4"},
	"S4":{"Type":"Pass","Parameters":{"n.$":"$.n","size.$":"$.size","step":4},"Next":"C5"},
	"C5":{"Type":"Choice","Choices":[{"Variable":"$.size","StringEquals":"big","Next":"S6"}],"Default":"S7"},
	"S6":{"Type":"Pass","ResultPath":"$.seen","Next":"S8"},
	"S7":{"Type":"Pass","ResultPath":"$.seen","Next":"S8"},
	"S8":{"Type":"Pass","Parameters":{"done":true,"n.$":"$.n"},"Next":"S9"},
	"S9":{"Type":"Succeed"}}}`

// latency starts an execution of machine and describes it until it ends,
// repeat times, and reports the median and 99th percentile.
func latency(ctx context.Context, c *sfn.Client, machine, input string, repeat int) (Figures, error) {
	var lat []time.Duration
	for range repeat {
		began := time.Now()
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(input)})
		if err != nil {
			return nil, err
		}
		status, err := waitEnd(ctx, c, *out.ExecutionArn)
		if err != nil {
			return nil, err
		}
		if status != "SUCCEEDED" {
			return nil, fmt.Errorf("%s ended %s", *out.ExecutionArn, status)
		}
		lat = append(lat, time.Since(began))
	}
	return Figures{"p50_ms": ms(percentile(lat, 0.5)), "p99_ms": ms(percentile(lat, 0.99))}, nil
}

// Chain: a 100-state Pass chain, start to end through the API.
func Chain(ctx context.Context, t *Target, p Params) (Figures, error) {
	sm, err := createMachine(ctx, t.Client, "chain", "STANDARD", passChain(100))
	if err != nil {
		return nil, err
	}
	return latency(ctx, t.Client, sm, `{"n":1}`, p.Repeat)
}

// Map: an inline Map of p.Items items, start to end through the API.
func Map(ctx context.Context, t *Target, p Params) (Figures, error) {
	sm, err := createMachine(ctx, t.Client, "map", "STANDARD", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
		"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":"$"},"End":true}}},"End":true}}}`)
	if err != nil {
		return nil, err
	}
	items := make([]int, p.Items)
	for i := range items {
		items[i] = i
	}
	in, _ := json.Marshal(map[string]any{"items": items})
	f, err := latency(ctx, t.Client, sm, string(in), p.Repeat)
	if err != nil {
		return nil, err
	}
	f["items_per_s"] = float64(p.Items) / (f["p50_ms"] / 1000)
	return f, nil
}

// Concurrent: p.N executions of a 10-state Pass/Choice machine from
// p.Clients clients. Such a machine ends in the commit that starts it, which
// the workload checks on a sample.
func Concurrent(ctx context.Context, t *Target, p Params) (Figures, error) {
	sm, err := createMachine(ctx, t.Client, "concurrent", "STANDARD", passChoice10)
	if err != nil {
		return nil, err
	}
	lat := make([]time.Duration, p.N)
	arns := make([]string, p.N)
	began := time.Now()
	err = parallel(ctx, p.Clients, p.N, func(ctx context.Context, i int) error {
		t0 := time.Now()
		out, err := t.Client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(fmt.Sprintf(`{"n":%d}`, i%10))})
		lat[i] = time.Since(t0)
		if err == nil {
			arns[i] = *out.ExecutionArn
		}
		return err
	})
	took := time.Since(began)
	if err != nil {
		return nil, err
	}
	for _, i := range []int{0, p.N / 2, p.N - 1} {
		if status, err := waitEnd(ctx, t.Client, arns[i]); err != nil || status != "SUCCEEDED" {
			return nil, fmt.Errorf("%s: %s %v", arns[i], status, err)
		}
	}
	return Figures{"executions_per_s": float64(p.N) / took.Seconds(), "start_p50_ms": ms(percentile(lat, 0.5)), "start_p99_ms": ms(percentile(lat, 0.99))}, nil
}

// activityMachine is a machine of n sequential Tasks of an activity; each
// task's result is the next one's input.
func activityMachine(activity string, n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"A0","States":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		next := fmt.Sprintf(`"Next":"A%d"`, i+1)
		if i == n-1 {
			next = `"End":true`
		}
		fmt.Fprintf(&b, `"A%d":{"Type":"Task","Resource":%q,"TimeoutSeconds":300,%s}`, i, activity, next)
	}
	b.WriteString(`}}`)
	return b.String()
}

// Activities is Temporal's workload: p.N workflows of p.Activity sequential
// activity tasks, answered by p.Pollers remote workers through
// GetActivityTask and SendTaskSuccess. A workflow ends in the commit of its
// last task's SendTaskSuccess, so its end is when that call returns. It
// reports the round's throughput, the end-to-end latencies of its workflows
// (from their StartExecution to their end), and a workflow run alone.
func Activities(ctx context.Context, t *Target, p Params) (Figures, error) {
	act, err := t.Client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(name("activity"))})
	if err != nil {
		return nil, err
	}
	sm, err := createMachine(ctx, t.Client, "activities", "STANDARD", activityMachine(*act.ActivityArn, p.Activity))
	if err != nil {
		return nil, err
	}
	// The workers poll for the whole workload: a poll cancelled between
	// rounds could be handed a task that no one would then answer.
	type roundState struct {
		end  []time.Time
		left sync.WaitGroup
	}
	var rounds []*roundState
	var roundsMu sync.Mutex
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var workers sync.WaitGroup
	defer workers.Wait()
	defer cancel(nil)
	for w := range p.Pollers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			worker := fmt.Sprint("w", w)
			for ctx.Err() == nil {
				task, err := t.Client.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String(worker)})
				if err != nil {
					if ctx.Err() == nil {
						cancel(fmt.Errorf("GetActivityTask: %w", err))
					}
					return
				}
				if task.TaskToken == nil {
					continue
				}
				var in struct{ R, I, K int }
				if err := json.Unmarshal([]byte(aws.ToString(task.Input)), &in); err != nil {
					cancel(fmt.Errorf("task input %q: %w", aws.ToString(task.Input), err))
					return
				}
				out := fmt.Sprintf(`{"r":%d,"i":%d,"k":%d}`, in.R, in.I, in.K+1)
				if _, err := t.Client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(out)}); err != nil {
					if ctx.Err() == nil {
						cancel(fmt.Errorf("SendTaskSuccess: %w", err))
					}
					return
				}
				if in.K+1 == p.Activity {
					roundsMu.Lock()
					r := rounds[in.R]
					roundsMu.Unlock()
					r.end[in.I] = time.Now()
					r.left.Done()
				}
			}
		}()
	}
	round := func(n int) (start, end []time.Time, err error) {
		r := &roundState{end: make([]time.Time, n)}
		r.left.Add(n)
		roundsMu.Lock()
		rounds = append(rounds, r)
		id := len(rounds) - 1
		roundsMu.Unlock()
		start = make([]time.Time, n)
		err = parallel(ctx, p.Clients, n, func(ctx context.Context, i int) error {
			start[i] = time.Now()
			_, err := t.Client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(fmt.Sprintf(`{"r":%d,"i":%d,"k":0}`, id, i))})
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		ended := make(chan struct{})
		go func() { r.left.Wait(); close(ended) }()
		select {
		case <-ended:
			return start, r.end, nil
		case <-ctx.Done():
			return nil, nil, context.Cause(ctx)
		}
	}
	// One workflow alone first: the latency of a workflow on an idle server.
	var one []time.Duration
	for range 3 {
		start, end, err := round(1)
		if err != nil {
			return nil, err
		}
		one = append(one, end[0].Sub(start[0]))
	}
	start, end, err := round(p.N)
	if err != nil {
		return nil, err
	}
	first, last := start[0], end[0]
	lat := make([]time.Duration, p.N)
	for i := range p.N {
		if start[i].Before(first) {
			first = start[i]
		}
		if end[i].After(last) {
			last = end[i]
		}
		lat[i] = end[i].Sub(start[i])
	}
	took := last.Sub(first)
	return Figures{
		"workflows_per_s":  float64(p.N) / took.Seconds(),
		"activities_per_s": float64(p.N*p.Activity) / took.Seconds(),
		"round_ms":         ms(took),
		"e2e_p50_ms":       ms(percentile(lat, 0.5)),
		"e2e_p99_ms":       ms(percentile(lat, 0.99)),
		"one_ms":           ms(percentile(one, 0.5)),
	}, nil
}

// Callbacks: p.N executions of a lambda:invoke.waitForTaskToken task whose
// function (a url function of the server's configuration, served by the
// benchmark) answers the request at once and then the token with
// SendTaskSuccess, from p.Clients clients.
func Callbacks(ctx context.Context, t *Target, p Params) (Figures, error) {
	if t.SetCallbackHandler == nil {
		return nil, fmt.Errorf("%w: needs a url function of the server's configuration that calls the benchmark (it starts its own stepd so)", ErrUnavailable)
	}
	sm, err := createMachine(ctx, t.Client, "callbacks", "STANDARD", fmt.Sprintf(`{"StartAt":"Ask","States":{"Ask":{"Type":"Task",
		"Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"Parameters":{"FunctionName":%q,"Payload":{"token.$":"$$.Task.Token","i.$":"$.i"}},"End":true}}}`, t.CallbackFunction))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	start, end := make([]time.Time, p.N), make([]time.Time, p.N)
	var left sync.WaitGroup
	left.Add(p.N)
	answers := make(chan struct {
		token string
		i     int
	}, p.N)
	t.SetCallbackHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Token string
			I     int
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"queued":true}`)
		answers <- struct {
			token string
			i     int
		}{ev.Token, ev.I}
	}))
	var answerers sync.WaitGroup
	for range p.Pollers {
		answerers.Add(1)
		go func() {
			defer answerers.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case a := <-answers:
					if _, err := t.Client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(a.token), Output: aws.String(`{"ok":true}`)}); err != nil {
						cancel(fmt.Errorf("SendTaskSuccess: %w", err))
						return
					}
					end[a.i] = time.Now()
					left.Done()
				}
			}
		}()
	}
	err = parallel(ctx, p.Clients, p.N, func(ctx context.Context, i int) error {
		start[i] = time.Now()
		_, err := t.Client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(fmt.Sprintf(`{"i":%d}`, i))})
		return err
	})
	if err == nil {
		ended := make(chan struct{})
		go func() { left.Wait(); close(ended) }()
		select {
		case <-ended:
		case <-ctx.Done():
			err = context.Cause(ctx)
		}
	}
	cancel(nil)
	answerers.Wait()
	if err != nil {
		return nil, err
	}
	lat := make([]time.Duration, p.N)
	for i := range lat {
		lat[i] = end[i].Sub(start[i])
	}
	took := end[0].Sub(start[0])
	first, last := start[0], end[0]
	for i := range p.N {
		first, last = minTime(first, start[i]), maxTime(last, end[i])
	}
	took = last.Sub(first)
	return Figures{"callbacks_per_s": float64(p.N) / took.Seconds(), "e2e_p50_ms": ms(percentile(lat, 0.5)), "e2e_p99_ms": ms(percentile(lat, 0.99))}, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// ExpressSync: StartSyncExecution of a 5-state Express Pass machine, one
// call at a time.
func ExpressSync(ctx context.Context, t *Target, p Params) (Figures, error) {
	sm, err := createMachine(ctx, t.Client, "express", "EXPRESS", passChain(5))
	if err != nil {
		return nil, err
	}
	n := p.Repeat * 10
	lat := make([]time.Duration, 0, n)
	for range n {
		began := time.Now()
		out, err := t.Client.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"n":1}`)})
		if err != nil {
			return nil, err
		}
		if out.Status != "SUCCEEDED" {
			return nil, fmt.Errorf("StartSyncExecution: %s", out.Status)
		}
		lat = append(lat, time.Since(began))
	}
	return Figures{"p50_ms": ms(percentile(lat, 0.5)), "p99_ms": ms(percentile(lat, 0.99))}, nil
}

// Parked: the server's resident memory per execution parked in a day-long
// Wait (p.N of them), after the parked executions' starts.
func Parked(ctx context.Context, t *Target, p Params) (Figures, error) {
	if t.RSS == nil {
		return nil, fmt.Errorf("%w: needs the server's process on this machine (it starts its own stepd so)", ErrUnavailable)
	}
	sm, err := createMachine(ctx, t.Client, "parked", "STANDARD", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"End":true}}}`)
	if err != nil {
		return nil, err
	}
	before, err := t.RSS()
	if err != nil {
		return nil, err
	}
	began := time.Now()
	if err := parallel(ctx, p.Clients, p.N, func(ctx context.Context, i int) error {
		_, err := t.Client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{}`)})
		return err
	}); err != nil {
		return nil, err
	}
	took := time.Since(began)
	after, err := t.RSS()
	if err != nil {
		return nil, err
	}
	return Figures{"rss_mb": float64(after) / (1 << 20), "bytes_per_parked": float64(after-before) / float64(p.N),
		"starts_per_s": float64(p.N) / took.Seconds()}, nil
}

// ColdStart: exec of stepd serve on a fresh data directory to a ready API.
func ColdStart(ctx context.Context, t *Target, p Params) (Figures, error) {
	if t.ColdStart == nil {
		return nil, fmt.Errorf("%w: needs to start stepd itself (no --endpoint)", ErrUnavailable)
	}
	// As many samples as the other latency workloads (at least 20): five, as
	// before, gave medians that moved by a quarter from run to run.
	var took []time.Duration
	for range max(p.Repeat, 20) {
		d, err := t.ColdStart(ctx)
		if err != nil {
			return nil, err
		}
		took = append(took, d)
	}
	return Figures{"p50_ms": ms(percentile(took, 0.5)), "min_ms": ms(percentile(took, 0))}, nil
}
