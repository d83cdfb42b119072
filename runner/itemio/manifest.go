package itemio

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/stepd/stepd/jsonvalue"
)

// maxManifest bounds an inventory's manifest.json, which is read whole (it
// lists the data files, not the objects).
const maxManifest = 64 << 20

// inventoryManifest is an S3 inventory's manifest.json.
type inventoryManifest struct {
	SourceBucket      string `json:"sourceBucket"`
	DestinationBucket string `json:"destinationBucket"`
	FileFormat        string `json:"fileFormat"`
	FileSchema        string `json:"fileSchema"`
	Files             []struct {
		Key string `json:"key"`
	} `json:"files"`
}

// manifest reads the items of an S3 inventory: its manifest.json names the
// data files (CSV, usually gzipped, without a header) and their columns
// (fileSchema); each row is an item of those columns, every value a string.
func (r *S3) manifest(ctx context.Context, args map[string]string, emit func(any) error) error {
	var m inventoryManifest
	err := r.object(ctx, args["Bucket"], args["Key"], args["VersionId"], func(body io.Reader) error {
		data, err := io.ReadAll(io.LimitReader(body, maxManifest+1))
		if err != nil {
			return err
		}
		if len(data) > maxManifest {
			return readFailure("The manifest is larger than the %d bytes stepd reads", maxManifest)
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return readFailure("The manifest is not an S3 inventory manifest: %s", err.Error())
		}
		return nil
	})
	if err != nil {
		return err
	}
	if m.FileFormat != "" && !strings.EqualFold(m.FileFormat, "CSV") {
		return readFailure("stepd cannot read an S3 inventory of fileFormat %s: it reads CSV inventories", m.FileFormat)
	}
	var cols []string
	for _, c := range strings.Split(m.FileSchema, ",") {
		if c = strings.TrimSpace(c); c != "" {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		return readFailure("The manifest has no fileSchema")
	}
	bucket := strings.TrimPrefix(m.DestinationBucket, "arn:aws:s3:::")
	if i := strings.LastIndex(bucket, ":::"); i >= 0 { // other partitions
		bucket = bucket[i+3:]
	}
	if bucket == "" {
		bucket = args["Bucket"]
	}
	shape := jsonvalue.NewShape(cols)
	emit = wrapEmit(emit)
	for _, f := range m.Files {
		err := r.object(ctx, bucket, f.Key, "", func(body io.Reader) error {
			return inventoryRows(body, shape, emit)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// inventoryRows streams the rows of one inventory data file, gunzipped when
// it is gzip.
func inventoryRows(body io.Reader, shape *jsonvalue.Shape, emit func(any) error) error {
	br := bufio.NewReaderSize(body, 64<<10)
	var in io.Reader = br
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return readFailure("The inventory data file is not valid gzip: %s", err.Error())
		}
		defer gz.Close()
		in = gz
	}
	p := &csvParser{r: bufio.NewReaderSize(in, 64<<10), delim: ','}
	n := len(shape.Keys())
	for {
		row, err := p.record(maxLine)
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, errTooLong) {
			return readFailure("The inventory data file is malformed: a row is longer than %d bytes", maxLine)
		}
		if err != nil {
			// The body arrived (object reports it otherwise): gzip refused it.
			return readFailure("The inventory data file is not valid gzip: %s", err.Error())
		}
		if len(row) == 1 && row[0] == "" {
			continue
		}
		vals := make([]any, n)
		for i := range vals {
			if i < len(row) {
				vals[i] = row[i]
			} else {
				vals[i] = ""
			}
		}
		if err := emit(shape.New(vals)); err != nil {
			return err
		}
	}
}
