// Package sdk is the Go SDK for activity workers of stepd: a Worker polls an
// activity, runs a Handler for each task it gets (several at once if asked),
// sends heartbeats while the handler works, reports the result with
// SendTaskSuccess or SendTaskFailure, and stops gracefully. Client is the small
// part of the Step Functions API that workers and callback consumers use:
// GetActivityTask, SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat and
// CreateActivity.
//
// The package speaks the AWS JSON 1.0 protocol with the standard library only,
// so a worker binary does not carry the AWS SDK's dependency tree for five
// calls. It does not sign requests (stepd does not check signatures); to use
// it against AWS itself, give Client an HTTPClient whose Transport signs them
// with Signature Version 4, or use aws-sdk-go-v2's sfn client instead.
package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client calls the Step Functions API of a stepd (or any endpoint that speaks
// it). It is safe for concurrent use.
type Client struct {
	// Endpoint is the API's URL, such as "http://127.0.0.1:8083".
	Endpoint string
	// HTTPClient sends the requests; nil uses one without a timeout of its own
	// (GetActivityTask is a long poll of up to 60 seconds).
	HTTPClient *http.Client
}

// NewClient returns a Client for an endpoint.
func NewClient(endpoint string) *Client {
	return &Client{Endpoint: strings.TrimRight(endpoint, "/")}
}

// APIError is an error the API answered, with AWS's error type
// ("TaskTimedOut", "ActivityDoesNotExist", ...) and message.
type APIError struct {
	Type       string
	Message    string
	StatusCode int
}

// Error returns the error type, message and HTTP status.
func (e *APIError) Error() string {
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Type, e.Message, e.StatusCode)
}

// IsTaskGone reports whether err says a task token is no longer open: the
// task timed out, its execution ended, or it was answered already
// (TaskTimedOut, TaskDoesNotExist, InvalidToken). err may wrap the
// *APIError.
func IsTaskGone(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.Type == "TaskTimedOut" || e.Type == "TaskDoesNotExist" || e.Type == "InvalidToken")
}

// call performs one action: in is marshalled as the request, the answer
// unmarshalled into out (when not nil).
func (c *Client) call(ctx context.Context, action string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.Endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
			Msg     string `json:"Message"`
		}
		_ = json.Unmarshal(data, &e)
		if e.Message == "" {
			e.Message = e.Msg
		}
		if i := strings.LastIndexAny(e.Type, "#:"); i >= 0 {
			e.Type = e.Type[i+1:]
		}
		if e.Type == "" {
			e.Type = http.StatusText(resp.StatusCode)
		}
		return &APIError{Type: e.Type, Message: e.Message, StatusCode: resp.StatusCode}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// Task is an activity task: its token, and its input as JSON.
type Task struct {
	Token string
	Input json.RawMessage

	client *Client
}

// Decode unmarshals the task's input into v.
func (t *Task) Decode(v any) error { return json.Unmarshal(t.Input, v) }

// Heartbeat tells stepd the task is still being worked on (for
// HeartbeatSeconds); a Worker with a HeartbeatInterval sends them by itself.
func (t *Task) Heartbeat(ctx context.Context) error { return t.client.SendTaskHeartbeat(ctx, t.Token) }

// GetActivityTask waits (a long poll of up to 60 seconds, or until ctx ends)
// for a task of the activity; it returns nil, nil when none came.
func (c *Client) GetActivityTask(ctx context.Context, activityARN, workerName string) (*Task, error) {
	in := map[string]string{"activityArn": activityARN}
	if workerName != "" {
		in["workerName"] = workerName
	}
	var out struct {
		TaskToken string  `json:"taskToken"`
		Input     *string `json:"input"`
	}
	if err := c.call(ctx, "GetActivityTask", in, &out); err != nil {
		return nil, err
	}
	if out.TaskToken == "" {
		return nil, nil
	}
	t := &Task{Token: out.TaskToken, client: c, Input: json.RawMessage("null")}
	if out.Input != nil {
		t.Input = json.RawMessage(*out.Input)
	}
	return t, nil
}

// SendTaskSuccess completes a task (an activity task, or a .waitForTaskToken
// callback) with output, which is marshalled to JSON unless it is a
// json.RawMessage already.
func (c *Client) SendTaskSuccess(ctx context.Context, token string, output any) error {
	raw, ok := output.(json.RawMessage)
	if !ok {
		b, err := json.Marshal(output)
		if err != nil {
			return fmt.Errorf("marshal the task's output: %w", err)
		}
		raw = b
	}
	return c.call(ctx, "SendTaskSuccess", map[string]string{"taskToken": token, "output": string(raw)}, nil)
}

// SendTaskFailure fails a task with an error name and a cause.
func (c *Client) SendTaskFailure(ctx context.Context, token, errorName, cause string) error {
	return c.call(ctx, "SendTaskFailure", map[string]string{"taskToken": token, "error": errorName, "cause": cause}, nil)
}

// SendTaskHeartbeat tells stepd a task is still being worked on.
func (c *Client) SendTaskHeartbeat(ctx context.Context, token string) error {
	return c.call(ctx, "SendTaskHeartbeat", map[string]string{"taskToken": token}, nil)
}

// CreateActivity creates an activity (or finds the one of that name) and
// returns its ARN.
func (c *Client) CreateActivity(ctx context.Context, name string) (string, error) {
	var out struct {
		ActivityArn string `json:"activityArn"`
	}
	if err := c.call(ctx, "CreateActivity", map[string]string{"name": name}, &out); err != nil {
		return "", err
	}
	return out.ActivityArn, nil
}

// pollBackoff is how long a worker waits after a failed poll: doubling from
// one second to thirty.
func pollBackoff(failures int) time.Duration {
	d := time.Second << min(failures, 5)
	return min(d, 30*time.Second)
}
