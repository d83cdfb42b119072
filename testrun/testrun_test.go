package testrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/testrun"
)

func run(t *testing.T, files ...string) ([]*testrun.FileResult, *testrun.Coverage) {
	t.Helper()
	cov := testrun.NewCoverage()
	res := testrun.RunFiles(context.Background(), files, testrun.Options{}, 4, nil, cov)
	return res, cov
}

// TestCasesAndCoverage: the cases of order.test.yaml pass, and the coverage
// names exactly what they did not exercise.
func TestCasesAndCoverage(t *testing.T) {
	began := time.Now()
	res, cov := run(t, "testdata/order.test.yaml")
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	for _, r := range res[0].Results {
		if !r.Passed() {
			t.Errorf("%s: %s", r.Case.Name, r.Details())
		}
	}
	// The first case waits a day on the virtual clock: its history says so,
	// the real time does not.
	h := res[0].Results[0].History
	if span := h[len(h)-1].Timestamp.Sub(h[0].Timestamp); span < 24*time.Hour {
		t.Errorf("the history spans %s, want the day's Wait", span)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("the cases took %s of real time", took)
	}
	text := cov.Text()
	for _, want := range []string{
		"coverage: testdata/order.asl.json: 81.2% of 16 (states 9/10, Choice rules 2/3, Retriers 1/2, Catchers 1/1)",
		`not covered: rule #1 of Choice state "Size" (→ Reject)`,
		`not covered: state "Reject"`,
		`not covered: Retrier #1 of state "Charge" (States.Timeout)`,
		"coverage: 81.2% of 16 items",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("coverage report lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "not covered"); n != 3 {
		t.Errorf("%d items not covered, want 3:\n%s", n, text)
	}
	var doc struct {
		Percent     float64 `json:"percent"`
		Covered     int     `json:"covered"`
		Total       int     `json:"total"`
		Definitions []struct {
			Items []struct {
				Kind, State string
				Index, Hits int
			} `json:"items"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(cov.JSON(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Covered != 13 || doc.Total != 16 || doc.Percent != 81.2 {
		t.Errorf("JSON coverage %+v", doc)
	}
	for _, it := range doc.Definitions[0].Items {
		if it.Kind == "state" && it.State == "PackItem" && it.Hits != 2 {
			t.Errorf("PackItem (in a Distributed Map) entered %d times, want 2", it.Hits)
		}
	}
}

// TestFailuresAreExplained: each expectation not met is reported with what
// was got and wanted, as text, JSON and JUnit XML.
func TestFailuresAreExplained(t *testing.T) {
	res, cov := run(t, "testdata/failing.test.yaml", "testdata/order.test.yaml")
	var text bytes.Buffer
	testrun.WriteText(&text, res, false)
	out := text.String()
	for _, want := range []string{
		"--- FAIL: expectations that do not hold",
		`-     "unpacked"`, `+     "packed"`,
		"+ Pack", "+ WaitADay",
		"variables.total: got 20, want 21",
		"variables.missing: got (not set), want 1",
		"--- FAIL: an unmocked task with no runner",
		"error: state \"Charge\": the task has no mock, and no task runner is configured",
		"FAIL\ttestdata/failing.test.yaml\t2 of 2 cases failed",
		"ok\ttestdata/order.test.yaml\t3 cases",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	var doc struct {
		Passed, Failed int
		Files          []struct {
			Cases []struct {
				Name     string
				Passed   bool
				Problems []struct{ Field, Got, Want string }
			}
		}
		Coverage struct{ Total int }
	}
	if err := json.Unmarshal(testrun.JSON(res, cov), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Passed != 3 || doc.Failed != 2 || len(doc.Files[0].Cases[0].Problems) != 4 || doc.Coverage.Total != 16 {
		t.Errorf("JSON results %+v", doc)
	}
	var junit bytes.Buffer
	if err := testrun.JUnit(&junit, res); err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(junit.Bytes(), &suites); err != nil {
		t.Fatal(err)
	}
	if len(suites.Suites) != 2 || suites.Suites[0].Failures != 2 || suites.Suites[1].Failures != 0 || suites.Suites[1].Tests != 3 ||
		suites.Suites[0].Cases[0].Failure == nil {
		t.Errorf("JUnit %s", junit.String())
	}
}

// TestTestFilesAreChecked: a test file that cannot run says why, naming the
// field.
func TestTestFilesAreChecked(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := dir + "/" + name
		if err := writeFile(p, text); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("m.asl.json", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","End":true}}}`)
	cases := map[string]string{
		"definition: m.asl.json\ncases: []\n":                                        "cases: give a list of cases",
		"definition: m.asl.json\ncases:\n  - name: a\n    expect: {status: DONE}\n":  `status: "DONE" is not`,
		"definition: m.asl.json\ncases:\n  - name: a\n    mocks: {X: {Return: 1}}\n": `the mocked state "X" is not a Task state`,
		"definition: m.asl.json\ncases:\n  - name: a\n    testCase: C\n":             "the test file has no mockConfig",
		"definition: m.asl.json\ncases:\n  - name: a\n    expected: {}\n":            "unknown field",
		"definition: nope.json\ncases:\n  - name: a\n":                               "no such file",
		"definition: m.asl.json\ncases:\n  - name: a\n  - name: a\n":                 `a second case named "a"`,
	}
	for text, want := range cases {
		p := write("c.test.yaml", text)
		if _, err := testrun.ReadFile(p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error with %q", text, err, want)
		}
	}
}
