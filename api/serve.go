package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/carecast/carecast/cluster"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/store/postgres"
	"github.com/carecast/carecast/store/sqlite"
)

// DatabaseFile is the SQLite database's name inside the data directory.
const DatabaseFile = "carecast.db"

// OpenStore creates the data directory if needed and opens its SQLite database, applying
// migrations.
func OpenStore(ctx context.Context, dataDir string) (*sqlite.Store, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	return sqlite.Open(ctx, filepath.Join(dataDir, DatabaseFile))
}

// OpenShared opens the PostgreSQL store that cfg.Database names, applying its migrations and
// the job queue's, and returns it with the queue a server submits runs to. The data directory
// is created if needed: it becomes a local cache of the shared files.
func OpenShared(ctx context.Context, cfg Config) (*postgres.Store, *cluster.Queue, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, nil, fmt.Errorf("data directory: %w", err)
	}
	pg, err := postgres.Open(ctx, cfg.Database)
	if err != nil {
		return nil, nil, err
	}
	q, err := cluster.NewQueue(ctx, pg)
	if err != nil {
		pg.Close()
		return nil, nil, err
	}
	return pg, q, nil
}

// Serve runs the HTTP server until ctx is done, then shuts down gracefully: it stops accepting
// connections, ends event streams, waits up to cfg.ShutdownTimeout for requests, cancels
// running runs (recorded as interrupted) and closes the database. It returns nil after a clean
// shutdown, or the error that stopped it (invalid config, data directory, database, listener,
// no keys on a non-loopback address).
func Serve(ctx context.Context, cfg Config, deps Deps, logger *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	var st store.Store
	if cfg.Database != "" {
		pg, q, err := OpenShared(ctx, cfg)
		if err != nil {
			return err
		}
		st, deps.Files, deps.Queue = pg, pg.Files(), q
	} else {
		sq, err := OpenStore(ctx, cfg.DataDir)
		if err != nil {
			return err
		}
		st = sq
	}
	defer st.Close()
	svc, err := NewService(ctx, cfg, deps, st, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		svc.Close(context.Background())
		return fmt.Errorf("listen: %w", err)
	}
	srv := svc.HTTPServer()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("carecast serving", "addr", ln.Addr().String(), "data_dir", cfg.DataDir, "version", svc.deps.Version,
		"workers", cfg.Workers, "open", svc.svc.Open(), "shared", cfg.Database != "")

	var serveErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down", "cause", context.Cause(ctx))
	case serveErr = <-errc:
		logger.Error("server stopped", "err", serveErr)
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	// End event streams, let requests in flight finish, then stop the runs.
	svc.Drain()
	var closeErr error
	if err := srv.Shutdown(sctx); err != nil {
		closeErr = fmt.Errorf("http shutdown: %w", err)
		srv.Close()
	}
	closeErr = errors.Join(closeErr, svc.Close(sctx))
	if closeErr != nil {
		logger.Warn("unclean shutdown", "err", closeErr)
	} else {
		logger.Info("stopped")
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// HTTPServer returns an http.Server for the service's Handler with the configured timeouts
// and header limit. Serve uses it; so do tests that need the real timeouts.
func (s *Service) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// OpenAPI returns the HTTP API's OpenAPI 3.1 document as indented JSON. It depends on no
// configuration or data, so `carecast openapi` and the golden test print the same thing.
func OpenAPI() ([]byte, error) {
	s := &Service{cfg: DefaultConfig(), deps: withDefaults(Deps{}), metrics: newMetrics(), closing: make(chan struct{})}
	api := humago.New(http.NewServeMux(), apiConfig())
	s.Register(api)
	b, err := api.OpenAPI().MarshalJSON()
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return json.MarshalIndent(v, "", "  ")
}
