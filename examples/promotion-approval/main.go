// Command promotion-approval runs the seed article's manual approval example
// through stepd serve: an activity task waits (TimeoutSeconds 3600) while a
// worker emails the manager approve and reject links; following a link
// answers the task's token, and the execution succeeds or fails.
//
//	go run ./examples/promotion-approval            # follows the approve link
//	go run ./examples/promotion-approval -reject    # follows the reject link
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepd/stepd/examples/internal/demo"
	"github.com/stepd/stepd/examples/promotion-approval/approval"
	"github.com/stepd/stepd/sdk"
)

func main() {
	reject := flag.Bool("reject", false, "follow the reject link instead of the approve link")
	flag.Parse()
	demo.Main("promotion-approval", 5*time.Minute, func(ctx context.Context) error {
		_, err := run(ctx, os.Stdout, !*reject)
		return err
	})
}

func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// run starts stepd, the activity worker and its links server, runs one
// promotion, reads the email, follows a link and returns the finished
// execution.
func run(ctx context.Context, out io.Writer, approve bool) (*sfn.DescribeExecutionOutput, error) {
	s, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		return nil, err
	}
	defer s.Stop()
	client := sdk.NewClient(s.Endpoint)
	activity, err := client.CreateActivity(ctx, "ManualStep")
	if err != nil {
		return nil, err
	}
	machine, err := s.CreateMachine(ctx, "PromotionApproval", filepath.Join(dir(), "definition.asl.json"), nil)
	if err != nil {
		return nil, err
	}

	// The links server, and the worker that sends the emails.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	links := &http.Server{Handler: &approval.Links{Client: client}}
	go links.Serve(ln)
	defer links.Close()
	outbox, err := os.MkdirTemp("", "promotion-outbox-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(outbox)
	worker := &sdk.Worker{Client: client, ActivityARN: activity, Name: "promotion-mailer",
		Handler: &approval.Mailer{Outbox: outbox, LinkBase: "http://" + ln.Addr().String()}}
	workerDone := make(chan error, 1)
	go func() { workerDone <- worker.Run(ctx) }()
	defer func() { worker.Stop(); <-workerDone }()

	exec, err := s.StartExecution(ctx, machine, `{"managerEmailAddress": "manager@example.com", "employeeName": "Jim"}`)
	if err != nil {
		return nil, err
	}
	email, err := waitForEmail(ctx, outbox)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "--- the email in the outbox:\n%s---\n", email)
	approveLink, rejectLink := approval.LinksOf(email)
	link := approveLink
	if !approve {
		link = rejectLink
	}
	fmt.Fprintf(out, "following %s...\n", link[:strings.Index(link, "?")])
	resp, err := http.Get(link)
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Fprintf(out, "the link answered %s: %s", resp.Status, page)
	d, err := s.Wait(ctx, exec)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "the execution %s", d.Status)
	if d.Output != nil {
		fmt.Fprintf(out, " with output %s", *d.Output)
	}
	if d.Error != nil {
		fmt.Fprintf(out, " with error %s (%s)", *d.Error, *d.Cause)
	}
	fmt.Fprintln(out)
	return d, nil
}

// waitForEmail waits for the worker's email to appear in the outbox (a file
// is the only signal it gives).
func waitForEmail(ctx context.Context, outbox string) (string, error) {
	for {
		files, _ := filepath.Glob(filepath.Join(outbox, "*.eml"))
		if len(files) > 0 {
			b, err := os.ReadFile(files[0])
			return string(b), err
		}
		select {
		case <-ctx.Done():
			return "", errors.New("no email came")
		case <-time.After(20 * time.Millisecond):
		}
	}
}
