// Command stock-trading runs AWS's sample project "Orchestrate Lambda
// functions" through stepd serve, with SQS and SNS on moto's server: check a
// stock's price, recommend buying or selling, ask a person through an SQS
// queue (.waitForTaskToken), trade, and report through an SNS topic.
//
//	go run ./examples/stock-trading                 # a random price
//	go run ./examples/stock-trading -price 72       # sells
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepd/stepd/examples/internal/demo"
	"github.com/stepd/stepd/sdk"
)

func main() {
	price := flag.Int("price", -1, "the stock's price (default: a random one)")
	flag.Parse()
	demo.Main("stock-trading", 5*time.Minute, func(ctx context.Context) error {
		_, err := run(ctx, os.Stdout, *price)
		return err
	})
}

func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// outcome is what the example observed: the finished execution, and the
// report that reached the SNS topic's subscriber.
type outcome struct {
	Execution *sfn.DescribeExecutionOutput
	Report    map[string]any // the published message: {"Input": the state's input}
	Approved  int            // approval requests the approver answered
}

// run starts moto's server and stepd serve, creates the queue, the topic and
// the machine, runs one trade with an approver answering from the queue, and
// reads the report.
func run(ctx context.Context, out io.Writer, price int) (*outcome, error) {
	moto, err := demo.StartMoto(ctx)
	if err != nil {
		return nil, err
	}
	defer moto.Stop()
	cfg := moto.AWSConfig()
	sqsc, snsc := sqs.NewFromConfig(cfg), sns.NewFromConfig(cfg)
	approvals, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("RequestHumanApprovalSqs")})
	if err != nil {
		return nil, err
	}
	topic, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("ReportResultSnsTopic")})
	if err != nil {
		return nil, err
	}
	// Whoever reads the reports: a queue subscribed to the topic.
	inbox, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("ReportInbox")})
	if err != nil {
		return nil, err
	}
	inboxARN := fmt.Sprintf("arn:aws:sqs:%s:%s:ReportInbox", demo.Region, demo.Account)
	if _, err := snsc.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(inboxARN),
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		return nil, err
	}

	s, err := demo.Start(ctx, demo.Options{Config: filepath.Join(dir(), "stepd.yaml"), Env: []string{"AWS_ENDPOINT_URL=" + moto.Endpoint}})
	if err != nil {
		return nil, err
	}
	defer s.Stop()
	machine, err := s.CreateMachine(ctx, "StockTrading", filepath.Join(dir(), "definition.asl.json"), map[string]string{
		"RequestHumanApprovalSqsUrl": *approvals.QueueUrl, "ReportResultSnsTopicArn": *topic.TopicArn})
	if err != nil {
		return nil, err
	}

	// The approver: reads the approval requests and approves each one, as the
	// sample's ApproveSqsLambda does.
	o := &outcome{}
	approverCtx, stopApprover := context.WithCancel(ctx)
	approverDone := make(chan error, 1)
	go func() {
		approverDone <- approve(approverCtx, out, sqsc, *approvals.QueueUrl, sdk.NewClient(s.Endpoint), &o.Approved)
	}()

	input := `{}`
	if price >= 0 {
		input = fmt.Sprintf(`{"stock_price": %d}`, price)
	}
	exec, err := s.StartExecution(ctx, machine, input)
	if err != nil {
		stopApprover()
		return nil, err
	}
	o.Execution, err = s.Wait(ctx, exec)
	stopApprover()
	if aerr := <-approverDone; err == nil && aerr != nil {
		err = aerr
	}
	if err != nil {
		return nil, err
	}
	output, err := s.Output(o.Execution)
	if err != nil {
		return o, err
	}
	fmt.Fprintf(out, "the execution SUCCEEDED with output (Report Result's SNS answer) %s\n", output)
	msgs, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: inbox.QueueUrl, WaitTimeSeconds: 5})
	if err != nil {
		return nil, err
	}
	if len(msgs.Messages) == 0 {
		return o, fmt.Errorf("no report reached the topic's subscriber")
	}
	if err := json.Unmarshal([]byte(*msgs.Messages[0].Body), &o.Report); err != nil {
		return o, fmt.Errorf("the report %q: %w", *msgs.Messages[0].Body, err)
	}
	fmt.Fprintf(out, "the report published to SNS: %s\n", *msgs.Messages[0].Body)
	return o, nil
}

// approve answers every approval request on the queue with SendTaskSuccess,
// until ctx ends.
func approve(ctx context.Context, out io.Writer, sqsc *sqs.Client, queue string, stepd *sdk.Client, count *int) error {
	for ctx.Err() == nil {
		msgs, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), WaitTimeSeconds: 1})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("read the approval queue: %w", err)
		}
		for _, m := range msgs.Messages {
			var req struct {
				Input     json.RawMessage
				TaskToken string
			}
			if err := json.Unmarshal([]byte(*m.Body), &req); err != nil {
				return fmt.Errorf("an approval request %q: %w", *m.Body, err)
			}
			fmt.Fprintf(out, "approval requested for %s: approving\n", req.Input)
			if err := stepd.SendTaskSuccess(ctx, req.TaskToken, "approved"); err != nil {
				return fmt.Errorf("SendTaskSuccess: %w", err)
			}
			*count++
			if _, err := sqsc.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queue), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return err
			}
		}
	}
	return nil
}
