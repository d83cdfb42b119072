package itemio

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
)

// The result files' groups, in the manifest's order.
var resultGroups = []string{"FAILED", "PENDING", "SUCCEEDED"}

// WriteResults writes a Map Run's results as Step Functions does, under
// <Prefix>/<map run id>/: the children of each status in files of their
// own, SUCCEEDED_0.json, SUCCEEDED_1.json, ... (failed, timed-out and
// aborted children in FAILED_n, children never run in PENDING_n), each a
// JSON array or JSON Lines (OutputType) of at most MaxFileBytes, and a
// manifest.json that lists them. A succeeded child's entry is its
// execution's description (Transformation NONE, the default), its output
// (COMPACT), or its output's elements (FLATTEN); the others' entries are
// always descriptions. It returns the Map state's result: the Map Run's
// ARN and the manifest's bucket and key.
func (r *S3) WriteResults(ctx context.Context, w runner.ResultWrite, results func(yield func(runner.MapResult) error) error) (any, error) {
	if w.Resource.Action != "putObject" {
		return nil, aslerr.Newf(aslerr.ResultWriterFailed, "stepd cannot write results with %s: a ResultWriter writes s3:putObject", w.Resource.ARN)
	}
	args, f := arguments(w.Arguments, aslerr.ResultWriterFailed, "ResultWriter", "Bucket", "Prefix")
	if f != nil {
		return nil, f
	}
	if f := require(args, aslerr.ResultWriterFailed, "ResultWriter", "Bucket"); f != nil {
		return nil, f
	}
	transformation := w.Transformation
	if transformation == "" {
		transformation = "NONE"
	}
	jsonl := w.OutputType == "JSONL"
	if w.OutputType != "" && w.OutputType != "JSON" && !jsonl {
		return nil, aslerr.Newf(aslerr.ResultWriterFailed, "The OutputType %s is not one of JSON, JSONL", w.OutputType)
	}
	bucket, prefix := args["Bucket"], args["Prefix"]
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	runID := w.MapRunARN[strings.LastIndexByte(w.MapRunARN, ':')+1:]
	dir := prefix + runID + "/"
	max := r.MaxFileBytes
	if max <= 0 {
		max = DefaultMaxFileBytes
	}
	files := map[string]*resultFile{}
	defer func() {
		for _, rf := range files {
			rf.discard()
		}
	}()
	written := map[string][]any{}
	upload := func(rf *resultFile) error {
		key, size, err := rf.upload(ctx, r.Client, bucket, dir, jsonl)
		if err != nil {
			return err
		}
		entry := jsonvalue.NewObject(2)
		entry.Set("Key", key)
		entry.Set("Size", jsonvalue.Int(size))
		written[rf.group] = append(written[rf.group], entry)
		return nil
	}
	var buf []byte
	add := func(group string, entry any) error {
		buf = jsonvalue.Append(buf[:0], entry)
		rf := files[group]
		if rf != nil && rf.entries > 0 && rf.size+int64(len(buf))+2 > max {
			if err := upload(rf); err != nil {
				return err
			}
			rf = nil
		}
		if rf == nil {
			var err error
			if rf, err = newResultFile(r.TempDir, group, len(written[group])); err != nil {
				return err
			}
			files[group] = rf
		}
		return rf.add(buf, jsonl)
	}
	err := results(func(res runner.MapResult) error {
		group := "FAILED"
		switch res.Status {
		case "SUCCEEDED":
			group = "SUCCEEDED"
		case "PENDING":
			group = "PENDING"
		}
		if group != "SUCCEEDED" || transformation == "NONE" {
			return add(group, describe(res))
		}
		values, err := res.Transform(transformation)
		if err != nil {
			return err
		}
		for _, v := range values {
			if err := add(group, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, g := range resultGroups {
			if rf := files[g]; rf != nil && !rf.uploaded {
				if err = upload(rf); err != nil {
					break
				}
			}
		}
	}
	if err != nil {
		var f *aslerr.Failure
		if errors.As(err, &f) {
			return nil, f
		}
		return nil, aslerr.New(aslerr.ResultWriterFailed, err.Error())
	}
	manifest := jsonvalue.NewObject(3)
	manifest.Set("DestinationBucket", bucket)
	manifest.Set("MapRunArn", w.MapRunARN)
	groups := jsonvalue.NewObject(3)
	for _, g := range resultGroups {
		list := written[g]
		if list == nil {
			list = []any{}
		}
		groups.Set(g, list)
	}
	manifest.Set("ResultFiles", groups)
	key := dir + "manifest.json"
	body := jsonvalue.AppendIndent(nil, manifest, "", "  ")
	if _, err := r.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: strings.NewReader(string(body)), ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String("application/json")}); err != nil {
		return nil, s3Failure(ctx, aslerr.ResultWriterFailed, err)
	}
	details := jsonvalue.NewObject(2)
	details.Set("Bucket", bucket)
	details.Set("Key", key)
	out := jsonvalue.NewObject(2)
	out.Set("MapRunArn", w.MapRunARN)
	out.Set("ResultWriterDetails", details)
	return out, nil
}

// describe is a child's entry in a result file: its execution, as
// DescribeExecution describes it.
func describe(r runner.MapResult) *jsonvalue.Object {
	o := jsonvalue.NewObject(15)
	included := func() *jsonvalue.Object {
		d := jsonvalue.NewObject(1)
		d.Set("Included", true)
		return d
	}
	if r.Status != "SUCCEEDED" && r.Status != "PENDING" {
		o.Set("Cause", r.Cause)
		o.Set("Error", r.Error)
	}
	if r.ExecutionARN != "" {
		o.Set("ExecutionArn", r.ExecutionARN)
	}
	o.Set("Input", r.Input)
	o.Set("InputDetails", included())
	if r.Name != "" {
		o.Set("Name", r.Name)
	}
	if r.Status == "SUCCEEDED" {
		o.Set("Output", r.Output)
		o.Set("OutputDetails", included())
	}
	if r.Status != "PENDING" {
		o.Set("RedriveCount", jsonvalue.Int(0))
		if r.Status == "SUCCEEDED" {
			o.Set("RedriveStatus", "NOT_REDRIVABLE")
			o.Set("RedriveStatusReason", "Execution is SUCCEEDED and cannot be redriven")
		} else {
			o.Set("RedriveStatus", "REDRIVABLE_BY_MAP_RUN")
		}
	}
	if !r.Start.IsZero() {
		o.Set("StartDate", r.Start.UTC().Format(isoMillis))
	}
	if r.StateMachineARN != "" {
		o.Set("StateMachineArn", r.StateMachineARN)
	}
	o.Set("Status", r.Status)
	if !r.Stop.IsZero() {
		o.Set("StopDate", r.Stop.UTC().Format(isoMillis))
	}
	return o
}

const isoMillis = "2006-01-02T15:04:05.000Z"

// resultFile is one result file being written: spooled to a temporary file
// until it is uploaded.
type resultFile struct {
	group    string
	index    int
	f        *os.File
	w        *bufio.Writer
	size     int64
	entries  int
	uploaded bool
}

func newResultFile(dir, group string, index int) (*resultFile, error) {
	f, err := os.CreateTemp(dir, "stepd-results-*")
	if err != nil {
		return nil, fmt.Errorf("spool the results: %w", err)
	}
	return &resultFile{group: group, index: index, f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// add appends one entry: a JSON array's element, or a line.
func (rf *resultFile) add(entry []byte, jsonl bool) error {
	sep := byte('[')
	if rf.entries > 0 {
		sep = ','
	}
	if jsonl {
		if _, err := rf.w.Write(entry); err != nil {
			return err
		}
		rf.size += int64(len(entry)) + 1
		rf.entries++
		return rf.w.WriteByte('\n')
	}
	if err := rf.w.WriteByte(sep); err != nil {
		return err
	}
	if _, err := rf.w.Write(entry); err != nil {
		return err
	}
	rf.size += int64(len(entry)) + 1
	rf.entries++
	return nil
}

// upload closes the file (a JSON array's "]") and puts it at
// <dir><GROUP>_<index>.json.
func (rf *resultFile) upload(ctx context.Context, client Client, bucket, dir string, jsonl bool) (string, int64, error) {
	if !jsonl {
		if err := rf.w.WriteByte(']'); err != nil {
			return "", 0, err
		}
		rf.size++
	}
	if err := rf.w.Flush(); err != nil {
		return "", 0, err
	}
	if _, err := rf.f.Seek(0, 0); err != nil {
		return "", 0, err
	}
	key := fmt.Sprintf("%s%s_%d.json", dir, rf.group, rf.index)
	_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: rf.f,
		ContentLength: aws.Int64(rf.size), ContentType: aws.String("application/json")})
	rf.uploaded = true
	rf.discard()
	if err != nil {
		return "", 0, s3Failure(ctx, aslerr.ResultWriterFailed, err)
	}
	return key, rf.size, nil
}

// discard removes the spooled file.
func (rf *resultFile) discard() {
	if rf.f != nil {
		rf.f.Close()
		os.Remove(rf.f.Name())
		rf.f = nil
	}
}
