package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// slot is one lever the scenario form offers.
type slot struct {
	Key     string // form field prefix
	Type    string // forecast lever type
	Measure string // need measure (prevalence trends)
	// Services, when set, makes the form ask which service the lever is about (service_trend).
	Services bool
	// Measures, when set, makes the form ask which need measure the lever is about
	// (prevalence_trend, for the measures without a lever of their own).
	Measures bool
	Title    string
	Help     string
	Unit     string // shown after the value
	Min      string
	Max      string
	Step     string
	Example  string
}

// slots are the levers of the scenario form, in the order shown.
var slots = []slot{
	{Key: "shift", Type: forecast.LeverShiftToHomeCare, Title: "Shift residential care to home care",
		Help: "The share of people in residential care homes (not nursing homes) who are supported at home instead, each as one home-care client.",
		Unit: "%", Min: "0", Max: "100", Step: "any", Example: "10"},
	{Key: "avoid", Type: forecast.LeverAdmissionAvoidance, Title: "Avoid care-home admissions",
		Help: "Fewer people in residential and nursing homes, for example through reablement or falls prevention.",
		Unit: "% fewer residents", Min: "0", Max: "100", Step: "any", Example: "5"},
	{Key: "market", Type: forecast.LeverNotCouncilFunded, Title: "Share of care-home residents not funded by the council",
		Help: "Self-funders (and NHS-funded residents and other councils' placements) as a share of all care-home residents. carecast estimates each council's from its CQC beds at the stated occupancy less the residents it supports; set, say, 0.3 to see the whole market if self-funders fall to 30%. It changes the whole-market beds only, never the council's own.",
		Unit: "of all residents (0 to 0.95)", Min: "0", Max: "0.95", Step: "any", Example: "0.3"},
	{Key: "adl", Type: forecast.LeverPrevalenceTrend, Measure: "adl_need_help", Title: "Trend in needing help with self-care",
		Help: "How fast the share of older people who cannot manage self-care changes each year. Negative: healthier ageing.",
		Unit: "% a year", Min: "-20", Max: "20", Step: "any", Example: "-0.5"},
	{Key: "dementia", Type: forecast.LeverPrevalenceTrend, Measure: "dementia", Title: "Trend in dementia prevalence",
		Help: "How fast age-specific dementia prevalence changes each year. Studies have found it falling by about 1–2% a year.",
		Unit: "% a year", Min: "-20", Max: "20", Step: "any", Example: "-1"},
	{Key: "morbidity", Type: forecast.LeverMorbidityCompression, Title: "Compression of morbidity",
		Help: "The share of the gain in life expectancy at 65 since the base year by which the need curve moves to older ages: 0 keeps need by age as it is, 1 moves it by the whole gain (people live longer and healthier).",
		Unit: "of the life-expectancy gain (0 to 1)", Min: "0", Max: "1", Step: "any", Example: "0.5"},
	{Key: "mortality", Type: forecast.LeverMortalityImprovement, Title: "Extra mortality improvement",
		Help: "An extra change in death rates each year, on top of ONS's assumptions. Negative: people die later (death rates fall faster), so there are more older people.",
		Unit: "% a year", Min: "-20", Max: "20", Step: "any", Example: "-0.5"},
	{Key: "migration", Type: forecast.LeverMigration, Title: "Change in net migration",
		Help: "Net migration into the area above or below the trend: −100 removes it, 50 makes it one and a half times as large.",
		Unit: "% change", Min: "-100", Max: "500", Step: "any", Example: "-20"},
	{Key: "svctrend", Type: forecast.LeverServiceTrend, Services: true, Title: "Trend in the use of a service",
		Help: "How fast the share of people using one service changes each year, beyond what population and need give, for example fewer day-care places or more direct payments.",
		Unit: "% a year", Min: "-20", Max: "20", Step: "any", Example: "-2"},
	{Key: "eligibility", Type: forecast.LeverEligibility, Title: "Change in eligibility",
		Help: "A change in how many people qualify for council-supported care, applied to every service's use: 10 means 10% more users, −10 10% fewer.",
		Unit: "% change in every service's use", Min: "-100", Max: "200", Step: "any", Example: "-5"},
	{Key: "prevalence", Type: forecast.LeverPrevalenceTrend, Measures: true, Title: "Trend in the prevalence of another need",
		Help: "How fast the age-specific prevalence of the need measure chosen changes each year.",
		Unit: "% a year", Min: "-20", Max: "20", Step: "any", Example: "-0.5"},
	{Key: "homes", Type: forecast.LeverDwellings, Title: "Extra new homes",
		Help: "Homes built over the years below beyond those in the population trend, each bringing new residents.",
		Unit: "homes", Min: "0", Max: "1000000", Step: "1", Example: "4000"},
	{Key: "cost", Type: forecast.LeverUnitCostGrowth, Title: "Unit-cost path",
		Help: "Growth in the cost of care above general inflation each year, for example wages rising faster than prices.",
		Unit: "% a year above inflation", Min: "-20", Max: "20", Step: "any", Example: "1.5"},
}

// profiles are the lever time profiles for people.
var profiles = []struct{ Value, Label string }{
	{"linear", "Linear: the same step each year"},
	{"step", "Step: all at once in the first year"},
	{"front_loaded", "Front-loaded: most of it early"},
	{"back_loaded", "Back-loaded: most of it late"},
}

// EndLabel is the label of the end year: for an annual rate the profile shapes the rate, so
// the end year is when the rate, not the effect, is reached in full.
func (lf leverField) EndLabel() string {
	if forecast.IsAnnualRate(lf.Type) {
		return "Rate reached in full by"
	}
	return "Full effect by"
}

// AnnualRate reports whether the lever's value is an annual rate that compounds.
func (lf leverField) AnnualRate() bool { return forecast.IsAnnualRate(lf.Type) }

// Timing describes the lever's range and timing in words, for the summary that opens them.
func (lf leverField) Timing() string {
	t := "from " + lf.Start + ", " + strings.ToLower(lf.EndLabel()) + " " + lf.End + ", " + strings.ReplaceAll(lf.Profile, "_", "-")
	if lf.Low != "" && lf.High != "" {
		t += ", 80% range " + lf.Low + " to " + lf.High
	}
	return t
}

// leverField is one slot as the form shows it, with what was typed.
type leverField struct {
	slot
	Value, Low, High, Start, End, Profile string
	PersonsPerHome, AgeProfile            string
	Service                               string // the service of a service_trend
	Open                                  bool
	// Effect is the cumulative effect an annual-rate lever implies in the years the pages
	// report ("≈ −3.1% by 2035, −10.5% by 2045"), or "" (see leverEffect).
	Effect string
}

// scenarioForm is the scenario builder's state.
type scenarioForm struct {
	ID          string
	Version     int
	Name        string
	Description string
	Area        string // the scenario's first area, the one its assumptions are about
	// MoreAreas are the other areas the scenario reports, as typed: names or GSS codes,
	// separated by commas (areaRefs).
	MoreAreas string
	// Districts asks for the districts under each area as well (forecast.Scenario.Districts).
	Districts bool
	BaseYear  int
	Horizon   int
	Draws     int
	Seed      int64
	Levers    []leverField
	Data      map[string]string // dataset kind → the upload chosen (forecast.Scenario.Datasets)
	Extra     []string          // levers the form cannot show, kept as they are
	extra     []forecast.LeverSpec
	doc       forecast.Scenario // the stored document being edited
	// AutoName is the name the form made from the area and levers when the planner gave none
	// (autoName), sent back with the form: a name still equal to it is made again from the
	// values sent, so that it follows corrections.
	AutoName string
	Errors   map[string]string
	Summary  []fieldProblem
	// Assume holds the values of "Your assumptions" as sent or stored, by form field; a
	// field not in it shows the data's value (assumptionsOf).
	Assume     map[string]string
	costFrom   []string // the form field of each of the document's unit costs
	supplyFrom []string // the form field of each of the document's supply entries ("" if none)
}

type fieldProblem struct {
	Field, Message string
}

// effects fills each lever's Effect from what the form holds, when it reads as a valid lever.
func (f *scenarioForm) effects() {
	for i := range f.Levers {
		lf := &f.Levers[i]
		lf.Effect = ""
		v, err1 := strconv.ParseFloat(strings.TrimSuffix(strings.ReplaceAll(lf.Value, ",", ""), "%"), 64)
		start, err2 := strconv.Atoi(lf.Start)
		end, err3 := strconv.Atoi(lf.End)
		if lf.Value == "" || err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		lf.Effect = leverEffect(forecast.LeverSpec{Type: lf.Type, Measure: lf.Measure, Value: v, Start: start, End: end, Profile: lf.Profile}, f.BaseYear, f.Horizon)
	}
}

// catalog answers with Deps.Catalog or carecast's defaults.
func (s *site) baseYears() []int {
	if s.d.Catalog != nil {
		ys := slices.Clone(s.d.Catalog.BaseYears())
		slices.Sort(ys)
		slices.Reverse(ys)
		return ys
	}
	return []int{forecast.DefaultBaseYear}
}

func (s *site) lastYear() int {
	if s.d.Catalog != nil {
		return min(s.d.Catalog.LastRateYear()+1, 2070)
	}
	return forecast.DefaultHorizon
}

// formSlots are the slots this build can offer (prevalence trends only for measures in the data).
func (s *site) formSlots() []slot {
	var out []slot
	var measures map[string][]int
	if s.d.Catalog != nil {
		measures = s.d.Catalog.PrevalenceMeasures()
	}
	for _, sl := range slots {
		if sl.Measures && len(s.otherMeasures()) == 0 {
			continue
		}
		if sl.Measure != "" && measures != nil {
			if _, ok := measures[sl.Measure]; !ok {
				continue
			}
		}
		out = append(out, sl)
	}
	return out
}

// otherMeasures are the need measures in the data with no form slot of their own, sorted; the
// prevalence slot with Measures asks for one of them.
func (s *site) otherMeasures() []string {
	if s.d.Catalog == nil {
		return nil
	}
	var out []string
	for m := range s.d.Catalog.PrevalenceMeasures() {
		if !slices.ContainsFunc(slots, func(sl slot) bool { return sl.Measure == m }) {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

// newForm returns the form for a new scenario of area.
func (s *site) newForm(area string) *scenarioForm {
	f := &scenarioForm{Area: area, BaseYear: forecast.DefaultBaseYear, Horizon: min(forecast.DefaultHorizon, s.lastYear()), Draws: 200, Seed: 1,
		Errors: map[string]string{}}
	if ys := s.baseYears(); !slices.Contains(ys, f.BaseYear) && len(ys) > 0 {
		f.BaseYear = ys[0]
	}
	for _, sl := range s.formSlots() {
		f.Levers = append(f.Levers, s.defaultLever(sl, f.BaseYear))
	}
	return f
}

func (s *site) defaultLever(sl slot, base int) leverField {
	lf := leverField{slot: sl, Start: strconv.Itoa(base + 1), End: strconv.Itoa(base + 5), Profile: "linear"}
	if sl.Services {
		lf.Service = forecast.ServiceNames[0]
	}
	if sl.Type == forecast.LeverDwellings {
		lf.PersonsPerHome = "2.3"
		lf.AgeProfile = "migrants"
		lf.End = strconv.Itoa(base + 10)
	}
	return lf
}

// formFromDoc fills the form from a stored scenario: each lever that fits a slot (the first of
// its kind, applying everywhere) goes there; the others are kept as they are.
func (s *site) formFromDoc(sc store.Scenario) (*scenarioForm, error) {
	var doc forecast.Scenario
	if err := json.Unmarshal(sc.Document, &doc); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.ID, err)
	}
	f := s.newForm("")
	f.ID, f.Version, f.doc = sc.ID, sc.Version, doc
	f.Name, f.Description = doc.Name, doc.Description
	if doc.Name != "" && doc.Name == s.autoName(doc) {
		f.AutoName = doc.Name
	}
	if doc.BaseYear != 0 {
		f.BaseYear = doc.BaseYear
	}
	if doc.Horizon != 0 {
		f.Horizon = doc.Horizon
	}
	f.Draws, f.Seed = doc.Uncertainty.Draws, doc.Uncertainty.Seed
	f.Data = doc.Uploads()
	if len(doc.Areas) > 0 {
		f.Area = doc.Areas[0]
		f.MoreAreas = s.areaRefs(doc.Areas[1:])
	}
	f.Districts = doc.Districts
	f.assumeFromDoc(doc)
	for i := range f.Levers {
		f.Levers[i] = s.defaultLever(f.Levers[i].slot, f.BaseYear)
	}
	used := make([]bool, len(f.Levers))
	for _, l := range doc.Levers {
		i := slices.IndexFunc(f.Levers, func(lf leverField) bool { return lf.Type == l.Type && lf.Measure == l.Measure && !lf.Measures })
		if i < 0 {
			// The form's select offers only the other measures in the data: a lever on
			// another measure is kept as it is.
			i = slices.IndexFunc(f.Levers, func(lf leverField) bool {
				return lf.Type == l.Type && lf.Measures && slices.Contains(s.otherMeasures(), l.Measure)
			})
		}
		if i < 0 || used[i] || len(l.Areas) > 0 {
			f.extra = append(f.extra, l)
			desc := describeLever(l)
			if e := leverEffect(l, f.BaseYear, f.Horizon); e != "" {
				desc += "; cumulative effect " + e
			}
			f.Extra = append(f.Extra, desc)
			continue
		}
		used[i] = true
		lf := &f.Levers[i]
		lf.Value = fnum(l.Value)
		if l.Low != nil && l.High != nil {
			lf.Low, lf.High = fnum(*l.Low), fnum(*l.High)
		}
		lf.Start, lf.End = strconv.Itoa(l.Start), strconv.Itoa(l.End)
		if l.Profile != "" {
			lf.Profile = l.Profile
		}
		if lf.Measures {
			lf.Measure = l.Measure
		}
		if lf.Services && l.Service != "" {
			lf.Service = l.Service
		}
		if l.Type == forecast.LeverDwellings {
			if l.PersonsPerHome != 0 {
				lf.PersonsPerHome = fnum(l.PersonsPerHome)
			}
			if l.AgeProfile != "" {
				lf.AgeProfile = l.AgeProfile
			}
		}
		lf.Open = true
	}
	return f, nil
}

func fnum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// effectYears are the years of a scenario with base year base and last year horizon in which
// the pages report a lever's cumulative effect: the overview's growth years after the base
// year, and the horizon.
func effectYears(base, horizon int) []int {
	var out []int
	for _, y := range growthYears {
		if y > base && y <= horizon {
			out = append(out, y)
		}
	}
	if horizon > base && !slices.Contains(out, horizon) {
		out = append(out, horizon)
	}
	return out
}

// leverEffect writes the cumulative effect of an annual-rate lever in a scenario with base year
// base and last year horizon, in the years effectYears gives: "≈ −3.1% by 2030, −5.6% by 2035".
// The figures are forecast.Lever.Cumulative, the factor the engine compounds with, rounded to
// one decimal. It returns "" for a lever that is not an annual rate, not valid (a window
// ending before it starts or starting by the base year, an unknown profile) or has no year to
// report.
func leverEffect(l forecast.LeverSpec, base, horizon int) string {
	if base == 0 {
		base = forecast.DefaultBaseYear
	}
	if horizon == 0 {
		horizon = forecast.DefaultHorizon
	}
	prof := l.Profile
	if prof == "" {
		prof = "linear"
	}
	p, err := forecast.ParseProfile(prof)
	lev := forecast.Lever{Value: l.Value, Start: l.Start, End: l.End, Profile: p}
	if !forecast.IsAnnualRate(l.Type) || err != nil || lev.Check() != nil || l.Start <= base || l.Value <= -100 {
		return ""
	}
	var parts []string
	for _, y := range effectYears(base, horizon) {
		parts = append(parts, fmt.Sprintf("%s by %d", percentChange(lev.Cumulative(base, y)), y))
	}
	if len(parts) == 0 {
		return ""
	}
	return "≈ " + strings.Join(parts, ", ")
}

// percentChange writes a factor as a signed percentage change to one decimal, with a true
// minus sign: 0.969 is "−3.1%", 1.02 is "+2.0%", and anything that rounds to zero is "0.0%".
func percentChange(factor float64) string {
	s := fmt.Sprintf("%+.1f", 100*(factor-1))
	switch s {
	case "+0.0", "-0.0":
		return "0.0%"
	}
	return strings.Replace(s, "-", "−", 1) + "%"
}

// leverUnits are the units of lever values, as written after a number.
var leverUnits = map[string]string{
	forecast.LeverPrevalenceTrend: "% a year", forecast.LeverMortalityImprovement: "% a year", forecast.LeverServiceTrend: "% a year",
	forecast.LeverUnitCostGrowth: "% a year", forecast.LeverMigration: "%", forecast.LeverShiftToHomeCare: "%",
	forecast.LeverAdmissionAvoidance: "%", forecast.LeverEligibility: "%", forecast.LeverDwellings: " homes",
}

// describeLever writes a lever in words: "Shift from residential care to home care: 10, 2022–2026 (linear)".
func describeLever(l forecast.LeverSpec) string {
	u := leverUnits[l.Type]
	s := fmt.Sprintf("%s: %s%s", leverTitle(l), fnum(l.Value), u)
	if l.Low != nil && l.High != nil {
		s += fmt.Sprintf(" (80%% range %s%s to %s%s)", fnum(*l.Low), u, fnum(*l.High), u)
	}
	s += fmt.Sprintf(", %d–%d", l.Start, l.End)
	if l.Profile != "" {
		s += " (" + strings.ReplaceAll(l.Profile, "_", "-") + ")"
	}
	if len(l.Areas) > 0 {
		s += " in " + strings.Join(l.Areas, ", ")
	}
	return s
}

// parseForm reads the posted form into f and builds the scenario document. It records
// problems it can see itself (numbers that are not numbers, half-given ranges) in f.Errors;
// leverSlot maps each lever of the document to the form prefix it came from ("" for kept
// levers).
func (s *site) parseForm(r *http.Request, f *scenarioForm) (forecast.Scenario, []string) {
	pf := r.PostForm
	get := func(k string) string { return strings.TrimSpace(pf.Get(k)) }
	f.Name = get("name")
	// A name the form made itself (empty, or as it was made) is made again from the values
	// sent; only a name the planner typed is kept.
	auto := f.Name == "" || f.Name == get("auto_name")
	f.AutoName = ""
	if auto && f.Name != "" {
		f.AutoName = f.Name
	}
	f.Description = get("description")
	f.Area, f.MoreAreas = get("area"), get("more_areas")
	f.Districts = get("districts") != ""
	bad := func(field, msg string) {
		if _, ok := f.Errors[field]; !ok {
			f.Errors[field] = msg
			f.Summary = append(f.Summary, fieldProblem{Field: field, Message: msg})
		}
	}
	intField := func(k string, dst *int, label string) {
		v := get(k)
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			bad(k, label+" must be a whole number, like 2030.")
			return
		}
		*dst = n
	}
	intField("base_year", &f.BaseYear, "The base year")
	intField("horizon", &f.Horizon, "The last year")
	intField("draws", &f.Draws, "The number of draws")
	if v := get("seed"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			bad("seed", "The random seed must be a whole number, 0 or more.")
		} else {
			f.Seed = n
		}
	}
	sc := f.doc
	sc.SchemaVersion = forecast.ScenarioVersion
	sc.Name, sc.Description = f.Name, f.Description
	sc.BaseYear, sc.Horizon = f.BaseYear, f.Horizon
	sc.Uncertainty.Draws, sc.Uncertainty.Seed = f.Draws, f.Seed
	// The data: an upload chosen for a kind ("data_<kind>"), or the built-in data.
	f.Data = map[string]string{}
	sc.Datasets = nil
	for _, k := range uploadKinds {
		if id := get("data_" + k.Kind); id != "" && id != "default" {
			f.Data[k.Kind] = id
			sc.Datasets = append(sc.Datasets, forecast.DatasetChoice{Kind: k.Kind, Dataset: id})
		}
	}
	sc.Areas = nil
	if f.Area != "" {
		sc.Areas = []string{f.Area}
		if s.areas.get(f.Area) == nil {
			bad("area", "Choose an area from the list.")
		}
	} else {
		bad("area", "Choose the area the scenario is about.")
	}
	more, problems := s.parseAreaRefs(f.MoreAreas)
	if len(problems) > 0 {
		bad("more_areas", strings.Join(problems, " "))
	}
	for _, a := range more {
		if !slices.Contains(sc.Areas, a) {
			sc.Areas = append(sc.Areas, a)
		}
	}
	sc.Districts = f.Districts
	s.parseAssumptions(get, f, &sc, bad)
	sc.Levers = nil
	var from []string
	for i := range f.Levers {
		lf := &f.Levers[i]
		k := lf.Key
		lf.Value, lf.Low, lf.High = get(k+"_value"), get(k+"_low"), get(k+"_high")
		lf.Start, lf.End, lf.Profile = get(k+"_start"), get(k+"_end"), get(k+"_profile")
		if lf.Type == forecast.LeverDwellings {
			lf.PersonsPerHome, lf.AgeProfile = get(k+"_pph"), get(k+"_ages")
		}
		if lf.Services {
			lf.Service = get(k + "_service")
		}
		if lf.Measures {
			lf.Measure = get(k + "_measure")
		}
		if lf.Profile == "" {
			lf.Profile = "linear"
		}
		if lf.Value == "" && lf.Low == "" && lf.High == "" {
			continue
		}
		lf.Open = true
		num := func(field, v, what string) (float64, bool) {
			x, err := strconv.ParseFloat(strings.TrimSuffix(strings.ReplaceAll(v, ",", ""), "%"), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				bad(field, fmt.Sprintf("%s: %s must be a number, like %s.", lf.Title, what, lf.Example))
				return 0, false
			}
			return x, true
		}
		l := forecast.LeverSpec{Type: lf.Type, Measure: lf.Measure, Service: lf.Service, Profile: lf.Profile}
		ok := true
		if lf.Value == "" {
			bad(k+"_value", lf.Title+": give the central value as well as the range.")
			ok = false
		} else if v, good := num(k+"_value", lf.Value, "the value"); good {
			l.Value = v
		} else {
			ok = false
		}
		if (lf.Low == "") != (lf.High == "") {
			bad(k+"_low", lf.Title+": give both ends of the 80% range, or neither.")
			ok = false
		} else if lf.Low != "" {
			lo, good1 := num(k+"_low", lf.Low, "the low end")
			hi, good2 := num(k+"_high", lf.High, "the high end")
			if good1 && good2 {
				l.Low, l.High = &lo, &hi
			} else {
				ok = false
			}
		}
		for _, y := range []struct {
			field, v string
			dst      *int
			what     string
		}{{k + "_start", lf.Start, &l.Start, "the first year"}, {k + "_end", lf.End, &l.End, endWhat(lf.Type)}} {
			n, err := strconv.Atoi(y.v)
			if err != nil {
				bad(y.field, fmt.Sprintf("%s: %s must be a year, like %d.", lf.Title, y.what, f.BaseYear+1))
				ok = false
				continue
			}
			*y.dst = n
		}
		if lf.Type == forecast.LeverDwellings {
			if lf.PersonsPerHome != "" {
				if v, good := num(k+"_pph", lf.PersonsPerHome, "people per home"); good {
					l.PersonsPerHome = v
				} else {
					ok = false
				}
			}
			l.AgeProfile = lf.AgeProfile
		}
		if ok {
			sc.Levers = append(sc.Levers, l)
			from = append(from, k)
		}
	}
	for _, l := range f.extra {
		sc.Levers = append(sc.Levers, l)
		from = append(from, "")
	}
	if auto {
		// Only sc takes the name: shown again after a problem, the form keeps what was typed
		// (nothing, or the name made before), and the name is made again when it is sent.
		sc.Name = s.autoName(sc)
	}
	return sc, from
}

// areaRefs writes areas for the form's "other areas" field: each by its name when the name
// finds the area again (parseAreaRefs), else by its code.
func (s *site) areaRefs(codes []string) string {
	var out []string
	for _, c := range codes {
		ref := c
		if a := s.areas.get(c); a != nil {
			if got, _ := s.parseAreaRefs(a.Name); len(got) == 1 && got[0] == c {
				ref = a.Name
			}
		}
		out = append(out, ref)
	}
	return strings.Join(out, ", ")
}

// parseAreaRefs reads the form's "other areas" field: names or GSS codes separated by commas
// (or semicolons, or new lines), names compared as forecast.SearchKey. It returns the codes, in
// the order given and without repeats, and a problem for each entry that is not an area in
// force, naming the areas whose names contain it.
func (s *site) parseAreaRefs(v string) ([]string, []string) {
	var codes, problems []string
	for _, ref := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		ref = strings.TrimSpace(ref)
		if ref == "" {
			continue
		}
		code := ""
		if a := s.areas.get(strings.ToUpper(ref)); a != nil && a.ValidTo == "" {
			code = a.Code
		}
		hits := s.areas.search(ref, 4)
		if code == "" && len(hits) > 0 && forecast.SearchKey(hits[0].Name) == forecast.SearchKey(ref) {
			code = hits[0].Code
		}
		if code == "" {
			msg := fmt.Sprintf("“%s” is not an area carecast knows.", ref)
			if len(hits) > 0 {
				var names []string
				for _, h := range hits {
					names = append(names, h.Name)
				}
				msg = fmt.Sprintf("“%s” is not an area carecast knows: did you mean %s?", ref, strings.Join(names, ", "))
			}
			problems = append(problems, msg)
			continue
		}
		if !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	return codes, problems
}

// endWhat names a lever's end year in error messages.
func endWhat(leverType string) string {
	if forecast.IsAnnualRate(leverType) {
		return "the year the rate is reached in full"
	}
	return "the year of full effect"
}

// autoName names a scenario from its area and levers.
func (s *site) autoName(sc forecast.Scenario) string {
	area := "England"
	if len(sc.Areas) == 1 {
		area = s.areas.name(sc.Areas[0])
	} else if len(sc.Areas) > 1 {
		area = fmt.Sprintf("%d areas", len(sc.Areas))
	}
	if len(sc.Levers) == 0 {
		return area + ": baseline"
	}
	var parts []string
	for _, l := range sc.Levers {
		switch l.Type {
		case forecast.LeverShiftToHomeCare:
			parts = append(parts, fmt.Sprintf("shift %s%% of residential care to home care", fnum(l.Value)))
		case forecast.LeverAdmissionAvoidance:
			parts = append(parts, fmt.Sprintf("%s%% fewer care-home residents", fnum(l.Value)))
		case forecast.LeverDwellings:
			parts = append(parts, fmt.Sprintf("%s extra homes", fnum(l.Value)))
		default:
			parts = append(parts, fmt.Sprintf("%s %s", strings.ToLower(leverTitle(l)), fnum(l.Value)))
		}
	}
	n := area + ": " + strings.Join(parts, ", ")
	if len(n) > 200 {
		n = n[:197] + "..."
	}
	return n
}

var leverLoc = regexp.MustCompile(`^levers\[(\d+)\]\.?([a-z_]*)`)

// placeProblems puts the validator's problems next to the form fields they are about. A
// field that already has a problem of the form's own (a value that is not a number, say)
// keeps that one alone: the validator saw another value in its place, or none.
func placeProblems(f *scenarioForm, ps []Problem, from []string) {
	own := map[string]bool{}
	for k := range f.Errors {
		own[k] = true
	}
	for _, p := range ps {
		loc := normaliseLocation(p.Location)
		field := ""
		switch {
		case strings.HasPrefix(loc, "levers["):
			m := leverLoc.FindStringSubmatch(loc)
			if m == nil {
				break
			}
			i, _ := strconv.Atoi(m[1])
			if i >= len(from) || from[i] == "" {
				break
			}
			k := from[i]
			switch m[2] {
			case "low", "high":
				field = k + "_" + m[2]
			case "start", "end", "profile":
				field = k + "_" + m[2]
			case "persons_per_home":
				field = k + "_pph"
			case "age_profile":
				field = k + "_ages"
			case "service":
				field = k + "_service"
			case "measure":
				field = k + "_measure"
			default:
				field = k + "_value"
			}
		case strings.HasPrefix(loc, "costs.unit_costs["):
			field = indexedField(loc, "costs.unit_costs[", f.costFrom)
		case strings.HasPrefix(loc, "capacity.supply["):
			field = indexedField(loc, "capacity.supply[", f.supplyFrom)
		case strings.HasPrefix(loc, "capacity."):
			for _, cf := range capacityFields {
				if loc == cf.path {
					field = cf.key
				}
			}
		case loc == "name", loc == "base_year", loc == "horizon", loc == "description":
			field = loc
		case strings.HasPrefix(loc, "areas[0]"), loc == "areas":
			field = "area"
		case strings.HasPrefix(loc, "areas"):
			field = "more_areas"
		case loc == "districts":
			field = "districts"
		case strings.HasPrefix(loc, "uncertainty"):
			field = "draws"
		}
		// A problem's message may repeat its location ("levers[0].end: end 2020 is before …").
		msg := strings.TrimPrefix(p.Message, p.Location+": ")
		if field == "" {
			f.Summary = append(f.Summary, fieldProblem{Message: strings.TrimSpace(loc + ": " + msg)})
			continue
		}
		if own[field] {
			continue
		}
		if _, ok := f.Errors[field]; ok {
			f.Errors[field] += " " + msg
		} else {
			f.Errors[field] = msg
		}
		f.Summary = append(f.Summary, fieldProblem{Field: field, Message: fieldTitle(f, field) + ": " + msg})
	}
}

// indexedField is the form field of the list entry loc ("costs.unit_costs[2].cost") names,
// from the fields the entries came from; "" if none.
func indexedField(loc, prefix string, from []string) string {
	n, _, _ := strings.Cut(strings.TrimPrefix(loc, prefix), "]")
	i, err := strconv.Atoi(n)
	if err != nil || i < 0 || i >= len(from) {
		return ""
	}
	return from[i]
}

// normaliseLocation turns "/levers/0/value", "body.levers[0].value" or "$.levers[0].value" into
// "levers[0].value".
func normaliseLocation(loc string) string {
	loc = strings.TrimSpace(loc)
	loc = strings.TrimPrefix(loc, "body")
	loc = strings.TrimPrefix(loc, "$")
	if strings.HasPrefix(loc, "/") {
		var b strings.Builder
		for i, seg := range strings.Split(loc[1:], "/") {
			if _, err := strconv.Atoi(seg); err == nil {
				b.WriteString("[" + seg + "]")
			} else {
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(seg)
			}
		}
		return b.String()
	}
	return strings.TrimPrefix(loc, ".")
}

// fieldTitle names a form field in the error summary.
func fieldTitle(f *scenarioForm, field string) string {
	for _, lf := range f.Levers {
		if strings.HasPrefix(field, lf.Key+"_") {
			return lf.Title
		}
	}
	if strings.HasPrefix(field, "uc_") {
		return costLabels[strings.TrimPrefix(field, "uc_")] + " unit cost"
	}
	for _, ss := range supplyServices {
		if field == "sup_"+ss.Service {
			return ss.Label
		}
	}
	for _, cf := range capacityFields {
		if field == cf.key {
			return cf.label
		}
	}
	switch field {
	case "base_year":
		return "Base year"
	case "horizon":
		return "Last year"
	case "area":
		return "Area"
	case "more_areas":
		return "Other areas"
	case "districts":
		return "Districts"
	case "draws":
		return "Ranges"
	}
	return strings.ToUpper(field[:1]) + field[1:]
}

type builderPage struct {
	base
	Form      *scenarioForm
	AreaName  string
	Choices   []areaChoice
	BaseYears []int
	Horizons  []int
	Profiles  []struct{ Value, Label string }
	// Services are the services a service_trend lever may be about.
	Services []struct{ Value, Label string }
	// Measures are the need measures the generic prevalence_trend lever may be about.
	Measures  []struct{ Value, Label string }
	DrawsOpts []drawsOption
	Runs      []runRow
	CanPlan   bool
	Saved     bool
	JSON      string
	Action    string
	// RateExample is the worked example of an annual rate's end year (rateExample).
	RateExample string
	// Assume is the "Your assumptions" section.
	Assume *assumptions
	// Data offers, for each kind the organisation has uploads of, the built-in data or one of
	// them.
	Data []dataChoice
}

// uploadKinds are the dataset kinds a scenario may take from an upload, with their names for
// people, in the order the form offers them.
var uploadKinds = []struct{ Kind, Label string }{
	{"population", "Population"}, {"prevalence", "Prevalence of need"}, {"service_activity", "Service use"},
	{"unit_costs", "Unit costs"}, {"supply", "Supply (beds, hours)"}, {"mortality", "Mortality"},
	{"fertility", "Fertility"}, {"migration", "Migration"},
}

// dataChoice is the form's choice of data for one kind.
type dataChoice struct {
	Kind, Label string
	Options     []dataOption
}

type dataOption struct {
	ID, Name string
	Selected bool
}

// dataChoices lists, for each kind with uploads, the built-in data and each upload, marking
// the form's choice.
func dataChoices(ds []store.Dataset, chosen map[string]string) []dataChoice {
	var out []dataChoice
	for _, k := range uploadKinds {
		c := dataChoice{Kind: k.Kind, Label: k.Label}
		for _, d := range ds {
			if d.Kind == k.Kind {
				c.Options = append(c.Options, dataOption{ID: d.ID, Name: d.Name + " (uploaded " + d.Created.Format("2 Jan 2006") + ")", Selected: chosen[k.Kind] == d.ID})
			}
		}
		if id := chosen[k.Kind]; id != "" && !slices.ContainsFunc(c.Options, func(o dataOption) bool { return o.ID == id }) {
			c.Options = append(c.Options, dataOption{ID: id, Name: id + " (not found)", Selected: true})
		}
		if len(c.Options) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// rateExample is the worked example the form gives under each annual-rate lever, from
// forecast.Lever.Cumulative.
func rateExample() string {
	at := func(end int) string {
		l := forecast.Lever{Value: -1, Start: 2025, End: end, Profile: forecast.Linear}
		return percentChange(l.Cumulative(forecast.DefaultBaseYear, 2035))
	}
	return fmt.Sprintf("For example −1%% a year from 2025, linear, reached in full by 2045 is about %s by 2035; reached in full by 2026, about %s by 2035.", at(2045), at(2026))
}

// serviceChoices are the services a service_trend lever may be about, in forecast.ServiceNames
// order, with their names for people.
func serviceChoices() []struct{ Value, Label string } {
	var out []struct{ Value, Label string }
	for _, sv := range forecast.ServiceNames {
		out = append(out, struct{ Value, Label string }{sv, costLabels[sv]})
	}
	return out
}

type areaChoice struct {
	Group string
	Areas []areaOption
}

type areaOption struct {
	Code, Name string
	Selected   bool
}

type drawsOption struct {
	Value int
	Label string
}

var drawsOptions = []drawsOption{
	{0, "None: central projection only"},
	{200, "200 simulations (recommended)"},
	{1000, "1,000 simulations (slower)"},
}

func (s *site) builder(ctx context.Context, p *Principal, f *scenarioForm, title, action string) *builderPage {
	f.effects()
	d := &builderPage{base: base{Title: title, User: p, Section: "scenarios"}, Form: f, BaseYears: s.baseYears(),
		Profiles: profiles, Services: serviceChoices(), DrawsOpts: drawsOptions, CanPlan: p.CanPlan(), Action: action, RateExample: rateExample()}
	if ds, err := s.d.Backend.Datasets(ctx, *p, 200); err == nil {
		d.Data = dataChoices(ds, f.Data)
	} else {
		s.log.Warn("listing datasets for the scenario form", "err", err)
	}
	d.Assume = s.assumptionsOf(ctx, f)
	for _, m := range s.otherMeasures() {
		d.Measures = append(d.Measures, struct{ Value, Label string }{m, shortLabel("need." + m)})
	}
	for y := f.BaseYear + 5; y <= s.lastYear(); y += 5 {
		d.Horizons = append(d.Horizons, y-y%5)
	}
	if !slices.Contains(d.Horizons, f.Horizon) {
		d.Horizons = append(d.Horizons, f.Horizon)
		slices.Sort(d.Horizons)
	}
	if !slices.ContainsFunc(d.DrawsOpts, func(o drawsOption) bool { return o.Value == f.Draws }) {
		d.DrawsOpts = append(slices.Clone(d.DrawsOpts), drawsOption{f.Draws, fmt.Sprintf("%d simulations", f.Draws)})
	}
	d.AreaName = s.areas.name(f.Area)
	groups := map[int]*areaChoice{}
	names := []string{"England", "Regions", "Councils with social care responsibilities", "Districts"}
	for _, a := range s.areas.choices() {
		k := rank(&a)
		g := groups[k]
		if g == nil {
			g = &areaChoice{Group: names[k]}
			groups[k] = g
		}
		g.Areas = append(g.Areas, areaOption{Code: a.Code, Name: a.Name, Selected: a.Code == f.Area})
	}
	for k := range 4 {
		if g := groups[k]; g != nil {
			d.Choices = append(d.Choices, *g)
		}
	}
	return d
}

func (s *site) scenarioNew(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	area := r.URL.Query().Get("area")
	if s.areas.get(area) == nil {
		area = ""
	}
	f := s.newForm(area)
	title := "New scenario"
	if area != "" {
		title = "New scenario for " + s.areas.name(area)
	}
	s.render(w, r, http.StatusOK, "builder", s.builder(r.Context(), &p, f, title, "/scenarios"))
}

// readForm parses a posted form under the size cap.
func (s *site) readForm(w http.ResponseWriter, r *http.Request, p *Principal) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, p, http.StatusBadRequest, "Form not understood", "The form could not be read (it may be too large); go back and send it again.")
		return false
	}
	return true
}

func (s *site) scenarioCreate(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok || !s.readForm(w, r, &p) {
		return
	}
	f := s.newForm("")
	s.save(w, r, &p, f, "New scenario", "/scenarios")
}

// loadForm reads the latest version of the scenario the path names and its form, or answers
// the error page and returns false.
func (s *site) loadForm(w http.ResponseWriter, r *http.Request, p *Principal) (store.Scenario, *scenarioForm, bool) {
	sc, err := s.d.Backend.Scenario(r.Context(), *p, r.PathValue("id"), 0)
	if err != nil {
		s.failErr(w, r, p, "scenario", err)
		return store.Scenario{}, nil, false
	}
	f, err := s.formFromDoc(sc)
	if err != nil {
		s.failErr(w, r, p, "scenario", err)
		return store.Scenario{}, nil, false
	}
	return sc, f, true
}

func (s *site) scenarioUpdate(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok || !s.readForm(w, r, &p) {
		return
	}
	sc, f, ok := s.loadForm(w, r, &p)
	if !ok {
		return
	}
	if v, err := strconv.Atoi(r.PostForm.Get("version")); err == nil {
		f.Version = v
	}
	s.save(w, r, &p, f, "Edit scenario", "/scenarios/"+sc.ID)
}

// save validates and stores the posted scenario (a new one, or a new version of f.ID), then
// starts a run if asked, and redirects; or shows the form again with the problems.
func (s *site) save(w http.ResponseWriter, r *http.Request, p *Principal, f *scenarioForm, title, action string) {
	if !p.CanPlan() {
		s.failErr(w, r, p, "scenario", ErrForbidden)
		return
	}
	sc, from := s.parseForm(r, f)
	again := func(status int) {
		s.render(w, r, status, "builder", s.builder(r.Context(), p, f, title, action))
	}
	if len(f.Errors) > 0 {
		s.checkToo(r.Context(), p, f, sc, from)
		again(http.StatusUnprocessableEntity)
		return
	}
	doc, err := json.Marshal(sc)
	if err != nil {
		s.failErr(w, r, p, "scenario", err)
		return
	}
	var stored store.Scenario
	if f.ID == "" {
		stored, err = s.d.Backend.CreateScenario(r.Context(), *p, doc)
	} else {
		stored, err = s.d.Backend.UpdateScenario(r.Context(), *p, f.ID, doc, f.Version)
	}
	var inv *InvalidError
	switch {
	case errors.As(err, &inv):
		placeProblems(f, service.Problems(inv.Err), from)
		again(http.StatusUnprocessableEntity)
		return
	case errors.Is(err, store.ErrVersionMismatch):
		f.Summary = append(f.Summary, fieldProblem{Message: "Someone saved a newer version of this scenario while you were editing it. Open it again to see their changes."})
		again(http.StatusConflict)
		return
	case err != nil:
		s.failErr(w, r, p, "scenario", err)
		return
	}
	if r.PostForm.Get("action") == "save" {
		http.Redirect(w, r, "/scenarios/"+stored.ID+"?saved=1", http.StatusSeeOther)
		return
	}
	run, err := s.d.Backend.StartRun(r.Context(), *p, stored.ID, stored.Version, nil)
	if err != nil {
		s.failErr(w, r, p, "run", err)
		return
	}
	http.Redirect(w, r, "/runs/"+run.ID, http.StatusSeeOther)
}

// checkToo gives the scenario validator (when the Backend is a ScenarioChecker) the document
// parseForm built from a form with problems of its own, and places the validator's problems
// with the form's, so that every problem shows at once. The levers the form could not read
// are left out of sc, and problems about fields that already have one are dropped.
func (s *site) checkToo(ctx context.Context, p *Principal, f *scenarioForm, sc forecast.Scenario, from []string) {
	v, ok := s.d.Backend.(ScenarioChecker)
	if !ok {
		return
	}
	doc, err := json.Marshal(sc)
	if err != nil {
		return
	}
	var inv *InvalidError
	switch err := v.ValidateScenario(ctx, p.OrgID, doc); {
	case errors.As(err, &inv):
		placeProblems(f, service.Problems(inv.Err), from)
	case err != nil:
		s.log.Warn("checking a scenario form with problems", "err", err)
	}
}

func (s *site) scenarioView(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	sc, f, ok := s.loadForm(w, r, &p)
	if !ok {
		return
	}
	d := s.builder(r.Context(), &p, f, sc.Name, "/scenarios/"+sc.ID)
	d.Saved = r.URL.Query().Get("saved") != ""
	var pretty json.RawMessage = sc.Document
	if b, err := json.MarshalIndent(pretty, "", "  "); err == nil {
		d.JSON = string(b)
	}
	if runs, err := s.d.Backend.Runs(r.Context(), p, sc.ID, 20); err == nil {
		d.Runs = s.runRows(r, p, runs)
	}
	s.render(w, r, http.StatusOK, "builder", d)
}

func (s *site) scenarioRun(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok || !s.readForm(w, r, &p) {
		return
	}
	v, _ := strconv.Atoi(r.PostForm.Get("version"))
	run, err := s.d.Backend.StartRun(r.Context(), p, r.PathValue("id"), v, nil)
	if err != nil {
		s.failErr(w, r, &p, "scenario", err)
		return
	}
	http.Redirect(w, r, "/runs/"+run.ID, http.StatusSeeOther)
}

// scenarioRow is a scenario in a list.
type scenarioRow struct {
	ID, Name string
	Version  int
	Updated  string
	Areas    string
}

func (s *site) scenarioRows(scs []store.Scenario) []scenarioRow {
	var out []scenarioRow
	for _, sc := range scs {
		row := scenarioRow{ID: sc.ID, Name: sc.Name, Version: sc.Version, Updated: sc.Updated.Local().Format("2 Jan 2006 15:04")}
		var doc struct {
			Areas []string `json:"areas"`
		}
		if json.Unmarshal(sc.Document, &doc) == nil {
			var names []string
			for _, a := range doc.Areas {
				names = append(names, s.areas.name(a))
			}
			row.Areas = strings.Join(names, ", ")
			if len(doc.Areas) == 0 {
				row.Areas = "every council, region and England"
			}
		}
		out = append(out, row)
	}
	return out
}

type scenarioListPage struct {
	base
	Scenarios []scenarioRow
	CanPlan   bool
}

func (s *site) scenarioList(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	scs, err := s.d.Backend.Scenarios(r.Context(), p, 200)
	if err != nil {
		s.failErr(w, r, &p, "scenarios", err)
		return
	}
	s.render(w, r, http.StatusOK, "scenarios", &scenarioListPage{base: base{Title: "Scenarios", User: &p, Section: "scenarios"},
		Scenarios: s.scenarioRows(scs), CanPlan: p.CanPlan()})
}
