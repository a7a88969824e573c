package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// Run is a run's state as the API shows it.
type Run struct {
	ID              string          `json:"id" example:"run_abcdefghijklmnopqrstuvwxyz" doc:"Run ID."`
	URL             string          `json:"url" doc:"This run's URL (path)."`
	EventsURL       string          `json:"events_url" doc:"Server-sent events with this run's progress."`
	ScenarioID      string          `json:"scenario_id" doc:"The scenario run."`
	ScenarioVersion int             `json:"scenario_version" minimum:"1" doc:"The scenario version run."`
	Status          store.RunStatus `json:"status" enum:"queued,running,succeeded,failed,cancelled" doc:"queued and running are unfinished; the others are final."`
	Progress        float64         `json:"progress" minimum:"0" maximum:"1" doc:"Share of the work done, 0..1."`
	Error           string          `json:"error,omitempty" doc:"Why the run failed or was cancelled."`
	CancelRequested bool            `json:"cancel_requested,omitempty" doc:"A cancel was asked for and the run is stopping."`
	Seed            *int64          `json:"seed,omitempty" doc:"The random seed asked for, or once finished the seed used."`
	Attempt         int             `json:"attempt,omitempty" minimum:"0" doc:"How many times a worker has taken the run: 1 once it started; 2 or more when the worker executing it stopped (a machine lost) and another took it over, starting again from the beginning (the same scenario version and seed give the same numbers). Absent while queued."`
	HasResult       bool            `json:"has_result" doc:"True when the run succeeded and its results can be read."`
	Provenance      json.RawMessage `json:"provenance,omitempty" doc:"What the run used: dataset content hashes, software version, seed, scenario version."`
	Created         time.Time       `json:"created"`
	Started         *time.Time      `json:"started,omitempty"`
	Finished        *time.Time      `json:"finished,omitempty"`
}

func runBody(r store.Run) Run {
	out := Run{
		ID: r.ID, URL: "/v1/runs/" + r.ID, EventsURL: "/v1/runs/" + r.ID + "/events",
		ScenarioID: r.ScenarioID, ScenarioVersion: r.ScenarioVersion, Status: r.Status, Progress: r.Progress,
		Error: r.Error, CancelRequested: r.CancelRequested && !r.Status.Final(), Seed: r.Seed, Attempt: r.Attempt,
		HasResult: r.Status == store.RunSucceeded && r.ResultPath != "",
		Created:   r.Created, Started: r.Started, Finished: r.Finished,
	}
	if len(r.Provenance) > 0 && string(r.Provenance) != "{}" {
		out.Provenance = r.Provenance
	}
	return out
}

// RunPath is the path parameter naming a run.
type RunPath struct {
	ID string `path:"id" pattern:"^run_[a-z2-7]{26}$" example:"run_abcdefghijklmnopqrstuvwxyz" doc:"Run ID."`
}

type runOutput struct {
	Location string `header:"Location" doc:"The run's URL (on start)."`
	Body     Run
}

// StartRunRequest asks for a run.
type StartRunRequest struct {
	ScenarioID      string `json:"scenario_id" pattern:"^scn_[a-z2-7]{26}$" doc:"The scenario to run."`
	ScenarioVersion int    `json:"scenario_version,omitempty" minimum:"1" doc:"The version to run; omit for the latest."`
	Seed            *int64 `json:"seed,omitempty" minimum:"0" maximum:"9007199254740991" doc:"Random seed; omit to use the scenario's own."`
}

func (s *Service) registerRuns(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "start-run", Method: http.MethodPost, Path: "/runs", Tags: []string{"Runs"},
		Summary: "Start a run", DefaultStatus: http.StatusAccepted,
		Description: "Queues a run of one version of a scenario and answers 202 with the run and its URL in " +
			"Location. Follow progress at the run's URL or its events_url. Each organisation may have a limited " +
			"number of unfinished runs (429 with Retry-After past it).",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusServiceUnavailable},
	}, "scenario", store.RolePlanner, func(ctx context.Context, in *struct {
		Body StartRunRequest
	}) (*runOutput, error) {
		r, err := s.svc.StartRun(ctx, caller(ctx), in.Body.ScenarioID, in.Body.ScenarioVersion, in.Body.Seed)
		if errors.Is(err, service.ErrVersionNotFound) {
			return nil, huma.Error404NotFound("scenario version not found")
		}
		if err != nil {
			return nil, err
		}
		b := runBody(r)
		return &runOutput{Location: b.URL, Body: b}, nil
	})

	register(s, api, huma.Operation{
		OperationID: "get-run", Method: http.MethodGet, Path: "/runs/{id}", Tags: []string{"Runs"},
		Summary: "Read a run", Description: "The run's status, progress, error and provenance.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, "run", store.RoleViewer, func(ctx context.Context, in *RunPath) (*runOutput, error) {
		r, err := s.svc.Run(ctx, caller(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &runOutput{Body: runBody(r)}, nil
	})

	register(s, api, huma.Operation{
		OperationID: "list-runs", Method: http.MethodGet, Path: "/runs", Tags: []string{"Runs"},
		Summary: "List runs", Description: "Your organisation's runs, newest first.",
		Errors: []int{http.StatusUnprocessableEntity},
	}, "run", store.RoleViewer, func(ctx context.Context, in *struct {
		PageParams
		ScenarioID string `query:"scenario_id" pattern:"^scn_[a-z2-7]{26}$" doc:"Only runs of this scenario."`
		Status     string `query:"status" enum:"queued,running,succeeded,failed,cancelled" doc:"Only runs with this status."`
	}) (*listOutput[Run], error) {
		pg, err := s.page(in.PageParams)
		if err != nil {
			return nil, err
		}
		rs, next, err := s.svc.ListRuns(ctx, caller(ctx).OrgID, store.RunFilter{ScenarioID: in.ScenarioID, Status: store.RunStatus(in.Status)}, pg)
		if err != nil {
			return nil, err
		}
		out := newList[Run](next)
		for _, r := range rs {
			out.Body.Items = append(out.Body.Items, runBody(r))
		}
		return out, nil
	})

	register(s, api, huma.Operation{
		OperationID: "cancel-run", Method: http.MethodPost, Path: "/runs/{id}/cancel", Tags: []string{"Runs"},
		Summary: "Cancel a run", DefaultStatus: http.StatusAccepted,
		Description: "A queued run is cancelled at once; a running run is asked to stop and becomes cancelled " +
			"when it does (watch its status). 409 if the run has already finished.",
		Errors: []int{http.StatusNotFound, http.StatusConflict},
	}, "run", store.RolePlanner, func(ctx context.Context, in *RunPath) (*runOutput, error) {
		p := caller(ctx)
		r, err := s.svc.CancelRun(ctx, p.OrgID, in.ID)
		if errors.Is(err, store.ErrConflict) {
			if cur, gerr := s.svc.Run(ctx, p, in.ID); gerr == nil {
				return nil, huma.Error409Conflict("the run has already finished (status " + string(cur.Status) + ")")
			}
		}
		if err != nil {
			return nil, err
		}
		return &runOutput{Body: runBody(r)}, nil
	})

	s.registerRunEvents(api)
}
