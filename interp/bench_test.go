package interp_test

import (
	"testing"

	"github.com/stepd/stepd/interp"
	"github.com/stepd/stepd/jsonvalue"
)

// BenchmarkPassChain runs a chain of 100 Pass states, each with Parameters,
// in memory: the interpreter's raw speed, reported as transitions per second and
// allocations per transition.
func BenchmarkPassChain(b *testing.B) {
	def := mustDefinition(b, chain(100))
	input := jsonvalue.MustParse(`{"n":1,"payload":{"id":"abc","items":[1,2,3]}}`)
	src := newSource()
	var res interp.Result
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		x := newExecution(input)
		res.Reset()
		if err := interp.Step(def, x, interp.Event{Kind: interp.EventStart}, epoch, src, &res); err != nil {
			b.Fatal(err)
		}
		if x.Status != interp.StatusSucceeded {
			b.Fatalf("status %s: %s", x.Status, x.Cause)
		}
	}
	transitions := float64(b.N) * 100
	b.ReportMetric(transitions/b.Elapsed().Seconds(), "transitions/s")
}

// BenchmarkChoiceLoop runs a Choice loop that counts to 100 with an intrinsic.
func BenchmarkChoiceLoop(b *testing.B) {
	def := mustDefinition(b, `{"StartAt":"Check","States":{
		"Check":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericGreaterThanEquals":100,"Next":"Done"}],"Default":"Inc"},
		"Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)"},"Next":"Check"},
		"Done":{"Type":"Succeed"}}}`)
	input := jsonvalue.MustParse(`{"i":0}`)
	src := newSource()
	var res interp.Result
	b.ReportAllocs()
	for b.Loop() {
		x := newExecution(input)
		res.Reset()
		if err := interp.Step(def, x, interp.Event{Kind: interp.EventStart}, epoch, src, &res); err != nil {
			b.Fatal(err)
		}
		if x.Status != interp.StatusSucceeded {
			b.Fatalf("status %s: %s", x.Status, x.Cause)
		}
	}
	b.ReportMetric(float64(b.N)*201/b.Elapsed().Seconds(), "transitions/s")
}

// BenchmarkFailWithSnapshot fails an inline Map of 40 iterations at its last
// one: the cost of an execution's end that keeps a redrive snapshot (the
// encoding of the execution as the failure begins, and once more at the end).
func BenchmarkFailWithSnapshot(b *testing.B) {
	def := mustDefinition(b, `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":39,"Next":"F"}],"Default":"P"},
		"P":{"Type":"Pass","End":true},"F":{"Type":"Fail","Error":"E"}}}}}}`)
	items := make([]any, 40)
	for i := range items {
		items[i] = jsonvalue.Int(int64(i))
	}
	src := newSource()
	var res interp.Result
	b.ReportAllocs()
	for b.Loop() {
		x := newExecution(items)
		res.Reset()
		if err := interp.Step(def, x, interp.Event{Kind: interp.EventStart}, epoch, src, &res); err != nil {
			b.Fatal(err)
		}
		if x.Status != interp.StatusFailed || len(x.Redrive) == 0 {
			b.Fatalf("status %s, snapshot %d bytes", x.Status, len(x.Redrive))
		}
	}
}
