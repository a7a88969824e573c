package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/carecast/carecast/api"
)

// Exit codes that scripts can trust.
const (
	exitOK    = 0
	exitFail  = 1 // bad input or a failure; the message says what and where
	exitUsage = 2 // wrong usage
	// exitPartial: the command did part of its work and wrote it, and standard error lists
	// what it left out (ts forecast: series skipped for missing values).
	exitPartial = 3
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise it comes from the
// module's build information.
var version = ""

func carecastVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP API and web pages on the embedded default data", runServe},
		{"worker", "execute runs from a shared PostgreSQL database's job queue: worker --database URL", runWorker},
		{"project", "run a projection (baseline or scenario) and write the results table", runProjectCmd},
		{"backtest", "re-run past projections and score them against what happened", runBacktestCmd},
		{"transparency", "print the Algorithmic Transparency Recording Standard (ATRS 3.0) record as JSON", runTransparency},
		{"ts", "forecast any analyst's time series: ts forecast --method … --input in.csv", runTS},
		{"topics", "list POPPI/PANSI topics, or write one topic's table: topics TOPIC --area CODE [--out FILE]", runTopics},
		{"datasets", "validate, describe, build canonical datasets, or print the built-in ones' cards", runDatasets},
		{"scenario", "print the scenario JSON Schema or validate a scenario: scenario schema|validate FILE", runScenario},
		{"keys", "create API keys: keys create --org NAME --role ROLE", runKeys},
		{"openapi", "print the OpenAPI 3.1 document", runOpenAPI},
		{"version", "print the version", runVersion},
	}
}

// run dispatches a command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "carecast: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "carecast forecasts the adult social care needs of English councils.")
	fmt.Fprintln(w, "\nUsage: carecast <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun carecast <command> -h for a command's flags.")
}

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) int {
	fmt.Fprintf(stdout, "carecast %s\n", carecastVersion())
	return exitOK
}

// newFlags makes a flag set that reports errors to stderr and never exits the process.
func newFlags(name string, stderr io.Writer, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: carecast %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and returns (positional args, exit code to return or -1 to go on).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, int) {
	// Allow flags after positional arguments (carecast datasets validate FILE --kind x).
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, exitOK
			}
			return nil, exitUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return pos, -1
}

func runOpenAPI(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "Usage: carecast openapi")
		return exitUsage
	}
	doc, err := api.OpenAPI()
	if err != nil {
		fmt.Fprintf(stderr, "carecast openapi: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "%s\n", doc)
	return exitOK
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
