package main

import (
	"context"
	"fmt"
	"io"
)

// Commands whose implementation lands in later steps say so plainly rather than pretending.
func notYet(name string) func(context.Context, []string, io.Writer, io.Writer) int {
	return func(_ context.Context, _ []string, _, stderr io.Writer) int {
		fmt.Fprintf(stderr, "carecast %s: not available in this build yet\n", name)
		return exitFail
	}
}

var (
	runProject  = runProjectCmd
	runBacktest = notYet("backtest")
	runScenario = notYet("scenario")
)
