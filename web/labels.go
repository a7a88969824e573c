package web

import (
	"fmt"
	"math"
	"strings"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/web/chart"
)

// measureInfo says how people see a measure: a label and the unit as words.
type measureInfo struct {
	Label string
	Short string
}

// measureLabels names the measures people see most; others get a label made from the name.
var measureLabels = map[string]measureInfo{
	"population":                          {"Population", "Population"},
	"need.adl_need_help":                  {"People who need help with at least one self-care task (washing, dressing, eating, as the Health Survey for England asks)", "Need help with self-care"},
	"need.dementia":                       {"People with dementia", "Dementia"},
	"need.iadl_need_help":                 {"People who need help with at least one daily task at home (shopping, housework, paperwork)", "Need help with daily tasks"},
	"need.adl_received_help":              {"People who need help with self-care and received help with at least one such task in the last month (part of those who need help)", "Received help with self-care"},
	"need.adl_unmet_need":                 {"People with some unmet need for help with self-care, including people who receive some help (part of those who need help; overlaps help received)", "Some unmet self-care need, incl. some help received"},
	"need.iadl_received_help":             {"People who need help with daily tasks and received help with at least one in the last month (part of those who need help)", "Received help with daily tasks"},
	"need.iadl_unmet_need":                {"People with some unmet need for help with daily tasks, including people who receive some help (part of those who need help; overlaps help received)", "Some unmet need, daily tasks, incl. some help received"},
	"need.adl_or_iadl_need_help":          {"People who need help with self-care or daily tasks", "Need help (self-care or daily tasks)"},
	"need.two_or_more_adl_iadl_need_help": {"People who need help with two or more tasks", "Need help with 2+ tasks"},
	"service.residential":                 {"People in residential care homes supported by the council", "Residential care"},
	"service.nursing":                     {"People in nursing homes supported by the council", "Nursing care"},
	"service.home_care":                   {"People receiving home care", "Home care"},
	"service.direct_payments":             {"People receiving direct payments", "Direct payments"},
	"service.day_care":                    {"People attending day care", "Day care"},
	"service.meals":                       {"People receiving meals", "Meals"},
	"capacity.residential_beds":           {"Residential care home beds needed", "Residential beds"},
	"capacity.nursing_beds":               {"Nursing home beds needed", "Nursing beds"},
	"capacity.home_care_hours":            {"Home-care hours needed a week", "Home-care hours a week"},
	forecast.MeasureNotCouncilFunded: {"Care-home residents not funded by the council: self-funders, and also NHS-funded residents and other councils' placements, " +
		"estimated from CQC beds at the stated occupancy less the residents the council supports", "Care-home residents not council-funded"},
	forecast.MeasureWholeMarketResidents: {"All care-home residents in the area, council-supported and not (the whole market)", "Care-home residents, whole market"},
	forecast.MeasureWholeMarketBeds:      {"Care-home beds the whole market needs: all its residents ÷ occupancy", "Care-home beds, whole market"},
	forecast.MeasureWholeMarketBedsGap:   {"Care-home beds the whole market needs, less the beds in place (CQC's, or the scenario's own)", "Care-home bed gap, whole market"},
	"capacity.residential_beds_gap":      {"Residential care home beds the council's residents need, less the beds in place (CQC's, or the scenario's own)", "Residential bed gap"},
	"capacity.nursing_beds_gap":          {"Nursing home beds the council's residents need, less the beds in place (CQC's, or the scenario's own)", "Nursing bed gap"},
	"capacity.home_care_hours_gap":       {"Home-care hours a week the council's residents need, less the hours the scenario says are in place", "Home-care hours gap"},
	"workforce.total_fte_gap":            {"Care staff (FTE) needed, less the staff in place", "Care staff gap (FTE)"},
	"workforce.residential_fte":          {"Care staff in residential homes (full-time equivalent)", "Residential care staff (FTE)"},
	"workforce.nursing_fte":              {"Care and nursing staff in nursing homes (full-time equivalent)", "Nursing home staff (FTE)"},
	"workforce.home_care_fte":            {"Home-care workers (full-time equivalent)", "Home-care workers (FTE)"},
	"workforce.total_fte":                {"All care staff (full-time equivalent)", "All care staff (FTE)"},
	"cost.residential":                   {"Cost of residential care a year", "Residential care cost"},
	"cost.nursing":                       {"Cost of nursing care a year", "Nursing care cost"},
	"cost.home_care":                     {"Cost of home care a year", "Home care cost"},
	"cost.direct_payments":               {"Cost of direct payments a year", "Direct payments cost"},
	"cost.day_care":                      {"Cost of day care a year", "Day care cost"},
	"cost.meals":                         {"Cost of meals a year", "Meals cost"},
	"cost.total":                         {"Total cost of care a year", "Total cost"},
}

// label returns a measure's long label.
func label(measure string) string {
	if m, ok := measureLabels[measure]; ok {
		return m.Label
	}
	return humanise(measure)
}

// shortLabel returns a measure's short label.
func shortLabel(measure string) string {
	if m, ok := measureLabels[measure]; ok {
		return m.Short
	}
	return humanise(measure)
}

func humanise(measure string) string {
	_, rest, ok := strings.Cut(measure, ".")
	if !ok {
		rest = measure
	}
	s := strings.ReplaceAll(rest, "_", " ")
	s = strings.ReplaceAll(s, ".", " – ")
	if s == "" {
		return measure
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// isMoney reports whether a unit is pounds.
func isMoney(unit string) bool {
	return strings.HasPrefix(unit, forecast.UnitPoundsPerYear) || strings.HasPrefix(unit, "GBP")
}

// unitWords writes a unit for people: "GBP per year, real 2022-23 prices" becomes
// "£ a year, 2022-23 prices".
func unitWords(unit string) string {
	if isMoney(unit) {
		_, rest, _ := strings.Cut(unit, ",")
		rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "real "))
		if rest == "" {
			return "£ a year"
		}
		if rest == "cash" {
			return "£ a year, cash terms"
		}
		return "£ a year, " + rest
	}
	if unit == forecast.UnitHoursPerWeek {
		return "hours a week"
	}
	return unit
}

// value formats a number in a unit: money as £ with millions, others as whole numbers.
func value(v float64, unit string) string {
	if math.IsNaN(v) {
		return "–"
	}
	if isMoney(unit) {
		return money(v)
	}
	return chart.Number(v)
}

// money formats pounds: £1.2bn, £193.7m, £45,000.
func money(v float64) string {
	sign := ""
	if v < 0 {
		sign, v = "−", -v
	}
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%s£%.2fbn", sign, v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%s£%.1fm", sign, v/1e6)
	}
	return sign + "£" + chart.Number(v)
}

// signedValue formats a change: +1,234 or −£1.2m.
func signedValue(v float64, unit string) string {
	if isMoney(unit) {
		if v >= 0 {
			return "+" + money(v)
		}
		return money(v)
	}
	return chart.Signed(v)
}

// pct formats the change from a to b as a percentage: +12.3%.
func pct(a, b float64) string {
	if a == 0 || math.IsNaN(a) || math.IsNaN(b) {
		return "–"
	}
	p := (b - a) / a * 100
	s := fmt.Sprintf("%+.1f%%", p)
	if s == "+0.0%" || s == "-0.0%" {
		return "0.0%"
	}
	return strings.Replace(s, "-", "−", 1)
}

// headlineBand is the band a measure is reported in when one number stands for it: all ages
// for population, 18+ for services and what follows them, the measure's widest band for need.
func headlineBand(measure string, bands []string) string {
	pref := []string{"18+", "65+", "all"}
	if measure == forecast.FamilyPopulation {
		pref = []string{"all"}
	}
	for _, p := range pref {
		for _, b := range bands {
			if b == p {
				return b
			}
		}
	}
	if len(bands) > 0 {
		return bands[len(bands)-1]
	}
	return "all"
}

// leverNames names lever types for people.
var leverNames = map[string]string{
	forecast.LeverPrevalenceTrend:      "Prevalence trend",
	forecast.LeverMorbidityCompression: "Compression of morbidity",
	forecast.LeverMortalityImprovement: "Mortality improvement",
	forecast.LeverMigration:            "Migration change",
	forecast.LeverDwellings:            "New homes",
	forecast.LeverServiceTrend:         "Service use trend",
	forecast.LeverShiftToHomeCare:      "Shift from residential care to home care",
	forecast.LeverAdmissionAvoidance:   "Care-home admission avoidance",
	forecast.LeverEligibility:          "Eligibility change",
	forecast.LeverUnitCostGrowth:       "Unit-cost growth",
	forecast.LeverNotCouncilFunded:     "Share of care-home residents not funded by the council",
}

// leverTitle names one lever of a scenario for people: its label, else its type (and measure
// or service).
func leverTitle(l forecast.LeverSpec) string {
	if l.Label != "" {
		return l.Label
	}
	n := leverNames[l.Type]
	if n == "" {
		n = humanise(l.Type)
	}
	if l.Measure != "" {
		n += " (" + shortLabel("need."+l.Measure) + ")"
	}
	if l.Service != "" {
		n += " (" + strings.ReplaceAll(l.Service, "_", " ") + ")"
	}
	return n
}

// areaTypeNames names area types for people.
var areaTypeNames = map[string]string{
	"country":                   "Country",
	"region":                    "Region",
	"county":                    "County council",
	"unitary":                   "Unitary authority",
	"metropolitan_district":     "Metropolitan borough",
	"london_borough":            "London borough",
	"non_metropolitan_district": "District (social care is run by its county)",
}
