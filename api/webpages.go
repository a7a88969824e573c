package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/web"
)

// mountPages adds the planner web pages (package web) to mux when Deps.Web is set, with
// the service.Service as their Backend and Results, WebAuth as their Auth, the API's shutdown
// signal as the end of their event streams and the API's Run as the data of those streams'
// end events (so that /runs/{id}/events sends what /v1/runs/{id}/events sends).
func (s *Service) mountPages(mux *http.ServeMux) {
	if s.deps.Web == nil {
		return
	}
	d := *s.deps.Web
	d.Backend = s.svc
	d.Auth = s.WebAuth()
	if d.Closing == nil {
		d.Closing = s.closing
	}
	if d.RunEnd == nil {
		d.RunEnd = func(r store.Run) any { return runBody(r) }
	}
	if d.Results == nil {
		d.Results = s.svc
	}
	if d.WriteTimeout == 0 {
		d.WriteTimeout = s.cfg.WriteTimeout
	}
	if d.Logger == nil {
		d.Logger = s.log
	}
	if d.Version == "" {
		d.Version = s.deps.Version
	}
	web.Register(mux, d)
}

// WebBackend returns what the web pages call: the service.Service itself, with the same store,
// validation, run queue and organisation isolation as the HTTP operations.
func (s *Service) WebBackend() web.Backend { return s.svc }

// WebAuth returns the pages' key check: the same keys, open mode and rate limits as the HTTP
// operations.
func (s *Service) WebAuth() web.Authenticator { return webAuth{s} }

type webAuth struct{ s *Service }

func (a webAuth) Authenticate(ctx context.Context, key string) (web.Principal, error) {
	s := a.s
	p, err := s.svc.Authenticate(ctx, key)
	switch {
	case errors.Is(err, service.ErrNoKey), errors.Is(err, store.ErrNotFound):
		if s.allowAnon(ctx) != nil {
			return web.Principal{}, web.ErrRateLimited
		}
		if key == "" {
			return web.Principal{}, web.ErrNoKey
		}
		return web.Principal{}, web.ErrBadKey
	case err != nil:
		return web.Principal{}, err
	}
	if s.allowCaller(principal{KeyID: p.KeyID, OrgID: p.OrgID}) != nil {
		return web.Principal{}, web.ErrRateLimited
	}
	return p, nil
}
