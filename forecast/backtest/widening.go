package backtest

import (
	"cmp"
	"math"
	"slices"
)

// ServiceWidening widens the engine's intervals of service use with the horizon. The engine
// draws a council's use rate as the base rate times a normal multiplier of mean 1 and standard
// deviation cv, the year-to-year coefficient of variation of its base years: the same spread
// at every horizon, though the rate wanders further from the base the longer it is held. The
// widened multiplier has standard deviation
//
//	sqrt(cv² + τ² · h^Power)
//
// at horizon h (years after the base year), one τ per service measure and age group. With
// Power 1 (DefaultWideningPower) the rate is a random walk with yearly spread τ; with 2 it
// drifts at a rate of spread τ a year. The back-test's errors chose 1 (see the model card).
type ServiceWidening struct {
	Level float64 // the central interval τ is calibrated for: 0.8
	Power float64 // growth of the added variance with the horizon
	Taus  []ServiceTau
}

// DefaultWideningPower is the growth of the added variance with the horizon that the service
// back-test recommends: linear, a random walk of the use rate.
const DefaultWideningPower = 1.0

// WideningAlternative is the coverage, for every service together, of intervals widened with
// another Power, for comparison.
type WideningAlternative struct {
	Power    float64
	Coverage []CoverageRow // Measure "": by horizon, then pooled (Horizon 0)
}

// ServiceTau is the yearly spread τ of one service measure and age group, and the number of
// forecasts it was fitted on.
type ServiceTau struct {
	Measure, AgeBand string
	Tau              float64
	N                int
}

// Tau returns τ of measure and band, false if the widening has none.
func (w ServiceWidening) Tau(measure, band string) (float64, bool) {
	for _, t := range w.Taus {
		if t.Measure == measure && t.AgeBand == band {
			return t.Tau, true
		}
	}
	return math.NaN(), false
}

// SD returns the widened standard deviation of the multiplier of measure and band for a
// council with coefficient of variation cv at horizon h: sqrt(cv² + τ²·max(h, 0)^Power); cv
// itself if the widening has no τ for them.
func (w ServiceWidening) SD(measure, band string, cv float64, h int) float64 {
	t, ok := w.Tau(measure, band)
	if !ok {
		return cv
	}
	return math.Sqrt(cv*cv + t*t*math.Pow(float64(max(h, 0)), w.Power))
}

// Interval returns the widened 80% interval of a forecast: forecast × (1 ± Z80 · sd), the lower
// end at least 0, as the engine's truncated normal multiplier gives.
func (w ServiceWidening) Interval(measure, band string, forecast, cv float64, h int) (lo, hi float64) {
	s := w.SD(measure, band, cv, h)
	return max(forecast*(1-Z80*s), 0), forecast * (1 + Z80*s)
}

// rowCV returns the coefficient of variation behind a service row's interval: (Hi − Forecast)
// / (Z80 · Forecast); NaN if the row has no interval or a forecast of 0.
func rowCV(r *Row) float64 {
	if !(r.Forecast > 0) || math.IsNaN(r.Hi) {
		return math.NaN()
	}
	return (r.Hi/r.Forecast - 1) / Z80
}

// FitServiceWidening fits τ for every measure and age band of rows (service back-test rows,
// with the engine's intervals), the added variance growing as h^power: for each forecast, the
// smallest τ whose widened interval holds the outturn is sqrt(max((|actual/forecast − 1| /
// Z80)² − cv², 0) / h^power), and τ is the 80th
// percentile of those (Quantile, type 7), so that about 80% of the forecasts fall inside.
// Forecasts and outturns of 0 (which have no percentage error, and are not scored) and rows
// without an interval or a positive horizon are skipped. rows are not modified.
func FitServiceWidening(rows []Row, power float64) ServiceWidening {
	need := map[[2]string][]float64{}
	for i := range rows {
		r := &rows[i]
		cv := rowCV(r)
		if math.IsNaN(cv) || r.Horizon <= 0 || !(r.Actual > 0) {
			continue
		}
		e := math.Abs(r.Actual/r.Forecast-1) / Z80
		k := [2]string{r.Measure, r.AgeBand}
		need[k] = append(need[k], math.Sqrt(max(e*e-cv*cv, 0)/math.Pow(float64(r.Horizon), power)))
	}
	w := ServiceWidening{Level: 0.8, Power: power}
	for k, v := range need {
		w.Taus = append(w.Taus, ServiceTau{Measure: k[0], AgeBand: k[1], Tau: Quantile(v, 0.8), N: len(v)})
	}
	slices.SortFunc(w.Taus, func(a, b ServiceTau) int {
		return cmp.Or(cmp.Compare(svcRank(a.Measure), svcRank(b.Measure)), cmp.Compare(a.Measure, b.Measure),
			cmp.Compare(bandRank(a.AgeBand), bandRank(b.AgeBand)))
	})
	return w
}

// CoverageRow is the coverage of 80% intervals of a group of service forecasts: the engine's,
// and widened by a ServiceWidening.
type CoverageRow struct {
	Measure, AgeBand string // "" for every service measure together
	Horizon          int    // 0 for every horizon together

	N       int     // forecasts with an interval
	Engine  float64 // share of outturns inside the engine's interval
	Widened float64 // inside the widened interval, τ fitted on every row (in sample)

	// OutOfSample is the share inside the widened interval of the forecasts of the last year,
	// τ fitted on the forecasts of earlier years only; OutOfSampleN such forecasts (0: none,
	// and OutOfSample NaN).
	OutOfSample  float64
	OutOfSampleN int
}

// Inside reports whether actual lies in [lo, hi].
func Inside(actual, lo, hi float64) bool { return lo <= actual && actual <= hi }

// ServiceCoverage returns the coverage of rows' intervals (service back-test rows) by measure,
// age band and horizon, and for every service measure together (Measure ""), by horizon and
// pooled: the engine's; widened by w (fitted on every row: in sample); and, out of sample,
// widened by a widening of the same power fitted on the rows of years before the last and
// scored on the last year's. Rows are counted as Summarize counts them: those with an interval and an outturn
// other than 0. rows are not modified.
func ServiceCoverage(rows []Row, w ServiceWidening) []CoverageRow {
	last := 0
	for i := range rows {
		last = max(last, rows[i].Year)
	}
	var early []Row
	for i := range rows {
		if rows[i].Year < last {
			early = append(early, rows[i])
		}
	}
	wo := FitServiceWidening(early, w.Power)
	type acc struct{ n, eng, wid, on, oin int }
	by := map[Key]*acc{}
	add := func(k Key, r *Row) {
		a := by[k]
		if a == nil {
			a = &acc{}
			by[k] = a
		}
		a.n++
		if Inside(r.Actual, r.Lo, r.Hi) {
			a.eng++
		}
		cv := rowCV(r)
		if math.IsNaN(cv) {
			cv = 0 // a forecast of 0: its interval is [0, 0] however wide
		}
		if lo, hi := w.Interval(r.Measure, r.AgeBand, r.Forecast, cv, r.Horizon); Inside(r.Actual, lo, hi) {
			a.wid++
		}
		if r.Year == last {
			a.on++
			if lo, hi := wo.Interval(r.Measure, r.AgeBand, r.Forecast, cv, r.Horizon); Inside(r.Actual, lo, hi) {
				a.oin++
			}
		}
	}
	for i := range rows {
		r := &rows[i]
		if math.IsNaN(r.Lo) || math.IsNaN(r.Hi) || math.IsNaN(r.PctError()) {
			continue
		}
		add(Key{Measure: r.Measure, AgeBand: r.AgeBand, Horizon: r.Horizon}, r)
		add(Key{Measure: r.Measure, AgeBand: r.AgeBand}, r)
		if svcRank(r.Measure) < len(ServiceMeasures) {
			add(Key{Horizon: r.Horizon}, r)
			add(Key{}, r)
		}
	}
	keys := make([]Key, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareService)
	out := make([]CoverageRow, 0, len(keys))
	for _, k := range keys {
		a := by[k]
		c := CoverageRow{Measure: k.Measure, AgeBand: k.AgeBand, Horizon: k.Horizon, N: a.n,
			Engine: float64(a.eng) / float64(a.n), Widened: float64(a.wid) / float64(a.n), OutOfSample: math.NaN(), OutOfSampleN: a.on}
		if a.on > 0 {
			c.OutOfSample = float64(a.oin) / float64(a.on)
		}
		out = append(out, c)
	}
	return out
}

// CoverageOf returns the coverage row of measure, band and horizon, false if there is none.
func CoverageOf(rows []CoverageRow, measure, band string, h int) (CoverageRow, bool) {
	for _, c := range rows {
		if c.Measure == measure && c.AgeBand == band && c.Horizon == h {
			return c, true
		}
	}
	return CoverageRow{}, false
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
