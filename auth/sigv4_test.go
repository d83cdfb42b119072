package auth_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stepd/stepd/auth"
)

var (
	now   = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	creds = []auth.Credential{
		{AccessKeyID: "AKIDALICE", SecretAccessKey: "alice-secret", Account: "111111111111"},
		{AccessKeyID: "AKIDBOB", SecretAccessKey: "bob-secret", Account: "222222222222"},
		{AccessKeyID: "ASIATEMP", SecretAccessKey: "temp-secret", SessionToken: "the-token", Account: "333333333333"},
	}
)

// verifyServer answers each request with what the verifier says of it, as
// the server sees the request (Host, Content-Length, canonical header keys).
type verifyServer struct {
	*httptest.Server
	mu    sync.Mutex
	clock time.Time
}

type verdict struct {
	Account string
	Status  int
	Code    string
	Message string
}

func newVerifyServer(t *testing.T) *verifyServer {
	t.Helper()
	s := &verifyServer{clock: now}
	v, err := auth.NewVerifier(creds, "us-east-1", "states", func() time.Time {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.clock
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		account, err := v.Verify(r, body)
		out := verdict{Account: account}
		if err != nil {
			e := err.(*auth.Error)
			out.Status, out.Code, out.Message = e.Status, e.Code, e.Message
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *verifyServer) send(t *testing.T, r *http.Request) verdict {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out verdict
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

const body = `{"stateMachineArn":"arn:aws:states:us-east-1:111111111111:stateMachine:m","input":"{\"a\":1}"}`

// request is an API call as the SDKs make it, unsigned.
func (s *verifyServer) request(t *testing.T, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", "AWSStepFunctions.StartExecution")
	return r
}

// sign signs a request with the AWS SDK for Go's signer.
func sign(t *testing.T, r *http.Request, body string, c aws.Credentials, region, service string, at time.Time) *http.Request {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), c, r, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		t.Fatal(err)
	}
	return r
}

func alice() aws.Credentials {
	return aws.Credentials{AccessKeyID: "AKIDALICE", SecretAccessKey: "alice-secret"}
}

func TestVerifyAcceptsWhatTheSDKSigns(t *testing.T) {
	s := newVerifyServer(t)
	cases := map[string]struct {
		prep    func(r *http.Request)
		creds   aws.Credentials
		account string
	}{
		"alice":            {creds: alice(), account: "111111111111"},
		"bob":              {creds: aws.Credentials{AccessKeyID: "AKIDBOB", SecretAccessKey: "bob-secret"}, account: "222222222222"},
		"session token":    {creds: aws.Credentials{AccessKeyID: "ASIATEMP", SecretAccessKey: "temp-secret", SessionToken: "the-token"}, account: "333333333333"},
		"sync- host":       {creds: alice(), account: "111111111111", prep: func(r *http.Request) { r.Host = "sync-localhost:1234" }},
		"content sha256":   {creds: alice(), account: "111111111111", prep: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", hash(body)) }},
		"repeated header":  {creds: alice(), account: "111111111111", prep: func(r *http.Request) { r.Header.Add("X-Custom", "a  b"); r.Header.Add("X-Custom", " c ") }},
		"query parameters": {creds: alice(), account: "111111111111", prep: func(r *http.Request) { r.URL.RawQuery = "b=2&a=1%20x&a=0" }},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := s.request(t, body)
			if c.prep != nil {
				c.prep(r)
			}
			got := s.send(t, sign(t, r, body, c.creds, "us-east-1", "states", now.Add(-5*time.Minute)))
			if got.Code != "" || got.Account != c.account {
				t.Fatalf("got %+v, want account %s", got, c.account)
			}
		})
	}
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestVerifyRefusesAsAWSDoes(t *testing.T) {
	s := newVerifyServer(t)
	signed := func(c aws.Credentials, region, service string, at time.Time) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request { return sign(t, s.request(t, body), body, c, region, service, at) }
	}
	header := func(value string, extra ...string) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			r := s.request(t, body)
			r.Header.Set("Authorization", value)
			for i := 0; i+1 < len(extra); i += 2 {
				r.Header.Set(extra[i], extra[i+1])
			}
			return r
		}
	}
	const stamp = "20260314T150926Z"
	cases := map[string]struct {
		req     func(t *testing.T) *http.Request
		code    string
		message string // the whole message, or its start when it ends with "..."
	}{
		"no authorization": {req: func(t *testing.T) *http.Request { return s.request(t, body) },
			code: "MissingAuthenticationTokenException", message: "Request is missing Authentication Token"},
		"another scheme": {req: header("Bearer abc"),
			code: "MissingAuthenticationTokenException", message: "Request is missing Authentication Token"},
		"both header and query": {req: func(t *testing.T) *http.Request {
			r := header("AWS4-HMAC-SHA256 Credential=a")(t)
			r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
			return r
		}, code: "InvalidSignatureException", message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		"incomplete": {req: header("AWS4-HMAC-SHA256 Credential=AKIDALICE/20260314/us-east-1/states/aws4_request"),
			code: "IncompleteSignatureException",
			message: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=AWS4-HMAC-SHA256 Credential=AKIDALICE/20260314/us-east-1/states/aws4_request"},
		"no equal sign": {req: header("AWS4-HMAC-SHA256 Credential, Signature=x"),
			code: "IncompleteSignatureException", message: "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential, Signature=x'."},
		"bad date": {req: header("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=x", "X-Amz-Date", "2026-03-14"),
			code: "IncompleteSignatureException", message: "Date must be in ISO-8601 'basic format'. Got '2026-03-14'. See http://en.wikipedia.org/wiki/ISO_8601"},
		"expired": {req: signed(alice(), "us-east-1", "states", now.Add(-16*time.Minute)),
			code: "InvalidSignatureException", message: "Signature expired: 20260314T145326Z is now earlier than 20260314T145426Z (" + stamp + " - 15 min.)"},
		"not yet current": {req: signed(alice(), "us-east-1", "states", now.Add(16*time.Minute)),
			code: "InvalidSignatureException", message: "Signature not yet current: 20260314T152526Z is still later than 20260314T152426Z (" + stamp + " + 15 min.)"},
		"host not signed": {req: header("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=x-amz-date, Signature=x", "X-Amz-Date", stamp),
			code: "InvalidSignatureException", message: "'Host' must be a 'SignedHeader' in the AWS Authorization."},
		"algorithm": {req: header("AWS4-HMAC-SHA512 Credential=a/b/c/d/e, SignedHeaders=host, Signature=x", "X-Amz-Date", stamp),
			code: "IncompleteSignatureException", message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "},
		"short credential": {req: header("AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host, Signature=x", "X-Amz-Date", stamp),
			code: "IncompleteSignatureException", message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'"},
		"scope": {req: header("AWS4-HMAC-SHA256 Credential=AKIDALICE/b/c/d/e, SignedHeaders=host, Signature=x", "X-Amz-Date", stamp),
			code: "InvalidSignatureException", message: "Credential should be scoped to a valid region, not 'c'. Credential should be scoped to correct service: 'states'. " +
				"Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. " +
				"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20260314', from '" + stamp + "'."},
		"region": {req: signed(alice(), "eu-west-1", "states", now),
			code: "InvalidSignatureException", message: "Credential should be scoped to a valid region, not 'eu-west-1'. "},
		"service": {req: signed(alice(), "us-east-1", "lambda", now),
			code: "InvalidSignatureException", message: "Credential should be scoped to correct service: 'states'. "},
		"unknown key": {req: signed(aws.Credentials{AccessKeyID: "AKIDNOBODY", SecretAccessKey: "x"}, "us-east-1", "states", now),
			code: "UnrecognizedClientException", message: "The security token included in the request is invalid."},
		"wrong secret": {req: signed(aws.Credentials{AccessKeyID: "AKIDALICE", SecretAccessKey: "wrong"}, "us-east-1", "states", now),
			code: "InvalidSignatureException", message: "The request signature we calculated does not match the signature you provided. " +
				"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n" +
				"The Canonical String for this request should have been\n'POST\n/\n\n..."},
		"missing session token": {req: signed(aws.Credentials{AccessKeyID: "ASIATEMP", SecretAccessKey: "temp-secret"}, "us-east-1", "states", now),
			code: "UnrecognizedClientException", message: "The security token included in the request is invalid"},
		"wrong session token": {req: signed(aws.Credentials{AccessKeyID: "ASIATEMP", SecretAccessKey: "temp-secret", SessionToken: "other"}, "us-east-1", "states", now),
			code: "UnrecognizedClientException", message: "The security token included in the request is invalid"},
		"token for a key without one": {req: signed(aws.Credentials{AccessKeyID: "AKIDALICE", SecretAccessKey: "alice-secret", SessionToken: "x"}, "us-east-1", "states", now),
			code: "UnrecognizedClientException", message: "The security token included in the request is invalid"},
		"body changed": {req: func(t *testing.T) *http.Request {
			r := sign(t, s.request(t, body), body, alice(), "us-east-1", "states", now)
			other := strings.Replace(body, `\"a\":1`, `\"a\":2`, 1)
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(other)), int64(len(other))
			return r
		}, code: "InvalidSignatureException", message: "The request signature we calculated does not match..."},
		"body other than its sha256 header": {req: func(t *testing.T) *http.Request {
			r := s.request(t, body)
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			if err := v4.NewSigner().SignHTTP(context.Background(), alice(), r, "UNSIGNED-PAYLOAD", "states", "us-east-1", now); err != nil {
				t.Fatal(err)
			}
			return r
		}, code: "InvalidSignatureException", message: "The provided 'x-amz-content-sha256' header does not match what was computed."},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got := s.send(t, c.req(t))
			ok := got.Message == c.message
			if prefix, cut := strings.CutSuffix(c.message, "..."); cut {
				ok = strings.HasPrefix(got.Message, prefix)
			}
			if got.Code != c.code || got.Status != http.StatusBadRequest || !ok || got.Account != "" {
				t.Errorf("got %d %s %q\nwant 400 %s %q", got.Status, got.Code, got.Message, c.code, c.message)
			}
		})
	}
}

// TestVerifyDateHeader signs with a Date header instead of X-Amz-Date, by
// the algorithm of AWS's documentation, written out here.
func TestVerifyDateHeader(t *testing.T) {
	s := newVerifyServer(t)
	r := s.request(t, body)
	at := now.Add(-time.Minute)
	r.Header.Set("Date", at.Format(http.TimeFormat))
	host := strings.TrimPrefix(s.URL, "http://")
	canonical := "POST\n/\n\ndate:" + at.Format(http.TimeFormat) + "\nhost:" + host + "\n\ndate;host\n" + hash(body)
	day := at.Format("20060102")
	sts := "AWS4-HMAC-SHA256\n" + at.Format("20060102T150405Z") + "\n" + day + "/us-east-1/states/aws4_request\n" + hash(canonical)
	k := []byte("AWS4alice-secret")
	for _, part := range []string{day, "us-east-1", "states", "aws4_request", sts} {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(part))
		k = m.Sum(nil)
	}
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDALICE/"+day+"/us-east-1/states/aws4_request, SignedHeaders=date;host, Signature="+hex.EncodeToString(k))
	if got := s.send(t, r); got.Account != "111111111111" {
		t.Fatalf("got %+v", got)
	}
}

func TestVerifyClipsQuotedValues(t *testing.T) {
	s := newVerifyServer(t)
	r := s.request(t, body)
	long := strings.Repeat("x", 100000)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+long)
	got := s.send(t, r)
	if got.Code != "IncompleteSignatureException" || len(got.Message) > 1000 {
		t.Fatalf("got %s, %d bytes", got.Code, len(got.Message))
	}
}

func TestNewVerifierRefusesBadCredentials(t *testing.T) {
	for name, c := range map[string][]auth.Credential{
		"none":          nil,
		"no key":        {{SecretAccessKey: "s", Account: "111111111111"}},
		"no secret":     {{AccessKeyID: "a", Account: "111111111111"}},
		"short account": {{AccessKeyID: "a", SecretAccessKey: "s", Account: "1234"}},
		"twice": {{AccessKeyID: "a", SecretAccessKey: "s", Account: "111111111111"},
			{AccessKeyID: "a", SecretAccessKey: "t", Account: "222222222222"}},
	} {
		if _, err := auth.NewVerifier(c, "us-east-1", "states", nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// BenchmarkVerify is the check every API call pays with --auth sigv4: a
// StartExecution-sized body, its key's signing key cached.
func BenchmarkVerify(b *testing.B) {
	v, err := auth.NewVerifier(creds, "us-east-1", "states", func() time.Time { return now })
	if err != nil {
		b.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:8083/", bytes.NewReader([]byte(body)))
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", "AWSStepFunctions.StartExecution")
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.0 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), alice(), r, hex.EncodeToString(sum[:]), "states", "us-east-1", now); err != nil {
		b.Fatal(err)
	}
	r.Host = "127.0.0.1:8083"
	raw := []byte(body)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, raw); err != nil {
			b.Fatal(err)
		}
	}
}
