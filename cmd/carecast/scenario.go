package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
)

func runScenario(_ context.Context, args []string, stdout, stderr io.Writer) int {
	const synopsis = "scenario schema | scenario validate FILE.json"
	if len(args) == 0 {
		fmt.Fprintf(stderr, "Usage: carecast %s\n", synopsis)
		return exitUsage
	}
	switch args[0] {
	case "schema":
		if len(args) != 1 {
			fmt.Fprintf(stderr, "Usage: carecast %s\n", synopsis)
			return exitUsage
		}
		fmt.Fprintf(stdout, "%s\n", service.NewScenarioSchema(nil).Schema())
		return exitOK
	case "validate":
		if len(args) != 2 {
			fmt.Fprintf(stderr, "Usage: carecast %s\n", synopsis)
			return exitUsage
		}
		doc, err := os.ReadFile(args[1])
		if err != nil {
			fmt.Fprintf(stderr, "carecast scenario validate: %v\n", err)
			return exitFail
		}
		c, err := service.Default()
		if err != nil {
			fmt.Fprintf(stderr, "carecast scenario validate: %v\n", err)
			return exitFail
		}
		sc, err := c.Scenarios.Parse(doc)
		if err != nil {
			printScenarioErrors(stderr, args[1], err)
			return exitFail
		}
		fmt.Fprintf(stdout, "%s: valid scenario %q, %d–%d, %d levers\n", args[1], sc.Name, sc.BaseYear, sc.Horizon, len(sc.Levers))
		return exitOK
	}
	fmt.Fprintf(stderr, "carecast scenario: unknown subcommand %q\nUsage: carecast %s\n", args[0], synopsis)
	return exitUsage
}

// printScenarioErrors lists every problem of a scenario with its JSON path.
func printScenarioErrors(w io.Writer, file string, err error) {
	var se forecast.ScenarioError
	if errors.As(err, &se) {
		fmt.Fprintf(w, "%s: invalid scenario, %d problem(s):\n", file, len(se))
		for _, f := range se {
			path := f.Path
			if path == "" {
				path = "(document)"
			}
			fmt.Fprintf(w, "  %s: %s\n", path, f.Message)
		}
		return
	}
	fmt.Fprintf(w, "%s: %v\n", file, err)
}
