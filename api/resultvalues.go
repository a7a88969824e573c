package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/datasets"
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
		msgs[i] = unknownValueMessage(runID, u)
		details[i] = &huma.ErrorDetail{Location: "query." + u.Field, Value: u.Value, Message: msgs[i]}
	}
	return huma.Error422UnprocessableEntity(strings.Join(msgs, "; "), details...)
}

// Known values are listed in full up to these counts; longer lists give the count, the first
// few and the operation that lists them all.
const (
	maxKnownListed   = 12
	maxKnownMeasures = 60
	knownExamples    = 5
)

// unknownValueMessage says that u's value is not in run runID's results and which values are.
// Measures are listed without the drivers (counted as driver.*) unless the value asked for
// is a driver, and then only the drivers.
func unknownValueMessage(runID string, u datasets.UnknownValue) string {
	noun := map[string]string{"area": "areas", "measure": "measures", "sex": "sexes", "age_band": "age bands",
		"year_from": "years", "year_to": "years"}[u.Field]
	if noun == "" {
		noun = u.Field + " values"
	}
	what := fmt.Sprintf("%s %q", strings.ReplaceAll(u.Field, "_", " "), u.Value)
	if u.Field == "year_from" || u.Field == "year_to" {
		what = "years " + u.Value
	}
	known, extra, limit := u.Known, "", maxKnownListed
	if u.Field == "measure" {
		// Drivers are listed for a driver asked for, the other measures otherwise.
		limit = maxKnownMeasures
		driver := strings.HasPrefix(u.Value, DriverPrefix)
		var same []string
		others := 0
		for _, m := range u.Known {
			if strings.HasPrefix(m, DriverPrefix) == driver {
				same = append(same, m)
			} else {
				others++
			}
		}
		known = same
		switch {
		case others > 0 && driver:
			extra = fmt.Sprintf(" (and %d measures that are not drivers)", others)
		case others > 0:
			extra = fmt.Sprintf(" (and %d driver measures, driver.*)", others)
		}
	}
	msg := fmt.Sprintf("%s is not in the results of run %s; ", what, runID)
	switch {
	case len(u.Known) == 0:
		return msg + "they hold no rows"
	case noun == "years":
		return msg + fmt.Sprintf("they cover %s to %s", u.Known[0], u.Known[len(u.Known)-1])
	case len(known) <= limit:
		return msg + fmt.Sprintf("the known %s are %s%s", noun, strings.Join(known, ", "), extra)
	}
	return msg + fmt.Sprintf("they hold %d %s%s, e.g. %s; GET %s lists them all", len(known), noun, extra,
		strings.Join(known[:knownExamples], ", "), valuesPath(runID))
}
