package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepd/stepd/runner/awssdk/mototest"
	"github.com/stepd/stepd/service"
)

// lambdaFunc is a function behind the fake Lambda Invoke API: the event in,
// the result out.
type lambdaFunc func(event map[string]any) any

// lambdaAPI is a Lambda Invoke API over real HTTP, as `sam local
// start-lambda` or LocalStack serves one at Step Functions Local's
// LAMBDA_ENDPOINT. A function it does not know returns its event.
type lambdaAPI struct {
	*httptest.Server
	mu      sync.Mutex
	invoked map[string]int // by function name
}

func newLambdaAPI(t *testing.T, functions map[string]lambdaFunc) *lambdaAPI {
	t.Helper()
	api := &lambdaAPI{invoked: map[string]int{}}
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// POST /2015-03-31/functions/NAME/invocations, NAME a name or an ARN
		parts := strings.Split(r.URL.EscapedPath(), "/")
		if r.Method != http.MethodPost || len(parts) != 5 || parts[4] != "invocations" {
			http.Error(w, "not the Invoke API", http.StatusNotFound)
			return
		}
		name, err := url.PathUnescape(parts[3])
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if _, after, ok := strings.Cut(name, ":function:"); ok {
			name, _, _ = strings.Cut(after, ":") // without a qualifier
		}
		body, _ := io.ReadAll(r.Body)
		api.mu.Lock()
		api.invoked[name]++
		api.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		f, ok := functions[name]
		if !ok {
			w.Write(body)
			return
		}
		var event map[string]any
		if err := json.Unmarshal(body, &event); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(f(event))
	}))
	t.Cleanup(api.Close)
	return api
}

// calls is how many times the function name was invoked.
func (a *lambdaAPI) calls(name string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.invoked[name]
}

// serveSFNLocal runs stepd serve with nothing but the environment variables
// env, as a docker-compose file written for Step Functions Local's image sets
// them, plus the address and data directory the image's command line gives.
// Its client speaks to it in region.
func serveSFNLocal(t *testing.T, region string, env map[string]string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env["STEPD_ADDR"], env["STEPD_DATA"], env["STEPD_SYNC"] = addr, t.TempDir(), "NORMAL"
	s := &server{t: t, log: &lockedBuffer{}, addr: addr}
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), serviceReadyKey{}, func(svc *service.Service) { s.svc = svc; close(ready) }))
	done := make(chan int, 1)
	go func() {
		lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
		done <- run(ctx, []string{"serve"}, &streams{in: strings.NewReader(""), out: s.log, err: s.log, lookupEnv: lookup})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("stepd's log:\n%s", s.log.String())
		}
	})
	select {
	case <-ready:
	case code := <-done:
		t.Fatalf("stepd serve exited with %d", code)
	case <-time.After(30 * time.Second):
		t.Fatal("stepd serve is not ready")
	}
	s.client = sfn.New(sfn.Options{Region: region, BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", "")})
	return s
}

// exampleMachine creates a state machine from an example's definition file,
// unchanged but for each ${Name} replaced by subs[Name] (as CloudFormation's
// DefinitionSubstitutions do, and the example's program does).
func (s *server) exampleMachine(example, name string, subs map[string]string) string {
	s.t.Helper()
	def, err := os.ReadFile("../../examples/" + example + "/definition.asl.json")
	if err != nil {
		s.t.Fatal(err)
	}
	text := string(def)
	for k, v := range subs {
		text = strings.ReplaceAll(text, "${"+k+"}", v)
	}
	return s.machine(name, "STANDARD", text)
}

// TestStepFunctionsLocalEnvironment runs stepd serve with nothing but Step
// Functions Local's environment variables, as a docker-compose file written
// for its image sets them, and an example's definition unchanged: its
// Lambda functions are invoked at LAMBDA_ENDPOINT (a Lambda Invoke API over
// real HTTP), its ARNs carry AWS_DEFAULT_REGION and AWS_ACCOUNT_ID.
func TestStepFunctionsLocalEnvironment(t *testing.T) {
	t.Parallel()
	lambda := newLambdaAPI(t, nil) // the function returns its event
	s := serveSFNLocal(t, "eu-west-1", map[string]string{
		"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCOUNT_ID": "111122223333", "WAIT_TIME_SCALE": "0.001",
		"LAMBDA_ENDPOINT": lambda.URL, "STEP_FUNCTIONS_ENDPOINT": "http://localhost:8083",
		"AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local",
	})
	machine := s.exampleMachine("hello-parallel", "hello-parallel", nil)
	if machine != "arn:aws:states:eu-west-1:111122223333:stateMachine:hello-parallel" {
		t.Fatalf("machine ARN %s", machine)
	}
	s.waitStatus(s.start(machine, `{"name":"compose"}`), types.ExecutionStatusSucceeded)
	if n := lambda.calls("HelloWord_Step"); n == 0 {
		t.Errorf("LAMBDA_ENDPOINT was not invoked: %v", lambda.invoked)
	}
	if !strings.Contains(s.log.String(), "STEP_FUNCTIONS_ENDPOINT") {
		t.Errorf("the unused STEP_FUNCTIONS_ENDPOINT was not reported")
	}
}

// sfnLocalEnv is a docker-compose file's environment for Step Functions
// Local, as its documentation writes one: its default region and account
// (those of the examples' activity ARN), WAIT_TIME_SCALE making a 90-second
// Wait 90 ms, and the functions at LAMBDA_ENDPOINT.
func sfnLocalEnv(lambdaEndpoint string) map[string]string {
	return map[string]string{
		"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCOUNT_ID": "123456789012", "WAIT_TIME_SCALE": "0.001",
		"LAMBDA_ENDPOINT":   lambdaEndpoint,
		"AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local",
	}
}

// TestStepFunctionsLocalSeedExamples runs each seed example's definition
// (examples/), unchanged, through stepd serve started with Step Functions
// Local's variables only: the functions behind LAMBDA_ENDPOINT, the human
// approval answered through the activity API, SQS and SNS at SQS_ENDPOINT and
// SNS_ENDPOINT (moto's server; that case is skipped with the reason when
// moto_server is not installed).
func TestStepFunctionsLocalSeedExamples(t *testing.T) {
	t.Parallel()
	// The examples' handlers (examples/*/functions, *.py), as the Lambda
	// functions a compose file's Lambda container would serve.
	lambda := newLambdaAPI(t, map[string]lambdaFunc{
		"song": func(e map[string]any) any {
			if e["name"] == "PSY" {
				return map[string]any{"song": "gangnam style"}
			}
			return map[string]any{"song": "i dont know"}
		},
		"lyrics": func(e map[string]any) any {
			if e["song"] == "gangnam style" {
				return map[string]any{"lyrics": "oh oh oh oh oh pan gangnam style"}
			}
			return map[string]any{"lyrics": "i dont know"}
		},
		"CalculateVendingPoints": func(e map[string]any) any {
			amount := e["purchase"].(map[string]any)["amount"].(float64)
			return map[string]any{"participant": e["participant"], "points": int(amount * 10), "creditedAt": time.Now().UnixMilli()}
		},
		"UpdateParticipantRecord": func(e map[string]any) any {
			return map[string]any{"participant": e["participant"], "points": e["points"], "recordUpdated": true,
				"waitedMillis": time.Now().UnixMilli() - int64(e["creditedAt"].(float64))}
		},
	})
	s := serveSFNLocal(t, "us-east-1", sfnLocalEnv(lambda.URL))

	t.Run("song-lyrics", func(t *testing.T) {
		machine := s.exampleMachine("song-lyrics", "SongLyrics", nil)
		d := s.waitStatus(s.start(machine, `{"name": "PSY"}`), types.ExecutionStatusSucceeded)
		if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"lyrics":"oh oh oh oh oh pan gangnam style"}` {
			t.Errorf("%s with output %s", d.Status, aws.ToString(d.Output))
		}
		if lambda.calls("song") != 1 || lambda.calls("lyrics") != 1 {
			t.Errorf("invoked %v", lambda.invoked)
		}
	})

	t.Run("vending-pass", func(t *testing.T) {
		machine := s.exampleMachine("vending-pass", "VendingPass", nil)
		d := s.waitStatus(s.start(machine, `{"participant": "p-1234", "purchase": {"amount": 1.5, "machine": "m-7"}}`), types.ExecutionStatusSucceeded)
		if d.Status != types.ExecutionStatusSucceeded {
			t.Fatalf("%s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		out := decodeJSON(t, aws.ToString(d.Output))
		if out["recordUpdated"] != true || out["points"] != 15.0 {
			t.Errorf("output %s", aws.ToString(d.Output))
		}
		// The 90-second Wait, scaled by WAIT_TIME_SCALE (0.001), took about
		// 90 ms; unscaled it would have taken 90 s.
		if waited := time.Duration(out["waitedMillis"].(float64)) * time.Millisecond; waited < 80*time.Millisecond || waited > 30*time.Second {
			t.Errorf("the backend was called %v after the purchase, want about 90ms", waited)
		}
	})

	t.Run("promotion-approval", func(t *testing.T) {
		ctx := context.Background()
		// The definition's activity ARN is arn:aws:states:us-east-1:123456789012:activity:ManualStep.
		act, err := s.client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("ManualStep")})
		if err != nil {
			t.Fatal(err)
		}
		machine := s.exampleMachine("promotion-approval", "PromotionApproval", nil)
		input := `{"managerEmailAddress": "manager@example.com", "employeeName": "Jim"}`
		// The manager follows the approve link, then, for a second
		// promotion, the reject link: each answers the activity task's token,
		// as the example's links server does.
		for _, approve := range []bool{true, false} {
			exec := s.start(machine, input)
			task, err := s.client.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("promotion-mailer")})
			if err != nil || task.TaskToken == nil {
				t.Fatalf("no activity task: %v", err)
			}
			if in := decodeJSON(t, aws.ToString(task.Input)); in["managerEmailAddress"] != "manager@example.com" || in["employeeName"] != "Jim" {
				t.Errorf("the task's input %s", aws.ToString(task.Input))
			}
			if approve {
				_, err = s.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`"Approve link was clicked."`)})
			} else {
				_, err = s.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task.TaskToken, Error: aws.String("Rejected"), Cause: aws.String("Reject link was clicked.")})
			}
			if err != nil {
				t.Fatal(err)
			}
			d := s.waitStatus(exec, types.ExecutionStatusSucceeded)
			switch {
			case approve && (d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `"Approve link was clicked."`):
				t.Errorf("approved: %s with output %s", d.Status, aws.ToString(d.Output))
			case !approve && (d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "Rejected"):
				t.Errorf("rejected: %s with error %s", d.Status, aws.ToString(d.Error))
			}
		}
	})

	t.Run("stock-trading", func(t *testing.T) {
		t.Parallel()
		testStockTradingSFNLocal(t)
	})
}

// testStockTradingSFNLocal runs AWS's "Orchestrate Lambda functions" sample
// (examples/stock-trading) with its SQS queue and SNS topic on moto's server
// at SQS_ENDPOINT and SNS_ENDPOINT, and an approver answering the
// .waitForTaskToken requests from the queue.
func testStockTradingSFNLocal(t *testing.T) {
	moto := mototest.Endpoint(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(moto), Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local", "")}
	sqsc, snsc := sqs.NewFromConfig(cfg), sns.NewFromConfig(cfg)
	suffix := fmt.Sprint(time.Now().UnixNano()) // moto is shared by the package's tests
	approvals, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("RequestHumanApprovalSqs-" + suffix)})
	if err != nil {
		t.Fatal(err)
	}
	topic, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("ReportResultSnsTopic-" + suffix)})
	if err != nil {
		t.Fatal(err)
	}

	// The sample's functions (examples/stock-trading/functions/*.js).
	lambda := newLambdaAPI(t, map[string]lambdaFunc{
		"StepFunctionsSample-HelloLam-CheckStockPriceLambda-444455556666": func(e map[string]any) any {
			return map[string]any{"stock_price": e["stock_price"]}
		},
		"StepFunctionsSample-Hello-GenerateBuySellRecommend-123456789012": func(e map[string]any) any {
			if e["stock_price"].(float64) > 50 {
				return "sell"
			}
			return "buy"
		},
		"StepFunctionsSample-HelloLambda-BuyStockLambda-000000000000": func(e map[string]any) any {
			return map[string]any{"id": "t-1", "price": fmt.Sprint(e["stock_price"]), "type": "buy", "qty": "1"}
		},
		"StepFunctionsSample-HelloLambda-SellStockLambda-111111111111": func(e map[string]any) any {
			return map[string]any{"id": "t-2", "price": fmt.Sprint(e["stock_price"]), "type": "sell", "qty": "1"}
		},
	})
	env := sfnLocalEnv(lambda.URL)
	env["SQS_ENDPOINT"], env["SNS_ENDPOINT"] = moto, moto
	s := serveSFNLocal(t, "us-east-1", env)
	machine := s.exampleMachine("stock-trading", "StockTrading", map[string]string{
		"RequestHumanApprovalSqsUrl": *approvals.QueueUrl, "ReportResultSnsTopicArn": *topic.TopicArn})

	for _, c := range []struct {
		price int
		trade string
	}{{72, "sell"}, {20, "buy"}} {
		exec := s.start(machine, fmt.Sprintf(`{"stock_price": %d}`, c.price))
		// The approver (the sample's ApproveSqsLambda): the request on the
		// queue carries the task token; approving it resumes the execution.
		var token string
		for token == "" && ctx.Err() == nil {
			msgs, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: approvals.QueueUrl, WaitTimeSeconds: 5})
			if err != nil {
				t.Fatalf("read the approval queue: %v", err)
			}
			for _, m := range msgs.Messages {
				var req struct {
					Input     map[string]any
					TaskToken string
				}
				if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &req); err != nil {
					t.Fatalf("the approval request %s: %v", aws.ToString(m.Body), err)
				}
				if req.Input["recommended_type"] != c.trade {
					t.Errorf("price %d: recommended %v, want %s", c.price, req.Input["recommended_type"], c.trade)
				}
				token = req.TaskToken
				if _, err := sqsc.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: approvals.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := s.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"approved": true}`)}); err != nil {
			t.Fatal(err)
		}
		d := s.waitStatus(exec, types.ExecutionStatusSucceeded)
		if d.Status != types.ExecutionStatusSucceeded {
			t.Fatalf("price %d: %s: %s %s", c.price, d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		// Report Result's answer is SNS Publish's, from moto.
		if out := decodeJSON(t, aws.ToString(d.Output)); out["MessageId"] == nil {
			t.Errorf("price %d: output %s, want SNS Publish's answer", c.price, aws.ToString(d.Output))
		}
	}
	if lambda.calls("StepFunctionsSample-HelloLambda-SellStockLambda-111111111111") != 1 || lambda.calls("StepFunctionsSample-HelloLambda-BuyStockLambda-000000000000") != 1 {
		t.Errorf("trades invoked %v", lambda.invoked)
	}
}
