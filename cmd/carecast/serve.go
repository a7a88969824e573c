package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/carecast/carecast/api"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/backtest"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/store/postgres"
	"github.com/carecast/carecast/web"
)

// serveDeps builds what the server needs from the rest of carecast (engine, validators,
// built-in datasets). The lead wires the forecast engine and package datasets in here.
var serveDeps = func(cfg api.Config) (api.Deps, error) {
	c, err := service.Default()
	if err != nil {
		return api.Deps{}, err
	}
	e := c.Engine
	known := map[string]bool{}
	for _, a := range c.Bundle.Areas {
		known[a.AreaCode] = true
	}
	go func() { _ = e.Warm(forecast.DefaultBaseYear) }() // calibrate every district before the first run asks
	return api.Deps{
		Version:   carecastVersion(),
		Runner:    c,
		Scenarios: c,
		Datasets:  api.DatasetFiles{Known: known, MaxBytes: cfg.MaxUploadBytes, MaxRows: cfg.MaxUploadRows},
		Builtin:   api.BuiltinDatasets(c.Bundle),
		Areas:     e.Inputs().Areas,
		Projector: c,
		Backtest: func(context.Context) (*backtest.Report, *backtest.ServiceReport, error) {
			return c.Backtests()
		},
		Transparency: c,
		Neighbours:   c,
		Topics:       c,
		Web:          &web.Deps{Projector: c, Neighbours: c, Accuracy: c, Areas: e.Inputs().Areas, Catalog: e.Inputs(), Topics: c, Assumptions: c},
	}, nil
}

// runServe is `carecast serve [flags]`: it serves the HTTP API until SIGINT or SIGTERM, then
// shuts down gracefully. Configuration comes from flags and CARECAST_* variables (see
// `carecast serve -h`).
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := api.ParseConfig(args, os.Getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "carecast serve: %v\n", err)
		return exitUsage
	}
	logger, err := cfg.NewLogger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "carecast serve: %v\n", err)
		return exitUsage
	}
	deps, err := serveDeps(cfg)
	if err != nil {
		logger.Error("cannot start", "err", err)
		return exitFail
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := api.Serve(ctx, cfg, deps, logger); err != nil {
		logger.Error("cannot serve", "err", err)
		return exitFail
	}
	return exitOK
}

const keysUsage = `usage:
  carecast keys create --org NAME --role viewer|planner|admin [--name LABEL] [--data-dir DIR | --database URL]
  carecast keys list   --org NAME [--data-dir DIR | --database URL]
  carecast keys delete --org NAME [--data-dir DIR | --database URL] KEY_ID

create prints the new key once, on standard output: store it safely.
The keys are kept in the data directory's database (default $CARECAST_DATA_DIR, else
.carecast), or with --database (default $CARECAST_DATABASE) in the PostgreSQL database a
shared deployment's servers use.
`

// runKeys is `carecast keys create|list|delete`: API key management on the data directory's
// database, or the shared PostgreSQL database (safe while servers run on either).
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, keysUsage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	sub := args[0]
	fs := flag.NewFlagSet("carecast keys "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dataDir := api.DefaultConfig().DataDir
	if d := os.Getenv(api.EnvName("data-dir")); d != "" {
		dataDir = d
	}
	fs.StringVar(&dataDir, "data-dir", dataDir, "data directory")
	database := fs.String("database", os.Getenv(api.EnvName("database")), "PostgreSQL URL of a shared deployment")
	org := fs.String("org", "", "organisation name")
	role := fs.String("role", "", "viewer, planner or admin")
	name := fs.String("name", "", "a label for the key")
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "carecast keys %s: %s\n%s", sub, msg, keysUsage)
		return exitUsage
	}
	if err := fs.Parse(args[1:]); err != nil {
		return usage(err.Error())
	}
	if *org == "" {
		return usage("--org is required")
	}
	switch sub {
	case "create":
		if fs.NArg() != 0 {
			return usage("unexpected arguments")
		}
		if !store.Role(*role).Valid() {
			return usage("--role must be viewer, planner or admin")
		}
	case "list":
		if fs.NArg() != 0 {
			return usage("unexpected arguments")
		}
	case "delete":
		if fs.NArg() != 1 {
			return usage("name one key ID")
		}
	default:
		return usage("unknown subcommand")
	}

	var st store.Store
	var err error
	if *database != "" {
		st, err = postgres.Open(ctx, *database)
	} else {
		st, err = api.OpenStore(ctx, dataDir)
	}
	if err != nil {
		fmt.Fprintf(stderr, "carecast keys: %v\n", err)
		return exitFail
	}
	defer st.Close()
	fail := func(err error) int {
		fmt.Fprintf(stderr, "carecast keys %s: %v\n", sub, err)
		return exitFail
	}
	switch sub {
	case "create":
		label := *name
		if label == "" {
			label = *role
		}
		k, secret, err := service.CreateKey(ctx, st, *org, store.Role(*role), label)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "created key %s (organisation %s, role %s); it is shown only once\n", k.ID, k.OrgName, k.Role)
	case "list":
		o, err := st.OrgByName(ctx, *org)
		if err != nil {
			return fail(err)
		}
		keys, err := st.ListKeys(ctx, o.ID)
		if err != nil {
			return fail(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tROLE\tNAME\tCREATED")
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.ID, k.Role, k.Name, k.Created.Format("2006-01-02 15:04"))
		}
		tw.Flush()
	case "delete":
		o, err := st.OrgByName(ctx, *org)
		if err != nil {
			return fail(err)
		}
		if err := st.DeleteKey(ctx, o.ID, fs.Arg(0)); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stderr, "deleted key %s\n", fs.Arg(0))
	}
	return exitOK
}
