package main

import (
	"context"
	"fmt"
	"os"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/validate"
	"github.com/stepd/stepd/jsonvalue"
)

// lintCommand is "stepd lint": validate definitions, print every diagnostic as
// "file: location: CODE: message", exit 1 when a file is invalid.
func lintCommand(_ context.Context, args []string, io *streams) error {
	fs := newFlagSet("stepd lint", "stepd lint [flags] FILE...\n\nValidate state machine definitions (JSON or YAML).", io)
	smType := fs.String("type", "STANDARD", "state machine type: STANDARD or EXPRESS")
	format := fs.String("format", "text", "output format: text or json")
	configFile := fs.String("config", "", "configuration file whose functions and services the resources are checked against (as stepd serve --config)")
	strict := fs.Bool("strict", false, "a Task resource this stepd cannot run makes the file invalid (by default it is a warning)")
	files, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return usageErr("lint needs at least one FILE")
	}
	if *smType != "STANDARD" && *smType != "EXPRESS" {
		return usageErr("--type must be STANDARD or EXPRESS")
	}
	if *format != "text" && *format != "json" {
		return usageErr("--format must be text or json")
	}
	tasks, err := loadTasks(*configFile, taskOptions{})
	if err != nil {
		return usageErr("%v", err)
	}
	defer tasks.Close()
	invalid := false
	report := make([]any, 0, len(files))
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			return usageErr("%v", err)
		}
		diags := validate.Text(text, validate.Options{Type: *smType})
		diags = append(diags, resourceDiagnostics(text, *smType, tasks.Check, *strict)...)
		valid := true
		for _, d := range diags {
			if d.Severity != asl.SeverityWarning {
				valid = false
			}
		}
		invalid = invalid || !valid
		if *format == "json" {
			report = append(report, fileReport(f, valid, diags))
			continue
		}
		for _, d := range diags {
			line := fmt.Sprintf("%s: %s: %s: %s", f, location(d.Location), d.Code, d.Message)
			if d.Severity == asl.SeverityWarning {
				line += " (warning)"
			}
			fmt.Fprintln(io.out, line)
		}
	}
	if *format == "json" {
		io.out.Write(append(jsonvalue.AppendIndent(nil, report, "", "  "), '\n'))
	}
	if invalid {
		return &exitError{code: 1}
	}
	return nil
}

// resourceDiagnostics reports the Task resources of a valid definition that
// check refuses, with the code and message CreateStateMachine answers for them
// (stepd serve refuses such a definition): warnings, or errors when strict.
func resourceDiagnostics(text []byte, typ string, check func(asl.Resource) error, strict bool) []asl.Diagnostic {
	def, err := validate.Parse(text, validate.Options{Type: typ})
	if err != nil {
		return nil // the validator's diagnostics say why
	}
	sev := asl.SeverityWarning
	if strict {
		sev = asl.SeverityError
	}
	var diags []asl.Diagnostic
	for _, g := range def.Graphs() {
		for _, st := range g.States {
			if st.Task == nil {
				continue
			}
			if err := check(st.Task.Resource); err != nil {
				diags = append(diags, asl.Diagnostic{Severity: sev, Code: asl.CodeSchemaValidationFailed,
					Location: st.Location + "/Resource", Message: err.Error()})
			}
		}
	}
	return diags
}

func location(l string) string {
	if l == "" {
		return "/"
	}
	return l
}

func fileReport(file string, valid bool, diags []asl.Diagnostic) any {
	list := make([]any, len(diags))
	for i, d := range diags {
		o := jsonvalue.NewObject(4)
		o.Set("severity", string(d.Severity))
		o.Set("code", d.Code)
		o.Set("location", location(d.Location))
		o.Set("message", d.Message)
		list[i] = o
	}
	o := jsonvalue.NewObject(3)
	o.Set("file", file)
	o.Set("valid", valid)
	o.Set("diagnostics", list)
	return o
}
