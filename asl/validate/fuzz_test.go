package validate

import (
	"github.com/stepd/stepd/asl"
	"os"
	"path/filepath"
	"testing"
)

// FuzzValidateText feeds arbitrary text to ReadDocument and Validate. The seed
// corpus is the shared lint corpus and testdata/lint. Whatever the text, the
// validator must not panic, and every diagnostic must be complete.
func FuzzValidateText(f *testing.F) {
	for _, c := range lintFuzzSeeds(f) {
		f.Add(c, false)
	}
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% ($x := 1; $x + $states.input[0]) %}","End":true}},"QueryLanguage":"JSONata"}`), true)
	f.Add([]byte("StartAt: A\nStates:\n  A: {Type: Pass, End: true}\n"), false)
	f.Fuzz(func(t *testing.T, text []byte, express bool) {
		opts := Options{}
		if express {
			opts.Type = "EXPRESS"
		}
		doc, readDiags := asl.ReadDocument(text)
		if doc == nil && len(readDiags) == 0 {
			t.Fatal("asl.ReadDocument returned neither a document nor a diagnostic")
		}
		diags := Text(text, opts)
		if doc == nil && len(diags) != len(readDiags) {
			t.Fatalf("ValidateText added diagnostics to an unreadable text: %v", diags)
		}
		for _, d := range diags {
			if d.Code == "" || d.Message == "" || (d.Severity != asl.SeverityError && d.Severity != asl.SeverityWarning) {
				t.Fatalf("incomplete diagnostic %+v", d)
			}
		}
	})
}

// lintFuzzSeeds returns the texts of the shared lint corpus and of
// testdata/lint.
func lintFuzzSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	dir := lintCasesDir(tb)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) > 0 {
		for _, c := range loadLintCases(tb) {
			seeds = append(seeds, c.text())
		}
	}
	for _, pattern := range []string{"*.asl.json", "*.asl.yaml"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "lint", pattern))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				seeds = append(seeds, b)
			}
		}
	}
	return seeds
}
