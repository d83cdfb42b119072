package itemio_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stepd/stepd/asl"
	"github.com/stepd/stepd/asl/aslerr"
	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner"
	"github.com/stepd/stepd/runner/awssdk"
	"github.com/stepd/stepd/runner/awssdk/mototest"
	"github.com/stepd/stepd/runner/itemio"
)

var bucketSeq atomic.Int64

// fixture is a fresh bucket in moto's S3, with the reader and writer that
// reach it and a client to set it up.
type fixture struct {
	io     *itemio.S3
	s3     *s3.Client
	bucket string
}

func setup(t testing.TB) *fixture {
	t.Helper()
	endpoint := mototest.Endpoint(t)
	ep := awssdk.Endpoint{URL: endpoint}
	f := &fixture{io: itemio.New(ep), bucket: fmt.Sprintf("items-%d-%d", time.Now().UnixNano(), bucketSeq.Add(1))}
	f.io.TempDir = t.TempDir()
	f.s3 = s3.NewFromConfig(ep.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := f.s3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(f.bucket)}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) put(t testing.TB, key string, body []byte) {
	t.Helper()
	if _, err := f.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) get(t testing.TB, key string) string {
	t.Helper()
	out, err := f.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func resource(t testing.TB, arn string) asl.Resource {
	t.Helper()
	r, err := asl.ParseResource(arn)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// read reads every item of a reader, as one JSON array.
func (f *fixture) read(t *testing.T, rd runner.ItemRead) (string, error) {
	t.Helper()
	var items []any
	err := f.io.ReadItems(context.Background(), rd, func(item any) error {
		items = append(items, item)
		return nil
	})
	if items == nil {
		items = []any{}
	}
	return jsonvalue.String(items), err
}

func getObject(t testing.TB, bucket, key string) runner.ItemRead {
	return runner.ItemRead{Resource: resource(t, "arn:aws:states:::s3:getObject"),
		Arguments: jsonvalue.MustParse(fmt.Sprintf(`{"Bucket":%q,"Key":%q}`, bucket, key))}
}

func wantFailure(t *testing.T, err error, name, causePattern string) {
	t.Helper()
	var f *aslerr.Failure
	if !errors.As(err, &f) {
		t.Fatalf("err = %v, want a failure %s", err, name)
	}
	if f.Name != name || !regexp.MustCompile(causePattern).MatchString(f.Cause) {
		t.Fatalf("failure %s: %q, want %s matching %q", f.Name, f.Cause, name, causePattern)
	}
}

func TestReadItems(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.put(t, "a.json", []byte(` [ {"b": 1.50, "a": [1, 2]}, "x", 12345678901234567890, null , {"k": {}}] `))
	f.put(t, "a.jsonl", []byte("{\"n\":1}\n\n{\"n\":2.0}\r\n\"three\"\n"))
	f.put(t, "first.csv", []byte("name,2nd,age,x y\nann,b,31,z\n\"bob, jr\",\"say \"\"hi\"\"\",40\n\"multi\nline\",c\\,d,back\\\\slash,1,extra\n\nlast,e,f,g"))
	f.put(t, "given.csv", []byte("1|307|3.5\r\n2|481|4\r\n"))
	f.put(t, "tab.csv", []byte("a\tb\n1\t2\n"))
	f.put(t, "semi.csv", []byte("a;b\n1;2\n"))
	f.put(t, "space.csv", []byte("a b\n1 2\n"))
	f.put(t, "empty.csv", nil)
	f.put(t, "empty.json", []byte(`[]`))

	csv := func(key, loc, delim string, headers ...string) runner.ItemRead {
		rd := getObject(t, f.bucket, key)
		rd.InputType, rd.CSVHeaderLocation, rd.CSVDelimiter, rd.CSVHeaders = "CSV", loc, delim, headers
		return rd
	}
	with := func(rd runner.ItemRead, change func(*runner.ItemRead)) runner.ItemRead {
		change(&rd)
		return rd
	}
	tests := map[string]struct {
		rd   runner.ItemRead
		want string
	}{
		"JSON":            {getObject(t, f.bucket, "a.json"), `[{"b":1.50,"a":[1,2]},"x",12345678901234567890,null,{"k":{}}]`},
		"JSON, InputType": {with(getObject(t, f.bucket, "a.json"), func(r *runner.ItemRead) { r.InputType = "JSON" }), `[{"b":1.50,"a":[1,2]},"x",12345678901234567890,null,{"k":{}}]`},
		"JSON, MaxItems":  {with(getObject(t, f.bucket, "a.json"), func(r *runner.ItemRead) { r.MaxItems = 2 }), `[{"b":1.50,"a":[1,2]},"x"]`},
		"JSON, empty":     {getObject(t, f.bucket, "empty.json"), `[]`},
		"JSONL":           {with(getObject(t, f.bucket, "a.jsonl"), func(r *runner.ItemRead) { r.InputType = "JSONL" }), `[{"n":1},{"n":2.0},"three"]`},
		"JSONL, MaxItems": {with(getObject(t, f.bucket, "a.jsonl"), func(r *runner.ItemRead) { r.InputType, r.MaxItems = "JSONL", 1 }), `[{"n":1}]`},
		"CSV, FIRST_ROW": {csv("first.csv", "FIRST_ROW", ""),
			`[{"2nd":"b","x y":"z","age":"31","name":"ann"},{"2nd":"say \"hi\"","x y":"","age":"40","name":"bob, jr"},` +
				`{"2nd":"c,d","x y":"1","age":"back\\slash","name":"multi\nline"},{"2nd":"e","x y":"g","age":"f","name":"last"}]`},
		"CSV, default header": {csv("given.csv", "", "PIPE"), `[{"1":"2","3.5":"4","307":"481"}]`},
		"CSV, GIVEN": {csv("given.csv", "GIVEN", "PIPE", "userId", "movieId", "rating"),
			`[{"movieId":"307","rating":"3.5","userId":"1"},{"movieId":"481","rating":"4","userId":"2"}]`},
		"CSV, MaxItems":  {with(csv("given.csv", "GIVEN", "PIPE", "u", "m", "r"), func(r *runner.ItemRead) { r.MaxItems = 1 }), `[{"m":"307","r":"3.5","u":"1"}]`},
		"CSV, TAB":       {csv("tab.csv", "FIRST_ROW", "TAB"), `[{"a":"1","b":"2"}]`},
		"CSV, SEMICOLON": {csv("semi.csv", "FIRST_ROW", "SEMICOLON"), `[{"a":"1","b":"2"}]`},
		"CSV, SPACE":     {csv("space.csv", "FIRST_ROW", "SPACE"), `[{"a":"1","b":"2"}]`},
		"CSV, COMMA":     {csv("semi.csv", "FIRST_ROW", "COMMA"), `[{"a;b":"1;2"}]`},
		"CSV, empty":     {csv("empty.csv", "FIRST_ROW", ""), `[]`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := f.read(t, tc.rd)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("items\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestReadItemsFailures(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.put(t, "object.json", []byte(`{"a": 1}`))
	f.put(t, "bad.json", []byte(`[1, 2, {"a" 3}]`))
	f.put(t, "short.json", []byte(`[1, 2`))
	f.put(t, "two.json", []byte(`[1] [2]`))
	f.put(t, "bad.jsonl", []byte("1\n{\n"))
	f.put(t, "dup.csv", []byte("a,b,a\n1,2,3\n"))
	f.put(t, "wide.csv", []byte(strings.Repeat("h", 11<<10)+"\n1\n"))
	f.put(t, "data.parquet", []byte("PAR1"))
	typ := func(rd runner.ItemRead, inputType string) runner.ItemRead { rd.InputType = inputType; return rd }
	tests := map[string]struct {
		rd          runner.ItemRead
		name, cause string
	}{
		"no such key": {getObject(t, f.bucket, "missing.json"), aslerr.ItemReaderFailed,
			`^The specified key does not exist\. \(Service: Amazon S3; Status Code: 404; Error Code: NoSuchKey; Request ID: [^;]*; S3 Extended Request ID: [^;]*; Proxy: null\)$`},
		"no such bucket": {getObject(t, f.bucket+"-missing", "a.json"), aslerr.ItemReaderFailed,
			`^The specified bucket does not exist \(Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket;`},
		"not an array":         {getObject(t, f.bucket, "object.json"), aslerr.ItemReaderFailed, `^Attempting to map over non-iterable node\.$`},
		"malformed JSON":       {getObject(t, f.bucket, "bad.json"), aslerr.ItemReaderFailed, `^The JSON input is malformed: invalid character '3'`},
		"truncated JSON":       {getObject(t, f.bucket, "short.json"), aslerr.ItemReaderFailed, `^The JSON input is malformed`},
		"two JSON values":      {getObject(t, f.bucket, "two.json"), aslerr.ItemReaderFailed, `more than one JSON value`},
		"malformed JSONL":      {typ(getObject(t, f.bucket, "bad.jsonl"), "JSONL"), aslerr.ItemReaderFailed, `^The JSONL input is malformed: line 2 `},
		"duplicate CSV header": {typ(getObject(t, f.bucket, "dup.csv"), "CSV"), aslerr.ItemReaderFailed, `^CSV headers cannot contain duplicates\.$`},
		"CSV header too large": {typ(getObject(t, f.bucket, "wide.csv"), "CSV"), aslerr.ItemReaderFailed, `10 KiB`},
		"PARQUET":              {typ(getObject(t, f.bucket, "data.parquet"), "PARQUET"), aslerr.ItemReaderFailed, `InputType PARQUET`},
		"no Key": {runner.ItemRead{Resource: resource(t, "arn:aws:states:::s3:getObject"), Arguments: jsonvalue.MustParse(`{"Bucket":"b"}`)},
			aslerr.ItemReaderFailed, `requires the field 'Key'`},
		"unknown field": {runner.ItemRead{Resource: resource(t, "arn:aws:states:::s3:getObject"), Arguments: jsonvalue.MustParse(`{"Bucket":"b","Key":"k","Range":"x"}`)},
			aslerr.ItemReaderFailed, `'Range' is not supported`},
		"list a missing bucket": {runner.ItemRead{Resource: resource(t, "arn:aws:states:::s3:listObjectsV2"), Arguments: jsonvalue.MustParse(fmt.Sprintf(`{"Bucket":"%s-missing"}`, f.bucket))},
			aslerr.ItemReaderFailed, `^The specified bucket does not exist \(Service: Amazon S3; Status Code: 404; Error Code: NoSuchBucket;`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := f.read(t, tc.rd)
			wantFailure(t, err, tc.name, tc.cause)
		})
	}
}

func TestReadItemsStopsOnEmitError(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.put(t, "a.csv", []byte("a\n1\n2\n3\n"))
	rd := getObject(t, f.bucket, "a.csv")
	rd.InputType = "CSV"
	stop := errors.New("stop")
	n := 0
	err := f.io.ReadItems(context.Background(), rd, func(any) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err %v after %d items, want stop after 1", err, n)
	}
}

func TestListObjects(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for i := range 7 {
		f.put(t, fmt.Sprintf("data/%02d.txt", i), []byte(strings.Repeat("x", i)))
	}
	f.put(t, "other/z.txt", []byte("z"))
	f.io.SetPageSize(3) // three pages
	rd := runner.ItemRead{Resource: resource(t, "arn:aws:states:::s3:listObjectsV2"),
		Arguments: jsonvalue.MustParse(fmt.Sprintf(`{"Bucket":%q,"Prefix":"data/"}`, f.bucket))}
	var items []any
	if err := f.io.ReadItems(context.Background(), rd, func(item any) error { items = append(items, item); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(items) != 7 {
		t.Fatalf("%d items, want 7: %s", len(items), jsonvalue.String(items))
	}
	for i, item := range items {
		o := item.(*jsonvalue.Object)
		if got := strings.Join(o.Keys(), ","); got != "Etag,Key,LastModified,Size,StorageClass" {
			t.Fatalf("keys %s", got)
		}
		etag, _ := o.Get("Etag")
		key, _ := o.Get("Key")
		size, _ := o.Get("Size")
		mod, _ := o.Get("LastModified")
		class, _ := o.Get("StorageClass")
		sec, ok := jsonvalue.ToFloat(mod)
		if key != fmt.Sprintf("data/%02d.txt", i) || jsonvalue.String(size) != fmt.Sprint(i) || !strings.HasPrefix(etag.(string), `"`) ||
			class != "STANDARD" || !ok || time.Since(time.Unix(int64(sec), 0)) > time.Hour {
			t.Errorf("item %d: %s", i, jsonvalue.String(item))
		}
	}
	rd.MaxItems = 4
	got, err := f.read(t, rd)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(got, `"Key"`); n != 4 {
		t.Errorf("MaxItems 4 gave %d items", n)
	}
}

func gz(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestManifest(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.put(t, "inv/data/1.csv.gz", gz(t, "\"src\",\"a.csv\",\"10\",\"2024-01-02T03:04:05.000Z\"\n\"src\",\"b,c.csv\",\"20\",\"2024-01-02T03:04:06.000Z\"\n"))
	f.put(t, "inv/data/2.csv", []byte("\"src\",\"d.csv\",\"30\",\"2024-01-02T03:04:07.000Z\"\n"))
	manifest := fmt.Sprintf(`{"sourceBucket":"src","destinationBucket":"arn:aws:s3:::%s","version":"2016-11-30","creationTimestamp":"1514944800000",
		"fileFormat":"CSV","fileSchema":"Bucket, Key, Size, LastModifiedDate",
		"files":[{"key":"inv/data/1.csv.gz","size":1,"MD5checksum":"x"},{"key":"inv/data/2.csv","size":1,"MD5checksum":"y"}]}`, f.bucket)
	f.put(t, "inv/manifest.json", []byte(manifest))
	rd := getObject(t, f.bucket, "inv/manifest.json")
	rd.InputType = "MANIFEST"
	got, err := f.read(t, rd)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"Bucket":"src","Key":"a.csv","Size":"10","LastModifiedDate":"2024-01-02T03:04:05.000Z"},` +
		`{"Bucket":"src","Key":"b,c.csv","Size":"20","LastModifiedDate":"2024-01-02T03:04:06.000Z"},` +
		`{"Bucket":"src","Key":"d.csv","Size":"30","LastModifiedDate":"2024-01-02T03:04:07.000Z"}]`
	if got != want {
		t.Errorf("items\n got %s\nwant %s", got, want)
	}
	rd.MaxItems = 2
	if got, err := f.read(t, rd); err != nil || strings.Count(got, `"Key"`) != 2 {
		t.Errorf("MaxItems 2: %s, %v", got, err)
	}

	f.put(t, "inv/orc.json", []byte(`{"fileFormat":"ORC","fileSchema":"a","files":[]}`))
	f.put(t, "inv/gone.json", []byte(fmt.Sprintf(`{"destinationBucket":"arn:aws:s3:::%s","fileSchema":"Bucket, Key","files":[{"key":"inv/data/none.csv.gz"}]}`, f.bucket)))
	f.put(t, "inv/bad.csv.gz", append([]byte{0x1f, 0x8b}, []byte("not gzip at all")...))
	f.put(t, "inv/badgz.json", []byte(fmt.Sprintf(`{"destinationBucket":"arn:aws:s3:::%s","fileSchema":"Bucket, Key","files":[{"key":"inv/bad.csv.gz"}]}`, f.bucket)))
	for key, cause := range map[string]string{
		"inv/orc.json":   `fileFormat ORC`,
		"inv/gone.json":  `^The specified key does not exist\. \(Service: Amazon S3; Status Code: 404; Error Code: NoSuchKey;`,
		"inv/badgz.json": `not valid gzip`,
		"inv/data/2.csv": `not an S3 inventory manifest`,
	} {
		rd := getObject(t, f.bucket, key)
		rd.InputType = "MANIFEST"
		_, err := f.read(t, rd)
		wantFailure(t, err, aslerr.ItemReaderFailed, cause)
	}
}
