package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
)

// withoutHostPrefix is aws-sdk-go-v2's one setting for a local endpoint
// (docs/clients.md): StartSyncExecution and TestState without the "sync-"
// host prefix.
func withoutHostPrefix(o *sfn.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		_, _ = s.Finalize.Remove("EndpointHostPrefix") // absent from the other actions
		return nil
	})
}

// scrape returns /metrics' samples: "name{labels}" to value.
func scrape(t *testing.T, addr string) map[string]string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("/metrics: %s, Content-Type %q", resp.Status, ct)
	}
	out := map[string]string{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			out[line[:i]] = line[i+1:]
		}
	}
	return out
}

// TestMetricsAndLogsAfterARun runs executions that succeed, fail and are
// stopped, then checks /metrics' counters against what ran, and the JSON
// log's lines for their starts and ends.
func TestMetricsAndLogsAfterARun(t *testing.T) {
	t.Parallel()
	s := serve(t, "--log-level", "info", "--log-format", "json", "--access-log")
	ok := s.machine("ok", "STANDARD", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	bad := s.machine("bad", "STANDARD", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Oops","Cause":"broke"}}}`)
	slow := s.machine("slow", "STANDARD", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	fast := s.machine("fast", "EXPRESS", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	for i := 0; i < 3; i++ {
		s.waitStatus(s.start(ok, `{}`), types.ExecutionStatusSucceeded)
	}
	for i := 0; i < 2; i++ {
		s.waitStatus(s.start(bad, `{}`), types.ExecutionStatusFailed)
	}
	w := s.start(slow, `{}`)
	s.waitStatus(w, types.ExecutionStatusRunning)
	if _, err := s.client.StopExecution(context.Background(), &sfn.StopExecutionInput{ExecutionArn: aws.String(w)}); err != nil {
		t.Fatal(err)
	}
	s.waitStatus(w, types.ExecutionStatusAborted)
	for range 2 { // parked in their Wait until the test ends
		s.waitStatus(s.start(slow, `{}`), types.ExecutionStatusRunning)
	}
	if out, err := s.client.StartSyncExecution(context.Background(), &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(fast)},
		withoutHostPrefix); err != nil || out.Status != types.SyncExecutionStatusSucceeded {
		t.Fatalf("StartSyncExecution: %v %v", out, err)
	}

	want := map[string]string{
		`ExecutionsStarted{state_machine="` + ok + `"}`:                       "3",
		`ExecutionsSucceeded{state_machine="` + ok + `"}`:                     "3",
		`ExecutionsStarted{state_machine="` + bad + `"}`:                      "2",
		`ExecutionsFailed{state_machine="` + bad + `"}`:                       "2",
		`ExecutionsAborted{state_machine="` + slow + `"}`:                     "1",
		`ExecutionsStarted{state_machine="` + slow + `"}`:                     "3",
		`ExecutionsSucceeded{state_machine="` + fast + `"}`:                   "1",
		`ExecutionTime_count{state_machine="` + ok + `"}`:                     "3",
		`ExecutionThrottled`:                                                  "0",
		`stepd_running_tasks{engine="standard"}`:                              "0",
		`stepd_parked_executions{engine="standard"}`:                          "2",
		`stepd_parked_executions{engine="express"}`:                           "0",
		`stepd_work_queue_depth{engine="express"}`:                            "0",
		`stepd_starts_waiting{engine="standard"}`:                             "0",
		`stepd_starts_held_total{engine="standard"}`:                          "0", // one start at a time: none waits
		`stepd_api_request_seconds_count{action="StartExecution",code="200"}`: "8",
	}
	var got map[string]string
	// The engine counts a step once it has committed, just after the
	// execution's end is visible: give it a moment.
	for deadline := time.Now().Add(10 * time.Second); ; {
		got = scrape(t, s.addr)
		missing := false
		for k, v := range want {
			if got[k] != v {
				missing = true
			}
		}
		if !missing || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %s", k, got[k], v)
		}
	}
	if got["stepd_commit_seconds_count"] == "" || got["stepd_commit_seconds_count"] == "0" {
		t.Errorf("stepd_commit_seconds_count = %q", got["stepd_commit_seconds_count"])
	}

	// One JSON object a line; starts and ends at info level.
	var started, ended, requests int
	for _, line := range strings.Split(strings.TrimSpace(s.log.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON log line: %q", line)
		}
		switch rec["msg"] {
		case "execution started":
			started++
		case "execution ended":
			ended++
			if rec["execution"] == w && (rec["status"] != "ABORTED" || rec["duration"] == nil) {
				t.Errorf("the stopped execution's end: %v", rec)
			}
		case "request":
			requests++
		}
	}
	if started != 9 || ended != 7 || requests < 9 { // two still parked
		t.Errorf("log: %d starts, %d ends, %d requests; want 9, 7, >= 9", started, ended, requests)
	}
	// Without authentication, another host's page cannot read it.
	req, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/metrics", nil)
	req.Host = "evil.example"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("/metrics for another host: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	resp, err := http.Get("http://" + s.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "<html") && !strings.Contains(string(b), "<!doctype") && !strings.Contains(string(b), "<!DOCTYPE") {
		t.Errorf("/ no longer serves the console")
	}
}

// TestMetricsOfTasks runs executions of a Lambda function (its ARN as
// Resource), a service integration (lambda:invoke) and an activity, one
// failing its activity, then checks /metrics' Activities..., LambdaFunctions...
// and ServiceIntegrations... counters and the ...Time histograms against
// what ran.
func TestMetricsOfTasks(t *testing.T) {
	t.Parallel()
	lambda := newLambdaAPI(t, nil) // the function returns its event
	s := serve(t, "--lambda-endpoint", lambda.URL)
	ctx := context.Background()
	act, err := s.client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("metered")})
	if err != nil {
		t.Fatal(err)
	}
	machine := s.machine("tasks", "STANDARD", `{"StartAt":"L","States":{
		"L":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo","Next":"I"},
		"I":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"echo","Payload.$":"$"},"OutputPath":"$.Payload","Next":"A"},
		"A":{"Type":"Task","Resource":"`+*act.ActivityArn+`","End":true}}}`)
	for _, succeed := range []bool{true, true, false} {
		exec := s.start(machine, `{"n":1}`)
		task, err := s.client.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
		if err != nil || task.TaskToken == nil {
			t.Fatalf("no activity task: %v", err)
		}
		if succeed {
			_, err = s.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{}`)})
		} else {
			_, err = s.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task.TaskToken, Error: aws.String("No")})
		}
		if err != nil {
			t.Fatal(err)
		}
		want := types.ExecutionStatusSucceeded
		if !succeed {
			want = types.ExecutionStatusFailed
		}
		if d := s.waitStatus(exec, want); d.Status != want {
			t.Fatalf("%s, want %s: %s", d.Status, want, aws.ToString(d.Cause))
		}
	}

	label := `{state_machine="` + machine + `"}`
	want := map[string]string{
		"LambdaFunctionsScheduled" + label:             "3",
		"LambdaFunctionsStarted" + label:               "3",
		"LambdaFunctionsSucceeded" + label:             "3",
		"LambdaFunctionTime_count" + label:             "3",
		"LambdaFunctionScheduleTime_count" + label:     "3",
		"LambdaFunctionRunTime_count" + label:          "3",
		"ServiceIntegrationsScheduled" + label:         "3",
		"ServiceIntegrationsStarted" + label:           "3",
		"ServiceIntegrationsSucceeded" + label:         "3",
		"ServiceIntegrationTime_count" + label:         "3",
		"ServiceIntegrationScheduleTime_count" + label: "3",
		"ServiceIntegrationRunTime_count" + label:      "3",
		"ActivitiesScheduled" + label:                  "3",
		"ActivitiesStarted" + label:                    "3",
		"ActivitiesSucceeded" + label:                  "2",
		"ActivitiesFailed" + label:                     "1",
		"ActivityTime_count" + label:                   "3",
		"ActivityScheduleTime_count" + label:           "3",
		"ActivityRunTime_count" + label:                "3",
		"ExecutionsSucceeded" + label:                  "2",
		"ExecutionsFailed" + label:                     "1",
	}
	var got map[string]string
	// The engine counts a step once it has committed, just after the
	// execution's end is visible: give it a moment.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got = scrape(t, s.addr)
		missing := false
		for k, v := range want {
			missing = missing || got[k] != v
		}
		if !missing || time.Now().After(deadline) {
			break
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %s", k, got[k], v)
		}
	}
	// A task's time is its schedule time and its run time.
	for _, p := range []string{"Activity", "LambdaFunction", "ServiceIntegration"} {
		var total, schedule, run float64
		fmt.Sscan(got[p+"Time_sum"+label], &total)
		fmt.Sscan(got[p+"ScheduleTime_sum"+label], &schedule)
		fmt.Sscan(got[p+"RunTime_sum"+label], &run)
		if total <= 0 || math.Abs(total-schedule-run) > 0.001*total+0.01 {
			t.Errorf("%sTime_sum %v, want > 0 and ScheduleTime_sum %v + RunTime_sum %v", p, total, schedule, run)
		}
	}
	if n := lambda.calls("echo"); n != 6 {
		t.Errorf("echo invoked %d times, want 6", n)
	}
}
