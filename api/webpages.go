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
// the service as their Backend and mux as the API they forward downloads and event streams to
// (unless Deps.Web.API names another handler).
func (s *Service) mountPages(mux *http.ServeMux) {
	if s.deps.Web == nil {
		return
	}
	d := *s.deps.Web
	d.Backend = s.WebBackend()
	if d.API == nil {
		d.API = mux
	}
	if d.Results == nil {
		d.Results = s.svc
	}
	if d.Logger == nil {
		d.Logger = s.log
	}
	if d.Version == "" {
		d.Version = s.deps.Version
	}
	web.Register(mux, d)
}

// WebBackend returns the service as the web pages see it: the same store, validation, run
// queue, keys, organisation isolation and rate limits as the HTTP operations.
func (s *Service) WebBackend() web.Backend { return webBackend{s} }

type webBackend struct{ s *Service }

func (b webBackend) Authenticate(ctx context.Context, key string) (web.Principal, error) {
	s := b.s
	var p web.Principal
	if key == "" {
		if !s.open.Load() || !s.stillOpen(ctx) {
			if s.allowAnon(ctx) != nil {
				return p, web.ErrRateLimited
			}
			return p, web.ErrNoKey
		}
		p = web.Principal{OrgID: s.localOrg.ID, OrgName: s.localOrg.Name, Role: store.RoleAdmin, Open: true}
	} else {
		k, err := s.lookupKey(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			if s.allowAnon(ctx) != nil {
				return p, web.ErrRateLimited
			}
			return p, web.ErrBadKey
		}
		if err != nil {
			return p, err
		}
		p = web.Principal{OrgID: k.OrgID, OrgName: k.OrgName, Role: k.Role, KeyID: k.KeyID}
	}
	if s.allowCaller(principal{KeyID: p.KeyID, OrgID: p.OrgID}) != nil {
		return web.Principal{}, web.ErrRateLimited
	}
	return p, nil
}

// pageErr turns the service's errors into the pages' ones.
func pageErr(err error) error {
	var inv *service.InvalidScenario
	switch {
	case err == nil:
		return nil
	case errors.As(err, &inv):
		out := &web.InvalidError{}
		for _, p := range service.Problems(inv.Err) {
			out.Problems = append(out.Problems, web.Problem{Location: p.Location, Message: p.Message})
		}
		return out
	case errors.Is(err, service.ErrVersionNotFound):
		return store.ErrNotFound
	case errors.Is(err, service.ErrShutdown):
		return web.ErrUnavailable
	}
	return err
}

func planner(p web.Principal) error {
	if !p.Role.Allows(store.RolePlanner) {
		return web.ErrForbidden
	}
	return nil
}

func (b webBackend) CreateScenario(ctx context.Context, p web.Principal, doc []byte) (store.Scenario, error) {
	if err := planner(p); err != nil {
		return store.Scenario{}, err
	}
	if int64(len(doc)) > b.s.cfg.MaxBodyBytes {
		return store.Scenario{}, &web.InvalidError{Problems: []web.Problem{{Message: "the scenario is larger than the server accepts"}}}
	}
	sc, err := b.s.svc.CreateScenario(ctx, p.OrgID, doc)
	return sc, pageErr(err)
}

func (b webBackend) UpdateScenario(ctx context.Context, p web.Principal, id string, doc []byte, ifVersion int) (store.Scenario, error) {
	if err := planner(p); err != nil {
		return store.Scenario{}, err
	}
	if int64(len(doc)) > b.s.cfg.MaxBodyBytes {
		return store.Scenario{}, &web.InvalidError{Problems: []web.Problem{{Message: "the scenario is larger than the server accepts"}}}
	}
	sc, err := b.s.svc.UpdateScenario(ctx, p.OrgID, id, doc, ifVersion)
	return sc, pageErr(err)
}

func (b webBackend) Scenario(ctx context.Context, p web.Principal, id string, version int) (store.Scenario, error) {
	return b.s.st.GetScenario(ctx, p.OrgID, id, version)
}

func (b webBackend) Scenarios(ctx context.Context, p web.Principal, limit int) ([]store.Scenario, error) {
	scs, _, err := b.s.st.ListScenarios(ctx, p.OrgID, store.Page{Limit: min(limit, b.s.cfg.MaxPageSize)})
	return scs, err
}

func (b webBackend) Datasets(ctx context.Context, p web.Principal, limit int) ([]store.Dataset, error) {
	ds, _, err := b.s.st.ListDatasets(ctx, p.OrgID, store.Page{Limit: min(limit, b.s.cfg.MaxPageSize)})
	return ds, err
}

func (b webBackend) StartRun(ctx context.Context, p web.Principal, scenarioID string, version int) (store.Run, error) {
	if err := planner(p); err != nil {
		return store.Run{}, err
	}
	r, err := b.s.svc.StartRun(ctx, p.OrgID, scenarioID, version, nil)
	return r, pageErr(err)
}

func (b webBackend) Run(ctx context.Context, p web.Principal, id string) (store.Run, error) {
	return b.s.svc.Run(ctx, p.OrgID, id)
}

func (b webBackend) Runs(ctx context.Context, p web.Principal, scenarioID string, limit int) ([]store.Run, error) {
	rs, _, err := b.s.svc.Runs(ctx, p.OrgID, store.RunFilter{ScenarioID: scenarioID}, store.Page{Limit: min(limit, b.s.cfg.MaxPageSize)})
	return rs, err
}
