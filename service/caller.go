package service

import (
	"context"
	"errors"
	"time"

	"github.com/carecast/carecast/store"
)

// Principal is who is asking: an API key's organisation and role, or the single local user of
// a server running open (no keys, loopback only). The faces authenticate and build it; the
// Service sees only the principal's organisation's things.
type Principal struct {
	OrgID, OrgName string
	Role           store.Role
	// KeyID is the API key's ID; "" for the local user.
	KeyID string
	// Open is true for the local user of a server running without keys.
	Open bool
}

// CanPlan reports whether p may create scenarios and start runs (planner or admin).
func (p Principal) CanPlan() bool { return p.Role.Allows(store.RolePlanner) }

// ErrForbidden means the principal's role does not allow the action.
var ErrForbidden = errors.New("your role does not allow this")

func planner(p Principal) error {
	if !p.CanPlan() {
		return ErrForbidden
	}
	return nil
}

// errTooLarge is the problem of a scenario document larger than Config.MaxScenarioBytes.
var errTooLarge = errors.New("the scenario is larger than the server accepts")

// CreateScenario validates doc (ValidateScenario) and stores it as version 1 of a new scenario
// of p's organisation. It needs the planner role (ErrForbidden); a document larger than
// Config.MaxScenarioBytes, when that is set, is an *InvalidScenario.
func (s *Service) CreateScenario(ctx context.Context, p Principal, doc []byte) (store.Scenario, error) {
	if err := s.mayWrite(p, doc); err != nil {
		return store.Scenario{}, err
	}
	return s.createScenario(ctx, p.OrgID, doc)
}

// UpdateScenario validates doc (ValidateScenario) and stores it as the next version of p's
// organisation's scenario, only if ifVersion is still the latest when ifVersion > 0 (else
// store.ErrVersionMismatch). It needs the planner role, like CreateScenario.
func (s *Service) UpdateScenario(ctx context.Context, p Principal, id string, doc []byte, ifVersion int) (store.Scenario, error) {
	if err := s.mayWrite(p, doc); err != nil {
		return store.Scenario{}, err
	}
	return s.updateScenario(ctx, p.OrgID, id, doc, ifVersion)
}

func (s *Service) mayWrite(p Principal, doc []byte) error {
	if err := planner(p); err != nil {
		return err
	}
	if s.cfg.MaxScenarioBytes > 0 && int64(len(doc)) > s.cfg.MaxScenarioBytes {
		return &InvalidScenario{errTooLarge}
	}
	return nil
}

// Scenario returns one version (0: the latest) of p's organisation's scenario.
func (s *Service) Scenario(ctx context.Context, p Principal, id string, version int) (store.Scenario, error) {
	return s.st.GetScenario(ctx, p.OrgID, id, version)
}

// Scenarios returns up to limit (at most Config.MaxPageSize) of p's organisation's scenarios
// at their latest versions, newest first.
func (s *Service) Scenarios(ctx context.Context, p Principal, limit int) ([]store.Scenario, error) {
	scs, _, err := s.st.ListScenarios(ctx, p.OrgID, store.Page{Limit: s.limit(limit)})
	return scs, err
}

// Datasets returns up to limit (at most Config.MaxPageSize) of p's organisation's uploaded
// datasets, newest first.
func (s *Service) Datasets(ctx context.Context, p Principal, limit int) ([]store.Dataset, error) {
	ds, _, err := s.st.ListDatasets(ctx, p.OrgID, store.Page{Limit: s.limit(limit)})
	return ds, err
}

// StartRun commits a queued run of version (0: the latest) of p's organisation's scenario,
// with seed overriding the scenario's own when not nil, and queues it for the workers. It
// needs the planner role (ErrForbidden), and returns store.ErrNotFound for a missing scenario,
// ErrVersionNotFound (which is also store.ErrNotFound) for a missing version,
// store.ErrTooManyRuns past Config.MaxRunsPerOrg, and ErrShutdown while the service shuts down
// (the run is committed as queued and will be marked interrupted).
func (s *Service) StartRun(ctx context.Context, p Principal, scenarioID string, version int, seed *int64) (store.Run, error) {
	if err := planner(p); err != nil {
		return store.Run{}, err
	}
	return s.startRun(ctx, p.OrgID, scenarioID, version, seed)
}

// Run returns p's organisation's run with its live progress (store.ErrNotFound if it has none
// of that ID).
func (s *Service) Run(ctx context.Context, p Principal, id string) (store.Run, error) {
	r, err := s.st.GetRun(ctx, p.OrgID, id)
	if err != nil {
		return r, err
	}
	return s.Live(r), nil
}

// Runs returns up to limit (at most Config.MaxPageSize) of p's organisation's runs of
// scenarioID ("" for every scenario), newest first, with their live progress.
func (s *Service) Runs(ctx context.Context, p Principal, scenarioID string, limit int) ([]store.Run, error) {
	rs, _, err := s.ListRuns(ctx, p.OrgID, store.RunFilter{ScenarioID: scenarioID}, store.Page{Limit: s.limit(limit)})
	return rs, err
}

func (s *Service) limit(n int) int {
	if s.cfg.MaxPageSize > 0 {
		return min(n, s.cfg.MaxPageSize)
	}
	return n
}

// ListScenarios returns one page of p's organisation's scenarios at their latest versions,
// newest first, and the cursor of the next page ("" after the last). Unlike Scenarios it
// applies no cap of its own: pg is the face's (checked) page.
func (s *Service) ListScenarios(ctx context.Context, p Principal, pg store.Page) ([]store.Scenario, string, error) {
	return s.st.ListScenarios(ctx, p.OrgID, pg)
}

// DeleteScenario hides p's organisation's scenario id; its runs stay readable. It needs the
// planner role (ErrForbidden), and returns store.ErrNotFound for a missing scenario and
// store.ErrConflict while the scenario has queued or running runs.
func (s *Service) DeleteScenario(ctx context.Context, p Principal, id string) error {
	if err := planner(p); err != nil {
		return err
	}
	return s.st.DeleteScenario(ctx, p.OrgID, id, time.Now())
}
