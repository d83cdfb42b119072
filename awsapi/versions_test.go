package awsapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// ctxDef answers the context object's state machine and the definition's mark.
const ctxDef = `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"mark":"R1","id.$":"$$.StateMachine.Id","name.$":"$$.StateMachine.Name"},"End":true}}}`

func TestVersions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	name := uniqueName("ver")
	_, err := e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(ctxDef),
		RoleArn: aws.String(roleARN), VersionDescription: aws.String("v1")})
	wantCode(t, err, "ValidationException", "Version description can only be set when publish is true")
	created, err := e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(ctxDef),
		RoleArn: aws.String(roleARN), Publish: true, VersionDescription: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	arn := *created.StateMachineArn
	if created.StateMachineVersionArn == nil || *created.StateMachineVersionArn != arn+":1" {
		t.Fatalf("create with publish: %+v", created)
	}
	v1 := arn + ":1"
	d, err := e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(v1)})
	if err != nil {
		t.Fatal(err)
	}
	if *d.StateMachineArn != v1 || *d.Description != "first" || *d.Definition != ctxDef || d.RevisionId != nil || *d.Name != name {
		t.Fatalf("describe version 1: %+v", d)
	}
	// Publishing the unchanged revision answers version 1.
	p, err := e.sfn.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn)})
	if err != nil || *p.StateMachineVersionArn != v1 {
		t.Fatalf("publish again: %+v %v", p, err)
	}
	def2 := strings.Replace(ctxDef, "R1", "R2", 1)
	up, err := e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(def2)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.sfn.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn), RevisionId: aws.String("stale")})
	wantCode(t, err, "ConflictException", "Failed to publish the State Machine version for revision stale. The current State Machine revision is "+*up.RevisionId+".")
	p, err = e.sfn.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn), RevisionId: up.RevisionId,
		Description: aws.String("second")})
	if err != nil || *p.StateMachineVersionArn != arn+":2" {
		t.Fatalf("publish revision 2: %+v %v", p, err)
	}
	v2 := arn + ":2"
	list, err := e.sfn.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(arn), MaxResults: 1})
	if err != nil || len(list.StateMachineVersions) != 1 || *list.StateMachineVersions[0].StateMachineVersionArn != v2 || list.NextToken == nil {
		t.Fatalf("list versions, page 1: %+v %v", list, err)
	}
	list, err = e.sfn.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: aws.String(arn), NextToken: list.NextToken})
	if err != nil || len(list.StateMachineVersions) != 1 || *list.StateMachineVersions[0].StateMachineVersionArn != v1 || list.NextToken != nil {
		t.Fatalf("list versions, page 2: %+v %v", list, err)
	}

	// An execution keeps the version it started on, and sees it in $$.
	started, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(v1)})
	if err != nil {
		t.Fatal(err)
	}
	x := e.waitDone(*started.ExecutionArn)
	if *x.StateMachineArn != arn || x.StateMachineVersionArn == nil || *x.StateMachineVersionArn != v1 || x.StateMachineAliasArn != nil ||
		*x.Output != `{"mark":"R1","id":"`+v1+`","name":"`+name+`"}` {
		t.Fatalf("execution of version 1: %+v output %s", x, aws.ToString(x.Output))
	}
	plain, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	e.waitDone(*plain.ExecutionArn)
	execs, err := e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(v1)})
	if err != nil || len(execs.Executions) != 1 || *execs.Executions[0].StateMachineVersionArn != v1 {
		t.Fatalf("executions of version 1: %+v %v", execs, err)
	}

	// Quota and deletion.
	_, err = e.sfn.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(v2)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.sfn.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(v2)})
	if err != nil {
		t.Fatalf("deleting a deleted version: %v", err)
	}
	_, err = e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(v2)})
	wantCode(t, err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '"+v2+"'")
	_, err = e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(v2)})
	wantCode(t, err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '"+v2+"'")
	p, err = e.sfn.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn)})
	if err != nil || *p.StateMachineVersionArn != arn+":3" {
		t.Fatalf("publish after a deletion: %+v %v (numbers are not reused)", p, err)
	}
	_, err = e.sfn.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(v1)})
	wantCode(t, err, "StateMachineDoesNotExist", "")
}

func TestAliases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	name := uniqueName("alias")
	created, err := e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(ctxDef),
		RoleArn: aws.String(roleARN), Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	arn := *created.StateMachineArn
	up, err := e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn),
		Definition: aws.String(strings.Replace(ctxDef, "R1", "R2", 1)), Publish: true})
	if err != nil || aws.ToString(up.StateMachineVersionArn) != arn+":2" {
		t.Fatalf("update with publish: %+v %v", up, err)
	}
	v1, v2 := arn+":1", arn+":2"
	route := func(pairs ...any) []types.RoutingConfigurationListItem {
		var out []types.RoutingConfigurationListItem
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, types.RoutingConfigurationListItem{StateMachineVersionArn: aws.String(pairs[i].(string)), Weight: int32(pairs[i+1].(int))})
		}
		return out
	}
	for _, c := range []struct {
		name, alias string
		routes      []types.RoutingConfigurationListItem
		code, msg   string
	}{
		{"machine ARN", "a", route(arn, 100), "ValidationException", "Routing configuration must contain state machine version ARNs. Received: [" + arn + "]"},
		{"duplicate", "a", route(v1, 50, v1, 50), "ValidationException",
			"Routing configuration must contain distinct state machine version ARNs. Received: [" + v1 + ", " + v1 + "]"},
		{"sum", "a", route(v1, 70, v2, 29), "ValidationException", "Sum of routing configuration weights must equal 100. Received: [70, 29]"},
		{"weight", "a", route(v1, 101), "ValidationException",
			"1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"three", "a", route(v1, 50, v2, 30, arn+":3", 20), "ValidationException", ""},
		{"digits", "123", route(v1, 100), "ValidationException",
			`1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`},
		{"space", "INVALID ALIAS", route(v1, 100), "ValidationException", ""},
		{"missing version", "a", route(arn+":9", 100), "ResourceNotFound", "Request references a resource that does not exist."},
	} {
		_, err := e.sfn.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String(c.alias), RoutingConfiguration: c.routes})
		if c.msg == "" {
			if apiCode(err) != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
			continue
		}
		wantCode(t, err, c.code, c.msg)
	}

	a, err := e.sfn.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("PROD"), Description: aws.String("d"),
		RoutingConfiguration: route(v1, 90, v2, 10)})
	if err != nil || *a.StateMachineAliasArn != arn+":PROD" {
		t.Fatalf("create alias: %+v %v", a, err)
	}
	again, err := e.sfn.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("PROD"), Description: aws.String("d"),
		RoutingConfiguration: route(v1, 90, v2, 10)})
	if err != nil || !again.CreationDate.Equal(*a.CreationDate) {
		t.Fatalf("create the same alias again: %+v %v", again, err)
	}
	_, err = e.sfn.CreateStateMachineAlias(ctx, &sfn.CreateStateMachineAliasInput{Name: aws.String("PROD"), RoutingConfiguration: route(v1, 100)})
	wantCode(t, err, "ConflictException", "Failed to create alias because an alias with the same name and a different routing configuration already exists.")
	_, err = e.sfn.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(v2)})
	wantCode(t, err, "ConflictException", "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [PROD]")

	// 1,000 starts on a 90/10 alias land within ±5 points of 90/10.
	counts := map[string]int{}
	for range 1000 {
		s, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: a.StateMachineAliasArn})
		if err != nil {
			t.Fatal(err)
		}
		x, err := e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: s.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(x.StateMachineAliasArn) != *a.StateMachineAliasArn {
			t.Fatalf("execution on an alias: %+v", x)
		}
		counts[aws.ToString(x.StateMachineVersionArn)]++
	}
	if n := counts[v1]; n < 850 || n > 950 || counts[v1]+counts[v2] != 1000 {
		t.Fatalf("90/10 routing over 1000 starts: %v", counts)
	}
	t.Logf("90/10 routing over 1000 starts: %d/%d", counts[v1], counts[v2])
	execs, err := e.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: a.StateMachineAliasArn, MaxResults: 1000})
	if err != nil || len(execs.Executions) != 1000 {
		t.Fatalf("executions of the alias: %d %v", len(execs.Executions), err)
	}
	x := e.waitDone(*execs.Executions[0].ExecutionArn)
	if !strings.Contains(*x.Output, `"id":"`+arn+`:PROD"`) {
		t.Fatalf("$$.StateMachine.Id of an alias's execution: %s", *x.Output)
	}

	_, err = e.sfn.UpdateStateMachineAlias(ctx, &sfn.UpdateStateMachineAliasInput{StateMachineAliasArn: a.StateMachineAliasArn, RoutingConfiguration: route(v1, 100)})
	if err != nil {
		t.Fatal(err)
	}
	da, err := e.sfn.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: a.StateMachineAliasArn})
	if err != nil || *da.Name != "PROD" || *da.Description != "d" || len(da.RoutingConfiguration) != 1 || da.RoutingConfiguration[0].Weight != 100 {
		t.Fatalf("describe alias: %+v %v", da, err)
	}
	_, err = e.sfn.UpdateStateMachineAlias(ctx, &sfn.UpdateStateMachineAliasInput{StateMachineAliasArn: aws.String(arn + ":nope"), Description: aws.String("x")})
	wantCode(t, err, "ResourceNotFound", "Request references a resource that does not exist.")
	if _, err := e.sfn.DeleteStateMachineVersion(ctx, &sfn.DeleteStateMachineVersionInput{StateMachineVersionArn: aws.String(v2)}); err != nil {
		t.Fatalf("deleting a version no alias routes to any more: %v", err)
	}
	la, err := e.sfn.ListStateMachineAliases(ctx, &sfn.ListStateMachineAliasesInput{StateMachineArn: aws.String(arn)})
	if err != nil || len(la.StateMachineAliases) != 1 {
		t.Fatalf("list aliases: %+v %v", la, err)
	}
	if _, err := e.sfn.DeleteStateMachineAlias(ctx, &sfn.DeleteStateMachineAliasInput{StateMachineAliasArn: a.StateMachineAliasArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sfn.DeleteStateMachineAlias(ctx, &sfn.DeleteStateMachineAliasInput{StateMachineAliasArn: a.StateMachineAliasArn}); err != nil {
		t.Fatalf("deleting a deleted alias: %v", err)
	}
	_, err = e.sfn.DescribeStateMachineAlias(ctx, &sfn.DescribeStateMachineAliasInput{StateMachineAliasArn: a.StateMachineAliasArn})
	wantCode(t, err, "ResourceNotFound", "")
}

func TestLoggingDestinationIsALogGroup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, arn := range []string{"not-an-arn", "arn:aws:s3:::bucket", "arn:aws:logs:us-east-1:123456789012:destination:d"} {
		_, err := e.sfn.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String(uniqueName("log")), Definition: aws.String(passDef),
			RoleArn: aws.String(roleARN), LoggingConfiguration: &types.LoggingConfiguration{Level: types.LogLevelAll,
				Destinations: []types.LogDestination{{CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{LogGroupArn: aws.String(arn)}}}}})
		wantCode(t, err, "InvalidLoggingConfiguration", "Invalid Logging Configuration: The log destination must be a CloudWatch Logs log group ARN "+
			"(arn:<partition>:logs:<region>:<account>:log-group:<name>:*): '"+arn+"'")
	}
}

func TestEncryptionConfiguration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(uniqueName("enc")), Definition: aws.String(passDef),
		RoleArn: aws.String(roleARN), EncryptionConfiguration: &types.EncryptionConfiguration{Type: types.EncryptionTypeCustomerManagedKmsKey}})
	wantCode(t, err, "InvalidEncryptionConfiguration", "Invalid Encryption Configuration: kmsKeyId is required when type is CUSTOMER_MANAGED_KMS_KEY")
	created, err := e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(uniqueName("enc")), Definition: aws.String(passDef),
		RoleArn: aws.String(roleARN), EncryptionConfiguration: &types.EncryptionConfiguration{Type: types.EncryptionTypeCustomerManagedKmsKey,
			KmsKeyId: aws.String("alias/key")}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn})
	if err != nil || d.EncryptionConfiguration == nil || d.EncryptionConfiguration.Type != types.EncryptionTypeCustomerManagedKmsKey ||
		aws.ToString(d.EncryptionConfiguration.KmsKeyId) != "alias/key" || aws.ToInt32(d.EncryptionConfiguration.KmsDataKeyReusePeriodSeconds) != 300 {
		t.Fatalf("described: %+v %v", d.EncryptionConfiguration, err)
	}
	// An update with only the encryption configuration is accepted.
	if _, err := e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: created.StateMachineArn,
		EncryptionConfiguration: &types.EncryptionConfiguration{Type: types.EncryptionTypeAwsOwnedKey}}); err != nil {
		t.Fatal(err)
	}
	d, err = e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn})
	if err != nil || d.EncryptionConfiguration == nil || d.EncryptionConfiguration.Type != types.EncryptionTypeAwsOwnedKey || d.EncryptionConfiguration.KmsKeyId != nil {
		t.Fatalf("after the update: %+v %v", d.EncryptionConfiguration, err)
	}
}

// Without one, AWS describes the default, AWS_OWNED_KEY, for a state machine
// and an execution's machine (its recordings, test_sfn_api_variable_references),
// and stepd for an activity, whose only kind it is.
func TestEncryptionConfigurationDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	arn := e.machine("STANDARD", passDef)
	d, err := e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil || d.EncryptionConfiguration == nil || d.EncryptionConfiguration.Type != types.EncryptionTypeAwsOwnedKey || d.EncryptionConfiguration.KmsKeyId != nil {
		t.Fatalf("DescribeStateMachine: %+v %v", d.EncryptionConfiguration, err)
	}
	x, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.sfn.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: x.ExecutionArn})
	if err != nil || f.EncryptionConfiguration == nil || f.EncryptionConfiguration.Type != types.EncryptionTypeAwsOwnedKey {
		t.Fatalf("DescribeStateMachineForExecution: %+v %v", f.EncryptionConfiguration, err)
	}
	act, err := e.sfn.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(uniqueName("act")),
		EncryptionConfiguration: &types.EncryptionConfiguration{Type: types.EncryptionTypeAwsOwnedKey}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.sfn.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: act.ActivityArn})
	if err != nil || a.EncryptionConfiguration == nil || a.EncryptionConfiguration.Type != types.EncryptionTypeAwsOwnedKey {
		t.Fatalf("DescribeActivity: %+v %v", a.EncryptionConfiguration, err)
	}
	_, err = e.sfn.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String(uniqueName("act")),
		EncryptionConfiguration: &types.EncryptionConfiguration{Type: types.EncryptionTypeCustomerManagedKmsKey, KmsKeyId: aws.String("alias/k")}})
	wantCode(t, err, "InvalidEncryptionConfiguration", "Invalid Encryption Configuration: stepd keeps no customer-managed KMS key for an activity; only AWS_OWNED_KEY is accepted (docs/api.md)")
}

// TestVersionsAsRecorded: the answers LocalStack's test_sfn_api_versioning
// snapshot recorded against AWS and TestVersions does not check: an update
// of a version ARN, an update that changes nothing with publish (the
// existing version, no revisionId), DescribeStateMachineForExecution of an
// execution of a version (the machine's ARN, the version's revisionId), and
// PublishStateMachineVersion of an unknown machine and of a bad ARN.
func TestVersionsAsRecorded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const def = `{"Comment":"BASE_PASS_RESULT","StartAt":"State_1","States":{"State_1":{"Type":"Pass","Result":{"Arg1":"argument1"},"End":true}}}`
	arn := e.machine("STANDARD", def)

	up, err := e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(def), Publish: true})
	if err != nil || aws.ToString(up.StateMachineVersionArn) != arn+":1" || up.RevisionId != nil || up.UpdateDate == nil {
		t.Fatalf("an unchanged update with publish: %+v %v", up, err)
	}
	up, err = e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(def), Publish: true})
	if err != nil || aws.ToString(up.StateMachineVersionArn) != arn+":1" || up.RevisionId != nil {
		t.Fatalf("the same again: %+v %v", up, err)
	}
	def2 := strings.Replace(def, "BASE_PASS_RESULT", "BASE_PASS_RESULT-R2", 1)
	up, err = e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(def2), Publish: true})
	if err != nil || aws.ToString(up.StateMachineVersionArn) != arn+":2" || up.RevisionId == nil {
		t.Fatalf("an update with publish: %+v %v", up, err)
	}
	for _, publish := range []bool{false, true} {
		_, err = e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn + ":2"), Definition: aws.String(def), Publish: publish})
		wantCode(t, err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '"+arn+":2'")
	}

	start, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn + ":2")})
	if err != nil {
		t.Fatal(err)
	}
	e.waitDone(*start.ExecutionArn)
	d, err := e.sfn.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil || *d.StateMachineArn != arn || *d.Definition != def2 || aws.ToString(d.RevisionId) != *up.RevisionId || d.UpdateDate == nil {
		t.Fatalf("the machine of an execution of version 2: %+v %v", d, err)
	}

	_, err = e.sfn.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn + "-none")})
	wantCode(t, err, "StateMachineDoesNotExist", "State Machine Does Not Exist: '"+arn+"-none'")
	_, err = e.sfn.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String("invalid_arn")})
	wantCode(t, err, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: invalid_arn'")
}
