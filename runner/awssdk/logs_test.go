package awssdk_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/runner/awssdk"
	"github.com/stepd/stepd/runner/awssdk/mototest"
)

// Execution log events reach a CloudWatch Logs endpoint (moto's server): in
// the log group the ARN names, in one stream a machine that its executions
// share, in order, as AWS's recordings show (LocalStack's
// test_log_group_with_multiple_runs); the check of a destination makes the
// stream AWS makes and tells a group that does not exist.
func TestCloudWatchLogs(t *testing.T) {
	url := mototest.Endpoint(t)
	ep := awssdk.Endpoint{URL: url}
	var failed []error
	sink := &awssdk.CloudWatchLogs{Endpoint: ep, OnError: func(err error) { failed = append(failed, err) }}
	logs := awssdk.NewTestLogsClient(ep)
	ctx := context.Background()
	name := "flows-test-" + strconv.FormatInt(time.Now().UnixNano(), 36) // the moto server outlives one run
	if err := logs.CreateLogGroup(ctx, name); err != nil {
		t.Fatal(err)
	}
	group := "arn:aws:logs:us-east-1:123456789012:log-group:" + name + ":*"
	if found, err := sink.CheckDestination(ctx, group); !found || err != nil {
		t.Fatalf("CheckDestination of an existing group: %v %v", found, err)
	}
	if found, err := sink.CheckDestination(ctx, "arn:aws:logs:us-east-1:123456789012:log-group:nowhere:*"); found || err != nil {
		t.Fatalf("CheckDestination of a missing group: %v %v", found, err)
	}
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	for _, run := range []string{"run-1", "run-2"} {
		x := "arn:aws:states:us-east-1:123456789012:execution:m:" + run
		sink.Write(group, []byte(`{"id":"1","type":"ExecutionStarted","details":{},"previous_event_id":"0","event_timestamp":"`+now+`","execution_arn":"`+x+`","redrive_count":"0"}`))
		sink.Write(group, []byte(`{"id":"2","type":"ExecutionSucceeded","details":{},"previous_event_id":"1","event_timestamp":"`+now+`","execution_arn":"`+x+`","redrive_count":"0"}`))
	}
	if len(failed) > 0 {
		t.Fatal(failed)
	}
	streams, err := logs.Streams(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	var machine []string
	for _, s := range streams {
		if strings.HasPrefix(s, "states/m/") {
			machine = append(machine, s)
		}
	}
	if len(machine) != 1 || !slices.Contains(streams, awssdk.ValidationStream) {
		t.Fatalf("streams %q, want AWS's validation stream and one of the machine", streams)
	}
	msgs, err := logs.Messages(ctx, name, machine[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 4 || !strings.Contains(msgs[0], `"type":"ExecutionStarted"`) || !strings.Contains(msgs[3], `run-2","redrive_count"`) {
		t.Errorf("messages %q", msgs)
	}
	// A group that does not exist: the failure is reported, nothing panics.
	sink.Write("arn:aws:logs:us-east-1:123456789012:log-group:nowhere:*", []byte(`{"event_timestamp":"1","execution_arn":"arn:aws:states:us-east-1:123456789012:execution:m:run-1"}`))
	if len(failed) != 1 {
		t.Errorf("failures %v", failed)
	}
}
