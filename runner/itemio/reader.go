package itemio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
)

// errEnough stops a read that reached MaxItems.
var errEnough = errors.New("enough items")

// maxLine bounds one JSONL line or CSV row: an item larger than a child's
// whole input (256 KiB) could not run anyway, and a file with no line breaks
// must not be read into memory whole.
const maxLine = 1 << 20

// ReadItems reads the items of an ItemReader and calls emit with each, in
// order, as they stream from S3.
func (r *S3) ReadItems(ctx context.Context, rd runner.ItemRead, emit func(item any) error) error {
	n := int64(0)
	count := func(item any) error {
		if rd.MaxItems > 0 && n >= rd.MaxItems {
			return errEnough
		}
		n++
		if err := emit(item); err != nil {
			return err
		}
		if rd.MaxItems > 0 && n >= rd.MaxItems {
			return errEnough
		}
		return nil
	}
	var err error
	switch rd.Resource.Action {
	case "getObject":
		err = r.getObject(ctx, rd, count)
	case "listObjectsV2":
		err = r.listObjects(ctx, rd, count)
	default:
		return readFailure("stepd cannot read items with %s: an ItemReader reads s3:getObject or s3:listObjectsV2", rd.Resource.ARN)
	}
	if errors.Is(err, errEnough) {
		return nil
	}
	return err
}

// getObject reads the items of one object, by its InputType.
func (r *S3) getObject(ctx context.Context, rd runner.ItemRead, emit func(any) error) error {
	args, f := arguments(rd.Arguments, aslerr.ItemReaderFailed, "ItemReader", "Bucket", "Key", "VersionId")
	if f != nil {
		return f
	}
	if f := require(args, aslerr.ItemReaderFailed, "ItemReader", "Bucket", "Key"); f != nil {
		return f
	}
	var parse func(io.Reader, func(any) error) error
	switch rd.InputType {
	case "", "JSON":
		parse = readJSON
	case "JSONL":
		parse = readJSONL
	case "CSV":
		c, f := newCSVConfig(rd.CSVHeaderLocation, rd.CSVHeaders, rd.CSVDelimiter)
		if f != nil {
			return f
		}
		parse = c.read
	case "MANIFEST":
		if rd.ManifestType != "" && rd.ManifestType != "S3_INVENTORY" {
			return readFailure("stepd cannot read a manifest of ManifestType %s: it reads S3_INVENTORY manifests", rd.ManifestType)
		}
		return r.manifest(ctx, args, emit)
	default:
		return readFailure("stepd cannot read items of InputType %s: it reads JSON, JSONL, CSV and MANIFEST", rd.InputType)
	}
	return r.object(ctx, args["Bucket"], args["Key"], args["VersionId"], func(body io.Reader) error { return parse(body, emit) })
}

// object streams one object's body to read.
func (r *S3) object(ctx context.Context, bucket, key, version string, read func(io.Reader) error) error {
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	out, err := r.Client.GetObject(ctx, in)
	if err != nil {
		return s3Failure(ctx, aslerr.ItemReaderFailed, err)
	}
	defer out.Body.Close()
	body := &trackedReader{r: out.Body}
	err = read(body)
	switch {
	case err == nil || errors.Is(err, errEnough) || isEmitError(err):
		return err
	case body.err != nil:
		// The content did not arrive whole: that, not what it held, is the
		// failure.
		return s3Failure(ctx, aslerr.ItemReaderFailed, body.err)
	}
	return err
}

// trackedReader remembers a failure to read the body (not its end).
type trackedReader struct {
	r   io.Reader
	err error
}

func (t *trackedReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

// emitError carries an error that emit returned, so that it is not taken
// for a failure to read.
type emitError struct{ err error }

func (e *emitError) Error() string { return e.err.Error() }
func (e *emitError) Unwrap() error { return e.err }

func isEmitError(err error) bool {
	var e *emitError
	return errors.As(err, &e)
}

// wrapEmit marks emit's errors.
func wrapEmit(emit func(any) error) func(any) error {
	return func(v any) error {
		if err := emit(v); err != nil {
			if errors.Is(err, errEnough) {
				return err
			}
			return &emitError{err}
		}
		return nil
	}
}

// readJSON streams the elements of a top-level JSON array, one at a time.
func readJSON(body io.Reader, emit func(any) error) error {
	emit = wrapEmit(emit)
	dec := json.NewDecoder(body)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return jsonFailure(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return readFailure("Attempting to map over non-iterable node.")
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return jsonFailure(err)
		}
		v, err := jsonvalue.Parse(raw)
		if err != nil {
			return jsonFailure(err)
		}
		if err := emit(v); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return jsonFailure(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return readFailure("The JSON input is malformed: it holds more than one JSON value")
	}
	return nil
}

func jsonFailure(err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return readFailure("The JSON input is malformed: it ends before the array does")
	}
	return readFailure("The JSON input is malformed: %s", err.Error())
}

// readJSONL streams JSON Lines: one JSON value a line; blank lines are
// skipped.
func readJSONL(body io.Reader, emit func(any) error) error {
	emit = wrapEmit(emit)
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		v, err := jsonvalue.Parse(b)
		if err != nil {
			return readFailure("The JSONL input is malformed: line %d is not a JSON value: %s", line, err.Error())
		}
		if err := emit(v); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return readFailure("The JSONL input is malformed: line %d is longer than %d bytes", line+1, maxLine)
		}
		return err
	}
	return nil
}

// listObjects lists a bucket's objects under a prefix, page by page; each
// object is an item shaped as Step Functions shapes it: Etag, Key,
// LastModified (seconds since the epoch), Size, StorageClass.
func (r *S3) listObjects(ctx context.Context, rd runner.ItemRead, emit func(any) error) error {
	args, f := arguments(rd.Arguments, aslerr.ItemReaderFailed, "ItemReader", "Bucket", "Prefix", "Delimiter", "StartAfter")
	if f != nil {
		return f
	}
	if f := require(args, aslerr.ItemReaderFailed, "ItemReader", "Bucket"); f != nil {
		return f
	}
	if rd.InputType != "" {
		return readFailure("stepd cannot read the objects' contents (InputType %s) of s3:listObjectsV2: it lists them", rd.InputType)
	}
	shape := jsonvalue.NewShape([]string{"Etag", "Key", "LastModified", "Size", "StorageClass"})
	in := &s3.ListObjectsV2Input{Bucket: aws.String(args["Bucket"])}
	if r.pageSize > 0 {
		in.MaxKeys = aws.Int32(r.pageSize)
	}
	if p := args["Prefix"]; p != "" {
		in.Prefix = aws.String(p)
	}
	if d := args["Delimiter"]; d != "" {
		in.Delimiter = aws.String(d)
	}
	if s := args["StartAfter"]; s != "" {
		in.StartAfter = aws.String(s)
	}
	for {
		out, err := r.Client.ListObjectsV2(ctx, in)
		if err != nil {
			return s3Failure(ctx, aslerr.ItemReaderFailed, err)
		}
		for _, o := range out.Contents {
			var mod any = nil
			if o.LastModified != nil {
				mod = jsonvalue.Int(o.LastModified.Unix())
			}
			size := jsonvalue.Int(aws.ToInt64(o.Size))
			item := shape.New([]any{aws.ToString(o.ETag), aws.ToString(o.Key), mod, size, string(o.StorageClass)})
			if err := emit(item); err != nil {
				return err
			}
		}
		if !aws.ToBool(out.IsTruncated) || aws.ToString(out.NextContinuationToken) == "" {
			return nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}
