package backtest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// ServicesBacktest names the rolling-origin back-test of councils' service use.
const ServicesBacktest = "services"

// Measure names and units of the service back-test's rows, spelt as the engine's output spells
// them (forecast.FamilyService, forecast.FamilyCapacity, forecast.UnitClients, …).
const (
	MeasureResidential    = "service.residential"
	MeasureNursing        = "service.nursing"
	MeasureHomeCare       = "service.home_care"
	MeasureDirectPayments = "service.direct_payments"
	MeasureDayCare        = "service.day_care"
	MeasureMeals          = "service.meals"
	MeasureHomeCareHours  = "capacity.home_care_hours"

	UnitClients      = "clients"
	UnitResidents    = "residents"
	UnitHoursPerWeek = "hours per week"
)

// ServiceMeasures lists the service measures the back-test scores, in the engine's order.
var ServiceMeasures = []string{MeasureResidential, MeasureNursing, MeasureHomeCare, MeasureDirectPayments, MeasureDayCare, MeasureMeals}

// svcDef maps a service measure to the activity that measures it, as the engine does: service
// name in the data, activity measure, and the divisor that turns the value into people at a
// time (residential and nursing: weeks in the year ÷ 52 = average supported residents).
type svcDef struct {
	measure, unit, service, activity string
	divisor                          float64
	groups                           []string
}

var svcDefs = []svcDef{
	{MeasureResidential, UnitResidents, "residential", "weeks", 52, svcGroups},
	{MeasureNursing, UnitResidents, "nursing", "weeks", 52, svcGroups},
	{MeasureHomeCare, UnitClients, "home_care", "clients", 1, svcGroups},
	{MeasureDirectPayments, UnitClients, "direct_payments", "clients", 1, svcGroups},
	{MeasureDayCare, UnitClients, "day_care", "clients", 1, svcGroups},
	{MeasureMeals, UnitClients, "meals", "clients", 1, []string{"65+"}}, // the engine has no meals for 18-64
}

// Service age groups: 18-64 driven by population, 65+ by need (or population).
var svcGroups = []string{"18-64", "65+"}

// Activity is a council's use of a service in the financial year starting in Year (PSS-EX1):
// Measure "clients" (at 31 March), "weeks" (in the year) or "hours" (in the year); AgeBand
// "18-64", "65+" or, for home-care hours, "18+".
type Activity struct {
	Area    string // GSS code of the council that reported it
	Year    int    // financial year start: 2009 is 2009-10
	Service string // residential, nursing, home_care, direct_payments, day_care, meals
	AgeBand string
	Measure string
	Value   float64
}

// Council is a council with adult social services responsibilities that reported activity.
type Council struct {
	Code, Name string
}

// ServiceData is everything the service back-test reads. It is never modified.
type ServiceData struct {
	Councils []Council
	Activity []Activity

	// Population holds each council's single-year estimates, by mid-year, on the boundaries it
	// reported activity on. Between two estimates the population is interpolated linearly;
	// before the first and after the last it is the nearest estimate (as the engine does: for
	// carecast's default data, 2009 and 2010 take mid-2011).
	Population map[string]map[int]*population.Pop90

	// Need is the prevalence, by sex and single year of age, of the need measure that drives
	// services for people 65+ (NeedMeasure, from evidence year NeedEvidence): the engine's
	// default is base-year use per person in need. Ages outside 65..90 are not read. Nil
	// drives 65+ by population, as ServiceOptions.PerHead does.
	Need         *[forecast.NumSexes][forecast.NumAges]float64
	NeedMeasure  string
	NeedEvidence int

	Sources []string // publications of the activity, population and prevalence
	Notes   []string // how the inputs were made, where a reader should know (e.g. apportioned populations)
}

// ServiceOptions are the settings of the service back-test; the zero value is the engine's
// default.
type ServiceOptions struct {
	// BaseYears is how many of the latest activity years up to the origin the base use rate
	// and its coefficient of variation are averaged over (default forecast.DefaultBaseYears).
	BaseYears int
	// PerHead drives services for people 65+ by population instead of need.
	PerHead bool
}

// NaiveName is the benchmark of the service back-test: the activity at the origin carried
// forward.
const NaiveName = naiveName

// Coefficients of variation of a council's use rate, as the engine bounds them (engine.minCV,
// engine.maxCV).
const (
	MinServiceCV = 0.02
	MaxServiceCV = 0.5
)

// Z80 is the standard normal quantile that bounds a central 80% interval.
const Z80 = 1.2815515655446004

// minScaleChanges is the fewest year-on-year changes of a council's own series up to the
// origin that its MASE scale is computed from; with fewer, the scale is pooled.
const minScaleChanges = 2

// ServiceReport is the outcome of the service back-test.
type ServiceReport struct {
	// Rows are every scored forecast: one council, measure, age group, origin and target year,
	// with carecast's interval (the engine's: a normal multiplier with the council's CV, Lo and
	// Hi at its 10th and 90th percentiles), the naive benchmark and the MASE scale. Sorted by
	// measure, age band, council, origin, year.
	Rows []Row

	// Summaries: for each measure and age band, by horizon and pooled (Horizon 0); for every
	// service measure together (Measure "", AgeBand ""), by horizon and pooled. Level is
	// LevelCouncil. Sorted as the engine lists the measures, every service last; horizons
	// 1, 2, … then pooled.
	Summaries []Summary

	// Widening is the horizon-dependent widening of the engine's intervals fitted on Rows
	// (Power DefaultWideningPower), and Coverage the coverage of the engine's and of the
	// widened intervals by horizon; Alternatives the coverage with the variance growing as
	// √h and as h² instead.
	Widening     ServiceWidening
	Coverage     []CoverageRow
	Alternatives []WideningAlternative

	// Cells counts the rows; PooledScale the rows whose MASE scale is pooled because their
	// council's own series had fewer than two year-on-year changes before the origin (or no
	// change at all); LookAheadScale those whose pooled scale needed years after the origin
	// (no council had a change before it).
	Cells, PooledScale, LookAheadScale int

	Sensitivity []ServiceSensitivity
	Options     ServiceOptions
	Notes       []string
	Sources     []string
}

// ServiceSensitivity is the service back-test's overall scores under another setting.
type ServiceSensitivity struct {
	Name   string
	Ours   Scores // every service measure and horizon pooled
	Paired bool
}

// Summary returns the summary with key k, or false.
func (r *ServiceReport) Summary(k Key) (Summary, bool) {
	for _, s := range r.Summaries {
		if s.Key == k {
			return s, true
		}
	}
	return Summary{}, false
}

// ServiceKey returns the key of the service back-test's summary of measure ("" for every
// service measure together) and age band ("" for both groups) at horizon h (0: pooled).
func ServiceKey(measure, band string, h int) Key {
	return Key{Backtest: ServicesBacktest, Level: LevelCouncil, Measure: measure, AgeBand: band, Horizon: h}
}

// Services runs the rolling-origin back-test of councils' service use (docs/design.md §7): from
// every activity year before the last (the origin), for every later year, council, service
// measure and age group with data at the origin and in the year, it forecasts the activity as
// the engine does — the council's base use rate (the mean of its yearly rates over the latest
// BaseYears activity years up to the origin) per head (18-64) or per person in need (65+),
// times the council's population or need in the year — and scores it, side by side with the
// naive forecast (the activity at the origin), against the outturn. Home-care hours a week are
// forecast as the engine does, as clients times the council's base hours per client.
//
// The population of the year is the (interpolated) estimate: the back-test measures the error
// of holding the use rate, not of projecting the population. Intervals are the engine's: the
// base rate times a normal multiplier whose standard deviation is the coefficient of variation
// of the council's yearly rates in the base years (sample, n − 1), bounded to
// [MinServiceCV, MaxServiceCV]; with a single base year it is MinServiceCV.
//
// It returns an error if d has no activity, a council without population, or a need schedule
// missing when opt.PerHead is false. It stops early with ctx's error if ctx is done.
func Services(ctx context.Context, d *ServiceData, opt ServiceOptions) (*ServiceReport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opt.BaseYears == 0 {
		opt.BaseYears = forecast.DefaultBaseYears
	}
	rows, st, err := serviceRows(d, opt)
	if err != nil {
		return nil, err
	}
	src := slices.Clone(d.Sources)
	slices.Sort(src)
	rep := &ServiceReport{Rows: rows, Options: opt, Cells: len(rows), PooledScale: st.pooled, LookAheadScale: st.lookAhead,
		Sources: slices.Compact(src)}
	rep.Summaries = summarizeServices(rows)
	rep.Widening = FitServiceWidening(rows, DefaultWideningPower)
	rep.Coverage = ServiceCoverage(rows, rep.Widening)
	for _, p := range []float64{0.5, 2} {
		a := WideningAlternative{Power: p}
		for _, c := range ServiceCoverage(rows, FitServiceWidening(rows, p)) {
			if c.Measure == "" {
				a.Coverage = append(a.Coverage, c)
			}
		}
		rep.Alternatives = append(rep.Alternatives, a)
	}
	per := "per person in need (" + d.NeedMeasure + fmt.Sprintf(", evidence %d)", d.NeedEvidence)
	if opt.PerHead || d.Need == nil {
		per = "per head"
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf(
		"%s: %d councils, activity years %d-%d (financial years); origins %d-%d; base use rate the mean of the latest %d years up to the origin, 18-64 per head, 65+ %s; populations interpolated between the councils' single-year estimates (years before the first take the first); benchmark: the activity at the origin carried forward.",
		ServicesBacktest, len(st.councils), st.years[0], st.years[len(st.years)-1], st.years[0], st.years[len(st.years)-2], opt.BaseYears, per))
	if !opt.PerHead && d.Need != nil {
		rep.Notes = append(rep.Notes, fmt.Sprintf(
			"%s: the need schedule's evidence (%d) is later than the origins, a mild look-ahead: it only weights the ages within 65+ (the sensitivity with 65+ per head shows what it is worth).",
			ServicesBacktest, d.NeedEvidence))
	}
	for _, n := range d.Notes {
		rep.Notes = append(rep.Notes, ServicesBacktest+": "+n)
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf(
		"%s: MASE scale: the council's mean absolute year-on-year change of the activity up to the origin; %d of %d forecasts (%d with a look-ahead: no council had a change before the origin) use a pooled scale instead (the activity at the origin times the sum of all councils' absolute year-on-year changes over the sum of their earlier values, for the measure and age group), their council having fewer than %d changes before the origin.",
		ServicesBacktest, st.pooled, len(rows), st.lookAhead, minScaleChanges))
	for _, v := range []struct {
		name string
		o    ServiceOptions
	}{
		{"65+ per head", ServiceOptions{BaseYears: opt.BaseYears, PerHead: true}},
		{"base rate from the origin year alone", ServiceOptions{BaseYears: 1, PerHead: opt.PerHead}},
	} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if v.o == opt || (!v.o.PerHead && d.Need == nil) {
			continue
		}
		vr, _, err := serviceRows(d, v.o)
		if err != nil {
			return nil, err
		}
		s := Summarize(serviceOnly(vr), allServices)[0]
		rep.Sensitivity = append(rep.Sensitivity, ServiceSensitivity{Name: v.name, Ours: s.Ours, Paired: s.Paired})
	}
	return rep, nil
}

// serviceOnly returns the rows of service measures (not capacity).
func serviceOnly(rows []Row) []Row {
	var out []Row
	for i := range rows {
		if forecast.Family(rows[i].Measure) == forecast.FamilyService {
			out = append(out, rows[i])
		}
	}
	return out
}

func allServices(r *Row) Key { return ServiceKey("", "", 0) }

func summarizeServices(rows []Row) []Summary {
	out := Summarize(rows, func(r *Row) Key { return ServiceKey(r.Measure, r.AgeBand, r.Horizon) })
	out = append(out, Summarize(rows, func(r *Row) Key { return ServiceKey(r.Measure, r.AgeBand, 0) })...)
	svc := serviceOnly(rows)
	out = append(out, Summarize(svc, func(r *Row) Key { return ServiceKey("", "", r.Horizon) })...)
	out = append(out, Summarize(svc, allServices)...)
	slices.SortStableFunc(out, func(a, b Summary) int { return compareService(a.Key, b.Key) })
	return out
}

type svcStats struct {
	councils          []string
	years             []int
	pooled, lookAhead int
}

// svcCell is one council's series of one measure and age group: value and denominator by year
// index (value NaN: not reported).
type svcCell struct {
	v, den []float64
}

// actKey identifies an activity value.
type actKey struct {
	area, svc, band, measure string
	year                     int
}

// svcRun is one run of the service back-test.
type svcRun struct {
	d     *ServiceData
	opt   ServiceOptions
	st    svcStats
	names map[string]string
	val   map[actKey]float64
	den   map[string]map[string][]float64 // council → group → denominator by year index
	rows  []Row
}

func serviceRows(d *ServiceData, opt ServiceOptions) ([]Row, svcStats, error) {
	if !opt.PerHead && d.Need == nil {
		return nil, svcStats{}, fmt.Errorf("service back-test: no need schedule to drive services for 65+ (set PerHead)")
	}
	r := &svcRun{d: d, opt: opt, names: map[string]string{}, val: map[actKey]float64{}}
	if err := r.load(); err != nil {
		return nil, r.st, err
	}
	for _, def := range svcDefs {
		for _, band := range def.groups {
			r.service(def, band)
		}
	}
	r.hours()
	slices.SortStableFunc(r.rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(svcRank(a.Measure), svcRank(b.Measure)), cmp.Compare(bandRank(a.AgeBand), bandRank(b.AgeBand)),
			cmp.Compare(a.Area, b.Area), cmp.Compare(a.Origin, b.Origin), cmp.Compare(a.Year, b.Year))
	})
	return r.rows, r.st, nil
}

// svcRank orders measures as the engine lists them, then home-care hours, then "" (every
// service together).
func svcRank(m string) int {
	if i := slices.Index(ServiceMeasures, m); i >= 0 {
		return i
	}
	if m == "" {
		return len(ServiceMeasures) + 1
	}
	return len(ServiceMeasures)
}

// compareService orders service summaries: by measure (svcRank), age band, then horizons
// 1, 2, … with the pooled horizon (0) last.
func compareService(a, b Key) int {
	return cmp.Or(cmp.Compare(svcRank(a.Measure), svcRank(b.Measure)), cmp.Compare(a.Measure, b.Measure),
		cmp.Compare(bandRank(a.AgeBand), bandRank(b.AgeBand)), cmp.Compare(b2i(a.Horizon == 0), b2i(b.Horizon == 0)),
		cmp.Compare(a.Horizon, b.Horizon))
}

// load indexes the activity and computes the denominators.
func (r *svcRun) load() error {
	d := r.d
	for _, c := range d.Councils {
		r.names[c.Code] = c.Name
	}
	yearSet := map[int]bool{}
	areas := map[string]bool{}
	for _, a := range d.Activity {
		if !(a.Value >= 0) || math.IsInf(a.Value, 0) {
			return fmt.Errorf("service back-test: activity %s %d %s %s %s: %v is not a finite number ≥ 0", a.Area, a.Year, a.Service, a.AgeBand, a.Measure, a.Value)
		}
		k := actKey{a.Area, a.Service, a.AgeBand, a.Measure, a.Year}
		if _, dup := r.val[k]; dup {
			return fmt.Errorf("service back-test: activity %s %d %s %s %s given twice", a.Area, a.Year, a.Service, a.AgeBand, a.Measure)
		}
		r.val[k] = a.Value
		areas[a.Area] = true
		if a.Measure != "hours" {
			yearSet[a.Year] = true // as in the engine, hours alone do not make an activity year
		}
	}
	for y := range yearSet {
		r.st.years = append(r.st.years, y)
	}
	sort.Ints(r.st.years)
	if len(r.st.years) < 2 {
		return fmt.Errorf("service back-test: want activity in at least two years, have %v", r.st.years)
	}
	for i := 1; i < len(r.st.years); i++ {
		if r.st.years[i] != r.st.years[i-1]+1 {
			return fmt.Errorf("service back-test: activity years %v have a gap", r.st.years)
		}
	}
	for a := range areas {
		r.st.councils = append(r.st.councils, a)
	}
	sort.Strings(r.st.councils)
	perHead := r.opt.PerHead
	ny := len(r.st.years)
	r.den = map[string]map[string][]float64{}
	for _, c := range r.st.councils {
		est := d.Population[c]
		if len(est) == 0 {
			return fmt.Errorf("service back-test: no population for council %s", c)
		}
		w, o := make([]float64, ny), make([]float64, ny)
		for i, y := range r.st.years {
			p := interpolate(est, y)
			for s := range p {
				for x := 18; x <= 64; x++ {
					w[i] += p[s][x]
				}
				for x := 65; x <= forecast.OpenAge; x++ {
					if perHead {
						o[i] += p[s][x]
					} else {
						o[i] += p[s][x] * d.Need[s][x]
					}
				}
			}
		}
		r.den[c] = map[string][]float64{"18-64": w, "65+": o}
	}
	return nil
}

// interpolate returns the population at mid-year y from estimates by year, as the engine's
// areaPop does: linear between the nearest estimates around y, the nearest one outside them.
func interpolate(est map[int]*population.Pop90, y int) population.Pop90 {
	years := make([]int, 0, len(est))
	for yr := range est {
		years = append(years, yr)
	}
	sort.Ints(years)
	lo := years[0]
	for _, yr := range years {
		if yr <= y {
			lo = yr
		}
	}
	hi := lo
	for _, yr := range years {
		if yr > lo {
			hi = yr
			break
		}
	}
	if hi == lo || y <= lo {
		return *est[lo]
	}
	w := float64(y-lo) / float64(hi-lo)
	var p population.Pop90
	for s := range p {
		for x := range p[s] {
			p[s][x] = (1-w)*est[lo][s][x] + w*est[hi][s][x]
		}
	}
	return p
}

// series returns council c's series of def for age group band.
func (r *svcRun) series(c string, def svcDef, band string) svcCell {
	cell := svcCell{v: make([]float64, len(r.st.years)), den: r.den[c][band]}
	for i, y := range r.st.years {
		cell.v[i] = math.NaN()
		if v, ok := r.val[actKey{c, def.service, band, def.activity, y}]; ok {
			cell.v[i] = v / def.divisor
		}
	}
	return cell
}

// base returns the indices of the base years for origin index o: the latest BaseYears up to o.
func (r *svcRun) base(o int) []int {
	var b []int
	for i := max(0, o-r.opt.BaseYears+1); i <= o; i++ {
		b = append(b, i)
	}
	return b
}

func (r *svcRun) newRow(c, measure, unit, band string, o, t int) Row {
	nan := math.NaN()
	y0 := r.st.years[0]
	return Row{Backtest: ServicesBacktest, Area: c, AreaName: r.names[c], Level: LevelCouncil, Measure: measure, Unit: unit,
		Sex: "all", AgeBand: band, Origin: y0 + o, Year: y0 + t, Horizon: t - o, Lo: nan, Hi: nan, IntervalLevel: 0.8,
		Benchmark: nan, BenchmarkName: naiveName, Scale: nan}
}

// scale returns the MASE scale of series v at origin o: the council's own (ownScale), else the
// pooled relative change rel times the value at the origin; and whether it is pooled.
func (r *svcRun) scale(v []float64, o int, rel float64) (float64, bool) {
	if s := ownScale(v, o); !math.IsNaN(s) {
		return s, false
	}
	return rel * v[o], true
}

func (r *svcRun) count(pooled, look bool) {
	if pooled {
		r.st.pooled++
		if look {
			r.st.lookAhead++
		}
	}
}

// service scores one service measure and age group.
func (r *svcRun) service(def svcDef, band string) {
	ny := len(r.st.years)
	cells := map[string]svcCell{}
	for _, c := range r.st.councils {
		cells[c] = r.series(c, def, band)
	}
	for o := 0; o < ny-1; o++ {
		rel, look := pooledRelChange(cells, r.st.councils, o)
		for _, c := range r.st.councils {
			cell := cells[c]
			if math.IsNaN(cell.v[o]) {
				continue
			}
			u, cv := baseRate(cell, r.base(o))
			if math.IsNaN(u) {
				continue
			}
			scale, pooled := r.scale(cell.v, o, rel)
			for t := o + 1; t < ny; t++ {
				if math.IsNaN(cell.v[t]) {
					continue
				}
				row := r.newRow(c, def.measure, def.unit, band, o, t)
				row.Actual, row.Forecast, row.Benchmark, row.Scale = cell.v[t], u*cell.den[t], cell.v[o], scale
				row.Lo, row.Hi = max(row.Forecast*(1-Z80*cv), 0), row.Forecast*(1+Z80*cv)
				r.rows = append(r.rows, row)
				r.count(pooled, look)
			}
		}
	}
}

// hours scores home-care hours a week (18+): the engine's clients 18-64 and 65+ times the
// council's hours per client in the base years (the years with hours and both groups' clients).
func (r *svcRun) hours() {
	ny := len(r.st.years)
	hc := svcDefs[slices.IndexFunc(svcDefs, func(s svcDef) bool { return s.measure == MeasureHomeCare })]
	hrs := svcDef{measure: MeasureHomeCareHours, unit: UnitHoursPerWeek, service: "home_care", activity: "hours", divisor: 52}
	cells := map[string]svcCell{}
	for _, c := range r.st.councils {
		cells[c] = r.series(c, hrs, "18+")
	}
	for o := 0; o < ny-1; o++ {
		rel, look := pooledRelChange(cells, r.st.councils, o)
		for _, c := range r.st.councils {
			h := cells[c]
			if math.IsNaN(h.v[o]) {
				continue
			}
			w, old := r.series(c, hc, "18-64"), r.series(c, hc, "65+")
			uw, cvw := baseRate(w, r.base(o))
			uo, cvo := baseRate(old, r.base(o))
			var sumH, sumC float64
			for _, i := range r.base(o) {
				if !math.IsNaN(h.v[i]) && !math.IsNaN(w.v[i]) && !math.IsNaN(old.v[i]) {
					sumH += h.v[i]
					sumC += w.v[i] + old.v[i]
				}
			}
			if math.IsNaN(uw) || math.IsNaN(uo) || sumC == 0 {
				continue
			}
			per := sumH / sumC
			scale, pooled := r.scale(h.v, o, rel)
			for t := o + 1; t < ny; t++ {
				if math.IsNaN(h.v[t]) {
					continue
				}
				fw, fo := uw*w.den[t], uo*old.den[t]
				row := r.newRow(c, MeasureHomeCareHours, UnitHoursPerWeek, "18+", o, t)
				row.Actual, row.Forecast, row.Benchmark, row.Scale = h.v[t], per*(fw+fo), h.v[o], scale
				sd := per * math.Hypot(cvw*fw, cvo*fo)
				row.Lo, row.Hi = max(row.Forecast-Z80*sd, 0), row.Forecast+Z80*sd
				r.rows = append(r.rows, row)
				r.count(pooled, look)
			}
		}
	}
}

// baseRate returns the mean of the cell's yearly use rates (value ÷ denominator) over the
// base years it has, and their coefficient of variation as the engine computes it: the sample
// standard deviation over the mean, within [MinServiceCV, MaxServiceCV]; MinServiceCV with a
// single year. The rate is NaN if no base year has a value and a positive denominator.
func baseRate(c svcCell, base []int) (mean, cv float64) {
	var sum, sum2 float64
	n := 0
	for _, i := range base {
		if math.IsNaN(c.v[i]) || !(c.den[i] > 0) {
			continue
		}
		u := c.v[i] / c.den[i]
		sum += u
		sum2 += u * u
		n++
	}
	if n == 0 {
		return math.NaN(), 0
	}
	mean = sum / float64(n)
	cv = MinServiceCV
	if n > 1 && mean > 0 {
		sd := math.Sqrt(max(sum2/float64(n)-mean*mean, 0) * float64(n) / float64(n-1))
		cv = min(max(sd/mean, MinServiceCV), MaxServiceCV)
	}
	return mean, cv
}

// ownScale returns the mean absolute year-on-year change of v over the years up to index o
// (pairs of consecutive years both reported), NaN with fewer than minScaleChanges pairs or no
// change at all.
func ownScale(v []float64, o int) float64 {
	var s float64
	n := 0
	for i := 1; i <= o; i++ {
		if !math.IsNaN(v[i]) && !math.IsNaN(v[i-1]) {
			s += math.Abs(v[i] - v[i-1])
			n++
		}
	}
	if n < minScaleChanges || s == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// pooledRelChange returns the sum over councils of the absolute year-on-year changes up to
// index o over the sum of the earlier values; if no council has a change up to o, over every
// year (look = true).
func pooledRelChange(cells map[string]svcCell, councils []string, o int) (rel float64, look bool) {
	f := func(last int) float64 {
		var num, den float64
		for _, c := range councils {
			v := cells[c].v
			for i := 1; i <= last; i++ {
				if !math.IsNaN(v[i]) && !math.IsNaN(v[i-1]) {
					num += math.Abs(v[i] - v[i-1])
					den += v[i-1]
				}
			}
		}
		if den == 0 {
			return math.NaN()
		}
		return num / den
	}
	if rel = f(o); !math.IsNaN(rel) {
		return rel, false
	}
	for _, c := range councils {
		return f(len(cells[c].v) - 1), true
	}
	return math.NaN(), true
}
