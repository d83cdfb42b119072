package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/config"
	"github.com/stepd/stepd/runner/lambda"
)

func TestTasksCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := write(t, dir, "stepd.yaml", "functions:\n  f: {handler: app.handler, runtime: python3}\nservices:\n  default: {endpoint: 'http://127.0.0.1:1'}\n")
	tasks, err := loadTasks(cfg, taskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tasks.Close)
	tests := map[string]string{ // resource → "" when stepd can run it, else a part of the error
		"arn:aws:lambda:eu-west-1:1:function:f":              "",
		"arn:aws:lambda:eu-west-1:1:function:not-configured": "", // fails at run time, as on AWS
		"arn:aws:states:us-east-1:1:activity:a":              "",
		"arn:aws:states:::lambda:invoke":                     "",
		"arn:aws:states:::lambda:invoke.waitForTaskToken":    "",
		"arn:aws:states:::lambda:invoke.sync":                "lambda:invoke runs as request-response or .waitForTaskToken",
		"arn:aws:states:::http:invoke":                       "",
		"arn:aws:states:::sqs:sendMessage.waitForTaskToken":  "",
		"arn:aws:states:::sns:publish":                       "",
		"arn:aws:states:::dynamodb:putItem":                  "",
		"arn:aws:states:::aws-sdk:dynamodb:scan":             "",
		"arn:aws:states:::aws-sdk:s3:getObject":              "",
		"arn:aws:states:::sqs:receiveMessage":                "the optimized sqs integration offers sendMessage",
		"arn:aws:states:::batch:submitJob.sync":              "is not supported by this stepd",
		"arn:aws:states:::aws-sdk:ec2:describeInstances":     "is not supported by this stepd",
		"arn:aws:states:::aws-sdk:sqs:sendMessages":          "sqs has no action sendMessages",
	}
	for arn, want := range tests {
		res, err := asl.ParseResource(arn)
		if err != nil {
			t.Fatal(err)
		}
		err = tasks.Check(res)
		switch {
		case want == "" && err != nil:
			t.Errorf("Check(%s) = %v, want ok", arn, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), arn)):
			t.Errorf("Check(%s) = %v, want an error naming it with %q", arn, err, want)
		}
	}
}

func TestLoadTasksRefusesAnUnknownService(t *testing.T) {
	t.Parallel()
	cfg := write(t, t.TempDir(), "stepd.yaml", "services:\n  ec2: {endpoint: 'http://127.0.0.1:1'}\n")
	if _, err := loadTasks(cfg, taskOptions{}); err == nil || !strings.Contains(err.Error(), `no integration with "ec2"`) {
		t.Fatalf("error %v", err)
	}
}

func TestLoadTasksRefusesABadAllowedHost(t *testing.T) {
	t.Parallel()
	cfg := write(t, t.TempDir(), "stepd.yaml", "http:\n  allowed_hosts: ['api.example.com', 'https://api.example.org/v1']\n")
	_, err := loadTasks(cfg, taskOptions{})
	if err == nil || !strings.Contains(err.Error(), `http.allowed_hosts: "https://api.example.org/v1": give a host ("api.example.org"), not a URL`) {
		t.Fatalf("error %v", err)
	}
}

// A command function with no concurrency configured still runs at most 10
// programs at once: 30 invocations at once never see more than 10 running.
func TestCommandFunctionsAreBoundedByDefault(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Each program leaves a file while it runs, counts the files, and says
	// how many it saw.
	script := `touch "$D/$$"; n=$(ls "$D" | wc -l); sleep 0.2; rm "$D/$$"; echo "{\"n\": $n}"`
	cfg := &config.Config{Functions: map[string]config.Function{"f": {Command: []string{"sh", "-c", script}, Env: map[string]string{"D": dir}}}}
	tk := &tasks{}
	reg, err := tk.functions(cfg, taskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var most atomic.Int64
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			resp, err := reg["f"].Invoke(context.Background(), &lambda.Invocation{FunctionName: "f", RequestID: fmt.Sprint(i), Payload: []byte("{}")})
			if err != nil || resp.FunctionError != "" {
				t.Errorf("invoke: %v %+v", err, resp)
				return
			}
			var out struct{ N int64 }
			if err := json.Unmarshal(resp.Payload, &out); err != nil {
				t.Errorf("%s: %v", resp.Payload, err)
				return
			}
			for m := most.Load(); out.N > m && !most.CompareAndSwap(m, out.N); m = most.Load() {
			}
		})
	}
	wg.Wait()
	if m := most.Load(); m > 10 || m < 1 {
		t.Fatalf("at most %d programs ran at once, want 1..10", m)
	}
}
