package jsonpath

import (
	"testing"
	"time"

	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

func BenchmarkGet(b *testing.B) {
	doc := jsonvalue.MustParse(store)
	for _, bb := range []struct{ name, path string }{
		{"root", "$"},
		{"field", "$.expensive"},
		{"nested", "$.store.bicycle.color"},
		{"index", "$.store.book[2].isbn"},
		{"wildcard", "$.store.book[*].author"},
		{"filter", "$.store.book[?(@.price < 10)].title"},
		{"deepscan", "$..price"},
	} {
		p := MustCompile(bb.path)
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Get(doc); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bb.name+"_budget", func(b *testing.B) {
			b.ReportAllocs()
			var bd budget.Budget
			for b.Loop() {
				bd.Start(budget.Default, time.Now)
				if _, err := p.GetWithin(doc, &bd); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile("$.store.book[0].title"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSet(b *testing.B) {
	doc := jsonvalue.MustParse(`{"a":1,"b":{"c":2},"d":[1,2,3]}`)
	p, _ := CompileReference("$.b.result")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Set(doc, "x"); err != nil {
			b.Fatal(err)
		}
	}
}
