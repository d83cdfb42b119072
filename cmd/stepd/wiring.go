package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/config"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/awssdk"
	httptask "github.com/stepd/stepd/runner/http"
	"github.com/stepd/stepd/runner/itemio"
	"github.com/stepd/stepd/runner/lambda"
	"github.com/stepd/stepd/runner/outbound"
	"github.com/stepd/stepd/runner/sfn"
)

// taskOptions are what the task runners take from the command line.
type taskOptions struct {
	Region, Account string // of the ARNs stepd makes (function ARNs in handlers' contexts)
	Log             *slog.Logger
	// Own is where stepd serves, which HTTP Tasks and url functions may not
	// reach unless the configuration allows it; nil: nowhere (stepd run).
	Own *outbound.Own
	// Endpoints override the configuration's services.<name>.endpoint
	// (--service-endpoint NAME=URL; SQS_ENDPOINT and the like).
	Endpoints map[string]string
	// LambdaEndpoint is a Lambda Invoke API that runs the functions the
	// configuration does not list (--lambda-endpoint; LAMBDA_ENDPOINT).
	LambdaEndpoint string
}

// taskFlags are the flags of the commands that run tasks: where the AWS
// services and the Lambda functions the configuration does not name are.
type taskFlags struct {
	endpoints      listFlag
	lambdaEndpoint *string
}

func addTaskFlags(fs *flag.FlagSet) *taskFlags {
	f := &taskFlags{lambdaEndpoint: fs.String("lambda-endpoint", "",
		"a Lambda Invoke API `URL` (sam local start-lambda, LocalStack, ...) that runs the functions the config file does not list")}
	fs.Var(&f.endpoints, "service-endpoint", "`NAME=URL`: the endpoint of an AWS service of the integrations (sqs, sns, dynamodb, lambda, sfn, s3, default), over the config file's services (repeatable)")
	return f
}

// options adds the flags to o.
func (f *taskFlags) options(o taskOptions) (taskOptions, error) {
	o.LambdaEndpoint = *f.lambdaEndpoint
	for _, e := range f.endpoints {
		name, url, ok := strings.Cut(e, "=")
		if !ok || name == "" || url == "" {
			return o, usageErr("--service-endpoint: %q is not NAME=URL", e)
		}
		if o.Endpoints == nil {
			o.Endpoints = map[string]string{}
		}
		o.Endpoints[name] = url
	}
	return o, nil
}

// tasks are the task runners of a configuration, with what a server needs
// around them: the check CreateStateMachine applies to Task resources, and
// Close for the handlers' worker processes. (Child executions,
// states:startExecution, are the engine's own.)
type tasks struct {
	cfg    *config.Config // the configuration they come from
	router *runner.Router
	// items reads Distributed Maps' ItemReaders from S3 and writes their
	// ResultWriters to it, at the endpoint of services.s3 (or default).
	items   *itemio.S3
	closers []func() error
}

// loadTasks builds the task runners of a configuration file (none: no
// functions, services at AWS): Lambda functions, HTTP Tasks and the AWS
// service integrations.
func loadTasks(path string, opts taskOptions) (*tasks, error) {
	cfg := &config.Config{}
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return nil, err
		}
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "123456789012"
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	t := &tasks{cfg: cfg}
	for name, url := range opts.Endpoints {
		if cfg.Services == nil {
			cfg.Services = map[string]config.Service{}
		}
		s := cfg.Services[name]
		s.Endpoint = url
		cfg.Services[name] = s
	}
	endpoints := map[string]awssdk.Endpoint{}
	known := awssdk.ServiceNames()
	for name, s := range cfg.Services {
		if name != "default" && !slices.Contains(known, name) {
			return nil, fmt.Errorf("config %s: services: stepd has no integration with %q (it has %s, ... (%d services; see docs/integrations.md), and default)",
				path, name, strings.Join(known[:min(len(known), 12)], ", "), len(known))
		}
		key := name
		if name == "default" {
			key = ""
		}
		endpoints[key] = serviceEndpoint(s)
	}
	hosts, err := outbound.ParseHosts(cfg.HTTP.AllowedHosts)
	if err != nil {
		return nil, fmt.Errorf("config %s: http.allowed_hosts: %w", path, err)
	}
	reg, err := t.functions(cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	integrations := awssdk.Runners(awssdk.Config{Endpoints: endpoints})
	conns := map[string]httptask.Connection{}
	for arn, c := range cfg.HTTP.Connections {
		conns[arn] = httptask.Connection{Headers: c.Headers, QueryParameters: c.QueryParameters}
	}
	integrations["http"] = &httptask.Runner{Outbound: outboundPolicy(cfg, opts, hosts, "http.allowed_hosts"),
		Timeout: time.Duration(cfg.HTTP.Timeout), Region: opts.Region, Connections: conns}
	t.items = itemio.New(serviceEndpoint(cfg.ServiceFor("s3")))
	t.router = &runner.Router{
		Lambda:       &lambda.Runner{Functions: reg, Region: opts.Region, Account: opts.Account, Fallback: lambdaFallback(cfg, opts)},
		Integrations: integrations,
	}
	return t, nil
}

// lambdaFallback is the function that runs the functions the configuration
// does not list: nil, or the Invoke API at opts.LambdaEndpoint.
func lambdaFallback(cfg *config.Config, opts taskOptions) lambda.Function {
	if opts.LambdaEndpoint == "" {
		return nil
	}
	ep := serviceEndpoint(cfg.ServiceFor("lambda"))
	ep.URL = opts.LambdaEndpoint
	c := ep.AWSConfig()
	return &lambda.Endpoint{URL: ep.URL, Region: c.Region, Credentials: c.Credentials, HTTPClient: ep.HTTPClient}
}

// outboundPolicy is where HTTP Tasks (or a url function) may go: hosts,
// listed by setting, and stepd's own address if the configuration allows it.
func outboundPolicy(cfg *config.Config, opts taskOptions, hosts outbound.Hosts, setting string) *outbound.Policy {
	return &outbound.Policy{Hosts: hosts, Setting: setting,
		Own: opts.Own, AllowOwn: cfg.HTTP.AllowOwnAddress, OwnSetting: "http.allow_own_address"}
}

func serviceEndpoint(s config.Service) awssdk.Endpoint {
	return awssdk.Endpoint{URL: s.Endpoint, Region: s.Region, AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken}
}

// functions builds the Lambda function registry of a configuration.
func (t *tasks) functions(cfg *config.Config, opts taskOptions) (lambda.Registry, error) {
	reg := lambda.Registry{}
	logger := functionLogger(opts.Log)
	for _, name := range cfg.FunctionNames() {
		fn := cfg.Functions[name]
		env := make([]string, 0, len(fn.Env))
		for k, v := range fn.Env {
			env = append(env, k+"="+v)
		}
		sort.Strings(env)
		timeout := time.Duration(fn.Timeout)
		var f lambda.Function
		switch fn.Kind() {
		case "command":
			f = &lambda.Command{Args: fn.Command, Dir: cfg.ResolveDir(fn), Env: env, Timeout: timeout, Logger: logger}
		case "url":
			header := http.Header{}
			for k, v := range fn.Headers {
				header.Set(k, v)
			}
			hostOnly, err := lambda.HostPolicy(fn.URL)
			if err != nil {
				return nil, fmt.Errorf("function %q: %w", name, err)
			}
			policy := outboundPolicy(cfg, opts, hostOnly.Hosts, fmt.Sprintf("functions.%s.url", name))
			f = &lambda.URL{URL: fn.URL, Header: header, Timeout: timeout, Outbound: policy}
		case "handler":
			h := &lambda.Handler{Runtime: fn.Runtime, Handler: fn.Handler, Dir: cfg.ResolveDir(fn), Env: env, Timeout: timeout,
				Concurrency: fn.Concurrency, MemoryMB: fn.Memory, Region: opts.Region, Logger: logger}
			t.closers = append(t.closers, h.Close)
			reg[name] = h
			continue // the pool bounds its own concurrency
		case "endpoint":
			ep := serviceEndpoint(cfg.ServiceFor("lambda"))
			if fn.Endpoint != "aws" {
				ep.URL = fn.Endpoint
			} else {
				ep.URL = ""
			}
			if fn.Region != "" {
				ep.Region = fn.Region
			}
			c := ep.AWSConfig()
			if fn.Endpoint == "aws" && c.Credentials != nil {
				if creds, err := c.Credentials.Retrieve(context.Background()); err == nil && creds.AccessKeyID == "" {
					return nil, fmt.Errorf("function %q calls Lambda on AWS: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or services.lambda credentials", name)
				}
			}
			f = &lambda.Endpoint{URL: ep.URL, Region: c.Region, Credentials: c.Credentials, HTTPClient: ep.HTTPClient, Name: fn.Name, Timeout: timeout}
		default:
			return nil, fmt.Errorf("function %q has no implementation", name)
		}
		reg[name] = lambda.Limit(f, concurrency(fn))
	}
	return reg, nil
}

// concurrency is how many invocations of a function run at once: as
// configured, or 10 programs of a command (as a handler's pool), 100 requests
// to a URL or an endpoint. Never unbounded: a node that adopts a thousand
// tasks at once forks no thousand programs.
func concurrency(fn config.Function) int {
	switch {
	case fn.Concurrency > 0:
		return fn.Concurrency
	case fn.Kind() == "command":
		return 10
	}
	return 100
}

// functionLogger sends function output to stepd's log, one record per line,
// tagged with the function and the execution.
func functionLogger(log *slog.Logger) lambda.Logger {
	return func(l lambda.LogLine) {
		attrs := []any{"function", l.Function}
		if l.ExecutionARN != "" {
			attrs = append(attrs, "execution", l.ExecutionARN)
		}
		attrs = append(attrs, "stream", l.Stream, "text", l.Text)
		log.Info("function output", attrs...)
	}
}

// Check reports whether stepd can run a Task's resource, with an error that
// names it: CreateStateMachine and UpdateStateMachine refuse definitions with
// resources it cannot run, rather than failing their executions later.
func (t *tasks) Check(res asl.Resource) error {
	switch {
	case res.Kind == asl.ResourceActivity:
		return nil
	case res.Kind == asl.ResourceLambda:
		return nil // a function missing from the configuration fails as on AWS: Lambda.ResourceNotFoundException
	case res.IsLambdaInvoke():
		if res.Pattern != asl.PatternRequestResponse && res.Pattern != asl.PatternWaitForTaskToken {
			return fmt.Errorf("the resource %s is not supported: lambda:invoke runs as request-response or .waitForTaskToken", res.ARN)
		}
		return nil
	}
	if res.Kind == asl.ResourceIntegration && res.Service == "states" {
		return sfn.Check(res)
	}
	r, err := t.router.Runner(res)
	if err != nil {
		return err
	}
	if c, ok := r.(runner.Checker); ok {
		return c.Check(res)
	}
	return nil
}

// checkMaps refuses a definition with a Distributed Map that stepd cannot
// honour (itemio.Check), naming the field, as stepd serve's
// CreateStateMachine does.
func checkMaps(def *asl.Definition) error {
	for _, g := range def.Graphs() {
		for _, st := range g.States {
			if loc, err := itemio.Check(st); err != nil {
				return fmt.Errorf("%s%s: %w", st.Location, loc, err)
			}
		}
	}
	return nil
}

// Close stops the handlers' worker processes.
func (t *tasks) Close() {
	for _, c := range t.closers {
		_ = c()
	}
}

func readAll(r io.Reader) ([]byte, error) {
	return io.ReadAll(bufio.NewReader(r))
}
