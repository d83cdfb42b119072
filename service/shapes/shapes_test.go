package shapes_test

import (
	"testing"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/service/shapes"
)

func check(t *testing.T, arn, result string, mode shapes.Mode) string {
	t.Helper()
	r, err := asl.ParseResource(arn)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := shapes.ForResource(r)
	if !ok {
		return "(unknown)"
	}
	if err := s.Validate(jsonvalue.MustParse(result), mode); err != nil {
		return err.Error()
	}
	return ""
}

// TestValidate: results are checked against their API's output shape, in
// Step Functions' case, by mode.
func TestValidate(t *testing.T) {
	cases := []struct {
		arn, result string
		mode        shapes.Mode
		want        string
	}{
		{"arn:aws:states:::states:startExecution", `{}`, shapes.Strict, "Required field 'ExecutionArn' is missing"},
		{"arn:aws:states:::states:startExecution", `{}`, shapes.Present, ""},
		{"arn:aws:states:::states:startExecution", `{"ExecutionArn":"a","StartDate":1}`, shapes.Strict, "Field 'StartDate' must be a string"},
		{"arn:aws:states:::lambda:invoke", `{"StatusCode":"200"}`, shapes.Strict, "Field 'StatusCode' must be a number"},
		{"arn:aws:states:::lambda:invoke", `{"StatusCode":200,"Payload":{"any":["json"]}}`, shapes.Strict, ""},
		{"arn:aws:states:::events:putEvents", `{"Entries":[{"EventId":"a"},{"EventId":[1]}]}`, shapes.Strict, "Field 'EventId' must be a string"},
		{"arn:aws:states:::events:putEvents", `{"random":"json"}`, shapes.Strict, ""},
		{"arn:aws:states:::aws-sdk:s3:getObject", `{"StorageClass":"Papyrus"}`, shapes.Present, "Field 'StorageClass' is not an expected value"},
		{"arn:aws:states:::aws-sdk:kms:encrypt", `{"CiphertextBlob":""}`, shapes.Strict, "Field 'CiphertextBlob' is smaller than the minimum length"},
		{"arn:aws:states:::aws-sdk:lambda:getFunction", `{"Configuration":{"MemorySize":127}}`, shapes.Present, "Field 'MemorySize' is less than the minimum value"},
		{"arn:aws:states:::dynamodb:putItem", `{"ConsumedCapacity":{"CapacityUnits":"1.5"}}`, shapes.Strict, "Field 'CapacityUnits' must be a number"},
		{"arn:aws:states:::aws-sdk:sfn:describeExecution", `{"ExecutionArn":"a"}`, shapes.Strict, "Required field 'StateMachineArn' is missing"},
		{"arn:aws:states:::states:startExecution.sync:2", `{"ExecutionArn":"a","StateMachineArn":"m","Status":"SUCCEEDED","StartDate":"d","Output":{"o":1}}`, shapes.Strict, ""},
		{"arn:aws:states:::sqs:sendMessage.waitForTaskToken", `{"anything":1}`, shapes.Strict, "(unknown)"},
		{"arn:aws:states:::http:invoke", `1`, shapes.Strict, "(unknown)"},
		{"arn:aws:lambda:us-east-1:123456789012:function:f", `1`, shapes.Strict, "(unknown)"},
		{"arn:aws:states:::aws-sdk:nosuchservice:doIt", `1`, shapes.Strict, "(unknown)"},
	}
	for _, c := range cases {
		if got := check(t, c.arn, c.result, c.mode); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.arn, c.result, got, c.want)
		}
	}
}
