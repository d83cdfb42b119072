package awssdk

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stepd/stepd/runner/awsreq"
)

// CloudWatchLogs sends execution log events to a CloudWatch Logs endpoint
// (AWS's, or a compatible one such as moto's server): each event to the log
// group its ARN names, in one log stream per state machine and process
// (states/<machine>/<yyyy-mm-dd-hh-mm>/<random>, made when first needed),
// which the events of all its executions share, as AWS's recordings show.
// It is the sink of stepd serve --execution-logs-endpoint. Write is called
// sequentially; CheckDestination, from API calls, beside it (it shares no
// state with Write).
type CloudWatchLogs struct {
	Endpoint Endpoint
	// OnError is told of a call that failed (the event is dropped); nil
	// ignores it.
	OnError func(error)

	mu      sync.Mutex
	streams map[string]string // group + "\x00" + machine: its stream, made
}

// maxStreams bounds the streams remembered; past it they are made again.
const maxStreams = 1 << 14

// ValidationStream is the log stream AWS makes in a log group when a state
// machine's logging is set up, to check that it can deliver there.
const ValidationStream = "log_stream_created_by_aws_to_validate_log_delivery_subscriptions"

// CheckDestination checks, as AWS does when a state machine's logging is set
// up, that a log group exists, by making the stream AWS makes there
// (ValidationStream). found is false only when the endpoint says the group
// does not exist; an endpoint that cannot be reached is err.
func (c *CloudWatchLogs) CheckDestination(ctx context.Context, groupARN string) (found bool, err error) {
	err = c.call(ctx, "CreateLogStream", map[string]any{"logGroupName": logGroupName(groupARN), "logStreamName": ValidationStream})
	switch {
	case err == nil || strings.Contains(err.Error(), "ResourceAlreadyExistsException"):
		return true, nil
	case strings.Contains(err.Error(), "ResourceNotFoundException"):
		return false, nil
	}
	return true, err
}

// Write sends one event ({"execution_arn": ..., "event_timestamp": ...}).
func (c *CloudWatchLogs) Write(groupARN string, event []byte) {
	var ev struct {
		ExecutionARN string `json:"execution_arn"`
		Timestamp    string `json:"event_timestamp"`
	}
	if err := json.Unmarshal(event, &ev); err != nil {
		c.fail(err)
		return
	}
	group := logGroupName(groupARN)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	key := group + "\x00" + machineName(ev.ExecutionARN)
	stream, made := c.streams[key]
	if !made {
		stream = "states/" + machineName(ev.ExecutionARN) + "/" + time.Now().UTC().Format("2006-01-02-15-04") + "/" + randomSuffix()
		err := c.call(ctx, "CreateLogStream", map[string]any{"logGroupName": group, "logStreamName": stream})
		if err != nil && !strings.Contains(err.Error(), "ResourceAlreadyExistsException") {
			c.fail(err)
			return
		}
		if c.streams == nil || len(c.streams) >= maxStreams {
			c.streams = map[string]string{}
		}
		c.streams[key] = stream
	}
	var ms int64
	fmt.Sscan(ev.Timestamp, &ms)
	if err := c.call(ctx, "PutLogEvents", map[string]any{"logGroupName": group, "logStreamName": stream,
		"logEvents": []any{map[string]any{"timestamp": ms, "message": string(event)}}}); err != nil {
		c.fail(err)
	}
}

func (c *CloudWatchLogs) fail(err error) {
	if c.OnError != nil {
		c.OnError(fmt.Errorf("execution logs: %w", err))
	}
}

// call makes one CloudWatch Logs call (AWS JSON 1.1), signed with SigV4.
func (c *CloudWatchLogs) call(ctx context.Context, action string, body any) error {
	_, err := c.callOut(ctx, action, body)
	return err
}

// callOut is call, returning the answer's body.
func (c *CloudWatchLogs) callOut(ctx context.Context, action string, body any) ([]byte, error) {
	cfg := c.Endpoint.AWSConfig()
	url := c.Endpoint.URL
	if url == "" {
		url = "https://logs." + cfg.Region + ".amazonaws.com"
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(url, "/")+"/", bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Logs_20140328."+action)
	if err := awsreq.Sign(ctx, cfg.Credentials, req, payload, "logs", cfg.Region); err != nil {
		return nil, err
	}
	client := c.Endpoint.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s: %s: %s", action, resp.Status, out)
	}
	return out, nil
}

// logGroupName is the name in a log group's ARN
// (arn:aws:logs:<region>:<account>:log-group:<name>:*).
func logGroupName(arn string) string {
	_, name, ok := strings.Cut(arn, ":log-group:")
	if !ok {
		return arn
	}
	return strings.TrimSuffix(name, ":*")
}

// machineName is the state machine's name in an execution's ARN.
func machineName(executionARN string) string {
	parts := strings.Split(executionARN, ":")
	if len(parts) >= 8 {
		return parts[6]
	}
	return executionARN
}

// randomSuffix tells apart the streams of processes (nodes, restarts).
func randomSuffix() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
