package awsapi_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestVariableReferences checks variableReferences in DescribeStateMachine
// (of the machine and of a version) and DescribeStateMachineForExecution:
// per state, the variables it reads, sorted, as AWS answers; the field is
// absent when no state reads a variable, and with METADATA_ONLY.
func TestVariableReferences(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	cases := []struct {
		name string
		def  string
		want map[string][]string
	}{
		{"jsonata", `{"QueryLanguage":"JSONata","StartAt":"Set","States":{
			"Set":{"Type":"Pass","Assign":{"price":3,"qty":"{% $states.input.n %}"},"Next":"Total"},
			"Total":{"Type":"Pass","Assign":{"total":"{% $price * $qty %}"},"Output":{"sum":"{% $price %}"},"Next":"Check"},
			"Check":{"Type":"Choice","Choices":[{"Condition":"{% $total > 10 %}","Next":"Big"}],"Default":"Done"},
			"Big":{"Type":"Pass","Output":"{% $states.input %}","Next":"Done"},
			"Done":{"Type":"Succeed"}}}`,
			map[string][]string{"Total": {"price", "qty"}, "Check": {"total"}}},
		{"jsonpath nesting", `{"StartAt":"Set","States":{
			"Set":{"Type":"Pass","Assign":{"guess":"a","answer":"b","items":[1,2],"tmpl":"n={}"},"Next":"Ask"},
			"Ask":{"Type":"Choice","Choices":[{"Variable":"$guess","StringEqualsPath":"$answer","Next":"Par"}],"Default":"Par"},
			"Par":{"Type":"Parallel","Next":"End","Branches":[
				{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$items",
					"ItemSelector":{"v.$":"States.Format($tmpl, $$.Map.Item.Value)"},
					"ItemProcessor":{"StartAt":"Inner","States":{"Inner":{"Type":"Pass","Parameters":{"g.$":"$guess","v.$":"$.v"},"End":true}}},
					"End":true}}},
				{"StartAt":"Plain","States":{"Plain":{"Type":"Pass","End":true}}}]},
			"End":{"Type":"Pass","OutputPath":"$answer","End":true}}}`,
			map[string][]string{"Ask": {"answer", "guess"}, "Each": {"items", "tmpl"}, "Inner": {"guess"}, "End": {"answer"}}},
		{"no variables", `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1},"Parameters":{"p":"$x","n.$":"$.n"},"End":true}}}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			arn := e.machine("STANDARD", c.def)
			d, err := e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.VariableReferences, c.want) {
				t.Errorf("DescribeStateMachine variableReferences = %v, want %v", d.VariableReferences, c.want)
			}
			_, raw, _ := e.call("AWSStepFunctions.DescribeStateMachine", `{"stateMachineArn":"`+arn+`"}`, nil)
			if _, present := raw["variableReferences"]; present != (c.want != nil) {
				t.Errorf("variableReferences present = %v in %v", present, raw)
			}
			meta, err := e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn), IncludedData: types.IncludedDataMetadataOnly})
			if err != nil || meta.VariableReferences != nil {
				t.Errorf("METADATA_ONLY: %v, %v", meta.VariableReferences, err)
			}

			ver, err := e.sfn.PublishStateMachineVersion(ctx, &sfn.PublishStateMachineVersionInput{StateMachineArn: aws.String(arn)})
			if err != nil {
				t.Fatal(err)
			}
			dv, err := e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: ver.StateMachineVersionArn})
			if err != nil || !reflect.DeepEqual(dv.VariableReferences, c.want) {
				t.Errorf("version: variableReferences = %v, %v; want %v", dv.VariableReferences, err, c.want)
			}

			x, err := e.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(`{"n":5}`)})
			if err != nil {
				t.Fatal(err)
			}
			if st := e.waitDone(*x.ExecutionArn).Status; st != types.ExecutionStatusSucceeded {
				t.Errorf("execution %s", st)
			}
			// The execution keeps its revision's references after an update.
			if _, err := e.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(passDef)}); err != nil {
				t.Fatal(err)
			}
			fe, err := e.sfn.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: x.ExecutionArn})
			if err != nil || !reflect.DeepEqual(fe.VariableReferences, c.want) {
				t.Errorf("DescribeStateMachineForExecution variableReferences = %v, %v; want %v", fe.VariableReferences, err, c.want)
			}
			_, raw, _ = e.call("AWSStepFunctions.DescribeStateMachineForExecution", `{"executionArn":"`+*x.ExecutionArn+`"}`, nil)
			if _, present := raw["variableReferences"]; present != (c.want != nil) {
				t.Errorf("DescribeStateMachineForExecution: variableReferences present = %v in %v", present, raw)
			}
			d, _ = e.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
			if d.VariableReferences != nil {
				t.Errorf("after update to a machine without variables: %v", d.VariableReferences)
			}
		})
	}
}
