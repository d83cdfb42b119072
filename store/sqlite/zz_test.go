package sqlite

import (
	"path/filepath"
	"strconv"
	"testing"
)

func BenchmarkZZOpenFresh(b *testing.B) {
	d := b.TempDir()
	for i := 0; i < b.N; i++ {
		s, err := Open(filepath.Join(d, strconv.Itoa(i), "x.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
