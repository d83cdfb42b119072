package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"time"

	"github.com/stepd/stepd/testrun"
)

// testCommand is "stepd test": run test files of state machines in memory
// with a virtual clock, report like go test, and measure coverage. Exit
// status 0 when every case passed (and coverage reached --cover-min), 1 when
// not, 2 for usage errors.
func testCommand(ctx context.Context, args []string, io *streams) error {
	fs := newFlagSet("stepd test", "stepd test [flags] [PATH...]\n\nRun the test files (*.test.yaml, *.test.yml, *.test.json) of PATHs (default .), in memory with a virtual clock,\nand report which states, Choice rules, Retriers and Catchers they covered. See docs/testing.md.", io)
	configFile := fs.String("config", "", "configuration `file` mapping Lambda functions to local commands, for the tasks no mock answers")
	asJSON := fs.Bool("json", false, "print the results (and coverage) as one JSON object")
	junit := fs.String("junit", "", "also write the results as JUnit XML to `file`")
	coverJSON := fs.String("cover-json", "", "also write the coverage as JSON to `file`")
	coverMin := fs.String("cover-min", "", "fail when the coverage of all definitions is below `N` percent")
	runPattern := fs.String("run", "", "run only the cases whose name matches the `regexp`")
	verbose := fs.Bool("v", false, "also list the cases that pass")
	parallel := fs.Int("parallel", runtime.GOMAXPROCS(0), "run at most `N` cases at once")
	timeout := fs.Duration("timeout", time.Minute, "fail a case that runs longer than `D` in real time")
	paths, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	minPct := -1.0
	if *coverMin != "" {
		if minPct, err = strconv.ParseFloat(*coverMin, 64); err != nil || minPct < 0 || minPct > 100 {
			return usageErr("--cover-min: %q is not a percentage from 0 to 100", *coverMin)
		}
	}
	var keep func(*testrun.Case) bool
	if *runPattern != "" {
		re, err := regexp.Compile(*runPattern)
		if err != nil {
			return usageErr("--run: %v", err)
		}
		keep = func(c *testrun.Case) bool { return re.MatchString(c.Name) }
	}
	files, err := testrun.Find(paths)
	if err != nil {
		return usageErr("%v", err)
	}
	if len(files) == 0 {
		return usageErr("no test files (*.test.yaml, *.test.yml, *.test.json) in %v", paths)
	}
	tasks, err := loadTasks(*configFile, taskOptions{Log: slog.New(slog.NewTextHandler(io.err, nil))})
	if err != nil {
		return usageErr("%v", err)
	}
	defer tasks.Close()
	cov := testrun.NewCoverage()
	results := testrun.RunFiles(ctx, files, testrun.Options{Runner: tasks.router, Timeout: *timeout}, *parallel, keep, cov)
	passed, failed := 0, 0
	for _, f := range results {
		if f.Err != nil {
			failed++
		}
		for _, r := range f.Results {
			if r.Passed() {
				passed++
			} else {
				failed++
			}
		}
	}
	total := cov.Total()
	if *asJSON {
		io.out.Write(append(testrun.JSON(results, cov), '\n'))
	} else {
		testrun.WriteText(io.out, results, *verbose)
		fmt.Fprint(io.out, cov.Text())
	}
	if *junit != "" {
		fh, err := os.Create(*junit)
		if err != nil {
			return err
		}
		err = testrun.JUnit(fh, results)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if *coverJSON != "" {
		if err := os.WriteFile(*coverJSON, append(cov.JSON(), '\n'), 0o644); err != nil {
			return err
		}
	}
	low := minPct >= 0 && total.Percent() < minPct
	if !*asJSON {
		switch {
		case failed > 0:
			fmt.Fprintf(io.out, "FAIL: %d passed, %d failed\n", passed, failed)
		case low:
			fmt.Fprintf(io.out, "FAIL: %d passed; coverage %.1f%% is below --cover-min %s%%\n", passed, total.Percent(), *coverMin)
		default:
			fmt.Fprintf(io.out, "ok: %d passed\n", passed)
		}
	}
	if failed > 0 || low {
		return &exitError{code: 1}
	}
	return nil
}
