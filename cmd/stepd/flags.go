package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Every flag of every command can also be set by an environment variable,
// bound here and nowhere else: STEPD_ and the flag's name in capitals, with
// "-" as "_" (--pg-max-conns: STEPD_PG_MAX_CONNS). A flag on the command
// line wins over the environment. A new flag needs nothing more than its
// fs.String (or Int, Duration, Var, ...) call and its row in
// docs/configuration.md (TestFlagsDocumented checks the row).
//
// envAliases are further names for the same flags: Step Functions Local's
// (so that a docker-compose file written for its image runs stepd) and the
// names stepd used before. An alias applies to every command that has the
// flag; a STEPD_ name wins over an alias. To add one, add a row.
var envAliases = []envAlias{
	{env: "STEPD_ALLOWED_HOSTS", flag: "allowed-host"},
	{env: "AWS_DEFAULT_REGION", flag: "region"},
	{env: "AWS_ACCOUNT_ID", flag: "account"},
	{env: "WAIT_TIME_SCALE", flag: "time-scale"},
	{env: "SFN_MOCK_CONFIG", flag: "mock-config"},
	{env: "LAMBDA_ENDPOINT", flag: "lambda-endpoint"},
	{env: "SQS_ENDPOINT", flag: "service-endpoint", prefix: "sqs="},
	{env: "SNS_ENDPOINT", flag: "service-endpoint", prefix: "sns="},
	{env: "DYNAMODB_ENDPOINT", flag: "service-endpoint", prefix: "dynamodb="},
	{env: "S3_ENDPOINT", flag: "service-endpoint", prefix: "s3="},
}

// sfnLocalNotices are Step Functions Local's variables that set nothing in
// stepd, each with what stepd does instead; stepd serve logs the ones that
// are set when it starts, so that none is silently ignored.
var sfnLocalNotices = []struct{ env, notice string }{
	{"STEP_FUNCTIONS_ENDPOINT", "nested executions (states:startExecution) run in this stepd itself"},
	{"BATCH_ENDPOINT", "stepd has no AWS Batch integration: CreateStateMachine refuses Tasks on it"},
	{"ECS_ENDPOINT", "stepd has no Amazon ECS integration: CreateStateMachine refuses Tasks on it"},
	{"EKS_ENDPOINT", "stepd has no Amazon EKS integration: CreateStateMachine refuses Tasks on it"},
	{"GLUE_ENDPOINT", "stepd has no AWS Glue integration: CreateStateMachine refuses Tasks on it"},
	{"SAGE_MAKER_ENDPOINT", "stepd has no SageMaker integration: CreateStateMachine refuses Tasks on it"},
}

// envAlias sets flag from env; prefix goes before the value (a
// service-endpoint's service name).
type envAlias struct {
	env, flag, prefix string
}

// envName is the STEPD_ variable of a flag.
func envName(flagName string) string {
	return "STEPD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// flagSet is a command's flags: errors are reported instead of exiting, -h
// prints the usage on standard output (exit 0), a bad flag prints the
// problem and the usage on standard error (exit 2), and the environment
// sets what the command line does not.
type flagSet struct {
	*flag.FlagSet
	io       *streams
	synopsis string
	out      *countingWriter
	parsing  bool
}

// newFlagSet returns the flag set of a command; synopsis is the usage line
// and a paragraph on what the command does.
func newFlagSet(name, synopsis string, io *streams) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), io: io, synopsis: synopsis,
		out: &countingWriter{w: io.err}}
	fs.SetOutput(fs.out)
	fs.Usage = func() { fs.printUsage() }
	return fs
}

// printUsage prints the synopsis and the flags, each with its variable. It
// goes to standard output when asked for (-h), else to standard error.
func (fs *flagSet) printUsage() {
	w := fs.io.err
	if fs.parsing && fs.out.n == 0 {
		w = fs.io.out
	}
	fmt.Fprintf(w, "Usage: %s\n\nFlags (each also set by the environment variable named after it):\n", fs.synopsis)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(fs.out)
}

// PrintDefaults prints the flags, each followed by its environment variable.
func (fs *flagSet) PrintDefaults() {
	w := fs.Output()
	fs.VisitAll(func(f *flag.Flag) {
		one := flag.NewFlagSet("", flag.ContinueOnError)
		one.SetOutput(w)
		one.Var(f.Value, f.Name, f.Usage+" (env "+strings.Join(fs.envNames(f.Name), ", ")+")")
		if d := one.Lookup(f.Name); d != nil {
			d.DefValue = f.DefValue
		}
		one.PrintDefaults()
	})
}

// envNames are the environment variables that set a flag: its STEPD_ name,
// then its aliases.
func (fs *flagSet) envNames(flagName string) []string {
	names := []string{envName(flagName)}
	for _, a := range envAliases {
		if a.flag == flagName {
			names = append(names, a.env)
		}
	}
	return names
}

// parse applies the environment, then parses flags that may come before,
// between or after the positional arguments, and returns the positional
// arguments. Its error ends the command: -h with exit status 0, a bad flag
// or variable with 2.
func (fs *flagSet) parse(args []string) ([]string, error) {
	if err := fs.applyEnv(); err != nil {
		return nil, err
	}
	fs.parsing = true
	defer func() { fs.parsing = false }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &exitError{code: 0}
			}
			return nil, &exitError{code: 2}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// applyEnv sets each flag from its variables: aliases first, so that the
// STEPD_ name wins; a value the flag refuses is a usage error naming the
// variable.
func (fs *flagSet) applyEnv() error {
	var err error
	set := func(flagName, env, prefix string) {
		v, ok := fs.io.lookupEnv(env)
		if !ok || v == "" || err != nil {
			return
		}
		if e := fs.Set(flagName, prefix+v); e != nil {
			err = usageErr("environment variable %s=%q: %v", env, v, e)
		}
	}
	fs.VisitAll(func(f *flag.Flag) {
		for _, a := range envAliases {
			if a.flag == f.Name {
				set(f.Name, a.env, a.prefix)
			}
		}
		set(f.Name, envName(f.Name), "")
	})
	return err
}

// flagNames lists a flag set's flags, sorted (tests).
func (fs *flagSet) flagNames() []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	sort.Strings(names)
	return names
}

// countingWriter counts what the flag package writes, so that printUsage
// can tell -h (nothing written before the usage) from a bad flag.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += len(p)
	return c.w.Write(p)
}

// listFlag is a repeatable flag; values may also be comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}
