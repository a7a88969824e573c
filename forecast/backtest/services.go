package backtest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

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

	// Needs holds, by measure, the prevalence by sex and single year of age of every need
	// measure that drives services for people 65+ (ServiceOptions.Drivers), each with its
	// evidence year; ages outside 65..90 are not read, and each must cover every age 65+. It
	// must hold NeedMeasure unless 65+ is driven per head (ServiceOptions.PerHead). A measure a
	// default driver names that is missing gives its share to NeedMeasure, as the engine does
	// when the data has no usable dementia rates.
	Needs map[string]NeedSchedule
	// NeedMeasure is the general need measure (the engine's services.need_measure): it drives
	// the part of each service that the drivers give to no other measure. "" is
	// forecast.DefaultNeedMeasure.
	NeedMeasure string

	Sources []string // publications of the activity, population and prevalence
	Notes   []string // how the inputs were made, where a reader should know (e.g. apportioned populations)
}

// NeedSchedule is one need measure's prevalence, by sex and single year of age (a share of
// the people of that sex and age, 0..1), from the survey of evidence year Evidence.
type NeedSchedule struct {
	Rate     [forecast.NumSexes][forecast.NumAges]float64
	Evidence int
}

// ServiceOptions are the settings of the service back-test; the zero value is the engine's
// default.
type ServiceOptions struct {
	// BaseYears is how many of the latest activity years up to the origin the base use rate
	// and its coefficient of variation are averaged over (default forecast.DefaultBaseYears).
	BaseYears int
	// PerHead drives services for people 65+ by population instead of need (Drivers are then
	// ignored).
	PerHead bool
	// Drivers link each service for people 65+ to the need measures that drive it, as the
	// engine's services.drivers do, resolved by forecast.ServicesSpec.ResolveDrivers with the
	// data's NeedMeasure: a service's forecast is Σ_i share_i × mean over the base years of
	// (users ÷ people 65+ with measure i) × people 65+ with measure i in the year. Nil is the
	// engine's default, forecast.DefaultServiceDrivers, without the drivers whose measure the
	// data lacks (a note says so).
	Drivers []forecast.ServiceDriver
}

// NeedAlone returns drivers that give every service for people 65+ to need alone: carecast's
// default before the dementia drivers.
func NeedAlone(need string) []forecast.ServiceDriver {
	out := make([]forecast.ServiceDriver, len(forecast.ServiceNames))
	for i, name := range forecast.ServiceNames {
		out[i] = forecast.ServiceDriver{Service: name, Measure: need, Share: 1}
	}
	return out
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

	// Drivers are the drivers the back-test used, resolved (forecast.ServicesSpec.ResolveDrivers):
	// for each service in forecast.ServiceNames order its measures and shares; nil per head.
	Drivers [][]forecast.ServiceDriver

	Sensitivity []ServiceSensitivity
	Options     ServiceOptions
	Notes       []string
	Sources     []string

	// History is the history back-test of 65+ service use (History), set by callers whose
	// data has an activity history; nil otherwise.
	History *HistoryReport
}

// ServiceSensitivity is the service back-test's overall scores under another setting.
type ServiceSensitivity struct {
	Name   string
	Ours   Scores // every service measure and horizon pooled
	Paired bool
	// Summaries are the variant's scores by measure and age band, horizons pooled, sorted as
	// ServiceReport.Summaries (the benchmark's are the same as the method's).
	Summaries []Summary
}

// SensitivityNeedAlone names the sensitivity that drives every service for people 65+ by need
// alone (NeedAlone), carecast's default before the dementia drivers: what the drivers are worth.
const SensitivityNeedAlone = "65+ by need alone (the old default)"

// Summary returns the variant's summary of measure and band, horizons pooled, or false.
func (v *ServiceSensitivity) Summary(measure, band string) (Summary, bool) {
	for _, s := range v.Summaries {
		if s.Key.Measure == measure && s.Key.AgeBand == band {
			return s, true
		}
	}
	return Summary{}, false
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
// BaseYears activity years up to the origin) per head (18-64), times the council's population in
// the year, and for 65+ the engine's drivers (ServiceOptions.Drivers): Σ_i share_i × the mean
// over the base years of (users ÷ people 65+ with measure i) × people 65+ with measure i in the
// year (per head with opt.PerHead) — and scores it, side by side with the naive forecast (the
// activity at the origin), against the outturn. Home-care hours a week are forecast as the
// engine does, as clients times the council's base hours per client.
//
// The population of the year is the (interpolated) estimate: the back-test measures the error
// of holding the use rate, not of projecting the population. Intervals are the engine's: the
// base rate times a normal multiplier whose standard deviation is the coefficient of variation
// of the council's yearly rates in the base years (sample, n − 1; for 65+ users over the
// drivers' people weighted by their shares), bounded to [MinServiceCV, MaxServiceCV]; with a
// single base year it is MinServiceCV.
//
// It returns an error if d has no activity, a council without population, or, unless
// opt.PerHead, no schedule for d.NeedMeasure or for a measure opt.Drivers name. It stops early
// with ctx's error if ctx is done.
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
	per := "per head"
	if !opt.PerHead {
		per = "by need: " + driversText(st.drivers, d)
	}
	rep.Drivers = st.drivers
	rep.Notes = append(rep.Notes, fmt.Sprintf(
		"%s: %d councils, activity years %d-%d (financial years); origins %d-%d; base use rate the mean of the latest %d years up to the origin, 18-64 per head, 65+ %s; populations interpolated between the councils' single-year estimates (years before the first take the first); benchmark: the activity at the origin carried forward.",
		ServicesBacktest, len(st.councils), st.years[0], st.years[len(st.years)-1], st.years[0], st.years[len(st.years)-2], opt.BaseYears, per))
	for _, n := range st.notes {
		rep.Notes = append(rep.Notes, ServicesBacktest+": "+n)
	}
	if !opt.PerHead {
		var late []string
		for _, m := range usedMeasures(st.drivers) {
			if e := d.Needs[m].Evidence; e >= st.years[0] {
				late = append(late, fmt.Sprintf("%s %d", m, e))
			}
		}
		if len(late) > 0 {
			rep.Notes = append(rep.Notes, fmt.Sprintf(
				"%s: the evidence of the need schedules (%s) is not older than the origins (%d-%d) and was published after them, a mild look-ahead: it only weights the ages within 65+ and shares each service's users among the measures (the sensitivities with 65+ per head and 65+ by need alone show what they are worth).",
				ServicesBacktest, strings.Join(late, ", "), st.years[0], st.years[len(st.years)-2]))
		}
	}
	for _, n := range d.Notes {
		rep.Notes = append(rep.Notes, ServicesBacktest+": "+n)
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf(
		"%s: MASE scale: the council's mean absolute year-on-year change of the activity up to the origin; %d of %d forecasts (%d with a look-ahead: no council had a change before the origin) use a pooled scale instead (the activity at the origin times the sum of all councils' absolute year-on-year changes over the sum of their earlier values, for the measure and age group), their council having fewer than %d changes before the origin.",
		ServicesBacktest, st.pooled, len(rows), st.lookAhead, minScaleChanges))
	alone := NeedAlone(needMeasure(d))
	for _, v := range []struct {
		name string
		o    ServiceOptions
		skip bool
	}{
		{"65+ per head", ServiceOptions{BaseYears: opt.BaseYears, PerHead: true}, opt.PerHead},
		{SensitivityNeedAlone, ServiceOptions{BaseYears: opt.BaseYears, Drivers: alone},
			opt.PerHead || sameDrivers(st.drivers, forecast.ServicesSpec{NeedMeasure: needMeasure(d)}.ResolveDrivers(alone))},
		{"base rate from the origin year alone", ServiceOptions{BaseYears: 1, PerHead: opt.PerHead, Drivers: opt.Drivers}, opt.BaseYears == 1},
	} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if v.skip {
			continue
		}
		vr, _, err := serviceRows(d, v.o)
		if err != nil {
			return nil, err
		}
		s := Summarize(serviceOnly(vr), allServices)[0]
		by := Summarize(vr, func(r *Row) Key { return ServiceKey(r.Measure, r.AgeBand, 0) })
		slices.SortStableFunc(by, func(a, b Summary) int { return compareService(a.Key, b.Key) })
		rep.Sensitivity = append(rep.Sensitivity, ServiceSensitivity{Name: v.name, Ours: s.Ours, Paired: s.Paired, Summaries: by})
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
	drivers           [][]forecast.ServiceDriver // resolved; nil per head
	notes             []string
}

// svcCell is one council's series of one measure and age group: value and denominator by year
// index (value NaN: not reported). For 65+ driven by need, den is the people 65+ with the
// drivers' measures weighted by their shares (the denominator of the yearly rate whose spread
// is the CV, as the engine's), need[i] the people 65+ with driver i's measure and share[i] its
// share.
type svcCell struct {
	v, den []float64
	need   [][]float64
	share  []float64
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
	den   map[string]map[string][]float64 // council → group ("18-64", "65+" per head) or need measure → people by year index
	rows  []Row
}

// needMeasure returns d's general need measure.
func needMeasure(d *ServiceData) string {
	return cmp.Or(d.NeedMeasure, forecast.DefaultNeedMeasure)
}

// resolveDrivers links each service for people 65+ to the need schedules that drive it, as the
// engine's plan.resolveDrivers does: opt.Drivers, or forecast.DefaultServiceDrivers without the
// drivers whose measure d has no schedule for (with a note), resolved by ResolveDrivers. It
// returns nil per head, and an error if a measure named has no schedule or a service has more
// than forecast.MaxDriversPerService drivers.
func resolveDrivers(d *ServiceData, opt ServiceOptions) ([][]forecast.ServiceDriver, []string, error) {
	if opt.PerHead {
		return nil, nil, nil
	}
	need := needMeasure(d)
	if _, ok := d.Needs[need]; !ok {
		return nil, nil, fmt.Errorf("service back-test: no need schedule for %s to drive services for 65+ (set PerHead)", need)
	}
	var notes []string
	given := opt.Drivers
	if given == nil {
		for _, dv := range forecast.DefaultServiceDrivers(need) {
			if _, ok := d.Needs[dv.Measure]; !ok {
				notes = append(notes, fmt.Sprintf("services follow %s alone: the default share of %s for %s cannot be used, as the data has no %s schedule covering 65+", need, dv.Measure, dv.Service, dv.Measure))
				continue
			}
			given = append(given, dv)
		}
	}
	out := forecast.ServicesSpec{NeedMeasure: need}.ResolveDrivers(given)
	for _, ds := range out {
		if len(ds) > forecast.MaxDriversPerService {
			return nil, nil, fmt.Errorf("service back-test: %s has more than %d driving measures", ds[0].Service, forecast.MaxDriversPerService)
		}
		for _, dv := range ds {
			if _, ok := d.Needs[dv.Measure]; !ok {
				return nil, nil, fmt.Errorf("service back-test: %s is driven by %q, which has no need schedule", dv.Service, dv.Measure)
			}
		}
	}
	return out, notes, nil
}

// sameDrivers reports whether two resolved sets of drivers are the same.
func sameDrivers(a, b [][]forecast.ServiceDriver) bool {
	return slices.EqualFunc(a, b, func(x, y []forecast.ServiceDriver) bool { return slices.Equal(x, y) })
}

// usedMeasures returns the measures the resolved drivers use, sorted.
func usedMeasures(drivers [][]forecast.ServiceDriver) []string {
	var out []string
	for _, ds := range drivers {
		for _, dv := range ds {
			out = append(out, dv.Measure)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// driversText describes resolved drivers: "residential, nursing 70% dementia + 30%
// adl_need_help; home care … (evidence adl_need_help 2013, dementia 2011)", services with the same
// drivers in a row together; without the evidence when d is nil.
func driversText(drivers [][]forecast.ServiceDriver, d *ServiceData) string {
	var parts []string
	var names []string
	var last string
	for i, ds := range drivers {
		var ms []string
		for _, dv := range ds {
			ms = append(ms, fmt.Sprintf("%g%% %s", math.Round(1000*dv.Share)/10, dv.Measure))
		}
		txt := strings.Join(ms, " + ")
		if i > 0 && txt != last {
			parts = append(parts, strings.Join(names, ", ")+" "+last)
			names = nil
		}
		names, last = append(names, strings.ReplaceAll(forecast.ServiceNames[i], "_", " ")), txt
	}
	if len(names) > 0 {
		parts = append(parts, strings.Join(names, ", ")+" "+last)
	}
	if d == nil {
		return strings.Join(parts, "; ")
	}
	var ev []string
	for _, m := range usedMeasures(drivers) {
		ev = append(ev, fmt.Sprintf("%s %d", m, d.Needs[m].Evidence))
	}
	return strings.Join(parts, "; ") + " (evidence " + strings.Join(ev, ", ") + ")"
}

func serviceRows(d *ServiceData, opt ServiceOptions) ([]Row, svcStats, error) {
	drivers, notes, err := resolveDrivers(d, opt)
	if err != nil {
		return nil, svcStats{}, err
	}
	r := &svcRun{d: d, opt: opt, names: map[string]string{}, val: map[actKey]float64{}}
	r.st.drivers, r.st.notes = drivers, notes
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
	measures := usedMeasures(r.st.drivers)
	ny := len(r.st.years)
	r.den = map[string]map[string][]float64{}
	for _, c := range r.st.councils {
		est := d.Population[c]
		if len(est) == 0 {
			return fmt.Errorf("service back-test: no population for council %s", c)
		}
		w, o := make([]float64, ny), make([]float64, ny)
		need := make([][]float64, len(measures))
		for j := range need {
			need[j] = make([]float64, ny)
		}
		for i, y := range r.st.years {
			p := interpolate(est, y)
			for s := range p {
				for x := 18; x <= 64; x++ {
					w[i] += p[s][x]
				}
				for x := 65; x <= forecast.OpenAge; x++ {
					o[i] += p[s][x]
					for j, m := range measures {
						need[j][i] += p[s][x] * d.Needs[m].Rate[s][x]
					}
				}
			}
		}
		r.den[c] = map[string][]float64{"18-64": w, "65+": o}
		for j, m := range measures {
			r.den[c]["need."+m] = need[j]
		}
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
	if k := slices.Index(forecast.ServiceNames, def.service); band == "65+" && r.st.drivers != nil && k >= 0 {
		// As the engine: the yearly rate's denominator is the drivers' people weighted by
		// their shares.
		cell.den = make([]float64, len(r.st.years))
		for _, dv := range r.st.drivers[k] {
			n := r.den[c]["need."+dv.Measure]
			for i := range cell.den {
				cell.den[i] += dv.Share * n[i]
			}
			cell.need, cell.share = append(cell.need, n), append(cell.share, dv.Share)
		}
	}
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
			rate := baseRate(cell, r.base(o))
			if math.IsNaN(rate.u) {
				continue
			}
			cv := rate.cv
			scale, pooled := r.scale(cell.v, o, rel)
			for t := o + 1; t < ny; t++ {
				if math.IsNaN(cell.v[t]) {
					continue
				}
				row := r.newRow(c, def.measure, def.unit, band, o, t)
				row.Actual, row.Forecast, row.Benchmark, row.Scale = cell.v[t], rate.at(cell, t), cell.v[o], scale
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
			rw, ro := baseRate(w, r.base(o)), baseRate(old, r.base(o))
			cvw, cvo := rw.cv, ro.cv
			var sumH, sumC float64
			for _, i := range r.base(o) {
				if !math.IsNaN(h.v[i]) && !math.IsNaN(w.v[i]) && !math.IsNaN(old.v[i]) {
					sumH += h.v[i]
					sumC += w.v[i] + old.v[i]
				}
			}
			if math.IsNaN(rw.u) || math.IsNaN(ro.u) || sumC == 0 {
				continue
			}
			per := sumH / sumC
			scale, pooled := r.scale(h.v, o, rel)
			for t := o + 1; t < ny; t++ {
				if math.IsNaN(h.v[t]) {
					continue
				}
				fw, fo := rw.at(w, t), ro.at(old, t)
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

// svcRate is a cell's base use rate: per unit of den, or for 65+ driven by need per driver
// (per[i] users per person with driver i's measure).
type svcRate struct {
	u, cv float64
	per   []float64
}

// at returns the forecast of cell c in year index t: the rate times the denominator, or for
// 65+ driven by need Σ_i per[i] × need_i(t), as the engine's chain computes it.
func (r svcRate) at(c svcCell, t int) float64 {
	if c.need == nil {
		return r.u * c.den[t]
	}
	x := 0.0
	for i, n := range c.need {
		x += r.per[i] * n[t]
	}
	return x
}

// baseRate returns the mean of the cell's yearly use rates (value ÷ denominator) over the
// base years it has, and their coefficient of variation as the engine computes it: the sample
// standard deviation over the mean, within [MinServiceCV, MaxServiceCV]; MinServiceCV with a
// single year. For 65+ driven by need, per[i] is the mean over those years of driver i's share
// of the users over the people with its measure, a measure nobody has in a year giving its
// share to the others (the engine's pooled). The rate u is NaN if no base year has a value and
// a positive denominator.
func baseRate(c svcCell, base []int) svcRate {
	var sum, sum2 float64
	per := make([]float64, len(c.need))
	n := 0
	for _, i := range base {
		if math.IsNaN(c.v[i]) || !(c.den[i] > 0) {
			continue
		}
		u := c.v[i] / c.den[i]
		sum += u
		sum2 += u * u
		n++
		shared := 0.0
		for j, dn := range c.need {
			if dn[i] > 0 {
				shared += c.share[j]
			}
		}
		for j, dn := range c.need {
			if dn[i] > 0 {
				per[j] += c.share[j] / shared * c.v[i] / dn[i]
			}
		}
	}
	if n == 0 {
		return svcRate{u: math.NaN()}
	}
	r := svcRate{u: sum / float64(n), cv: MinServiceCV}
	if n > 1 && r.u > 0 {
		sd := math.Sqrt(max(sum2/float64(n)-r.u*r.u, 0) * float64(n) / float64(n-1))
		r.cv = min(max(sd/r.u, MinServiceCV), MaxServiceCV)
	}
	if c.need != nil {
		r.per = per
		for j := range per {
			per[j] /= float64(n)
		}
	}
	return r
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
