package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/service"
)

// TestStepFunctionsLocalEnvironment runs stepd serve with nothing but Step
// Functions Local's environment variables, as a docker-compose file written
// for its image sets them, and an example's definition unchanged: its
// Lambda functions are invoked at LAMBDA_ENDPOINT (a Lambda Invoke API over
// real HTTP), its ARNs carry AWS_DEFAULT_REGION and AWS_ACCOUNT_ID.
func TestStepFunctionsLocalEnvironment(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	invoked := map[string]int{}
	lambdaAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// POST /2015-03-31/functions/NAME/invocations
		parts := strings.Split(r.URL.Path, "/")
		if r.Method != http.MethodPost || len(parts) != 5 || parts[4] != "invocations" {
			http.Error(w, "not the Invoke API", http.StatusNotFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		invoked[parts[3]]++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(body) // the function returns its event
	}))
	defer lambdaAPI.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{
		"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCOUNT_ID": "111122223333", "WAIT_TIME_SCALE": "0.001",
		"LAMBDA_ENDPOINT": lambdaAPI.URL, "STEP_FUNCTIONS_ENDPOINT": "http://localhost:8083",
		"AWS_ACCESS_KEY_ID": "AKIDLOCAL", "AWS_SECRET_ACCESS_KEY": "local",
		// What the image's command line gives:
		"STEPD_ADDR": addr, "STEPD_DATA": t.TempDir(), "STEPD_SYNC": "NORMAL",
	}
	s := &server{t: t}
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), serviceReadyKey{}, func(svc *service.Service) { s.svc = svc; close(ready) }))
	log := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
		done <- run(ctx, []string{"serve"}, &streams{in: strings.NewReader(""), out: log, err: log, lookupEnv: lookup})
	}()
	defer func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("stepd's log:\n%s", log.String())
		}
	}()
	select {
	case <-ready:
	case code := <-done:
		t.Fatalf("stepd serve exited with %d", code)
	case <-time.After(30 * time.Second):
		t.Fatal("stepd serve is not ready")
	}
	client := sfn.New(sfn.Options{Region: "eu-west-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", "")})
	s.client, s.log, s.addr = client, log, addr

	def, err := os.ReadFile("../../examples/hello-parallel/definition.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	machine := s.machine("hello-parallel", "STANDARD", string(def))
	if machine != "arn:aws:states:eu-west-1:111122223333:stateMachine:hello-parallel" {
		t.Fatalf("machine ARN %s", machine)
	}
	s.waitStatus(s.start(machine, `{"name":"compose"}`), types.ExecutionStatusSucceeded)
	mu.Lock()
	n := invoked["HelloWord_Step"]
	mu.Unlock()
	if n == 0 {
		t.Errorf("LAMBDA_ENDPOINT was not invoked: %v", invoked)
	}
	if !strings.Contains(log.String(), "STEP_FUNCTIONS_ENDPOINT") {
		t.Errorf("the unused STEP_FUNCTIONS_ENDPOINT was not reported")
	}
}
