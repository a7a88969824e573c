package backtest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// Names of the population back-tests.
const (
	// Origin2011 projects every district from its mid-2011 single-year estimate, knowing the
	// totals to 2011, and scores totals 2012-2020 and age bands in 2020.
	Origin2011 = "population-2011"

	// Contest2016 projects people aged 60+ in 2020 from what was known in 2016 (the mid-2011
	// single-year estimates and the totals to 2016), side by side with ONS's 2016-based
	// subnational projection.
	Contest2016 = "population-2016"
)

// Benchmark names of the naive forecasts.
const naiveName = "no change since the origin"

// band is an age band of persons, ages from..to (90 = 90 and over).
type band struct {
	name     string
	from, to int
}

var bands = []band{
	{"all", 0, 90}, {"0-17", 0, 17}, {"18-64", 18, 64}, {"18+", 18, 90}, {"60+", 60, 90}, {"60-64", 60, 64},
	{"65+", 65, 90}, {"65-74", 65, 74}, {"75+", 75, 90}, {"65-84", 65, 84}, {"75-84", 75, 84}, {"85+", 85, 90}, {"90+", 90, 90},
}

func bandNamed(name string) band {
	for _, b := range bands {
		if b.name == name {
			return b
		}
	}
	panic("backtest: no age band " + name)
}

func (b band) persons(p *population.Pop90) float64 {
	var v float64
	for s := range p {
		for x := b.from; x <= b.to; x++ {
			v += p[s][x]
		}
	}
	return v
}

// Bands scored by each back-test, persons.
var (
	origin2011Bands = []string{"0-17", "18-64", "18+", "60+", "60-64", "65+", "65-74", "65-84", "75-84", "85+", "90+"}
	contestBands    = []string{"60+", "60-64", "65-74", "75-84", "85+", "65+"}
)

// Headline is the group the contest is decided on: people aged 60+ in 2020 in districts.
var Headline = Key{Backtest: Contest2016, Level: LevelDistrict, Measure: MeasurePopulation, Sex: "all", AgeBand: "60+", Year: 2020}

// Sensitivity is the headline scored with one variant of the method or of what it knows.
type Sensitivity struct {
	Name      string
	LookAhead bool   // the variant uses data from after the origin
	ExtraData string // data the variant uses beyond what the back-test allows; "" if none
	Scores    Scores
}

// Report is the outcome of the population back-tests.
type Report struct {
	Rows        []Row         // every scored forecast, sorted by back-test, level, area, band, year
	Summaries   []Summary     // every level, band and year; and years pooled (Year 0)
	Fits        []FitRow      // what the method estimated, by back-test and district
	Sensitivity []Sensitivity // the headline under other variants
	Options     Options       // the method's options
	Notes       []string      // what each back-test used, and what it could not avoid using
	Sources     []string      // the publications of the data the back-tests used, sorted

	// Errors is the error model of district populations fitted on the Origin2011 rows; Coverage
	// its out-of-sample check on the Contest2016 districts (empty without a benchmark), whose
	// rows carry the model's 80% intervals.
	Errors   *PopulationErrorModel
	Coverage []PopulationCoverage

	// Contest2018 is the 2018-origin contest (Contest2018Scores), set by callers whose data
	// has ONS's 2018-based projection; nil otherwise.
	Contest2018 *Contest2018Result
}

// FitRow is a Fit in one back-test.
type FitRow struct {
	Backtest string
	Fit
}

// Summary returns the summary with key k, or false.
func (r *Report) Summary(k Key) (Summary, bool) {
	for _, s := range r.Summaries {
		if s.Key == k {
			return s, true
		}
	}
	return Summary{}, false
}

// Population runs the population back-tests Origin2011 and Contest2016 (the latter only if d
// has a benchmark) with the method's options opt, and the headline's sensitivity to the
// variants of mortality and migration shape. It stops early with ctx's error if ctx is done.
//
// It returns an error if d lacks what a back-test needs: the 2011 and 2020 single-year
// estimates of every district, totals for 2001-2016, national rates and life expectancy, or a
// benchmark cell that cannot be placed on a district in force.
func Population(ctx context.Context, d *Data, opt Options) (*Report, error) {
	ix, err := newIndex(d)
	if err != nil {
		return nil, err
	}
	const base, last = 2011, 2020
	rep := &Report{Options: opt}
	r11, err := ix.project(&d.National, base, base, last, opt, nil)
	if err != nil {
		return nil, fmt.Errorf("back-test %s: %w", Origin2011, err)
	}
	rows, err := ix.origin2011Rows(r11)
	if err != nil {
		return nil, err
	}
	rep.Rows = append(rep.Rows, rows...)
	for _, f := range r11.fits {
		rep.Fits = append(rep.Fits, FitRow{Origin2011, f})
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf(
		"%s: projected from the mid-2011 single-year estimates of %d districts; the level of migration from their totals %d-%d; totals scored %d-%d, age bands in %d; benchmark: no change since 2011.",
		Origin2011, len(ix.districts), base-levelYears(opt), base, base+1, last, last))
	if d.Benchmark != nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		bm, err := ix.benchmark(d.Benchmark, last)
		if err != nil {
			return nil, fmt.Errorf("back-test %s: %w", Contest2016, err)
		}
		origin := d.Benchmark.Origin
		r16, err := ix.project(&d.National, base, origin, last, opt, nil)
		if err != nil {
			return nil, fmt.Errorf("back-test %s: %w", Contest2016, err)
		}
		rows, err := ix.contestRows(r16, bm, d.Benchmark.Name)
		if err != nil {
			return nil, err
		}
		rep.Rows = append(rep.Rows, rows...)
		for _, f := range r16.fits {
			rep.Fits = append(rep.Fits, FitRow{Contest2016, f})
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf(
			"%s: projected from the mid-2011 single-year estimates, the level of migration from the totals %d-%d; nothing after mid-%d except the national assumptions (see the sensitivity); scored in %d against the mid-%d estimates, side by side with %s on the same districts (its %d-boundary districts summed to their successors).",
			Contest2016, base, origin, origin, last, last, d.Benchmark.Name, origin))
		jump, err := ix.benchmark(d.Benchmark, origin)
		if err != nil {
			return nil, fmt.Errorf("back-test %s: %w", Contest2016, err)
		}
		sens, err := ix.sensitivity(ctx, &d.National, base, origin, last, opt, bm, jump, d.Benchmark.Name)
		if err != nil {
			return nil, err
		}
		rep.Sensitivity = sens
	}
	src := map[string]bool{}
	for _, y := range []int{base, last} {
		for s := range ix.estSrc[y] {
			src[s] = true
		}
	}
	for s := range ix.totSrc {
		src[s] = true
	}
	for _, s := range d.National.Sources {
		src[s] = true
	}
	if d.Benchmark != nil {
		src[cmp.Or(d.Benchmark.Source, d.Benchmark.Name)] = true
	}
	for s := range src {
		if s != "" {
			rep.Sources = append(rep.Sources, s)
		}
	}
	sort.Strings(rep.Sources)
	m, err := FitPopulationErrors(rep.Rows)
	if err != nil {
		return nil, err
	}
	rep.Errors = m
	if d.Benchmark != nil {
		rep.Coverage = contestCoverage(rep.Rows, m, base)
		rep.Notes = append(rep.Notes, fmt.Sprintf(
			"population error model: fitted on the %s districts' errors only; the %s rows carry its 80%% intervals at the horizon from their base estimate (mid-%d), an out-of-sample check.",
			Origin2011, Contest2016, base))
	}
	sortRows(rep.Rows)
	rep.Summaries = append(Summarize(rep.Rows, ByYear), Summarize(rep.Rows, Pooled)...)
	return rep, nil
}

func levelYears(opt Options) int {
	if opt.LevelYears == 0 {
		return DefaultLevelYears
	}
	return opt.LevelYears
}

// areaValues holds, for every area, a value by year.
type series = map[string]float64

// totalsOf returns, for every area, the projection's band totals in year y.
func (ix *index) projected(r *run, y int, b band) series {
	v := series{}
	for _, c := range ix.districts {
		v[c] = b.persons(&r.pop[c][y-r.base])
	}
	return ix.rollUp(v)
}

// actualBand returns, for every area, the band's persons in the estimates of y.
func (ix *index) actualBand(y int, b band) (series, error) {
	est, err := ix.estimates(y)
	if err != nil {
		return nil, err
	}
	v := series{}
	for _, c := range ix.districts {
		v[c] = b.persons(est[c])
	}
	return ix.rollUp(v), nil
}

// scale returns the MASE scale of area: the mean absolute yearly change of its totals from
// 2001 to origin, NaN if any year is missing.
func (ix *index) scale(area string, origin int) float64 {
	var s []float64
	for y := 2001; y <= origin; y++ {
		t, ok := ix.total(area, y)
		if !ok {
			return math.NaN()
		}
		s = append(s, t)
	}
	return NaiveScale(s)
}

func (ix *index) row(test, area string, origin, year int, b band) Row {
	a := ix.areas[area]
	nan := math.NaN()
	return Row{Backtest: test, Area: area, AreaName: a.Name, Level: a.Level, Measure: MeasurePopulation,
		Unit: UnitPeople, Sex: "all", AgeBand: b.name, Origin: origin, Year: year, Horizon: year - origin,
		Lo: nan, Hi: nan, IntervalLevel: nan, Benchmark: nan, Scale: ix.scale(area, origin)}
}

// sortedAreas returns the codes of the areas that have a value in v, sorted.
func sortedAreas(v series) []string {
	out := make([]string, 0, len(v))
	for c := range v {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

func (ix *index) origin2011Rows(r *run) ([]Row, error) {
	var rows []Row
	all := bandNamed("all")
	for y := r.origin + 1; y <= r.last; y++ {
		ours := ix.projected(r, y, all)
		for _, c := range sortedAreas(ours) {
			act, ok := ix.total(c, y)
			if !ok {
				continue
			}
			was, ok := ix.total(c, r.origin)
			if !ok {
				continue
			}
			row := ix.row(Origin2011, c, r.origin, y, all)
			row.Actual, row.Forecast = act, ours[c]
			row.Benchmark, row.BenchmarkName = was, naiveName
			rows = append(rows, row)
		}
	}
	for _, name := range origin2011Bands {
		b := bandNamed(name)
		act, err := ix.actualBand(r.last, b)
		if err != nil {
			return nil, fmt.Errorf("back-test %s: %w", Origin2011, err)
		}
		was, err := ix.actualBand(r.base, b)
		if err != nil {
			return nil, fmt.Errorf("back-test %s: %w", Origin2011, err)
		}
		ours := ix.projected(r, r.last, b)
		for _, c := range sortedAreas(ours) {
			row := ix.row(Origin2011, c, r.origin, r.last, b)
			row.Actual, row.Forecast = act[c], ours[c]
			row.Benchmark, row.BenchmarkName = was[c], naiveName
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// benchmark returns the benchmark's persons in year y by district in force and single year of
// age, and an error if a cell cannot be placed or an age is missing for a district.
func (ix *index) benchmark(b *Benchmark, y int) (map[string]*[forecast.NumAges]float64, error) {
	inForce := map[string]bool{}
	for _, c := range ix.districts {
		inForce[c] = true
	}
	byAge := make([]series, forecast.NumAges)
	for i := range byAge {
		byAge[i] = series{}
	}
	for _, c := range b.Cells {
		if c.Year != y {
			continue
		}
		if c.Age < 0 || c.Age > forecast.OpenAge {
			return nil, fmt.Errorf("%s %s %d: age %d outside 0..%d", b.Name, c.Area, c.Year, c.Age, forecast.OpenAge)
		}
		if !(c.Persons >= 0) || math.IsInf(c.Persons, 0) {
			return nil, fmt.Errorf("%s %s %d age %d: %v persons", b.Name, c.Area, c.Year, c.Age, c.Persons)
		}
		if _, dup := byAge[c.Age][c.Area]; dup {
			return nil, fmt.Errorf("%s %s %d age %d given twice", b.Name, c.Area, c.Year, c.Age)
		}
		byAge[c.Age][c.Area] = c.Persons
	}
	out := map[string]*[forecast.NumAges]float64{}
	for x, v := range byAge {
		if len(v) == 0 {
			continue
		}
		m, err := ToSuccessors(v, b.Successors, inForce)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name, err)
		}
		for c, p := range m {
			a := out[c]
			if a == nil {
				a = new([forecast.NumAges]float64)
				for i := range a {
					a[i] = math.NaN()
				}
				out[c] = a
			}
			a[x] = p
		}
	}
	return out, nil
}

// benchBand returns the benchmark's persons of band b in each district, rolled up; districts
// without every age of the band are left out (and so are their ancestors).
func (ix *index) benchBand(bm map[string]*[forecast.NumAges]float64, b band) series {
	v := series{}
	for c, a := range bm {
		var s float64
		for x := b.from; x <= b.to; x++ {
			s += a[x]
		}
		if !math.IsNaN(s) {
			v[c] = s
		}
	}
	return ix.rollUp(v)
}

func (ix *index) contestRows(r *run, bm map[string]*[forecast.NumAges]float64, name string) ([]Row, error) {
	var rows []Row
	for _, n := range contestBands {
		b := bandNamed(n)
		act, err := ix.actualBand(r.last, b)
		if err != nil {
			return nil, fmt.Errorf("back-test %s: %w", Contest2016, err)
		}
		ours := ix.projected(r, r.last, b)
		theirs := ix.benchBand(bm, b)
		for _, c := range sortedAreas(ours) {
			row := ix.row(Contest2016, c, r.origin, r.last, b)
			row.Actual, row.Forecast = act[c], ours[c]
			if v, ok := theirs[c]; ok {
				row.Benchmark, row.BenchmarkName = v, name
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// sensitivity scores the headline under each other variant of the options.
func (ix *index) sensitivity(ctx context.Context, n *National, base, origin, last int, opt Options,
	bm, jump map[string]*[forecast.NumAges]float64, name string) ([]Sensitivity, error) {
	type variant struct {
		name, extra string
		look        bool
		opt         Options
		jump        map[string]*[forecast.NumAges]float64
	}
	var vs []variant
	for _, m := range []Mortality{MortalityTrend, MortalityLevel, MortalityPublished, MortalityFirstYear} {
		o := opt
		o.Mortality = m
		vs = append(vs, variant{name: "mortality: " + m.String(), look: m == MortalityPublished || m == MortalityFirstYear, opt: o})
	}
	for _, s := range []Shape{ShapeCohort, ShapeNational} {
		if s == opt.Shape {
			continue
		}
		o := opt
		o.Shape = s
		vs = append(vs, variant{name: "migration: " + s.String(), opt: o})
	}
	sm := opt.Smoothing
	if sm == 0 {
		sm = DefaultSmoothing
	}
	if opt.Shape == ShapeCohort {
		for _, f := range []float64{1.0 / 16, 16} {
			o := opt
			o.Smoothing = sm * f
			vs = append(vs, variant{name: fmt.Sprintf("smoothing λ = %g", o.Smoothing), opt: o})
		}
	}
	vs = append(vs, variant{name: fmt.Sprintf("restarted in %d from the benchmark's own jump-off population at the ages it publishes", origin),
		extra: fmt.Sprintf("the mid-%d single-year estimates that the benchmark starts from, outside the contest's rules", origin), opt: opt, jump: jump})
	var out []Sensitivity
	for _, v := range vs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, err := ix.project(n, base, origin, last, v.opt, v.jump)
		if err != nil {
			return nil, fmt.Errorf("sensitivity %q: %w", v.name, err)
		}
		rows, err := ix.contestRows(r, bm, name)
		if err != nil {
			return nil, err
		}
		for _, s := range Summarize(rows, ByYear) {
			if s.Key == Headline {
				if v.opt == opt && v.jump == nil {
					v.name += " (the method)"
				}
				out = append(out, Sensitivity{Name: v.name, ExtraData: v.extra, LookAhead: v.look, Scores: s.Ours})
			}
		}
	}
	return out, nil
}

func sortRows(rows []Row) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := &rows[i], &rows[j]
		ka := Key{a.Backtest, a.Level, a.Area, a.Measure, a.Sex, a.AgeBand, a.Year, a.Horizon}
		kb := Key{b.Backtest, b.Level, b.Area, b.Measure, b.Sex, b.AgeBand, b.Year, b.Horizon}
		return ka.compare(kb) < 0
	})
}

// The measure and unit of population rows, spelt as carecast's output table spells them
// (forecast.FamilyPopulation and forecast.UnitPeople on the main line).
const (
	MeasurePopulation = "population"
	UnitPeople        = "people"
)
