package itemio_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/stepd/stepd/jsonvalue"
)

// csvRows is a CSV object of n rows of about 40 bytes, with its header.
func csvRows(n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 44)
	b.WriteString("id,name,score,city\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,name-%07d,%d.%02d,\"City, %d\"\n", i, i, i%100, i%97, i%1000)
	}
	return b.Bytes()
}

// jsonItems is a JSON array (or JSON Lines) of n small objects.
func jsonItems(n int, lines bool) []byte {
	var b bytes.Buffer
	b.Grow(n * 48)
	if !lines {
		b.WriteByte('[')
	}
	for i := range n {
		if i > 0 && !lines {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"name-%07d","score":%d.%02d}`, i, i, i%100, i%97)
		if lines {
			b.WriteByte('\n')
		}
	}
	if !lines {
		b.WriteByte(']')
	}
	return b.Bytes()
}

// heapDuring reads every item of an object in moto's S3 and returns the
// peak live heap seen above what was live before (sampled every 10,000
// items, after a collection), with the count of items.
func heapDuring(tb testing.TB, f *fixture, key, inputType string) (peak uint64, items int) {
	tb.Helper()
	rd := getObject(tb, f.bucket, key)
	rd.InputType = inputType
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	err := f.io.ReadItems(context.Background(), rd, func(item any) error {
		items++
		if items%10000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
				peak = ms.HeapAlloc - base
			}
		}
		_ = jsonvalue.Size(item)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return peak, items
}

// TestReadBoundedMemory reads a CSV of a million rows (about 35 MB), and a
// JSON array and JSON Lines of 300,000 objects, from moto's S3: the live
// heap stays within a few megabytes, so no object is ever held whole.
func TestReadBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a million rows through moto: skipped with -short")
	}
	f := setup(t)
	for _, tc := range []struct {
		key, inputType string
		rows           int
		body           func() []byte
	}{
		{"million.csv", "CSV", 1_000_000, func() []byte { return csvRows(1_000_000) }},
		{"items.json", "JSON", 300_000, func() []byte { return jsonItems(300_000, false) }},
		{"items.jsonl", "JSONL", 300_000, func() []byte { return jsonItems(300_000, true) }},
	} {
		body := tc.body()
		size := len(body)
		f.put(t, tc.key, body)
		body = nil
		peak, items := heapDuring(t, f, tc.key, tc.inputType)
		t.Logf("%s: %d items from a %d MB object: peak live heap %d KB above the start", tc.inputType, items, size>>20, peak>>10)
		if items != tc.rows {
			t.Fatalf("%s: %d items, want %d", tc.inputType, items, tc.rows)
		}
		if peak > 8<<20 {
			t.Errorf("%s: peak live heap %d bytes while reading: more than 8 MB for a %d-byte object", tc.inputType, peak, size)
		}
	}
}

// BenchmarkReadCSV reads CSV rows from moto's S3: rows/s, and the bytes
// allocated per row (bounded: nothing accumulates).
func BenchmarkReadCSV(b *testing.B) {
	f := setup(b)
	const rows = 100_000
	f.put(b, "bench.csv", csvRows(rows))
	rd := getObject(b, f.bucket, "bench.csv")
	rd.InputType = "CSV"
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		n := 0
		if err := f.io.ReadItems(context.Background(), rd, func(any) error { n++; return nil }); err != nil || n != rows {
			b.Fatalf("%d rows, %v", n, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
