package awsapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/awsapi"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store/memory"
)

// TestCheckResourceRefusesWhatStepdCannotRun: a definition whose Task
// resources the CheckResource hook refuses is an InvalidDefinition that names
// each resource and where it is; others are created as before.
func TestCheckResourceRefusesWhatStepdCannotRun(t *testing.T) {
	t.Parallel()
	h := awsapi.New(awsapi.Options{Service: service.New(service.Options{Store: memory.New()}), CheckResource: func(r asl.Resource) error {
		if r.Kind == asl.ResourceIntegration && r.Service == "batch" {
			return fmt.Errorf("the resource %s is not supported by this stepd", r.ARN)
		}
		return nil
	}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
	ctx := context.Background()
	role := aws.String("arn:aws:iam::123456789012:role/r")

	bad := `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"J","States":{
		"J":{"Type":"Task","Resource":"arn:aws:states:::batch:submitJob.sync","End":true}}}],"End":true}}}`
	_, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad"), RoleArn: role, Definition: aws.String(bad)})
	var invalid *types.InvalidDefinition
	if !errors.As(err, &invalid) || !strings.Contains(invalid.ErrorMessage(), "arn:aws:states:::batch:submitJob.sync is not supported by this stepd") ||
		!strings.Contains(invalid.ErrorMessage(), "/States/P/Branches/0/States/J/Resource") {
		t.Fatalf("CreateStateMachine: %v", err)
	}

	good := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","End":true}}}`
	out, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("good"), RoleArn: role, Definition: aws.String(good)})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	_, err = client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: out.StateMachineArn, Definition: aws.String(bad)})
	if !errors.As(err, &invalid) {
		t.Fatalf("UpdateStateMachine with a resource stepd cannot run: %v", err)
	}
}
