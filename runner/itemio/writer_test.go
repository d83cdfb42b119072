package itemio_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
)

const runARN = "arn:aws:states:us-east-1:123456789012:mapRun:m/Map:0f4b3c6e-aaaa-bbbb-cccc-123456789012"

// mapResults are five children: two succeeded (one with an array output),
// one failed, one timed out, one never run.
func mapResults() []runner.MapResult {
	start := time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC)
	child := func(i int) (string, string) {
		name := fmt.Sprintf("c%d", i)
		return "arn:aws:states:us-east-1:123456789012:execution:m/Map:" + name, name
	}
	var out []runner.MapResult
	for i, st := range []string{"SUCCEEDED", "FAILED", "SUCCEEDED", "TIMED_OUT", "PENDING"} {
		arn, name := child(i)
		r := runner.MapResult{ExecutionARN: arn, Name: name, StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:m/Map",
			Status: st, Input: fmt.Sprintf(`{"i":%d}`, i)}
		switch st {
		case "SUCCEEDED":
			r.Output = fmt.Sprintf(`{"o":%d}`, i)
			if i == 2 {
				r.Output = `[1,[2]]`
			}
			r.Start, r.Stop = start, start.Add(time.Second)
		case "PENDING":
			r.ExecutionARN, r.Name = "", ""
		default:
			r.Error, r.Cause = "E", "boom"
		}
		out = append(out, r)
	}
	return out
}

func each(list []runner.MapResult) func(func(runner.MapResult) error) error {
	return func(yield func(runner.MapResult) error) error {
		for _, r := range list {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func (f *fixture) write(t *testing.T, prefix, outputType, transformation string, results []runner.MapResult) (any, error) {
	t.Helper()
	w := runner.ResultWrite{Resource: resource(t, "arn:aws:states:::s3:putObject"), MapRunARN: runARN,
		Arguments: jsonvalue.MustParse(fmt.Sprintf(`{"Bucket":%q,"Prefix":%q}`, f.bucket, prefix)), OutputType: outputType, Transformation: transformation}
	return f.io.WriteResults(context.Background(), w, each(results))
}

func TestWriteResults(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const id = "0f4b3c6e-aaaa-bbbb-cccc-123456789012"
	details, err := f.write(t, "out", "", "", mapResults())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jsonvalue.String(details), fmt.Sprintf(`{"MapRunArn":%q,"ResultWriterDetails":{"Bucket":%q,"Key":"out/%s/manifest.json"}}`, runARN, f.bucket, id); got != want {
		t.Errorf("details\n got %s\nwant %s", got, want)
	}
	manifest := jsonvalue.MustParse(f.get(t, "out/"+id+"/manifest.json"))
	succeeded := f.get(t, "out/"+id+"/SUCCEEDED_0.json")
	failed := f.get(t, "out/"+id+"/FAILED_0.json")
	pending := f.get(t, "out/"+id+"/PENDING_0.json")
	wantManifest := fmt.Sprintf(`{"DestinationBucket":%q,"MapRunArn":%q,"ResultFiles":{`+
		`"FAILED":[{"Key":"out/%s/FAILED_0.json","Size":%d}],"PENDING":[{"Key":"out/%s/PENDING_0.json","Size":%d}],`+
		`"SUCCEEDED":[{"Key":"out/%s/SUCCEEDED_0.json","Size":%d}]}}`, f.bucket, runARN, id, len(failed), id, len(pending), id, len(succeeded))
	if got := jsonvalue.String(manifest); got != wantManifest {
		t.Errorf("manifest\n got %s\nwant %s", got, wantManifest)
	}
	wantSucceeded := `[{"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:m/Map:c0","Input":"{\"i\":0}","InputDetails":{"Included":true},` +
		`"Name":"c0","Output":"{\"o\":0}","OutputDetails":{"Included":true},"RedriveCount":0,"RedriveStatus":"NOT_REDRIVABLE",` +
		`"RedriveStatusReason":"Execution is SUCCEEDED and cannot be redriven","StartDate":"2024-05-06T07:08:09.123Z",` +
		`"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m/Map","Status":"SUCCEEDED","StopDate":"2024-05-06T07:08:10.123Z"},` +
		`{"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:m/Map:c2","Input":"{\"i\":2}","InputDetails":{"Included":true},` +
		`"Name":"c2","Output":"[1,[2]]","OutputDetails":{"Included":true},"RedriveCount":0,"RedriveStatus":"NOT_REDRIVABLE",` +
		`"RedriveStatusReason":"Execution is SUCCEEDED and cannot be redriven","StartDate":"2024-05-06T07:08:09.123Z",` +
		`"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m/Map","Status":"SUCCEEDED","StopDate":"2024-05-06T07:08:10.123Z"}]`
	if succeeded != wantSucceeded {
		t.Errorf("SUCCEEDED_0.json\n got %s\nwant %s", succeeded, wantSucceeded)
	}
	wantFailed := `[{"Cause":"boom","Error":"E","ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:m/Map:c1","Input":"{\"i\":1}",` +
		`"InputDetails":{"Included":true},"Name":"c1","RedriveCount":0,"RedriveStatus":"REDRIVABLE_BY_MAP_RUN",` +
		`"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m/Map","Status":"FAILED"},` +
		`{"Cause":"boom","Error":"E","ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:m/Map:c3","Input":"{\"i\":3}",` +
		`"InputDetails":{"Included":true},"Name":"c3","RedriveCount":0,"RedriveStatus":"REDRIVABLE_BY_MAP_RUN",` +
		`"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m/Map","Status":"TIMED_OUT"}]`
	if failed != wantFailed {
		t.Errorf("FAILED_0.json\n got %s\nwant %s", failed, wantFailed)
	}
	wantPending := `[{"Input":"{\"i\":4}","InputDetails":{"Included":true},"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m/Map","Status":"PENDING"}]`
	if pending != wantPending {
		t.Errorf("PENDING_0.json\n got %s\nwant %s", pending, wantPending)
	}
}

func TestWriteResultsConfig(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const id = "0f4b3c6e-aaaa-bbbb-cccc-123456789012"
	tests := []struct {
		prefix, outputType, transformation string
		succeeded                          string
	}{
		{"compact", "JSON", "COMPACT", `[{"o":0},[1,[2]]]`},
		{"flatten", "JSON", "FLATTEN", `[{"o":0},1,[2]]`},
		{"jsonl", "JSONL", "COMPACT", "{\"o\":0}\n[1,[2]]\n"},
		{"flatten-jsonl", "JSONL", "FLATTEN", "{\"o\":0}\n1\n[2]\n"},
		{"", "JSON", "COMPACT", `[{"o":0},[1,[2]]]`},
		{"slash/", "JSON", "COMPACT", `[{"o":0},[1,[2]]]`},
	}
	for _, tc := range tests {
		if _, err := f.write(t, tc.prefix, tc.outputType, tc.transformation, mapResults()); err != nil {
			t.Fatal(err)
		}
		dir := tc.prefix
		if dir != "" && !strings.HasSuffix(dir, "/") {
			dir += "/"
		}
		dir += id + "/"
		if got := f.get(t, dir+"SUCCEEDED_0.json"); got != tc.succeeded {
			t.Errorf("%s %s %s: SUCCEEDED_0.json\n got %q\nwant %q", tc.prefix, tc.outputType, tc.transformation, got, tc.succeeded)
		}
		// Failed children are described whatever the transformation.
		if got := f.get(t, dir+"FAILED_0.json"); !strings.Contains(got, `"Status":"TIMED_OUT"`) || !strings.Contains(got, `"Error":"E"`) {
			t.Errorf("%s: FAILED_0.json %s", tc.prefix, got)
		}
	}
}

func TestWriteResultsSplits(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.io.MaxFileBytes = 40
	const id = "0f4b3c6e-aaaa-bbbb-cccc-123456789012"
	var results []runner.MapResult
	for i := range 10 {
		results = append(results, runner.MapResult{Status: "SUCCEEDED", Output: fmt.Sprintf(`{"value":%d}`, i)})
	}
	if _, err := f.write(t, "split", "JSON", "COMPACT", results); err != nil {
		t.Fatal(err)
	}
	manifest := jsonvalue.MustParse(f.get(t, "split/"+id+"/manifest.json")).(*jsonvalue.Object)
	files, _ := manifest.Get("ResultFiles")
	list, _ := files.(*jsonvalue.Object).Get("SUCCEEDED")
	var all []any
	for i, entry := range list.([]any) {
		key, _ := entry.(*jsonvalue.Object).Get("Key")
		size, _ := entry.(*jsonvalue.Object).Get("Size")
		if want := fmt.Sprintf("split/%s/SUCCEEDED_%d.json", id, i); key != want {
			t.Errorf("file %d is %s, want %s", i, key, want)
		}
		body := f.get(t, key.(string))
		if n, _ := jsonvalue.ToFloat(size); int(n) != len(body) || len(body) > 40 {
			t.Errorf("%s: size %v, body %d bytes (limit 40)", key, size, len(body))
		}
		all = append(all, jsonvalue.MustParse(body).([]any)...)
	}
	if len(list.([]any)) < 3 || len(all) != 10 || jsonvalue.String(all[9]) != `{"value":9}` {
		t.Errorf("%d files holding %s", len(list.([]any)), jsonvalue.String(all))
	}
}

func TestWriteResultsFailures(t *testing.T) {
	t.Parallel()
	f := setup(t)
	missing := &fixture{io: f.io, s3: f.s3, bucket: f.bucket + "-missing"}
	_, err := missing.write(t, "p", "", "", mapResults())
	wantFailure(t, err, aslerr.ResultWriterFailed, `^The specified bucket does not exist \(Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket;`)

	w := runner.ResultWrite{Resource: resource(t, "arn:aws:states:::s3:putObject"), MapRunARN: runARN, Arguments: jsonvalue.MustParse(`{"Prefix":"p"}`)}
	_, err = f.io.WriteResults(context.Background(), w, each(nil))
	wantFailure(t, err, aslerr.ResultWriterFailed, `requires the field 'Bucket'`)

	// A failure of the results themselves (the store) is the writer's.
	_, err = f.io.WriteResults(context.Background(), runner.ResultWrite{Resource: w.Resource, MapRunARN: runARN,
		Arguments: jsonvalue.MustParse(fmt.Sprintf(`{"Bucket":%q}`, f.bucket))}, func(func(runner.MapResult) error) error { return fmt.Errorf("store down") })
	wantFailure(t, err, aslerr.ResultWriterFailed, `^store down$`)
}
