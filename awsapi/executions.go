package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store"
)

type startExecutionInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	Name            *string `json:"name"`
	Input           *string `json:"input"`
	TraceHeader     *string `json:"traceHeader"`
	IncludedData    *string `json:"includedData"`
}

type startExecutionOutput struct {
	ExecutionArn string `json:"executionArn"`
	StartDate    epoch  `json:"startDate"`
}

// prepareStart decodes and checks a StartExecution or StartSyncExecution
// request and returns the service's request. Another account's machine does
// not exist.
func (h *Handler) prepareStart(ctx context.Context, body []byte) (service.StartRequest, error) {
	var in startExecutionInput
	if err := decode(body, &in); err != nil {
		return service.StartRequest{}, err
	}
	if h := traceHeaderOf(ctx); h != "" {
		// As on AWS: the X-Amzn-Trace-Id header wins over the body's.
		in.TraceHeader = &h
	}
	req, err := checkStart(&in)
	if err != nil {
		return req, err
	}
	if _, err := parseARN(req.MachineARN, typeStateMachine); err != nil {
		return req, err
	}
	if h.foreign(ctx, req.MachineARN) {
		return req, machineNotFound(req.MachineARN)
	}
	return req, nil
}

// checkStart checks a start request's fields as StartExecution does; the
// service checks the rest (the name, the input, the machine).
func checkStart(in *startExecutionInput) (service.StartRequest, error) {
	var req service.StartRequest
	var v validation
	v.required("stateMachineArn", in.StateMachineArn != nil)
	v.length("stateMachineArn", in.StateMachineArn, 1, maxARN, false)
	v.length("traceHeader", in.TraceHeader, 0, 256, false)
	if in.TraceHeader != nil && !isASCII(*in.TraceHeader) {
		v.fail(quote(*in.TraceHeader, false), "traceHeader", `must satisfy regular expression pattern: \p{ASCII}*`)
	}
	v.enum("includedData", in.IncludedData, "ALL_DATA", "METADATA_ONLY")
	if err := v.err(); err != nil {
		return req, err
	}
	req.MachineARN = *in.StateMachineArn
	if in.Name != nil {
		if *in.Name == "" {
			return req, invalidName("")
		}
		req.Name = *in.Name
	}
	req.Input = "{}"
	if in.Input != nil {
		req.Input = *in.Input
		if req.Input == "" {
			return req, apiErrorOf(service.InvalidInput("Invalid execution input."))
		}
	}
	if in.TraceHeader != nil {
		req.TraceHeader = *in.TraceHeader
	}
	return req, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (h *Handler) startExecution(ctx context.Context, body []byte) (any, error) {
	req, err := h.prepareStart(ctx, body)
	if err != nil {
		return nil, err
	}
	started, err := h.svc.StartExecution(ctx, req)
	if err != nil {
		return nil, engineError(err, "")
	}
	return startExecutionOutput{ExecutionArn: started.Row.ARN, StartDate: epoch(started.Row.StartTime)}, nil
}

type dataDetails struct {
	Included bool `json:"included"`
}

type billingDetails struct {
	BilledMemoryUsedInMB         int64 `json:"billedMemoryUsedInMB"`
	BilledDurationInMilliseconds int64 `json:"billedDurationInMilliseconds"`
}

type startSyncExecutionOutput struct {
	ExecutionArn    string          `json:"executionArn"`
	StateMachineArn string          `json:"stateMachineArn,omitempty"`
	Name            string          `json:"name,omitempty"`
	StartDate       epoch           `json:"startDate"`
	StopDate        epoch           `json:"stopDate"`
	Status          string          `json:"status"`
	Error           string          `json:"error,omitempty"`
	Cause           string          `json:"cause,omitempty"`
	Input           *string         `json:"input,omitempty"`
	InputDetails    *dataDetails    `json:"inputDetails,omitempty"`
	Output          *string         `json:"output,omitempty"`
	OutputDetails   *dataDetails    `json:"outputDetails,omitempty"`
	TraceHeader     string          `json:"traceHeader,omitempty"`
	BillingDetails  *billingDetails `json:"billingDetails,omitempty"`
}

func (h *Handler) startSyncExecution(ctx context.Context, body []byte) (any, error) {
	req, err := h.prepareStart(ctx, body)
	if err != nil {
		return nil, err
	}
	row, err := h.svc.StartSyncExecution(ctx, req)
	if err != nil {
		return nil, engineError(err, "")
	}
	out := startSyncExecutionOutput{
		ExecutionArn: row.ARN, StateMachineArn: row.MachineARN, Name: row.Name,
		StartDate: epoch(row.StartTime), StopDate: epoch(row.StopTime), Status: row.Status,
		Error: row.Error, Cause: row.Cause, Input: &row.Input, InputDetails: &dataDetails{Included: true},
		TraceHeader: row.TraceHeader, BillingDetails: billing(row.StopTime.Sub(row.StartTime)),
	}
	if row.Status == string(interp.StatusAborted) {
		// SyncExecutionStatus has no ABORTED.
		out.Status = string(interp.StatusFailed)
	}
	if row.HasOutput {
		out.Output, out.OutputDetails = &row.Output, &dataDetails{Included: true}
	}
	return out, nil
}

// billing is what AWS would bill an Express execution: its duration rounded up
// to 100 ms, and 64 MB.
func billing(d time.Duration) *billingDetails {
	ms := (d.Milliseconds() + 99) / 100 * 100
	if ms < 100 {
		ms = 100
	}
	return &billingDetails{BilledMemoryUsedInMB: 64, BilledDurationInMilliseconds: ms}
}

type executionInput struct {
	ExecutionArn         *string `json:"executionArn"`
	IncludedData         *string `json:"includedData"`
	Error                *string `json:"error"`
	Cause                *string `json:"cause"`
	MaxResults           *int64  `json:"maxResults"`
	ReverseOrder         *bool   `json:"reverseOrder"`
	NextToken            *string `json:"nextToken"`
	IncludeExecutionData *bool   `json:"includeExecutionData"`
}

// executionARN decodes a request naming a STANDARD execution and checks its
// ARN; an express execution's ARN is AWS's InvalidArn.
func executionARN(body []byte, in *executionInput) error {
	if err := decode(body, in); err != nil {
		return err
	}
	var v validation
	v.required("executionArn", in.ExecutionArn != nil)
	v.length("executionArn", in.ExecutionArn, 1, maxARN, false)
	v.enum("includedData", in.IncludedData, "ALL_DATA", "METADATA_ONLY")
	v.length("error", in.Error, 0, maxError, true)
	v.length("cause", in.Cause, 0, maxCause, true)
	v.rangeInt("maxResults", in.MaxResults, 0, 1000)
	v.length("nextToken", in.NextToken, 1, 1024, false)
	if err := v.err(); err != nil {
		return err
	}
	_, err := parseARN(*in.ExecutionArn, typeExecution)
	return err
}

// execution returns a STANDARD execution of the call's account by ARN, or
// ExecutionDoesNotExist.
func (h *Handler) execution(ctx context.Context, arn string) (*store.Execution, error) {
	if h.foreign(ctx, arn) {
		return nil, executionNotFound(arn)
	}
	x, err := h.store.ExecutionGet(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, executionNotFound(arn)
	}
	return x, err
}

type describeExecutionOutput struct {
	ExecutionArn        string       `json:"executionArn"`
	StateMachineArn     string       `json:"stateMachineArn"`
	Name                string       `json:"name"`
	Status              string       `json:"status"`
	StartDate           epoch        `json:"startDate"`
	StopDate            *epoch       `json:"stopDate,omitempty"`
	Input               *string      `json:"input,omitempty"`
	InputDetails        *dataDetails `json:"inputDetails,omitempty"`
	Output              *string      `json:"output,omitempty"`
	OutputDetails       *dataDetails `json:"outputDetails,omitempty"`
	Error               string       `json:"error,omitempty"`
	Cause               string       `json:"cause,omitempty"`
	TraceHeader         string       `json:"traceHeader,omitempty"`
	RedriveCount        int          `json:"redriveCount"`
	RedriveStatus       string       `json:"redriveStatus"`
	RedriveStatusReason string       `json:"redriveStatusReason,omitempty"`
	MapRunArn           string       `json:"mapRunArn,omitempty"`
	RedriveDate         *epoch       `json:"redriveDate,omitempty"`

	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string `json:"stateMachineAliasArn,omitempty"`
}

func (h *Handler) describeExecution(ctx context.Context, body []byte) (any, error) {
	var in executionInput
	var x *store.Execution
	if err := executionARN(body, &in); err != nil {
		// An EXPRESS execution is described when a Map Run dispatched it, as
		// on AWS (while it runs: EXPRESS executions live in memory).
		if x = h.expressMapChild(ctx, in.ExecutionArn); x == nil {
			return nil, err
		}
	} else if x, err = h.execution(ctx, *in.ExecutionArn); err != nil {
		return nil, err
	}
	out := describeExecutionOutput{
		ExecutionArn: x.ARN, StateMachineArn: x.MachineARN, Name: x.Name, Status: x.Status,
		StartDate: epoch(x.StartTime), StopDate: epochPtr(x.StopTime), Error: x.Error, Cause: x.Cause,
		TraceHeader: x.TraceHeader, RedriveStatus: "NOT_REDRIVABLE", MapRunArn: x.MapRun,
		StateMachineVersionArn: x.VersionARN, StateMachineAliasArn: x.AliasARN,
	}
	if x.Status == "TIMED_OUT" {
		// AWS describes a timed-out execution without an error or cause
		// (its recording, LocalStack's test_global_timeout); its history's
		// ExecutionTimedOut keeps them.
		out.Error, out.Cause = "", ""
	}
	if in.IncludedData == nil || *in.IncludedData != "METADATA_ONLY" {
		out.Input, out.InputDetails = &x.Input, &dataDetails{Included: true}
		if x.HasOutput {
			out.Output, out.OutputDetails = &x.Output, &dataDetails{Included: true}
		}
	}
	out.RedriveCount = x.RedriveCount
	out.RedriveDate = epochPtr(x.RedriveTime)
	if ok, reason := h.svc.Redrivable(x); ok {
		out.RedriveStatus = "REDRIVABLE"
	} else {
		out.RedriveStatusReason = reason
	}
	return out, nil
}

type redriveInput struct {
	ExecutionArn *string `json:"executionArn"`
	ClientToken  *string `json:"clientToken"`
}

type redriveOutput struct {
	RedriveDate epoch `json:"redriveDate"`
}

func (h *Handler) redriveExecution(ctx context.Context, body []byte) (any, error) {
	var in redriveInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("executionArn", in.ExecutionArn != nil)
	v.length("executionArn", in.ExecutionArn, 1, maxLongARN, false)
	v.length("clientToken", in.ClientToken, 1, 64, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	arn := *in.ExecutionArn
	if _, err := parseARN(arn, "execution"); err != nil {
		return nil, err
	}
	if h.foreign(ctx, arn) {
		return nil, executionNotFound(arn)
	}
	row, err := h.svc.RedriveExecution(ctx, arn, deref(in.ClientToken))
	var refused *engine.NotRedrivable
	if errors.As(err, &refused) {
		return nil, errorf(CodeExecutionNotRedrivable, "%s", refused.Reason)
	}
	if err != nil {
		return nil, engineError(err, arn)
	}
	return redriveOutput{RedriveDate: epoch(row.RedriveTime)}, nil
}

type stopExecutionOutput struct {
	StopDate epoch `json:"stopDate"`
}

func (h *Handler) stopExecution(ctx context.Context, body []byte) (any, error) {
	var in executionInput
	if err := executionARN(body, &in); err != nil {
		return nil, err
	}
	var errName, cause string
	if in.Error != nil {
		errName = *in.Error
	}
	if in.Cause != nil {
		cause = *in.Cause
	}
	if h.foreign(ctx, *in.ExecutionArn) {
		return nil, executionNotFound(*in.ExecutionArn)
	}
	row, err := h.svc.StopExecution(ctx, *in.ExecutionArn, errName, cause)
	if err != nil {
		return nil, engineError(err, *in.ExecutionArn)
	}
	stop := row.StopTime
	if stop.IsZero() {
		stop = h.now()
	}
	return stopExecutionOutput{StopDate: epoch(stop)}, nil
}

type listExecutionsInput struct {
	StateMachineArn *string `json:"stateMachineArn"`
	StatusFilter    *string `json:"statusFilter"`
	MaxResults      *int64  `json:"maxResults"`
	NextToken       *string `json:"nextToken"`
	MapRunArn       *string `json:"mapRunArn"`
	RedriveFilter   *string `json:"redriveFilter"`
}

type executionListItem struct {
	ExecutionArn    string `json:"executionArn"`
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Status          string `json:"status"`
	StartDate       epoch  `json:"startDate"`
	StopDate        *epoch `json:"stopDate,omitempty"`
	RedriveCount    int    `json:"redriveCount"`
	// MapRunArn and ItemCount are given when the listing is a Map Run's.
	MapRunArn   string `json:"mapRunArn,omitempty"`
	ItemCount   *int64 `json:"itemCount,omitempty"`
	RedriveDate *epoch `json:"redriveDate,omitempty"`

	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string `json:"stateMachineAliasArn,omitempty"`
}

type listExecutionsOutput struct {
	Executions []executionListItem `json:"executions"`
	NextToken  string              `json:"nextToken,omitempty"`
}

func (h *Handler) listExecutions(ctx context.Context, body []byte) (any, error) {
	var in listExecutionsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.length("stateMachineArn", in.StateMachineArn, 1, maxARN, false)
	v.enum("statusFilter", in.StatusFilter, "SUCCEEDED", "TIMED_OUT", "PENDING_REDRIVE", "ABORTED", "FAILED", "RUNNING")
	limit := pageSize(&v, in.MaxResults)
	v.length("nextToken", in.NextToken, 1, 3096, false)
	v.length("mapRunArn", in.MapRunArn, 1, maxLongARN, false)
	v.enum("redriveFilter", in.RedriveFilter, "REDRIVEN", "NOT_REDRIVEN")
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.MapRunArn != nil {
		if in.StateMachineArn != nil {
			return nil, errorf(CodeValidationException, "Only one of stateMachineArn or mapRunArn can be specified")
		}
		return h.listMapRunExecutions(ctx, &in, limit)
	}
	// Beyond AWS, which refuses it: with no stateMachineArn, the STANDARD
	// executions of every machine (the web console lists them so).
	q := store.ExecutionQuery{Limit: limit + 1}
	if in.StateMachineArn != nil {
		if _, err := parseARN(*in.StateMachineArn, typeStateMachine); err != nil {
			return nil, err
		}
		// A version's or an alias's ARN lists the executions started on it.
		base, qualifier := service.SplitQualified(*in.StateMachineArn)
		sm, err := h.machine(ctx, base)
		if err != nil {
			return nil, machineNotFound(*in.StateMachineArn)
		}
		if sm.Type == typeExpressM {
			return nil, typeNotSupported()
		}
		q.MachineARN = sm.ARN
		switch {
		case service.IsVersionQualifier(qualifier):
			if _, err := h.store.VersionGet(ctx, *in.StateMachineArn); err != nil {
				return nil, machineNotFound(*in.StateMachineArn)
			}
			q.VersionARN = *in.StateMachineArn
		case qualifier != "":
			if _, err := h.alias(ctx, *in.StateMachineArn); err != nil {
				return nil, err
			}
			q.AliasARN = *in.StateMachineArn
		}
	} else if prefix, apart := h.arnPrefix(ctx, typeStateMachine); apart {
		q.MachinePrefix = prefix // the executions of the account's machines
	}
	if in.StatusFilter != nil {
		q.Status = *in.StatusFilter
	}
	scope := q.MachineARN + "|" + q.Status
	if q.VersionARN != "" || q.AliasARN != "" {
		scope += "|" + q.VersionARN + "|" + q.AliasARN
	}
	if q.MachinePrefix != "" {
		scope += "|" + q.MachinePrefix
	}
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
	if q.Status == "PENDING_REDRIVE" {
		return out, nil // a redrive is one commit: no execution waits to be redriven
	}
	if in.RedriveFilter != nil {
		q.Redriven = *in.RedriveFilter
	}
	rows, err := h.store.ExecutionList(ctx, q)
	if err != nil {
		return nil, err
	}
	for i, x := range rows {
		if i == limit {
			last := rows[i-1]
			out.NextToken = h.encodeToken(pageCursor{Op: "ListExecutions", Scope: scope, Time: last.StartTime.UnixMilli(), ID: last.ID})
			break
		}
		out.Executions = append(out.Executions, executionListItem{
			ExecutionArn: x.ARN, StateMachineArn: x.MachineARN, Name: x.Name, Status: x.Status,
			StartDate: epoch(x.StartTime), StopDate: epochPtr(x.StopTime),
			StateMachineVersionArn: x.VersionARN, StateMachineAliasArn: x.AliasARN,
			RedriveCount: x.RedriveCount, RedriveDate: epochPtr(x.RedriveTime),
		})
	}
	return out, nil
}

// dataKeys are the members of event details that includeExecutionData false
// leaves out.
var dataKeys = []string{"input", "inputDetails", "output", "outputDetails", "parameters"}

func (h *Handler) getExecutionHistory(ctx context.Context, body []byte) (any, error) {
	var in executionInput
	if err := executionARN(body, &in); err != nil {
		return nil, err
	}
	var v validation
	limit := pageSize(&v, in.MaxResults)
	x, err := h.execution(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	reverse := in.ReverseOrder != nil && *in.ReverseOrder
	withData := in.IncludeExecutionData == nil || *in.IncludeExecutionData
	scope := x.ARN + "|" + strconv.FormatBool(reverse)
	var from int64
	if in.NextToken != nil {
		c, err := h.decodeToken(*in.NextToken, "GetExecutionHistory", scope)
		if err != nil {
			return nil, err
		}
		from = c.ID
	}
	events, err := h.store.HistoryList(ctx, store.HistoryQuery{ExecutionID: x.ID, After: from, Limit: limit + 1, Reverse: reverse})
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 256*len(events)+64)
	b = append(b, `{"events":[`...)
	for i, e := range events {
		if i == limit {
			break
		}
		if i > 0 {
			b = append(b, ',')
		}
		if withData {
			b = append(b, e.JSON...)
			continue
		}
		stripped, err := withoutData(e.JSON)
		if err != nil {
			return nil, err
		}
		b = append(b, stripped...)
	}
	b = append(b, ']')
	if len(events) > limit {
		b = append(b, `,"nextToken":`...)
		b = jsonvalue.AppendString(b, h.encodeToken(pageCursor{Op: "GetExecutionHistory", Scope: scope, ID: events[limit-1].ID}))
	}
	return rawJSON(append(b, '}')), nil
}

// withoutData drops the inputs, outputs and parameters from an event's
// details, as GetExecutionHistory does with includeExecutionData false.
func withoutData(event []byte) ([]byte, error) {
	o, err := jsonvalue.ParseObject(event)
	if err != nil {
		return nil, err
	}
	for i, k := range o.Keys() {
		if !strings.HasSuffix(k, "EventDetails") {
			continue
		}
		if _, d := o.At(i); d != nil {
			if details, ok := d.(*jsonvalue.Object); ok {
				for _, dk := range dataKeys {
					details.Delete(dk)
				}
			}
		}
	}
	return jsonvalue.Append(nil, o), nil
}

type describeStateMachineForExecutionOutput struct {
	StateMachineArn      string                `json:"stateMachineArn"`
	Name                 string                `json:"name"`
	Definition           string                `json:"definition"`
	RoleArn              string                `json:"roleArn"`
	UpdateDate           epoch                 `json:"updateDate"`
	LoggingConfiguration *loggingConfiguration `json:"loggingConfiguration,omitempty"`
	TracingConfiguration *tracingConfiguration `json:"tracingConfiguration,omitempty"`
	RevisionID           string                `json:"revisionId,omitempty"`
	MapRunArn            string                `json:"mapRunArn,omitempty"`
	Label                string                `json:"label,omitempty"`
	VariableReferences   map[string][]string   `json:"variableReferences,omitempty"`
	// EncryptionConfiguration is the machine's (AWS_OWNED_KEY for none).
	EncryptionConfiguration *encryptionConfiguration `json:"encryptionConfiguration,omitempty"`
}

// withRevisionConfigurations returns the machine with the logging and
// tracing configurations its revision def was made with, when def kept them.
func withRevisionConfigurations(sm *store.StateMachine, def *store.Definition) *store.StateMachine {
	if def.Logging == "" && def.Tracing == "" {
		return sm
	}
	frozen := *sm
	frozen.Logging, frozen.Tracing = def.Logging, def.Tracing
	return &frozen
}

// describeStateMachineForExecution answers the definition revision the
// execution runs, with the role it started with (from its ExecutionStarted
// event) and the logging and tracing configurations of that revision (of
// the version, for an execution started on one; the machine's current ones
// for a revision stored before revisions kept them).
func (h *Handler) describeStateMachineForExecution(ctx context.Context, body []byte) (any, error) {
	var in executionInput
	if err := executionARN(body, &in); err != nil {
		return nil, err
	}
	x, err := h.execution(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if x.MapRun != "" {
		return h.describeMapChildMachine(ctx, x, in.IncludedData)
	}
	def, err := h.store.DefinitionGet(ctx, x.RevisionID)
	if err != nil {
		return nil, err
	}
	sm, err := h.store.StateMachineGet(ctx, x.MachineARN)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if sm != nil {
		sm = withRevisionConfigurations(sm, def)
	}
	if sm != nil && x.VersionARN != "" {
		// An execution of a version has the configurations the version froze.
		if v, err := h.store.VersionGet(ctx, x.VersionARN); err == nil {
			frozen := *sm
			frozen.Logging, frozen.Tracing = v.Logging, v.Tracing
			sm = &frozen
		}
	}
	out := describeStateMachineForExecutionOutput{
		StateMachineArn: x.MachineARN, Name: x.MachineARN[strings.LastIndex(x.MachineARN, ":")+1:], Definition: def.Text,
		UpdateDate: epoch(def.CreatedAt), LoggingConfiguration: loggingOf(sm), TracingConfiguration: tracingOf(sm),
		RevisionID: publicRevision(x.RevisionID), EncryptionConfiguration: encryptionOf(""),
	}
	if sm != nil {
		out.EncryptionConfiguration = encryptionOf(sm.Encryption)
	}
	metadataOnly := in.IncludedData != nil && *in.IncludedData == "METADATA_ONLY"
	out.VariableReferences = variableReferences(def.Text, metadataOnly)
	if metadataOnly {
		out.Definition = "{}"
	}
	first, err := h.store.HistoryList(ctx, store.HistoryQuery{ExecutionID: x.ID, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(first) == 1 {
		var e struct {
			Details struct {
				RoleArn string `json:"roleArn"`
			} `json:"executionStartedEventDetails"`
		}
		if json.Unmarshal(first[0].JSON, &e) == nil {
			out.RoleArn = e.Details.RoleArn
		}
	}
	if out.RoleArn == "" && sm != nil {
		out.RoleArn = sm.RoleARN
	}
	return out, nil
}
