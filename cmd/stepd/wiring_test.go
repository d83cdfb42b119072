package main

import (
	"strings"
	"testing"

	"github.com/stepd/stepd/asl"
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
