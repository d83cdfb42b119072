package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/stepd/stepd/asl/validate"
	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner/mock"
	"github.com/stepd/stepd/service"
	"github.com/stepd/stepd/store"
	"github.com/stepd/stepd/store/memory"
)

// runCommand is "stepd run": execute a definition once, in memory. Exit status
// 0 when the execution succeeded, 1 when it did not, 2 for usage and definition
// errors.
func runCommand(ctx context.Context, args []string, io *streams) error {
	fs := newFlagSet("stepd run", "stepd run [flags] DEFINITION\n\nExecute a state machine definition (JSON or YAML) once, in memory, and print its output.", io)
	configFile := fs.String("config", "", "configuration `file` mapping Lambda functions to local commands (YAML or JSON)")
	inputText := fs.String("input", "", "execution input as JSON text (default {})")
	inputFile := fs.String("input-file", "", "read the execution input from `file` (- for standard input)")
	asJSON := fs.Bool("json", false, `print one JSON object {"status", "output", "error", "cause"}`)
	withHistory := fs.Bool("history", false, "include the execution history (AWS's event shapes)")
	timeScale := fs.Float64("time-scale", 1, "multiply every wait by `F` (0.01 makes a 90 s Wait take 0.9 s)")
	smType := fs.String("type", "STANDARD", "state machine type: STANDARD or EXPRESS")
	name := fs.String("name", "", "execution name (default: a UUID)")
	machineName := fs.String("state-machine-name", "local", "the state machine's `NAME` (in its ARN, and in the mock configuration)")
	mockConfig := fs.String("mock-config", "", "Step Functions Local's mock configuration `file`")
	testCase := fs.String("test-case", "", "run the mock configuration's test `CASE` of the state machine")
	lf := addLimitFlags(fs.FlagSet)
	tf := addTaskFlags(fs.FlagSet)
	var standardMachines, expressMachines listFlag
	fs.Var(&standardMachines, "machine", "a STANDARD state machine `NAME=FILE` that nested executions (states:startExecution) may start, as arn:aws:states:us-east-1:123456789012:stateMachine:NAME (repeatable)")
	fs.Var(&expressMachines, "express-machine", "an EXPRESS state machine `NAME=FILE` that nested executions may start (repeatable)")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErr("run takes exactly one DEFINITION file")
	}
	if *inputText != "" && *inputFile != "" {
		return usageErr("give --input or --input-file, not both")
	}
	if *timeScale < 0 {
		return usageErr("--time-scale must not be negative")
	}
	limits, err := lf.limits()
	if err != nil {
		return err
	}

	text, err := os.ReadFile(pos[0])
	if err != nil {
		return usageErr("%v", err)
	}
	def, err := validate.Parse(text, validate.Options{Type: *smType})
	if err != nil {
		return usageErr("%s: invalid definition: %v", pos[0], err)
	}
	if err := checkMaps(def); err != nil {
		return usageErr("%s: %v", pos[0], err)
	}
	var others []service.LocalMachine
	for _, list := range []struct {
		flag  string
		typ   string
		specs listFlag
	}{{"--machine", service.TypeStandard, standardMachines}, {"--express-machine", service.TypeExpress, expressMachines}} {
		for _, spec := range list.specs {
			name, file, ok := strings.Cut(spec, "=")
			if !ok || name == "" || file == "" {
				return usageErr("%s %q: give NAME=FILE", list.flag, spec)
			}
			def, err := os.ReadFile(file)
			if err != nil {
				return usageErr("%s: %v", list.flag, err)
			}
			others = append(others, service.LocalMachine{Name: name, Definition: string(def), Type: list.typ})
		}
	}
	input, err := readInput(io, *inputText, *inputFile)
	if err != nil {
		return err
	}
	if !json.Valid([]byte(input)) {
		return usageErr("the input is not valid JSON")
	}
	var mocks *mock.Config
	if *testCase != "" && *mockConfig == "" {
		return usageErr("--test-case needs --mock-config (or SFN_MOCK_CONFIG)")
	}
	if *mockConfig != "" {
		if mocks, err = mock.Load(*mockConfig); err != nil {
			return usageErr("%v", err)
		}
	}
	topts, err := tf.options(taskOptions{Log: slog.New(slog.NewTextHandler(io.err, nil))})
	if err != nil {
		return err
	}
	tasks, err := loadTasks(*configFile, topts)
	if err != nil {
		return usageErr("%v", err)
	}
	defer tasks.Close()

	res, err := service.RunLocal(ctx, service.LocalMachine{Name: *machineName, Definition: string(text), Type: *smType}, input, service.LocalOptions{
		Store: memory.New(), ExpressStore: memory.New(), Runner: tasks.router, TimeScale: *timeScale, Name: *name, Machines: others, Limits: limits,
		MockConfig: mocks, TestCase: *testCase, ItemReader: tasks.items, ResultWriter: tasks.items,
	})
	if err != nil {
		return err
	}
	x := res.Execution
	var output any
	if x.HasOutput {
		if output, err = jsonvalue.ParseString(x.Output); err != nil {
			return err
		}
	}
	if *asJSON {
		io.out.Write(append(resultJSON(x, output, res.History, *withHistory), '\n'))
	} else {
		if *withHistory {
			printHistory(io, res.History)
		}
		if x.Status == string(interp.StatusSucceeded) {
			io.out.Write(append(jsonvalue.AppendIndent(nil, output, "", "  "), '\n'))
		} else {
			fmt.Fprintf(io.err, "execution %s: error %q, cause %q\n", x.Status, x.Error, x.Cause)
		}
	}
	if x.Status != string(interp.StatusSucceeded) {
		return &exitError{code: 1}
	}
	return nil
}

// readInput reads the execution input: --input, --input-file, or {}.
func readInput(io *streams, text, file string) (string, error) {
	switch {
	case text != "":
		return text, nil
	case file == "-":
		b, err := readAll(io.in)
		if err != nil {
			return "", usageErr("read input: %v", err)
		}
		return string(b), nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usageErr("read input: %v", err)
		}
		return string(b), nil
	}
	return "{}", nil
}

// resultJSON is the --json output. "output" is null when there is none (the
// execution did not succeed); an execution that succeeded with the output null
// has it as its text, "null", as DescribeExecution gives it, so that the two
// are told apart.
func resultJSON(x *store.Execution, output any, events []store.Event, withHistory bool) []byte {
	o := jsonvalue.NewObject(5)
	o.Set("status", x.Status)
	if output == nil && x.Status == "SUCCEEDED" {
		output = "null"
	}
	o.Set("output", output)
	o.Set("error", nullable(x.Error))
	o.Set("cause", nullable(x.Cause))
	b := jsonvalue.Append(nil, o)
	if !withHistory {
		return b
	}
	b = append(b[:len(b)-1], `,"history":[`...)
	for i, e := range events {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e.JSON...)
	}
	return append(b, "]}"...)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// printHistory writes the history for people: one event a line, with its time
// from the start, the state, and the data that moved.
func printHistory(io *streams, events []store.Event) {
	var start float64
	for i, raw := range events {
		var e struct {
			Type      string  `json:"type"`
			ID        int64   `json:"id"`
			Timestamp float64 `json:"timestamp"`
		}
		var details map[string]json.RawMessage
		if json.Unmarshal(raw.JSON, &e) != nil || json.Unmarshal(raw.JSON, &details) != nil {
			continue
		}
		if i == 0 {
			start = e.Timestamp
		}
		line := fmt.Sprintf("%4d %9s  %-26s", e.ID, fmt.Sprintf("+%.3fs", e.Timestamp-start), e.Type)
		for k, v := range details {
			if !strings.HasSuffix(k, "EventDetails") {
				continue
			}
			var fields map[string]any
			if json.Unmarshal(v, &fields) != nil {
				continue
			}
			for _, f := range []string{"name", "input", "parameters", "output", "error", "cause"} {
				if val, ok := fields[f]; ok {
					line += fmt.Sprintf(" %s=%s", f, clip(fmt.Sprint(val)))
				}
			}
		}
		fmt.Fprintln(io.err, line)
	}
}

// clip shortens long data for a one-line display.
func clip(s string) string {
	const max = 120
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
