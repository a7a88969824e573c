package backtest

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
)

// HistoryBacktest names the rolling-origin back-test of councils' use of services by people
// 65+ over the activity history (PSS-EX1 to 2013-14, ASC-FR from 2014-15).
const HistoryBacktest = "service-history"

// The methods the history back-test compares.
const (
	// HistoryNoChange carries the activity at the origin forward.
	HistoryNoChange = "no change"
	// HistoryDemography holds the council's use rate per person 65+ at its origin value, so
	// the activity follows the council's population 65+.
	HistoryDemography = "rates follow demography"
	// HistoryCarecast is the engine's method: demography times the trend of the council's use
	// rate (HistoryTrend), shrunk towards the national trend and damped.
	HistoryCarecast = "carecast"
)

// HistoryMethods lists the methods in the order reports show them.
var HistoryMethods = []string{HistoryCarecast, HistoryNoChange, HistoryDemography}

// HistorySeries is one council's use of one service by people 65+ under one definition: its
// value in each financial year (keyed by the year it starts). Values of different definitions
// are different series, so no change across a definition break is ever read as a change in use.
type HistorySeries struct {
	Area, Name string
	Service    string // residential, nursing, home_care, day_care
	Unit       string // client weeks, hours, …
	Definition string // e.g. "pss-ex1", "ascfr"
	Values     map[int]float64
}

// HistoryData is everything the history back-test reads. It is never modified.
type HistoryData struct {
	Series []HistorySeries
	// Pop65 holds each council's people 65+ at the mid-years with a single-year estimate, on
	// the boundaries its series are reported on. Between two estimates the back-test
	// interpolates linearly; outside them it has no population, so no use rate.
	Pop65 map[string]map[int]float64

	Sources []string
	Notes   []string
}

// TrendOptions set how a council's use-rate trend is estimated; the zero value is carecast's
// default (DefaultTrendOptions).
type TrendOptions struct {
	// Window is how many of the latest yearly changes of the rate up to the origin the trend
	// is the mean of (changes across a definition break are never used).
	Window int
	// Damping φ in (0, 1]: h years ahead the trend has compounded Σ_{j=1..h} φ^j years, so it
	// never adds more than φ/(1−φ) years' worth. 1 is undamped.
	Damping float64
	// Shrink is how the council's own trend is combined with the national one: ShrinkEB
	// (empirical Bayes: the weight of the council's own trend is τ² ÷ (τ² + σ²_c ÷ n_c), with
	// τ² the spread of the councils' true trends and σ²_c ÷ n_c the sampling variance of the
	// council's n_c changes), ShrinkNone (its own trend), ShrinkNational (the national trend).
	Shrink string
	// Level is how many of the latest years up to the origin the starting use rate is the
	// trend-adjusted geometric mean of (1: the origin's rate alone).
	Level int
	// Robust takes the national trend as the median of its yearly changes in the window, not
	// the mean, so that one exceptional year (2020-21) moves it less.
	Robust bool
}

// Shrinkage rules of TrendOptions.Shrink.
const (
	ShrinkEB       = "empirical-bayes"
	ShrinkNone     = "own"
	ShrinkNational = "national"
)

// DefaultTrendOptions fill the zero fields of TrendOptions: the latest 5 yearly changes,
// undamped, shrunk by empirical Bayes, the national trend their median, the origin's rate.
var DefaultTrendOptions = TrendOptions{Window: 5, Damping: 1, Shrink: ShrinkEB, Robust: true, Level: 1}

// HistoryCandidates are the settings the history back-test chooses between at each origin
// (History), the first being its choice until earlier origins can be scored.
var HistoryCandidates = []TrendOptions{
	DefaultTrendOptions,
	{Window: 3, Damping: 1, Shrink: ShrinkEB, Robust: true, Level: 1},
	{Window: 8, Damping: 1, Shrink: ShrinkEB, Robust: true, Level: 1},
	{Window: 5, Damping: 0.8, Shrink: ShrinkEB, Robust: true, Level: 1},
	{Window: 5, Damping: 1, Shrink: ShrinkEB, Robust: false, Level: 1},
}

// String describes o, e.g. "window 5, φ 1, empirical-bayes, median national trend".
func (o TrendOptions) String() string {
	nat := "mean"
	if o.Robust {
		nat = "median"
	}
	return fmt.Sprintf("window %d, φ %g, %s, %s national trend", o.Window, o.Damping, o.Shrink, nat)
}

// selectRows returns, for each service and origin, the rows of the candidate whose forecasts
// from earlier origins had the lowest MASE on the years up to the origin (per[i] are candidate
// i's rows, all in the same order), and records in rep.Selected each service's choice on every
// year.
func selectRows(per [][]HistoryRow, candidates []TrendOptions, rep *HistoryReport) []HistoryRow {
	choose := func(svc string, t int) int {
		best, bestScore := 0, math.Inf(1)
		for i, rows := range per {
			var sum float64
			var n int
			for j := range rows {
				r := &rows[j]
				if r.Service == svc && r.Year <= t {
					if e := r.Carecast - r.Actual; r.Scale > 0 && !math.IsInf(r.Scale, 0) {
						sum += math.Abs(e) / r.Scale
						n++
					}
				}
			}
			if n > 0 && sum/float64(n) < bestScore {
				best, bestScore = i, sum/float64(n)
			}
		}
		return best
	}
	type key struct {
		svc    string
		origin int
	}
	chosen := map[key]int{}
	out := make([]HistoryRow, len(per[0]))
	last := map[string]int{}
	for j := range per[0] {
		r := &per[0][j]
		k := key{r.Service, r.Origin}
		c, ok := chosen[k]
		if !ok {
			c = choose(r.Service, r.Origin)
			chosen[k] = c
		}
		out[j] = per[c][j]
		last[r.Service] = max(last[r.Service], r.Year)
	}
	for svc, y := range last {
		rep.Selected[svc] = candidates[choose(svc, y)]
	}
	return out
}

func (o TrendOptions) withDefaults() TrendOptions {
	if o.Window <= 0 {
		o.Window = DefaultTrendOptions.Window
	}
	if !(o.Damping > 0 && o.Damping <= 1) {
		o.Damping = DefaultTrendOptions.Damping
	}
	if o.Shrink == "" {
		o.Shrink = DefaultTrendOptions.Shrink
	}
	if o.Level <= 0 {
		o.Level = DefaultTrendOptions.Level
	}
	return o
}

// HistoryTrend is a council's trend in its use rate of a service at an origin: log change a
// year.
type HistoryTrend struct {
	Own      float64 // the mean of its own latest changes; NaN with none
	Changes  int     // how many
	National float64 // the national trend over the same years
	Weight   float64 // of its own trend, 0..1
	Annual   float64 // Weight × Own + (1 − Weight) × National
}

// Factor returns the multiplier of the use rate h years after the origin: exp(Annual ×
// Σ_{j=1..h} φ^j).
func (t HistoryTrend) Factor(h int, damping float64) float64 {
	if h <= 0 || t.Annual == 0 {
		return 1
	}
	years, p := 0.0, 1.0
	for range h {
		p *= damping
		years += p
	}
	return math.Exp(t.Annual * years)
}

// histSeries is a HistorySeries with its use rates.
type histSeries struct {
	*HistorySeries
	pop map[int]float64 // people 65+ in the year (interpolated); absent outside the estimates
}

func (s *histSeries) rate(y int) (float64, bool) {
	v, ok := s.Values[y]
	p, okp := s.pop[y]
	if !ok || !okp || !(p > 0) || !(v > 0) {
		return 0, false
	}
	return v / p, true
}

// level returns the use rate at origin t: the geometric mean of the rates of the latest n
// years up to t that have one, each moved to t by the trend (log change a year).
func (s *histSeries) level(t, n int, trend float64) float64 {
	var sum float64
	var k int
	for y := t - n + 1; y <= t; y++ {
		if r, ok := s.rate(y); ok {
			sum += math.Log(r) + trend*float64(t-y)
			k++
		}
	}
	return math.Exp(sum / float64(k))
}

// change returns the log change of the rate from y−1 to y.
func (s *histSeries) change(y int) (float64, bool) {
	a, ok1 := s.rate(y - 1)
	b, ok2 := s.rate(y)
	if !ok1 || !ok2 {
		return 0, false
	}
	return math.Log(b / a), true
}

func interpolateKnown(known map[int]float64, from, to int) map[int]float64 {
	years := make([]int, 0, len(known))
	for y := range known {
		years = append(years, y)
	}
	slices.Sort(years)
	out := map[int]float64{}
	for y := from; y <= to; y++ {
		i, found := slices.BinarySearch(years, y)
		switch {
		case found:
			out[y] = known[y]
		case i > 0 && i < len(years):
			a, b := years[i-1], years[i]
			w := float64(y-a) / float64(b-a)
			out[y] = known[a]*(1-w) + known[b]*w
		}
	}
	return out
}

func prepare(d *HistoryData) ([]histSeries, error) {
	out := make([]histSeries, len(d.Series))
	for i := range d.Series {
		s := &d.Series[i]
		known := d.Pop65[s.Area]
		if len(known) == 0 {
			return nil, fmt.Errorf("%s back-test: council %s (%s) has no population 65+", HistoryBacktest, s.Area, s.Name)
		}
		lo, hi := math.MaxInt, math.MinInt
		for y := range s.Values {
			lo, hi = min(lo, y), max(hi, y)
		}
		out[i] = histSeries{HistorySeries: s, pop: interpolateKnown(known, lo, hi)}
	}
	return out, nil
}

// HistoryTrends returns, for every series of service with a use rate at origin, keyed by its
// council, the trend of its use rate estimated from the years up to origin alone.
func HistoryTrends(d *HistoryData, service string, origin int, o TrendOptions) (map[string]HistoryTrend, error) {
	ss, err := prepare(d)
	if err != nil {
		return nil, err
	}
	return trends(ss, service, origin, o.withDefaults()), nil
}

func trends(ss []histSeries, service string, origin int, o TrendOptions) map[string]HistoryTrend {
	// The national trend: the log change of the summed use over the summed population of the
	// councils with a rate in both years, averaged over the window's years.
	var natChanges []float64
	for y := origin - o.Window + 1; y <= origin; y++ {
		var v0, p0, v1, p1 float64
		for i := range ss {
			s := &ss[i]
			if s.Service != service {
				continue
			}
			if _, ok := s.change(y); ok {
				v0 += s.Values[y-1]
				p0 += s.pop[y-1]
				v1 += s.Values[y]
				p1 += s.pop[y]
			}
		}
		if v0 > 0 && v1 > 0 {
			natChanges = append(natChanges, math.Log((v1/p1)/(v0/p0)))
		}
	}
	nat := 0.0
	if len(natChanges) > 0 {
		if o.Robust {
			nat = Quantile(natChanges, 0.5)
		} else {
			nat = mean(natChanges)
		}
	}
	type own struct {
		area      string
		mean, ss2 float64
		n         int
		hasOrigin bool
	}
	var owns []own
	for i := range ss {
		s := &ss[i]
		if s.Service != service {
			continue
		}
		if _, ok := s.rate(origin); !ok {
			continue
		}
		var xs []float64
		for y := origin - o.Window + 1; y <= origin; y++ {
			if c, ok := s.change(y); ok {
				xs = append(xs, c)
			}
		}
		ow := own{area: s.Area, n: len(xs), hasOrigin: true}
		if len(xs) > 0 {
			for _, x := range xs {
				ow.mean += x
			}
			ow.mean /= float64(len(xs))
			for _, x := range xs {
				ow.ss2 += (x - ow.mean) * (x - ow.mean)
			}
		}
		owns = append(owns, ow)
	}
	// Pooled within-council variance of a yearly change, and the spread τ² of the councils'
	// true trends (method of moments, never below zero).
	var sw float64
	var dfw int
	for _, ow := range owns {
		if ow.n >= 2 {
			sw += ow.ss2
			dfw += ow.n - 1
		}
	}
	sigma2 := math.NaN()
	if dfw > 0 {
		sigma2 = sw / float64(dfw)
	}
	const priorDF = 4 // a council's own variance counts as much as 4 degrees of freedom of the pooled one
	varOf := func(ow own) float64 {
		if math.IsNaN(sigma2) {
			return math.NaN()
		}
		return (ow.ss2 + priorDF*sigma2) / float64(max(ow.n-1, 0)+priorDF)
	}
	var bm, bv, sv float64
	var nb int
	for _, ow := range owns {
		if ow.n >= 2 {
			bm += ow.mean
			nb++
		}
	}
	tau2 := 0.0
	if nb >= 2 && !math.IsNaN(sigma2) {
		bm /= float64(nb)
		for _, ow := range owns {
			if ow.n >= 2 {
				bv += (ow.mean - bm) * (ow.mean - bm)
				sv += varOf(ow) / float64(ow.n)
			}
		}
		tau2 = max(0, bv/float64(nb-1)-sv/float64(nb))
	}
	out := make(map[string]HistoryTrend, len(owns))
	for _, ow := range owns {
		t := HistoryTrend{Own: math.NaN(), Changes: ow.n, National: nat}
		if ow.n > 0 {
			t.Own = ow.mean
		}
		switch {
		case ow.n == 0:
			t.Weight = 0
		case o.Shrink == ShrinkNone:
			t.Weight = 1
		case o.Shrink == ShrinkNational:
			t.Weight = 0
		default:
			if v := varOf(ow); v > 0 && !math.IsNaN(v) {
				t.Weight = tau2 / (tau2 + v/float64(ow.n))
			} else if !math.IsNaN(v) {
				t.Weight = 1
			}
		}
		t.Annual = nat
		if ow.n > 0 {
			t.Annual = t.Weight*ow.mean + (1-t.Weight)*nat
		}
		out[ow.area] = t
	}
	return out
}

// HistoryUseTrends are what the engine's projection takes from the history: for each service
// the settings chosen on every year of the history (as History chooses them), and the trend of
// each council's use rate at the history's last year, estimated with them.
type HistoryUseTrends struct {
	Last     int                                // the history's last year
	Selected map[string]TrendOptions            // by service
	Trends   map[string]map[string]HistoryTrend // service → council → trend at Last
}

// UseTrends runs History's choice of settings without scoring (candidates nil:
// HistoryCandidates) and returns the trends at the last year.
func UseTrends(ctx context.Context, d *HistoryData, candidates []TrendOptions) (*HistoryUseTrends, error) {
	if len(candidates) == 0 {
		candidates = HistoryCandidates
	}
	cands := make([]TrendOptions, len(candidates))
	for i, c := range candidates {
		cands[i] = c.withDefaults()
	}
	ss, err := prepare(d)
	if err != nil {
		return nil, err
	}
	var per [][]HistoryRow
	for _, c := range cands {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rows, _ := historyRows(ss, c)
		per = append(per, rows)
	}
	if len(per[0]) == 0 {
		return nil, fmt.Errorf("%s back-test: no forecast to score (no series has a use rate at two years)", HistoryBacktest)
	}
	rep := &HistoryReport{Selected: map[string]TrendOptions{}}
	selectRows(per, cands, rep)
	out := &HistoryUseTrends{Selected: rep.Selected, Trends: map[string]map[string]HistoryTrend{}}
	for i := range ss {
		for y := range ss[i].Values {
			out.Last = max(out.Last, y)
		}
	}
	for svc, o := range rep.Selected {
		out.Trends[svc] = trends(ss, svc, out.Last, o)
	}
	return out, nil
}

// HistoryRow is one scored forecast of the history back-test: every method's forecast of one
// council's use of one service in Year, made at Origin, against what happened.
type HistoryRow struct {
	Area, Service, Definition string
	Origin, Year, Horizon     int
	Actual                    float64
	NoChange, Demography      float64
	Carecast                  float64
	Lo, Hi                    float64 // carecast's 80% interval, out of sample (fitted on the other councils)
	Scale                     float64 // MASE scale
	Trend                     HistoryTrend
}

// HistoryScore is one method's accuracy on one service (all: "") at one horizon (0: pooled).
type HistoryScore struct {
	Service string
	Horizon int
	Method  string
	Scores
}

// HistoryCoverage is how often carecast's 80% intervals held the outturn out of sample.
type HistoryCoverage struct {
	Service  string // "" for all
	Horizon  int    // 0 pooled
	N        int
	Coverage float64 // share 0..1
}

// HistorySensitivity is carecast's accuracy under other trend options, services and horizons
// pooled, with the default's for comparison.
type HistorySensitivity struct {
	Name    string
	Options TrendOptions
	Scores  []HistoryScore // Method HistoryCarecast, every service and horizon
}

// HistoryReport is the outcome of the history back-test.
type HistoryReport struct {
	Rows        []HistoryRow
	Scores      []HistoryScore // by service (engine order, then all), horizon (1.., then 0), method
	Coverage    []HistoryCoverage
	Taus        map[string]float64 // service → τ of the widened interval, fitted on every row
	Power       float64
	Folds       int
	Origins     map[string][2]int    // service → first and last origin scored
	Sensitivity []HistorySensitivity // each candidate's scores had it been used at every origin
	Candidates  []TrendOptions
	// Selected is, by service, the candidate chosen on every year of the history: the settings
	// the engine's projection uses for the services in Engine.
	Selected map[string]TrendOptions
	// Engine lists the services with a series that reaches the history's last year: those the
	// engine's projection takes a trend for (UseTrends), in the engine's order.
	Engine  []string
	Notes   []string
	Sources []string
}

// Score returns method's scores on service ("" all) at horizon h (0 pooled), or false.
func (r *HistoryReport) Score(service string, h int, method string) (Scores, bool) {
	for _, s := range r.Scores {
		if s.Service == service && s.Horizon == h && s.Method == method {
			return s.Scores, true
		}
	}
	return Scores{}, false
}

// HistoryMaxHorizon is the longest horizon the history back-test scores.
const HistoryMaxHorizon = 5

// HistoryFolds is how many groups of councils the interval check holds out in turn.
const HistoryFolds = 5

// historyServices are the services the back-test scores, in the engine's order.
var historyServices = []string{"residential", "nursing", "home_care", "day_care"}

// History runs the rolling-origin back-test of councils' 65+ service use (docs/design.md §7):
// from every origin year with a use rate, for each later year up to HistoryMaxHorizon ahead
// within the same series (so never across a definition break), it forecasts the activity by
// no change, by demography (the origin's use rate × people 65+ in the year) and by carecast
// (demography × the damped, shrunk trend of the use rate, HistoryTrend, from the years up to
// the origin), and scores them against the outturn. The population of the year is the
// (interpolated) estimate: the back-test measures the error of the use-rate model, not of the
// population projection.
//
// carecast's 80% interval is the engine's: a lognormal multiplier of mean 1 and standard
// deviation sqrt(MinServiceCV² + τ² h^Power) (Power DefaultWideningPower), with τ per service
// fitted, out of sample, on the councils of the other HistoryFolds − 1 folds; Taus are fitted on
// every row, for the engine's Monte Carlo.
func History(ctx context.Context, d *HistoryData, candidates []TrendOptions) (*HistoryReport, error) {
	if len(candidates) == 0 {
		candidates = HistoryCandidates
	}
	for i := range candidates {
		candidates[i] = candidates[i].withDefaults()
	}
	ss, err := prepare(d)
	if err != nil {
		return nil, err
	}
	var per [][]HistoryRow
	var origins map[string][2]int
	for _, c := range candidates {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rows, o := historyRows(ss, c)
		per, origins = append(per, rows), o
	}
	if len(per[0]) == 0 {
		return nil, fmt.Errorf("%s back-test: no forecast to score (no series has a use rate at two years)", HistoryBacktest)
	}
	rep := &HistoryReport{Candidates: candidates, Power: DefaultWideningPower, Folds: HistoryFolds, Origins: origins,
		Taus: map[string]float64{}, Selected: map[string]TrendOptions{}}
	rep.Rows = selectRows(per, candidates, rep)
	last := 0
	for i := range ss {
		for y := range ss[i].Values {
			last = max(last, y)
		}
	}
	for _, svc := range historyServices {
		if slices.ContainsFunc(ss, func(s histSeries) bool { _, ok := s.rate(last); return s.Service == svc && ok }) {
			rep.Engine = append(rep.Engine, svc)
		}
	}
	historyIntervals(rep)
	rep.Scores = historyScores(rep.Rows, HistoryMethods)
	rep.Coverage = historyCoverage(rep.Rows)
	for i, c := range candidates {
		rep.Sensitivity = append(rep.Sensitivity, HistorySensitivity{Name: "always " + c.String(), Options: c,
			Scores: historyScores(per[i], []string{HistoryCarecast})})
	}
	src := slices.Clone(d.Sources)
	slices.Sort(src)
	rep.Sources = slices.Compact(src)
	rep.Notes = append(rep.Notes, fmt.Sprintf(
		"%s: councils' use of services by people 65+ (activity history), one series per council, service and definition, so the 2014-15 change from PSS-EX1 to ASC-FR is a break and no forecast crosses it; use rates per person 65+ from the councils' single-year population estimates, interpolated between them (none before the first: the data's first estimate for every council is mid-2011, so earlier years give no rate and no origin); origins %s; horizons 1-%d.",
		HistoryBacktest, originText(origins), HistoryMaxHorizon))
	var cs []string
	for _, c := range candidates {
		cs = append(cs, c.String())
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf(
		"%s: carecast's trend of a council's use rate is its own mean yearly log change over a window, shrunk towards the national trend by empirical Bayes; at each origin the settings are those of the candidate (%s) whose forecasts from earlier origins, scored on the years up to the origin, had the lowest MASE (the first before any can be scored), so nothing after the origin chooses them; intervals widen as the engine's do, τ per service fitted on the councils of %d of %d folds and checked on the fifth.",
		HistoryBacktest, strings.Join(cs, "; "), HistoryFolds-1, HistoryFolds))
	for _, n := range d.Notes {
		rep.Notes = append(rep.Notes, HistoryBacktest+": "+n)
	}
	return rep, nil
}

func originText(o map[string][2]int) string {
	var parts []string
	for _, s := range historyServices {
		if r, ok := o[s]; ok {
			parts = append(parts, fmt.Sprintf("%s %d-%02d to %d-%02d", s, r[0], (r[0]+1)%100, r[1], (r[1]+1)%100))
		}
	}
	return fmt.Sprint(parts)
}

func historyRows(ss []histSeries, o TrendOptions) ([]HistoryRow, map[string][2]int) {
	years := map[int]bool{}
	for i := range ss {
		for y := range ss[i].Values {
			years[y] = true
		}
	}
	var all []int
	for y := range years {
		all = append(all, y)
	}
	slices.Sort(all)
	var rows []HistoryRow
	origins := map[string][2]int{}
	for _, svc := range historyServices {
		var sv []histSeries
		for i := range ss {
			if ss[i].Service == svc {
				sv = append(sv, ss[i])
			}
		}
		// The pooled relative yearly change of the service's use up to each year, for the MASE
		// scale of series with fewer than minScaleChanges changes of their own.
		absBy, prevBy := map[int]float64{}, map[int]float64{}
		for i := range sv {
			for y, v := range sv[i].Values {
				if p, ok := sv[i].Values[y-1]; ok {
					absBy[y] += math.Abs(v - p)
					prevBy[y] += p
				}
			}
		}
		// Rows come out sorted by area, definition, origin and year: the trends and pooled sums of
		// every origin first, then each series in turn.
		slices.SortFunc(sv, func(a, b histSeries) int {
			return cmp.Or(cmp.Compare(a.Area, b.Area), cmp.Compare(a.Definition, b.Definition))
		})
		trAt := make([]map[string]HistoryTrend, len(all))
		absAt, prevAt := make([]float64, len(all)), make([]float64, len(all))
		var absSum, prevSum float64
		for j, t := range all {
			absSum, prevSum = absSum+absBy[t], prevSum+prevBy[t]
			absAt[j], prevAt[j] = absSum, prevSum
			trAt[j] = trends(sv, svc, t, o)
		}
		for i := range sv {
			s := &sv[i]
			for j, t := range all {
				absSum, prevSum := absAt[j], prevAt[j]
				if _, ok := s.rate(t); !ok {
					continue // (the council's series of the other definition may have a trend at t)
				}
				trd, ok := trAt[j][s.Area]
				if !ok {
					continue
				}
				v0 := s.Values[t]
				p0 := s.pop[t]
				r0 := s.level(t, o.Level, trd.Annual)
				var prev []float64
				for y := t - 30; y <= t; y++ {
					if v, ok := s.Values[y]; ok {
						prev = append(prev, v)
					}
				}
				scale := math.NaN()
				if len(prev) > minScaleChanges {
					scale = NaiveScale(prev)
				} else if prevSum > 0 {
					scale = v0 * absSum / prevSum
				}
				for h := 1; h <= HistoryMaxHorizon; h++ {
					a, ok := s.Values[t+h]
					p1, okp := s.pop[t+h]
					if !ok || !okp {
						continue
					}
					demo := v0 * p1 / p0
					rows = append(rows, HistoryRow{Area: s.Area, Service: svc, Definition: s.Definition, Origin: t, Year: t + h, Horizon: h,
						Actual: a, NoChange: v0, Demography: demo, Carecast: r0 * p1 * trd.Factor(h, o.Damping),
						Lo: math.NaN(), Hi: math.NaN(), Scale: scale, Trend: trd})
					r := origins[svc]
					if r == [2]int{} {
						r = [2]int{t, t}
					}
					origins[svc] = [2]int{min(r[0], t), max(r[1], t)}
				}
			}
		}
	}
	return rows, origins
}

// fold returns the interval check's fold of a council.
func fold(area string) int {
	h := fnv.New32a()
	h.Write([]byte(area))
	return int(h.Sum32() % HistoryFolds)
}

// bounds returns the engine's central interval of level Z80 for a forecast f with multiplier
// standard deviation sd: a lognormal of mean 1.
func bounds(f, sd float64) (lo, hi float64) {
	s2 := math.Log1p(sd * sd)
	s := math.Sqrt(s2)
	return f * math.Exp(-Z80*s-s2/2), f * math.Exp(Z80*s-s2/2)
}

func sdAt(tau float64, h int, power float64) float64 {
	return math.Sqrt(MinServiceCV*MinServiceCV + tau*tau*math.Pow(float64(h), power))
}

// fitTau returns the τ whose intervals hold 80% of rows' outturns (bisection: coverage grows
// with τ).
func fitTau(rows []*HistoryRow, power float64) float64 {
	if len(rows) == 0 {
		return math.NaN()
	}
	// The interval holds the outturn when |log(actual ÷ forecast) + s²/2| ≤ Z80·s, with s² =
	// log(1 + sd²) depending on the horizon alone.
	logs := make([]float64, len(rows))
	for i, r := range rows {
		logs[i] = math.Log(r.Actual / r.Carecast)
	}
	cover := func(tau float64) float64 {
		var s2 [HistoryMaxHorizon + 1]float64
		for h := 1; h <= HistoryMaxHorizon; h++ {
			sd := sdAt(tau, h, power)
			s2[h] = math.Log1p(sd * sd)
		}
		n := 0
		for i, r := range rows {
			v := s2[r.Horizon]
			if math.Abs(logs[i]+v/2) <= Z80*math.Sqrt(v) {
				n++
			}
		}
		return float64(n) / float64(len(rows))
	}
	lo, hi := 0.0, 2.0
	for range 50 {
		mid := (lo + hi) / 2
		if cover(mid) < 0.8 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

func historyIntervals(rep *HistoryReport) {
	for _, svc := range historyServices {
		var all []*HistoryRow
		var byFold [HistoryFolds][]*HistoryRow
		for i := range rep.Rows {
			r := &rep.Rows[i]
			if r.Service == svc {
				all = append(all, r)
				byFold[fold(r.Area)] = append(byFold[fold(r.Area)], r)
			}
		}
		if len(all) == 0 {
			continue
		}
		rep.Taus[svc] = fitTau(all, rep.Power)
		for k := range HistoryFolds {
			var train []*HistoryRow
			for j := range HistoryFolds {
				if j != k {
					train = append(train, byFold[j]...)
				}
			}
			tau := fitTau(train, rep.Power)
			for _, r := range byFold[k] {
				r.Lo, r.Hi = bounds(r.Carecast, sdAt(tau, r.Horizon, rep.Power))
			}
		}
	}
}

func historyScores(rows []HistoryRow, methods []string) []HistoryScore {
	var out []HistoryScore
	for _, svc := range append(slices.Clone(historyServices), "") {
		for h := 1; h <= HistoryMaxHorizon+1; h++ {
			hh := h % (HistoryMaxHorizon + 1) // 1..5 then 0
			for _, m := range methods {
				var f, a, sc, lo, hi []float64
				for i := range rows {
					r := &rows[i]
					if (svc != "" && r.Service != svc) || (hh != 0 && r.Horizon != hh) {
						continue
					}
					x := r.Carecast
					l, u := r.Lo, r.Hi
					switch m {
					case HistoryNoChange:
						x, l, u = r.NoChange, math.NaN(), math.NaN()
					case HistoryDemography:
						x, l, u = r.Demography, math.NaN(), math.NaN()
					}
					f, a, sc, lo, hi = append(f, x), append(a, r.Actual), append(sc, r.Scale), append(lo, l), append(hi, u)
				}
				if len(f) == 0 {
					continue
				}
				out = append(out, HistoryScore{Service: svc, Horizon: hh, Method: m, Scores: score(f, a, sc, lo, hi)})
			}
		}
	}
	return out
}

func historyCoverage(rows []HistoryRow) []HistoryCoverage {
	var out []HistoryCoverage
	for _, svc := range append(slices.Clone(historyServices), "") {
		for h := 1; h <= HistoryMaxHorizon+1; h++ {
			hh := h % (HistoryMaxHorizon + 1)
			c := HistoryCoverage{Service: svc, Horizon: hh}
			var in int
			for i := range rows {
				r := &rows[i]
				if (svc != "" && r.Service != svc) || (hh != 0 && r.Horizon != hh) || math.IsNaN(r.Lo) {
					continue
				}
				c.N++
				if r.Lo <= r.Actual && r.Actual <= r.Hi {
					in++
				}
			}
			if c.N > 0 {
				c.Coverage = float64(in) / float64(c.N)
				out = append(out, c)
			}
		}
	}
	return out
}

// HistoryServices lists the services the history back-test scores, in the engine's order.
func HistoryServices() []string { return slices.Clone(historyServices) }

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
