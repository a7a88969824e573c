package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// ResultValues lists what a run's results hold in the columns that filters select on.
type ResultValues struct {
	RunID    string   `json:"run_id" doc:"The run."`
	Areas    []string `json:"areas" doc:"GSS codes of the areas, sorted."`
	Measures []string `json:"measures" doc:"Measure names, sorted, drivers (driver.<measure>.<part>) included."`
	Sexes    []string `json:"sexes" doc:"Sexes: female, male, all."`
	AgeBands []string `json:"age_bands" doc:"Age bands, sorted."`
	Years    []int    `json:"years" doc:"Years, ascending."`
}

type resultValuesOutput struct {
	Body ResultValues
}

// valuesPath is the path of a run's get-result-values operation, which the problems of
// unknown filter values point to.
func valuesPath(runID string) string { return "/v1/runs/" + runID + "/results/values" }

func (s *Service) registerResultValues(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "get-result-values", Method: http.MethodGet, Path: "/runs/{id}/results/values", Tags: []string{"Results"},
		Summary: "List the values of a run's results",
		Description: "The distinct areas, measures, sexes, age bands and years of a succeeded run's results: the values " +
			"that the filters of get-results, export-results, compare-runs and get-drivers can name. A filter value that " +
			"is not listed here answers 422 naming it. 409 if the run has not succeeded.",
		Errors: []int{http.StatusNotFound, http.StatusConflict},
	}, "run", store.RoleViewer, func(ctx context.Context, in *RunPath) (*resultValuesOutput, error) {
		r, rf, release, err := s.runResults(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		defer release()
		v, err := rf.Values(ctx)
		if err != nil {
			return nil, err
		}
		return &resultValuesOutput{Body: ResultValues{RunID: r.ID, Areas: v.Areas, Measures: v.Measures, Sexes: v.Sexes,
			AgeBands: v.AgeBands, Years: v.Years}}, nil
	})
}

// checkKnown answers 422 if flt names a value that the results rf of run runID do not hold
// (see datasets.ResultValues.Check); known values that select nothing together pass.
func checkKnown(ctx context.Context, runID string, rf *datasets.ResultFile, flt datasets.ResultFilter) error {
	v, err := rf.Values(ctx)
	if err != nil {
		return err
	}
	return unknownProblem(runID, v.Check(flt))
}

// unknownProblem turns a *datasets.UnknownValuesError into a 422 whose detail names each
// unknown value and the known ones (a long list is cut short, with the count and a pointer to
// get-result-values); other errors pass through.
func unknownProblem(runID string, err error) error {
	var ue *datasets.UnknownValuesError
	if !errors.As(err, &ue) {
		return err
	}
	msgs := make([]string, len(ue.Unknown))
	details := make([]error, len(ue.Unknown))
	for i, u := range ue.Unknown {
		msgs[i] = service.UnknownValueMessage(runID, u)
		details[i] = &huma.ErrorDetail{Location: "query." + u.Field, Value: u.Value, Message: msgs[i]}
	}
	return huma.Error422UnprocessableEntity(strings.Join(msgs, "; "), details...)
}
