package awsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/runner/awssdk"
	"github.com/stepd/stepd/runner/awssdk/mototest"
	"github.com/stepd/stepd/service"
)

const passDef = `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"Arg1":"argument1"},"End":true}}}`

func TestStateMachineLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	name := uniqueName("life")
	created, err := e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(passDef), RoleArn: aws.String(roleARN),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantARN := "arn:aws:states:us-east-1:123456789012:stateMachine:" + name
	if *created.StateMachineArn != wantARN || created.CreationDate == nil {
		t.Fatalf("created %+v", created)
	}

	d, err := e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Definition != passDef || *d.Name != name || *d.RoleArn != roleARN || d.Type != types.StateMachineTypeStandard ||
		d.Status != types.StateMachineStatusActive || d.RevisionId != nil || !d.CreationDate.Equal(*created.CreationDate) {
		t.Fatalf("describe %+v", d)
	}
	if d.LoggingConfiguration == nil || d.LoggingConfiguration.Level != types.LogLevelOff || d.LoggingConfiguration.IncludeExecutionData ||
		d.TracingConfiguration == nil || d.TracingConfiguration.Enabled {
		t.Fatalf("configurations %+v %+v", d.LoggingConfiguration, d.TracingConfiguration)
	}

	// AWS's idempotency: the same request answers the same machine; a different
	// role is ignored; a different definition (even reformatted) is a conflict.
	for _, role := range []string{roleARN, "arn:aws:iam::123456789012:role/other"} {
		again, err := e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name: aws.String(name), Definition: aws.String(passDef), RoleArn: aws.String(role),
		})
		if err != nil {
			t.Fatalf("idempotent create: %v", err)
		}
		if *again.StateMachineArn != wantARN || !again.CreationDate.Equal(*created.CreationDate) {
			t.Fatalf("idempotent create %+v", again)
		}
	}
	_, err = e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(passDef + " "), RoleArn: aws.String(roleARN),
	})
	var exists *types.StateMachineAlreadyExists
	if !errors.As(err, &exists) || *exists.Message != "State Machine Already Exists: '"+wantARN+"'" {
		t.Fatalf("create with another definition: %v", err)
	}
	_, err = e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(passDef), RoleArn: aws.String(roleARN), Type: types.StateMachineTypeExpress,
	})
	wantCode(t, err, "StateMachineAlreadyExists", "")

	// An execution of the first revision keeps it.
	first, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: created.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	e.waitDone(*first.ExecutionArn)

	newDef := strings.Replace(passDef, "argument1", "AfterUpdate1", 1)
	up, err := e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: created.StateMachineArn, Definition: aws.String(newDef)})
	if err != nil {
		t.Fatal(err)
	}
	if up.RevisionId == nil || up.UpdateDate == nil {
		t.Fatalf("update %+v", up)
	}
	d, _ = e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn})
	if *d.Definition != newDef || d.RevisionId == nil || *d.RevisionId != *up.RevisionId {
		t.Fatalf("after update: %+v", d)
	}
	// The same parameters again make no new revision.
	same, err := e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: created.StateMachineArn, Definition: aws.String(newDef)})
	if err != nil || *same.RevisionId != *up.RevisionId {
		t.Fatalf("same update: %+v, %v", same, err)
	}
	// A new role is a new revision.
	role2 := "arn:aws:iam::123456789012:role/second"
	byRole, err := e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: created.StateMachineArn, RoleArn: aws.String(role2)})
	if err != nil || *byRole.RevisionId == *up.RevisionId {
		t.Fatalf("role update: %+v, %v", byRole, err)
	}
	_, err = e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: created.StateMachineArn})
	wantCode(t, err, "MissingRequiredParameter",
		"Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")
	_, err = e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: created.StateMachineArn, Definition: aws.String(`{"StartAt":"A"}`)})
	wantCode(t, err, "InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'")

	// The first execution still describes the revision it ran, with its role.
	fe, err := e.sfn.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: first.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if *fe.Definition != passDef || fe.RevisionId != nil || *fe.RoleArn != roleARN || *fe.Name != name || fe.UpdateDate == nil ||
		*fe.StateMachineArn != wantARN || fe.LoggingConfiguration == nil || fe.TracingConfiguration == nil {
		t.Fatalf("DescribeStateMachineForExecution %+v", fe)
	}
	second, _ := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: created.StateMachineArn})
	fe, err = e.sfn.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: second.ExecutionArn})
	if err != nil || *fe.Definition != newDef || *fe.RevisionId != *byRole.RevisionId || *fe.RoleArn != role2 {
		t.Fatalf("DescribeStateMachineForExecution after update %+v, %v", fe, err)
	}

	tags, err := e.sfn.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: created.StateMachineArn})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Key != "team" || *tags.Tags[0].Value != "core" {
		t.Fatalf("tags %+v, %v", tags, err)
	}

	if _, err := e.sfn.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: created.StateMachineArn}); err != nil {
		t.Fatal(err)
	}
	_, err = e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn})
	var gone *types.StateMachineDoesNotExist
	if !errors.As(err, &gone) || *gone.Message != "State Machine Does Not Exist: '"+wantARN+"'" {
		t.Fatalf("describe deleted: %v", err)
	}
	// Deleting again, or a machine that never was, succeeds as on AWS.
	if _, err := e.sfn.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: created.StateMachineArn}); err != nil {
		t.Fatal(err)
	}
	// The executions of a deleted machine stay.
	if _, err := e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: first.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
}

func TestCreateStateMachineErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long := strings.Repeat("n", 81)
	cases := []struct {
		name string
		in   sfn.CreateStateMachineInput
		code string
		msg  string
	}{
		{"schema", sfn.CreateStateMachineInput{Definition: aws.String(`{"StartAt":"A"}`)},
			"InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'"},
		{"several diagnostics", sfn.CreateStateMachineInput{Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"C":{"Type":"Pass","Next":"D"}}}`)},
			"InvalidDefinition", "Invalid State Machine Definition: ''MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next', " +
				"'MISSING_TRANSITION_TARGET: Missing 'Next' target: D at /States/C/Next', 'MISSING_END_STATE: Workflow has no terminal state''"},
		{"not JSON", sfn.CreateStateMachineInput{Definition: aws.String(`{"StartAt": `)}, "InvalidDefinition", ""},
		{"express activity", sfn.CreateStateMachineInput{Type: types.StateMachineTypeExpress,
			Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:x","End":true}}}`)},
			"InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support Activity ARN at /States/A/Resource'"},
		{"name with space", sfn.CreateStateMachineInput{Name: aws.String("bad name")}, "InvalidName", "Invalid Name: 'bad name'"},
		{"name with slash", sfn.CreateStateMachineInput{Name: aws.String("a/b")}, "InvalidName", "Invalid Name: 'a/b'"},
		{"name too long", sfn.CreateStateMachineInput{Name: aws.String(long)}, "InvalidName", "Invalid Name: '" + long + "'"},
		{"empty name", sfn.CreateStateMachineInput{Name: aws.String("")}, "InvalidName", "Invalid Name: ''"},
		{"control character", sfn.CreateStateMachineInput{Name: aws.String("a\u0085b")}, "InvalidName", ""},
		{"role", sfn.CreateStateMachineInput{RoleArn: aws.String("not-a-role")}, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: not-a-role'"},
		{"type", sfn.CreateStateMachineInput{Type: "FAST"}, "ValidationException",
			"1 validation error detected: Value 'FAST' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"},
		{"logging without destination", sfn.CreateStateMachineInput{LoggingConfiguration: &types.LoggingConfiguration{Level: types.LogLevelAll}},
			"InvalidLoggingConfiguration", "Invalid Logging Configuration: Must specify exactly one Log Destination."},
		{"version description", sfn.CreateStateMachineInput{VersionDescription: aws.String("v")}, "ValidationException",
			"Version description can only be set when publish is true"},
		{"too many tags", sfn.CreateStateMachineInput{Tags: manyTags(51)}, "TooManyTags", ""},
		{"empty tag key", sfn.CreateStateMachineInput{Tags: []types.Tag{{Key: aws.String(""), Value: aws.String("v")}}}, "ValidationException",
			"1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			if in.Name == nil {
				in.Name = aws.String(uniqueName("bad"))
			}
			if in.Definition == nil {
				in.Definition = aws.String(passDef)
			}
			if in.RoleArn == nil {
				in.RoleArn = aws.String(roleARN)
			}
			_, err := e.sfn.CreateStateMachine(context.Background(), &in)
			wantCode(t, err, c.code, c.msg)
		})
	}
}

func manyTags(n int) []types.Tag {
	tags := make([]types.Tag, n)
	for i := range tags {
		tags[i] = types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")}
	}
	return tags
}

func TestListStateMachinesPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	want := map[string]bool{}
	for range 5 {
		want[e.machine("STANDARD", passDef)] = true
	}
	seen := map[string]bool{}
	var token *string
	pages := 0
	for {
		out, err := e.sfn.ListStateMachines(ctx, &sfn.ListStateMachinesInput{MaxResults: 2, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, sm := range out.StateMachines {
			if seen[*sm.StateMachineArn] || sm.Type != types.StateMachineTypeStandard || sm.CreationDate == nil {
				t.Fatalf("item %+v", sm)
			}
			seen[*sm.StateMachineArn] = true
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	if pages != 3 || len(seen) != 5 {
		t.Fatalf("%d pages, %d machines", pages, len(seen))
	}
	for arn := range want {
		if !seen[arn] {
			t.Errorf("%s not listed", arn)
		}
	}

	_, err := e.sfn.ListStateMachines(ctx, &sfn.ListStateMachinesInput{MaxResults: 1001})
	wantCode(t, err, "ValidationException",
		"1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000")
	_, err = e.sfn.ListStateMachines(ctx, &sfn.ListStateMachinesInput{NextToken: aws.String("bogus")})
	wantCode(t, err, "InvalidToken", "Invalid Token: 'Invalid token'")
	// A token of another listing, or changed by hand, is refused.
	first, _ := e.sfn.ListStateMachines(ctx, &sfn.ListStateMachinesInput{MaxResults: 1})
	_, err = e.sfn.ListActivities(ctx, &sfn.ListActivitiesInput{NextToken: first.NextToken})
	wantCode(t, err, "InvalidToken", "")
	tampered := []byte(*first.NextToken)
	tampered[3] ^= 1
	_, err = e.sfn.ListStateMachines(ctx, &sfn.ListStateMachinesInput{NextToken: aws.String(string(tampered))})
	wantCode(t, err, "InvalidToken", "")
}

func TestValidateStateMachineDefinition(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ok, err := e.sfn.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(passDef)})
	if err != nil || ok.Result != types.ValidateStateMachineDefinitionResultCodeOk || len(ok.Diagnostics) != 0 || *ok.Truncated {
		t.Fatalf("valid: %+v, %v", ok, err)
	}
	bad, err := e.sfn.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(`{"StartAt":"A"}`)})
	if err != nil || bad.Result != types.ValidateStateMachineDefinitionResultCodeFail || len(bad.Diagnostics) != 1 {
		t.Fatalf("invalid: %+v, %v", bad, err)
	}
	d := bad.Diagnostics[0]
	if d.Severity != types.ValidateStateMachineDefinitionSeverityError || *d.Code != "SCHEMA_VALIDATION_FAILED" ||
		*d.Message != "These fields are required: [States]" || *d.Location != "/" {
		t.Fatalf("diagnostic %+v", d)
	}

	// A warning only shows with severity WARNING, and does not fail.
	warnDef := `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"$.x","End":true}}}`
	w, _ := e.sfn.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(warnDef)})
	if w.Result != types.ValidateStateMachineDefinitionResultCodeOk || len(w.Diagnostics) != 0 {
		t.Fatalf("warning hidden: %+v", w)
	}
	w, _ = e.sfn.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(warnDef),
		Severity: types.ValidateStateMachineDefinitionSeverityWarning})
	if w.Result != types.ValidateStateMachineDefinitionResultCodeOk || len(w.Diagnostics) != 1 || *w.Diagnostics[0].Code != "PASS_RESULT_IS_STATIC" {
		t.Fatalf("warning shown: %+v", w)
	}

	// maxResults truncates; the type selects the rules.
	several := `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"C":{"Type":"Pass","Next":"D"}}}`
	tr, _ := e.sfn.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(several), MaxResults: 1})
	if len(tr.Diagnostics) != 1 || !*tr.Truncated || tr.Result != types.ValidateStateMachineDefinitionResultCodeFail {
		t.Fatalf("truncated: %+v", tr)
	}
	act := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:x","End":true}}}`
	ex, _ := e.sfn.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(act), Type: types.StateMachineTypeExpress})
	st, _ := e.sfn.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(act)})
	if ex.Result != types.ValidateStateMachineDefinitionResultCodeFail || st.Result != types.ValidateStateMachineDefinitionResultCodeOk {
		t.Fatalf("express %+v, standard %+v", ex, st)
	}
	_, err = e.sfn.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(passDef), MaxResults: 101})
	wantCode(t, err, "ValidationException", "")
}

func TestDescribeStateMachineErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	cases := []struct{ arn, code, msg string }{
		{"not_a_valid_arn", "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'"},
		{"arn:aws:lambda:us-east-1:123456789012:function:f", "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: arn:aws:lambda:us-east-1:123456789012:function:f'"},
		{"arn:aws:states:us-east-1:123456789012:activity:a", "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: activity'"},
		{"arn:aws:states:us-east-1:123456789012:stateMachine:nope", "StateMachineDoesNotExist",
			"State Machine Does Not Exist: 'arn:aws:states:us-east-1:123456789012:stateMachine:nope'"},
		{"arn:aws:states:us-east-1:123456789012:stateMachine:nope:1", "StateMachineDoesNotExist", ""},
		{"", "ValidationException",
			"1 validation error detected: Value '' at 'stateMachineArn' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	}
	for _, c := range cases {
		_, err := e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(c.arn)})
		wantCode(t, err, c.code, c.msg)
	}
}

func TestStateMachineConfigurations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	logging := &types.LoggingConfiguration{Level: types.LogLevelError, IncludeExecutionData: true, Destinations: []types.LogDestination{
		{CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{LogGroupArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:g:*")}}}}
	created, err := e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(uniqueName("cfg")), Definition: aws.String(passDef),
		RoleArn: aws.String(roleARN), Type: types.StateMachineTypeExpress, LoggingConfiguration: logging,
		TracingConfiguration: &types.TracingConfiguration{Enabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	if d.Type != types.StateMachineTypeExpress || d.LoggingConfiguration.Level != types.LogLevelError || !d.LoggingConfiguration.IncludeExecutionData ||
		len(d.LoggingConfiguration.Destinations) != 1 || *d.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn != "arn:aws:logs:us-east-1:123456789012:log-group:g:*" ||
		!d.TracingConfiguration.Enabled {
		t.Fatalf("describe %+v %+v %+v", d, d.LoggingConfiguration, d.TracingConfiguration)
	}
	// The same name with other configurations is another machine: a conflict.
	_, err = e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: d.Name, Definition: aws.String(passDef), RoleArn: aws.String(roleARN),
		Type: types.StateMachineTypeExpress, LoggingConfiguration: logging})
	wantCode(t, err, "StateMachineAlreadyExists", "")

	// Turning tracing off is a new revision.
	up, err := e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: created.StateMachineArn,
		TracingConfiguration: &types.TracingConfiguration{Enabled: false}})
	if err != nil || up.RevisionId == nil {
		t.Fatalf("update: %+v, %v", up, err)
	}
	d, _ = e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn})
	if d.TracingConfiguration.Enabled || d.LoggingConfiguration.Level != types.LogLevelError {
		t.Fatalf("after update %+v %+v", d.TracingConfiguration, d.LoggingConfiguration)
	}
	meta, err := e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn, IncludedData: types.IncludedDataMetadataOnly})
	if err != nil || *meta.Definition != "{}" {
		t.Fatalf("metadata only: %+v, %v", meta, err)
	}
	_, err = e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: created.StateMachineArn,
		LoggingConfiguration: &types.LoggingConfiguration{Level: types.LogLevelAll}})
	wantCode(t, err, "InvalidLoggingConfiguration", "")
	_, err = e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(*created.StateMachineArn + "x"), RoleArn: aws.String(roleARN)})
	wantCode(t, err, "StateMachineDoesNotExist", "")
	// An EXPRESS machine's definition is checked with the EXPRESS rules.
	_, err = e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: created.StateMachineArn,
		Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:x","End":true}}}`)})
	wantCode(t, err, "InvalidDefinition", "")
}

// TestDescribeStateMachineForExecutionConfigurations checks that an
// execution describes the logging and tracing configurations of the revision
// it runs, not the machine's current ones.
func TestDescribeStateMachineForExecutionConfigurations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	group := "arn:aws:logs:us-east-1:123456789012:log-group:rev:*"
	created, err := e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(uniqueName("revcfg")), Definition: aws.String(passDef),
		RoleArn: aws.String(roleARN), TracingConfiguration: &types.TracingConfiguration{Enabled: true},
		LoggingConfiguration: &types.LoggingConfiguration{Level: types.LogLevelFatal, Destinations: []types.LogDestination{
			{CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{LogGroupArn: aws.String(group)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: created.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	e.waitDone(*first.ExecutionArn)
	if _, err := e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: created.StateMachineArn,
		LoggingConfiguration: &types.LoggingConfiguration{Level: types.LogLevelOff}, TracingConfiguration: &types.TracingConfiguration{Enabled: false}}); err != nil {
		t.Fatal(err)
	}
	second, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: created.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	e.waitDone(*second.ExecutionArn)

	fe, err := e.sfn.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: first.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if fe.LoggingConfiguration.Level != types.LogLevelFatal || len(fe.LoggingConfiguration.Destinations) != 1 ||
		*fe.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn != group || !fe.TracingConfiguration.Enabled {
		t.Errorf("first revision's configurations: %+v %+v", fe.LoggingConfiguration, fe.TracingConfiguration)
	}
	fe, err = e.sfn.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: second.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if fe.LoggingConfiguration.Level != types.LogLevelOff || len(fe.LoggingConfiguration.Destinations) != 0 || fe.TracingConfiguration.Enabled {
		t.Errorf("second revision's configurations: %+v %+v", fe.LoggingConfiguration, fe.TracingConfiguration)
	}
	d, err := e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn})
	if err != nil || d.LoggingConfiguration.Level != types.LogLevelOff || d.TracingConfiguration.Enabled {
		t.Errorf("machine's configurations: %+v, %v", d, err)
	}
}

// An empty list of log destinations, given, is described as given, as AWS
// describes it (LocalStack's test_incomplete_logging_configuration); none
// given, none described.
func TestLoggingEmptyDestinations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	call := func(action, body string) string {
		status, b := postRaw(t, e.server.URL, action, body)
		if status != 200 {
			t.Fatalf("%s: %d %s", action, status, b)
		}
		return string(b)
	}
	for _, c := range []struct{ logging, want string }{
		{`{"destinations":[]}`, `"loggingConfiguration":{"level":"OFF","includeExecutionData":false,"destinations":[]}`},
		{`{}`, `"loggingConfiguration":{"level":"OFF","includeExecutionData":false}`},
	} {
		out := call("CreateStateMachine", `{"name":"`+uniqueName("logs")+`","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}","roleArn":"`+roleARN+`","loggingConfiguration":`+c.logging+`}`)
		var created struct{ StateMachineArn string }
		if err := json.Unmarshal([]byte(out), &created); err != nil {
			t.Fatal(err)
		}
		if d := call("DescribeStateMachine", `{"stateMachineArn":"`+created.StateMachineArn+`"}`); !strings.Contains(d, c.want) {
			t.Errorf("logging %s: described %s, want %s", c.logging, d, c.want)
		}
	}
}

// With a CloudWatch Logs endpoint as the sink, a log group that does not
// exist is refused when the machine is made or updated, in AWS's words
// (LocalStack's test_deleted_log_group), and one that exists is taken.
func TestLoggingDestinationChecked(t *testing.T) {
	url := mototest.Endpoint(t)
	t.Parallel()
	ep := awssdk.Endpoint{URL: url}
	e := newEnvOf(t, func(o *service.Options) { o.ExecutionLogs = &awssdk.CloudWatchLogs{Endpoint: ep} }, nil)
	ctx := context.Background()
	group := uniqueName("flows")
	req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(`{"logGroupName":"`+group+`"}`))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Logs_20140328.CreateLogGroup")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=0")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("CreateLogGroup in moto: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	logging := func(name string) *types.LoggingConfiguration {
		return &types.LoggingConfiguration{Level: types.LogLevelAll, Destinations: []types.LogDestination{{
			CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{LogGroupArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:" + name + ":*")}}}}
	}
	_, err := e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(uniqueName("logs")), Definition: aws.String(passDef),
		RoleArn: aws.String(roleARN), LoggingConfiguration: logging("no-such-group-" + group)})
	wantCode(t, err, "InvalidLoggingConfiguration", "Invalid Logging Configuration: Log Destination not found.")
	created, err := e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(uniqueName("logs")), Definition: aws.String(passDef),
		RoleArn: aws.String(roleARN), LoggingConfiguration: logging(group)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: created.StateMachineArn, LoggingConfiguration: logging("no-such-group-" + group)})
	wantCode(t, err, "InvalidLoggingConfiguration", "Invalid Logging Configuration: Log Destination not found.")
}
