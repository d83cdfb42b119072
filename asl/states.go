package asl

import (
	"math"
	"time"
)

// PassSpec is the Pass-specific part of a state.
type PassSpec struct {
	Result    any  // the Result field (JSONPath)
	HasResult bool // Result was given (it may be null)
}

// TaskSpec is the Task-specific part of a state.
type TaskSpec struct {
	Resource         Resource
	TimeoutSeconds   *Field // nil: no timeout (AWS's default for tasks is 99999999 s)
	HeartbeatSeconds *Field
	Credentials      *Template
}

// Field is a state field whose value is computed when the state runs: a literal
// (TimeoutSeconds: 5), a JSONPath (TimeoutSecondsPath: "$.t") or a JSONata
// expression. Name is the field as written, for error messages.
type Field struct {
	Name string
	Expr Expr
	// IsPath is set when the value comes from a ...Path field.
	IsPath bool
}

// ChoiceSpec is the Choice-specific part of a state.
type ChoiceSpec struct {
	Choices []*ChoiceRule
	Default *State // nil: no Default (States.NoChoiceMatched when nothing matches)
}

// ChoiceRule is one element of Choices: a condition and where it leads.
type ChoiceRule struct {
	Condition Condition
	Next      *State
	Output    *Template // JSONata
	Assign    *Template
}

// WaitSpec is the Wait-specific part of a state: exactly one of Seconds and
// Timestamp is set.
type WaitSpec struct {
	Seconds   *Field
	Timestamp *Field
}

// FailSpec is the Fail-specific part of a state. Error and Cause are nil when not
// given.
type FailSpec struct {
	Error *Field
	Cause *Field
}

// ParallelSpec is the Parallel-specific part of a state.
type ParallelSpec struct {
	Branches []*Graph
}

// MapMode is the ProcessorConfig Mode of a Map state.
type MapMode uint8

// The Map modes.
const (
	MapInline MapMode = iota
	MapDistributed
)

// MapSpec is the Map-specific part of a state.
type MapSpec struct {
	Processor     *Graph
	Mode          MapMode
	ExecutionType string // DISTRIBUTED: STANDARD or EXPRESS

	ItemsPath    *PathField // JSONPath (nil: "$")
	Items        *Template  // JSONata, or a literal array
	ItemSelector *Template  // ItemSelector, or the legacy Parameters
	// ItemSelectorField names where ItemSelector came from ("ItemSelector" or "Parameters").
	ItemSelectorField string

	MaxConcurrency             *Field // nil: 0 (no limit)
	ToleratedFailureCount      *Field
	ToleratedFailurePercentage *Field

	// DISTRIBUTED only: where the items come from (nil: the state's input),
	// how they are batched, and where the results go.
	Reader  *ItemReader
	Batcher *ItemBatcher
	Writer  *ResultWriter
	Label   string
}

// ItemReader is a Distributed Map's ItemReader: a resource (s3:getObject or
// s3:listObjectsV2) with its Parameters (Arguments, in JSONata) and
// ReaderConfig.
type ItemReader struct {
	Resource  Resource
	Arguments *Template // nil: none
	// ReaderConfig.
	InputType, CSVHeaderLocation, CSVDelimiter, ManifestType string
	CSVHeaders                                               []string
	Transformation                                           string // NONE, LOAD_AND_FLATTEN; "" when not given
	MaxItems                                                 *Field // MaxItems or MaxItemsPath; nil: every item
}

// ItemBatcher is a Distributed Map's ItemBatcher.
type ItemBatcher struct {
	MaxItemsPerBatch      *Field // or its ...Path; nil: no limit
	MaxInputBytesPerBatch *Field // or its ...Path; nil: no limit
	BatchInput            *Template
}

// ResultWriter is a Distributed Map's ResultWriter: an s3:putObject resource
// with its Parameters (Arguments), and WriterConfig.
type ResultWriter struct {
	Resource  *Resource // nil: WriterConfig alone (the results are not written)
	Arguments *Template
	// WriterConfig: OutputType JSON or JSONL, Transformation NONE, COMPACT or
	// FLATTEN ("" when not given).
	OutputType, Transformation string
}

// Retrier is one element of Retry.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds float64 // default 1
	MaxAttempts     int     // default 3; 0 never retries
	BackoffRate     float64 // default 2.0
	MaxDelaySeconds float64 // 0: no cap
	FullJitter      bool    // JitterStrategy FULL
}

// Delay returns how long to wait before retry number attempt (0 for the first
// retry), before jitter: IntervalSeconds × BackoffRate^attempt, capped by
// MaxDelaySeconds. With FullJitter the caller draws a delay in [0, Delay].
func (r *Retrier) Delay(attempt int) time.Duration {
	s := r.IntervalSeconds * math.Pow(r.BackoffRate, float64(attempt))
	if r.MaxDelaySeconds > 0 && s > r.MaxDelaySeconds {
		s = r.MaxDelaySeconds
	}
	const maxSeconds = 99999999 // AWS's largest IntervalSeconds
	if s > maxSeconds || math.IsInf(s, 0) || math.IsNaN(s) {
		s = maxSeconds
	}
	return time.Duration(s * float64(time.Second))
}

// Catcher is one element of Catch.
type Catcher struct {
	ErrorEquals []string
	Next        *State
	ResultPath  *ResultPath // JSONPath; nil: "$"
	Output      *Template   // JSONata
	Assign      *Template
}

// ResourceKind classifies a Task's Resource.
type ResourceKind uint8

// The kinds of Task resources.
const (
	ResourceUnknown     ResourceKind = iota
	ResourceLambda                   // arn:aws:lambda:region:account:function:name[:qualifier]
	ResourceActivity                 // arn:aws:states:region:account:activity:name
	ResourceIntegration              // arn:aws:states:::service:action[.pattern]
)

// IntegrationPattern is how a service integration waits: request-response,
// .sync (run a job and wait for it) or .waitForTaskToken.
type IntegrationPattern uint8

// The integration patterns.
const (
	PatternRequestResponse  IntegrationPattern = iota
	PatternSync                                // .sync
	PatternSync2                               // .sync:2
	PatternWaitForTaskToken                    // .waitForTaskToken
)

// Resource is a Task's Resource ARN, taken apart.
type Resource struct {
	ARN       string
	Kind      ResourceKind
	Partition string
	Region    string
	Account   string
	// Name is the Lambda function (without qualifier) or the activity name.
	Name      string
	Qualifier string // the Lambda version or alias, if any
	// Service and Action name a service integration: "lambda", "invoke";
	// "aws-sdk:s3", "listBuckets"; "states", "startExecution".
	Service string
	Action  string
	Pattern IntegrationPattern
}
