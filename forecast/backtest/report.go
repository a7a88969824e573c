package backtest

import (
	"cmp"
	"math"
	"slices"
)

// Row is one scored forecast: an area's value of one measure for one sex and age band in one
// year, as forecast from an origin, against what happened (the outturn), with a rival's
// forecast of the same thing where there is one. Absent numbers are NaN.
type Row struct {
	Backtest string // the back-test, e.g. "origin-2011" or "contest-2016"
	Area     string // GSS code
	AreaName string
	Level    string // LevelDistrict, LevelCounty, LevelRegion or LevelCountry

	Measure string // forecast measure name, e.g. "population" (forecast.FamilyPopulation)
	Unit    string // e.g. "people"
	Sex     string // "female", "male" or "all"
	AgeBand string // "all", "60+", "65-84", …

	Origin  int // mid-year (or financial year) the forecast was made from
	Year    int // the year forecast
	Horizon int // Year − Origin

	Actual   float64 // the outturn
	Forecast float64 // carecast's forecast (a point forecast: the mean, or the value of a deterministic run)

	// Lo and Hi bound carecast's prediction interval at level Level (e.g. 0.8); NaN when the
	// forecast has no interval.
	Lo, Hi        float64
	IntervalLevel float64

	// Benchmark is the rival forecast named BenchmarkName (a published projection, or a naive
	// forecast); NaN when there is none.
	Benchmark     float64
	BenchmarkName string

	// Scale is the denominator of the scaled error (see NaiveScale and Report.Notes for which
	// series it comes from); NaN when there is none.
	Scale float64
}

// Error returns Forecast − Actual.
func (r *Row) Error() float64 { return r.Forecast - r.Actual }

// PctError returns the forecast's percentage error (see PctError).
func (r *Row) PctError() float64 { return PctError(r.Forecast, r.Actual) }

// ScaledError returns (Forecast − Actual) / Scale, NaN without a scale.
func (r *Row) ScaledError() float64 { return scaled(r.Forecast-r.Actual, r.Scale) }

// BenchmarkPctError returns the benchmark's percentage error, NaN without a benchmark.
func (r *Row) BenchmarkPctError() float64 { return PctError(r.Benchmark, r.Actual) }

// BenchmarkScaledError returns (Benchmark − Actual) / Scale, NaN without a benchmark or scale.
func (r *Row) BenchmarkScaledError() float64 { return scaled(r.Benchmark-r.Actual, r.Scale) }

func scaled(e, s float64) float64 {
	if !(s > 0) || math.IsInf(s, 0) {
		return math.NaN()
	}
	return e / s
}

// Key groups rows for a Summary; an empty field or a zero Year or Horizon means "all pooled".
type Key struct {
	Backtest, Level, Area, Measure, Sex, AgeBand string
	Year                                         int
	Horizon                                      int // years after the origin
}

func (k Key) compare(o Key) int {
	return cmp.Or(cmp.Compare(k.Backtest, o.Backtest), cmp.Compare(levelRank(k.Level), levelRank(o.Level)),
		cmp.Compare(k.Level, o.Level), cmp.Compare(k.Area, o.Area), cmp.Compare(k.Measure, o.Measure),
		cmp.Compare(k.Sex, o.Sex), cmp.Compare(bandRank(k.AgeBand), bandRank(o.AgeBand)),
		cmp.Compare(k.AgeBand, o.AgeBand), cmp.Compare(k.Year, o.Year), cmp.Compare(k.Horizon, o.Horizon))
}

func levelRank(l string) int {
	switch l {
	case LevelDistrict:
		return 0
	case LevelCounty:
		return 1
	case LevelRegion:
		return 2
	case LevelCountry:
		return 3
	case LevelCouncil:
		return 4
	}
	return 5
}

// bandRank orders age bands as reports show them: "all" first, then by first age.
func bandRank(b string) int {
	if b == "all" {
		return -1
	}
	for _, g := range bands {
		if g.name == b {
			return g.from*100 + g.to
		}
	}
	return 1 << 20
}

// Summary scores a group of rows: carecast's forecasts, and the benchmark's on the rows that
// have one.
type Summary struct {
	Key
	Ours          Scores
	Benchmark     Scores // N == 0 when no row of the group has a benchmark
	BenchmarkName string // the benchmark of the group's rows ("" if none; "mixed" if they differ)

	// Paired reports whether the benchmark was scored on exactly the rows carecast was, so
	// that the two sets of scores compare like with like.
	Paired bool
}

// Summarize groups rows by key (a function that returns, for a row, the Key of its group with
// pooled fields left empty) and scores each group. Summaries come sorted by Key: back-test,
// level (districts first), area, measure, sex, age band, year. rows are not modified.
func Summarize(rows []Row, key func(*Row) Key) []Summary {
	groups := map[Key][]int{}
	var keys []Key
	for i := range rows {
		k := key(&rows[i])
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	slices.SortFunc(keys, Key.compare)
	out := make([]Summary, 0, len(keys))
	for _, k := range keys {
		idx := groups[k]
		n := len(idx)
		f, a, sc, lo, hi := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		var bf, ba, bsc, nan []float64
		name := ""
		for j, i := range idx {
			r := &rows[i]
			f[j], a[j], sc[j], lo[j], hi[j] = r.Forecast, r.Actual, r.Scale, r.Lo, r.Hi
			if !math.IsNaN(r.Benchmark) {
				bf, ba, bsc = append(bf, r.Benchmark), append(ba, r.Actual), append(bsc, r.Scale)
				nan = append(nan, math.NaN())
				switch {
				case name == "":
					name = r.BenchmarkName
				case name != r.BenchmarkName:
					name = "mixed"
				}
			}
		}
		s := Summary{Key: k, Ours: score(f, a, sc, lo, hi), BenchmarkName: name}
		s.Benchmark = score(bf, ba, bsc, nan, nan)
		s.Paired = s.Benchmark.N == s.Ours.N
		out = append(out, s)
	}
	return out
}

// ByYear is a Summarize key: every area of a level together, one group per year.
func ByYear(r *Row) Key {
	return Key{Backtest: r.Backtest, Level: r.Level, Measure: r.Measure, Sex: r.Sex, AgeBand: r.AgeBand, Year: r.Year}
}

// Pooled is a Summarize key: every area and year of a level together.
func Pooled(r *Row) Key {
	return Key{Backtest: r.Backtest, Level: r.Level, Measure: r.Measure, Sex: r.Sex, AgeBand: r.AgeBand}
}

// ByArea is a Summarize key: one group per area, its years pooled.
func ByArea(r *Row) Key {
	return Key{Backtest: r.Backtest, Level: r.Level, Area: r.Area, Measure: r.Measure, Sex: r.Sex, AgeBand: r.AgeBand}
}
