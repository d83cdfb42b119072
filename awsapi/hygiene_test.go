package awsapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepd/stepd/auth"
	"github.com/stepd/stepd/awsapi"
	"github.com/stepd/stepd/service"
)

// post sends a raw API call and decodes the error answer.
func post(t *testing.T, url, action, body string) (status int, typ, message string) {
	t.Helper()
	status, answer := postRaw(t, url, action, body)
	var out struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(answer, &out)
	return status, out.Type, out.Message
}

// postRaw sends a raw API call and returns its status and body as sent.
func postRaw(t *testing.T, url, action, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, answer
}

// TestErrorsQuoteBoundedValues: a message quotes a value whole, as AWS does,
// up to a few thousand characters (service.MaxQuoted), and a message that
// lists problems stays within a bound however many there are.
func TestErrorsQuoteBoundedValues(t *testing.T) {
	e := newEnv(t)
	huge := strings.Repeat("n", 7<<20)
	cases := map[string]struct {
		action, body, code string
	}{
		"a huge name":       {"CreateStateMachine", `{"name":"` + huge + `","definition":"{}","roleArn":"` + roleARN + `"}`, "InvalidName"},
		"a huge role":       {"CreateStateMachine", `{"name":"n","definition":"{}","roleArn":"` + huge + `"}`, "ValidationException"},
		"a huge enum":       {"CreateStateMachine", `{"name":"n","definition":"{}","roleArn":"` + roleARN + `","type":"` + huge + `"}`, "ValidationException"},
		"a huge ARN":        {"DescribeExecution", `{"executionArn":"` + huge + `"}`, "ValidationException"},
		"a huge target":     {strings.Repeat("X", 100000), `{}`, "UnknownOperationException"},
		"many huge tags":    {"TagResource", `{"resourceArn":"arn:aws:states:us-east-1:123456789012:stateMachine:x","tags":[` + strings.Repeat(`{"key":"`+strings.Repeat("k", 5000)+`"},`, 1000) + `{}]}`, "ValidationException"},
		"a huge trace":      {"StartExecution", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:x","traceHeader":"` + strings.Repeat("é", 1<<20) + `"}`, "ValidationException"},
		"a huge token":      {"ListStateMachines", `{"nextToken":"` + huge + `"}`, "ValidationException"},
		"a huge task token": {"SendTaskHeartbeat", `{"taskToken":"` + huge + `"}`, "ValidationException"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			status, typ, msg := post(t, e.server.URL, c.action, c.body)
			if status != 400 || !strings.HasSuffix(typ, "#"+c.code) {
				t.Fatalf("%d %s %.300q", status, typ, msg)
			}
			if len(msg) > 40000 || strings.Contains(msg, strings.Repeat("n", 2*service.MaxQuoted+1)) || strings.Contains(msg, strings.Repeat("k", service.MaxQuoted+1)) {
				t.Fatalf("the message is %d bytes: %.400s", len(msg), msg)
			}
		})
	}
}

func TestNamesRefuseInvisibleAndInvalidCharacters(t *testing.T) {
	e := newEnv(t)
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	for name, n := range map[string]string{
		"right-to-left override": "invoice\u202Egpj.exe",
		"left-to-right isolate":  "a\u2066b",
		"zero-width space":       "ad\u200Bmin",
		"zero-width joiner":      "a\u200Db",
		"byte order mark":        "\uFEFFname",
		"replacement character":  "a\uFFFDb",
		"soft hyphen":            "ad\u00ADmin",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.sfn.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String(n),
				Definition: aws.String(def), RoleArn: aws.String(roleARN)})
			wantCode(t, err, "InvalidName", "")
			_, err = e.sfn.CreateActivity(context.Background(), &sfn.CreateActivityInput{Name: aws.String(n)})
			wantCode(t, err, "InvalidName", "")
		})
	}
	// Letters of any script stay valid.
	if _, err := e.sfn.CreateActivity(context.Background(), &sfn.CreateActivityInput{Name: aws.String("überprüfung-審査")}); err != nil {
		t.Fatal(err)
	}

	// Invalid UTF-8 is refused, not replaced: InvalidName in a name, a
	// SerializationException naming the member elsewhere.
	status, typ, msg := post(t, e.server.URL, "CreateActivity", "{\"name\":\"a\xffb\"}")
	if status != 400 || typ != "com.amazonaws.states#InvalidName" {
		t.Fatalf("invalid UTF-8 in a name: %d %s %s", status, typ, msg)
	}
	arn := e.machine("STANDARD", def)
	status, typ, msg = post(t, e.server.URL, "StartExecution", "{\"stateMachineArn\":\""+arn+"\",\"input\":\"{\\\"a\\\":\\\"\xc3\x28\\\"}\"}")
	if status != 400 || typ != "com.amazon.coral.service#SerializationException" || !strings.Contains(msg, "'input'") {
		t.Fatalf("invalid UTF-8 in an input: %d %s %s", status, typ, msg)
	}
}

func TestSlowBodiesAreCutOff(t *testing.T) {
	e := newEnvWith(t, func(o *awsapi.Options) { o.BodyTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", e.server.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	_, _ = io.WriteString(conn, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSStepFunctions.ListStateMachines\r\n"+
		"Content-Type: application/x-amz-json-1.0\r\nContent-Length: 100000\r\n\r\n{\"maxResults\":")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "RequestTimeout") || took > 5*time.Second {
		t.Fatalf("after %s: %d %s", took, resp.StatusCode, body)
	}
	// The server closes the connection: nothing more comes from it.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the connection is still open: %v", err)
	}
}

func TestLongPollOutlivesTheAnswerTimeout(t *testing.T) {
	e := newEnvWith(t, func(o *awsapi.Options) { o.AnswerTimeout = 200 * time.Millisecond })
	act, err := e.sfn.CreateActivity(context.Background(), &sfn.CreateActivityInput{Name: aws.String("slow")})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	out, err := e.sfn.GetActivityTask(context.Background(), &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || out.TaskToken != nil {
		t.Fatalf("the poll (2 s) was cut: %v after %s", err, time.Since(start))
	}
	if took := time.Since(start); took < 2*time.Second {
		t.Fatalf("the poll ended after %s", took)
	}
}

func TestAdmitRefusesBeforeReading(t *testing.T) {
	hosts, _ := auth.NewHosts(nil)
	e := newEnvWith(t, func(o *awsapi.Options) { o.Admit = hosts.Check })
	req, _ := http.NewRequest(http.MethodPost, e.server.URL+"/", strings.NewReader("{}"))
	req.Host = "attacker.example:8083"
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 403 || out.Type != "com.amazon.coral.service#AccessDeniedException" || !strings.Contains(out.Message, "'attacker.example:8083'") {
		t.Fatalf("%d %+v", resp.StatusCode, out)
	}
	// The loopback address the test server listens on is admitted.
	if _, err := e.sfn.ListStateMachines(context.Background(), &sfn.ListStateMachinesInput{}); err != nil {
		t.Fatal(err)
	}
}

func TestLargeBodiesShareABudget(t *testing.T) {
	e := newEnvWith(t, func(o *awsapi.Options) { o.BodyTimeout = 2 * time.Second })
	// 33 clients declare 8 MiB bodies and send nothing: 32 fit in the 256 MiB
	// budget (and time out), the 33rd is answered 503 at once.
	type answer struct {
		status int
		after  time.Duration
	}
	answers := make(chan answer, 33)
	for range 33 {
		go func() {
			conn, err := net.Dial("tcp", e.server.Listener.Addr().String())
			if err != nil {
				answers <- answer{}
				return
			}
			defer conn.Close()
			start := time.Now()
			_, _ = io.WriteString(conn, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSStepFunctions.CreateActivity\r\n"+
				"Content-Length: 8388608\r\n\r\n{")
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				answers <- answer{}
				return
			}
			resp.Body.Close()
			answers <- answer{resp.StatusCode, time.Since(start)}
		}()
	}
	got := map[int]int{}
	for range 33 {
		a := <-answers
		got[a.status]++
		if a.status == http.StatusServiceUnavailable && a.after > time.Second {
			t.Errorf("the 503 came after %s", a.after)
		}
	}
	if got[http.StatusServiceUnavailable] != 1 || got[http.StatusRequestTimeout] != 32 {
		t.Fatalf("answers %v, want one 503 and 32 408s", got)
	}
	// Once they are gone, a large body fits again (and is read: its name is
	// what is wrong).
	if status, typ, _ := post(t, e.server.URL, "CreateActivity", `{"name":"`+strings.Repeat("x", 1<<20)+`"}`); status != 400 || typ != "com.amazonaws.states#InvalidName" {
		t.Fatalf("a large body after the others: %d %s", status, typ)
	}
}

// A value within the bound is quoted whole, as AWS quotes it (its recording of
// ListStateMachines with a nextToken of 1,025 characters, test_list_sms_pagination).
func TestErrorsQuoteWholeValues(t *testing.T) {
	e := newEnv(t)
	token := strings.Repeat("x", 1025)
	_, _, msg := post(t, e.server.URL, "ListStateMachines", `{"nextToken":"`+token+`"}`)
	want := "1 validation error detected: Value '" + token + "' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 1024"
	if msg != want {
		t.Errorf("message %.120q..., want the token whole", msg)
	}
}
