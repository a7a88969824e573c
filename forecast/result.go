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
