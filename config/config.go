// Package config reads stepd's configuration file: YAML or JSON, mapping the
// Lambda functions a state machine calls to local implementations, and saying
// where the AWS services of its integrations are.
//
//	functions:
//	  HelloFunction:
//	    command: ["python3", "hello.py"]   # event on stdin, result on stdout
//	    timeout: 30s                        # optional, like a Lambda timeout
//	    env: {GREETING: hi}                 # optional
//	    dir: ./functions                    # optional; default: the config file's directory
//	  Song:
//	    handler: song.lambda_handler        # a Lambda handler, run in a warm worker pool
//	    runtime: python3                    # python3 or nodejs
//	    path: ./functions                   # the code's directory
//	  Remote:
//	    url: http://127.0.0.1:9000/song     # POST the event, the body is the result
//	  Real:
//	    endpoint: http://127.0.0.1:3001     # a Lambda Invoke API ("aws" for AWS itself)
//	http:
//	  allowed_hosts: ["api.example.com"]    # HTTP Tasks may call only these (default: none)
//	services:
//	  default: {endpoint: "http://127.0.0.1:4566"}   # every AWS service of the integrations
//	  sqs: {endpoint: "http://127.0.0.1:9324", region: eu-west-1}
//	auth:                                  # the key pairs of stepd serve --auth sigv4
//	  credentials:
//	    - {access_key_id: AKIDTEAMA, secret_access_key: "${TEAM_A_SECRET}", account: "111111111111"}
//	  session_ttl: 12h                      # how long a console login lasts
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration file.
type Config struct {
	// Functions maps a Lambda function name to its local implementation.
	Functions map[string]Function `yaml:"functions" json:"functions"`
	// HTTP configures HTTP Tasks (arn:aws:states:::http:invoke).
	HTTP HTTP `yaml:"http" json:"http"`
	// Services says where the AWS services of the integrations are, by service
	// name as in Resource ARNs ("sqs", "sns", "dynamodb", "lambda", "sfn",
	// "s3"); "default" applies to the services not named. A service without an
	// entry is AWS itself, in its region.
	Services map[string]Service `yaml:"services" json:"services"`
	// Auth holds the credentials stepd serve --auth sigv4 verifies.
	Auth Auth `yaml:"auth" json:"auth"`
	// Dir is the directory relative paths are resolved from: the config file's.
	Dir string `yaml:"-" json:"-"`
}

// Function is the local implementation of one Lambda function: exactly one of
// Command, URL, Handler and Endpoint.
type Function struct {
	// Command runs a program per invocation: the event on standard input, the
	// result on standard output.
	Command []string `yaml:"command" json:"command"`
	// Dir is the working directory of Command; relative to the config file.
	Dir string `yaml:"dir" json:"dir"`

	// URL is a server's address: each invocation POSTs the event there and
	// the response body is the result.
	URL string `yaml:"url" json:"url"`
	// Headers are added to the requests to URL.
	Headers map[string]string `yaml:"headers" json:"headers"`

	// Handler is a Lambda handler, "module.function", run unchanged in a warm
	// pool of worker processes of Runtime ("python3" or "nodejs"; versions
	// such as "python3.12" or "nodejs20.x" are accepted), with its code in
	// Path (relative to the config file; default: the config file's
	// directory).
	Handler string `yaml:"handler" json:"handler"`
	Runtime string `yaml:"runtime" json:"runtime"`
	Path    string `yaml:"path" json:"path"`
	// Memory is reported to the handler as its memory size in MB (default
	// 128); stepd does not enforce it.
	Memory int `yaml:"memory" json:"memory"`

	// Endpoint is a Lambda Invoke API to call the function through: a URL
	// (sam local start-lambda, LocalStack), or "aws" for AWS itself. Name is
	// the function's name or ARN there (default: this function's name), in
	// Region (default: the lambda service's, or us-east-1).
	Endpoint string `yaml:"endpoint" json:"endpoint"`
	Name     string `yaml:"name" json:"name"`
	Region   string `yaml:"region" json:"region"`

	// Env adds environment variables (Command and Handler).
	Env map[string]string `yaml:"env" json:"env"`
	// Timeout is the function's own timeout ("30s", "2m", or seconds as a number).
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// Concurrency bounds the invocations that run at once (for a Handler, its
	// worker processes); the others wait. Default: 10 for a Command or a
	// Handler, 100 for a URL or an Endpoint.
	Concurrency int `yaml:"concurrency" json:"concurrency"`
}

// Kind names which implementation a function has: "command", "url",
// "handler" or "endpoint".
func (f Function) Kind() string {
	switch {
	case len(f.Command) > 0:
		return "command"
	case f.URL != "":
		return "url"
	case f.Handler != "":
		return "handler"
	case f.Endpoint != "":
		return "endpoint"
	}
	return ""
}

// HTTP configures HTTP Tasks, and what url functions may reach.
type HTTP struct {
	// AllowedHosts are the hosts HTTP Tasks may call, at the first request
	// and at each redirect: "api.example.com" (any port), "api.example.com:8443",
	// "*.example.com" (any name under it), "10.1.2.3", "10.0.0.0/8" (IP
	// addresses in URLs), "*" (any host); see outbound.ParseHosts. Empty: no
	// host.
	AllowedHosts []string `yaml:"allowed_hosts" json:"allowed_hosts"`
	// AllowOwnAddress lets HTTP Tasks and url functions connect to the
	// address stepd serves on, which they may not by default, whatever name
	// leads there.
	AllowOwnAddress bool `yaml:"allow_own_address" json:"allow_own_address"`
	// Timeout bounds one request (default 60 s, as on AWS).
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// Connections maps EventBridge connection ARNs (Authentication.ConnectionArn)
	// to what they add to requests, since stepd has no EventBridge.
	Connections map[string]Connection `yaml:"connections" json:"connections"`
}

// Connection is what an EventBridge connection adds to HTTP Task requests.
type Connection struct {
	Headers         map[string]string `yaml:"headers" json:"headers"`
	QueryParameters map[string]string `yaml:"query_parameters" json:"query_parameters"`
}

// Service says where an AWS service is and how to sign requests to it.
type Service struct {
	// Endpoint is the service's URL ("http://127.0.0.1:4566"); empty: AWS.
	Endpoint string `yaml:"endpoint" json:"endpoint"`
	Region   string `yaml:"region" json:"region"`
	// Credentials; empty: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
	// AWS_SESSION_TOKEN from the environment ("test" for a local endpoint).
	AccessKeyID     string `yaml:"access_key_id" json:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key" json:"secret_access_key"`
	SessionToken    string `yaml:"session_token" json:"session_token"`
}

// Auth holds the key pairs callers sign their requests with (and log in to
// the console with), each mapped to the account its calls act for.
type Auth struct {
	Credentials []Credential `yaml:"credentials" json:"credentials"`
	// SessionTTL is how long a console login lasts (default 12h).
	SessionTTL Duration `yaml:"session_ttl" json:"session_ttl"`
}

// Credential is one key pair and its account.
type Credential struct {
	AccessKeyID     string `yaml:"access_key_id" json:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key" json:"secret_access_key"`
	// SessionToken, when set, must come with each request
	// (X-Amz-Security-Token), as with temporary credentials.
	SessionToken string `yaml:"session_token" json:"session_token"`
	// Account is the 12-digit account ID of the ARNs the key's calls make and
	// see; keys of one account share its state machines and executions.
	Account string `yaml:"account" json:"account"`
}

// ServiceFor returns the entry of a service: its own, else "default", else
// the zero Service (AWS itself).
func (c *Config) ServiceFor(name string) Service {
	if s, ok := c.Services[name]; ok {
		return s
	}
	return c.Services["default"]
}

// Duration is a time.Duration written as "30s" or as a number of seconds.
type Duration time.Duration

// UnmarshalYAML reads "30s", "1m30s" or 30.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var secs float64
	if err := n.Decode(&secs); err == nil {
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	var s string
	if err := n.Decode(&s); err != nil {
		return fmt.Errorf("line %d: a duration must be like \"30s\" or a number of seconds", n.Line)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// Load reads a configuration file. JSON is read as YAML, of which it is a
// subset. ${NAME} in the text is replaced by the environment variable NAME
// (empty when unset), so that endpoints and credentials can come from the
// environment; write $${NAME} for a literal ${NAME}.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := Parse(expandEnv(data, os.Getenv))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	abs, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	cfg.Dir = abs
	return cfg, nil
}

// Parse reads configuration text. Unknown fields are errors, so that a typo does
// not silently do nothing.
func Parse(data []byte) (*Config, error) {
	cfg := &Config{}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) > 0 {
		if err := checkSchema(doc.Content[0], reflect.TypeOf(cfg).Elem(), ""); err != nil {
			return nil, err
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	for _, name := range cfg.FunctionNames() {
		if err := checkFunction(cfg.Functions[name]); err != nil {
			return nil, fmt.Errorf("function %q: %w", name, err)
		}
	}
	return cfg, nil
}

// checkSchema checks a YAML node against the type it decodes into, field by
// field, so that an error names the field: "functions.f: unknown field
// \"comand\"", "http.timeout: ...".
func checkSchema(n *yaml.Node, t reflect.Type, path string) error {
	where := func() string {
		if path == "" {
			return "the top level"
		}
		return path
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Tag == "!!null" {
		return nil
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			return fmt.Errorf("%s: %v", where(), strings.TrimPrefix(err.Error(), "yaml: "))
		}
		return nil
	}
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: %s must be a mapping of fields", n.Line, where())
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			if tag != "" && tag != "-" {
				fields[tag] = t.Field(i).Type
				names = append(names, tag)
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			ft, ok := fields[k]
			if !ok {
				return fmt.Errorf("line %d: %s: unknown field %q (it has %s)", n.Content[i].Line, where(), k, strings.Join(names, ", "))
			}
			if err := checkSchema(n.Content[i+1], ft, join(k)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: %s must be a mapping", n.Line, where())
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkSchema(n.Content[i+1], t.Elem(), join(n.Content[i].Value)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return fmt.Errorf("line %d: %s must be a list", n.Line, where())
		}
		for i, c := range n.Content {
			if err := checkSchema(c, t.Elem(), fmt.Sprintf("%s[%d]", where(), i)); err != nil {
				return err
			}
		}
	default:
		if n.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: %s must be a %s value", n.Line, where(), t.Kind())
		}
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			return fmt.Errorf("line %d: %s: %q is not a %s", n.Line, where(), n.Value, t.Kind())
		}
	}
	return nil
}

func checkFunction(fn Function) error {
	kinds := 0
	for _, set := range []bool{len(fn.Command) > 0, fn.URL != "", fn.Handler != "", fn.Endpoint != ""} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds == 0:
		return fmt.Errorf("one of command, url, handler or endpoint is required")
	case kinds > 1:
		return fmt.Errorf("give only one of command, url, handler and endpoint")
	case fn.Handler != "":
		if !strings.Contains(fn.Handler, ".") {
			return fmt.Errorf("handler %q must be module.function, like lambda_function.lambda_handler", fn.Handler)
		}
		rt := fn.Runtime
		if !(rt == "python" || strings.HasPrefix(rt, "python3") || rt == "node" || strings.HasPrefix(rt, "nodejs")) {
			return fmt.Errorf("runtime %q: use python3 or nodejs (a handler needs one)", rt)
		}
	case fn.URL != "":
		if u, err := url.Parse(fn.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("url %q is not an http or https URL", fn.URL)
		}
	case fn.Endpoint != "" && fn.Endpoint != "aws":
		if u, err := url.Parse(fn.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("endpoint %q: give an http or https URL, or aws", fn.Endpoint)
		}
	}
	if fn.Concurrency < 0 {
		return fmt.Errorf("concurrency must not be negative")
	}
	return nil
}

// expandEnv replaces ${NAME} with getenv(NAME), and $${ with ${.
func expandEnv(data []byte, getenv func(string) string) []byte {
	var out []byte
	for i := 0; i < len(data); i++ {
		switch {
		case bytes.HasPrefix(data[i:], []byte("$${")):
			out = append(out, '$', '{')
			i += 2
		case bytes.HasPrefix(data[i:], []byte("${")):
			end := bytes.IndexByte(data[i:], '}')
			if end < 0 {
				out = append(out, data[i:]...)
				return out
			}
			out = append(out, getenv(string(data[i+2:i+end]))...)
			i += end
		default:
			out = append(out, data[i])
		}
	}
	return out
}

// FunctionNames returns the configured function names, sorted.
func (c *Config) FunctionNames() []string {
	names := make([]string, 0, len(c.Functions))
	for n := range c.Functions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ResolveDir returns a function's working directory (Dir for a command, Path
// for a handler), absolute.
func (c *Config) ResolveDir(fn Function) string {
	dir := fn.Dir
	if fn.Handler != "" {
		dir = fn.Path
	}
	if dir == "" {
		return c.Dir
	}
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(c.Dir, dir)
}
