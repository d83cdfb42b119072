// Package itemio reads a Distributed Map's items from Amazon S3 and writes
// its results back, as Step Functions does: the runner.ItemReader of
// arn:aws:states:::s3:getObject (InputType JSON, JSONL, CSV or MANIFEST, an
// S3 inventory) and arn:aws:states:::s3:listObjectsV2, and the
// runner.ResultWriter of arn:aws:states:::s3:putObject (a manifest.json and
// SUCCEEDED_n, FAILED_n and PENDING_n files under <Prefix>/<map run id>/).
//
// Items are streamed: an object is read as it arrives and each item goes to
// the caller before the next is read, so a CSV of a million rows costs the
// memory of one row. Result files are spooled to temporary files, not
// memory, and each is uploaded when it is full or the results end.
//
// S3 is reached with aws-sdk-go-v2 at the endpoint the AWS integrations use
// (runner/awssdk.Endpoint: AWS itself, or moto's server, LocalStack, MinIO).
// A failure is States.ItemReaderFailed or States.ResultWriterFailed, with
// S3's answer as the cause in the form Step Functions gives it.
package itemio

import (
	"context"
	"errors"
	"fmt"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/awssdk"
)

// Client is the part of the S3 API that items and results need;
// *s3.Client implements it.
type Client interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

var _ Client = (*s3.Client)(nil)

// DefaultMaxFileBytes is the size at which a result file is split, as
// Step Functions splits them: 5 GB, the largest object one PutObject writes.
const DefaultMaxFileBytes = 5 << 30

// S3 reads items from S3 and writes results to it. It implements
// runner.ItemReader and runner.ResultWriter; it is safe for concurrent use.
type S3 struct {
	Client Client
	// MaxFileBytes splits result files; 0 is DefaultMaxFileBytes.
	MaxFileBytes int64
	// TempDir holds result files until they are uploaded; "" is the
	// system's temporary directory.
	TempDir string
	// pageSize is ListObjectsV2's MaxKeys; 0 is S3's (1,000). Tests page
	// with less.
	pageSize int32
}

var (
	_ runner.ItemReader   = (*S3)(nil)
	_ runner.ResultWriter = (*S3)(nil)
)

// New returns the reader and writer that reach S3 at an endpoint.
func New(ep awssdk.Endpoint) *S3 {
	cfg := ep.AWSConfig()
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		// Local servers are addressed by path, not by bucket subdomains.
		o.UsePathStyle = ep.URL != ""
	})
	return &S3{Client: client}
}

// arguments reads the evaluated Parameters (Arguments) of a reader or
// writer: string fields, of those allowed; any other field is refused.
func arguments(v any, errName, what string, allowed ...string) (map[string]string, *aslerr.Failure) {
	out := map[string]string{}
	if v == nil {
		return out, nil
	}
	o, ok := v.(*jsonvalue.Object)
	if !ok {
		return nil, aslerr.Newf(errName, "The %s parameters must be an object: %s", what, jsonvalue.String(v))
	}
	for k, val := range o.All() {
		if !contains(allowed, k) {
			return nil, aslerr.Newf(errName, "The field '%s' is not supported by the %s (stepd supports %s)", k, what, strings.Join(allowed, ", "))
		}
		s, ok := val.(string)
		if !ok {
			return nil, aslerr.Newf(errName, "The field '%s' of the %s must be a string: %s", k, what, jsonvalue.String(val))
		}
		out[k] = s
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// require reports a missing parameter.
func require(args map[string]string, errName, what string, names ...string) *aslerr.Failure {
	for _, n := range names {
		if args[n] == "" {
			return aslerr.Newf(errName, "The %s requires the field '%s'", what, n)
		}
	}
	return nil
}

// s3Failure names a failed S3 call as Step Functions does: the state's
// error (States.ItemReaderFailed or States.ResultWriterFailed), with S3's
// answer as the cause in the form of the AWS SDK for Java ("The specified
// key does not exist. (Service: Amazon S3; Status Code: 404; Error Code:
// NoSuchKey; Request ID: ...; S3 Extended Request ID: ...; Proxy: null)").
func s3Failure(ctx context.Context, errName string, err error) *aslerr.Failure {
	var f *aslerr.Failure
	if errors.As(err, &f) {
		return f
	}
	if ctx.Err() != nil {
		return aslerr.New(errName, context.Cause(ctx).Error())
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return aslerr.New(errName, "Unable to execute HTTP request: "+rootCause(err))
	}
	status, reqID, hostID := 0, "", ""
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status, reqID = re.HTTPStatusCode(), re.ServiceRequestID()
	}
	var host interface{ ServiceHostID() string }
	if errors.As(err, &host) {
		hostID = host.ServiceHostID()
	}
	msg := api.ErrorMessage()
	if msg == "" {
		msg = defaultMessage(api.ErrorCode())
	}
	return aslerr.Newf(errName, "%s (Service: Amazon S3; Status Code: %d; Error Code: %s; Request ID: %s; S3 Extended Request ID: %s; Proxy: null)",
		msg, status, api.ErrorCode(), reqID, hostID)
}

// defaultMessage is S3's message for the errors whose answer has no body
// (a HEAD, or a 404 some servers send bare).
func defaultMessage(code string) string {
	switch code {
	case "NoSuchKey", "NotFound":
		return "The specified key does not exist."
	case "NoSuchBucket":
		return "The specified bucket does not exist"
	}
	return code
}

// rootCause is the innermost error's text, without the SDK's wrapping.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// readFailure is a failure to read items: States.ItemReaderFailed.
func readFailure(format string, args ...any) *aslerr.Failure {
	return aslerr.New(aslerr.ItemReaderFailed, fmt.Sprintf(format, args...))
}
