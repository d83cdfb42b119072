package testrun_test

import (
	"context"
	"testing"

	"github.com/stepd/stepd/testrun"
)

// BenchmarkRunCase: one case of order.test.yaml (a retry, a Distributed Map
// of two items, a day's Wait) on the virtual clock.
func BenchmarkRunCase(b *testing.B) {
	f, err := testrun.ReadFile("testdata/order.test.yaml")
	if err != nil {
		b.Fatal(err)
	}
	c := f.Cases[0]
	cov := testrun.NewCoverage()
	cov.Add(f)
	b.ReportAllocs()
	for b.Loop() {
		if r := testrun.Run(context.Background(), c, testrun.Options{}, cov); !r.Passed() {
			b.Fatal(r.Details())
		}
	}
}
