package forecast

import "strings"

// ResultRow is one cell of carecast's output: the tidy long table of docs/design.md §8, the
// same in every export format. Mean is the mean over Monte Carlo draws (the value itself in a
// deterministic run); P10, P50 and P90 are the run's lower, middle and upper quantiles (10th,
// 50th and 90th percentiles unless the scenario configures others; deterministic runs set all
// three equal to Mean). Sex is "female", "male" or "all"; AgeBand is a band such as "65-74",
// "85+", "65+" or "all".
type ResultRow struct {
	ScenarioID string  `json:"scenario_id,omitempty"`
	RunID      string  `json:"run_id,omitempty"`
	AreaCode   string  `json:"area_code"`
	AreaName   string  `json:"area_name"`
	Year       int     `json:"year"`
	Measure    string  `json:"measure"`
	Unit       string  `json:"unit"`
	Sex        string  `json:"sex"`
	AgeBand    string  `json:"age_band"`
	Mean       float64 `json:"mean"`
	P10        float64 `json:"p10"`
	P50        float64 `json:"p50"`
	P90        float64 `json:"p90"`
}

// Measure families. A measure's name starts with its family and a dot, e.g. "need.dementia",
// "service.home_care", "capacity.residential_beds", "workforce.home_care_fte", "cost.nursing";
// the population measure is just "population". Excel exports put one family on each sheet.
const (
	FamilyPopulation = "population"
	FamilyNeed       = "need"
	FamilyService    = "service"
	FamilyCapacity   = "capacity"
	FamilyWorkforce  = "workforce"
	FamilyCost       = "cost"
)

// Families lists the measure families in the order exports show them.
var Families = []string{FamilyPopulation, FamilyNeed, FamilyService, FamilyCapacity, FamilyWorkforce, FamilyCost}

// Family returns the family of a measure name: the text before its first dot.
func Family(measure string) string {
	f, _, _ := strings.Cut(measure, ".")
	return f
}

// IsCount reports whether a measure's unit counts people, so that disclosure control (rounding
// to 5, suppressing small numbers) applies to it.
func IsCount(unit string) bool {
	return unit == UnitPeople || unit == UnitClients || unit == UnitResidents
}

// Units of result measures.
const (
	UnitPeople        = "people"
	UnitClients       = "clients"
	UnitResidents     = "residents"
	UnitBeds          = "beds"
	UnitHoursPerWeek  = "hours per week"
	UnitFTE           = "FTE"
	UnitPoundsPerYear = "GBP per year"
)

// ResultFilter selects rows of a result table: the filter of the results API's query
// parameters, of the pages' downloads and of result files (datasets.ResultFile). Empty lists
// select everything; a row must pass every non-empty test.
type ResultFilter struct {
	// Areas are GSS area codes.
	Areas []string
	// YearFrom and YearTo bound the year, both inclusive; 0 leaves that end open.
	YearFrom, YearTo int
	// Measures are measure names. A name ending in "*" selects every measure starting with the
	// text before the star ("need.*" selects the need family, "driver.*" the drivers).
	Measures []string
	// Sexes are "female", "male" or "all".
	Sexes []string
	// AgeBands are age bands such as "65-74", "85+", "all".
	AgeBands []string
}

// Match reports whether row passes the filter.
func (f ResultFilter) Match(row ResultRow) bool {
	return MatchName(f.Areas, row.AreaCode) && MatchName(f.Measures, row.Measure) && MatchName(f.Sexes, row.Sex) &&
		MatchName(f.AgeBands, row.AgeBand) && (f.YearFrom == 0 || row.Year >= f.YearFrom) && (f.YearTo == 0 || row.Year <= f.YearTo)
}

// MatchName reports whether s passes a list of names of a filter: an empty list passes
// everything, a name ending in "*" every name with the prefix before it.
func MatchName(list []string, s string) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if p, ok := strings.CutSuffix(x, "*"); ok {
			if strings.HasPrefix(s, p) {
				return true
			}
		} else if x == s {
			return true
		}
	}
	return false
}
