// Command hello-parallel runs the seed article's Hello → Parallel(p1, p2) →
// Goodbye example through stepd serve, with a Node.js Lambda handler.
//
//	go run ./examples/hello-parallel
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepd/stepd/examples/internal/demo"
)

func main() {
	demo.Main("hello-parallel", 5*time.Minute, func(ctx context.Context) error {
		_, _, err := run(ctx, os.Stdout)
		return err
	})
}

func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// run runs the machine once and returns its output and history.
func run(ctx context.Context, out io.Writer) (string, []types.HistoryEvent, error) {
	s, err := demo.Start(ctx, demo.Options{Config: filepath.Join(dir(), "stepd.yaml")})
	if err != nil {
		return "", nil, err
	}
	defer s.Stop()
	machine, err := s.CreateMachine(ctx, "hello-parallel", filepath.Join(dir(), "definition.asl.json"), nil)
	if err != nil {
		return "", nil, err
	}
	exec, err := s.StartExecution(ctx, machine, `{}`)
	if err != nil {
		return "", nil, err
	}
	d, err := s.Wait(ctx, exec)
	if err != nil {
		return "", nil, err
	}
	output, err := s.Output(d)
	if err != nil {
		return "", nil, err
	}
	history, err := s.History(ctx, exec)
	if err != nil {
		return "", nil, err
	}
	for _, e := range history {
		fmt.Fprintf(out, "%3d %s\n", e.Id, e.Type)
	}
	fmt.Fprintln(out, output)
	return output, history, nil
}
