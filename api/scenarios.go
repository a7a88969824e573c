package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// ScenarioSummary describes a scenario at one version, without its document.
type ScenarioSummary struct {
	ID            string    `json:"id" example:"scn_abcdefghijklmnopqrstuvwxyz" doc:"Scenario ID."`
	Name          string    `json:"name" doc:"The document's name (\"untitled\" if it has none)."`
	Version       int       `json:"version" minimum:"1" doc:"The version shown."`
	LatestVersion int       `json:"latest_version" minimum:"1" doc:"The newest version; versions 1..latest_version can all be read."`
	Created       time.Time `json:"created" doc:"When version 1 was created."`
	Updated       time.Time `json:"updated" doc:"When the version shown was created."`
	URL           string    `json:"url" doc:"This scenario's URL (path)."`
}

// Scenario is one version of a scenario with its document.
type Scenario struct {
	ScenarioSummary
	Document Document `json:"document"`
}

func scenarioSummary(sc store.Scenario) ScenarioSummary {
	return ScenarioSummary{ID: sc.ID, Name: sc.Name, Version: sc.Version, LatestVersion: sc.Latest,
		Created: sc.Created, Updated: sc.Updated, URL: "/v1/scenarios/" + sc.ID}
}

// ScenarioPath is the path parameter naming a scenario.
type ScenarioPath struct {
	ID string `path:"id" pattern:"^scn_[a-z2-7]{26}$" example:"scn_abcdefghijklmnopqrstuvwxyz" doc:"Scenario ID."`
}

type scenarioOutput struct {
	Location string `header:"Location" doc:"The scenario's URL (on create)."`
	ETag     string `header:"ETag" doc:"The version shown, for If-Match on update."`
	Body     Scenario
}

func (s *Service) scenarioOutput(sc store.Scenario, location bool) *scenarioOutput {
	out := &scenarioOutput{ETag: strconv.Quote(strconv.Itoa(sc.Version)),
		Body: Scenario{ScenarioSummary: scenarioSummary(sc), Document: Document(sc.Document)}}
	if location {
		out.Location = out.Body.URL
	}
	return out
}

// UploadValidator is a ScenarioValidator that also checks a scenario document against the
// uploaded datasets it names (see service.UploadValidator).
type UploadValidator = service.UploadValidator

type scenarioSchemaOutput struct {
	ContentType string `header:"Content-Type"`
	Body        []byte
}

func (s *Service) registerScenarios(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "scenario-schema", Method: http.MethodGet, Path: "/scenario-schema", Tags: []string{"Scenarios"},
		Summary:     "Scenario JSON Schema",
		Description: "The JSON Schema (draft 2020-12) that scenario documents must satisfy.",
		Responses: map[string]*huma.Response{"200": {Description: "The schema.", Content: map[string]*huma.MediaType{
			"application/schema+json": {Schema: &huma.Schema{Type: huma.TypeObject}}}}},
	}, "scenario schema", "", func(context.Context, *struct{}) (*scenarioSchemaOutput, error) {
		return &scenarioSchemaOutput{ContentType: "application/schema+json", Body: s.svc.ScenarioSchema()}, nil
	})

	register(s, api, huma.Operation{
		OperationID: "create-scenario", Method: http.MethodPost, Path: "/scenarios", Tags: []string{"Scenarios"},
		Summary: "Create a scenario", DefaultStatus: http.StatusCreated,
		Description: "Stores a scenario document as version 1 of a new scenario. The document is checked against " +
			"/v1/scenario-schema; a 422 lists every problem with its location.",
		Errors: []int{http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, "scenario", store.RolePlanner, func(ctx context.Context, in *struct {
		Body Document
	}) (*scenarioOutput, error) {
		sc, err := s.svc.CreateScenario(ctx, caller(ctx), []byte(in.Body))
		if err != nil {
			return nil, err
		}
		return s.scenarioOutput(sc, true), nil
	})

	register(s, api, huma.Operation{
		OperationID: "list-scenarios", Method: http.MethodGet, Path: "/scenarios", Tags: []string{"Scenarios"},
		Summary: "List scenarios", Description: "Your organisation's scenarios at their latest versions, newest first.",
		Errors: []int{http.StatusUnprocessableEntity},
	}, "scenario", store.RoleViewer, func(ctx context.Context, in *struct {
		PageParams
	}) (*listOutput[ScenarioSummary], error) {
		pg, err := s.page(in.PageParams)
		if err != nil {
			return nil, err
		}
		scs, next, err := s.svc.ListScenarios(ctx, caller(ctx), pg)
		if err != nil {
			return nil, err
		}
		out := newList[ScenarioSummary](next)
		for _, sc := range scs {
			out.Body.Items = append(out.Body.Items, scenarioSummary(sc))
		}
		return out, nil
	})

	register(s, api, huma.Operation{
		OperationID: "get-scenario", Method: http.MethodGet, Path: "/scenarios/{id}", Tags: []string{"Scenarios"},
		Summary: "Read a scenario", Description: "The latest version, or the version named by ?version=N.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, "scenario", store.RoleViewer, func(ctx context.Context, in *struct {
		ScenarioPath
		Version int `query:"version" minimum:"1" doc:"Version to read; omit for the latest."`
	}) (*scenarioOutput, error) {
		sc, err := s.svc.Scenario(ctx, caller(ctx), in.ID, in.Version)
		if err != nil {
			return nil, err
		}
		return s.scenarioOutput(sc, false), nil
	})

	register(s, api, huma.Operation{
		OperationID: "update-scenario", Method: http.MethodPut, Path: "/scenarios/{id}", Tags: []string{"Scenarios"},
		Summary: "Update a scenario",
		Description: "Stores the document as a new version; earlier versions stay readable. With If-Match naming " +
			"a version (the ETag of a read), the update happens only if that is still the latest (else 412).",
		Errors: []int{http.StatusNotFound, http.StatusPreconditionFailed, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
	}, "scenario", store.RolePlanner, func(ctx context.Context, in *struct {
		ScenarioPath
		IfMatch string `header:"If-Match" doc:"The version this update replaces, as returned in ETag (e.g. \"3\")."`
		Body    Document
	}) (*scenarioOutput, error) {
		ifVersion := 0
		if m := strings.TrimSpace(in.IfMatch); m != "" && m != "*" {
			v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(m, "W/"), `"`))
			if err != nil || v < 1 {
				return nil, huma.Error400BadRequest("If-Match must name a version, e.g. \"3\"")
			}
			ifVersion = v
		}
		sc, err := s.svc.UpdateScenario(ctx, caller(ctx), in.ID, []byte(in.Body), ifVersion)
		if err != nil {
			return nil, err
		}
		return s.scenarioOutput(sc, false), nil
	})

	register(s, api, huma.Operation{
		OperationID: "delete-scenario", Method: http.MethodDelete, Path: "/scenarios/{id}", Tags: []string{"Scenarios"},
		Summary: "Delete a scenario", DefaultStatus: http.StatusNoContent,
		Description: "Hides the scenario. Its runs stay readable. Refused (409) while it has queued or running runs.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict},
	}, "scenario", store.RolePlanner, func(ctx context.Context, in *ScenarioPath) (*struct{}, error) {
		err := s.svc.DeleteScenario(ctx, caller(ctx), in.ID)
		if errors.Is(err, store.ErrConflict) {
			return nil, huma.Error409Conflict("the scenario has queued or running runs: cancel them or wait for them to finish")
		}
		if err != nil {
			return nil, err
		}
		return &struct{}{}, nil
	})
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T    `json:"items" doc:"This page's items."`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as ?cursor= to get the next page; absent on the last page."`
}

type listOutput[T any] struct {
	Body Page[T]
}

func newList[T any](next string) *listOutput[T] {
	out := &listOutput[T]{}
	out.Body.Items = []T{}
	out.Body.NextCursor = next
	return out
}
