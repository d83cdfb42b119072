// Command song-lyrics runs the song → lyrics example through stepd serve: two
// Python Lambda handlers chained by a state machine.
//
//	go run ./examples/song-lyrics
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/stepd/stepd/examples/internal/demo"
)

func main() {
	demo.Main("song-lyrics", 5*time.Minute, func(ctx context.Context) error {
		_, err := run(ctx, os.Stdout)
		return err
	})
}

// dir is this example's directory.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// run starts stepd serve with the example's configuration, creates the state
// machine, runs it with {"name": "PSY"} and returns its output.
func run(ctx context.Context, out io.Writer) (string, error) {
	s, err := demo.Start(ctx, demo.Options{Config: filepath.Join(dir(), "stepd.yaml")})
	if err != nil {
		return "", err
	}
	defer s.Stop()
	machine, err := s.CreateMachine(ctx, "song-lyrics", filepath.Join(dir(), "definition.asl.json"), nil)
	if err != nil {
		return "", err
	}
	d, err := s.Run(ctx, machine, `{"name": "PSY"}`)
	if err != nil {
		return "", err
	}
	output, err := s.Output(d)
	if err != nil {
		return "", err
	}
	fmt.Fprintln(out, output)
	return output, nil
}
