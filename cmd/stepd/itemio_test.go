package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/jsonvalue"
	"github.com/stepd/stepd/runner/awssdk"
	"github.com/stepd/stepd/runner/awssdk/mototest"
	"github.com/stepd/stepd/store/postgres/pgtest"
)

// s3Bucket is a fresh bucket in moto's S3 and a stepd configuration that
// points the AWS integrations' S3 at it.
type s3Bucket struct {
	t      testing.TB
	client *s3.Client
	name   string
	config string
}

func newS3Bucket(t testing.TB) *s3Bucket {
	t.Helper()
	endpoint := mototest.Endpoint(t)
	ep := awssdk.Endpoint{URL: endpoint}
	b := &s3Bucket{t: t, name: fmt.Sprintf("stepd-items-%d", time.Now().UnixNano()),
		client: s3.NewFromConfig(ep.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })}
	if _, err := b.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(b.name)}); err != nil {
		t.Fatal(err)
	}
	b.config = filepath.Join(t.TempDir(), "stepd.yaml")
	if err := os.WriteFile(b.config, fmt.Appendf(nil, "services:\n  s3:\n    endpoint: %s\n    region: us-east-1\n", endpoint), 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *s3Bucket) put(key, body string) {
	b.t.Helper()
	if _, err := b.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(b.name), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		b.t.Fatal(err)
	}
}

func (b *s3Bucket) get(key string) string {
	b.t.Helper()
	out, err := b.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)})
	if err != nil {
		b.t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	data, _ := io.ReadAll(out.Body)
	return string(data)
}

// distributedMap is a machine whose Distributed Map reads reader (the
// ItemReader's JSON), with extra fields for the Map state, and children that
// pass their input on.
func distributedMap(childType, reader, extra string) string {
	return fmt.Sprintf(`{"StartAt":"Map","States":{"Map":{"Type":"Map","ItemReader":%s,%s
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":%q},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
		"End":true}}}`, reader, extra, childType)
}

// TestDistributedMapItemReaderThroughServe runs Map Runs that read every
// ItemReader input type, on SQLite and PostgreSQL.
func TestDistributedMapItemReaderThroughServe(t *testing.T) {
	t.Parallel()
	onEachStoreWithS3(t, itemReaderThroughServe)
}

// onEachStoreWithS3 runs test against a stepd serve on SQLite and one on
// PostgreSQL (a schema of its own), each with a bucket of moto's S3.
func onEachStoreWithS3(t *testing.T, test func(t *testing.T, b *s3Bucket, s *server)) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			b := newS3Bucket(t)
			var args []string
			if store == "postgres" {
				url, schema := pgtest.Schema(t)
				args = []string{"--store", url, "--pg-schema", schema}
			}
			test(t, b, serve(t, append(args, "--config", b.config)...))
		})
	}
}

func itemReaderThroughServe(t *testing.T, b *s3Bucket, s *server) {
	b.put("data/rows.csv", "name,n\nann,1\nbob,2\n\"cy, d\",3\n")
	b.put("data/rows.json", `[{"a":1},{"a":2},{"a":3},{"a":4},{"a":5}]`)
	b.put("data/rows.ssv", "a;b\n1;2\n3;4\n5;6\n")
	b.put("data/rows.jsonl", "{\"l\":1}\n{\"l\":2}\n")
	b.put("list/x.txt", "xx")
	b.put("list/y.txt", "yyy")
	b.put("inv/data/1.csv", "\"src\",\"a.txt\"\n\"src\",\"b.txt\"\n")
	b.put("inv/manifest.json", fmt.Sprintf(`{"sourceBucket":"src","destinationBucket":"arn:aws:s3:::%s","version":"2016-11-30",`+
		`"fileFormat":"CSV","fileSchema":"Bucket, Key","files":[{"key":"inv/data/1.csv","size":1,"MD5checksum":"x"}]}`, b.name))

	getObject := func(key, config string) string {
		return fmt.Sprintf(`{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":%q,"Key.$":"$.key"},"ReaderConfig":%s}`, b.name, config)
	}
	tests := []struct {
		name, childType, reader, extra, input, want string
	}{
		{"csv", "EXPRESS", getObject("", `{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"}`), "", `{"key":"data/rows.csv"}`,
			`[{"n":"1","name":"ann"},{"n":"2","name":"bob"},{"n":"3","name":"cy, d"}]`},
		{"csv given, max items", "STANDARD", getObject("", `{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["h","v"],"MaxItems":2}`), "",
			`{"key":"data/rows.csv"}`, `[{"h":"name","v":"n"},{"h":"ann","v":"1"}]`},
		{"csv, max items path", "EXPRESS", getObject("", `{"InputType":"CSV","MaxItemsPath":"$.max"}`), "",
			`{"key":"data/rows.csv","max":1}`, `[{"n":"1","name":"ann"}]`},
		{"json batched", "STANDARD", getObject("", `{"InputType":"JSON"}`),
			`"ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"from.$":"$.key"}},`, `{"key":"data/rows.json"}`,
			`[{"BatchInput":{"from":"data/rows.json"},"Items":[{"a":1},{"a":2}]},{"BatchInput":{"from":"data/rows.json"},"Items":[{"a":3},{"a":4}]},` +
				`{"BatchInput":{"from":"data/rows.json"},"Items":[{"a":5}]}]`},
		{"jsonl with selector", "EXPRESS", getObject("", `{"InputType":"JSONL"}`),
			`"ItemSelector":{"item.$":"$$.Map.Item.Value","index.$":"$$.Map.Item.Index"},`, `{"key":"data/rows.jsonl"}`,
			`[{"item":{"l":1},"index":0},{"item":{"l":2},"index":1}]`},
		// {"Items":[{"a":"1","b":"2"},{"a":"3","b":"4"}]} is 47 bytes.
		{"csv, semicolons, bytes per batch", "EXPRESS", getObject("", `{"InputType":"CSV","CSVDelimiter":"SEMICOLON"}`),
			`"ItemBatcher":{"MaxInputBytesPerBatch":47},`, `{"key":"data/rows.ssv"}`,
			`[{"Items":[{"a":"1","b":"2"},{"a":"3","b":"4"}]},{"Items":[{"a":"5","b":"6"}]}]`},
		{"manifest", "STANDARD", getObject("", `{"InputType":"MANIFEST"}`), "", `{"key":"inv/manifest.json"}`,
			`[{"Bucket":"src","Key":"a.txt"},{"Bucket":"src","Key":"b.txt"}]`},
		{"list objects", "EXPRESS",
			fmt.Sprintf(`{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":%q,"Prefix":"list/"}}`, b.name),
			`"ItemSelector":{"key.$":"$$.Map.Item.Value.Key","size.$":"$$.Map.Item.Value.Size"},`, `{}`,
			`[{"key":"list/x.txt","size":2},{"key":"list/y.txt","size":3}]`},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := s.machine(fmt.Sprintf("reader-%d", i), "STANDARD", distributedMap(tc.childType, tc.reader, tc.extra))
			d := s.waitStatus(s.start(m, tc.input), types.ExecutionStatusSucceeded)
			if d.Status != types.ExecutionStatusSucceeded {
				t.Fatalf("%s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
			}
			if got := jsonvalue.String(jsonvalue.MustParse(aws.ToString(d.Output))); got != tc.want {
				t.Errorf("output\n got %s\nwant %s", got, tc.want)
			}
		})
	}

	t.Run("missing object", func(t *testing.T) {
		m := s.machine("reader-missing", "STANDARD", distributedMap("EXPRESS", getObject("", `{"InputType":"JSON"}`), ""))
		d := s.waitStatus(s.start(m, `{"key":"nothing.json"}`), types.ExecutionStatusFailed)
		if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "States.ItemReaderFailed" ||
			!strings.HasPrefix(aws.ToString(d.Cause), "The specified key does not exist. (Service: Amazon S3; Status Code: 404; Error Code: NoSuchKey;") {
			t.Errorf("%s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
	})
}

// TestDistributedMapResultWriterThroughServe runs a Map Run that reads
// with JSONata Arguments and writes its results, on SQLite and PostgreSQL.
func TestDistributedMapResultWriterThroughServe(t *testing.T) {
	t.Parallel()
	onEachStoreWithS3(t, resultWriterThroughServe)
}

func resultWriterThroughServe(t *testing.T, b *s3Bucket, s *server) {
	b.put("in.json", `[1, 2, 3, "fail", 5]`)
	def := fmt.Sprintf(`{"QueryLanguage":"JSONata","StartAt":"Map","States":{"Map":{"Type":"Map",
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Arguments":{"Bucket":%q,"Key":"{%% $states.input.key %%}"},
			"ReaderConfig":{"InputType":"JSON","MaxItems":"{%% $states.input.max %%}"}},
		"ItemBatcher":{"MaxItemsPerBatch":3},
		"ToleratedFailurePercentage":100,
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Arguments":{"Bucket":%[1]q,"Prefix":"results"},
			"WriterConfig":{"OutputType":"JSONL","Transformation":"COMPACT"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Condition":"{%% $type($states.input.Items[0]) = 'string' %%}","Next":"F"}],"Default":"P"},
			"F":{"Type":"Fail","Error":"Bad","Cause":"a string"},
			"P":{"Type":"Pass","Output":{"ok":true},"End":true}}},
		"End":true}}}`, b.name)
	m := s.machine("writer", "STANDARD", def)
	d := s.waitStatus(s.start(m, `{"key":"in.json","max":4}`), types.ExecutionStatusSucceeded)
	if d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("%s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	out := jsonvalue.MustParse(aws.ToString(d.Output)).(*jsonvalue.Object)
	runARN, _ := out.Get("MapRunArn")
	id := runARN.(string)[strings.LastIndexByte(runARN.(string), ':')+1:]
	want := fmt.Sprintf(`{"MapRunArn":%q,"ResultWriterDetails":{"Bucket":%q,"Key":"results/%s/manifest.json"}}`, runARN, b.name, id)
	if got := jsonvalue.String(out); got != want {
		t.Fatalf("output\n got %s\nwant %s", got, want)
	}
	manifest := jsonvalue.MustParse(b.get("results/" + id + "/manifest.json"))
	if got := jsonvalue.String(manifest); !strings.Contains(got, `"SUCCEEDED":[{"Key":"results/`+id+`/SUCCEEDED_0.json"`) ||
		!strings.Contains(got, `"FAILED":[{"Key":"results/`+id+`/FAILED_0.json"`) || !strings.Contains(got, `"PENDING":[]`) {
		t.Errorf("manifest %s", got)
	}
	if got := b.get("results/" + id + "/SUCCEEDED_0.json"); got != "{\"ok\":true}\n" {
		t.Errorf("SUCCEEDED_0.json %q", got)
	}
	failed := jsonvalue.MustParse(b.get("results/" + id + "/FAILED_0.json")).(*jsonvalue.Object)
	for k, want := range map[string]string{"Error": "Bad", "Cause": "a string", "Status": "FAILED", "Input": `{"Items":["fail"]}`} {
		if v, _ := failed.Get(k); v != want {
			t.Errorf("FAILED_0.json %s = %v, want %s: %s", k, v, want, jsonvalue.String(failed))
		}
	}
	start, _ := failed.Get("StartDate")
	stop, _ := failed.Get("StopDate")
	t0, err0 := time.Parse(time.RFC3339, fmt.Sprint(start))
	t1, err1 := time.Parse(time.RFC3339, fmt.Sprint(stop))
	if err0 != nil || err1 != nil || t1.Before(t0) || time.Since(t0) > time.Hour {
		t.Errorf("FAILED_0.json StartDate %v, StopDate %v", start, stop)
	}
}

func TestRunDistributedMapFromS3(t *testing.T) {
	t.Parallel()
	b := newS3Bucket(t)
	b.put("rows.csv", "a|b\n1|2\n3|4\n")
	dir := t.TempDir()
	def := write(t, dir, "m.json", distributedMap("EXPRESS",
		fmt.Sprintf(`{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":%q,"Key":"rows.csv"},"ReaderConfig":{"InputType":"CSV","CSVDelimiter":"PIPE"}}`, b.name),
		`"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"`+b.name+`","Prefix":"run"}},`))
	code, stdout, stderr := stepd(t, "", "run", "--config", b.config, "--json", def)
	if code != 0 {
		t.Fatalf("stepd run: %d\n%s%s", code, stdout, stderr)
	}
	res := jsonvalue.MustParse(stdout).(*jsonvalue.Object)
	output, _ := res.Get("output")
	details, _ := output.(*jsonvalue.Object).Get("ResultWriterDetails")
	key, _ := details.(*jsonvalue.Object).Get("Key")
	manifest := b.get(key.(string))
	succeeded := b.get(strings.TrimSuffix(key.(string), "manifest.json") + "SUCCEEDED_0.json")
	if !strings.Contains(manifest, "SUCCEEDED_0.json") || !bytes.Contains([]byte(succeeded), []byte(`"Output":"{\"a\":\"3\",\"b\":\"4\"}"`)) {
		t.Errorf("manifest %s\nSUCCEEDED_0.json %s", manifest, succeeded)
	}
}

// A Distributed Map that stepd cannot honour is refused when the machine is
// made, naming the field, not accepted to do something else at run time.
func TestDistributedMapUnsupportedReaderIsRefused(t *testing.T) {
	t.Parallel()
	s := serve(t)
	dir := t.TempDir()
	inlineDefs := map[string]string{}
	tests := map[string]struct{ reader, location, message string }{
		"parquet": {`{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k"},"ReaderConfig":{"InputType":"PARQUET"}}`,
			"/States/Map/ItemReader/ReaderConfig/InputType", "stepd cannot read ItemReader InputType PARQUET"},
		"athena": {`{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k"},"ReaderConfig":{"InputType":"CSV","ManifestType":"ATHENA_DATA"}}`,
			"/States/Map/ItemReader/ReaderConfig/ManifestType", "ManifestType ATHENA_DATA"},
		"load and flatten": {`{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"b"},"ReaderConfig":{"InputType":"JSON","Transformation":"LOAD_AND_FLATTEN"}}`,
			"/States/Map/ItemReader/ReaderConfig/Transformation", "Transformation LOAD_AND_FLATTEN"},
	}
	inline := `{"StartAt":"Map","States":{"Map":{"Type":"Map",%s,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
	for name, field := range map[string]string{
		"ItemReader":   `"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k"}}`,
		"ItemBatcher":  `"ItemBatcher":{"MaxItemsPerBatch":2}`,
		"ResultWriter": `"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix":"p"}}`,
	} {
		tests["inline "+name] = struct{ reader, location, message string }{"", "/States/Map/" + name, "stepd honours " + name + " only in a DISTRIBUTED Map"}
		inlineDefs["inline "+name] = fmt.Sprintf(inline, field)
	}
	i := 0
	for name, tc := range tests {
		def := distributedMap("EXPRESS", tc.reader, "")
		if d, ok := inlineDefs[name]; ok {
			def = d
		}
		i++
		_, err := s.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String(fmt.Sprintf("refused-%d", i)),
			Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
		var invalid *types.InvalidDefinition
		if !errors.As(err, &invalid) || !strings.Contains(invalid.ErrorMessage(), tc.location) || !strings.Contains(invalid.ErrorMessage(), tc.message) {
			t.Errorf("%s: CreateStateMachine: %v", name, err)
		}
		code, _, stderr := stepd(t, "", "run", write(t, dir, fmt.Sprintf("m%d.json", i), def))
		if code == 0 || !strings.Contains(stderr, tc.location) || !strings.Contains(stderr, tc.message) {
			t.Errorf("%s: stepd run: %d %s", name, code, stderr)
		}
	}
}

// putCSV uploads a CSV of rows rows (about 40 bytes each) from a temporary
// file, so that the benchmark's own memory stays small.
func (b *s3Bucket) putCSV(tb testing.TB, key string, rows int) {
	tb.Helper()
	f, err := os.CreateTemp(tb.TempDir(), "rows-*.csv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	w.WriteString("id,name,score,city\n")
	for i := range rows {
		fmt.Fprintf(w, "%d,name-%07d,%d.%02d,\"City, %d\"\n", i, i, i%100, i%97, i%1000)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		tb.Fatal(err)
	}
	if _, err := b.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(b.name), Key: aws.String(key), Body: f}); err != nil {
		tb.Fatal(err)
	}
}

// peakRSS is the process's peak resident set (VmHWM), in bytes.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkDistributedMapCSV runs a Distributed Map over a CSV in moto's
// S3 through stepd serve (in process, SQLite): EXPRESS children of an inline
// Pass, batched by 100. It reports the seconds per run and the process's
// peak RSS (stepd and the benchmark together).
func BenchmarkDistributedMapCSV(b *testing.B) {
	for _, rows := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			bucket := newS3Bucket(b)
			bucket.putCSV(b, "rows.csv", rows)
			s := serve(b, "--config", bucket.config)
			// Each child answers 1, so that the Map's result stays within
			// the payload quota.
			def := strings.Replace(distributedMap("EXPRESS",
				fmt.Sprintf(`{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":%q,"Key":"rows.csv"},"ReaderConfig":{"InputType":"CSV"}}`, bucket.name),
				`"ItemBatcher":{"MaxItemsPerBatch":100},"ResultSelector":{"batches.$":"States.ArrayLength($)"},`),
				`"Type":"Pass","End":true`, `"Type":"Pass","Result":1,"End":true`, 1)
			m := s.machine("csv", "STANDARD", def)
			b.ResetTimer()
			for range b.N {
				d := s.waitStatus(s.start(m, `{}`), types.ExecutionStatusSucceeded)
				if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != fmt.Sprintf(`{"batches":%d}`, rows/100) {
					b.Fatalf("%s %s: %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
			b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB")
		})
	}
}
