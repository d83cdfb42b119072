package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/stepd/stepd/engine"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/store"
)

type activityInput struct {
	Name                    *string         `json:"name"`
	Tags                    []tagEntry      `json:"tags"`
	EncryptionConfiguration json.RawMessage `json:"encryptionConfiguration"`
	ActivityArn             *string         `json:"activityArn"`
	WorkerName              *string         `json:"workerName"`
}

type activityOutput struct {
	ActivityArn  string `json:"activityArn"`
	Name         string `json:"name,omitempty"`
	CreationDate epoch  `json:"creationDate"`
	// EncryptionConfiguration, in DescribeActivity only: AWS_OWNED_KEY,
	// the one kind an activity of stepd's has (createActivity).
	EncryptionConfiguration *encryptionConfiguration `json:"encryptionConfiguration,omitempty"`
}

// createActivity is idempotent by name: an existing activity is answered as
// it is (its tags unchanged, as AWS ignores them then).
func (h *Handler) createActivity(ctx context.Context, body []byte) (any, error) {
	var in activityInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.required("name", in.Name != nil)
	checkTags(&v, "tags", in.Tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	if !validName(*in.Name) {
		return nil, invalidName(*in.Name)
	}
	// An activity keeps no encryption configuration of its own: the default,
	// AWS_OWNED_KEY, is what DescribeActivity reports; a customer-managed key
	// is refused rather than dropped.
	encryption, err := normalizeEncryption(&v, in.EncryptionConfiguration)
	if err != nil {
		return nil, err
	}
	if encryption != "" && *encryptionOf(encryption).Type != "AWS_OWNED_KEY" {
		return nil, errorf(CodeInvalidEncryptionConfiguration,
			"Invalid Encryption Configuration: stepd keeps no customer-managed KMS key for an activity; only AWS_OWNED_KEY is accepted (docs/api.md)")
	}
	arn := h.arnOf(ctx, typeActivity, *in.Name)
	if len(in.Tags) > maxTags {
		return nil, tooManyTags(arn)
	}
	a := &store.Activity{ARN: arn, Name: *in.Name, CreatedAt: h.now()}
	for attempt := 0; ; attempt++ {
		existing, err := h.store.ActivityGet(ctx, arn)
		if err == nil {
			return activityOutput{ActivityArn: existing.ARN, CreationDate: epoch(existing.CreatedAt)}, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		err = h.store.ActivityCreate(ctx, a)
		if errors.Is(err, store.ErrExists) && attempt == 0 {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	if len(in.Tags) > 0 {
		if err := h.store.TagsSet(ctx, arn, storeTags(in.Tags)); err != nil {
			return nil, err
		}
	}
	return activityOutput{ActivityArn: arn, CreationDate: epoch(a.CreatedAt)}, nil
}

// activityARN decodes a request naming an activity and checks its ARN.
func activityARN(body []byte, in *activityInput) error {
	if err := decode(body, in); err != nil {
		return err
	}
	var v validation
	v.required("activityArn", in.ActivityArn != nil)
	v.length("activityArn", in.ActivityArn, 1, maxARN, false)
	v.length("workerName", in.WorkerName, 1, 80, false)
	if err := v.err(); err != nil {
		return err
	}
	_, err := parseARN(*in.ActivityArn, typeActivity)
	return err
}

func (h *Handler) deleteActivity(ctx context.Context, body []byte) (any, error) {
	var in activityInput
	if err := activityARN(body, &in); err != nil {
		return nil, err
	}
	if h.foreign(ctx, *in.ActivityArn) {
		return struct{}{}, nil // as for an activity that does not exist
	}
	h.svc.Standard().ForgetActivity(*in.ActivityArn)
	if err := h.store.ActivityDelete(ctx, *in.ActivityArn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	h.svc.Standard().ForgetActivity(*in.ActivityArn) // a poll may have seen it meanwhile
	return struct{}{}, nil
}

// activity returns an activity of the call's account by ARN, or
// ActivityDoesNotExist.
func (h *Handler) activity(ctx context.Context, arn string) (*store.Activity, error) {
	if h.foreign(ctx, arn) {
		return nil, activityNotFound(arn)
	}
	a, err := h.store.ActivityGet(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, activityNotFound(arn)
	}
	return a, err
}

func (h *Handler) describeActivity(ctx context.Context, body []byte) (any, error) {
	var in activityInput
	if err := activityARN(body, &in); err != nil {
		return nil, err
	}
	a, err := h.activity(ctx, *in.ActivityArn)
	if err != nil {
		return nil, err
	}
	return activityOutput{ActivityArn: a.ARN, Name: a.Name, CreationDate: epoch(a.CreatedAt), EncryptionConfiguration: encryptionOf("")}, nil
}

type listActivitiesOutput struct {
	Activities []activityOutput `json:"activities"`
	NextToken  string           `json:"nextToken,omitempty"`
}

func (h *Handler) listActivities(ctx context.Context, body []byte) (any, error) {
	prefix, apart := h.arnPrefix(ctx, typeActivity)
	limit, after, err := h.listStart(ctx, body, "ListActivities", prefix, apart)
	if err != nil {
		return nil, err
	}
	list, err := h.store.ActivityList(ctx, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := listActivitiesOutput{Activities: []activityOutput{}}
	for i, a := range list {
		if apart && !strings.HasPrefix(a.ARN, prefix) {
			break // the account's activities are contiguous in ARN order
		}
		if i == limit {
			out.NextToken = h.encodeToken(pageCursor{Op: "ListActivities", Scope: listScope(prefix, apart), After: list[i-1].ARN})
			break
		}
		out.Activities = append(out.Activities, activityOutput{ActivityArn: a.ARN, Name: a.Name, CreationDate: epoch(a.CreatedAt)})
	}
	return out, nil
}

type activityTaskOutput struct {
	TaskToken string `json:"taskToken,omitempty"`
	Input     string `json:"input,omitempty"`
}

// getActivityTask long-polls for a task (up to 60 s, or until the client
// gives up); with none, it answers {} as AWS does.
func (h *Handler) getActivityTask(ctx context.Context, body []byte) (any, error) {
	var in activityInput
	if err := activityARN(body, &in); err != nil {
		return nil, err
	}
	if h.foreign(ctx, *in.ActivityArn) {
		return nil, activityNotFound(*in.ActivityArn) // before the cache: it is not per account
	}
	// Checked once a second, not at every poll (engine.KnownActivity).
	if std := h.svc.Standard(); !std.KnownActivity(*in.ActivityArn) {
		if _, err := h.activity(ctx, *in.ActivityArn); err != nil {
			return nil, err
		}
		std.SawActivity(*in.ActivityArn)
	}
	worker := ""
	if in.WorkerName != nil {
		worker = *in.WorkerName
	}
	pollCtx, cancel := context.WithTimeout(ctx, h.pollTimeout)
	defer cancel()
	t, err := h.svc.PollActivity(pollCtx, *in.ActivityArn, worker)
	if err != nil {
		return nil, engineError(err, "")
	}
	if t == nil {
		return activityTaskOutput{}, nil
	}
	return activityTaskOutput{TaskToken: t.Token, Input: t.Input}, nil
}

type taskInput struct {
	TaskToken *string `json:"taskToken"`
	Output    *string `json:"output"`
	Error     *string `json:"error"`
	Cause     *string `json:"cause"`
}

// taskRequest decodes a SendTask* request.
func taskRequest(body []byte, in *taskInput, needOutput bool) error {
	if err := decode(body, in); err != nil {
		return err
	}
	var v validation
	v.required("taskToken", in.TaskToken != nil)
	if needOutput {
		v.required("output", in.Output != nil)
	}
	v.length("taskToken", in.TaskToken, 1, 2048, false)
	v.length("error", in.Error, 0, maxError, true)
	v.length("cause", in.Cause, 0, maxCause, true)
	return v.err()
}

// answer gives a task token's answer to the engine that holds the token.
func (h *Handler) answer(ctx context.Context, token string, a engine.TaskAnswer) (any, error) {
	if foreign, err := h.foreignToken(ctx, token); err != nil || foreign {
		if err == nil {
			err = engineError(engine.ErrTaskDoesNotExist, "")
		}
		return nil, err
	}
	err := h.svc.AnswerTask(ctx, token, a)
	if errors.Is(err, engine.ErrExecutionDoesNotExist) {
		err = engine.ErrTaskTimedOut // the execution is gone, so is its task
	}
	if err != nil {
		return nil, engineError(err, "")
	}
	return struct{}{}, nil
}

func (h *Handler) sendTaskSuccess(ctx context.Context, body []byte) (any, error) {
	var in taskInput
	if err := taskRequest(body, &in, true); err != nil {
		return nil, err
	}
	// The API's limit counts characters, as AWS's model does; an output within
	// it but past the payload quota in bytes (multi-byte text) is accepted
	// here and fails the task with States.DataLimitExceeded, as on AWS.
	if n := utf8.RuneCountInString(*in.Output); n > h.maxPayload {
		return nil, errorf(CodeInvalidOutput, "Invalid Output: 'The output is %d characters, more than the maximum of %d'", n, h.maxPayload)
	}
	output, err := jsonvalue.ParseString(*in.Output)
	if err != nil {
		return nil, errorf(CodeInvalidOutput, "Invalid Output: '%s'", clipTo(err.Error(), 2*maxQuoted))
	}
	return h.answer(ctx, *in.TaskToken, engine.TaskAnswer{Output: output})
}

func (h *Handler) sendTaskFailure(ctx context.Context, body []byte) (any, error) {
	var in taskInput
	if err := taskRequest(body, &in, false); err != nil {
		return nil, err
	}
	a := engine.TaskAnswer{Failed: true, NoError: in.Error == nil, NoCause: in.Cause == nil}
	if in.Error != nil {
		a.Error = *in.Error
	}
	if in.Cause != nil {
		a.Cause = *in.Cause
	}
	return h.answer(ctx, *in.TaskToken, a)
}

func (h *Handler) sendTaskHeartbeat(ctx context.Context, body []byte) (any, error) {
	var in taskInput
	if err := taskRequest(body, &in, false); err != nil {
		return nil, err
	}
	return h.answer(ctx, *in.TaskToken, engine.TaskAnswer{Heartbeat: true})
}

// foreignToken reports whether a task token is of another account's
// execution, when accounts are kept apart (a token that no engine knows is
// left for the engines to answer).
func (h *Handler) foreignToken(ctx context.Context, token string) (bool, error) {
	account, apart := h.accountOf(ctx)
	if !apart {
		return false, nil
	}
	arn, err := h.svc.TaskExecution(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return arnAccount(arn) != account, nil
}
