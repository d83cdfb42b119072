package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
)

// authConfig is a configuration with three key pairs: two accounts, and a
// temporary key with its session token.
const authConfig = `auth:
  credentials:
    - {access_key_id: AKIDALICE, secret_access_key: alice-secret, account: "111111111111"}
    - {access_key_id: AKIDBOB, secret_access_key: "${STEPD_TEST_BOB_SECRET}", account: "222222222222"}
    - {access_key_id: ASIATEMP, secret_access_key: temp-secret, session_token: the-token, account: "111111111111"}
`

// sdkClient is the SDK's client of a server at addr with a key pair. Every
// connection goes to addr, so that StartSyncExecution's "sync-" host (which
// the SDK adds and signs) reaches it.
func sdkClient(addr, scheme, key, secret, token string, roots *x509.CertPool) *sfn.Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{RootCAs: roots},
	}
	return sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(scheme + "://localhost:" + portOf(addr)),
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, token), HTTPClient: &http.Client{Transport: tr},
		RetryMaxAttempts: 1})
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

func errCode(err error) string {
	var ae smithy.APIError
	if err == nil {
		return "no error"
	}
	if !errors.As(err, &ae) {
		return err.Error()
	}
	return ae.ErrorCode()
}

func TestServeWithSigV4(t *testing.T) {
	t.Setenv("STEPD_TEST_BOB_SECRET", "bob-secret")
	dir := t.TempDir()
	cfg := write(t, dir, "stepd.yaml", authConfig)
	s := serve(t, "--auth", "sigv4", "--config", cfg)
	addr := strings.TrimPrefix(*s.client.Options().BaseEndpoint, "http://")
	alice := sdkClient(addr, "http", "AKIDALICE", "alice-secret", "", nil)
	bob := sdkClient(addr, "http", "AKIDBOB", "bob-secret", "", nil)
	temp := sdkClient(addr, "http", "ASIATEMP", "temp-secret", "the-token", nil)
	ctx := context.Background()

	// The right keys work, StartSyncExecution (on the sync- host) included.
	quick, err := alice.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("quick"), Type: types.StateMachineTypeExpress,
		RoleArn: aws.String("arn:aws:iam::111111111111:role/r"), Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","Result":42,"End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if *quick.StateMachineArn != "arn:aws:states:us-east-1:111111111111:stateMachine:quick" {
		t.Fatalf("ARN %s", *quick.StateMachineArn)
	}
	out, err := temp.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: quick.StateMachineArn})
	if err != nil || out.Status != types.SyncExecutionStatusSucceeded || aws.ToString(out.Output) != "42" {
		t.Fatalf("StartSyncExecution with a session token: %+v %v", out, err)
	}

	// A Task starts only its own account's machines.
	nested, err := bob.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("nested"), RoleArn: aws.String("arn:aws:iam::222222222222:role/r"),
		Definition: aws.String(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",` +
			`"Parameters":{"StateMachineArn":"` + *quick.StateMachineArn + `"},"End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	x, err := bob.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: nested.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	var d *sfn.DescribeExecutionOutput
	for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(20 * time.Millisecond) {
		if d, err = bob.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: x.ExecutionArn}); err != nil {
			t.Fatal(err)
		}
		if d.Status != types.ExecutionStatusRunning {
			break
		}
	}
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "StepFunctions.StateMachineDoesNotExistException" {
		t.Fatalf("Bob's Task started Alice's machine: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}

	// Wrong keys get AWS's errors.
	for name, c := range map[string]struct {
		client *sfn.Client
		code   string
	}{
		"a wrong secret":          {sdkClient(addr, "http", "AKIDALICE", "bob-secret", "", nil), "InvalidSignatureException"},
		"an unknown key":          {sdkClient(addr, "http", "AKIDNOBODY", "x", "", nil), "UnrecognizedClientException"},
		"a missing session token": {sdkClient(addr, "http", "ASIATEMP", "temp-secret", "", nil), "UnrecognizedClientException"},
		"a wrong session token":   {sdkClient(addr, "http", "ASIATEMP", "temp-secret", "stolen", nil), "UnrecognizedClientException"},
	} {
		if _, err := c.client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); errCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}

	// With authentication, any Host is answered (the signature covers it).
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/state-machines", nil)
	req.Host = "stepd.example.com"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the console for another host: %d", resp.StatusCode)
	}
}

func TestServeRefusesOtherHostsWithoutAuth(t *testing.T) {
	s := serve(t, "--allowed-host", "stepd")
	addr := strings.TrimPrefix(*s.client.Options().BaseEndpoint, "http://")
	get := func(method, host, target string) (int, string) {
		req, _ := http.NewRequest(method, "http://"+addr+"/", strings.NewReader("{}"))
		req.Host = host
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, host := range []string{"attacker.example:" + portOf(addr), "attacker.example", "192.168.1.20:" + portOf(addr)} {
		if status, body := get(http.MethodPost, host, "AWSStepFunctions.ListStateMachines"); status != 403 ||
			!strings.Contains(body, `"__type":"com.amazon.coral.service#AccessDeniedException"`) {
			t.Errorf("the API for %s: %d %s", host, status, body)
		}
		if status, body := get(http.MethodGet, host, ""); status != 421 || !strings.Contains(body, "--allowed-host") {
			t.Errorf("the console for %s: %d %s", host, status, body)
		}
	}
	for _, host := range []string{"localhost:" + portOf(addr), "sync-localhost:" + portOf(addr), "stepd:" + portOf(addr), "[::1]:1"} {
		if status, body := get(http.MethodPost, host, "AWSStepFunctions.ListStateMachines"); status != 200 {
			t.Errorf("the API for %s: %d %s", host, status, body)
		}
	}
	// Probes answer whatever the host (orchestrators call them by address).
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/healthz", nil)
	req.Host = "10.1.2.3:8083"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/healthz for an address: %d", resp.StatusCode)
	}
}

func TestServeRefusesToListenBeyondLoopbackWithoutAuth(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0"} {
		code, _, errOut := stepd(t, "", "serve", "--addr", addr, "--data", t.TempDir())
		if code != 2 || !strings.Contains(errOut, "refusing to listen") || !strings.Contains(errOut, "--auth sigv4") ||
			!strings.Contains(errOut, "--insecure-no-auth") {
			t.Errorf("--addr %s: exit %d: %s", addr, code, errOut)
		}
	}
	for name, args := range map[string][]string{
		"sigv4 without credentials":   {"--auth", "sigv4"},
		"an unknown scheme":           {"--auth", "basic"},
		"a certificate without a key": {"--tls-cert", "x.pem"},
		"a bad allowed host":          {"--allowed-host", "http://x"},
	} {
		code, _, errOut := stepd(t, "", append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...)...)
		if code != 2 {
			t.Errorf("%s: exit %d: %s", name, code, errOut)
		}
	}
	// --insecure-no-auth is the explicit choice; the Host check still holds.
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	port := portOf(ln.Addr().String())
	ln.Close()
	startMain(t, "http://127.0.0.1:"+port, nil, "serve", "--addr", "0.0.0.0:"+port, "--data", t.TempDir(), "--insecure-no-auth")
	c := sdkClient("127.0.0.1:"+port, "http", "x", "x", "", nil)
	if _, err := c.ListStateMachines(context.Background(), &sfn.ListStateMachinesInput{}); err != nil {
		t.Fatal(err)
	}
}

// startMain runs stepd's command line in-process until the test ends, and
// waits until base/readyz answers 200.
func startMain(t *testing.T, base string, roots *x509.CertPool, args ...string) *lockedBuffer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := &lockedBuffer{}
	done := make(chan int, 1)
	go func() { done <- Main(ctx, append(args, "--log-level", "warn"), strings.NewReader(""), log, log) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("stepd's log:\n%s", log.String())
		}
	})
	probe := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		resp, err := probe.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return log
			}
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("stepd exited with %d:\n%s", code, log.String())
		default:
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("stepd is not ready on %s: %v\n%s", base, err, log.String())
		}
	}
}

// selfSigned writes a self-signed certificate for localhost and 127.0.0.1,
// and returns its files and a pool that trusts it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost", "sync-localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

func TestServeTLS(t *testing.T) {
	t.Setenv("STEPD_TEST_BOB_SECRET", "bob-secret")
	dir := t.TempDir()
	certFile, keyFile, roots := selfSigned(t, dir)
	cfg := write(t, dir, "stepd.yaml", authConfig)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "https://localhost:" + portOf(addr)
	startMain(t, base, roots, "serve", "--addr", addr, "--data", filepath.Join(dir, "data"), "--sync", "NORMAL",
		"--auth", "sigv4", "--config", cfg, "--tls-cert", certFile, "--tls-key", keyFile)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}

	// The SDK over HTTPS, trusting the certificate.
	alice := sdkClient(addr, "https", "AKIDALICE", "alice-secret", "", roots)
	if _, err := alice.ListStateMachines(context.Background(), &sfn.ListStateMachinesInput{}); err != nil {
		t.Fatal(err)
	}
	// Plain HTTP on the TLS port is not served.
	if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("plain HTTP answered on the TLS port")
		}
	}

	// A console login over TLS: the session cookie is Secure.
	resp, err := browser.Get(base + "/auth/session")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		CSRFToken string `json:"csrfToken"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/auth/login", strings.NewReader(`{"accessKeyId":"AKIDBOB","secretAccessKey":"bob-secret"}`))
	req.Header.Set("X-CSRF-Token", st.CSRFToken)
	resp, err = browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var secure bool
	for _, c := range resp.Cookies() {
		if c.Name == "stepd_session" {
			secure = c.Secure && c.HttpOnly && c.SameSite == http.SameSiteStrictMode
		}
	}
	if resp.StatusCode != 200 || !secure {
		t.Fatalf("login over TLS: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
}
