package main

import (
	"context"
	"fmt"

	"github.com/stepd/stepd/engine"
)

// checkCommand is "stepd check": read the whole durable store and report the
// invariants the engine keeps that do not hold (engine.Check). Exit 0 when
// every one holds, 1 when one does not. Run it on a store at rest (no stepd
// serving from it), after a crash or before an upgrade.
func checkCommand(ctx context.Context, args []string, io *streams) error {
	fs := newFlagSet("stepd check", "stepd check [--store sqlite|postgres://...] [--data DIR]\n\n"+
		"Check the durable store's invariants: every running execution's state decodes and has what will wake it,\n"+
		"no timer or open task belongs to an ended execution, histories are whole. Run it on a store at rest.", io)
	dataDir := fs.String("data", "stepd-data", "`directory` of the SQLite database")
	sf := addStoreFlags(fs.FlagSet)
	if _, err := fs.parse(args); err != nil {
		return err
	}
	s, where, err := sf.open(ctx, *dataDir, "FULL")
	if err != nil {
		return err
	}
	defer s.Close()
	found, err := engine.Check(ctx, s)
	if err != nil {
		return err
	}
	for _, v := range found {
		fmt.Fprintln(io.out, v)
	}
	if len(found) > 0 {
		fmt.Fprintf(io.err, "stepd check: %s: %d invariants do not hold\n", where, len(found))
		return &exitError{code: 1}
	}
	fmt.Fprintln(io.out, "stepd check:", where, "holds every invariant")
	return nil
}
