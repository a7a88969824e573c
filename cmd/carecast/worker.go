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

	"github.com/carecast/carecast/api"
	"github.com/carecast/carecast/cluster"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store/postgres"
)

// runWorker is `carecast worker --database URL [flags]`: it executes runs from the shared
// PostgreSQL database's job queue (package cluster) until SIGINT or SIGTERM, then stops taking
// jobs, lets the runs in hand finish for up to --shutdown-timeout and hands any still running
// on to other workers. It takes the same flags and CARECAST_* variables as serve; the ones
// that matter are database, data-dir (a local cache of result files and uploads), workers
// (runs at once), workers-per-org (the limit over all workers), run-timeout, job-timeout,
// rescue-after, shutdown-timeout and the log settings.
func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := api.ParseConfigFor("worker", args, os.Getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err == nil && cfg.Database == "" {
		err = errors.New("--database (or CARECAST_DATABASE) is required: the PostgreSQL database whose job queue to work")
	}
	if err != nil {
		fmt.Fprintf(stderr, "carecast worker: %v\n", err)
		return exitUsage
	}
	logger, err := cfg.NewLogger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "carecast worker: %v\n", err)
		return exitUsage
	}
	c, err := service.Default()
	if err != nil {
		logger.Error("cannot start", "err", err)
		return exitFail
	}
	go func() { _ = c.Engine.Warm(forecast.DefaultBaseYear) }()
	pg, err := postgres.Open(ctx, cfg.Database)
	if err != nil {
		logger.Error("cannot open the database", "err", err)
		return exitFail
	}
	defer pg.Close()
	known := map[string]bool{}
	for _, a := range c.Bundle.Areas {
		known[a.AreaCode] = true
	}
	svc, err := service.New(ctx, cfg.ServiceConfig(carecastVersion()), pg, service.Parts{
		Runner: c, Scenarios: c, Files: pg.Files(),
		Datasets: api.DatasetFiles{Known: known, MaxBytes: cfg.MaxUploadBytes, MaxRows: cfg.MaxUploadRows},
	}, logger)
	if err != nil {
		logger.Error("cannot start", "err", err)
		return exitFail
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	w, err := cluster.StartWorker(ctx, pg, svc, cluster.WorkerConfig{
		Workers: cfg.Workers, JobTimeout: cfg.JobTimeout, RescueAfter: cfg.RescueAfter,
	}, logger)
	if err != nil {
		svc.Close(context.Background())
		logger.Error("cannot start", "err", err)
		return exitFail
	}
	logger.Info("carecast worker ready", "workers", cfg.Workers, "workers_per_org", cfg.OrgWorkers(),
		"job_timeout", cfg.JobTimeout.String(), "data_dir", cfg.DataDir, "version", carecastVersion())
	<-ctx.Done()
	logger.Info("worker stopping", "cause", context.Cause(ctx))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = errors.Join(w.Stop(sctx), svc.Close(sctx))
	if err != nil {
		logger.Warn("unclean stop", "err", err)
	} else {
		logger.Info("stopped")
	}
	return exitOK
}
