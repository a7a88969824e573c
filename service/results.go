package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/store"
)

// driverPrefix begins the measure names of drivers of change.
const driverPrefix = "driver."

// Rows returns the rows of succeeded run's results that pass f, in the file's order (see
// OpenResults; a damaged file gives a *DamagedResult).
func (s *Service) Rows(ctx context.Context, run store.Run, f forecast.ResultFilter) ([]forecast.ResultRow, error) {
	rf, done, err := s.OpenResults(run)
	if err != nil {
		return nil, err
	}
	defer done()
	return scanRows(ctx, rf, f)
}

// Central returns, like Rows, the rows of succeeded run's central projection (see
// OpenCentral): an error wrapping ErrNoCentral for a run with draws whose central projection
// was not stored.
func (s *Service) Central(ctx context.Context, run store.Run, f forecast.ResultFilter) ([]forecast.ResultRow, error) {
	rf, done, err := s.OpenResults(run)
	if err != nil {
		return nil, err
	}
	defer done()
	c, cdone, err := s.OpenCentral(run, rf)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", run.ID, err)
	}
	defer cdone()
	return scanRows(ctx, c, f)
}

// UnknownValueError reports filter values that a run's results do not hold; Detail names each
// one and the values the results hold (UnknownValueMessage).
type UnknownValueError struct {
	Detail string
	// Values lists the unknown values one by one (nil if not known); errors.As finds it too.
	Values *datasets.UnknownValuesError
}

// Error returns the detail.
func (e *UnknownValueError) Error() string { return e.Detail }

// Unwrap returns Values.
func (e *UnknownValueError) Unwrap() error {
	if e.Values == nil {
		return nil
	}
	return e.Values
}

// Check returns an *UnknownValueError if f names values that succeeded run's results do not
// hold (see datasets.ResultValues.Check), and nil if every value is known.
func (s *Service) Check(ctx context.Context, run store.Run, f forecast.ResultFilter) error {
	rf, done, err := s.OpenResults(run)
	if err != nil {
		return err
	}
	defer done()
	v, err := rf.Values(ctx)
	if err != nil {
		return err
	}
	var ue *UnknownValueError
	if err := unknownError(run.ID, v.Check(datasets.ResultFilter(f))); errors.As(err, &ue) {
		return ue
	}
	return nil
}

func scanRows(ctx context.Context, rf *datasets.ResultFile, f forecast.ResultFilter) ([]forecast.ResultRow, error) {
	var rows []forecast.ResultRow
	err := rf.Scan(ctx, datasets.ResultFilter(f), datasets.ScanOptions{}, func(_ int64, row forecast.ResultRow) bool {
		rows = append(rows, row)
		return true
	})
	return rows, err
}

// Known values are listed in full up to these counts; longer lists give the count, the first
// few and the operation that lists them all.
const (
	maxKnownListed   = 12
	maxKnownMeasures = 60
	knownExamples    = 5
)

// UnknownValueMessage says that u's value is not in run runID's results and which values are.
// Measures are listed without the drivers (counted as driver.*) unless the value asked for
// is a driver, and then only the drivers. A long list names the API operation that lists them
// all. The API's problems and the pages' messages both use it.
func UnknownValueMessage(runID string, u datasets.UnknownValue) string {
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
		driver := strings.HasPrefix(u.Value, driverPrefix)
		var same []string
		others := 0
		for _, m := range u.Known {
			if strings.HasPrefix(m, driverPrefix) == driver {
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
		strings.Join(known[:knownExamples], ", "), "/v1/runs/"+runID+"/results/values")
}
