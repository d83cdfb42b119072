package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/config"
)

func TestParse(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte(`
functions:
  cmd: {command: [python3, f.py], timeout: 2.5}
  web: {url: "http://127.0.0.1:9000/f", headers: {X-Key: k}}
  song: {handler: song.lambda_handler, runtime: python3.12, path: fns, concurrency: 4, timeout: 30s, env: {A: b}}
  node: {handler: index.handler, runtime: nodejs20.x}
  real: {endpoint: aws, name: other, region: eu-west-1}
http:
  allowed_hosts: ["*.example.com"]
  allow_own_address: true
  timeout: 10s
  connections:
    "arn:aws:events:us-east-1:1:connection/c/x": {headers: {Authorization: Bearer t}}
services:
  default: {endpoint: "http://127.0.0.1:5000"}
  sqs: {endpoint: "http://127.0.0.1:9324", region: eu-west-1, access_key_id: a, secret_access_key: b}
`))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, n := range cfg.FunctionNames() {
		kinds[n] = cfg.Functions[n].Kind()
	}
	want := map[string]string{"cmd": "command", "web": "url", "song": "handler", "node": "handler", "real": "endpoint"}
	for n, k := range want {
		if kinds[n] != k {
			t.Errorf("%s is %q, want %q", n, kinds[n], k)
		}
	}
	if time.Duration(cfg.Functions["cmd"].Timeout) != 2500*time.Millisecond || cfg.Functions["song"].Concurrency != 4 {
		t.Errorf("functions %+v", cfg.Functions)
	}
	if cfg.ServiceFor("sqs").Region != "eu-west-1" || cfg.ServiceFor("sns").Endpoint != "http://127.0.0.1:5000" {
		t.Errorf("services %+v", cfg.Services)
	}
	if cfg.HTTP.AllowedHosts[0] != "*.example.com" || !cfg.HTTP.AllowOwnAddress || cfg.HTTP.Connections["arn:aws:events:us-east-1:1:connection/c/x"].Headers["Authorization"] != "Bearer t" {
		t.Errorf("http %+v", cfg.HTTP)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ text, err string }{
		"no implementation":         {`functions: {f: {timeout: 3}}`, "one of command, url, handler or endpoint is required"},
		"two implementations":       {`functions: {f: {command: [x], url: "http://a"}}`, "give only one"},
		"a handler without .":       {`functions: {f: {handler: main, runtime: python3}}`, "module.function"},
		"a handler without runtime": {`functions: {f: {handler: a.b}}`, "runtime"},
		"an unknown runtime":        {`functions: {f: {handler: a.b, runtime: java21}}`, `runtime "java21"`},
		"a url that is not one":     {`functions: {f: {url: "ftp://x"}}`, "not an http or https URL"},
		"a bad endpoint":            {`functions: {f: {endpoint: somewhere}}`, "or aws"},
		"a typo in a field":         {`functions: {f: {comand: [x]}}`, `functions.f: unknown field "comand"`},
		"a typo in a service":       {`services: {sqs: {endpont: x}}`, `services.sqs: unknown field "endpont"`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse([]byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
		})
	}
}

func TestResolveDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "stepd.yaml")
	if err := os.WriteFile(p, []byte("functions:\n  h: {handler: a.b, runtime: nodejs, path: code}\n  c: {command: [x]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.ResolveDir(cfg.Functions["h"]); got != filepath.Join(dir, "code") {
		t.Errorf("handler path %s", got)
	}
	if got := cfg.ResolveDir(cfg.Functions["c"]); got != dir {
		t.Errorf("command dir %s", got)
	}
}

func TestLoadExpandsEnvironmentVariables(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "stepd.yaml")
	if err := os.WriteFile(p, []byte("services:\n  default: {endpoint: '${STEPD_TEST_ENDPOINT}', access_key_id: '$${literal}'}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("STEPD_TEST_ENDPOINT", "http://127.0.0.1:4566")
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.ServiceFor("sqs"); s.Endpoint != "http://127.0.0.1:4566" || s.AccessKeyID != "${literal}" {
		t.Errorf("service %+v", s)
	}
}

func TestParseAuth(t *testing.T) {
	cfg, err := config.Parse([]byte(`auth:
  credentials:
    - access_key_id: AKIDA
      secret_access_key: a-secret
      account: 012345678901
    - {access_key_id: AKIDB, secret_access_key: b, session_token: tok, account: "222222222222"}
  session_ttl: 2h
`))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Auth.Credentials
	if len(c) != 2 || c[0].Account != "012345678901" || c[0].SecretAccessKey != "a-secret" || c[1].SessionToken != "tok" ||
		time.Duration(cfg.Auth.SessionTTL) != 2*time.Hour {
		t.Fatalf("%+v", cfg.Auth)
	}
	if _, err := config.Parse([]byte("auth:\n  credentials:\n    - {access_key: x}\n")); err == nil {
		t.Errorf("a misspelt field is accepted")
	}
}
