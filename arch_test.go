package stepd_test

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/stepd/stepd"

// allowed lists, per package (a prefix of the module-relative path), which of
// the module's packages it may import. The arrow runs one way:
// asl → interp → engine → awsapi → cmd, with runner as a seam the engine uses.
var allowed = map[string][]string{
	"jsonvalue":     {},
	"asl/aslerr":    {},
	"asl/jsonpath":  {"jsonvalue", "asl/aslerr"},
	"asl/intrinsic": {"jsonvalue", "asl/aslerr", "asl/jsonpath"},
	"jsonata":       {"jsonvalue"},
	"asl":           {"jsonvalue", "asl/aslerr", "asl/jsonpath", "asl/intrinsic", "jsonata"},
	"history":       {"jsonvalue"},
	"interp":        {"jsonvalue", "asl", "history"},
	"config":        {},
	"store":         {"store"},
	"runner":        {"jsonvalue", "asl", "runner"},
	"engine":        {"jsonvalue", "asl", "history", "interp", "runner", "store"},
	"awsapi":        {"jsonvalue", "asl", "history", "interp", "engine", "store"},
	"auth":          {},   // SigV4, console sessions, Host checks: standard library only
	"console":       {},   // only a client of the public API: it serves files
	"cmd":           {""}, // the edge may wire anything
	"test":          {""}, // end-to-end suites drive the whole thing
	"sdk":           {},   // the worker SDK users import: nothing of stepd's, standard library only
	"examples":      {""}, // programs that drive a stepd the way users do
}

// impure are the standard packages the interpreter and the definition model
// must not use: no clock, no global randomness, no I/O, no goroutines.
var impure = []string{"os", "net", "net/http", "math/rand", "math/rand/v2", "crypto/rand", "sync", "os/exec", "time/tzdata"}

type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// rule returns the allowed imports of a package: the entry of its longest
// matching prefix.
func rule(rel string) ([]string, bool) {
	best, found := "", false
	for prefix := range allowed {
		if (rel == prefix || strings.HasPrefix(rel, prefix+"/")) && len(prefix) >= len(best) {
			best, found = prefix, true
		}
	}
	return allowed[best], found
}

func TestImportArrows(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if rel == "" {
			continue
		}
		ok, found := rule(rel)
		if !found {
			t.Errorf("%s has no entry in the architecture table: add one", rel)
			continue
		}
		for _, imp := range p.Imports {
			dep, inModule := strings.CutPrefix(imp, module+"/")
			if !inModule {
				continue
			}
			legal := false
			for _, a := range ok {
				if a == "" || dep == a || strings.HasPrefix(dep, a+"/") || strings.HasPrefix(dep, rel+"/") {
					legal = true
				}
			}
			if !legal {
				t.Errorf("%s imports %s, which is not allowed by the layering", rel, dep)
			}
		}
	}
}

func TestPureCore(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if rel != "interp" && rel != "asl" && !strings.HasPrefix(rel, "asl/") && rel != "history" && rel != "jsonvalue" {
			continue
		}
		for _, imp := range p.Imports {
			for _, bad := range impure {
				if imp == bad {
					t.Errorf("%s imports %s: the core must stay pure (no clock, randomness, I/O or goroutines)", rel, imp)
				}
			}
		}
		for _, f := range p.GoFiles {
			src, err := os.ReadFile(filepath.Join(p.Dir, f))
			if err != nil {
				t.Fatal(err)
			}
			for _, call := range []string{"time.Now(", "time.Since(", "time.Sleep(", "time.After(", "time.NewTimer("} {
				if strings.Contains(string(src), call) {
					t.Errorf("%s/%s calls %s: time must come in as an argument", rel, f, call)
				}
			}
		}
	}
}
