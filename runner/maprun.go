package runner

import (
	"context"
	"time"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/jsonvalue"
)

// ItemReader reads the items of a Distributed Map's ItemReader (from S3:
// s3:getObject of a JSON, JSONL, CSV or manifest object, or s3:listObjectsV2).
// ReadItems calls emit with each item in order, streaming: an object of a
// million rows is never held whole. It stops at the first error emit returns,
// and returns it. A reader that cannot read (a missing object, malformed
// content) returns an *aslerr.Failure with AWS's name and cause
// (States.ItemReaderFailed, or the service's error).
type ItemReader interface {
	ReadItems(ctx context.Context, r ItemRead, emit func(item any) error) error
}

// ItemRead is one ItemReader to read, with every field evaluated.
type ItemRead struct {
	// Resource is arn:aws:states:::s3:getObject or s3:listObjectsV2.
	Resource asl.Resource
	// Arguments are the evaluated Parameters (JSONPath) or Arguments
	// (JSONata): Bucket, Key, VersionId, Prefix, ...
	Arguments any
	// ReaderConfig, evaluated.
	InputType         string   // JSON, JSONL, CSV, MANIFEST; "" for s3:listObjectsV2
	CSVHeaderLocation string   // FIRST_ROW (default) or GIVEN
	CSVHeaders        []string // with GIVEN
	CSVDelimiter      string   // COMMA (default), PIPE, SEMICOLON, SPACE, TAB
	ManifestType      string   // S3_INVENTORY (for MANIFEST)
	MaxItems          int64    // 0: every item
	// Credentials are the state's evaluated Credentials, if any.
	Credentials any
}

// ResultWriter writes a Distributed Map's results where its ResultWriter
// says (s3:putObject: a manifest.json and result files under a prefix, in
// AWS's formats and size splits), and returns what the Map state gets as its
// result (the ResultWriterDetails object, as on AWS).
type ResultWriter interface {
	WriteResults(ctx context.Context, w ResultWrite, results func(yield func(MapResult) error) error) (details any, err error)
}

// ResultWrite is one ResultWriter to write, with every field evaluated.
type ResultWrite struct {
	// Resource is arn:aws:states:::s3:putObject.
	Resource asl.Resource
	// Arguments are the evaluated Parameters or Arguments: Bucket, Prefix.
	Arguments any
	// WriterConfig, evaluated: OutputType JSON (default) or JSONL;
	// Transformation NONE (default), COMPACT or FLATTEN.
	OutputType, Transformation string
	// MapRunARN names the Map Run; its ID is the last part, as AWS names the
	// results' folder.
	MapRunARN   string
	Credentials any
}

// MapResult is the outcome of one child execution of a Map Run, in item
// order.
type MapResult struct {
	ExecutionARN, Name, StateMachineARN string
	Status                              string // SUCCEEDED, FAILED, TIMED_OUT, ABORTED, or PENDING (never run)
	Input                               string // JSON text
	Output                              string // JSON text, when SUCCEEDED
	Error, Cause                        string
	Start, Stop                         time.Time
}

// Transform is one result as the Map's output holds it without a
// ResultWriter resource: COMPACT gives the output (a failed child's Error and
// Cause); FLATTEN gives an array output's elements; NONE gives the whole
// description.
func (r MapResult) Transform(transformation string) ([]any, error) {
	value := func(s string) any {
		v, err := jsonvalue.ParseString(s)
		if err != nil {
			return s
		}
		return v
	}
	var out any
	if r.Status == "SUCCEEDED" {
		out = value(r.Output)
	} else {
		o := jsonvalue.NewObject(2)
		o.Set("Error", r.Error)
		o.Set("Cause", r.Cause)
		out = o
	}
	switch transformation {
	case "FLATTEN":
		if list, ok := out.([]any); ok {
			return list, nil
		}
		return []any{out}, nil
	case "NONE":
		o := jsonvalue.NewObject(8)
		o.Set("ExecutionArn", r.ExecutionARN)
		o.Set("Input", r.Input)
		o.Set("Name", r.Name)
		if r.Status == "SUCCEEDED" {
			o.Set("Output", r.Output)
		} else {
			o.Set("Error", r.Error)
			o.Set("Cause", r.Cause)
		}
		o.Set("StateMachineArn", r.StateMachineARN)
		o.Set("Status", r.Status)
		return []any{o}, nil
	}
	return []any{out}, nil
}

// Tolerated reports whether failed children of total stay within a Map
// Run's tolerance: count and percent are -1 when not given, and then no
// failure is tolerated.
func Tolerated(failed, total, count int64, percent float64) bool {
	if failed == 0 {
		return true
	}
	limited, ok := false, false
	if count >= 0 {
		limited = true
		ok = ok || failed <= count
	}
	if percent >= 0 && total > 0 {
		limited = true
		ok = ok || float64(failed)*100/float64(total) <= percent
	}
	return limited && ok
}

// ExceededTolerance is the failure of a Map Run whose failures passed its
// tolerance, as AWS words it.
func ExceededTolerance() *aslerr.Failure {
	return aslerr.New(aslerr.ExceedToleratedFailureThreshold, "The specified tolerated failure threshold for the Map Run has been exceeded.")
}
