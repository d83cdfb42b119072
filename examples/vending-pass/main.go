// Command vending-pass runs the Coca-Cola Vending Pass example through stepd
// serve: Task → Wait 90 s → Task.
//
//	go run ./examples/vending-pass                  # waits the full 90 seconds
//	go run ./examples/vending-pass -time-scale 0.01 # a 90 s wait takes 0.9 s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/stepd/stepd/examples/internal/demo"
)

func main() {
	scale := flag.Float64("time-scale", 1, "stepd serve's --time-scale: multiply every wait by `F`")
	flag.Parse()
	demo.Main("vending-pass", 10*time.Minute, func(ctx context.Context) error {
		_, err := run(ctx, os.Stdout, *scale)
		return err
	})
}

func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// result is what the example observed.
type result struct {
	Output    string
	Execution string
	Elapsed   time.Duration
	Log       string // stepd's log
}

// run starts stepd serve (with --time-scale scale), creates the machine and
// runs one purchase through it.
func run(ctx context.Context, out io.Writer, scale float64) (*result, error) {
	s, err := demo.Start(ctx, demo.Options{Config: filepath.Join(dir(), "stepd.yaml"), TimeScale: scale})
	if err != nil {
		return nil, err
	}
	defer s.Stop()
	machine, err := s.CreateMachine(ctx, "vending-pass", filepath.Join(dir(), "definition.asl.json"), nil)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "running the Vending Pass flow (Wait 90 s at --time-scale %g)...\n", scale)
	start := time.Now()
	exec, err := s.StartExecution(ctx, machine, `{"participant": "p-1234", "purchase": {"amount": 1.5, "machine": "vm-77"}}`)
	if err != nil {
		return nil, err
	}
	d, err := s.Wait(ctx, exec)
	if err != nil {
		return nil, err
	}
	output, err := s.Output(d)
	if err != nil {
		return nil, err
	}
	r := &result{Output: output, Execution: exec, Elapsed: time.Since(start), Log: s.Log()}
	fmt.Fprintf(out, "%s after %v\n", output, r.Elapsed.Round(10*time.Millisecond))
	return r, nil
}
