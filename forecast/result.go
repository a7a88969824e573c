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

// The care-home market: the engine's measures of the whole care-home market of an area, not
// only the places its council funds (docs/design.md §4, step 4). They are in the capacity
// family and are reported only when the data gives supply (CQC care home beds), for every
// area whose council has beds in the data; all four are for ages 18+ and sex "all".
//
// The residents not funded by their council are estimated once, for each council, in the
// latest year of the activity that measures residential and nursing care (SALT 2021-22 in
// the default data: clients of long-term support at 31 March 2022):
//
//	not council funded = max(0, beds × occupancy − council-supported residents)
//
// with beds the council's CQC registered care home beds of that year or before (residential
// and nursing homes, all ages and client groups: 1 February 2021 in the default data),
// occupancy the scenario's (Capacity.Occupancy, default 0.92), and the council-supported
// residents its residential and nursing clients, 18-64 and 65+, as the projection has them in
// that year (the activity itself where the council reported every cell; the wider pooled rate
// for a cell suppressed as 0-4, or for a council that submitted nothing, such as Hackney in
// SALT 2021-22). That remainder is not
// self-funders alone: it holds every resident funded by neither the council nor themselves —
// NHS continuing healthcare, placements by other councils (net of the council's own placements
// outside its area) — and any error in the occupancy assumed. Residents who pay the council
// the full cost of care it arranges (SALT T40) are among its supported clients and are not
// taken off again. Where the council supports at least as many residents as its occupied beds
// (inner London, whose residents live in homes elsewhere), the estimate is 0, and so is the
// share: the whole market is the council's own residents.
//
// The estimate gives the council's share s = not council funded ÷ (not council funded +
// council-supported), which holds in every year unless a not_council_funded_share lever moves
// it: in year t the residents not funded by their council are s/(1 − s) times the council's
// care-home residents as projected from population and need (before the council's own
// service levers — trends, eligibility, admission avoidance and the shift to home care — which
// change the places it funds, not the rest of the market). A district of a two-tier county
// takes its county's share.
const (
	// MeasureNotCouncilFunded is the care-home residents not funded by their council
	// (residents): self-funders, NHS-funded residents and other councils' placements.
	MeasureNotCouncilFunded = "capacity.care_home_residents_not_council_funded"
	// MeasureWholeMarketResidents is every care-home resident of the area (residents): the
	// council-supported residential and nursing residents plus MeasureNotCouncilFunded.
	MeasureWholeMarketResidents = "capacity.care_home_residents_whole_market"
	// MeasureWholeMarketBeds is the care-home beds the whole market needs (beds):
	// MeasureWholeMarketResidents ÷ occupancy.
	MeasureWholeMarketBeds = "capacity.care_home_beds_whole_market"
	// MeasureWholeMarketBedsGap is MeasureWholeMarketBeds minus the CQC care home beds in place
	// (residential and nursing homes), for areas with supply of their own (councils, and
	// regions and England as sums of their councils'; not a county's districts).
	MeasureWholeMarketBedsGap = MeasureWholeMarketBeds + "_gap"
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
