//go:build hostile

package hostile

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepd/stepd/test/internal/stepdtest"
)

// readTimeout is the --read-timeout the slow-body attacks run under: a body
// must be in within it.
const readTimeout = 2 * time.Second

// TestSlowBodiesAreCutOff: clients that send their bodies a byte at a time
// (a slowloris), or most of a large body and then nothing, are answered 408
// and cut off within --read-timeout (or 503 at once, past the 256 MiB budget
// of bodies being read), and meanwhile every other call is answered; the
// node's memory stays within that budget.
func TestSlowBodiesAreCutOff(t *testing.T) {
	n := serve(t, "--read-timeout", readTimeout.String())
	before := rssMB(n.Pid())
	const attackers = 40
	type cut struct {
		after  time.Duration
		status string
		err    error
	}
	cuts := make(chan cut, attackers)
	var wg sync.WaitGroup
	for i := range attackers {
		wg.Go(func() {
			conn, err := net.Dial("tcp", n.Addr)
			if err != nil {
				cuts <- cut{err: err}
				return
			}
			defer conn.Close()
			start := time.Now()
			fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Target: AWSStepFunctions.CreateStateMachine\r\n"+
				"Content-Type: application/x-amz-json-1.0\r\nContent-Length: %d\r\n\r\n", n.Addr, 8<<20-1)
			if i%2 == 0 {
				// Most of a large body at once, then nothing more.
				_, _ = io.WriteString(conn, `{"name":"`+strings.Repeat("x", 6<<20))
			}
			answered := make(chan cut, 1)
			go func() {
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					answered <- cut{after: time.Since(start), err: err}
					return
				}
				resp.Body.Close()
				answered <- cut{after: time.Since(start), status: resp.Status}
			}()
			drip := time.NewTicker(100 * time.Millisecond)
			defer drip.Stop()
			for {
				select {
				case c := <-answered:
					cuts <- c
					return
				case <-drip.C:
					_, _ = conn.Write([]byte("x")) // a byte at a time, forever
				}
			}
		})
	}

	// Meanwhile, the node answers others at once.
	deadline := time.Now().Add(readTimeout)
	for calls := 0; time.Now().Before(deadline); calls++ {
		start := time.Now()
		if err := n.call(t, "ListStateMachines", map[string]any{}, nil); err != nil {
			t.Fatalf("call %d during the attack: %v", calls, err)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("call %d during the attack took %s", calls, took)
		}
	}
	wg.Wait()
	close(cuts)
	statuses := map[string]int{}
	for c := range cuts {
		if c.err != nil && !errors.Is(c.err, io.EOF) && !errors.Is(c.err, io.ErrUnexpectedEOF) {
			t.Errorf("an attacker: %v", c.err)
			continue
		}
		if c.after > readTimeout+3*time.Second {
			t.Errorf("an attacker was cut off after %s (--read-timeout %s)", c.after, readTimeout)
		}
		if c.err == nil && !strings.HasPrefix(c.status, "408") && !strings.HasPrefix(c.status, "503") {
			t.Errorf("an attacker was answered %s, want 408 (or 503)", c.status)
		}
		statuses[c.status]++
	}
	after := rssMB(n.Pid())
	t.Logf("%d slow clients cut off (%v); RSS %.0f MB before, %.0f MB after", attackers, statuses, before, after)
	if after-before > 256+64 {
		t.Errorf("RSS grew by %.0f MB, beyond the 256 MiB budget of bodies being read", after-before)
	}
}

// TestHugeFieldsAreNotEchoed: errors about a 7 MiB field quote a few
// thousand characters of it, not all of it.
func TestHugeFieldsAreNotEchoed(t *testing.T) {
	n := serve(t)
	huge := strings.Repeat("A", 7<<20)
	for name, c := range map[string]struct {
		action string
		in     map[string]any
		code   string
	}{
		"name":         {"CreateStateMachine", map[string]any{"name": huge, "definition": "{}", "roleArn": "arn:aws:iam::123456789012:role/r"}, "InvalidName"},
		"role":         {"CreateStateMachine", map[string]any{"name": "n", "definition": "{}", "roleArn": huge}, "ValidationException"},
		"execution":    {"DescribeExecution", map[string]any{"executionArn": huge}, "ValidationException"},
		"activity":     {"CreateActivity", map[string]any{"name": huge}, "InvalidName"},
		"trace header": {"StartExecution", map[string]any{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:x", "traceHeader": strings.Repeat("é", 3<<20)}, "ValidationException"},
	} {
		t.Run(name, func(t *testing.T) {
			err := n.call(t, c.action, c.in, nil)
			var ae *stepdtest.APIError
			if !errors.As(err, &ae) || ae.Type != c.code {
				t.Fatalf("got %.300v, want %s", err, c.code)
			}
			// A value is quoted whole up to 4,096 characters (8,192 for an
			// ARN), as AWS quotes it, and no further (service.MaxQuoted).
			if len(ae.Message) > 20000 || strings.Contains(ae.Message, strings.Repeat("A", 2*4096+1)) || strings.Contains(ae.Message, strings.Repeat("é", 4097)) {
				t.Fatalf("the message is %d bytes: %.300s...", len(ae.Message), ae.Message)
			}
		})
	}
}

// TestInvisibleAndInvalidNamesAreRefused: names with bytes that are not
// UTF-8, bidirectional overrides or zero-width characters are InvalidName,
// and nothing of that name is made.
func TestInvisibleAndInvalidNamesAreRefused(t *testing.T) {
	n := serve(t)
	for name, bad := range map[string]string{
		"invalid UTF-8":          "report\xff\xfe",
		"a lone continuation":    "a\x80b",
		"right-to-left override": "invoice\u202Efdp.exe",
		"zero-width space":       "pay\u200Broll",
		"zero-width joiner":      "a\u200Db",
		"word joiner":            "a\u2060b",
		"byte order mark":        "\uFEFFpayroll",
		"left-to-right mark":     "a\u200Eb",
	} {
		t.Run(name, func(t *testing.T) {
			// The raw body, since a JSON encoder would mend invalid UTF-8.
			for _, action := range []string{"CreateActivity", "CreateStateMachine"} {
				body := `{"name":"` + bad + `","roleArn":"arn:aws:iam::123456789012:role/r","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}"}`
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://"+n.Addr+"/", strings.NewReader(body))
				req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
				resp, err := n.Client.HTTP.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 400 || !strings.Contains(string(got), `"__type":"com.amazonaws.states#InvalidName"`) {
					t.Errorf("%s: %d %s", action, resp.StatusCode, got)
				}
			}
		})
	}
	var machines struct {
		StateMachines []any `json:"stateMachines"`
	}
	var activities struct {
		Activities []any `json:"activities"`
	}
	if err := n.call(t, "ListStateMachines", map[string]any{}, &machines); err != nil || len(machines.StateMachines) != 0 {
		t.Errorf("machines made: %v %v", machines, err)
	}
	if err := n.call(t, "ListActivities", map[string]any{}, &activities); err != nil || len(activities.Activities) != 0 {
		t.Errorf("activities made: %v %v", activities, err)
	}
}
