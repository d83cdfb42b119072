package stepd_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The architecture test: the import arrows between the module's packages, the
// store seam apart from its drivers, and the purity of the core over all its
// dependencies. Every violation is an error, except the few listed in
// knownViolations, which are logged, and which are errors too once they no
// longer occur, so that the list cannot go stale.

const module = "github.com/stepd/stepd"

// anything, as the only allowed import of a package, lets it import any
// package of the module: the edge wires everything.
const anything = "..."

// allowed lists, for each package of the module (its path in the module, ""
// for the root), the packages of the module it may import. A key names one
// package exactly; a key ending in "/..." is a sub-tree rule, for every
// package below that path that has no entry of its own. Each allowed import
// names one package exactly. The arrow runs one way: asl → interp → engine →
// service → awsapi → cmd, with store and runner as seams the engine uses.
var allowed = map[string][]string{
	"": {}, // doc.go: the module's story

	// The core: pure, deterministic, no I/O (see impure).
	"jsonvalue":     {},
	"budget":        {}, // the bounds of one evaluation, which every evaluator spends
	"asl/aslerr":    {},
	"asl/jsonpath":  {"jsonvalue", "asl/aslerr", "budget"},
	"asl/intrinsic": {"jsonvalue", "asl/aslerr", "asl/jsonpath", "budget"},
	"jsonata":       {"jsonvalue", "budget"},
	"asl":           {"jsonvalue", "asl/aslerr", "asl/jsonpath", "asl/intrinsic", "jsonata", "budget"},
	"asl/validate":  {"jsonvalue", "asl", "asl/aslerr", "asl/jsonpath", "asl/intrinsic", "jsonata"}, // the validator; its Parse reads, validates, builds
	"history":       {"jsonvalue"},
	"interp":        {"jsonvalue", "asl", "asl/aslerr", "history", "budget"},

	// The store seam and its drivers: a driver translates the seam to one
	// database and knows no other driver (see drivers).
	"store":                 {},
	"store/internal/chunk":  {"store"},
	"store/internal/sqlrow": {"store"},
	"store/memory":          {"store"},
	"store/sqlite":          {"store", "store/internal/chunk", "store/internal/sqlrow"},
	"store/postgres":        {"store", "store/internal/chunk", "store/internal/sqlrow"},
	"store/postgres/pgtest": {"store/postgres"},
	"store/storetest":       {"store"},

	// The task runners: one package per kind, on the runner seam.
	"runner":                 {"jsonvalue", "asl", "asl/aslerr"},
	"runner/awssdk":          {"jsonvalue", "asl", "asl/aslerr", "runner", "runner/awsreq"},
	"runner/awsreq":          {"jsonvalue"}, // SigV4 signing and AWS JSON errors, for awssdk and lambda
	"runner/awssdk/mototest": {},
	"runner/http":            {"jsonvalue", "asl", "asl/aslerr", "runner", "runner/outbound"},
	"runner/itemio":          {"jsonvalue", "asl", "asl/aslerr", "runner", "runner/awssdk"}, // a Distributed Map's items from S3 and results to it
	"runner/lambda":          {"jsonvalue", "asl", "asl/aslerr", "runner", "runner/outbound", "runner/awsreq"},
	"runner/mock":            {"jsonvalue", "asl", "asl/aslerr", "runner"},
	"runner/outbound":        {}, // the allow-list and client every outbound request of a definition goes through
	"runner/sfn":             {"jsonvalue", "asl", "asl/aslerr", "runner"},

	"engine":         {"jsonvalue", "asl", "asl/validate", "asl/aslerr", "history", "interp", "runner", "runner/mock", "runner/sfn", "store"},
	"service":        {"jsonvalue", "asl", "asl/validate", "asl/aslerr", "interp", "engine", "runner", "runner/mock", "runner/sfn", "store"},
	"service/shapes": {"jsonvalue", "asl"}, // the AWS APIs' result shapes TestState checks mocks against
	"awsapi":         {"jsonvalue", "asl", "asl/validate", "asl/aslerr", "history", "interp", "engine", "service", "service/shapes", "store"},
	"config":         {},
	"metrics":        {"engine", "history", "store"},
	"tracing":        {"engine", "history", "runner", "store"},                                                                       // Prometheus: an engine.Observer
	"testrun":        {"jsonvalue", "asl", "asl/validate", "asl/aslerr", "history", "interp", "runner", "runner/mock", "runner/sfn"}, // stepd test

	"auth":      {}, // SigV4, console sessions, Host checks: the standard library only
	"console":   {}, // only a client of the public API: it serves files
	"sdk":       {}, // the worker SDK users import: the standard library only
	"bench":     {}, // stepd bench's workloads: a client of the public API (the AWS SDK) only
	"cmd/stepd": {anything},
	"test/...":  {anything}, // end-to-end suites drive the whole thing

	// A real stepd serve as a process, for the examples and the end-to-end
	// suites.
	"internal/serveproc": {},

	// The examples drive a stepd as users do: through its API, the worker
	// SDK and their own code.
	"examples/internal/demo":               {"internal/serveproc"},
	"examples/hello-parallel":              {"examples/internal/demo"},
	"examples/song-lyrics":                 {"examples/internal/demo"},
	"examples/stock-trading":               {"examples/internal/demo", "sdk"},
	"examples/vending-pass":                {"examples/internal/demo"},
	"examples/promotion-approval":          {"examples/internal/demo", "sdk", "examples/promotion-approval/approval"},
	"examples/promotion-approval/approval": {"sdk"},
	"examples/promotion-approval/worker":   {"sdk", "examples/promotion-approval/approval"},
}

// drivers are the store's drivers. Only the edge (cmd/stepd and the
// end-to-end suites) and a driver's own sub-tree may import one, and a driver
// may import only the store seam, the store's internals, and jsonvalue or
// history.
var drivers = []string{"store/memory", "store/sqlite", "store/postgres"}

// core are the packages that must be pure; the purity check covers them and
// everything they depend on.
var core = []string{"./jsonvalue", "./budget", "./asl", "./asl/...", "./jsonata", "./history", "./interp"}

// impure are the standard packages no package the core depends on may import
// (the standard library itself is trusted): no clock, no global randomness,
// no I/O.
//
// sync is not among them: purity here is the same outputs from the same
// inputs, and sync reads no clock, draws no random numbers, does no I/O and
// starts no goroutine. The core's dependencies use it to be safe to call from
// many goroutines at once (the engine's shards do): jsonata's pool of
// evaluators and cache of parsed date pictures, yaml.v3's cache of struct
// information, as the trusted standard library does (encoding/json's
// sync.Map). Shared state that changed an output would be a determinism bug,
// which interp's tests (replay, reload between steps) catch and an import
// check cannot tell from a cache; sync/atomic was never counted either.
var impure = []string{
	"os", "os/exec", "os/signal", "syscall", "net", "net/http", "log", "log/slog",
	"math/rand", "math/rand/v2", "crypto/rand", "time/tzdata",
}

// clockReads are the functions of package time that read the clock or wait
// on it: the core's time comes in as an argument.
var clockReads = []string{"Now", "Since", "Until", "Sleep", "After", "AfterFunc", "NewTimer", "NewTicker", "Tick"}

// knownViolations are violations that are known and being fixed elsewhere.
// The test logs each one that still occurs with its reason, and fails on an
// entry that no longer occurs: delete the entry with the fix.
var knownViolations = []struct{ check, violation, reason string }{}

// found collects the violations one check finds, by their one-line name, with
// the details that locate them.
type found map[string][]string

func (f found) add(violation, detail string) { f[violation] = append(f[violation], detail) }

// report fails on each violation that is not known, logs the known ones, and
// fails on each known violation of the check that no longer occurs.
func (f found) report(t *testing.T, check string) {
	t.Helper()
	known := map[string]string{}
	for _, k := range knownViolations {
		if k.check == check {
			known[k.violation] = k.reason
		}
	}
	for _, v := range slices.Sorted(maps.Keys(f)) {
		details := strings.Join(f[v], "; ")
		if reason, ok := known[v]; ok {
			t.Logf("known violation: %s (%s): %s", v, details, reason)
			continue
		}
		t.Errorf("%s (%s)", v, details)
	}
	for v := range known {
		if _, ok := f[v]; !ok {
			t.Errorf("the known violation %q no longer occurs: delete its entry in knownViolations", v)
		}
	}
}

type pkg struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	Imports    []string
}

// listPackages runs go list -json with args.
func listPackages(t *testing.T, args ...string) []pkg {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-json"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
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

// rel is a module package's path in the module ("" for the root); ok is false
// for a package outside the module.
func rel(importPath string) (string, bool) {
	if importPath == module {
		return "", true
	}
	r, ok := strings.CutPrefix(importPath, module+"/")
	return r, ok
}

// rule returns the allowed imports of a package: its own entry, or else the
// sub-tree rule of its nearest ancestor, and the key of the entry.
func rule(p string) (imports []string, key string, ok bool) {
	if a, ok := allowed[p]; ok {
		return a, p, true
	}
	for dir := p; strings.Contains(dir, "/"); {
		dir = dir[:strings.LastIndex(dir, "/")]
		if a, ok := allowed[dir+"/..."]; ok {
			return a, dir + "/...", true
		}
	}
	return nil, "", false
}

func TestArchitecture(t *testing.T) {
	pkgs := listPackages(t, "./...")
	t.Run("arrows", func(t *testing.T) { checkArrows(t, pkgs) })
	t.Run("seam", checkSeam)
	t.Run("purity", checkPurity)
}

// checkArrows checks every package's imports against its entry in allowed,
// and that every entry applies to a package.
func checkArrows(t *testing.T, pkgs []pkg) {
	f := found{}
	used := map[string]bool{}
	for _, p := range pkgs {
		r, _ := rel(p.ImportPath)
		ok, key, found := rule(r)
		if !found {
			t.Errorf("%s has no entry in the architecture table (allowed): add one", p.ImportPath)
			continue
		}
		used[key] = true
		for _, imp := range p.Imports {
			dep, inModule := rel(imp)
			if !inModule || slices.Contains(ok, anything) || slices.Contains(ok, dep) {
				continue
			}
			f.add(fmt.Sprintf("%s imports %s", displayName(r), dep), "not allowed by its entry "+quoteKey(key))
		}
	}
	for key := range allowed {
		if !used[key] {
			t.Errorf("the entry %s of the architecture table names no package: delete it", quoteKey(key))
		}
	}
	f.report(t, "arrows")
}

func displayName(r string) string {
	if r == "" {
		return "the module's root package"
	}
	return r
}

func quoteKey(k string) string { return fmt.Sprintf("%q", k) }

// checkSeam checks the table itself: no package but the edge and a driver's
// own sub-tree may import a driver, and a driver may import only the seam,
// the store's internals, jsonvalue and history.
func checkSeam(t *testing.T) {
	f := found{}
	isDriver := func(p string) bool { return slices.Contains(drivers, p) }
	for key, imports := range allowed {
		for _, imp := range imports {
			if imp == anything && key != "cmd/stepd" && key != "test/..." {
				f.add(fmt.Sprintf("%s may import anything", key), "only the edge (cmd/stepd, test/...) may")
			}
			if !isDriver(imp) {
				continue
			}
			if key == "cmd/stepd" || key == "test/..." || strings.HasPrefix(key, imp+"/") {
				continue
			}
			f.add(fmt.Sprintf("%s may import the driver %s", key, imp), "only the edge wires a driver")
		}
		if isDriver(key) {
			for _, imp := range imports {
				if imp != "store" && !strings.HasPrefix(imp, "store/internal/") && imp != "jsonvalue" && imp != "history" {
					f.add(fmt.Sprintf("the driver %s may import %s", key, imp), "a driver imports only store, the store's internals, jsonvalue and history")
				}
			}
		}
	}
	f.report(t, "seam")
}

// checkPurity checks every package the core depends on, the core included:
// none imports an impure standard package, and no file of the module's among
// them reads the clock.
func checkPurity(t *testing.T) {
	f := found{}
	deps := listPackages(t, append([]string{"-deps"}, core...)...)
	if len(deps) < len(core) {
		t.Fatalf("go list -deps found %d packages", len(deps))
	}
	for _, p := range deps {
		if p.Standard {
			continue
		}
		name := p.ImportPath
		r, inModule := rel(p.ImportPath)
		if inModule {
			name = r
		}
		for _, imp := range p.Imports {
			if slices.Contains(impure, imp) {
				f.add(fmt.Sprintf("%s imports %s", name, imp), "the core and its dependencies stay pure")
			}
		}
		if !inModule {
			continue
		}
		for _, file := range p.GoFiles {
			for _, use := range clockUses(t, filepath.Join(p.Dir, file)) {
				f.add(fmt.Sprintf("%s uses time.%s", name, use.fn), fmt.Sprintf("%s/%s:%d", r, file, use.line))
			}
		}
	}
	f.report(t, "purity")
}

type clockUse struct {
	fn   string
	line int
}

// clockUses finds the references to package time's clockReads in a Go file,
// called or not (a time.Now passed as a value reads the clock too).
func clockUses(t *testing.T, path string) []clockUse {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	name := ""
	for _, imp := range file.Imports {
		if imp.Path.Value == `"time"` {
			name = "time"
			if imp.Name != nil {
				name = imp.Name.Name
			}
		}
	}
	if name == "" {
		return nil
	}
	var uses []clockUse
	ast.Inspect(file, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == name && slices.Contains(clockReads, sel.Sel.Name) {
			uses = append(uses, clockUse{sel.Sel.Name, fset.Position(sel.Pos()).Line})
		}
		return true
	})
	return uses
}
