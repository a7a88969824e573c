package forecast

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// ScenarioVersion is the version of the scenario document format this build reads.
const ScenarioVersion = 1

// Scenario is a planner's what-if: a versioned JSON document (docs/design.md §5). The struct
// tags drive the published JSON Schema (package api builds it) as well as decoding; Check adds
// the rules a schema cannot express. Years are mid-years for population and need and the
// financial years starting then for services and costs.
type Scenario struct {
	SchemaVersion int      `json:"schema_version,omitempty" minimum:"1" maximum:"1" doc:"Version of the scenario format; this build reads 1."`
	Name          string   `json:"name" minLength:"1" maxLength:"200" doc:"A name for people."`
	Description   string   `json:"description,omitempty" maxLength:"4000" doc:"What the scenario assumes, in words."`
	BaseYear      int      `json:"base_year,omitempty" minimum:"2011" maximum:"2022" doc:"Mid-year of the population estimate the projection starts from (2011, 2018, 2020, 2021 and 2022 have single-year estimates for every district; default 2022, ONS mid-2022 on Census 2021)."`
	Horizon       int      `json:"horizon,omitempty" minimum:"2012" maximum:"2070" doc:"Last year projected (default 2045)."`
	Areas         []string `json:"areas,omitempty" maxItems:"400" doc:"GSS codes of the areas to report (councils, districts, regions or E92000001 England). Empty: every council, region and England."`
	// Districts, when true, also reports every district under the areas.
	Districts   bool              `json:"districts,omitempty" doc:"Also report the districts that make up each area."`
	Population  PopulationSpec    `json:"population,omitempty" doc:"Where the population comes from."`
	Prevalence  []PrevalenceSpec  `json:"prevalence,omitempty" maxItems:"50" doc:"Which evidence to use for each need measure (default: for need, help received and unmet need, one survey year for all three, the one in which most of them are published; for other measures the most recent evidence with age detail). Choosing the year of a family's need moves the family with it."`
	Services    ServicesSpec      `json:"services,omitempty" doc:"How service use is projected."`
	Capacity    CapacitySpec      `json:"capacity,omitempty" doc:"Assumptions that turn service use into beds, hours and staff."`
	Costs       CostSpec          `json:"costs,omitempty" doc:"Unit costs and the price path."`
	Levers      []LeverSpec       `json:"levers,omitempty" maxItems:"100" doc:"Changes the scenario makes, each with a time profile and optionally an 80% interval."`
	Uncertainty UncertaintySpec   `json:"uncertainty,omitempty" doc:"Monte Carlo draws for ranges."`
	Datasets    []DatasetChoice   `json:"datasets,omitempty" maxItems:"12" doc:"The data to run on, kind by kind: an upload of the organisation's own (its id, dst_…) in place of the built-in dataset of that kind. Kinds not listed use the built-in data. The run records every dataset's content hash in its provenance."`
	Labels      map[string]string `json:"labels,omitempty" doc:"Free-form labels for people and tools."`
}

// DatasetChoice names the dataset a scenario uses for one kind.
type DatasetChoice struct {
	Kind    string `json:"kind" enum:"population,mortality,fertility,migration,prevalence,service_activity,unit_costs,supply" doc:"Dataset kind (docs/design.md §3), one that can be uploaded."`
	Dataset string `json:"dataset" pattern:"^(default|dst_[a-z2-7]{26})$" doc:"An uploaded dataset's id (dst_…) of that kind, or default for the built-in one."`
}

// Uploads returns the scenario's uploaded datasets by kind (choices of "default" left out).
func (s Scenario) Uploads() map[string]string {
	out := map[string]string{}
	for _, d := range s.Datasets {
		if d.Dataset != "default" {
			out[d.Kind] = d.Dataset
		}
	}
	return out
}

// PopulationSpec says where a scenario's population comes from.
type PopulationSpec struct {
	Source  string `json:"source,omitempty" enum:"cohort,supplied" doc:"cohort: project each district from its base-year estimate with ONS's national assumptions adjusted to the district's history (default). supplied: use a published projection as it is."`
	Variant string `json:"variant,omitempty" maxLength:"40" doc:"Projection variant for supplied populations (default principal, ONS's 2018-based subnational projection, 2018–2043): any variant in the data — the Strategy Unit's ten derived from it (high_fertility, low_fertility, high_life_expectancy, low_life_expectancy, high_migration, low_migration, high_population, low_population, young_age_structure, old_age_structure; not ONS products), snpp2016 (ONS 2016-based, three districts), or one a council uploaded."`
	// VariantWeights makes the Monte Carlo draw each draw's population from several supplied
	// variants: a variant per draw, with these relative weights (nhp_model's users' "principal
	// 50%, high and low migration 25% each"). The central projection stays Variant's.
	VariantWeights []VariantWeight `json:"variant_weights,omitempty" maxItems:"20" doc:"Supplied populations only: each Monte Carlo draw takes its population from one of these variants, chosen with these relative weights (e.g. principal 2, high_migration 1, low_migration 1); the variant's projection replaces the population error model in the ranges. The central projection stays variant's."`
}

// VariantWeight is one supplied variant's relative weight in the Monte Carlo.
type VariantWeight struct {
	Variant string  `json:"variant" maxLength:"40" doc:"A supplied projection variant in the data."`
	Weight  float64 `json:"weight" doc:"Relative weight, above 0 (weights need not add to 1)."`
}

// PrevalenceSpec chooses the evidence for one need measure.
type PrevalenceSpec struct {
	Measure      string `json:"measure" pattern:"^[a-z][a-z0-9_]*$" doc:"Prevalence measure, e.g. dementia or adl_need_help."`
	EvidenceYear int    `json:"evidence_year,omitempty" minimum:"1990" maximum:"2100" doc:"Which survey year's rates to use."`
	Exclude      bool   `json:"exclude,omitempty" doc:"Leave this measure out of the results."`
}

// ServicesSpec configures service-use projection.
type ServicesSpec struct {
	NeedMeasure string          `json:"need_measure,omitempty" pattern:"^[a-z][a-z0-9_]*$" doc:"Need measure that drives services for people 65+ (default adl_need_help), or the part of each service that the drivers do not give to another measure: base-year use per person in need, so ageing and prevalence trends carry through. People 18-64 are driven by population."`
	Drivers     []ServiceDriver `json:"drivers,omitempty" maxItems:"24" doc:"Which need measures drive each service for people 65+, and with what share of its base-year users. A service not listed follows need_measure alone. Omitted: the default, DefaultServiceDrivers: care homes 70% dementia, home care 60% dementia, the rest need_measure (Alzheimer's Society surveys, quoted in NICE's 2020 impact report on dementia)."`
	PerHead     bool            `json:"per_head,omitempty" doc:"Drive services for 65+ by population instead of need (drivers are then ignored)."`
	BaseYears   int             `json:"base_years,omitempty" minimum:"1" maximum:"5" doc:"Average use rates over this many of the latest activity years (default 3)."`
	UseTrend    string          `json:"use_trend,omitempty" enum:"history,none" doc:"history (the default): each council's use rates of residential and nursing care by people 65+ follow their trend in the activity history, shrunk to the national trend, for the years the back-test scored (5) after the base year, then hold — the method that beat no change in the history back-test (GET /v1/backtest, service_history). none: rates hold from the base year."`
}

// DriverUseTrend names the driver part of the data's use-rate trends (services.use_trend).
const DriverUseTrend = "use_trend"

// Values of ServicesSpec.UseTrend.
const (
	UseTrendHistory = "history"
	UseTrendNone    = "none"
)

// ServiceDriver gives one need measure a share of a service's users 65+: that share of the
// base-year users is taken to use the service because of the measure, so it grows with the
// number of people with that need (ageing, prevalence levers). A service's shares add to 1,
// the remainder going to need_measure when they do not.
type ServiceDriver struct {
	Service string  `json:"service" enum:"residential,nursing,home_care,direct_payments,day_care,meals" doc:"Service."`
	Measure string  `json:"measure" pattern:"^[a-z][a-z0-9_]*$" doc:"Need measure covering every age 65+, e.g. dementia."`
	Share   float64 `json:"share" minimum:"0" maximum:"1" doc:"Share of the service's base-year users 65+ who follow this measure, 0..1."`
}

// ServiceNames are the services projected, in output order.
var ServiceNames = []string{"residential", "nursing", "home_care", "direct_payments", "day_care", "meals"}

// DefaultDementiaMeasure is the measure the default service drivers give care homes and home care.
const DefaultDementiaMeasure = "dementia"

// Default shares of users 65+ living with dementia: about 70% of care-home residents and 60%
// of people using home care (Alzheimer's Society surveys, as quoted by NICE, "NICEimpact
// dementia", 2020, chapter 4: social care). docs/design.md §6 explains the choice.
const (
	DefaultCareHomeDementiaShare = 0.7
	DefaultHomeCareDementiaShare = 0.6
)

// DefaultServiceDrivers is the default link from need measures to services for people 65+:
// care homes (residential and nursing) 70% dementia and home care 60% dementia, the rest of
// each, and every other service, following need (the general need measure, need_measure).
// Where the data has no usable dementia rates, the engine falls back to need alone and says so.
func DefaultServiceDrivers(need string) []ServiceDriver {
	return []ServiceDriver{
		{Service: "residential", Measure: DefaultDementiaMeasure, Share: DefaultCareHomeDementiaShare},
		{Service: "residential", Measure: need, Share: 1 - DefaultCareHomeDementiaShare},
		{Service: "nursing", Measure: DefaultDementiaMeasure, Share: DefaultCareHomeDementiaShare},
		{Service: "nursing", Measure: need, Share: 1 - DefaultCareHomeDementiaShare},
		{Service: "home_care", Measure: DefaultDementiaMeasure, Share: DefaultHomeCareDementiaShare},
		{Service: "home_care", Measure: need, Share: 1 - DefaultHomeCareDementiaShare},
		{Service: "direct_payments", Measure: need, Share: 1},
		{Service: "day_care", Measure: need, Share: 1},
		{Service: "meals", Measure: need, Share: 1},
	}
}

// ResolveDrivers returns, for each service in ServiceNames order, the measures that drive it
// for people 65+ and their shares: the drivers given, the remainder of each service's share
// (if under 1) to need_measure, and need_measure alone for a service not listed. Drivers
// with the same service and measure are merged. Nil drivers resolve like an empty list.
func (s ServicesSpec) ResolveDrivers(drivers []ServiceDriver) [][]ServiceDriver {
	out := make([][]ServiceDriver, len(ServiceNames))
	for i, name := range ServiceNames {
		total := 0.0
		for _, d := range drivers {
			if d.Service != name || d.Share == 0 {
				continue
			}
			total += d.Share
			j := slices.IndexFunc(out[i], func(x ServiceDriver) bool { return x.Measure == d.Measure })
			if j >= 0 {
				out[i][j].Share += d.Share
				continue
			}
			out[i] = append(out[i], d)
		}
		if rest := 1 - total; rest > 1e-9 {
			j := slices.IndexFunc(out[i], func(x ServiceDriver) bool { return x.Measure == s.NeedMeasure })
			if j >= 0 {
				out[i][j].Share += rest
			} else {
				out[i] = append(out[i], ServiceDriver{Service: name, Measure: s.NeedMeasure, Share: rest})
			}
		}
	}
	return out
}

// MaxDriversPerService is how many measures may drive one service.
const MaxDriversPerService = 4

// CapacitySpec holds the assumptions that convert service use into capacity and workforce.
// Zero values take the defaults documented on each field.
type CapacitySpec struct {
	Occupancy           float64  `json:"occupancy,omitempty" minimum:"0.5" maximum:"1" doc:"Target care-home bed occupancy (default 0.92)."`
	HomeCareHours       *float64 `json:"home_care_hours_per_client_week,omitempty" minimum:"0" maximum:"168" doc:"Home-care hours per client per week (default: the council's own, from hours delivered and clients)."`
	ContractedHours     float64  `json:"contracted_hours,omitempty" minimum:"1" maximum:"60" doc:"Contracted hours per full-time care worker per week (default 37.5)."`
	ProductiveShare     float64  `json:"productive_share,omitempty" minimum:"0.1" maximum:"1" doc:"Share of paid hours spent on care, net of travel, training and leave (default 0.75)."`
	ResidentialStaffing float64  `json:"residential_care_hours_per_resident_week,omitempty" minimum:"0" maximum:"168" doc:"Hands-on care hours per residential resident per week (default 25)."`
	NursingStaffing     float64  `json:"nursing_care_hours_per_resident_week,omitempty" minimum:"0" maximum:"168" doc:"Care and nursing hours per nursing resident per week (default 35)."`
	// Supply replaces the data's supply of a service in a council in every year: the gaps
	// (capacity.*_gap) and the whole care-home market are then reckoned against it.
	Supply []SupplySpec `json:"supply,omitempty" maxItems:"100" doc:"The supply in place, council by council, in place of the data's (CQC care-home beds) or where the data has none (home-care hours): the capacity gaps are what is needed less this supply, in every year."`
}

// SupplySpec is a council's capacity of one service, in the service's supply unit
// (SupplyUnits): beds for care homes, hours a week for home care.
type SupplySpec struct {
	Area     string  `json:"area" pattern:"^E(06|08|09|10)[0-9]{6}$" doc:"GSS code of a council with social care responsibilities."`
	Service  string  `json:"service" enum:"residential,nursing,home_care" doc:"Service: residential or nursing (beds) or home_care (hours a week)."`
	Capacity float64 `json:"capacity" minimum:"0" maximum:"10000000" doc:"Beds (residential, nursing) or home-care hours a week (home_care)."`
}

// SupplyUnits are the units of the supply a scenario can set, by service (the units of the
// supply dataset, docs/design.md §3).
var SupplyUnits = map[string]string{"residential": "beds", "nursing": "beds", "home_care": "hours_per_week"}

// CostSpec holds unit costs and the price path.
type CostSpec struct {
	Terms     string         `json:"terms,omitempty" enum:"real,cash" doc:"real: constant prices of price_base (default). cash: inflated by inflation each year."`
	PriceBase string         `json:"price_base,omitempty" maxLength:"20" doc:"Price base of the unit costs, e.g. 2022-23 (default)."`
	Inflation float64        `json:"inflation,omitempty" minimum:"-10" maximum:"30" doc:"General inflation, percent a year, for cash terms."`
	UnitCosts []UnitCostSpec `json:"unit_costs,omitempty" maxItems:"20" doc:"Unit costs; services not listed use carecast's illustrative defaults, which are assumptions to replace with the council's own."`
}

// UnitCostSpec is the cost of one unit of a service.
type UnitCostSpec struct {
	Service string  `json:"service" enum:"residential,nursing,home_care,direct_payments,day_care,meals" doc:"Service."`
	Cost    float64 `json:"cost" minimum:"0" maximum:"100000" doc:"Pounds per unit at the price base."`
}

// UncertaintySpec configures Monte Carlo ranges.
type UncertaintySpec struct {
	Draws     int       `json:"draws,omitempty" minimum:"0" maximum:"10000" doc:"Monte Carlo draws; 0 gives a deterministic run."`
	Seed      int64     `json:"seed,omitempty" doc:"Random seed; the same seed gives the same numbers."`
	Quantiles []float64 `json:"quantiles,omitempty" minItems:"3" maxItems:"3" doc:"Lower, middle and upper quantiles reported as p10, p50, p90 (default 0.1, 0.5, 0.9)."`
}

// Lever types.
const (
	LeverPrevalenceTrend      = "prevalence_trend"      // annual % change in a need measure's prevalence
	LeverMorbidityCompression = "morbidity_compression" // share of life-expectancy gain that shifts the need curve to older ages
	LeverMortalityImprovement = "mortality_improvement" // extra annual % change in death rates
	LeverMigration            = "migration"             // % change in net migration
	LeverDwellings            = "dwellings"             // new homes bringing residents
	LeverServiceTrend         = "service_trend"         // annual % change in a service's use rate
	LeverShiftToHomeCare      = "shift_residential_to_home_care"
	LeverAdmissionAvoidance   = "admission_avoidance" // % fewer residential and nursing residents
	LeverEligibility          = "eligibility_change"  // % change in every service's use
	LeverUnitCostGrowth       = "unit_cost_growth"    // real annual % growth in unit costs
	// LeverNotCouncilFunded sets the share of an area's care-home residents whom their council
	// does not fund (self-funders, NHS-funded residents, other councils' placements).
	LeverNotCouncilFunded = "not_council_funded_share"
)

// IsAnnualRate reports whether a lever type's value is an annual rate, percent a year, that
// compounds (Lever.Cumulative): prevalence_trend, mortality_improvement, service_trend and
// unit_cost_growth. For these a lever's End is the year the rate is reached in full; for the
// others it is the year of the full effect.
func IsAnnualRate(leverType string) bool {
	switch leverType {
	case LeverPrevalenceTrend, LeverMortalityImprovement, LeverServiceTrend, LeverUnitCostGrowth:
		return true
	}
	return false
}

// LeverTypes lists the lever types in the order drivers report them.
var LeverTypes = []string{LeverPrevalenceTrend, LeverMorbidityCompression, LeverMortalityImprovement, LeverMigration,
	LeverDwellings, LeverServiceTrend, LeverShiftToHomeCare, LeverAdmissionAvoidance, LeverEligibility, LeverUnitCostGrowth,
	LeverNotCouncilFunded}

// LeverSpec is one change a scenario makes. Value's meaning depends on Type:
//   - prevalence_trend: annual % change in Measure's prevalence (−1 = falls 1% a year);
//   - morbidity_compression: the share (0..1) of the gain in life expectancy at 65 since the
//     base year by which the need curve moves to older ages;
//   - mortality_improvement: extra annual % change in death rates;
//   - migration: % change in net migration (−100 removes it);
//   - dwellings: the number of homes completed over Start..End, each bringing PersonsPerHome
//     residents with the age profile AgeProfile (spread over the lever's areas' districts by
//     population);
//   - service_trend: annual % change in Service's use rate;
//   - shift_residential_to_home_care: % of residential (not nursing) residents supported at
//     home instead, each as one home-care client;
//   - admission_avoidance: % fewer residential and nursing residents;
//   - eligibility_change: % change in every service's use;
//   - unit_cost_growth: real annual % growth in unit costs (e.g. wages above inflation);
//   - not_council_funded_share: the share (0..0.95) of all care-home residents in the area
//     whom their council does not fund (MeasureNotCouncilFunded): the share in year y is the
//     base share × (1 − f) + Value × f, with f the profile fraction, so a step from 2025 to 0.30
//     makes those residents 0.30/0.70 of the council-supported ones from 2025. It moves only
//     the whole-market measures, never the council's own.
//
// Each type's values are bounded (LeverRanges: e.g. ±20% a year for annual rates, at most
// 1,000,000 homes for dwellings).
//
// The value reached in year y is Value × Profile.Fraction(y, Start, End) (0 before Start, all
// of it from End). For the annual rates (IsAnnualRate) that value is the year's rate: End is the
// year the rate is reached in full, and the rates compound from the base year, so the effect by
// year y is Lever.Cumulative(base, y) and keeps growing after End. For example −1% a year from
// 2025, linear, rate reached in full by 2045 is about −3.1% by 2035; reached in full by 2026, it
// is about −10.0% by 2035. Low and High, when given, are the 80% interval that Monte Carlo draws
// from.
type LeverSpec struct {
	Type           string   `json:"type" enum:"prevalence_trend,morbidity_compression,mortality_improvement,migration,dwellings,service_trend,shift_residential_to_home_care,admission_avoidance,eligibility_change,unit_cost_growth,not_council_funded_share" doc:"What the lever changes."`
	Label          string   `json:"label,omitempty" maxLength:"100" doc:"A name for the lever in driver charts."`
	Measure        string   `json:"measure,omitempty" pattern:"^[a-z][a-z0-9_]*$" doc:"Need measure (prevalence_trend)."`
	Service        string   `json:"service,omitempty" enum:"residential,nursing,home_care,direct_payments,day_care,meals" doc:"Service (service_trend)."`
	Areas          []string `json:"areas,omitempty" maxItems:"400" doc:"Restrict the lever to these areas and everything under them (default: everywhere)."`
	Value          float64  `json:"value" doc:"The lever's full value (see type); for the annual rates, the rate in % a year once reached in full."`
	Low            *float64 `json:"low,omitempty" doc:"Lower end of the 80% interval for Monte Carlo."`
	High           *float64 `json:"high,omitempty" doc:"Upper end of the 80% interval for Monte Carlo."`
	Start          int      `json:"start" minimum:"2012" maximum:"2070" doc:"First year with an effect."`
	End            int      `json:"end" minimum:"2012" maximum:"2070" doc:"Year the full value is reached. For the annual rates (prevalence_trend, mortality_improvement, service_trend, unit_cost_growth) it is the year the annual rate is reached in full: the profile shapes the rate, which compounds every year, so the cumulative effect keeps growing after end. Worked example: -1% a year from 2025, linear, rate reached in full by 2045 gives about -3.1% by 2035 and -10.5% by 2045; the same rate reached in full by 2026 gives about -10.0% by 2035 and -18.6% by 2045. For the other levers it is the year of full effect."`
	Profile        string   `json:"profile,omitempty" enum:"linear,step,front_loaded,back_loaded" doc:"How the value (for the annual rates, the annual rate) builds up between start and end (default linear)."`
	PersonsPerHome float64  `json:"persons_per_home,omitempty" minimum:"0" maximum:"10" doc:"Residents per new dwelling (dwellings; default 2.3)."`
	AgeProfile     string   `json:"age_profile,omitempty" enum:"migrants,population,older" doc:"Ages of the new residents (dwellings): migrants = England's in-migrants (default), population = England's population, older = England's population aged 65+."`
}

// FieldError is one problem with a scenario, located by its JSON path (e.g. "levers[2].end").
type FieldError struct {
	Path    string `json:"location"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Path + ": " + e.Message }

// Location returns the JSON path of the problem, for problem documents.
func (e FieldError) Location() string { return e.Path }

// ScenarioError lists every problem of a scenario.
type ScenarioError []FieldError

func (e ScenarioError) Error() string {
	parts := make([]string, len(e))
	for i, f := range e {
		parts[i] = f.Error()
	}
	return "invalid scenario: " + strings.Join(parts, "; ")
}

// Unwrap gives each problem as its own error, so callers can list them.
func (e ScenarioError) Unwrap() []error {
	out := make([]error, len(e))
	for i, f := range e {
		out[i] = f
	}
	return out
}

// Defaults used when a scenario leaves a field out.
const (
	DefaultBaseYear        = 2022
	DefaultHorizon         = 2045
	DefaultOccupancy       = 0.92
	DefaultContractedHours = 37.5
	DefaultProductive      = 0.75
	DefaultResidentialHrs  = 25
	DefaultNursingHrs      = 35
	DefaultPersonsPerHome  = 2.3
	DefaultNeedMeasure     = "adl_need_help"
	DefaultPriceBase       = "2022-23"
	DefaultBaseYears       = 3
)

// DefaultUnitCosts are carecast's illustrative unit costs at 2022-23 prices: ASSUMPTIONS, not
// data (the default dataset has no unit costs). They are round figures of the order councils
// report (gross weekly cost of a care-home placement for a person 65+, the hourly rate for home
// care, the weekly cost of a direct payment or day care); every council should set its own.
var DefaultUnitCosts = map[string]struct {
	Cost float64
	Unit string
}{
	"residential":     {800, "week"},
	"nursing":         {950, "week"},
	"home_care":       {24, "hour"},
	"direct_payments": {300, "week"},
	"day_care":        {150, "week"},
	"meals":           {35, "week"},
}

// WithDefaults returns a copy of s with every omitted field set to its default.
func (s Scenario) WithDefaults() Scenario {
	if s.SchemaVersion == 0 {
		s.SchemaVersion = ScenarioVersion
	}
	if s.BaseYear == 0 {
		s.BaseYear = DefaultBaseYear
	}
	if s.Horizon == 0 {
		s.Horizon = DefaultHorizon
	}
	if s.Population.Source == "" {
		s.Population.Source = "cohort"
	}
	if s.Population.Variant == "" {
		s.Population.Variant = "principal"
	}
	if s.Services.NeedMeasure == "" {
		s.Services.NeedMeasure = DefaultNeedMeasure
	}
	if s.Services.BaseYears == 0 {
		s.Services.BaseYears = DefaultBaseYears
	}
	c := &s.Capacity
	if c.Occupancy == 0 {
		c.Occupancy = DefaultOccupancy
	}
	if c.ContractedHours == 0 {
		c.ContractedHours = DefaultContractedHours
	}
	if c.ProductiveShare == 0 {
		c.ProductiveShare = DefaultProductive
	}
	if c.ResidentialStaffing == 0 {
		c.ResidentialStaffing = DefaultResidentialHrs
	}
	if c.NursingStaffing == 0 {
		c.NursingStaffing = DefaultNursingHrs
	}
	if s.Costs.Terms == "" {
		s.Costs.Terms = "real"
	}
	if s.Costs.PriceBase == "" {
		s.Costs.PriceBase = DefaultPriceBase
	}
	if len(s.Uncertainty.Quantiles) == 0 {
		s.Uncertainty.Quantiles = []float64{0.1, 0.5, 0.9}
	}
	s.Levers = slices.Clone(s.Levers)
	for i := range s.Levers {
		l := &s.Levers[i]
		if l.Profile == "" {
			l.Profile = "linear"
		}
		if l.Type == LeverDwellings {
			if l.PersonsPerHome == 0 {
				l.PersonsPerHome = DefaultPersonsPerHome
			}
			if l.AgeProfile == "" {
				l.AgeProfile = "migrants"
			}
		}
	}
	return s
}

var codeRe = regexp.MustCompile(`^E(92|12|10|06|07|08|09)[0-9]{6}$`)

// Check returns every problem with the scenario that a JSON Schema cannot express, given the
// data it will run on (which areas and measures exist). Call it on WithDefaults' result.
func (s *Scenario) Check(in Catalog) error {
	var errs ScenarioError
	add := func(path, format string, args ...any) {
		errs = append(errs, FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if s.SchemaVersion != ScenarioVersion {
		add("schema_version", "this build reads version %d, not %d", ScenarioVersion, s.SchemaVersion)
	}
	if strings.TrimSpace(s.Name) == "" {
		add("name", "a scenario needs a name")
	}
	if !slices.Contains(in.BaseYears(), s.BaseYear) {
		add("base_year", "%d has no single-year estimate for every district; use one of %v", s.BaseYear, in.BaseYears())
	}
	if s.Horizon <= s.BaseYear {
		add("horizon", "the horizon %d must come after the base year %d", s.Horizon, s.BaseYear)
	}
	if last := in.LastRateYear(); s.Horizon > last+1 {
		add("horizon", "the national assumptions run only to %d", last+1)
	}
	checkAreas := func(path string, codes []string) {
		for i, c := range codes {
			a := in.Area(c)
			switch {
			case !codeRe.MatchString(c):
				add(fmt.Sprintf("%s[%d]", path, i), "%q is not an English GSS area code (E92, E12, E10, E06, E07, E08 or E09 and 6 digits)", c)
			case a == nil:
				add(fmt.Sprintf("%s[%d]", path, i), "area %s is not in the areas table", c)
			case a.ValidTo != "":
				add(fmt.Sprintf("%s[%d]", path, i), "area %s (%s) ended on %s; use %s", c, a.Name, a.ValidTo, orNone(a.Successor))
			}
		}
	}
	checkAreas("areas", s.Areas)
	switch s.Population.Source {
	case "cohort":
	case "supplied":
		if vc, ok := in.(VariantCatalog); ok {
			if vs := vc.ProjectionVariants(); !slices.Contains(vs, s.Population.Variant) {
				have := "none"
				if len(vs) > 0 {
					have = strings.Join(vs, ", ")
				}
				add("population.variant", "the data has no %q projection; it has %s", s.Population.Variant, have)
			}
		} else if s.Population.Variant != "principal" {
			add("population.variant", "only the principal variant is in the data")
		}
		var vs []string
		if vc, ok := in.(VariantCatalog); ok {
			vs = vc.ProjectionVariants()
		}
		seen := map[string]bool{}
		for i, w := range s.Population.VariantWeights {
			path := fmt.Sprintf("population.variant_weights[%d]", i)
			switch {
			case vs != nil && !slices.Contains(vs, w.Variant):
				add(path+".variant", "the data has no %q projection", w.Variant)
			case seen[w.Variant]:
				add(path+".variant", "%q is weighted twice", w.Variant)
			}
			seen[w.Variant] = true
			if !(w.Weight > 0) || math.IsInf(w.Weight, 0) {
				add(path+".weight", "a weight must be a finite number above 0, not %v", w.Weight)
			}
		}
	default:
		add("population.source", "%q is not cohort or supplied", s.Population.Source)
	}
	if len(s.Population.VariantWeights) > 0 && s.Population.Source != "supplied" {
		add("population.variant_weights", "variant weights need the supplied population source")
	}
	measures := in.PrevalenceMeasures()
	for i, p := range s.Prevalence {
		years, ok := measures[p.Measure]
		switch {
		case !ok:
			add(fmt.Sprintf("prevalence[%d].measure", i), "unknown measure %q; the data has %s", p.Measure, strings.Join(sortedKeys(measures), ", "))
		case p.EvidenceYear != 0 && !slices.Contains(years, p.EvidenceYear):
			add(fmt.Sprintf("prevalence[%d].evidence_year", i), "%s has evidence from %v, not %d", p.Measure, years, p.EvidenceYear)
		}
	}
	if _, ok := measures[s.Services.NeedMeasure]; !ok && !s.Services.PerHead {
		add("services.need_measure", "unknown measure %q", s.Services.NeedMeasure)
	}
	if u := s.Services.UseTrend; u != "" && u != UseTrendHistory && u != UseTrendNone {
		add("services.use_trend", "must be %q or %q, not %q", UseTrendHistory, UseTrendNone, u)
	}
	kinds := map[string]bool{}
	for i, d := range s.Datasets {
		if kinds[d.Kind] {
			add(fmt.Sprintf("datasets[%d].kind", i), "%s is chosen twice", d.Kind)
		}
		kinds[d.Kind] = true
	}
	shares := map[string]float64{}
	for i, d := range s.Services.Drivers {
		p := fmt.Sprintf("services.drivers[%d]", i)
		if !slices.Contains(ServiceNames, d.Service) {
			add(p+".service", "unknown service %q; want one of %s", d.Service, strings.Join(ServiceNames, ", "))
		}
		if _, ok := measures[d.Measure]; !ok {
			add(p+".measure", "unknown measure %q; the data has %s", d.Measure, strings.Join(sortedKeys(measures), ", "))
		}
		if !(d.Share >= 0 && d.Share <= 1) {
			add(p+".share", "share %v is not between 0 and 1", d.Share)
			continue
		}
		shares[d.Service] += d.Share
	}
	for _, name := range ServiceNames {
		if shares[name] > 1+1e-9 {
			add("services.drivers", "the shares of %s add to %.4g, more than 1", name, shares[name])
		}
	}
	if !s.Services.PerHead {
		for i, ds := range s.Services.ResolveDrivers(s.Services.Drivers) {
			if len(ds) > MaxDriversPerService {
				add("services.drivers", "%s has %d driving measures; at most %d", ServiceNames[i], len(ds), MaxDriversPerService)
			}
		}
	}
	if q := s.Uncertainty.Quantiles; len(q) != 3 || !(0 < q[0] && q[0] < q[1] && q[1] < q[2] && q[2] < 1) {
		add("uncertainty.quantiles", "want three increasing quantiles strictly between 0 and 1, got %v", q)
	}
	for i, u := range s.Costs.UnitCosts {
		if _, ok := DefaultUnitCosts[u.Service]; !ok {
			add(fmt.Sprintf("costs.unit_costs[%d].service", i), "unknown service %q", u.Service)
		}
	}
	supplied := map[[2]string]bool{}
	for i, u := range s.Capacity.Supply {
		p := fmt.Sprintf("capacity.supply[%d]", i)
		if _, ok := SupplyUnits[u.Service]; !ok {
			add(p+".service", "supply of %q cannot be set; set residential, nursing or home_care", u.Service)
		}
		if a := in.Area(u.Area); a == nil || !a.IsCouncil() {
			add(p+".area", "%q is not a council with social care responsibilities (supply is set council by council)", u.Area)
		}
		if !(u.Capacity >= 0) || math.IsInf(u.Capacity, 0) {
			add(p+".capacity", "must be a finite number, 0 or more, not %v", u.Capacity)
		}
		if k := [2]string{u.Area, u.Service}; supplied[k] {
			add(p, "the supply of %s in %s is set twice", u.Service, u.Area)
		} else {
			supplied[k] = true
		}
	}
	for i, l := range s.Levers {
		p := fmt.Sprintf("levers[%d]", i)
		if l.End < l.Start {
			add(p+".end", "end %d is before start %d", l.End, l.Start)
		}
		if l.Start <= s.BaseYear {
			add(p+".start", "a lever must start after the base year %d", s.BaseYear)
		}
		if l.Start > s.Horizon {
			add(p+".start", "start %d is after the horizon %d", l.Start, s.Horizon)
		}
		if _, err := ParseProfile(l.Profile); err != nil {
			add(p+".profile", "%v", err)
		}
		if math.IsNaN(l.Value) || math.IsInf(l.Value, 0) {
			add(p+".value", "not a finite number")
		}
		if (l.Low == nil) != (l.High == nil) {
			add(p+".low", "give both low and high, or neither")
		} else if l.Low != nil && (math.IsInf(*l.Low, 0) || math.IsInf(*l.High, 0)) {
			add(p+".low", "the 80%% interval [%v, %v] must be finite", *l.Low, *l.High)
		} else if l.Low != nil && !(*l.Low <= l.Value && l.Value <= *l.High) {
			add(p+".low", "the 80%% interval [%v, %v] must contain the value %v", *l.Low, *l.High, l.Value)
		}
		lo, hi := l.Value, l.Value
		if l.Low != nil && l.High != nil {
			lo, hi = *l.Low, *l.High
		}
		switch l.Type {
		case LeverPrevalenceTrend:
			if _, ok := measures[l.Measure]; !ok {
				add(p+".measure", "prevalence_trend needs a known measure, one of %s", strings.Join(sortedKeys(measures), ", "))
			}
		case LeverServiceTrend:
			if _, ok := DefaultUnitCosts[l.Service]; !ok {
				add(p+".service", "service_trend needs a service, one of %s, not %q", strings.Join(sortedKeys(DefaultUnitCosts), ", "), l.Service)
			}
		}
		if r, ok := LeverRanges[l.Type]; !ok {
			add(p+".type", "unknown lever type %q", l.Type)
		} else if finite(lo) && finite(hi) && (!r.contains(lo) || !r.contains(hi)) {
			add(p+".value", "must be %s (%s); got %s", r, r.Why, valueOrInterval(l.Value, lo, hi))
		}
		checkAreas(p+".areas", l.Areas)
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// LeverRange is the range of values a lever type takes: Min < value (or Min ≤ value when
// MinIncluded) and value ≤ Max. Ranges keep every run's numbers finite and within what a
// scenario can mean; Why says what the bounds rest on.
type LeverRange struct {
	Min, Max    float64
	MinIncluded bool
	Why         string
}

func (r LeverRange) contains(v float64) bool {
	if r.MinIncluded {
		return v >= r.Min && v <= r.Max
	}
	return v > r.Min && v <= r.Max
}

// String gives the range as "within -20..20" or "above 0 and at most 1000000".
func (r LeverRange) String() string {
	if r.MinIncluded {
		return fmt.Sprintf("within %v..%v", r.Min, r.Max)
	}
	return fmt.Sprintf("above %v and at most %.0f", r.Min, r.Max)
}

// LeverRanges are the values each lever type takes (a lever's value and both ends of its 80%
// interval must lie in its range). Annual rates are capped at ±20% a year: compounded over a
// 25-year horizon that is a factor between 0.004 and 95, well beyond any trend seen in
// prevalence, death rates, service use or real unit costs, yet finite in every run.
var LeverRanges = map[string]LeverRange{
	LeverPrevalenceTrend:      {Min: -20, Max: 20, MinIncluded: true, Why: "% a year"},
	LeverMorbidityCompression: {Min: 0, Max: 1, MinIncluded: true, Why: "a share of the life-expectancy gain"},
	LeverMortalityImprovement: {Min: -20, Max: 20, MinIncluded: true, Why: "% a year"},
	LeverMigration:            {Min: -100, Max: 500, MinIncluded: true, Why: "% change in net migration; -100 removes it, 500 is six times it"},
	LeverDwellings:            {Min: 0, Max: 1_000_000, Why: "homes completed over the lever's window; England completes about 200,000 a year"},
	LeverServiceTrend:         {Min: -20, Max: 20, MinIncluded: true, Why: "% a year"},
	LeverShiftToHomeCare:      {Min: 0, Max: 100, MinIncluded: true, Why: "% of residential residents"},
	LeverAdmissionAvoidance:   {Min: 0, Max: 100, MinIncluded: true, Why: "% of residential and nursing residents"},
	LeverEligibility:          {Min: -100, Max: 200, MinIncluded: true, Why: "% change in every service's use; 200 triples it"},
	LeverUnitCostGrowth:       {Min: -20, Max: 20, MinIncluded: true, Why: "% a year, in real terms"},
	LeverNotCouncilFunded: {Min: 0, Max: 0.95, MinIncluded: true,
		Why: "a share of all care-home residents; at 0.95 those not funded by their council are 19 times the council's"},
}

// valueOrInterval describes what a range check looked at: the value, or its 80% interval.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func valueOrInterval(v, lo, hi float64) string {
	if lo == v && hi == v {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("the interval [%v, %v]", lo, hi)
}

func orNone(s string) string {
	if s == "" {
		return "the areas that replaced it"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
