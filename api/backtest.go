package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/api/store"
	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast/backtest"
)

// BacktestSource computes the population back-tests (see package forecast/backtest). The
// server calls it at most once at a time, on the first GET /v1/backtest, and keeps the report
// for the life of the process; a failed computation is tried again by the next request.
type BacktestSource func(ctx context.Context) (*backtest.Report, error)

// BundleBacktest is a BacktestSource over a dataset bundle (cmd/carecast passes the embedded
// default data): datasets.BacktestData, then backtest.Population with the default options, as
// `carecast backtest` does.
func BundleBacktest(b *datasets.Bundle) BacktestSource {
	return func(ctx context.Context) (*backtest.Report, error) {
		d, err := datasets.BacktestData(b)
		if err != nil {
			return nil, err
		}
		return backtest.Population(ctx, d, backtest.Options{})
	}
}

// BacktestReport is the answer of GET /v1/backtest.
type BacktestReport struct {
	Headline *BacktestSummary `json:"headline" doc:"The contest's headline: people 60+ in 2020 in districts, carecast (from what was known in 2016) against the benchmark. Null when the data has no benchmark."`
	Notes    []string         `json:"notes" doc:"What each back-test used, and what it could not avoid using."`
	Sources  []string         `json:"sources" doc:"The publications of the data the back-tests used."`
	// Summaries and Rows are filtered by the query.
	Summaries   []BacktestSummary     `json:"summaries" doc:"Scores by back-test, level, age band and year; year absent: the years pooled. Filtered like rows (area does not apply)."`
	Sensitivity []BacktestSensitivity `json:"sensitivity" doc:"The headline scored with variants of the method or of what it knows."`
	Rows        []BacktestRow         `json:"rows" doc:"Every scored forecast that passes the filters, sorted by back-test, level, area, age band and year."`
}

// BacktestRow is one scored forecast: an area's population in one age band and year, forecast
// from an origin, against the outturn. Absent numbers are null.
type BacktestRow struct {
	Backtest             string   `json:"backtest" doc:"population-2011 (projected from mid-2011, scored 2012-2020) or population-2016 (the contest: people 60+ in 2020 from what was known in 2016)."`
	AreaCode             string   `json:"area_code" doc:"GSS code."`
	AreaName             string   `json:"area_name"`
	Level                string   `json:"level" doc:"district, county, region or country."`
	Measure              string   `json:"measure" doc:"The measure forecast (population)."`
	Unit                 string   `json:"unit"`
	Sex                  string   `json:"sex"`
	AgeBand              string   `json:"age_band"`
	Origin               int      `json:"origin" doc:"Mid-year the forecast was made from."`
	Year                 int      `json:"year" doc:"Mid-year forecast."`
	Horizon              int      `json:"horizon" doc:"year − origin."`
	Actual               float64  `json:"actual" doc:"The outturn (ONS mid-year estimate)."`
	Forecast             float64  `json:"forecast" doc:"carecast's forecast."`
	Error                float64  `json:"error" doc:"forecast − actual."`
	PctError             float64  `json:"pct_error" doc:"100 · error / actual."`
	Lo                   *float64 `json:"lo" doc:"Lower end of carecast's interval, if any."`
	Hi                   *float64 `json:"hi" doc:"Upper end of carecast's interval, if any."`
	IntervalLevel        *float64 `json:"interval_level" doc:"The interval's level (e.g. 0.8), if any."`
	BenchmarkName        string   `json:"benchmark_name" doc:"The rival forecast: ONS's projection, or no change since the origin; empty without one."`
	Benchmark            *float64 `json:"benchmark" doc:"The rival's forecast."`
	BenchmarkPctError    *float64 `json:"benchmark_pct_error" doc:"100 · (benchmark − actual) / actual."`
	Scale                *float64 `json:"scale" doc:"The MASE scale: the mean absolute one-year change before the origin."`
	ScaledError          *float64 `json:"scaled_error" doc:"error / scale."`
	BenchmarkScaledError *float64 `json:"benchmark_scaled_error" doc:"(benchmark − actual) / scale."`
}

// BacktestScores are the accuracy of a group of forecasts; percentages are of the actual value.
// Scores that cannot be computed are null.
type BacktestScores struct {
	N         int      `json:"n" doc:"Forecasts scored."`
	MAPE      *float64 `json:"mape" doc:"Mean absolute percentage error, percent."`
	MedianAPE *float64 `json:"median_ape" doc:"Median absolute percentage error, percent."`
	P90APE    *float64 `json:"p90_ape" doc:"90th percentile of the absolute percentage errors, percent."`
	Bias      *float64 `json:"bias" doc:"Mean percentage error, percent: positive when forecasts were too high."`
	MASE      *float64 `json:"mase" doc:"Mean absolute scaled error (below 1: better than the typical one-year change before the origin)."`
	Coverage  *float64 `json:"coverage" doc:"Share (0..1) of intervals that held the outturn."`
	Intervals int      `json:"intervals" doc:"Forecasts with an interval."`
}

// BacktestSummary scores one group of forecasts: carecast's and the benchmark's on the same
// rows.
type BacktestSummary struct {
	Backtest      string         `json:"backtest"`
	Level         string         `json:"level" doc:"district, county, region or country: the areas pooled."`
	Measure       string         `json:"measure"`
	Sex           string         `json:"sex"`
	AgeBand       string         `json:"age_band"`
	Year          int            `json:"year,omitempty" doc:"The year scored; absent when the years are pooled."`
	Ours          BacktestScores `json:"ours" doc:"carecast's scores."`
	Benchmark     BacktestScores `json:"benchmark" doc:"The benchmark's scores (n = 0 without one)."`
	BenchmarkName string         `json:"benchmark_name"`
	Paired        bool           `json:"paired" doc:"Whether the benchmark was scored on exactly the same forecasts."`
}

// BacktestSensitivity is the headline scored with one variant.
type BacktestSensitivity struct {
	Name      string         `json:"name"`
	LookAhead bool           `json:"look_ahead" doc:"The variant uses data from after the origin."`
	ExtraData string         `json:"extra_data,omitempty" doc:"Data the variant uses beyond what the back-test allows."`
	Scores    BacktestScores `json:"scores"`
}

type backtestInput struct {
	Backtest string `query:"backtest" enum:"population-2011,population-2016" doc:"Only this back-test."`
	Level    string `query:"level" enum:"district,county,region,country" doc:"Only this level of area."`
	Area     string `query:"area" pattern:"^E[0-9]{8}$" doc:"Only this area's rows."`
	AgeBand  string `query:"age_band" maxLength:"10" doc:"Only this age band, e.g. 60+ or all."`
	Year     int    `query:"year" minimum:"2000" maximum:"2100" doc:"Only this year (summaries: that year's, not the pooled ones)."`
}

// backtestCache computes the report once. job is the computation under way or done; a failed
// job is dropped so that the next request tries again.
type backtestCache struct {
	src     BacktestSource
	closing <-chan struct{}
	mu      sync.Mutex
	job     *backtestJob
}

type backtestJob struct {
	done chan struct{}
	rep  *BacktestReport
	err  error
}

// get returns the report, starting its computation if none is under way. The computation
// does not stop when ctx does (the next request will want it) but does at shutdown.
func (c *backtestCache) get(ctx context.Context) (*BacktestReport, error) {
	c.mu.Lock()
	j := c.job
	if j == nil {
		j = &backtestJob{done: make(chan struct{})}
		c.job = j
		go c.compute(j)
	}
	c.mu.Unlock()
	select {
	case <-j.done:
		return j.rep, j.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *backtestCache) compute(j *backtestJob) {
	ctx, cancel := context.WithCancel(context.Background())
	stop := make(chan struct{})
	go func() {
		select {
		case <-c.closing:
			cancel()
		case <-stop:
		}
	}()
	defer func() {
		if p := recover(); p != nil {
			j.rep, j.err = nil, fmt.Errorf("back-test panicked: %v", p)
		}
		close(stop)
		cancel()
		if j.err != nil {
			c.mu.Lock()
			c.job = nil
			c.mu.Unlock()
		}
		close(j.done)
	}()
	rep, err := c.src(ctx)
	if err != nil {
		j.err = fmt.Errorf("back-test: %w", err)
		return
	}
	j.rep = backtestBody(rep)
}

// finite returns a pointer to v, or nil if v is NaN or infinite.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func scoresBody(s backtest.Scores) BacktestScores {
	return BacktestScores{N: s.N, MAPE: finite(s.MAPE), MedianAPE: finite(s.MedianAPE), P90APE: finite(s.P90APE),
		Bias: finite(s.Bias), MASE: finite(s.MASE), Coverage: finite(s.Coverage), Intervals: s.Intervals}
}

func summaryBody(s backtest.Summary) BacktestSummary {
	return BacktestSummary{Backtest: s.Backtest, Level: s.Level, Measure: s.Measure, Sex: s.Sex, AgeBand: s.AgeBand,
		Year: s.Year, Ours: scoresBody(s.Ours), Benchmark: scoresBody(s.Benchmark), BenchmarkName: s.BenchmarkName, Paired: s.Paired}
}

// backtestBody converts a report to the answer's types (every row and summary).
func backtestBody(rep *backtest.Report) *BacktestReport {
	out := &BacktestReport{
		Notes: append([]string{}, rep.Notes...), Sources: append([]string{}, rep.Sources...),
		Summaries: make([]BacktestSummary, 0, len(rep.Summaries)), Sensitivity: make([]BacktestSensitivity, 0, len(rep.Sensitivity)),
		Rows: make([]BacktestRow, 0, len(rep.Rows)),
	}
	if h, ok := rep.Summary(backtest.Headline); ok {
		b := summaryBody(h)
		out.Headline = &b
	}
	for _, s := range rep.Summaries {
		out.Summaries = append(out.Summaries, summaryBody(s))
	}
	for _, s := range rep.Sensitivity {
		out.Sensitivity = append(out.Sensitivity, BacktestSensitivity{Name: s.Name, LookAhead: s.LookAhead, ExtraData: s.ExtraData, Scores: scoresBody(s.Scores)})
	}
	for _, r := range datasets.BacktestRows(rep.Rows) {
		out.Rows = append(out.Rows, BacktestRow{Backtest: r.Backtest, AreaCode: r.AreaCode, AreaName: r.AreaName, Level: r.Level,
			Measure: r.Measure, Unit: r.Unit, Sex: r.Sex, AgeBand: r.AgeBand, Origin: int(r.Origin), Year: int(r.Year), Horizon: int(r.Horizon),
			Actual: r.Actual, Forecast: r.Forecast, Error: r.Error, PctError: r.PctError, Lo: r.Lo, Hi: r.Hi, IntervalLevel: r.IntervalLevel,
			BenchmarkName: r.BenchmarkName, Benchmark: r.Benchmark, BenchmarkPctError: r.BenchmarkPctError,
			Scale: r.Scale, ScaledError: r.ScaledError, BenchmarkScaledError: r.BenchmarkScaledError})
	}
	return out
}

// filter returns the report with the rows and summaries that pass in's filters (the cached
// report is not modified).
func (in *backtestInput) filter(rep *BacktestReport) *BacktestReport {
	out := *rep
	out.Summaries = []BacktestSummary{}
	for _, s := range rep.Summaries {
		if (in.Backtest == "" || s.Backtest == in.Backtest) && (in.Level == "" || s.Level == in.Level) &&
			(in.AgeBand == "" || s.AgeBand == in.AgeBand) && (in.Year == 0 || s.Year == in.Year) {
			out.Summaries = append(out.Summaries, s)
		}
	}
	out.Rows = []BacktestRow{}
	for _, r := range rep.Rows {
		if (in.Backtest == "" || r.Backtest == in.Backtest) && (in.Level == "" || r.Level == in.Level) &&
			(in.Area == "" || r.AreaCode == in.Area) && (in.AgeBand == "" || r.AgeBand == in.AgeBand) &&
			(in.Year == 0 || r.Year == in.Year) {
			out.Rows = append(out.Rows, r)
		}
	}
	return &out
}

func (s *Service) registerBacktest(api huma.API) {
	c := &backtestCache{src: s.deps.Backtest, closing: s.closing}
	register(s, api, huma.Operation{
		OperationID: "get-backtest", Method: http.MethodGet, Path: "/backtest", Tags: []string{"Back-tests"},
		Summary: "Population back-tests: how accurate past projections were",
		Description: "The population back-tests of the default data (as `carecast backtest` runs them): every district " +
			"projected from mid-2011 and scored against the mid-year estimates of 2012-2020 (population-2011, with " +
			"\"no change since 2011\" as the benchmark), and the contest (population-2016): people 60+ in 2020 " +
			"projected from what was known in 2016, side by side with ONS's 2016-based subnational projection. " +
			"Returns the scored forecasts (rows), their scores by level, age band and year (summaries), the " +
			"headline and its sensitivity. The report is computed on the first request (a few seconds) and kept.",
		Errors: []int{http.StatusServiceUnavailable},
	}, "back-test", store.RoleViewer, func(ctx context.Context, in *backtestInput) (*struct{ Body *BacktestReport }, error) {
		if c.src == nil {
			return nil, huma.Error503ServiceUnavailable("no back-test data in this build")
		}
		rep, err := c.get(ctx)
		if err != nil {
			return nil, err
		}
		return &struct{ Body *BacktestReport }{Body: in.filter(rep)}, nil
	})
}
