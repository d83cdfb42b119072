package awssdk_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/awssdk"
	"github.com/stepd/stepd/runner/awssdk/mototest"
)

// checker is the optional capability every integration runner has.
type checker interface {
	Check(asl.Resource) error
}

func resource(t *testing.T, arn string) asl.Resource {
	t.Helper()
	r, err := asl.ParseResource(arn)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// runTask runs a resource with parameters through the runners.
func runTask(t *testing.T, runners map[string]runner.Runner, arn, params string) runner.Outcome {
	t.Helper()
	router := &runner.Router{Integrations: runners}
	return router.Run(context.Background(), &runner.Task{ID: 1, ExecutionARN: "arn:aws:states:us-east-1:1:execution:m:e",
		Resource: resource(t, arn), Input: jsonvalue.MustParse(params)})
}

func get(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, p := range path {
		o, ok := v.(*jsonvalue.Object)
		if !ok {
			t.Fatalf("no %s in %s", p, jsonvalue.String(v))
		}
		v, _ = o.Get(p)
	}
	return v
}

type fixture struct {
	runners  map[string]runner.Runner
	queueURL string
	topicARN string
	table    string
	sqs      *sqs.Client
}

func setup(t *testing.T, name string) *fixture {
	t.Helper()
	endpoint := mototest.Endpoint(t)
	ctx := context.Background()
	name = fmt.Sprintf("%s-%d", name, time.Now().UnixNano()) // the moto server outlives one run of the test
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	f := &fixture{runners: awssdk.Runners(awssdk.Config{Endpoints: map[string]awssdk.Endpoint{"": {URL: endpoint}}}), table: name}
	f.sqs = sqs.NewFromConfig(cfg)
	q, err := f.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	f.queueURL = *q.QueueUrl
	topic, err := sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	f.topicARN = *topic.TopicArn
	_, err = dynamodb.NewFromConfig(cfg).CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSQSSendMessage(t *testing.T) {
	f := setup(t, "sqs-send")
	out := runTask(t, f.runners, "arn:aws:states:::sqs:sendMessage",
		`{"QueueUrl":"`+f.queueURL+`","MessageBody":{"Input":{"n":1.50},"TaskToken":"tok"}}`)
	if out.Failure != nil {
		t.Fatalf("failed: %v", out.Failure)
	}
	o := out.Output.(*jsonvalue.Object)
	if got := strings.Join(o.Keys(), ","); got != "MD5OfMessageBody,MessageId,SdkHttpMetadata,SdkResponseMetadata" {
		t.Errorf("result keys %s, want AWS's: %s", got, jsonvalue.String(o))
	}
	if sc := get(t, o, "SdkHttpMetadata", "HttpStatusCode"); jsonvalue.String(sc) != "200" {
		t.Errorf("SdkHttpMetadata %s", jsonvalue.String(get(t, o, "SdkHttpMetadata")))
	}
	if ct := get(t, o, "SdkHttpMetadata", "AllHttpHeaders", "Content-Type"); jsonvalue.String(ct) != `["application/x-amz-json-1.0"]` {
		t.Errorf("AllHttpHeaders %s", jsonvalue.String(get(t, o, "SdkHttpMetadata", "AllHttpHeaders")))
	}
	if id, _ := get(t, o, "SdkResponseMetadata", "RequestId").(string); id == "" {
		t.Errorf("no RequestId: %s", jsonvalue.String(o))
	}
	// A MessageBody given as JSON is sent as its JSON text.
	msgs, err := f.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.queueURL)})
	if err != nil || len(msgs.Messages) != 1 || *msgs.Messages[0].Body != `{"Input":{"n":1.50},"TaskToken":"tok"}` {
		t.Fatalf("received %+v, %v", msgs, err)
	}
}

func TestSNSPublish(t *testing.T) {
	f := setup(t, "sns-publish")
	out := runTask(t, f.runners, "arn:aws:states:::sns:publish", `{"TopicArn":"`+f.topicARN+`","Message":{"Input":"done"},"Subject":"s"}`)
	if out.Failure != nil {
		t.Fatalf("failed: %v", out.Failure)
	}
	if keys := strings.Join(out.Output.(*jsonvalue.Object).Keys(), ","); keys != "MessageId,SdkHttpMetadata,SdkResponseMetadata" {
		t.Errorf("result %s", jsonvalue.String(out.Output))
	}
}

func TestDynamoDBItems(t *testing.T) {
	f := setup(t, "ddb-items")
	table := `"TableName":"` + f.table + `"`
	steps := []struct {
		arn, params string
		check       func(t *testing.T, out any)
	}{
		{"arn:aws:states:::dynamodb:putItem", `{` + table + `,"Item":{"id":{"S":"a"},"n":{"N":"1.50"},"tags":{"SS":["x"]},"m":{"M":{"ok":{"BOOL":true},"none":{"NULL":true}}}}}`, nil},
		{"arn:aws:states:::dynamodb:getItem", `{` + table + `,"Key":{"id":{"S":"a"}}}`, func(t *testing.T, out any) {
			// The item as DynamoDB answered it (its members in the order it
			// sent them: a map's order carries no meaning).
			if got := get(t, out, "Item"); !jsonvalue.Equal(got, jsonvalue.MustParse(`{"id":{"S":"a"},"m":{"M":{"none":{"NULL":true},"ok":{"BOOL":true}}},"n":{"N":"1.50"},"tags":{"SS":["x"]}}`)) {
				t.Errorf("Item %s", jsonvalue.String(got))
			}
			if get(t, out, "SdkHttpMetadata") == nil {
				t.Errorf("no SdkHttpMetadata: %s", jsonvalue.String(out))
			}
		}},
		{"arn:aws:states:::dynamodb:updateItem", `{` + table + `,"Key":{"id":{"S":"a"}},"UpdateExpression":"SET n = :v","ExpressionAttributeValues":{":v":{"N":"2"}},"ReturnValues":"UPDATED_NEW"}`,
			func(t *testing.T, out any) {
				if got := jsonvalue.String(get(t, out, "Attributes")); got != `{"n":{"N":"2"}}` {
					t.Errorf("Attributes %s", got)
				}
			}},
		{"arn:aws:states:::aws-sdk:dynamodb:getItem", `{` + table + `,"Key":{"id":{"S":"a"}},"ProjectionExpression":"n"}`, func(t *testing.T, out any) {
			if got := jsonvalue.String(out); got != `{"Item":{"n":{"N":"2"}}}` {
				t.Errorf("the AWS SDK integration answers the response alone: %s", got)
			}
		}},
		{"arn:aws:states:::dynamodb:deleteItem", `{` + table + `,"Key":{"id":{"S":"a"}}}`, nil},
	}
	for _, s := range steps {
		out := runTask(t, f.runners, s.arn, s.params)
		if out.Failure != nil {
			t.Fatalf("%s: %v", s.arn, out.Failure)
		}
		if s.check != nil {
			s.check(t, out.Output)
		}
	}
}

func TestS3ThroughTheAWSSDKIntegration(t *testing.T) {
	f := setup(t, "s3-objects")
	if out := runTask(t, f.runners, "arn:aws:states:::aws-sdk:s3:createBucket", `{"Bucket":"`+f.table+`"}`); out.Failure != nil {
		t.Fatalf("createBucket: %v", out.Failure)
	}
	if out := runTask(t, f.runners, "arn:aws:states:::aws-sdk:s3:putObject", `{"Bucket":"`+f.table+`","Key":"k","Body":"hello"}`); out.Failure != nil {
		t.Fatalf("putObject: %v", out.Failure)
	}
	out := runTask(t, f.runners, "arn:aws:states:::aws-sdk:s3:getObject", `{"Bucket":"`+f.table+`","Key":"k"}`)
	if out.Failure != nil || get(t, out.Output, "Body") != "hello" || jsonvalue.String(get(t, out.Output, "ContentLength")) != "5" {
		t.Fatalf("getObject: %+v", out)
	}
	out = runTask(t, f.runners, "arn:aws:states:::aws-sdk:s3:getObject", `{"Bucket":"`+f.table+`","Key":"nope"}`)
	if out.Failure == nil || out.Failure.Name != "S3.NoSuchKeyException" {
		t.Fatalf("a missing key: %+v", out)
	}
}

func TestErrorNames(t *testing.T) {
	f := setup(t, "errors")
	requestID := `[A-Za-z0-9-]+`
	tests := []struct {
		name, arn, params string
		err               string
		cause             string // a regular expression
	}{
		{"SQS: a queue that does not exist", "arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"` + f.queueURL + `-nope","MessageBody":"x"}`,
			"SQS.QueueDoesNotExistException", `^The specified queue does not exist\.? \(Service: AmazonSQS; Status Code: 400; Error Code: AWS\.SimpleQueueService\.NonExistentQueue; Request ID: ` + requestID + `; Proxy: null\)$`},
		{"SNS: a topic that does not exist", "arn:aws:states:::sns:publish", `{"TopicArn":"` + f.topicARN + `-nope","Message":"x"}`,
			"SNS.NotFoundException", `\(Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: ` + requestID + `; Proxy: null\)$`},
		{"DynamoDB: a table that does not exist", "arn:aws:states:::dynamodb:getItem", `{"TableName":"nope","Key":{"id":{"S":"a"}}}`,
			"DynamoDB.ResourceNotFoundException", `\(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: ` + requestID + `; Proxy: null\)$`},
		{"DynamoDB: a condition that fails", "arn:aws:states:::dynamodb:putItem",
			`{"TableName":"` + f.table + `","Item":{"id":{"S":"z"}},"ConditionExpression":"attribute_exists(id)"}`,
			"DynamoDB.ConditionalCheckFailedException", `Error Code: ConditionalCheckFailedException;`},
		{"AWS SDK: SQS", "arn:aws:states:::aws-sdk:sqs:getQueueUrl", `{"QueueName":"nope"}`,
			"Sqs.QueueDoesNotExistException", `\(Service: Sqs, Status Code: 400, Request ID: ` + requestID + `\)$`},
		{"AWS SDK: DynamoDB", "arn:aws:states:::aws-sdk:dynamodb:describeTable", `{"TableName":"nope"}`,
			"DynamoDb.ResourceNotFoundException", `\(Service: DynamoDb, Status Code: 400, Request ID: ` + requestID + `\)$`},
		{"a parameter the API does not have", "arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"x","MessageBodee":"x"}`,
			"States.Runtime", `^The field 'MessageBodee' is not supported by this API action$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := runTask(t, f.runners, tt.arn, tt.params)
			if out.Failure == nil || out.Failure.Name != tt.err || !regexp.MustCompile(tt.cause).MatchString(out.Failure.Cause) {
				t.Fatalf("outcome %+v, want %s matching %s", out, tt.err, tt.cause)
			}
		})
	}
}

func TestUnreachableService(t *testing.T) {
	t.Parallel()
	runners := awssdk.Runners(awssdk.Config{Endpoints: map[string]awssdk.Endpoint{"": {URL: "http://127.0.0.1:1"}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	router := &runner.Router{Integrations: runners}
	out := router.Run(ctx, &runner.Task{Resource: resource(t, "arn:aws:states:::sqs:sendMessage"), Input: jsonvalue.MustParse(`{"QueueUrl":"http://127.0.0.1:1/q","MessageBody":"x"}`)})
	if out.Failure == nil || out.Failure.Name != "SQS.SdkClientException" || !strings.HasPrefix(out.Failure.Cause, "Unable to execute HTTP request: ") {
		t.Fatalf("outcome %+v", out)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	runners := awssdk.Runners(awssdk.Config{})
	tests := map[string]bool{
		"arn:aws:states:::sqs:sendMessage":                           true,
		"arn:aws:states:::sqs:sendMessage.waitForTaskToken":          true,
		"arn:aws:states:::sqs:sendMessage.sync":                      false,
		"arn:aws:states:::sqs:receiveMessage":                        false,
		"arn:aws:states:::sns:publish.waitForTaskToken":              true,
		"arn:aws:states:::dynamodb:updateItem":                       true,
		"arn:aws:states:::dynamodb:getItem.waitForTaskToken":         false,
		"arn:aws:states:::dynamodb:query":                            false,
		"arn:aws:states:::aws-sdk:dynamodb:query":                    true,
		"arn:aws:states:::aws-sdk:sqs:receiveMessage":                true,
		"arn:aws:states:::aws-sdk:sfn:startExecution":                true,
		"arn:aws:states:::aws-sdk:s3:listObjectsV2":                  true,
		"arn:aws:states:::aws-sdk:lambda:invoke":                     true,
		"arn:aws:states:::aws-sdk:sns:publish.waitForTaskToken":      true,
		"arn:aws:states:::aws-sdk:sqs:noSuchAction":                  false,
		"arn:aws:states:::aws-sdk:sqs:sendMessage.sync":              false,
		"arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken": true,
		// Services of the generated table.
		"arn:aws:states:::aws-sdk:secretsmanager:getSecretValue":       true,
		"arn:aws:states:::aws-sdk:iam:createUser.waitForTaskToken":     true,
		"arn:aws:states:::aws-sdk:apigateway:getRestApis":              true,
		"arn:aws:states:::aws-sdk:cloudwatchlogs:putLogEvents":         true,
		"arn:aws:states:::aws-sdk:secretsmanager:GetSecretValue":       false, // actions are camelCase
		"arn:aws:states:::aws-sdk:secretsmanager:getSecret":            false,
		"arn:aws:states:::aws-sdk:secretsmanager:getSecretValue.sync":  false,
		"arn:aws:states:::aws-sdk:ssm:getParameter.sync:2":             false,
		"arn:aws:states:::events:putEvents":                            true,
		"arn:aws:states:::events:putEvents.waitForTaskToken":           true,
		"arn:aws:states:::events:putEvents.sync":                       false,
		"arn:aws:states:::events:putRule":                              false,
		"arn:aws:states:::athena:startQueryExecution.sync":             true,
		"arn:aws:states:::athena:startQueryExecution.waitForTaskToken": false,
		"arn:aws:states:::glue:startJobRun":                            true,
		"arn:aws:states:::glue:startJobRun.sync":                       true,
		"arn:aws:states:::glue:getJobRun":                              false,
	}
	// Services whose protocol is rest-xml (other than S3) or ec2 have no runner:
	// the router refuses them.
	for _, service := range []string{"ec2", "cloudfront", "route53"} {
		if runners["aws-sdk:"+service] != nil {
			t.Errorf("a runner for %s, whose protocol stepd does not speak", service)
		}
	}
	for arn, ok := range tests {
		res := resource(t, arn)
		r := runners[res.Service]
		if r == nil {
			t.Errorf("no runner for %s", arn)
			continue
		}
		if err := r.(checker).Check(res); (err == nil) != ok {
			t.Errorf("Check(%s) = %v, want ok=%v", arn, err, ok)
		} else if err != nil && !strings.Contains(err.Error(), arn) {
			t.Errorf("the error does not name the resource: %v", err)
		}
	}
}
