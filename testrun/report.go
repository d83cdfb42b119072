package testrun

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stepd/stepd/jsonvalue"
)

// check compares an execution with its case's expectations.
func check(c *Case, r *Result, vars *jsonvalue.Object) []Problem {
	var ps []Problem
	e := c.Expect
	if r.Status != e.Status {
		p := Problem{Field: "status", Got: r.Status, Want: e.Status}
		if r.Error != "" || r.Cause != "" {
			p.Got += fmt.Sprintf(" (error %q, cause %q)", r.Error, r.Cause)
		}
		ps = append(ps, p)
	}
	if e.HasOutput && (r.Status != "SUCCEEDED" || !jsonvalue.Equal(r.Output, e.Output)) {
		got := "(none)"
		if r.Status == "SUCCEEDED" {
			got = indent(r.Output)
		}
		ps = append(ps, Problem{Field: "output", Got: got, Want: indent(e.Output)})
	}
	if e.Error != nil && r.Error != *e.Error {
		ps = append(ps, Problem{Field: "error", Got: quoteText(r.Error), Want: quoteText(*e.Error)})
	}
	if e.Cause != nil && r.Cause != *e.Cause {
		ps = append(ps, Problem{Field: "cause", Got: quoteText(r.Cause), Want: quoteText(*e.Cause)})
	}
	if e.HasStates && strings.Join(r.States, "\x00") != strings.Join(e.States, "\x00") {
		ps = append(ps, Problem{Field: "states", Got: strings.Join(r.States, "\n"), Want: strings.Join(e.States, "\n")})
	}
	if e.Variables != nil {
		for name, want := range e.Variables.All() {
			var got any
			ok := false
			if vars != nil {
				got, ok = vars.Get(name)
			}
			if !ok {
				ps = append(ps, Problem{Field: "variables." + name, Got: "(not set)", Want: indent(want)})
			} else if !jsonvalue.Equal(got, want) {
				ps = append(ps, Problem{Field: "variables." + name, Got: indent(got), Want: indent(want)})
			}
		}
	}
	return ps
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func indent(v any) string { return string(jsonvalue.AppendIndent(nil, v, "", "  ")) }

func quoteText(s string) string { return fmt.Sprintf("%q", s) }

// FileResult is the results of one test file's cases, or the error that
// kept it from running.
type FileResult struct {
	Path    string
	Err     error
	Results []*Result
}

// Failed counts the cases that did not pass.
func (f *FileResult) Failed() int {
	n := 0
	for _, r := range f.Results {
		if !r.Passed() {
			n++
		}
	}
	return n
}

// WriteText reports as go test does: a block per failing case (each
// expectation with a diff), with verbose a line per passing one too, then a
// line per file.
func WriteText(w io.Writer, files []*FileResult, verbose bool) {
	for _, f := range files {
		if f.Err != nil {
			fmt.Fprintf(w, "FAIL\t%s\t(the test file cannot run)\n    %v\n", f.Path, f.Err)
			continue
		}
		var took time.Duration
		for _, r := range f.Results {
			took += r.Duration
			if r.Passed() {
				if verbose {
					fmt.Fprintf(w, "--- PASS: %s (%.3fs)\n", r.Case.Name, r.Duration.Seconds())
				}
				continue
			}
			fmt.Fprintf(w, "--- FAIL: %s (%.3fs)\n", r.Case.Name, r.Duration.Seconds())
			for _, line := range strings.Split(strings.TrimRight(r.Details(), "\n"), "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
		if n := f.Failed(); n > 0 {
			fmt.Fprintf(w, "FAIL\t%s\t%d of %d cases failed\t%.3fs\n", f.Path, n, len(f.Results), took.Seconds())
		} else {
			fmt.Fprintf(w, "ok\t%s\t%s\t%.3fs\n", f.Path, plural(len(f.Results), "case"), took.Seconds())
		}
	}
}

// Details words why a case failed.
func (r *Result) Details() string {
	var b strings.Builder
	if r.Err != nil {
		fmt.Fprintf(&b, "error: %v\n", r.Err)
		return b.String()
	}
	for _, p := range r.Problems {
		if !strings.Contains(p.Got, "\n") && !strings.Contains(p.Want, "\n") {
			fmt.Fprintf(&b, "%s: got %s, want %s\n", p.Field, p.Got, p.Want)
			continue
		}
		fmt.Fprintf(&b, "%s (- want, + got):\n", p.Field)
		for _, l := range diffLines(strings.Split(p.Want, "\n"), strings.Split(p.Got, "\n")) {
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	return b.String()
}

// diffLines is a line diff of want and got: lines both have with "  ",
// want's alone with "- ", got's alone with "+ " (longest common
// subsequence; the texts are small).
func diffLines(want, got []string) []string {
	n, m := len(want), len(got)
	if n*m > 1<<20 {
		out := make([]string, 0, n+m)
		for _, l := range want {
			out = append(out, "- "+l)
		}
		for _, l := range got {
			out = append(out, "+ "+l)
		}
		return out
	}
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if want[i] == got[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case want[i] == got[j]:
			out = append(out, "  "+want[i])
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, "- "+want[i])
			i++
		default:
			out = append(out, "+ "+got[j])
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, "- "+want[i])
	}
	for ; j < m; j++ {
		out = append(out, "+ "+got[j])
	}
	return out
}

// JSON is the results for programs: a list of files, each with its cases.
//
//	{"passed": 3, "failed": 1, "files": [{"path", "error", "cases": [{"name",
//	  "passed", "status", "output", "error", "cause", "states", "durationSeconds",
//	  "problems": [{"field", "got", "want"}], "runError"}]}], "coverage": {...}}
func JSON(files []*FileResult, cov *Coverage) []byte {
	top := jsonvalue.NewObject(4)
	passed, failed := 0, 0
	fl := []any{}
	for _, f := range files {
		fo := jsonvalue.NewObject(3)
		fo.Set("path", f.Path)
		if f.Err != nil {
			fo.Set("error", f.Err.Error())
			failed++
		}
		cases := []any{}
		for _, r := range f.Results {
			co := jsonvalue.NewObject(10)
			co.Set("name", r.Case.Name)
			co.Set("passed", r.Passed())
			if r.Passed() {
				passed++
			} else {
				failed++
			}
			co.Set("status", r.Status)
			co.Set("output", r.Output)
			co.Set("error", nullable(r.Error))
			co.Set("cause", nullable(r.Cause))
			states := make([]any, len(r.States))
			for i, s := range r.States {
				states[i] = s
			}
			co.Set("states", states)
			co.Set("durationSeconds", jsonvalue.Number(fmt.Sprintf("%.3f", r.Duration.Seconds())))
			ps := []any{}
			for _, p := range r.Problems {
				po := jsonvalue.NewObject(3)
				po.Set("field", p.Field)
				po.Set("got", p.Got)
				po.Set("want", p.Want)
				ps = append(ps, po)
			}
			co.Set("problems", ps)
			if r.Err != nil {
				co.Set("runError", r.Err.Error())
			}
			cases = append(cases, co)
		}
		fo.Set("cases", cases)
		fl = append(fl, fo)
	}
	top.Set("passed", jsonvalue.Int(int64(passed)))
	top.Set("failed", jsonvalue.Int(int64(failed)))
	top.Set("files", fl)
	if cov != nil {
		v, err := jsonvalue.Parse(cov.JSON())
		if err == nil {
			top.Set("coverage", v)
		}
	}
	return jsonvalue.AppendIndent(nil, top, "", "  ")
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// JUnit writes the results as JUnit XML, which CI systems read: a testsuite
// per file, a testcase per case, a failure with the details of each failing
// one (and of a file that could not run).
func JUnit(w io.Writer, files []*FileResult) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure,omitempty"`
	}
	type testsuite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Errors   int        `xml:"errors,attr"`
		Time     string     `xml:"time,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	type testsuites struct {
		XMLName xml.Name    `xml:"testsuites"`
		Suites  []testsuite `xml:"testsuite"`
	}
	var out testsuites
	for _, f := range files {
		s := testsuite{Name: f.Path}
		var took time.Duration
		if f.Err != nil {
			s.Errors = 1
			s.Tests = 1
			s.Cases = append(s.Cases, testcase{Name: "(file)", Classname: f.Path, Time: "0.000",
				Failure: &failure{Message: "the test file could not run", Text: f.Err.Error()}})
		}
		for _, r := range f.Results {
			took += r.Duration
			tc := testcase{Name: r.Case.Name, Classname: f.Path, Time: fmt.Sprintf("%.3f", r.Duration.Seconds())}
			s.Tests++
			if !r.Passed() {
				s.Failures++
				msg := "expectations not met"
				if r.Err != nil {
					msg = "the case could not run to its end"
				}
				tc.Failure = &failure{Message: msg, Text: r.Details()}
			}
			s.Cases = append(s.Cases, tc)
		}
		s.Time = fmt.Sprintf("%.3f", took.Seconds())
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
