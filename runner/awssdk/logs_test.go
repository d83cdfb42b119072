package awssdk_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/runner/awssdk"
	"github.com/stepd/stepd/runner/awssdk/mototest"
)

// Execution log events reach a CloudWatch Logs endpoint (moto's server): in
// the log group the ARN names, a stream per execution, in order.
func TestCloudWatchLogs(t *testing.T) {
	url := mototest.Endpoint(t)
	ep := awssdk.Endpoint{URL: url}
	var failed []error
	sink := &awssdk.CloudWatchLogs{Endpoint: ep, OnError: func(err error) { failed = append(failed, err) }}
	logs := awssdk.NewTestLogsClient(ep)
	ctx := context.Background()
	if err := logs.CreateLogGroup(ctx, "flows-test"); err != nil {
		t.Fatal(err)
	}
	const group = "arn:aws:logs:us-east-1:123456789012:log-group:flows-test:*"
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	const x = "arn:aws:states:us-east-1:123456789012:execution:m:run-1"
	sink.Write(group, []byte(`{"id":"1","type":"ExecutionStarted","details":{},"previous_event_id":"0","event_timestamp":"`+now+`","execution_arn":"`+x+`","redrive_count":"0"}`))
	sink.Write(group, []byte(`{"id":"2","type":"ExecutionSucceeded","details":{},"previous_event_id":"1","event_timestamp":"`+now+`","execution_arn":"`+x+`","redrive_count":"0"}`))
	if len(failed) > 0 {
		t.Fatal(failed)
	}
	msgs, err := logs.Messages(ctx, "flows-test", "states/m/run-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || !strings.Contains(msgs[0], `"type":"ExecutionStarted"`) || !strings.Contains(msgs[1], `"type":"ExecutionSucceeded"`) {
		t.Errorf("messages %q", msgs)
	}
	// A group that does not exist: the failure is reported, nothing panics.
	sink.Write("arn:aws:logs:us-east-1:123456789012:log-group:nowhere:*", []byte(`{"event_timestamp":"1","execution_arn":"`+x+`"}`))
	if len(failed) != 1 {
		t.Errorf("failures %v", failed)
	}
}
