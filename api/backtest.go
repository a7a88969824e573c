package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast/backtest"
	"github.com/carecast/carecast/store"
)

// BacktestSource computes the back-tests (see package forecast/backtest): the population
// back-tests, and the service back-test (nil when the data has no service activity). The
// server calls it at most once at a time, on the first GET /v1/backtest, and keeps the reports
// for the life of the process; a failed computation is tried again by the next request.
type BacktestSource func(ctx context.Context) (*backtest.Report, *backtest.ServiceReport, error)

// BundleBacktest is a BacktestSource over a dataset bundle (cmd/carecast passes the embedded
// default data), with the default options, as `carecast backtest` runs them
// (datasets.RunBacktests).
func BundleBacktest(b *datasets.Bundle) BacktestSource {
	return func(ctx context.Context) (*backtest.Report, *backtest.ServiceReport, error) {
		return datasets.RunBacktests(ctx, b)
	}
}

// BacktestReport is the answer of GET /v1/backtest.
type BacktestReport struct {
	Contest2018    *BacktestContest2018 `json:"contest_2018" doc:"The main contest: every district's people by age band in 2020 and 2022, carecast projecting from mid-2018 with only what ONS's 2018-based projection could know, side by side with that projection and with no change since 2018. Null when the data has no 2018-based projection."`
	ServiceHistory *BacktestHistory     `json:"service_history" doc:"Councils' use of residential and nursing care by people 65+ over the activity history (2011-12 to 2022-23 with populations), rolling origins, horizons 1-5: carecast's method (demography times each council's use-rate trend shrunk to the national trend, the projection the engine makes) against no change and against rates that follow demography. Null without an activity history."`
	Headline       *BacktestSummary     `json:"headline" doc:"The contest's headline: people 60+ in 2020 in districts, carecast (from what was known in 2016) against the benchmark. Null when the data has no benchmark."`
	Notes          []string             `json:"notes" doc:"What each back-test used, and what it could not avoid using."`
	Sources        []string             `json:"sources" doc:"The publications of the data the back-tests used."`
	// Summaries and Rows are filtered by the query.
	Summaries          []BacktestSummary         `json:"summaries" doc:"Scores by back-test, level, measure, age band, and year or horizon (both absent: pooled). Filtered like rows (area does not apply)."`
	Sensitivity        []BacktestSensitivity     `json:"sensitivity" doc:"Each back-test's headline scored with variants of the method or of what it knows: the contest (population-2016) and every service measure together (services)."`
	PopulationCoverage []BacktestPopCoverage     `json:"population_coverage" doc:"How often the outturn fell inside the 80% intervals of the population error model (fitted on population-2011) in the contest's districts, by age band: an out-of-sample check."`
	ServiceCoverage    []BacktestServiceCoverage `json:"service_coverage" doc:"How often councils' service use fell inside the 80% intervals, by measure, age band and horizon (measure absent: every service together; horizon absent: pooled). Empty without service activity."`
	Rows               []BacktestRow             `json:"rows" doc:"Every scored forecast that passes the filters: population rows sorted by back-test, level, area, age band and year; then service rows by measure, age band, council, origin and year."`
}

// BacktestHistory is the history back-test of 65+ service use (see forecast/backtest.History).
type BacktestHistory struct {
	Scores      []BacktestHistoryScore    `json:"scores" doc:"By service (absent: both), horizon (absent: pooled) and method."`
	Coverage    []BacktestHistoryCoverage `json:"coverage" doc:"Out of sample (fitted on the other councils) coverage of carecast's 80% intervals."`
	Selected    map[string]string         `json:"selected" doc:"By service, the trend settings chosen on every year of the history (the engine's, for the services in engine_services)."`
	Engine      []string                  `json:"engine_services" doc:"The services whose series reach the history's last year: those the engine takes a trend for."`
	Taus        map[string]*float64       `json:"taus" doc:"By service, the yearly spread τ of the widened intervals the engine's Monte Carlo uses (multiplier sd = sqrt(cv² + τ²·h))."`
	Sensitivity []BacktestHistoryVariant  `json:"sensitivity" doc:"carecast's scores had one candidate setting been used at every origin."`
	Notes       []string                  `json:"notes"`
}

// BacktestHistoryScore is one method's accuracy on one service and horizon.
type BacktestHistoryScore struct {
	Service string         `json:"service,omitempty"`
	Horizon int            `json:"horizon,omitempty"`
	Method  string         `json:"method"`
	Scores  BacktestScores `json:"scores"`
}

// BacktestHistoryCoverage is the out-of-sample coverage of carecast's 80% intervals.
type BacktestHistoryCoverage struct {
	Service  string  `json:"service,omitempty"`
	Horizon  int     `json:"horizon,omitempty"`
	N        int     `json:"n"`
	Coverage float64 `json:"coverage"`
}

// BacktestHistoryVariant is carecast's score with one candidate setting at every origin.
type BacktestHistoryVariant struct {
	Name   string                 `json:"name"`
	Scores []BacktestHistoryScore `json:"scores"`
}

func historyBody(h *backtest.HistoryReport) *BacktestHistory {
	scores := func(in []backtest.HistoryScore) []BacktestHistoryScore {
		out := []BacktestHistoryScore{}
		for _, s := range in {
			out = append(out, BacktestHistoryScore{Service: s.Service, Horizon: s.Horizon, Method: s.Method, Scores: scoresBody(s.Scores)})
		}
		return out
	}
	b := &BacktestHistory{Scores: scores(h.Scores), Coverage: []BacktestHistoryCoverage{}, Selected: map[string]string{},
		Taus: map[string]*float64{}, Sensitivity: []BacktestHistoryVariant{}, Notes: slices.Clone(h.Notes), Engine: slices.Clone(h.Engine)}
	for _, c := range h.Coverage {
		b.Coverage = append(b.Coverage, BacktestHistoryCoverage{Service: c.Service, Horizon: c.Horizon, N: c.N, Coverage: c.Coverage})
	}
	for s, o := range h.Selected {
		b.Selected[s] = o.String()
	}
	for s, t := range h.Taus {
		b.Taus[s] = finite(t)
	}
	for _, v := range h.Sensitivity {
		b.Sensitivity = append(b.Sensitivity, BacktestHistoryVariant{Name: v.Name, Scores: scores(v.Scores)})
	}
	return b
}

// BacktestContest2018 is the 2018-origin population contest (see forecast/backtest.Contest2018).
type BacktestContest2018 struct {
	BenchmarkName string                   `json:"benchmark_name"`
	Method        string                   `json:"method" doc:"carecast's method in the contest: its migration shape and mortality."`
	Scores        []BacktestContestScore   `json:"scores" doc:"By year (2020, 2022) and age band."`
	Sensitivity   []BacktestContestVariant `json:"sensitivity" doc:"carecast's scores with one choice of its method changed at a time (ons and no_change as in scores)."`
	Notes         []string                 `json:"notes"`
}

// BacktestContestVariant is the 2018 contest scored with one variant of carecast's method.
type BacktestContestVariant struct {
	Name   string                 `json:"name"`
	Scores []BacktestContestScore `json:"scores"`
}

// BacktestContestScore is one year and age band of the 2018 contest, each forecast scored over
// the same districts.
type BacktestContestScore struct {
	Year     int            `json:"year"`
	AgeBand  string         `json:"age_band"`
	Carecast BacktestScores `json:"carecast"`
	ONS      BacktestScores `json:"ons" doc:"ONS's 2018-based subnational projection, principal."`
	NoChange BacktestScores `json:"no_change" doc:"Every district as at mid-2018."`
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
	Actual               *float64 `json:"actual" doc:"The outturn (ONS mid-year estimate; the council's reported activity)."`
	Forecast             *float64 `json:"forecast" doc:"carecast's forecast."`
	Error                *float64 `json:"error" doc:"forecast − actual."`
	PctError             *float64 `json:"pct_error" doc:"100 · error / actual (null when actual is 0)."`
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
	Year          int            `json:"year,omitempty" doc:"The year scored; absent when the years are pooled or the scores are by horizon."`
	Horizon       int            `json:"horizon,omitempty" doc:"Years after the origin (service back-test); absent when pooled or by year."`
	Ours          BacktestScores `json:"ours" doc:"carecast's scores."`
	Benchmark     BacktestScores `json:"benchmark" doc:"The benchmark's scores (n = 0 without one)."`
	BenchmarkName string         `json:"benchmark_name"`
	Paired        bool           `json:"paired" doc:"Whether the benchmark was scored on exactly the same forecasts."`
}

// BacktestSensitivity is a back-test's headline scored with one variant.
type BacktestSensitivity struct {
	Backtest  string         `json:"backtest" doc:"population-2016 (the contest) or services."`
	Name      string         `json:"name"`
	LookAhead bool           `json:"look_ahead" doc:"The variant uses data from after the origin."`
	ExtraData string         `json:"extra_data,omitempty" doc:"Data the variant uses beyond what the back-test allows."`
	Scores    BacktestScores `json:"scores"`
}

// BacktestPopCoverage is the coverage of the population error model's 80% intervals in the
// contest, for one age band of districts.
type BacktestPopCoverage struct {
	AgeBand       string   `json:"age_band"`
	N             int      `json:"n" doc:"Districts."`
	BaseHorizon   int      `json:"base_horizon" doc:"Years from carecast's base estimate (mid-2011) to the year scored."`
	OriginHorizon int      `json:"origin_horizon" doc:"Years from the contest's origin (2016) to the year scored."`
	Ours          *float64 `json:"ours" doc:"Share (0..1) of districts inside carecast's interval at base_horizon."`
	OursOrigin    *float64 `json:"ours_origin" doc:"The same with the interval at origin_horizon, as if the projection had started at the origin."`
	Benchmark     *float64 `json:"benchmark" doc:"Share inside an interval of the same model around the benchmark (ONS 2016-based) at origin_horizon."`
	BenchmarkN    int      `json:"benchmark_n"`
}

// BacktestServiceCoverage is the coverage of the service back-test's 80% intervals.
type BacktestServiceCoverage struct {
	Measure      string   `json:"measure,omitempty" doc:"Absent: every service measure together."`
	AgeBand      string   `json:"age_band,omitempty"`
	Horizon      int      `json:"horizon,omitempty" doc:"Years after the origin; absent: every horizon together."`
	N            int      `json:"n" doc:"Forecasts with an interval."`
	Engine       *float64 `json:"engine" doc:"Share (0..1) of outturns inside the engine's interval."`
	Widened      *float64 `json:"widened" doc:"Share inside the interval widened with the horizon (fitted on every forecast: in sample)."`
	OutOfSample  *float64 `json:"out_of_sample" doc:"Share of the last year's forecasts inside the interval widened as fitted on earlier years only."`
	OutOfSampleN int      `json:"out_of_sample_n"`
}

type backtestInput struct {
	Backtest string `query:"backtest" enum:"population-2011,population-2016,services" doc:"Only this back-test."`
	Level    string `query:"level" enum:"district,county,region,country,council" doc:"Only this level of area (council: the service back-test)."`
	Area     string `query:"area" pattern:"^E[0-9]{8}$" doc:"Only this area's rows."`
	Measure  string `query:"measure" maxLength:"60" doc:"Only this measure, e.g. population or service.home_care."`
	AgeBand  string `query:"age_band" maxLength:"10" doc:"Only this age band, e.g. 60+ or all."`
	Year     int    `query:"year" minimum:"2000" maximum:"2100" doc:"Only this year (summaries: that year's, not the pooled ones)."`
	Horizon  int    `query:"horizon" minimum:"1" maximum:"100" doc:"Only this horizon, years after the origin (summaries: that horizon's)."`
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
	rep, svc, err := c.src(ctx)
	if err == nil && rep == nil {
		err = fmt.Errorf("no report")
	}
	if err != nil {
		j.err = fmt.Errorf("back-test: %w", err)
		return
	}
	j.rep = backtestBody(rep, svc)
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
		Year: s.Year, Horizon: s.Horizon, Ours: scoresBody(s.Ours), Benchmark: scoresBody(s.Benchmark), BenchmarkName: s.BenchmarkName, Paired: s.Paired}
}

// backtestBody converts the reports (svc may be nil) to the answer's types: every row and
// summary, population first.
func backtestBody(rep *backtest.Report, svc *backtest.ServiceReport) *BacktestReport {
	out := &BacktestReport{
		Notes: slices.Clone(rep.Notes), Sources: slices.Clone(rep.Sources),
		Summaries: []BacktestSummary{}, Sensitivity: []BacktestSensitivity{},
		PopulationCoverage: []BacktestPopCoverage{}, ServiceCoverage: []BacktestServiceCoverage{},
	}
	if c := rep.Contest2018; c != nil {
		scores := func(in []backtest.ContestScore) []BacktestContestScore {
			out := []BacktestContestScore{}
			for _, s := range in {
				out = append(out, BacktestContestScore{Year: s.Year, AgeBand: s.AgeBand,
					Carecast: scoresBody(s.Carecast), ONS: scoresBody(s.ONS), NoChange: scoresBody(s.Same)})
			}
			return out
		}
		body := &BacktestContest2018{BenchmarkName: c.BenchmarkName, Notes: slices.Clone(c.Notes), Scores: scores(c.Scores),
			Method:      fmt.Sprintf("migration: %s; mortality: %s", c.Options.Shape, c.Options.Mortality),
			Sensitivity: []BacktestContestVariant{}}
		for _, v := range c.Sensitivity {
			body.Sensitivity = append(body.Sensitivity, BacktestContestVariant{Name: v.Name, Scores: scores(v.Scores)})
		}
		out.Contest2018 = body
	}
	if h, ok := rep.Summary(backtest.Headline); ok {
		b := summaryBody(h)
		out.Headline = &b
	}
	summaries, rows := rep.Summaries, rep.Rows
	for _, s := range rep.Sensitivity {
		out.Sensitivity = append(out.Sensitivity, BacktestSensitivity{Backtest: backtest.Contest2016, Name: s.Name,
			LookAhead: s.LookAhead, ExtraData: s.ExtraData, Scores: scoresBody(s.Scores)})
	}
	for _, c := range rep.Coverage {
		out.PopulationCoverage = append(out.PopulationCoverage, BacktestPopCoverage{AgeBand: c.AgeBand, N: c.N,
			BaseHorizon: c.BaseHorizon, OriginHorizon: c.OriginHorizon, Ours: finite(c.Ours), OursOrigin: finite(c.OursOrigin),
			Benchmark: finite(c.Benchmark), BenchmarkN: c.BenchmarkN})
	}
	if svc != nil && svc.History != nil {
		out.ServiceHistory = historyBody(svc.History)
	}
	if svc != nil {
		summaries = append(slices.Clip(summaries), svc.Summaries...)
		rows = append(slices.Clip(rows), svc.Rows...)
		out.Notes = append(out.Notes, svc.Notes...)
		for _, src := range svc.Sources {
			if !slices.Contains(out.Sources, src) {
				out.Sources = append(out.Sources, src)
			}
		}
		slices.Sort(out.Sources)
		for _, s := range svc.Sensitivity {
			out.Sensitivity = append(out.Sensitivity, BacktestSensitivity{Backtest: backtest.ServicesBacktest, Name: s.Name, Scores: scoresBody(s.Ours)})
		}
		for _, c := range svc.Coverage {
			out.ServiceCoverage = append(out.ServiceCoverage, BacktestServiceCoverage{Measure: c.Measure, AgeBand: c.AgeBand,
				Horizon: c.Horizon, N: c.N, Engine: finite(c.Engine), Widened: finite(c.Widened),
				OutOfSample: finite(c.OutOfSample), OutOfSampleN: c.OutOfSampleN})
		}
	}
	out.Summaries = make([]BacktestSummary, 0, len(summaries))
	for _, s := range summaries {
		out.Summaries = append(out.Summaries, summaryBody(s))
	}
	out.Rows = make([]BacktestRow, 0, len(rows))
	for _, r := range datasets.BacktestRows(rows) {
		out.Rows = append(out.Rows, BacktestRow{Backtest: r.Backtest, AreaCode: r.AreaCode, AreaName: r.AreaName, Level: r.Level,
			Measure: r.Measure, Unit: r.Unit, Sex: r.Sex, AgeBand: r.AgeBand, Origin: int(r.Origin), Year: int(r.Year), Horizon: int(r.Horizon),
			Actual: finite(r.Actual), Forecast: finite(r.Forecast), Error: finite(r.Error), PctError: finite(r.PctError), Lo: r.Lo, Hi: r.Hi, IntervalLevel: r.IntervalLevel,
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
			(in.Measure == "" || s.Measure == in.Measure) && (in.AgeBand == "" || s.AgeBand == in.AgeBand) &&
			(in.Year == 0 || s.Year == in.Year) && (in.Horizon == 0 || s.Horizon == in.Horizon) {
			out.Summaries = append(out.Summaries, s)
		}
	}
	out.Rows = []BacktestRow{}
	for _, r := range rep.Rows {
		if (in.Backtest == "" || r.Backtest == in.Backtest) && (in.Level == "" || r.Level == in.Level) &&
			(in.Area == "" || r.AreaCode == in.Area) && (in.Measure == "" || r.Measure == in.Measure) &&
			(in.AgeBand == "" || r.AgeBand == in.AgeBand) && (in.Year == 0 || r.Year == in.Year) &&
			(in.Horizon == 0 || r.Horizon == in.Horizon) {
			out.Rows = append(out.Rows, r)
		}
	}
	return &out
}

func (s *Service) registerBacktest(api huma.API) {
	c := &backtestCache{src: s.deps.Backtest, closing: s.closing}
	register(s, api, huma.Operation{
		OperationID: "get-backtest", Method: http.MethodGet, Path: "/backtest", Tags: []string{"Back-tests"},
		Summary: "Back-tests: how accurate past projections were",
		Description: "The back-tests of the default data, as `carecast backtest` runs them: every district's population " +
			"projected from mid-2011 and scored against the mid-year estimates of 2012-2020 (population-2011, with " +
			"\"no change since 2011\" as the benchmark); the contest (population-2016): people 60+ in 2020 " +
			"projected from what was known in 2016, side by side with ONS's 2016-based subnational projection; and " +
			"councils' service use projected from rolling origins and scored against their reported activity (services). " +
			"Returns the scored forecasts (rows), their scores by level, measure, age band and year or horizon " +
			"(summaries), the contest's headline, the sensitivity, and the coverage of the 80% intervals. The report " +
			"is computed on the first request (a few seconds) and kept.",
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
