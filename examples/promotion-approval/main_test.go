package main

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/examples/internal/demo"
)

func TestPromotionApproval(t *testing.T) {
	tests := []struct {
		name    string
		approve bool
		status  types.ExecutionStatus
		output  string
		err     string
		cause   string
	}{
		{name: "the approve link", approve: true, status: types.ExecutionStatusSucceeded, output: `"Approve link was clicked."`},
		{name: "the reject link", approve: false, status: types.ExecutionStatusFailed, err: "Rejected", cause: "Reject link was clicked."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			d, err := run(ctx, io.Discard, tt.approve)
			if err != nil {
				t.Fatal(err)
			}
			output, errName, cause := aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause)
			if d.Status != tt.status || output != tt.output || errName != tt.err || cause != tt.cause {
				t.Errorf("%s output=%s error=%s cause=%s", d.Status, output, errName, cause)
			}
		})
	}
}

// TestMain removes the stepd the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	demo.Cleanup()
	os.Exit(code)
}
