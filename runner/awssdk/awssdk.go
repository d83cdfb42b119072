// Package awssdk runs the Task states that call AWS services: the optimized
// integrations arn:aws:states:::sqs:sendMessage, sns:publish and
// dynamodb:getItem|putItem|updateItem|deleteItem, and the AWS SDK
// integrations arn:aws:states:::aws-sdk:<service>:<action>, each in the
// request-response and .waitForTaskToken patterns where AWS offers them. The
// requests go out through aws-sdk-go-v2, to each service's endpoint from the
// configuration — AWS itself, or any compatible server (LocalStack, moto,
// ElasticMQ, DynamoDB Local) — and results and errors come back in the shapes
// and names Step Functions uses:
//
//   - optimized integrations answer the service's response with
//     SdkHttpMetadata and SdkResponseMetadata, and fail with errors named like
//     SQS.QueueDoesNotExistException, SNS.NotFoundException or
//     DynamoDB.ConditionalCheckFailedException, with causes in the form of the
//     AWS SDK for Java 1 ("... (Service: AmazonSQS; Status Code: 400; Error
//     Code: ...; Request ID: ...; Proxy: null)");
//   - AWS SDK integrations answer the response alone and fail with
//     ServiceName.ErrorNameException (Sqs.QueueDoesNotExistException,
//     DynamoDb.ResourceNotFoundException), causes in the form of the AWS SDK
//     for Java 2 ("... (Service: Sqs, Status Code: 400, Request ID: ...)").
//
// sfn and s3 are called through the typed aws-sdk-go-v2 clients.
// Every other service whose protocol is JSON 1.0/1.1, REST-JSON or query is
// called through one generic client (Generic), driven by a table generated
// from botocore's service models (models/, made by
// scripts/gen-awssdk-models.py): requests built in the service's protocol and
// signed with SigV4, results in PascalCase member names, errors named
// <Service>.<Exception> as the AWS SDK for Java 2 names them. On that client
// also run the optimized sqs:sendMessage, sns:publish, dynamodb:*Item,
// events:putEvents, athena:startQueryExecution and glue:startJobRun (with
// .sync): the typed clients of sqs, sns, dynamodb and lambda were 3 to 4 ms
// of every start of stepd.
//
// With .waitForTaskToken the runner performs the request only: the engine then
// waits for SendTaskSuccess or SendTaskFailure with the task's token.
package awssdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/awsreq"
)

// Endpoint says where a service is and how to sign requests to it.
type Endpoint struct {
	// URL is the service's endpoint ("http://127.0.0.1:4566"); empty: AWS's
	// own for the region.
	URL    string
	Region string // default us-east-1
	// Credentials; when empty, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
	// AWS_SESSION_TOKEN from the environment, and "test" for an endpoint URL
	// (local emulators accept any).
	AccessKeyID, SecretAccessKey, SessionToken string
	// HTTPClient sends the requests; nil: the SDK's.
	HTTPClient *http.Client
}

// Config tells the integrations where each service is.
type Config struct {
	// Endpoints by service name as in Resource ARNs ("sqs", "sns", "dynamodb",
	// "lambda", "sfn", "s3"); the entry "" applies to the services not named.
	Endpoints map[string]Endpoint
	// Getenv reads the environment (for credentials); nil: os.Getenv.
	Getenv func(string) string
}

// service is one AWS service the integrations can call.
type service struct {
	name      string // as in Resource ARNs: "sqs"
	errorName string // as in AWS SDK integration error names: "Sqs"
	client    reflect.Value
	unions    unions
}

// services are the services stepd can call, with how to make their clients.
// Adding one is a line here (and its module in go.mod).
var services = []struct {
	name, errorName string
	client          func(aws.Config, Endpoint) any
	unions          func(unions)
}{
	{"sfn", "Sfn", func(c aws.Config, _ Endpoint) any { return sfn.NewFromConfig(c) }, nil},
	{"s3", "S3", func(c aws.Config, e Endpoint) any {
		// Local servers are addressed by path, not by bucket subdomains.
		return s3.NewFromConfig(c, func(o *s3.Options) { o.UsePathStyle = e.URL != "" })
	}, nil},
}

// ServiceNames returns the services the AWS SDK integrations can call: those
// with typed clients, then those of the generated table.
func ServiceNames() []string {
	names := make([]string, len(services))
	for i, s := range services {
		names[i] = s.name
	}
	for _, n := range modelNames() {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// Runners returns the runners of the integrations, by the service name a
// runner.Router looks them up with: "sqs", "sns" and "dynamodb" (optimized),
// and "aws-sdk:<service>" for each service. Each also has a Check method that
// says whether it can run a resource.
func Runners(cfg Config) map[string]runner.Runner {
	out := map[string]runner.Runner{}
	for _, def := range services {
		ep, ok := cfg.Endpoints[def.name]
		if !ok {
			ep = cfg.Endpoints[""]
		}
		svc := &service{name: def.name, errorName: def.errorName, unions: unions{}}
		svc.client = reflect.ValueOf(def.client(ep.config(cfg.Getenv), ep))
		if def.unions != nil {
			def.unions(svc.unions)
		}
		out["aws-sdk:"+def.name] = &SDK{svc: svc}
	}
	// Every other service of the generated table goes through the generic
	// client, built from the service's model.
	for _, name := range modelNames() {
		if _, typed := out["aws-sdk:"+name]; typed {
			continue
		}
		ep, ok := cfg.Endpoints[name]
		if !ok {
			ep = cfg.Endpoints[""]
		}
		out["aws-sdk:"+name] = &Generic{name: name, ep: ep, getenv: cfg.Getenv}
	}
	for name, spec := range optimized {
		if g, ok := out["aws-sdk:"+name].(*Generic); ok {
			out[name] = &Optimized{g: g, spec: spec}
		}
	}
	if g, ok := out["aws-sdk:eventbridge"].(*Generic); ok {
		out["events"] = &PutEvents{events: g} // at services.eventbridge's endpoint
	}
	for _, spec := range jobs {
		if g, ok := out["aws-sdk:"+spec.model].(*Generic); ok {
			out[spec.service] = &Job{spec: spec, client: g}
		}
	}
	return out
}

// AWSConfig returns the aws-sdk-go-v2 configuration of an endpoint (for
// clients made elsewhere, such as the Lambda functions' Invoke API client),
// with credentials from the environment when the endpoint has none.
func (ep Endpoint) AWSConfig() aws.Config { return ep.config(nil) }

func (ep Endpoint) config(getenv func(string) string) aws.Config {
	if getenv == nil {
		getenv = envLookup
	}
	region := ep.Region
	if region == "" {
		region = "us-east-1"
	}
	key, secret, token := ep.AccessKeyID, ep.SecretAccessKey, ep.SessionToken
	if key == "" {
		key, secret, token = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")
	}
	if key == "" && ep.URL != "" {
		key, secret = "test", "test"
	}
	cfg := aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider(key, secret, token)}
	if ep.URL != "" {
		cfg.BaseEndpoint = aws.String(ep.URL)
	}
	if ep.HTTPClient != nil {
		cfg.HTTPClient = ep.HTTPClient
	}
	cfg.APIOptions = append(cfg.APIOptions, addTraceHeaders)
	return cfg
}

// addTraceHeaders adds the task's trace context (runner.TraceHeaderFrom) to
// the SDK's requests, as Step Functions passes X-Ray's to the services it
// calls.
func addTraceHeaders(stack *middleware.Stack) error {
	return stack.Build.Add(middleware.BuildMiddlewareFunc("StepdTraceHeaders",
		func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				runner.SetTraceHeaders(req.Header, runner.TraceHeaderFrom(ctx))
			}
			return next.HandleBuild(ctx, in)
		}), middleware.After)
}

// operation returns the client method of an action ("sendMessage" is
// SendMessage) and its input type.
func (s *service) operation(action string) (reflect.Value, reflect.Type, bool) {
	if action == "" {
		return reflect.Value{}, nil, false
	}
	m := s.client.MethodByName(strings.ToUpper(action[:1]) + action[1:])
	if !m.IsValid() {
		return reflect.Value{}, nil, false
	}
	mt := m.Type()
	if mt.NumIn() < 2 || mt.NumOut() != 2 || mt.In(1).Kind() != reflect.Pointer || mt.In(1).Elem().Kind() != reflect.Struct ||
		!strings.HasSuffix(mt.In(1).Elem().Name(), "Input") {
		return reflect.Value{}, nil, false
	}
	return m, mt.In(1).Elem(), true
}

// call performs an action with the task's parameters and returns the output
// struct (a pointer).
func (s *service) call(ctx context.Context, action string, params any) (reflect.Value, error) {
	m, inType, ok := s.operation(action)
	if !ok {
		return reflect.Value{}, &fieldError{msg: fmt.Sprintf("The action %s:%s does not exist", s.name, action)}
	}
	in := reflect.New(inType)
	if params != nil {
		if _, ok := params.(*jsonvalue.Object); !ok {
			return reflect.Value{}, &fieldError{msg: "The parameters must be an object"}
		}
		if err := s.unions.decode(in.Elem(), params, ""); err != nil {
			return reflect.Value{}, err
		}
	}
	res := m.Call([]reflect.Value{reflect.ValueOf(ctx), in})
	if err, _ := res[1].Interface().(error); err != nil {
		return reflect.Value{}, err
	}
	return res[0], nil
}

// checkPattern accepts request-response and .waitForTaskToken.
func checkPattern(res asl.Resource) error {
	if res.Pattern != asl.PatternRequestResponse && res.Pattern != asl.PatternWaitForTaskToken {
		return fmt.Errorf("the resource %s is not supported: %s:%s runs as request-response or .waitForTaskToken", res.ARN, res.Service, res.Action)
	}
	return nil
}

// SDK runs the AWS SDK integrations of one service,
// arn:aws:states:::aws-sdk:<service>:<action>. It implements runner.Runner.
type SDK struct {
	svc *service
}

var _ runner.Runner = (*SDK)(nil)

// Check reports whether the service has the resource's action and pattern.
func (r *SDK) Check(res asl.Resource) error {
	if _, _, ok := r.svc.operation(res.Action); !ok {
		return fmt.Errorf("the resource %s is not supported: %s has no action %s", res.ARN, r.svc.name, res.Action)
	}
	return checkPattern(res)
}

// Run performs the action.
func (r *SDK) Run(ctx context.Context, t *runner.Task) runner.Outcome {
	out, err := r.svc.call(ctx, t.Resource.Action, t.Input)
	if err != nil {
		return r.svc.sdkError(ctx, err)
	}
	v, _ := r.svc.unions.encode(out)
	if v == nil {
		v = jsonvalue.NewObject(0)
	}
	return runner.Succeeded(v)
}

// optimizedSpec is an optimized integration of a service: its actions, its
// patterns, and how its errors are named.
type optimizedSpec struct {
	actions     []string
	callback    bool   // .waitForTaskToken is offered
	prefix      string // of error names: "SQS"
	causeName   string // the service in causes: "AmazonSQS"
	unmodeled   string // the error name of an error without a modeled type
	addSuffixes bool   // error codes get "Exception" appended
}

var optimized = map[string]optimizedSpec{
	"sqs":      {actions: []string{"sendMessage"}, callback: true, prefix: "SQS", causeName: "AmazonSQS", unmodeled: "AmazonSQSException", addSuffixes: true},
	"sns":      {actions: []string{"publish"}, callback: true, prefix: "SNS", causeName: "AmazonSNS", unmodeled: "AmazonSNSException", addSuffixes: true},
	"dynamodb": {actions: []string{"getItem", "putItem", "updateItem", "deleteItem"}, prefix: "DynamoDB", causeName: "AmazonDynamoDBv2", unmodeled: "AmazonDynamoDBException"},
}

// Optimized runs the optimized integration of one service (sqs, sns or
// dynamodb), on the service's generic client. It implements runner.Runner.
type Optimized struct {
	g    *Generic
	spec optimizedSpec
}

var _ runner.Runner = (*Optimized)(nil)

// Check reports whether the integration has the resource's action and
// pattern, as AWS offers them.
func (r *Optimized) Check(res asl.Resource) error {
	if !slices.Contains(r.spec.actions, res.Action) {
		return fmt.Errorf("the resource %s is not supported: the optimized %s integration offers %s (use arn:aws:states:::aws-sdk:%s:%s for other actions)",
			res.ARN, res.Service, strings.Join(r.spec.actions, ", "), res.Service, res.Action)
	}
	if res.Pattern == asl.PatternWaitForTaskToken && r.spec.callback {
		return nil
	}
	if res.Pattern != asl.PatternRequestResponse {
		return fmt.Errorf("the resource %s is not supported: %s:%s does not offer this integration pattern", res.ARN, res.Service, res.Action)
	}
	return nil
}

// Run performs the action: the service's response with SdkHttpMetadata and
// SdkResponseMetadata.
func (r *Optimized) Run(ctx context.Context, t *runner.Task) runner.Outcome {
	if err := r.Check(t.Resource); err != nil {
		return runner.Failed("States.Runtime", err.Error())
	}
	ans, err := r.g.exchange(ctx, lookupModel(r.g.name), t.Resource.Action, t.Input)
	if err != nil {
		return exchangeFailure(ctx, err, r.spec.prefix)
	}
	if ans.refusal != nil {
		return r.optimizedError(*ans.refusal)
	}
	o, _ := ans.out.(*jsonvalue.Object)
	if o == nil {
		o = jsonvalue.NewObject(2)
	}
	o.Set("SdkHttpMetadata", awsreq.HTTPMetadata(ans.status, ans.header))
	meta := jsonvalue.NewObject(1)
	meta.Set("RequestId", ans.requestID())
	o.Set("SdkResponseMetadata", meta)
	return runner.Succeeded(o)
}

// apiFailure is what a service answered when it refused a request.
type apiFailure struct {
	typeName  string // the modeled error's type ("QueueDoesNotExist"), or ""
	code      string
	message   string
	status    int
	requestID string
}

// asAPIFailure reads a service's refusal; ok is false for failures to reach
// it.
func asAPIFailure(err error) (apiFailure, bool) {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return apiFailure{}, false
	}
	f := apiFailure{code: api.ErrorCode(), message: api.ErrorMessage()}
	if _, generic := api.(*smithy.GenericAPIError); !generic {
		t := reflect.TypeOf(api)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		f.typeName = t.Name()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		f.status, f.requestID = re.HTTPStatusCode(), re.ServiceRequestID()
	}
	return f, true
}

func withException(name string) string {
	if strings.HasSuffix(name, "Exception") {
		return name
	}
	return name + "Exception"
}

// parameterFailure reports parameters that do not fit the API.
func parameterFailure(err error) (runner.Outcome, bool) {
	var fe *fieldError
	if errors.As(err, &fe) {
		return runner.Failed("States.Runtime", fe.Error()), true
	}
	return runner.Outcome{}, false
}

// callFailure classifies a failed call: a bad parameter, a timeout (the
// task's context ended) or a request that never got an answer is done, with
// prefix naming the client's exception; otherwise f is the service's answer,
// for the caller to name.
func callFailure(ctx context.Context, err error, prefix string) (out runner.Outcome, f apiFailure, done bool) {
	if out, ok := parameterFailure(err); ok {
		return out, f, true
	}
	if ctx.Err() != nil {
		return runner.Failed("States.Timeout", ""), f, true
	}
	f, ok := asAPIFailure(err)
	if !ok {
		return runner.Failed(prefix+".SdkClientException", "Unable to execute HTTP request: "+rootCause(err)), f, true
	}
	return out, f, false
}

// optimizedError names a service's refusal as the optimized integrations
// do, the cause in the form of the AWS SDK for Java 1.
func (r *Optimized) optimizedError(f apiFailure) runner.Outcome {
	name := r.spec.unmodeled
	switch {
	case f.typeName != "":
		name = withException(f.typeName)
	case f.code != "" && r.spec.addSuffixes:
		name = withException(f.code)
	case f.code != "":
		name = f.code
	}
	cause := fmt.Sprintf("%s (Service: %s; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
		f.message, r.spec.causeName, f.status, f.code, f.requestID)
	return runner.Failed(r.spec.prefix+"."+name, cause)
}

// sdkError names a failure as the AWS SDK integrations do.
func (s *service) sdkError(ctx context.Context, err error) runner.Outcome {
	out, f, done := callFailure(ctx, err, s.errorName)
	if done {
		return out
	}
	name := s.errorName + "Exception"
	switch {
	case f.typeName != "":
		name = withException(f.typeName)
	case f.code != "":
		name = withException(f.code)
	}
	cause := fmt.Sprintf("%s (Service: %s, Status Code: %d, Request ID: %s)", f.message, s.errorName, f.status, f.requestID)
	return runner.Failed(s.errorName+"."+name, cause)
}

// rootCause is the innermost error's text, without the SDK's wrapping.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func envLookup(name string) string { return os.Getenv(name) }
