package engine

import (
	"math"
	"slices"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// Inputs is everything the engine reads, as plain values: package datasets builds it from the
// canonical datasets. Inputs are never modified by the engine.
type Inputs struct {
	// Areas is the areas table: the hierarchy and the areas that ended.
	Areas []forecast.AreaInfo
	// Estimates holds single-year mid-year estimates by area code and year.
	Estimates map[string]map[int]*population.Pop90
	// Projections holds supplied projections (e.g. ONS's national projection) by variant, area
	// code and year.
	Projections map[string]map[string]map[int]*population.Pop90
	// LazyProjections are supplied projections read when first asked for (the engine keeps what they
	// return), by variant: for a variant also in Projections, the union of both, these winning
	// where both have an area's year.
	LazyProjections map[string]func() (map[string]map[int]*population.Pop90, error)
	// National is the code of the area the national rates describe (E92000001 England).
	National string
	// RatesFirst is the year of Rates[0]: Rates[i] covers mid-year RatesFirst+i to the next.
	RatesFirst int
	Rates      []population.Rates
	// InMigration is England's in-migration by sex and age at moving in the first rates year,
	// the default age profile of residents of new homes.
	InMigration population.Pop90
	// Oldest is the national single-year structure of the oldest ages (90..105+) by year, used
	// to split an open 90+ group.
	Oldest map[int]*population.Pop
	// E65 is period life expectancy at 65 by sex and year (past and projected).
	E65 map[int][forecast.NumSexes]float64
	// Prevalence lists need rates by measure, sex, age band and evidence year.
	Prevalence []PrevalenceRate
	// OptIn names the prevalence measures a run includes only when its scenario names them in
	// its prevalence list (the POPPI and PANSI topics); every other measure is in every run.
	OptIn map[string]bool
	// Activity lists councils' service use.
	Activity []Activity
	// UseTrends, when not nil, move councils' use rates of services by people 65+ with their
	// trends (the method the history back-test chose: forecast/backtest.History), unless the
	// scenario's services.use_trend is "none".
	UseTrends *UseTrends
	// UnitCosts lists councils' unit costs (overriding the illustrative defaults; a cost set in
	// the scenario overrides both).
	UnitCosts []UnitCost
	// PriceIndex, if not nil, restates UnitCosts given at another price base at the scenario's.
	PriceIndex *PriceIndex
	// Supply lists capacity in place.
	Supply []SupplyRow
	// Datasets names each dataset used, with its content hash, for provenance.
	Datasets []DatasetRef
	// DescribeData, if not nil, names the data each part of a run rests on, from the run's
	// provenance (which years of which publication: "service use: PSS-EX1 2011-12 to
	// 2013-14"); the run records its answer as Provenance.DataYears. The engine does not know
	// the data's publications, the caller that built the inputs does (package datasets).
	DescribeData func(Provenance) []DataYear
	// Uncertainty, if not nil, returns the empirical error models that widen Monte Carlo
	// ranges (see ErrorModels); it is called once, on the first run with draws.
	Uncertainty func() (*ErrorModels, error)
}

// ErrorModels are empirical error models fitted on carecast's own back-tests (package
// forecast/backtest), used by Monte Carlo runs:
//   - Population: the log error of a district's population in an age band h years after its
//     base-year estimate has spread (h/PopRef)^PopPower times the band's spread at PopRef,
//     split into a part shared by every district (National) and the district's own (Local);
//     each draw takes one shared normal deviate and one per district, the same for every year
//     and age.
//   - Services: a council's use multiplier has standard deviation √(cv² + τ²·h^ServicePower) at
//     horizon h, with τ per service and age group (ServiceTau, keyed "service.<name>|<band>",
//     band "18-64" or "65+"); one normal deviate per council, service and group, the same for
//     every year.
type ErrorModels struct {
	PopBands     []PopBandError
	PopRef       int
	PopPower     float64
	ServiceTau   map[string]float64
	ServicePower float64
	Source       string
}

// PopBandError is the spread of the log error of district populations aged From..To at the
// reference horizon, shared (National) and district-specific (Local).
type PopBandError struct {
	From, To        int
	National, Local float64
}

// PrevalenceRate is the share of people of a sex (Female, Male, or -1 for both) aged
// AgeFrom..AgeTo with a need; Lo and Hi bound its 95% interval (NaN when not published).
type PrevalenceRate struct {
	Measure      string
	Sex          int
	AgeFrom      int
	AgeTo        int
	Rate, Lo, Hi float64
	EvidenceYear int
	Source       string
}

// Activity is a council's use of a service by people aged AgeFrom..AgeTo in the financial
// year starting in Year: Measure is "clients" (at 31 March), "weeks" or "hours" (in the year).
type Activity struct {
	Area           string
	Year           int
	Service        string
	AgeFrom, AgeTo int
	Measure        string
	Value          float64
}

// UnitCost is an area's cost of one Unit of Service in a year, at PriceBase prices (a
// financial year, "2021-22"); Source says where it comes from, for the run's provenance.
type UnitCost struct {
	Area, Service, Unit, PriceBase string
	Year                           int
	Cost                           float64
	Source                         string
}

// PriceIndex is an index of care costs by financial year (keyed by its starting year): a cost
// at year a's prices is Level[b]/Level[a] times as much at year b's.
type PriceIndex struct {
	Name  string // e.g. "PSS pay & prices index"
	Level map[int]float64
}

// SupplyRow is an area's capacity of a service in a year (Unit "beds", "hours_per_week" or
// "staff_fte").
type SupplyRow struct {
	Area, Service, Unit string
	Year                int
	Capacity            float64
}

// DatasetRef identifies a dataset used by a run.
type DatasetRef struct {
	Kind, File, ContentHash string
	Sources                 []string
}

// Area returns the area with the given code, or nil.
func (in *Inputs) Area(code string) *forecast.AreaInfo {
	for i := range in.Areas {
		if in.Areas[i].Code == code {
			return &in.Areas[i]
		}
	}
	return nil
}

// ProjectionVariants lists the variants of the supplied projections, sorted (see
// forecast.VariantCatalog).
func (in *Inputs) ProjectionVariants() []string {
	out := make([]string, 0, len(in.Projections)+len(in.LazyProjections))
	for v := range in.Projections {
		out = append(out, v)
	}
	for v := range in.LazyProjections {
		if in.Projections[v] == nil {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// BaseYears lists the years in which every district in force has a single-year estimate.
func (in *Inputs) BaseYears() []int {
	count := map[int]int{}
	districts := 0
	for i := range in.Areas {
		a := &in.Areas[i]
		if !a.IsDistrict() || a.ValidTo != "" {
			continue
		}
		districts++
		for y := range in.Estimates[a.Code] {
			count[y]++
		}
	}
	var out []int
	for y, n := range count {
		if n == districts {
			out = append(out, y)
		}
	}
	slices.Sort(out)
	return out
}

// LastRateYear is the last year the national rates cover (the period from it to the next).
func (in *Inputs) LastRateYear() int { return in.RatesFirst + len(in.Rates) - 1 }

// PrevalenceMeasures maps each need measure to its evidence years, ascending.
func (in *Inputs) PrevalenceMeasures() map[string][]int {
	out := map[string][]int{}
	for _, p := range in.Prevalence {
		if !slices.Contains(out[p.Measure], p.EvidenceYear) {
			out[p.Measure] = append(out[p.Measure], p.EvidenceYear)
		}
	}
	for _, ys := range out {
		slices.Sort(ys)
	}
	return out
}

// UseTrends are councils' trends in their use rates of services by people 65+: in year y the
// engine multiplies a council's 65+ use rate of a service by exp(b × Σ_{j=1..h} φ^j), with h =
// min(y − max(From, the run's base year), Years) (no change up to the base year) and b the council's Annual trend of the service,
// else the service's National one, φ the service's Damping (1 when absent). After Years the rate
// is held: the back-test scored horizons up to Years, and nothing says a trend lasts longer.
type UseTrends struct {
	Annual   map[string]map[string]float64 // council code → service → log change a year
	National map[string]float64            // service → log change a year
	Damping  map[string]float64            // service → φ
	From     int                           // the year of the base use rates
	Years    int
	Source   string // for the run's provenance
}

// Factor returns the multiplier of council's use rate of service in year.
func (u *UseTrends) Factor(council, service string, year int) float64 {
	h := min(year-u.From, u.Years)
	if h <= 0 {
		return 1
	}
	b, ok := u.Annual[council][service]
	if !ok {
		if b, ok = u.National[service]; !ok {
			return 1
		}
	}
	phi := 1.0
	if v, ok := u.Damping[service]; ok && v > 0 {
		phi = v
	}
	years, p := 0.0, 1.0
	for range h {
		p *= phi
		years += p
	}
	return math.Exp(b * years)
}
