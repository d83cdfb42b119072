package awssdk

import (
	"context"
	"encoding/json"
)

// TestLogsClient makes the CloudWatch Logs calls the tests need around the
// sink: a log group to write to, and the messages of a stream.
type TestLogsClient struct{ c *CloudWatchLogs }

func NewTestLogsClient(ep Endpoint) *TestLogsClient {
	return &TestLogsClient{c: &CloudWatchLogs{Endpoint: ep}}
}

func (t *TestLogsClient) CreateLogGroup(ctx context.Context, name string) error {
	return t.c.call(ctx, "CreateLogGroup", map[string]any{"logGroupName": name})
}

func (t *TestLogsClient) Messages(ctx context.Context, group, stream string) ([]string, error) {
	out, err := t.c.callOut(ctx, "GetLogEvents", map[string]any{"logGroupName": group, "logStreamName": stream, "startFromHead": true})
	if err != nil {
		return nil, err
	}
	var r struct {
		Events []struct {
			Message string `json:"message"`
		} `json:"events"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, err
	}
	var msgs []string
	for _, e := range r.Events {
		msgs = append(msgs, e.Message)
	}
	return msgs, nil
}

func (t *TestLogsClient) Streams(ctx context.Context, group string) ([]string, error) {
	out, err := t.c.callOut(ctx, "DescribeLogStreams", map[string]any{"logGroupName": group})
	if err != nil {
		return nil, err
	}
	var r struct {
		LogStreams []struct {
			Name string `json:"logStreamName"`
		} `json:"logStreams"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, err
	}
	var names []string
	for _, s := range r.LogStreams {
		names = append(names, s.Name)
	}
	return names, nil
}
