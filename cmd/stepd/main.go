// Command stepd is a self-hosted AWS Step Functions: it runs Amazon States
// Language state machines, validates them, and (with serve) speaks the Step
// Functions API.
//
//	stepd serve [flags]             the Step Functions API, for the AWS CLI and SDKs
//	stepd run [flags] DEFINITION    execute a definition once, in memory
//	stepd lint [flags] FILE...      validate definitions
//	stepd test [flags] [PATH...]    run test files of state machines, with coverage
//	stepd migrate [flags]           apply the durable store's migrations
//	stepd check [flags]             check the durable store's invariants
//	stepd bench [flags]             run the standard workloads through the API
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `stepd: a self-hosted AWS Step Functions

Usage:
  stepd serve [--addr 127.0.0.1:8083] [--data DIR] [--config FILE] [--time-scale F]
  stepd run [--config FILE] [--input JSON | --input-file FILE] [--json] [--history] [--time-scale F] DEFINITION
  stepd lint [--type STANDARD|EXPRESS] [--format text|json] FILE...
  stepd test [--json] [--junit FILE] [--cover-min N] [PATH...]
  stepd migrate [--store sqlite|postgres://...] [--data DIR]
  stepd check [--store sqlite|postgres://...] [--data DIR]
  stepd bench [--workload NAME,...] [--runs 3] [--endpoint URL] [--json FILE]
  stepd version

Run "stepd COMMAND -h" for a command's flags.
`

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Main runs the command line and returns the process's exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	io := &streams{in: stdin, out: stdout, err: stderr}
	var err error
	switch args[0] {
	case "run":
		err = runCommand(ctx, args[1:], io)
	case "lint":
		err = lintCommand(ctx, args[1:], io)
	case "test":
		err = testCommand(ctx, args[1:], io)
	case "serve":
		err = serveCommand(ctx, args[1:], io)
	case "migrate":
		err = migrateCommand(ctx, args[1:], io)
	case "check":
		err = checkCommand(ctx, args[1:], io)
	case "bench":
		err = benchCommand(ctx, args[1:], io)
	case "version", "--version":
		fmt.Fprintln(stdout, "stepd", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "stepd: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return exitCode(err, stderr)
}

// streams are a command's standard streams.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// exitError ends a command with a code; a message, if any, goes to stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageErr is a bad command line or unusable input: exit status 2.
func usageErr(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var e *exitError
	if errors.As(err, &e) {
		if e.msg != "" {
			fmt.Fprintln(stderr, "stepd:", e.msg)
		}
		return e.code
	}
	fmt.Fprintln(stderr, "stepd:", err)
	return 1
}
