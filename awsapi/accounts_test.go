package awsapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/auth"
	"github.com/stepd/stepd/awsapi"
)

// accountsEnv is the API with SigV4 verified for two accounts, and the SDK's
// client of each.
type accountsEnv struct {
	*env
	alice, bob *sfn.Client
}

func newAccountsEnv(t *testing.T) *accountsEnv {
	t.Helper()
	v, err := auth.NewVerifier([]auth.Credential{
		{AccessKeyID: "AKIDALICE", SecretAccessKey: "alice-secret", Account: "111111111111"},
		{AccessKeyID: "AKIDBOB", SecretAccessKey: "bob-secret", Account: "222222222222"},
	}, "us-east-1", "states", nil)
	if err != nil {
		t.Fatal(err)
	}
	a := &auth.Authenticator{Verifier: v}
	e := newEnvWith(t, func(o *awsapi.Options) { o.Authenticate = a.Authenticate })
	ae := &accountsEnv{env: e, alice: newClientAs(e.server, "AKIDALICE", "alice-secret"), bob: newClientAs(e.server, "AKIDBOB", "bob-secret")}
	e.sfn = ae.alice // the env's helpers act for Alice
	return ae
}

func TestAccountsAreApart(t *testing.T) {
	e := newAccountsEnv(t)
	ctx := context.Background()
	const wait = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`

	// Alice's machine, activity, executions and task token.
	m, err := e.alice.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"), Definition: aws.String(wait), RoleArn: aws.String(roleARN)})
	if err != nil {
		t.Fatal(err)
	}
	machine := *m.StateMachineArn
	if machine != "arn:aws:states:us-east-1:111111111111:stateMachine:m" {
		t.Fatalf("Alice's machine is %s", machine)
	}
	act, err := e.alice.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("approve")})
	if err != nil {
		t.Fatal(err)
	}
	activity := *act.ActivityArn
	worker, err := e.alice.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("worker"), RoleArn: aws.String(roleARN),
		Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + activity + `","End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	x, err := e.alice.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: m.StateMachineArn, Name: aws.String("x")})
	if err != nil {
		t.Fatal(err)
	}
	execution := *x.ExecutionArn
	w, err := e.alice.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: worker.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	task, err := e.alice.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: &activity})
	if err != nil || task.TaskToken == nil {
		t.Fatalf("Alice's task: %v", err)
	}
	if _, err := e.alice.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: &machine, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}

	// Bob makes his own of the same names, and sees nothing of Alice's.
	bm, err := e.bob.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"), Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), RoleArn: aws.String(roleARN)})
	if err != nil || *bm.StateMachineArn != "arn:aws:states:us-east-1:222222222222:stateMachine:m" {
		t.Fatalf("Bob's machine: %v %v", bm, err)
	}
	if _, err := e.bob.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: bm.StateMachineArn, Name: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	notFound := map[string]struct {
		call func() error
		code string
		msg  string
	}{
		"DescribeStateMachine": {func() error {
			_, err := e.bob.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &machine})
			return err
		}, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + machine + "'"},
		"UpdateStateMachine": {func() error {
			_, err := e.bob.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &machine, Definition: aws.String(wait)})
			return err
		}, "StateMachineDoesNotExist", ""},
		"StartExecution": {func() error {
			_, err := e.bob.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &machine})
			return err
		}, "StateMachineDoesNotExist", ""},
		"ListExecutions of her machine": {func() error {
			_, err := e.bob.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &machine})
			return err
		}, "StateMachineDoesNotExist", ""},
		"DescribeExecution": {func() error {
			_, err := e.bob.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &execution})
			return err
		}, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + execution + "'"},
		"StopExecution": {func() error {
			_, err := e.bob.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: &execution})
			return err
		}, "ExecutionDoesNotExist", ""},
		"GetExecutionHistory": {func() error {
			_, err := e.bob.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &execution})
			return err
		}, "ExecutionDoesNotExist", ""},
		"DescribeStateMachineForExecution": {func() error {
			_, err := e.bob.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: &execution})
			return err
		}, "ExecutionDoesNotExist", ""},
		"DescribeActivity": {func() error {
			_, err := e.bob.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: &activity})
			return err
		}, "ActivityDoesNotExist", ""},
		"GetActivityTask": {func() error {
			_, err := e.bob.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: &activity})
			return err
		}, "ActivityDoesNotExist", ""},
		"SendTaskSuccess": {func() error {
			_, err := e.bob.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String("{}")})
			return err
		}, "InvalidToken", ""},
		"SendTaskHeartbeat": {func() error {
			_, err := e.bob.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken})
			return err
		}, "InvalidToken", ""},
		"ListTagsForResource": {func() error {
			_, err := e.bob.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: &machine})
			return err
		}, "ResourceNotFound", ""},
		"TagResource": {func() error {
			_, err := e.bob.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: &activity, Tags: []types.Tag{{Key: aws.String("k")}}})
			return err
		}, "ResourceNotFound", ""},
	}
	for name, c := range notFound {
		t.Run(name, func(t *testing.T) { wantCode(t, c.call(), c.code, c.msg) })
	}

	// Deleting what does not exist succeeds, as on AWS, and deletes nothing.
	if _, err := e.bob.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: &machine}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.bob.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: &activity}); err != nil {
		t.Fatal(err)
	}

	// Listings keep to the caller's account.
	bl, err := e.bob.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil || len(bl.StateMachines) != 1 || *bl.StateMachines[0].StateMachineArn != *bm.StateMachineArn {
		t.Fatalf("Bob's machines: %+v %v", bl, err)
	}
	ba, err := e.bob.ListActivities(ctx, &sfn.ListActivitiesInput{})
	if err != nil || len(ba.Activities) != 0 {
		t.Fatalf("Bob's activities: %+v %v", ba, err)
	}
	bx, err := e.bob.ListExecutions(ctx, &sfn.ListExecutionsInput{})
	if err != nil || len(bx.Executions) != 1 || !strings.HasPrefix(*bx.Executions[0].ExecutionArn, "arn:aws:states:us-east-1:222222222222:") {
		t.Fatalf("Bob's executions: %+v %v", bx, err)
	}
	al, err := e.alice.ListStateMachines(ctx, &sfn.ListStateMachinesInput{MaxResults: 1})
	if err != nil || len(al.StateMachines) != 1 || al.NextToken == nil {
		t.Fatalf("Alice's first page: %+v %v", al, err)
	}
	_, err = e.bob.ListStateMachines(ctx, &sfn.ListStateMachinesInput{NextToken: al.NextToken})
	wantCode(t, err, "InvalidToken", "")
	al2, err := e.alice.ListStateMachines(ctx, &sfn.ListStateMachinesInput{NextToken: al.NextToken})
	if err != nil || len(al2.StateMachines) != 1 || al2.NextToken != nil || *al2.StateMachines[0].Name != "worker" {
		t.Fatalf("Alice's second page: %+v %v", al2, err)
	}
	ax, err := e.alice.ListExecutions(ctx, &sfn.ListExecutionsInput{})
	if err != nil || len(ax.Executions) != 2 {
		t.Fatalf("Alice's executions: %+v %v", ax, err)
	}

	// Alice's things are all there, and work.
	if _, err := e.alice.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &machine}); err != nil {
		t.Fatal(err)
	}
	tags, err := e.alice.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: &machine})
	if err != nil || len(tags.Tags) != 1 {
		t.Fatalf("Alice's tags: %+v %v", tags, err)
	}
	if _, err := e.alice.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"ok":true}`)}); err != nil {
		t.Fatal(err)
	}
	if d := e.waitDone(*w.ExecutionArn); d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("Alice's worker execution: %s", d.Status)
	}
}

func TestAccountsRefuseWrongKeys(t *testing.T) {
	e := newAccountsEnv(t)
	ctx := context.Background()
	_, err := newClientAs(e.server, "AKIDALICE", "not-her-secret").ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	wantCode(t, err, "InvalidSignatureException", "")
	if !strings.HasPrefix(apiMessage(err), "The request signature we calculated does not match the signature you provided.") {
		t.Errorf("message %q", apiMessage(err))
	}
	_, err = newClientAs(e.server, "AKIDNOBODY", "x").ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	wantCode(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")

	// Unsigned: AWS's answer, in AWS's shape.
	req, _ := http.NewRequest(http.MethodPost, e.server.URL+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 400 || out.Type != "com.amazon.coral.service#MissingAuthenticationTokenException" || out.Message != "Request is missing Authentication Token" {
		t.Fatalf("unsigned: %d %+v", resp.StatusCode, out)
	}
}
