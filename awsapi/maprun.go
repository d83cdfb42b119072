package awsapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/stepd/stepd/asl/validate"
	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store"
)

// The Map Run actions: ListMapRuns, DescribeMapRun, UpdateMapRun. A Map Run
// is the run of a Distributed Map state (the engine's maprun.go); its ARN is
// arn:aws:states:<region>:<account>:mapRun:<machine>/<label>:<id>.

// typeMapRun is the resource type of a Map Run's ARN.
const typeMapRun = "mapRun"

type mapRunInput struct {
	MapRunArn                  *string  `json:"mapRunArn"`
	ExecutionArn               *string  `json:"executionArn"`
	MaxResults                 *int64   `json:"maxResults"`
	NextToken                  *string  `json:"nextToken"`
	MaxConcurrency             *int64   `json:"maxConcurrency"`
	ToleratedFailureCount      *int64   `json:"toleratedFailureCount"`
	ToleratedFailurePercentage *float64 `json:"toleratedFailurePercentage"`
}

// mapRunNotFound is ResourceNotFound for a Map Run.
func mapRunNotFound(arn string) *apiError { return resourceNotFound(arn) }

// mapRun returns a Map Run of the call's account by ARN (checked first), or
// ResourceNotFound.
func (h *Handler) mapRun(ctx context.Context, arn string) (*store.MapRun, error) {
	if _, err := parseARN(arn, typeMapRun); err != nil {
		return nil, err
	}
	if h.foreign(ctx, arn) {
		return nil, mapRunNotFound(arn)
	}
	run, err := h.svc.MapRun(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, mapRunNotFound(arn)
	}
	return run, err
}

type mapRunListItem struct {
	ExecutionArn    string `json:"executionArn"`
	MapRunArn       string `json:"mapRunArn"`
	StateMachineArn string `json:"stateMachineArn"`
	StartDate       epoch  `json:"startDate"`
	StopDate        *epoch `json:"stopDate,omitempty"`
}

type listMapRunsOutput struct {
	MapRuns   []mapRunListItem `json:"mapRuns"`
	NextToken string           `json:"nextToken,omitempty"`
}

// listMapRuns lists an execution's Map Runs newest first, in pages.
func (h *Handler) listMapRuns(ctx context.Context, body []byte) (any, error) {
	var in mapRunInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("executionArn", in.ExecutionArn != nil)
	v.length("executionArn", in.ExecutionArn, 1, maxARN, false)
	limit := pageSize(&v, in.MaxResults)
	v.length("nextToken", in.NextToken, 1, 1024, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	if _, err := parseARN(*in.ExecutionArn, typeExecution); err != nil {
		return nil, err
	}
	x, err := h.execution(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	runs, err := h.svc.MapRuns(ctx, x.ARN)
	if err != nil {
		return nil, err
	}
	if in.NextToken != nil {
		c, err := h.decodeToken(*in.NextToken, "ListMapRuns", x.ARN)
		if err != nil {
			return nil, err
		}
		// After the run the last page ended with, in the newest-first order.
		i := 0
		for i < len(runs) && (runs[i].StartTime.UnixMilli() > c.Time || (runs[i].StartTime.UnixMilli() == c.Time && runs[i].ARN >= c.After)) {
			i++
		}
		runs = runs[i:]
	}
	out := listMapRunsOutput{MapRuns: []mapRunListItem{}}
	for i, r := range runs {
		if i == limit {
			last := runs[i-1]
			out.NextToken = h.encodeToken(pageCursor{Op: "ListMapRuns", Scope: x.ARN, Time: last.StartTime.UnixMilli(), After: last.ARN})
			break
		}
		out.MapRuns = append(out.MapRuns, mapRunListItem{ExecutionArn: r.ExecutionARN, MapRunArn: r.ARN, StateMachineArn: r.MachineARN,
			StartDate: epoch(r.StartTime), StopDate: epochPtr(r.StopTime)})
	}
	return out, nil
}

// mapRunCounts are MapRunItemCounts and MapRunExecutionCounts.
type mapRunCounts struct {
	Pending               int64 `json:"pending"`
	Running               int64 `json:"running"`
	Succeeded             int64 `json:"succeeded"`
	Failed                int64 `json:"failed"`
	TimedOut              int64 `json:"timedOut"`
	Aborted               int64 `json:"aborted"`
	Total                 int64 `json:"total"`
	ResultsWritten        int64 `json:"resultsWritten"`
	FailuresNotRedrivable int64 `json:"failuresNotRedrivable"`
	PendingRedrive        int64 `json:"pendingRedrive"`
}

type describeMapRunOutput struct {
	MapRunArn                  string       `json:"mapRunArn"`
	ExecutionArn               string       `json:"executionArn"`
	Status                     string       `json:"status"`
	StartDate                  epoch        `json:"startDate"`
	StopDate                   *epoch       `json:"stopDate,omitempty"`
	MaxConcurrency             int          `json:"maxConcurrency"`
	ToleratedFailurePercentage float64      `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      int64        `json:"toleratedFailureCount"`
	ItemCounts                 mapRunCounts `json:"itemCounts"`
	ExecutionCounts            mapRunCounts `json:"executionCounts"`
	RedriveCount               int          `json:"redriveCount"`
	RedriveDate                *epoch       `json:"redriveDate,omitempty"`
}

// describeMapRun answers a Map Run's configuration and counts. The counts
// are AWS's: pending children not yet started (with the items an
// ItemReader has still to read, while the run loads, not counted), running,
// and each outcome; total their sum; resultsWritten the ended children
// whose results were written (the Map's result, or its ResultWriter's files,
// once the run succeeded or failed past its tolerance: every ended child);
// failuresNotRedrivable and pendingRedrive 0 (no Map Run is redriven yet).
func (h *Handler) describeMapRun(ctx context.Context, body []byte) (any, error) {
	var in mapRunInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("mapRunArn", in.MapRunArn != nil)
	v.length("mapRunArn", in.MapRunArn, 1, maxLongARN, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	run, err := h.mapRun(ctx, *in.MapRunArn)
	if err != nil {
		return nil, err
	}
	counts, err := h.svc.MapRunCounts(ctx, run.ARN)
	if err != nil {
		return nil, err
	}
	out := describeMapRunOutput{MapRunArn: run.ARN, ExecutionArn: run.ExecutionARN, Status: run.Status,
		StartDate: epoch(run.StartTime), StopDate: epochPtr(run.StopTime), MaxConcurrency: run.MaxConcurrency,
		ToleratedFailurePercentage: max(run.ToleratedFailurePercentage, 0), ToleratedFailureCount: max(run.ToleratedFailureCount, 0),
		RedriveCount: run.RedriveCount, RedriveDate: epochPtr(run.RedriveTime)}
	fill := func(c *mapRunCounts, n func(store.MapItemCount) int64) {
		c.Pending = n(counts[store.MapItemPending])
		c.Running = n(counts[store.MapItemRunning])
		c.Succeeded = n(counts[store.MapItemSucceeded])
		c.Failed = n(counts[store.MapItemFailed])
		c.TimedOut = n(counts[store.MapItemTimedOut])
		c.Aborted = n(counts[store.MapItemAborted])
		c.Total = c.Pending + c.Running + c.Succeeded + c.Failed + c.TimedOut + c.Aborted
		if run.Status == "SUCCEEDED" || run.Status == "FAILED" {
			c.ResultsWritten = c.Succeeded + c.Failed + c.TimedOut + c.Aborted
		}
	}
	fill(&out.ExecutionCounts, func(c store.MapItemCount) int64 { return c.Executions })
	fill(&out.ItemCounts, func(c store.MapItemCount) int64 { return c.Items })
	return out, nil
}

// updateMapRun changes a running Map Run's concurrency and tolerated
// failures; its coordinator applies them at once (service.UpdateMapRun).
func (h *Handler) updateMapRun(ctx context.Context, body []byte) (any, error) {
	var in mapRunInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("mapRunArn", in.MapRunArn != nil)
	v.length("mapRunArn", in.MapRunArn, 1, maxLongARN, false)
	v.rangeInt("maxConcurrency", in.MaxConcurrency, 0, math.MaxInt32)
	v.rangeInt("toleratedFailureCount", in.ToleratedFailureCount, 0, math.MaxInt64)
	if p := in.ToleratedFailurePercentage; p != nil && (*p < 0 || *p > 100 || math.IsNaN(*p)) {
		constraint := "must have value less than or equal to 100"
		if *p < 0 {
			constraint = "must have value greater than or equal to 0"
		}
		v.fail("'"+strconv.FormatFloat(*p, 'f', -1, 32)+"'", "toleratedFailurePercentage", constraint)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.MaxConcurrency == nil && in.ToleratedFailureCount == nil && in.ToleratedFailurePercentage == nil {
		return nil, errorf(CodeValidationException, "Must provide a maxConcurrency, toleratedFailureCount or toleratedFailurePercentage to update")
	}
	run, err := h.mapRun(ctx, *in.MapRunArn)
	if err != nil {
		return nil, err
	}
	var c store.MapRunConfig
	if in.MaxConcurrency != nil {
		n := int(*in.MaxConcurrency)
		c.MaxConcurrency = &n
	}
	c.ToleratedFailureCount = in.ToleratedFailureCount
	c.ToleratedFailurePercentage = in.ToleratedFailurePercentage
	err = h.svc.UpdateMapRun(ctx, run.ARN, c)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, mapRunNotFound(run.ARN)
	case errors.Is(err, service.ErrMapRunEnded):
		return nil, errorf(CodeValidationException, "Map Run %s is %s and can no longer be updated", clip(run.ARN), strings.ToLower(run.Status))
	case err != nil:
		return nil, err
	}
	return struct{}{}, nil
}

// listMapRunExecutions is ListExecutions with a mapRunArn: the run's child
// executions, newest first. A run's STANDARD children are durable; its
// EXPRESS children are listed while they run (they live in memory and are
// forgotten when they end).
func (h *Handler) listMapRunExecutions(ctx context.Context, in *listExecutionsInput, limit int) (any, error) {
	run, err := h.mapRun(ctx, *in.MapRunArn)
	if err != nil {
		return nil, err
	}
	st, _, err := h.svc.MapRunStore(ctx, run.ARN)
	if err != nil {
		return nil, err
	}
	if run.ChildType == service.TypeExpress && h.svc.ExpressStore() != nil {
		st = h.svc.ExpressStore()
	}
	q := store.ExecutionQuery{MapRun: run.ARN, Limit: limit + 1}
	if in.StatusFilter != nil {
		q.Status = *in.StatusFilter
	}
	scope := "maprun|" + run.ARN + "|" + q.Status
	if in.RedriveFilter != nil {
		scope += "|" + *in.RedriveFilter
	}
	if in.NextToken != nil {
		c, err := h.decodeToken(*in.NextToken, "ListExecutions", scope)
		if err != nil {
			return nil, err
		}
		q.After = &store.ExecutionCursor{StartTime: time.UnixMilli(c.Time), ID: c.ID}
	}
	out := listExecutionsOutput{Executions: []executionListItem{}}
	if q.Status == "PENDING_REDRIVE" || (in.RedriveFilter != nil && *in.RedriveFilter == "REDRIVEN") {
		return out, nil // no child is redriven
	}
	rows, err := st.ExecutionList(ctx, q)
	if err != nil {
		return nil, err
	}
	items := map[int64]int64{}
	if len(rows) > 0 {
		// The items each child holds (a batch's, or 1).
		lo, hi := rows[0].MapItem, rows[0].MapItem
		for _, x := range rows {
			lo, hi = min(lo, x.MapItem), max(hi, x.MapItem)
		}
		if hi-lo < 10*int64(limit) {
			list, err := st.MapItemsList(ctx, store.MapItemQuery{Run: run.ARN, After: lo - 1, Limit: int(hi-lo) + 1})
			if err != nil {
				return nil, err
			}
			for _, it := range list {
				items[it.Index] = it.Items
			}
		}
	}
	for i, x := range rows {
		if i == limit {
			last := rows[i-1]
			out.NextToken = h.encodeToken(pageCursor{Op: "ListExecutions", Scope: scope, Time: last.StartTime.UnixMilli(), ID: last.ID})
			break
		}
		n, ok := items[x.MapItem]
		if !ok {
			n = 1
		}
		out.Executions = append(out.Executions, executionListItem{
			ExecutionArn: x.ARN, StateMachineArn: x.MachineARN, Name: x.Name, Status: x.Status,
			StartDate: epoch(x.StartTime), StopDate: epochPtr(x.StopTime), MapRunArn: run.ARN, ItemCount: &n,
		})
	}
	return out, nil
}

// describeMapChildMachine is DescribeStateMachineForExecution of a Map Run's
// child: the Map Run's state machine (<machine>/<label>), whose definition
// is the Map state's ItemProcessor, with the run and its label.
func (h *Handler) describeMapChildMachine(ctx context.Context, x *store.Execution, included *string) (any, error) {
	parentRev, graph, ok := engine.SplitMapRevision(x.RevisionID)
	if !ok {
		return nil, fmt.Errorf("execution %s: revision %q is not a Map Run's", x.ARN, x.RevisionID)
	}
	def, err := h.store.DefinitionGet(ctx, parentRev)
	if err != nil {
		return nil, err
	}
	text, err := processorText(def.Text, graph)
	if err != nil {
		return nil, fmt.Errorf("execution %s: %w", x.ARN, err)
	}
	name := x.MachineARN[strings.Index(x.MachineARN, ":stateMachine:")+len(":stateMachine:"):]
	_, label, _ := strings.Cut(name, "/")
	out := describeStateMachineForExecutionOutput{StateMachineArn: x.MachineARN, Name: name, Definition: text,
		UpdateDate: epoch(def.CreatedAt), RevisionID: publicRevision(parentRev), MapRunArn: x.MapRun, Label: label}
	out.VariableReferences = variableReferences(text, included != nil && *included == "METADATA_ONLY")
	if included != nil && *included == "METADATA_ONLY" {
		out.Definition = "{}"
	}
	parentMachine := x.MachineARN[:len(x.MachineARN)-len(label)-1]
	if sm, err := h.store.StateMachineGet(ctx, parentMachine); err == nil {
		sm = withRevisionConfigurations(sm, def)
		out.RoleArn, out.LoggingConfiguration, out.TracingConfiguration = sm.RoleARN, loggingOf(sm), tracingOf(sm)
	}
	return out, nil
}

// processorText returns the JSON text of a definition's graph (a Map state's
// ItemProcessor), as the definition wrote it.
func processorText(text string, graph int) (string, error) {
	def, err := validate.Parse([]byte(text), validate.Options{})
	if err != nil {
		return "", err
	}
	g := def.Graph(graph)
	if g == nil {
		return "", fmt.Errorf("no graph %d in the definition", graph)
	}
	v, err := jsonvalue.ParseString(text)
	if err != nil {
		return "", err
	}
	for _, part := range strings.Split(strings.TrimPrefix(g.Location, "/"), "/") {
		if part == "" {
			continue
		}
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			return "", fmt.Errorf("no %s in the definition", g.Location)
		}
		if v, ok = o.Get(part); !ok {
			return "", fmt.Errorf("no %s in the definition", g.Location)
		}
	}
	return string(jsonvalue.Marshal(v)), nil
}

// expressMapChild returns the running EXPRESS execution arn names when a Map
// Run dispatched it (DescribeExecution describes those), or nil.
func (h *Handler) expressMapChild(ctx context.Context, arn *string) *store.Execution {
	st := h.svc.ExpressStore()
	if arn == nil || st == nil || h.foreign(ctx, *arn) {
		return nil
	}
	if _, err := parseARN(*arn, typeExpress); err != nil {
		return nil
	}
	x, err := st.ExecutionGet(ctx, *arn)
	if err != nil || x.MapRun == "" {
		return nil
	}
	return x
}
