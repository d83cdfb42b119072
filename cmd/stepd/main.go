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
//	stepd config check FILE         validate a configuration file
//	stepd healthcheck [flags]       probe a running stepd (an image's HEALTHCHECK)
//	stepd version                   print the version, commit and build date
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
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
  stepd config check FILE
  stepd healthcheck [--url http://127.0.0.1:8083/healthz]
  stepd version

Run "stepd COMMAND -h" for a command's flags. Every flag can also be set by
the environment: STEPD_ and its name in capitals (--log-format: STEPD_LOG_FORMAT).
`

// version, commit and date are stamped in at build time (make release):
// -ldflags "-X main.version=v1.2.3 -X main.commit=... -X main.date=...".
var version, commit, date = "dev", "none", "unknown"

// commands are stepd's subcommands.
var commands = map[string]func(context.Context, []string, *streams) error{
	"run":         runCommand,
	"lint":        lintCommand,
	"test":        testCommand,
	"serve":       serveCommand,
	"migrate":     migrateCommand,
	"check":       checkCommand,
	"bench":       benchCommand,
	"config":      configCommand,
	"healthcheck": healthcheckCommand,
	"version":     versionCommand,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Main runs the command line and returns the process's exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, args, &streams{in: stdin, out: stdout, err: stderr, lookupEnv: os.LookupEnv})
}

// run runs the command line with the given streams and environment.
func run(ctx context.Context, args []string, io *streams) int {
	if len(args) == 0 {
		fmt.Fprint(io.err, usage)
		return 2
	}
	switch args[0] {
	case "--version", "-version":
		args[0] = "version"
	case "help", "-h", "-help", "--help":
		fmt.Fprint(io.out, usage)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(io.err, "stepd: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return exitCode(cmd(ctx, args[1:], io), io.err)
}

// streams are a command's standard streams and its environment.
type streams struct {
	in        io.Reader
	out, err  io.Writer
	lookupEnv func(string) (string, bool)
}

// versionCommand is "stepd version" (and --version).
func versionCommand(_ context.Context, args []string, io *streams) error {
	fs := newFlagSet("stepd version", "stepd version [--json]\n\nPrint stepd's version, the commit it was built from and the build date.", io)
	asJSON := fs.Bool("json", false, "print {\"version\", \"commit\", \"date\", \"go\"}")
	if _, err := fs.parse(args); err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.Marshal(map[string]string{"version": version, "commit": commit, "date": date, "go": runtime.Version()})
		fmt.Fprintln(io.out, string(b))
		return nil
	}
	fmt.Fprintf(io.out, "stepd %s (commit %s, built %s, %s %s/%s)\n", version, commit, date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
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
