package awssdk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/awssdk"
	"github.com/stepd/stepd/runner/awssdk/mototest"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store/memory"
)

// runMachine runs a state machine on the engine, its tasks through the
// integrations with moto's server as every service's endpoint, and returns
// its output.
func runMachine(t *testing.T, def string, input string) *jsonvalue.Object {
	t.Helper()
	endpoint := mototest.Endpoint(t)
	runners := awssdk.Runners(awssdk.Config{Endpoints: map[string]awssdk.Endpoint{"": {URL: endpoint}}})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := service.RunLocal(ctx, service.LocalMachine{Name: "sdk", Definition: def}, input, service.LocalOptions{
		Store: memory.New(), ExpressStore: memory.New(), Runner: &runner.Router{Integrations: runners}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Execution.Status != "SUCCEEDED" {
		t.Fatalf("%s: %s: %s", res.Execution.Status, res.Execution.Error, res.Execution.Cause)
	}
	out, err := jsonvalue.ParseString(res.Execution.Output)
	if err != nil {
		t.Fatal(err)
	}
	return out.(*jsonvalue.Object)
}

// chain makes a definition of Task states run in order, each result kept at
// $.<state name>; a state whose name starts with "fail" must fail, and its
// Catch keeps the error at $.<name>.
func chain(steps ...[3]string) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"` + steps[0][0] + `","States":{`)
	for i, s := range steps {
		if i > 0 {
			b.WriteString(",")
		}
		next := `"End":true`
		if i+1 < len(steps) {
			next = `"Next":"` + steps[i+1][0] + `"`
		}
		extra := ""
		if strings.HasPrefix(s[0], "fail") {
			after := `"Next":"` + s[0] + `Failed"`
			extra = `,"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.` + s[0] + `",` + strings.TrimPrefix(after, "") + `}]`
			fmt.Fprintf(&b, `"%sFailed":{"Type":"Pass",%s},`, s[0], next)
			next = `"Next":"` + s[0] + `Unexpected"`
			fmt.Fprintf(&b, `"%sUnexpected":{"Type":"Fail","Error":"Unexpected","Cause":"the task succeeded"},`, s[0])
		}
		fmt.Fprintf(&b, `"%s":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:%s","Parameters":%s,"ResultPath":"$.%s",%s%s}`,
			s[0], s[1], s[2], s[0], next, extra)
	}
	b.WriteString("}}")
	return b.String()
}

func at(t *testing.T, o *jsonvalue.Object, path string) any {
	t.Helper()
	var v any = o
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case *jsonvalue.Object:
			var ok bool
			if v, ok = x.Get(p); !ok {
				t.Fatalf("no %s in %s", path, jsonvalue.String(o))
			}
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i >= len(x) {
				t.Fatalf("no %s in %s", path, jsonvalue.String(o))
			}
			v = x[i]
		default:
			t.Fatalf("no %s in %s", path, jsonvalue.String(o))
		}
	}
	return v
}

// expect checks values at paths: a string is matched as a regular
// expression against the value's JSON text.
func expect(t *testing.T, o *jsonvalue.Object, want map[string]string) {
	t.Helper()
	for path, re := range want {
		got := jsonvalue.String(at(t, o, path))
		if !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("%s = %s, want %s", path, got, re)
		}
	}
}

const isoTime = `^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$`

// TestGenericIntegrations runs, for services of each generated protocol,
// state machines whose tasks call moto's server, and checks the results'
// shapes and the names of the errors a Catch sees.
func TestGenericIntegrations(t *testing.T) {
	id := fmt.Sprint(time.Now().UnixNano()) // the moto server outlives one run of the test
	input := `{"id":"` + id + `"}`
	tests := []struct {
		name  string
		steps [][3]string
		want  map[string]string
	}{
		{"JSON 1.1: Secrets Manager", [][3]string{
			{"create", "secretsmanager:createSecret", `{"Name.$":"States.Format('s-{}', $.id)","SecretString":"hush","Tags":[{"Key":"k","Value":"v"}]}`},
			{"get", "secretsmanager:getSecretValue", `{"SecretId.$":"$.create.ARN"}`},
			{"describe", "secretsmanager:describeSecret", `{"SecretId.$":"$.create.ARN"}`},
			{"failGet", "secretsmanager:getSecretValue", `{"SecretId":"no-such-secret"}`},
		}, map[string]string{
			"get.SecretString": `^"hush"$`, "get.Name": `^"s-\d+"$`, "get.CreatedDate": isoTime, "get.VersionStages.0": `"AWSCURRENT"`,
			"describe.Tags.0.Key": `"k"`,
			"failGet.Error":       `^"SecretsManager.ResourceNotFoundException"$`,
			"failGet.Cause":       `\(Service: SecretsManager, Status Code: 40\d, Request ID: [^)]*\)"$`,
		}},
		{"JSON 1.1: SSM", [][3]string{
			{"put", "ssm:putParameter", `{"Name.$":"States.Format('/p/{}', $.id)","Value":"v1","Type":"String"}`},
			{"get", "ssm:getParameter", `{"Name.$":"States.Format('/p/{}', $.id)"}`},
			{"failGet", "ssm:getParameter", `{"Name":"/no/such/parameter"}`},
		}, map[string]string{
			"put.Version": `^1$`, "get.Parameter.Value": `"v1"`, "get.Parameter.Type": `"String"`, "get.Parameter.LastModifiedDate": isoTime,
			"failGet.Error": `^"Ssm.ParameterNotFoundException"$`,
		}},
		{"JSON 1.1: Kinesis", [][3]string{
			{"create", "kinesis:createStream", `{"StreamName.$":"States.Format('k-{}', $.id)","ShardCount":1}`},
			{"summary", "kinesis:describeStreamSummary", `{"StreamName.$":"States.Format('k-{}', $.id)"}`},
			{"failDescribe", "kinesis:describeStream", `{"StreamName":"no-such-stream"}`},
		}, map[string]string{
			"summary.StreamDescriptionSummary.StreamName": `"k-\d+"`, "summary.StreamDescriptionSummary.OpenShardCount": `^1$`,
			"summary.StreamDescriptionSummary.StreamCreationTimestamp": isoTime,
			"failDescribe.Error": `^"Kinesis.ResourceNotFoundException"$`,
		}},
		{"JSON 1.1: CloudWatch Logs", [][3]string{
			{"create", "cloudwatchlogs:createLogGroup", `{"LogGroupName.$":"States.Format('/g/{}', $.id)"}`},
			{"describe", "cloudwatchlogs:describeLogGroups", `{"LogGroupNamePrefix.$":"States.Format('/g/{}', $.id)"}`},
			{"failStream", "cloudwatchlogs:createLogStream", `{"LogGroupName":"/no/such/group","LogStreamName":"s"}`},
		}, map[string]string{
			"describe.LogGroups.0.LogGroupName": `"/g/\d+"`, "describe.LogGroups.0.CreationTime": `^\d+$`,
			"failStream.Error": `^"CloudWatchLogs.ResourceNotFoundException"$`,
		}},
		{"JSON 1.1: EventBridge", [][3]string{
			{"put", "eventbridge:putRule", `{"Name.$":"States.Format('r-{}', $.id)","ScheduleExpression":"rate(5 minutes)"}`},
			{"describe", "eventbridge:describeRule", `{"Name.$":"States.Format('r-{}', $.id)"}`},
			{"failDescribe", "eventbridge:describeRule", `{"Name":"no-such-rule"}`},
		}, map[string]string{
			"put.RuleArn": `"arn:aws:events:`, "describe.State": `"ENABLED"`, "describe.ScheduleExpression": `"rate\(5 minutes\)"`,
			"failDescribe.Error": `^"EventBridge.ResourceNotFoundException"$`,
		}},
		{"JSON 1.0: CloudWatch (timestamps in, the query code of an error out)", [][3]string{
			{"put", "cloudwatch:putMetricData", `{"Namespace.$":"States.Format('ns{}', $.id)","MetricData":[{"MetricName":"m","Value":1.5,"Unit":"Count","Timestamp":"2026-01-02T03:04:05Z","Dimensions":[{"Name":"d","Value":"x"}]}]}`},
			{"list", "cloudwatch:listMetrics", `{"Namespace.$":"States.Format('ns{}', $.id)"}`},
			{"failGet", "cloudwatch:getDashboard", `{"DashboardName":"no-such-dashboard"}`},
		}, map[string]string{
			"list.Metrics.0.MetricName": `"m"`, "list.Metrics.0.Dimensions.0.Value": `"x"`,
			// moto answers __type ResourceNotFoundException; AWS answers the query code
			// ResourceNotFound in x-amzn-query-error, which is DashboardNotFoundErrorException.
			"failGet.Error": `^"CloudWatch.(ResourceNotFound|DashboardNotFoundError)Exception"$`,
		}},
		{"REST-JSON: API Gateway", [][3]string{
			{"create", "apigateway:createRestApi", `{"Name.$":"States.Format('api-{}', $.id)","Description":"d"}`},
			{"get", "apigateway:getRestApi", `{"RestApiId.$":"$.create.Id"}`},
			{"resources", "apigateway:getResources", `{"RestApiId.$":"$.create.Id"}`},
			{"failGet", "apigateway:getRestApi", `{"RestApiId":"nope"}`},
		}, map[string]string{
			"get.Name": `"api-\d+"`, "get.Description": `"d"`, "get.CreatedDate": isoTime,
			"resources.Items.0.Path": `"/"`,
			"failGet.Error":          `^"ApiGateway.NotFoundException"$`,
			"failGet.Cause":          `\(Service: ApiGateway, Status Code: 404, Request ID: `,
		}},
		{"REST-JSON: IoT", [][3]string{
			{"create", "iot:createThing", `{"ThingName.$":"States.Format('t{}', $.id)","AttributePayload":{"Attributes":{"color":"red"}}}`},
			{"describe", "iot:describeThing", `{"ThingName.$":"States.Format('t{}', $.id)"}`},
			{"list", "iot:listThings", `{"MaxResults":250}`},
			{"failDescribe", "iot:describeThing", `{"ThingName":"no-such-thing"}`},
		}, map[string]string{
			"create.ThingArn": `"arn:aws:iot:`, "describe.Attributes.color": `"red"`, "describe.Version": `^\d+$`,
			"list.Things.0.ThingName": `"t`,
			"failDescribe.Error":      `^"Iot.ResourceNotFoundException"$`,
		}},
		{"REST-JSON: Glacier (URI and header members)", [][3]string{
			{"create", "glacier:createVault", `{"AccountId":"-","VaultName.$":"States.Format('v{}', $.id)"}`},
			{"describe", "glacier:describeVault", `{"AccountId":"-","VaultName.$":"States.Format('v{}', $.id)"}`},
			{"list", "glacier:listVaults", `{"AccountId":"-","Limit":"1000"}`},
			{"failDescribe", "glacier:describeVault", `{"AccountId":"-","VaultName":"no-such-vault"}`},
		}, map[string]string{
			"describe.VaultName": `"v\d+"`, "describe.NumberOfArchives": `^0$`, "describe.CreationDate": isoTime,
			"list.VaultList.0.VaultARN": `"arn:aws:glacier:`,
			// moto names the error so (AWS: ResourceNotFoundException); stepd keeps the service's code.
			"failDescribe.Error": `^"Glacier.VaultNotFoundException"$`,
		}},
		{"query: IAM", [][3]string{
			{"create", "iam:createUser", `{"UserName.$":"States.Format('u{}', $.id)","Tags":[{"Key":"team","Value":"a"},{"Key":"env","Value":"b"}]}`},
			{"get", "iam:getUser", `{"UserName.$":"States.Format('u{}', $.id)"}`},
			{"tags", "iam:listUserTags", `{"UserName.$":"States.Format('u{}', $.id)"}`},
			{"failGet", "iam:getUser", `{"UserName":"no-such-user"}`},
		}, map[string]string{
			"create.User.UserName": `"u\d+"`, "get.User.Arn": `"arn:aws:iam::\d+:user/u\d+"`, "get.User.CreateDate": isoTime,
			"tags.Tags.1.Key": `"env"`, "tags.IsTruncated": `^false$`,
			"failGet.Error": `^"Iam.NoSuchEntityException"$`,
			"failGet.Cause": `\(Service: Iam, Status Code: 404, Request ID: `,
		}},
		{"query: STS", [][3]string{
			{"identity", "sts:getCallerIdentity", `{}`},
		}, map[string]string{"identity.Account": `^"\d{12}"$`, "identity.Arn": `"arn:aws:`}},
		{"query: CloudFormation", [][3]string{
			{"create", "cloudformation:createStack", `{"StackName.$":"States.Format('st{}', $.id)","TemplateBody":"{\"Resources\":{\"T\":{\"Type\":\"AWS::SNS::Topic\"}}}","Parameters":[]}`},
			{"describe", "cloudformation:describeStacks", `{"StackName.$":"States.Format('st{}', $.id)"}`},
		}, map[string]string{
			"create.StackId": `"arn:aws:cloudformation:`, "describe.Stacks.0.StackName": `"st\d+"`, "describe.Stacks.0.CreationTime": isoTime,
		}},
		{"query: ElastiCache and Auto Scaling and RDS", [][3]string{
			{"cache", "elasticache:describeCacheClusters", `{}`},
			{"groups", "autoscaling:describeAutoScalingGroups", `{"AutoScalingGroupNames":["none"]}`},
			{"failRds", "rds:describeDBInstances", `{"DBInstanceIdentifier":"no-such-db"}`},
		}, map[string]string{
			"cache.CacheClusters": `^\[.*\]$`, "groups.AutoScalingGroups": `^\[\]$`,
			"failRds.Error": `^"Rds.DbInstanceNotFoundException"$`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := runMachine(t, chain(tt.steps...), input)
			expect(t, out, tt.want)
			if t.Failed() {
				b, _ := json.MarshalIndent(json.RawMessage(jsonvalue.String(out)), "", " ")
				t.Logf("output: %s", b)
			}
		})
	}
}

func TestGenericParameters(t *testing.T) {
	t.Parallel()
	runners := awssdk.Runners(awssdk.Config{Endpoints: map[string]awssdk.Endpoint{"": {URL: "http://127.0.0.1:1"}}})
	tests := []struct{ arn, params, err, cause string }{
		{"arn:aws:states:::aws-sdk:secretsmanager:getSecretValue", `{"SecretIdd":"x"}`, "States.Runtime", "The field 'SecretIdd' is not supported by this API action"},
		{"arn:aws:states:::aws-sdk:iam:createUser", `{"UserName":"u","Tags":[{"Key":"k","Valeu":"v"}]}`, "States.Runtime", "The field 'Tags[0].Valeu' is not supported by this API action"},
		{"arn:aws:states:::aws-sdk:apigateway:getRestApis", `{"Limit":{"n":1}}`, "States.Runtime", "The field 'Limit' must be a scalar"},
		{"arn:aws:states:::aws-sdk:secretsmanager:getSecretValue", `{"SecretId":"x"}`, "SecretsManager.SdkClientException", "Unable to execute HTTP request: "},
	}
	for _, tt := range tests {
		out := runTask(t, runners, tt.arn, tt.params)
		if out.Failure == nil || out.Failure.Name != tt.err || !strings.HasPrefix(out.Failure.Cause, tt.cause) {
			t.Errorf("%s %s: %+v, want %s: %s", tt.arn, tt.params, out, tt.err, tt.cause)
		}
	}
}

func BenchmarkRunnersLoad(b *testing.B) {
	for b.Loop() {
		awssdk.Runners(awssdk.Config{})
	}
}

// TestOptimizedPutEvents: events:putEvents puts the entries with the
// execution's and machine's ARNs added, and a failed entry fails the task
// with EventBridge.FailedEntry.
func TestOptimizedPutEvents(t *testing.T) {
	def := `{"StartAt":"Put","States":{
	  "Put":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","Parameters":{"Entries":[
	    {"Detail":{"Message":"hi"},"DetailType":"t","Source":"my.source","Resources":["arn:aws:s3:::b"]}]},"ResultPath":"$.put","Next":"Bad"},
	  "Bad":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","Parameters":{"Entries":[{"Detail":"not json","DetailType":"t","Source":"s"}]},
	    "ResultPath":"$.bad","Catch":[{"ErrorEquals":["EventBridge.FailedEntry"],"ResultPath":"$.bad","Next":"Done"}],"Next":"Unexpected"},
	  "Unexpected":{"Type":"Fail","Error":"Unexpected"},
	  "Done":{"Type":"Succeed"}}}`
	out := runMachine(t, def, `{}`)
	expect(t, out, map[string]string{
		"put.FailedEntryCount": `^0$`, "put.Entries.0.EventId": `^"[0-9a-f-]+"$`,
		"bad.Error": `^"EventBridge.FailedEntry"$`, "bad.Cause": `FailedEntryCount`,
	})
}

// TestOptimizedJobs: athena:startQueryExecution and glue:startJobRun, in
// request-response and .sync (which polls the job until it ends).
func TestOptimizedJobs(t *testing.T) {
	id := fmt.Sprint(time.Now().UnixNano())
	def := `{"StartAt":"Job","States":{
	  "Job":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:glue:createJob","Parameters":{"Name.$":"States.Format('j{}', $.id)","Role":"arn:aws:iam::123456789012:role/r",
	    "Command":{"Name":"glueetl","ScriptLocation":"s3://b/s.py"}},"ResultPath":"$.job","Next":"Run"},
	  "Run":{"Type":"Task","Resource":"arn:aws:states:::glue:startJobRun","Parameters":{"JobName.$":"$.job.Name"},"ResultPath":"$.run","Next":"RunSync"},
	  "RunSync":{"Type":"Task","Resource":"arn:aws:states:::glue:startJobRun.sync","Parameters":{"JobName.$":"$.job.Name"},"ResultPath":"$.runSync","Next":"Query"},
	  "Query":{"Type":"Task","Resource":"arn:aws:states:::athena:startQueryExecution","Parameters":{"QueryString":"SELECT 1","ResultConfiguration":{"OutputLocation":"s3://b/q/"}},"ResultPath":"$.query","Next":"QuerySync"},
	  "QuerySync":{"Type":"Task","Resource":"arn:aws:states:::athena:startQueryExecution.sync","Parameters":{"QueryString":"SELECT 1","ResultConfiguration":{"OutputLocation":"s3://b/q/"}},"ResultPath":"$.querySync","End":true}}}`
	out := runMachine(t, def, `{"id":"`+id+`"}`)
	expect(t, out, map[string]string{
		"run.JobRunId": `^"[^"]+"$`, "runSync.JobRunState": `^"SUCCEEDED"$`, "runSync.JobName": `"j\d+"`,
		"query.QueryExecutionId": `^"[^"]+"$`, "querySync.QueryExecution.Status.State": `^"SUCCEEDED"$`, "querySync.QueryExecution.Query": `"SELECT 1"`,
	})
}
