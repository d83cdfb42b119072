package testrun

import (
	"context"
	"sync"
)

// RunFiles reads the test files and runs their cases, at most parallel at
// once (parallel < 1 means one), recording coverage in cov (which may be
// nil); keep selects cases (nil: all). The results are in the order of the
// files and their cases. A file that cannot be read is a FileResult with
// Err.
func RunFiles(ctx context.Context, paths []string, opts Options, parallel int, keep func(*Case) bool, cov *Coverage) []*FileResult {
	if parallel < 1 {
		parallel = 1
	}
	out := make([]*FileResult, len(paths))
	type job struct {
		c   *Case
		dst **Result
	}
	var jobs []job
	for i, p := range paths {
		fr := &FileResult{Path: p}
		out[i] = fr
		f, err := ReadFile(p)
		if err != nil {
			fr.Err = err
			continue
		}
		cov.Add(f)
		var selected []*Case
		for _, c := range f.Cases {
			if keep == nil || keep(c) {
				selected = append(selected, c)
			}
		}
		fr.Results = make([]*Result, len(selected))
		for k, c := range selected {
			jobs = append(jobs, job{c: c, dst: &fr.Results[k]})
		}
	}
	work := make(chan job)
	var wg sync.WaitGroup
	for range min(parallel, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				*j.dst = Run(ctx, j.c, opts, cov)
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	return out
}
