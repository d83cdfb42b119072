package main

import (
	"context"
	"fmt"
	"os"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/jsonvalue"
)

// lintCommand is "stepd lint": validate definitions, print every diagnostic as
// "file: location: CODE: message", exit 1 when a file is invalid.
func lintCommand(_ context.Context, args []string, io *streams) error {
	fs := newFlagSet("stepd lint", "stepd lint [flags] FILE...\n\nValidate state machine definitions (JSON or YAML).", io)
	smType := fs.String("type", "STANDARD", "state machine type: STANDARD or EXPRESS")
	format := fs.String("format", "text", "output format: text or json")
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
	invalid := false
	report := make([]any, 0, len(files))
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			return usageErr("%v", err)
		}
		diags := asl.ValidateText(text, asl.ValidateOptions{Type: *smType})
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
