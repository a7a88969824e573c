package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// Title and APIVersion name the HTTP API in its OpenAPI document. APIVersion changes only when
// the API does, not with every software release.
const (
	Title      = "carecast API"
	APIVersion = "1.0.0"
)

// LocalOrg is the organisation of the single local user when the server runs open (on
// loopback, before any API key exists).
const LocalOrg = service.LocalOrg

// Service is the carecast HTTP API over a service.Service (one store and one data directory):
// it authenticates requests, serves the operations under /v1 and calls the service, which
// executes the runs. Make it with NewService, serve Handler (or call Register on a huma.API in
// tests) and Close it.
type Service struct {
	cfg     Config
	deps    Deps
	st      store.Store
	log     *slog.Logger
	dataDir string // absolute

	svc     *service.Service
	metrics *metrics
	limits  rateLimits
	pages   *pageCache // encoded result pages

	closing chan struct{} // closed when shutdown starts; ends event streams
	drain   sync.Once
	closed  atomic.Bool
}

// NewService starts the service.Service (service.New: it prepares the data directory, recovers
// from an unclean stop and starts the run workers) and decides whether to run open.
//
// With no API key in the store it runs open as the single local user (organisation "local",
// role admin) if cfg.Addr is loopback, and logs a warning; on any other address it returns an
// error. cfg must be valid.
func NewService(ctx context.Context, cfg Config, deps Deps, st store.Store, logger *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: %w", cfg.DataDir, err)
	}
	s := &Service{
		cfg:     cfg,
		deps:    withDefaults(deps),
		st:      st,
		log:     logger,
		dataDir: dataDir,
		metrics: newMetrics(),
		limits:  newRateLimits(cfg, time.Now),
		pages:   newPageCache(),
		closing: make(chan struct{}),
	}
	s.svc, err = service.New(ctx, cfg.ServiceConfig(s.deps.Version), st,
		service.Parts{Runner: s.deps.Runner, Scenarios: s.deps.Scenarios, Datasets: s.deps.Datasets,
			Metrics: runMetrics{s.metrics}, Files: s.deps.Files, Queue: s.deps.Queue}, logger)
	if err != nil {
		return nil, err
	}
	if err := s.svc.ServeOpen(ctx, cfg.Addr, cfg.Loopback()); err != nil {
		s.svc.Close(ctx)
		return nil, err
	}
	return s, nil
}

func withDefaults(d Deps) Deps {
	if d.Runner == nil {
		d.Runner = noRunner{}
	}
	if d.Scenarios == nil {
		d.Scenarios = anyObject{}
	}
	if d.Datasets == nil {
		d.Datasets = noDatasets{}
	}
	if d.Version == "" {
		d.Version = "dev"
	}
	return d
}

// Handler returns the whole HTTP handler: the Huma API (operations under /v1, /healthz,
// /readyz, /openapi.json), the API docs at /docs (mountDocs), /metrics, the web pages when
// Deps.Web is set, and the request middleware (request IDs, access log, metrics, panic
// recovery).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	api := humago.New(mux, apiConfig())
	s.Register(api)
	mountDocs(mux)
	mux.Handle("GET /metrics", s.metrics.handler())
	s.mountPages(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, http.StatusNotFound, "no such endpoint: see /docs")
	})
	return s.middleware(mux)
}

// apiConfig is the Huma configuration shared by the server and OpenAPI.
func apiConfig() huma.Config {
	c := huma.DefaultConfig(Title, APIVersion)
	c.DocsPath = "" // Huma's page loads its script from a CDN: mountDocs serves /docs instead
	c.Info.Description = "Forecasts of adult social care need, services, workforce and cost for English councils. " +
		"Authenticate with an API key in `Authorization: Bearer <key>` or `X-API-Key: <key>`. " +
		"Errors are RFC 9457 problem documents."
	c.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API key: `Authorization: Bearer <key>`."},
		"apiKey": {Type: "apiKey", In: "header", Name: "X-API-Key", Description: "An API key in the X-API-Key header."},
	}
	return c
}

// Drain starts a shutdown: /readyz answers 503 and event streams end, so that an HTTP server
// shutdown does not wait for them. Close calls it too.
func (s *Service) Drain() {
	s.drain.Do(func() { close(s.closing) })
}

func (s *Service) draining() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// Close stops the service: event streams end, running runs are cancelled and recorded as
// interrupted, queued runs are marked failed. It waits for the workers until ctx is done. It
// does not close the store.
func (s *Service) Close(ctx context.Context) error {
	s.Drain()
	if s.closed.Swap(true) {
		return nil
	}
	return s.svc.Close(ctx)
}
