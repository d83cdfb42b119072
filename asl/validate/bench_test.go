package validate

import (
	"fmt"
	"github.com/stepd/stepd/asl"
	"testing"

	"github.com/stepd/stepd/jsonvalue"
)

// lintBenchDefinition builds a definition of n top-level states that uses every
// state type, Retry and Catch, templates, intrinsic functions and paths, with a
// Parallel and a Map holding their own states.
func lintBenchDefinition(n int) []byte {
	states := jsonvalue.NewObject(n + 1)
	name := func(i int) string { return fmt.Sprintf("Step %02d", i) }
	for i := 0; i < n; i++ {
		next := name(i + 1)
		var st string
		switch i % 6 {
		case 0:
			st = `{"Type":"Pass","Parameters":{"id.$":"$.id","at.$":"$$.State.EnteredTime","msg.$":"States.Format('step {}', $.n)"},"ResultPath":"$.p","Next":"` + next + `"}`
		case 1:
			st = `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:f","Payload.$":"$"},` +
				`"ResultSelector":{"body.$":"$.Payload"},"TimeoutSeconds":30,"HeartbeatSeconds":10,` +
				`"Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":1,"MaxAttempts":3,"BackoffRate":2},{"ErrorEquals":["States.ALL"]}],` +
				`"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Failed"}],"Next":"` + next + `"}`
		case 2:
			st = `{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":3,"Next":"` + next + `"},` +
				`{"And":[{"Variable":"$.s","StringMatches":"a*"},{"Not":{"Variable":"$.b","BooleanEquals":true}}],"Next":"` + next + `"}],"Default":"` + next + `"}`
		case 3:
			st = `{"Type":"Wait","Timestamp":"2024-01-02T03:04:05Z","Next":"` + next + `"}`
		case 4:
			st = `{"Type":"Parallel","Branches":[{"StartAt":"B` + fmt.Sprint(i) + `","States":{"B` + fmt.Sprint(i) + `":{"Type":"Pass","End":true}}}],"Next":"` + next + `"}`
		case 5:
			st = `{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":4,"ItemSelector":{"v.$":"$$.Map.Item.Value"},` +
				`"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"M` + fmt.Sprint(i) + `","States":{"M` + fmt.Sprint(i) + `":{"Type":"Pass","End":true}}},"Next":"` + next + `"}`
		}
		states.Set(name(i), jsonvalue.MustParse(st))
	}
	states.Set(name(n), jsonvalue.MustParse(`{"Type":"Succeed"}`))
	states.Set("Failed", jsonvalue.MustParse(`{"Type":"Fail","Error":"Failed"}`))
	doc := jsonvalue.NewObject(3)
	doc.Set("Comment", "benchmark")
	doc.Set("StartAt", name(0))
	doc.Set("States", states)
	return jsonvalue.AppendIndent(nil, doc, "", "  ")
}

// BenchmarkValidateText60 reads and validates a 60-state definition.
func BenchmarkValidateText60(b *testing.B) {
	text := lintBenchDefinition(60)
	if diags := Text(text, Options{}); len(diags) > 0 {
		b.Fatalf("benchmark definition is not clean: %v", diags)
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Text(text, Options{})
	}
}

// BenchmarkValidate60 validates a 60-state definition already read.
func BenchmarkValidate60(b *testing.B) {
	doc, _ := asl.ReadDocument(lintBenchDefinition(60))
	b.ReportAllocs()
	for b.Loop() {
		Document(doc, Options{})
	}
}
