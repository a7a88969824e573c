package datasets

import (
	"fmt"
	"slices"
	"strings"

	"github.com/carecast/carecast/forecast"
)

// Kind names a canonical dataset.
type Kind string

// The canonical dataset kinds (docs/design.md §3, plus the three population tables that
// official publications need: totals, the oldest ages, and life expectancy).
const (
	KindAreas            Kind = "areas"
	KindPopulation       Kind = "population"
	KindPopulationOldest Kind = "population_oldest"
	KindPopulationTotals Kind = "population_totals"
	KindMortality        Kind = "mortality"
	KindFertility        Kind = "fertility"
	KindMigration        Kind = "migration"
	KindLifeExpectancy   Kind = "life_expectancy"
	KindPrevalence       Kind = "prevalence"
	KindServiceActivity  Kind = "service_activity"
	KindUnitCosts        Kind = "unit_costs"
	KindSupply           Kind = "supply"
	KindDeprivation      Kind = "deprivation"
	KindActivityHistory  Kind = "activity_history"
	KindTopicRates       Kind = "topic_rates"
)

// Kinds lists every canonical kind in a stable order.
var Kinds = []Kind{KindAreas, KindPopulation, KindPopulationOldest, KindPopulationTotals,
	KindMortality, KindFertility, KindMigration, KindLifeExpectancy, KindPrevalence,
	KindServiceActivity, KindUnitCosts, KindSupply, KindDeprivation, KindActivityHistory, KindTopicRates}

// ParseKind returns the Kind named s, or an error listing the kinds.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown dataset kind %q; want one of %s", s, strings.Join(names, ", "))
}

// Area types, from the GSS code prefix.
const (
	AreaCountry                 = "country"                   // E92
	AreaRegion                  = "region"                    // E12
	AreaCounty                  = "county"                    // E10
	AreaUnitary                 = "unitary"                   // E06
	AreaMetropolitanDistrict    = "metropolitan_district"     // E08
	AreaLondonBorough           = "london_borough"            // E09
	AreaNonMetropolitanDistrict = "non_metropolitan_district" // E07
)

var areaTypePrefix = map[string]string{
	AreaCountry: "E92", AreaRegion: "E12", AreaCounty: "E10", AreaUnitary: "E06",
	AreaMetropolitanDistrict: "E08", AreaLondonBorough: "E09", AreaNonMetropolitanDistrict: "E07",
}

// Area is a row of the areas dataset: one ONS area with its place in the hierarchy and its
// lifetime. ParentCode is the next level up (district → county, upper tier → region, region →
// England; "" for England); RegionCode is the region it lies in ("" for England). ValidFrom and
// ValidTo are ISO dates ("" = open); SuccessorCode names the area that took it over when it
// ended ("" while valid).
type Area struct {
	AreaCode      string `parquet:"area_code,dict"`
	AreaName      string `parquet:"area_name"`
	AreaType      string `parquet:"area_type,dict"`
	ParentCode    string `parquet:"parent_code,dict"`
	RegionCode    string `parquet:"region_code,dict"`
	ValidFrom     string `parquet:"valid_from,dict"`
	ValidTo       string `parquet:"valid_to,dict"`
	SuccessorCode string `parquet:"successor_code,dict"`
	Source        string `parquet:"source,dict"`
}

// IsCouncil reports whether the area is upper tier: a council with adult social services
// responsibilities (forecast.AreaInfo.IsCouncil).
func (a Area) IsCouncil() bool { return (&forecast.AreaInfo{Type: a.AreaType}).IsCouncil() }

// Population is a row of the population dataset: people in an area on 30 June of Year, by sex
// and single year of age (90 = 90 and over). Kind is "estimate" or "projection"; Variant names
// the projection variant (e.g. "principal"), "" for estimates.
type Population struct {
	AreaCode string  `parquet:"area_code,dict"`
	Year     int32   `parquet:"year"`
	Sex      string  `parquet:"sex,dict"`
	Age      int32   `parquet:"age"`
	Count    float64 `parquet:"count"`
	Kind     string  `parquet:"kind,dict"`
	Variant  string  `parquet:"variant,dict"`
	Source   string  `parquet:"source,dict"`
}

// PopulationOldest is a row of the population_oldest dataset: single years of age within the
// open 90+ group (90..105, 105 = 105 and over), used as the reference structure to split it.
type PopulationOldest struct {
	AreaCode string  `parquet:"area_code,dict"`
	Year     int32   `parquet:"year"`
	Sex      string  `parquet:"sex,dict"`
	Age      int32   `parquet:"age"`
	Count    float64 `parquet:"count"`
	Kind     string  `parquet:"kind,dict"`
	Variant  string  `parquet:"variant,dict"`
	Source   string  `parquet:"source,dict"`
}

// OldestAge is the open top age of population_oldest: 105 means "105 and over".
const OldestAge = 105

// PopulationTotal is a row of the population_totals dataset: people in an area for a sex
// ("female", "male" or "all") and an age range AgeFrom..AgeTo (90 = 90 and over), for series
// published without single years by sex (all-age totals 2001–2020, projections of people 60+).
type PopulationTotal struct {
	AreaCode string  `parquet:"area_code,dict"`
	Year     int32   `parquet:"year"`
	Sex      string  `parquet:"sex,dict"`
	AgeFrom  int32   `parquet:"age_from"`
	AgeTo    int32   `parquet:"age_to"`
	Count    float64 `parquet:"count"`
	Kind     string  `parquet:"kind,dict"`
	Variant  string  `parquet:"variant,dict"`
	Source   string  `parquet:"source,dict"`
}

// Mortality is a row of the mortality dataset. RateType "qx" is the probability that a person
// aged Age at mid-year Year dies before the next mid-year; "qbirth" (Age 0) is the probability
// that a baby born between mid-year Year and Year+1 dies before that mid-year; "mx" is a central
// death rate. Rates are per person. Ages run 0..125.
type Mortality struct {
	AreaCode string  `parquet:"area_code,dict"`
	Year     int32   `parquet:"year"`
	Sex      string  `parquet:"sex,dict"`
	Age      int32   `parquet:"age"`
	Rate     float64 `parquet:"rate"`
	RateType string  `parquet:"rate_type,dict"`
	Source   string  `parquet:"source,dict"`
}

// MaxMortalityAge is the highest age a mortality table may carry.
const MaxMortalityAge = 125

// Fertility is a row of the fertility dataset: births per woman aged Age (10..55) in the year
// from mid-year Year to Year+1.
type Fertility struct {
	AreaCode string  `parquet:"area_code,dict"`
	Year     int32   `parquet:"year"`
	Age      int32   `parquet:"age"`
	Rate     float64 `parquet:"rate"`
	Source   string  `parquet:"source,dict"`
}

// Migration is a row of the migration dataset: migrants in the year from mid-year Year to
// Year+1, by sex and age (0..105, 105 = 105 and over), for Flow "in", "out" or "net" (net may be
// negative; in and out may not).
type Migration struct {
	AreaCode string  `parquet:"area_code,dict"`
	Year     int32   `parquet:"year"`
	Sex      string  `parquet:"sex,dict"`
	Age      int32   `parquet:"age"`
	Flow     string  `parquet:"flow,dict"`
	Count    float64 `parquet:"count"`
	Source   string  `parquet:"source,dict"`
}

// LifeExpectancy is a row of the life_expectancy dataset: expectation of life in years at exact
// age Age, of type "period" or "cohort".
type LifeExpectancy struct {
	AreaCode string  `parquet:"area_code,dict"`
	Year     int32   `parquet:"year"`
	Sex      string  `parquet:"sex,dict"`
	Age      int32   `parquet:"age"`
	Ex       float64 `parquet:"ex"`
	ExType   string  `parquet:"ex_type,dict"`
	Source   string  `parquet:"source,dict"`
}

// Prevalence is a row of the prevalence dataset: the share of people of Sex ("female", "male"
// or "all") aged AgeFrom..AgeTo (90 = 90 and over) who have Measure, with its 95% interval where
// published (RateLo and RateHi nil otherwise), from evidence gathered in EvidenceYear.
type Prevalence struct {
	Measure      string   `parquet:"measure,dict"`
	Sex          string   `parquet:"sex,dict"`
	AgeFrom      int32    `parquet:"age_from"`
	AgeTo        int32    `parquet:"age_to"`
	Rate         float64  `parquet:"rate"`
	RateLo       *float64 `parquet:"rate_lo,optional"`
	RateHi       *float64 `parquet:"rate_hi,optional"`
	EvidenceYear int32    `parquet:"evidence_year"`
	Source       string   `parquet:"source,dict"`
}

// ServiceActivity is a row of the service_activity dataset: a council's use of Service by people
// in AgeBand ("65+", "18-64", …) in the financial year starting in Year. Measure is "clients"
// (PSS-EX1: people receiving the service at 31 March), "weeks" (weeks of care in the year),
// "hours" (hours of care in the year), "clients_year_end" (SALT: clients of long-term support
// at 31 March, by the setting of Service) or "clients_in_year" (SALT: clients of long-term
// support at any time in the year). SALT's settings are services "residential", "nursing",
// "direct_payments" and "community_support" (managed personal budgets and commissioned support
// only: home care with other community services, which SALT does not split), and
// "long_term_support" for a council's all-settings total where only that was published.
type ServiceActivity struct {
	AreaCode string  `parquet:"area_code,dict"`
	Year     int32   `parquet:"year"`
	Service  string  `parquet:"service,dict"`
	AgeBand  string  `parquet:"age_band,dict"`
	Measure  string  `parquet:"measure,dict"`
	Value    float64 `parquet:"value"`
	Source   string  `parquet:"source,dict"`
}

// UnitCost is a row of the unit_costs dataset: the cost in pounds of one Unit ("week", "hour",
// "client_year") of Service in the financial year starting in Year, at the prices named by
// PriceBase (e.g. "2022-23", or "cash").
type UnitCost struct {
	AreaCode  string  `parquet:"area_code,dict"`
	Year      int32   `parquet:"year"`
	Service   string  `parquet:"service,dict"`
	Unit      string  `parquet:"unit,dict"`
	Cost      float64 `parquet:"cost"`
	PriceBase string  `parquet:"price_base,dict"`
	Source    string  `parquet:"source,dict"`
}

// Supply is a row of the supply dataset: capacity of Service in an area in Year, in Unit
// ("beds", "hours_per_week", "staff_fte").
type Supply struct {
	AreaCode string  `parquet:"area_code,dict"`
	Year     int32   `parquet:"year"`
	Service  string  `parquet:"service,dict"`
	Capacity float64 `parquet:"capacity"`
	Unit     string  `parquet:"unit,dict"`
	Source   string  `parquet:"source,dict"`
}

// Deprivation is a row of the deprivation dataset: an area's value of Measure
// ("imd_average_score", "imd_rank_of_average_score", "imd_income_score", "idaopi_average_score")
// in the English Indices of Deprivation Edition (e.g. "IoD2019"); Method says how the figure was
// made ("published", or e.g. "population-weighted mean of its districts' scores").
type Deprivation struct {
	AreaCode string  `parquet:"area_code,dict"`
	Measure  string  `parquet:"measure,dict"`
	Value    float64 `parquet:"value"`
	Edition  string  `parquet:"edition,dict"`
	Method   string  `parquet:"method,dict"`
	Source   string  `parquet:"source,dict"`
}

// ActivityHistory is a row of the activity_history dataset: a council's use of Service by
// people in AgeBand in the financial year starting in Year (2022 = 2022-23), from Provision
// ("in_house", "external" or "total"), as the return named by Definition counted it:
// "pss-ex1" (PSS-EX1, to 2013-14) or "ascfr" (ASC-FR, from 2014-15). The two returns define
// their items differently, so levels are not comparable across the 2014-15 break.
//
// Service and Measure go together: "residential" and "nursing" in "weeks" (client weeks of
// long-term care in the year), "home_care" in "hours" (hours of home care in the year) and
// "day_care" in "clients_per_week" (day care clients a week, on average over the year). Home
// care and day care come from PSS-EX1 items that are not split by age and have AgeBand "18+".
type ActivityHistory struct {
	AreaCode   string  `parquet:"area_code,dict"`
	Year       int32   `parquet:"year"`
	Service    string  `parquet:"service,dict"`
	AgeBand    string  `parquet:"age_band,dict"`
	Provision  string  `parquet:"provision,dict"`
	Measure    string  `parquet:"measure,dict"`
	Definition string  `parquet:"definition,dict"`
	Value      float64 `parquet:"value"`
	Source     string  `parquet:"source,dict"`
}

// The activity_history definitions and the first financial year (start) of ASC-FR.
const (
	DefinitionPSSEX1 = "pss-ex1"
	DefinitionASCFR  = "ascfr"
	FirstASCFRYear   = 2014 // 2014-15, the first year of ASC-FR
)

// HistoryMeasure returns the measure activity_history counts service in ("" for a service it
// does not hold).
func HistoryMeasure(service string) string { return historyMeasure[service] }

var historyMeasure = map[string]string{"residential": "weeks", "nursing": "weeks", "home_care": "hours", "day_care": "clients_per_week"}

// TopicRate is a row of the topic_rates dataset: one published cell of a POPPI or PANSI topic
// (Projecting Older People / Adult Needs and Service Information, Institute of Public Care), with
// the study it comes from and a source that can be checked. Rate is the share (0..1) of people of
// Sex ("female", "male" or "all") aged AgeFrom..AgeTo in Population who have the topic's
// condition or need; AgeTo TopicOpenAge means "and over". RateLo and RateHi are the 95% interval
// where published (nil otherwise).
//
// Basis says what Rate is a share of: "population" (the people in the band: a rate carecast
// applies to population counts), "headline" (a study's summary figure, or the all-ages total of
// the bands of the same table: listed, applied only as a stated assumption),
// "share_of_people_with_dementia" (severity and subtype splits) and "share_of_households"
// (households, not people). Only "population" rows count people directly.
type TopicRate struct {
	Topic      string   `parquet:"topic,dict"`
	Population string   `parquet:"population,dict"`
	Label      string   `parquet:"label,dict"`
	Sex        string   `parquet:"sex,dict"`
	AgeFrom    int32    `parquet:"age_from"`
	AgeTo      int32    `parquet:"age_to"`
	Rate       float64  `parquet:"rate"`
	RateLo     *float64 `parquet:"rate_lo,optional"`
	RateHi     *float64 `parquet:"rate_hi,optional"`
	Basis      string   `parquet:"basis,dict"`
	Study      string   `parquet:"study,dict"`
	SourceURL  string   `parquet:"source_url,dict"`
	Locator    string   `parquet:"locator,dict"`
	Notes      string   `parquet:"notes,dict"`
	Source     string   `parquet:"source,dict"`
}

// TopicOpenAge is the age_to of an open topic band: 120 means "and over".
const TopicOpenAge = 120

// The topic_rates bases (TopicRate.Basis).
const (
	BasisPopulation      = "population"
	BasisHeadline        = "headline"
	BasisDementiaShare   = "share_of_people_with_dementia"
	BasisHouseholdsShare = "share_of_households"
)

var topicBases = []string{BasisPopulation, BasisHeadline, BasisDementiaShare, BasisHouseholdsShare}

// Record is the set of row types, one per Kind.
type Record interface {
	Area | Population | PopulationOldest | PopulationTotal | Mortality | Fertility | Migration |
		LifeExpectancy | Prevalence | ServiceActivity | UnitCost | Supply | Deprivation | ActivityHistory | TopicRate
}

// KindOf returns the Kind whose rows are of type T.
func KindOf[T Record]() Kind {
	var zero T
	switch any(zero).(type) {
	case Area:
		return KindAreas
	case Population:
		return KindPopulation
	case PopulationOldest:
		return KindPopulationOldest
	case PopulationTotal:
		return KindPopulationTotals
	case Mortality:
		return KindMortality
	case Fertility:
		return KindFertility
	case Migration:
		return KindMigration
	case LifeExpectancy:
		return KindLifeExpectancy
	case Prevalence:
		return KindPrevalence
	case ServiceActivity:
		return KindServiceActivity
	case UnitCost:
		return KindUnitCosts
	case Supply:
		return KindSupply
	case Deprivation:
		return KindDeprivation
	case ActivityHistory:
		return KindActivityHistory
	case TopicRate:
		return KindTopicRates
	}
	panic("unreachable")
}

var (
	sexes          = []string{"female", "male"}
	sexesOrAll     = []string{"female", "male", "all"}
	popKinds       = []string{"estimate", "projection"}
	areaTypes      = []string{AreaCountry, AreaRegion, AreaCounty, AreaUnitary, AreaMetropolitanDistrict, AreaLondonBorough, AreaNonMetropolitanDistrict}
	rateTypes      = []string{"qx", "qbirth", "mx"}
	flows          = []string{"in", "out", "net"}
	exTypes        = []string{"period", "cohort"}
	activityMeasrs = []string{"clients", "weeks", "hours", "clients_year_end", "clients_in_year"}
	historySvcs    = []string{"residential", "nursing", "home_care", "day_care"}
	historyMeasrs  = []string{"weeks", "hours", "clients_per_week"}
	provisions     = []string{"in_house", "external", "total"}
	definitions    = []string{DefinitionPSSEX1, DefinitionASCFR}
)

func sc(name string, doc string) colSpec { return colSpec{name: name, typ: colString, doc: doc} }
func osc(name string, doc string) colSpec {
	return colSpec{name: name, typ: colString, optional: true, doc: doc}
}
func ic(name string, doc string) colSpec { return colSpec{name: name, typ: colInt, doc: doc} }
func fc(name string, doc string) colSpec { return colSpec{name: name, typ: colFloat, doc: doc} }
func ofc(name string, doc string) colSpec {
	return colSpec{name: name, typ: colFloat, optional: true, doc: doc}
}

var specs = map[Kind][]colSpec{
	KindAreas: {sc("area_code", "GSS code"), sc("area_name", "name"), sc("area_type", strings.Join(areaTypes, "|")),
		osc("parent_code", "next level up"), osc("region_code", "region"), osc("valid_from", "YYYY-MM-DD"), osc("valid_to", "YYYY-MM-DD"),
		osc("successor_code", "area that took over"), sc("source", "publisher and edition")},
	KindPopulation: {sc("area_code", "GSS code"), ic("year", "mid-year"), sc("sex", "female|male"), ic("age", "0..90, 90 = 90+"),
		fc("count", "people"), sc("kind", "estimate|projection"), osc("variant", "projection variant"), sc("source", "publisher and edition")},
	KindPopulationOldest: {sc("area_code", "GSS code"), ic("year", "mid-year"), sc("sex", "female|male"), ic("age", "90..105, 105 = 105+"),
		fc("count", "people"), sc("kind", "estimate|projection"), osc("variant", "projection variant"), sc("source", "publisher and edition")},
	KindPopulationTotals: {sc("area_code", "GSS code"), ic("year", "mid-year"), sc("sex", "female|male|all"), ic("age_from", "0..90"), ic("age_to", "0..90, 90 = 90+"),
		fc("count", "people"), sc("kind", "estimate|projection"), osc("variant", "projection variant"), sc("source", "publisher and edition")},
	KindMortality: {sc("area_code", "GSS code"), ic("year", "year starting at mid-year"), sc("sex", "female|male"), ic("age", "0..125"),
		fc("rate", "per person"), sc("rate_type", "qx|qbirth|mx"), sc("source", "publisher and edition")},
	KindFertility: {sc("area_code", "GSS code"), ic("year", "year starting at mid-year"), ic("age", "age of mother 10..55"),
		fc("rate", "births per woman"), sc("source", "publisher and edition")},
	KindMigration: {sc("area_code", "GSS code"), ic("year", "year starting at mid-year"), sc("sex", "female|male"), ic("age", "0..105, 105 = 105+"),
		sc("flow", "in|out|net"), fc("count", "people"), sc("source", "publisher and edition")},
	KindLifeExpectancy: {sc("area_code", "GSS code"), ic("year", "year"), sc("sex", "female|male"), ic("age", "exact age 0..110"),
		fc("ex", "years"), sc("ex_type", "period|cohort"), sc("source", "publisher and edition")},
	KindPrevalence: {sc("measure", "identifier"), sc("sex", "female|male|all"), ic("age_from", "0..90"), ic("age_to", "0..90, 90 = 90+"),
		fc("rate", "per person"), ofc("rate_lo", "lower 95% bound"), ofc("rate_hi", "upper 95% bound"), ic("evidence_year", "year"), sc("source", "publisher and edition")},
	KindServiceActivity: {sc("area_code", "GSS code"), ic("year", "financial year start"), sc("service", "identifier"), sc("age_band", "e.g. 65+, 18-64"),
		sc("measure", "clients|weeks|hours|clients_year_end|clients_in_year"), fc("value", "amount"), sc("source", "publisher and edition")},
	KindUnitCosts: {sc("area_code", "GSS code"), ic("year", "financial year start"), sc("service", "identifier"), sc("unit", "week|hour|client_year"),
		fc("cost", "pounds per unit"), sc("price_base", "e.g. 2022-23 or cash"), sc("source", "publisher and edition")},
	KindDeprivation: {sc("area_code", "GSS code"), sc("measure", "identifier"), fc("value", "score, rank or proportion"),
		sc("edition", "e.g. IoD2019"), sc("method", "published, or how it was derived"), sc("source", "publisher and edition")},
	KindSupply: {sc("area_code", "GSS code"), ic("year", "year"), sc("service", "identifier"), fc("capacity", "amount"),
		sc("unit", "beds|hours_per_week|staff_fte"), sc("source", "publisher and edition")},
	KindActivityHistory: {sc("area_code", "GSS code of the council in force that year"), ic("year", "financial year start"),
		sc("service", strings.Join(historySvcs, "|")), sc("age_band", "65+, or 18+ where the item is not by age"),
		sc("provision", strings.Join(provisions, "|")), sc("measure", "weeks (residential, nursing)|hours (home_care)|clients_per_week (day_care)"),
		sc("definition", "pss-ex1 (to 2013-14)|ascfr (from 2014-15)"), fc("value", "amount"), sc("source", "publisher and edition")},
	KindTopicRates: {sc("topic", "identifier"), sc("population", "the group the rate applies to"), sc("label", "the measure in POPPI/PANSI or the source's words"),
		sc("sex", "female|male|all"), ic("age_from", "0..120"), ic("age_to", "0..120, 120 = and over"), fc("rate", "per person"),
		ofc("rate_lo", "lower 95% bound"), ofc("rate_hi", "upper 95% bound"), sc("basis", strings.Join(topicBases, "|")),
		sc("study", "the study the rate comes from"), sc("source_url", "where the rate can be checked"), sc("locator", "sheet, table, row or quote"),
		osc("notes", "verification and caveats"), sc("source", "publisher and edition")},
}

// Columns returns the canonical column names of kind k, in order.
func Columns(k Kind) []string {
	out := make([]string, len(specs[k]))
	for i, c := range specs[k] {
		out[i] = c.name
	}
	return out
}

// decodePopulation checks a population table's rows, handing each to emit (r is reused), and
// then checks them as a set. Read and ReadPopulationCube both decode population this way.
func decodePopulation(t *table, c *checker, emit func(i int, r *Population)) {
	col := t.col
	area, year, sex, age, cnt, kind, variant, src := col("area_code"), col("year"), col("sex"), col("age"), col("count"), col("kind"), col("variant"), col("source")
	// Columns whose every distinct value passes need no check per row (a projection's 1.4
	// million rows hold 300 areas, 2 sexes, 1 kind, 1 variant and 1 source).
	if c.clean(area, chkArea, c.areaRule) && c.clean(sex, chkEnum, enumRule(sexes)) && c.clean(kind, chkEnum, enumRule(popKinds)) &&
		c.clean(variant, chkOptional, nil) && c.clean(src, chkRequired, nil) {
		var r Population
		for i := range t.rows {
			if c.full() {
				break
			}
			r = Population{AreaCode: area.str(i), Year: c.year(year, i), Sex: sex.str(i),
				Age: int32(c.int(age, i, 0, 90, RuleAge)), Count: c.count(cnt, i), Kind: kind.str(i),
				Variant: variant.str(i), Source: src.str(i)}
			emit(i, &r)
		}
	} else {
		var r Population
		for i := range t.rows {
			if c.full() {
				break
			}
			r = Population{AreaCode: c.area(area, i), Year: c.year(year, i), Sex: c.enum(sex, i, sexes...),
				Age: int32(c.int(age, i, 0, 90, RuleAge)), Count: c.count(cnt, i), Kind: c.enum(kind, i, popKinds...),
				Variant: c.optStr(variant, i), Source: c.str(src, i)}
			emit(i, &r)
		}
	}
	// Sorted by (kind, variant, area, year, sex, age) with no repeat and no bad key value, each
	// area-year of 2 × 91 rows holds every sex and age: the grid check would find nothing.
	clean := len(c.r.bad) == 0
	if run := c.dupCheckRuns(4, kind, variant, area, year, sex, age); !clean || run != forecast.NumSexes*forecast.NumAges {
		c.gridCheck(sex, age, 0, 90, -1, false, area, year, kind, variant)
	}
}

// decode turns a table into rows of T, checking every value and then the rows as a set.
func decode[T Record](t *table, c *checker) []T {
	rows := make([]T, t.rows)
	col := t.col
	switch rs := any(rows).(type) {
	case []Area:
		decodeAreas(rs, c)
	case []Population:
		decodePopulation(t, c, func(i int, r *Population) { rs[i] = *r })
	case []PopulationOldest:
		area, year, sex, age, cnt, kind, variant, src := col("area_code"), col("year"), col("sex"), col("age"), col("count"), col("kind"), col("variant"), col("source")
		for i := range rs {
			if c.full() {
				break
			}
			rs[i] = PopulationOldest{AreaCode: c.area(area, i), Year: c.year(year, i), Sex: c.enum(sex, i, sexes...),
				Age: int32(c.int(age, i, 90, OldestAge, RuleAge)), Count: c.count(cnt, i), Kind: c.enum(kind, i, popKinds...),
				Variant: c.optStr(variant, i), Source: c.str(src, i)}
		}
		c.dupCheck(area, year, kind, variant, sex, age)
		c.gridCheck(sex, age, 90, OldestAge, -1, false, area, year, kind, variant)
	case []PopulationTotal:
		area, year, sex, from, to, cnt, kind, variant, src := col("area_code"), col("year"), col("sex"), col("age_from"), col("age_to"), col("count"), col("kind"), col("variant"), col("source")
		for i := range rs {
			if c.full() {
				break
			}
			r := PopulationTotal{AreaCode: c.area(area, i), Year: c.year(year, i), Sex: c.enum(sex, i, sexesOrAll...),
				AgeFrom: int32(c.int(from, i, 0, 90, RuleAge)), AgeTo: int32(c.int(to, i, 0, 90, RuleAge)),
				Count: c.count(cnt, i), Kind: c.enum(kind, i, popKinds...), Variant: c.optStr(variant, i), Source: c.str(src, i)}
			if r.AgeFrom > r.AgeTo {
				c.r.add(i+1, "age_to", RuleInconsistent, "age_to %d is below age_from %d", r.AgeTo, r.AgeFrom)
			}
			rs[i] = r
		}
		c.dupCheck(kind, area, year, sex, from, to, variant)
	case []Mortality:
		area, year, sex, age, rate, typ, src := col("area_code"), col("year"), col("sex"), col("age"), col("rate"), col("rate_type"), col("source")
		for i := range rs {
			if c.full() {
				break
			}
			r := Mortality{AreaCode: c.area(area, i), Year: c.year(year, i), Sex: c.enum(sex, i, sexes...),
				Age: int32(c.int(age, i, 0, MaxMortalityAge, RuleAge)), RateType: c.enum(typ, i, rateTypes...), Source: c.str(src, i)}
			if r.RateType == "mx" {
				r.Rate = c.count(rate, i)
			} else {
				r.Rate = c.rate(rate, i)
			}
			if r.RateType == "qbirth" && r.Age != 0 {
				c.r.add(i+1, "age", RuleInconsistent, "a qbirth rate belongs to age 0, not %d", r.Age)
			}
			rs[i] = r
		}
		c.dupCheck(area, year, sex, typ, age)
		c.gridCheck(sex, age, 0, MaxMortalityAge, 0, true, area, year, typ)
	case []Fertility:
		area, year, age, rate, src := col("area_code"), col("year"), col("age"), col("rate"), col("source")
		for i := range rs {
			if c.full() {
				break
			}
			rs[i] = Fertility{AreaCode: c.area(area, i), Year: c.year(year, i), Age: int32(c.int(age, i, 10, 55, RuleAge)),
				Rate: c.rate(rate, i), Source: c.str(src, i)}
		}
		c.dupCheck(area, year, age)
		c.gridCheck(nil, age, 10, 55, -2, true, area, year)
	case []Migration:
		area, year, sex, age, flow, cnt, src := col("area_code"), col("year"), col("sex"), col("age"), col("flow"), col("count"), col("source")
		for i := range rs {
			if c.full() {
				break
			}
			r := Migration{AreaCode: c.area(area, i), Year: c.year(year, i), Sex: c.enum(sex, i, sexes...),
				Age: int32(c.int(age, i, 0, OldestAge, RuleAge)), Flow: c.enum(flow, i, flows...), Source: c.str(src, i)}
			if r.Flow == "net" {
				r.Count = c.num(cnt, i)
			} else {
				r.Count = c.count(cnt, i)
			}
			rs[i] = r
		}
		c.dupCheck(area, year, flow, sex, age)
		c.gridCheck(sex, age, 0, OldestAge, 0, true, area, year, flow)
	case []LifeExpectancy:
		area, year, sex, age, ex, typ, src := col("area_code"), col("year"), col("sex"), col("age"), col("ex"), col("ex_type"), col("source")
		for i := range rs {
			if c.full() {
				break
			}
			r := LifeExpectancy{AreaCode: c.area(area, i), Year: c.year(year, i), Sex: c.enum(sex, i, sexes...),
				Age: int32(c.int(age, i, 0, 110, RuleAge)), Ex: c.count(ex, i), ExType: c.enum(typ, i, exTypes...), Source: c.str(src, i)}
			if r.Ex > 130 {
				c.r.add(i+1, "ex", RuleRange, "%v years is not a plausible expectation of life", r.Ex)
			}
			rs[i] = r
		}
		c.dupCheck(typ, area, year, sex, age)
	case []Prevalence:
		decodePrevalence(rs, c)
	case []ServiceActivity:
		area, year, svc, band, m, val, src := col("area_code"), col("year"), col("service"), col("age_band"), col("measure"), col("value"), col("source")
		for i := range rs {
			if c.full() {
				break
			}
			rs[i] = ServiceActivity{AreaCode: c.area(area, i), Year: c.year(year, i), Service: c.slug(svc, i),
				AgeBand: c.band(band, i), Measure: c.enum(m, i, activityMeasrs...), Value: c.count(val, i), Source: c.str(src, i)}
		}
		c.dupCheck(area, year, svc, m, band)
	case []UnitCost:
		area, year, svc, unit, cost, pb, src := col("area_code"), col("year"), col("service"), col("unit"), col("cost"), col("price_base"), col("source")
		for i := range rs {
			if c.full() {
				break
			}
			rs[i] = UnitCost{AreaCode: c.area(area, i), Year: c.year(year, i), Service: c.slug(svc, i),
				Unit: c.slug(unit, i), Cost: c.count(cost, i), PriceBase: c.str(pb, i), Source: c.str(src, i)}
		}
		c.dupCheck(area, year, svc, unit)
	case []Supply:
		area, year, svc, capc, unit, src := col("area_code"), col("year"), col("service"), col("capacity"), col("unit"), col("source")
		for i := range rs {
			if c.full() {
				break
			}
			rs[i] = Supply{AreaCode: c.area(area, i), Year: c.year(year, i), Service: c.slug(svc, i),
				Capacity: c.count(capc, i), Unit: c.slug(unit, i), Source: c.str(src, i)}
		}
		c.dupCheck(area, year, svc, unit)
	case []Deprivation:
		area, m, val, ed, meth, src := col("area_code"), col("measure"), col("value"), col("edition"), col("method"), col("source")
		for i := range rs {
			if c.full() {
				break
			}
			rs[i] = Deprivation{AreaCode: c.area(area, i), Measure: c.slug(m, i), Value: c.count(val, i), Edition: c.str(ed, i),
				Method: c.str(meth, i), Source: c.str(src, i)}
		}
		c.dupCheck(area, m, ed)
	case []ActivityHistory:
		decodeActivityHistory(rs, c)
	case []TopicRate:
		decodeTopicRates(rs, c)
	}
	return rows
}

func decodeActivityHistory(rs []ActivityHistory, c *checker) {
	col := c.t.col
	area, year, svc, band, prov, m, def, val, src := col("area_code"), col("year"), col("service"), col("age_band"), col("provision"),
		col("measure"), col("definition"), col("value"), col("source")
	for i := range rs {
		if c.full() {
			return
		}
		r := ActivityHistory{AreaCode: c.area(area, i), Year: c.year(year, i), Service: c.enum(svc, i, historySvcs...),
			AgeBand: c.band(band, i), Provision: c.enum(prov, i, provisions...), Measure: c.enum(m, i, historyMeasrs...),
			Definition: c.enum(def, i, definitions...), Value: c.count(val, i), Source: c.str(src, i)}
		if want, ok := historyMeasure[r.Service]; ok && r.Measure != "" && r.Measure != want {
			c.r.add(i+1, "measure", RuleInconsistent, "%s is counted in %s, not %s", r.Service, want, r.Measure)
		}
		switch {
		case r.Definition == DefinitionPSSEX1 && r.Year >= FirstASCFRYear:
			c.r.add(i+1, "definition", RuleInconsistent, "PSS-EX1 ended with 2013-14; %d-%02d is ASC-FR (ascfr)", r.Year, (r.Year+1)%100)
		case r.Definition == DefinitionASCFR && r.Year < FirstASCFRYear && r.Year >= minYear:
			c.r.add(i+1, "definition", RuleInconsistent, "ASC-FR began with 2014-15; %d-%02d is PSS-EX1 (pss-ex1)", r.Year, (r.Year+1)%100)
		}
		rs[i] = r
	}
	c.dupCheck(area, year, svc, band, prov, m)
}

func decodeTopicRates(rs []TopicRate, c *checker) {
	col := c.t.col
	topic, pop, label, sex, from, to, rate, rlo, rhi, basis, study, url, loc, notes, src := col("topic"), col("population"), col("label"),
		col("sex"), col("age_from"), col("age_to"), col("rate"), col("rate_lo"), col("rate_hi"), col("basis"), col("study"),
		col("source_url"), col("locator"), col("notes"), col("source")
	for i := range rs {
		if c.full() {
			return
		}
		r := TopicRate{Topic: c.slug(topic, i), Population: c.str(pop, i), Label: c.str(label, i), Sex: c.enum(sex, i, sexesOrAll...),
			AgeFrom: int32(c.int(from, i, 0, TopicOpenAge, RuleAge)), AgeTo: int32(c.int(to, i, 0, TopicOpenAge, RuleAge)),
			Rate: c.rate(rate, i), Basis: c.enum(basis, i, topicBases...), Study: c.str(study, i), SourceURL: c.str(url, i),
			Locator: c.str(loc, i), Notes: c.optStr(notes, i), Source: c.str(src, i)}
		r.RateLo, r.RateHi = c.rateInterval(rlo, rhi, i, r.Rate)
		c.ageOrder(i, r.AgeFrom, r.AgeTo)
		rs[i] = r
	}
	c.dupCheck(topic, label, study, sex, from, to)
}

func decodeAreas(rs []Area, c *checker) {
	col := c.t.col
	code, name, typ, parent, region, from, to, succ, src := col("area_code"), col("area_name"), col("area_type"), col("parent_code"),
		col("region_code"), col("valid_from"), col("valid_to"), col("successor_code"), col("source")
	saved := c.opts.KnownAreas
	c.opts.KnownAreas = nil // the areas table defines the codes
	for i := range rs {
		if c.full() {
			break
		}
		r := Area{AreaCode: c.area(code, i), AreaName: c.str(name, i), AreaType: c.enum(typ, i, areaTypes...),
			ParentCode: c.optStr(parent, i), RegionCode: c.optStr(region, i), ValidFrom: c.date(from, i),
			ValidTo: c.date(to, i), SuccessorCode: c.optStr(succ, i), Source: c.str(src, i)}
		if p, ok := areaTypePrefix[r.AreaType]; ok && strings.HasPrefix(r.AreaCode, "E") && len(r.AreaCode) >= 3 && !strings.HasPrefix(r.AreaCode, p) {
			c.r.add(i+1, "area_type", RuleInconsistent, "%s is a %s code but the row says %s", r.AreaCode, r.AreaCode[:3], r.AreaType)
		}
		if r.ValidFrom != "" && r.ValidTo != "" && r.ValidTo < r.ValidFrom {
			c.r.add(i+1, "valid_to", RuleInconsistent, "valid_to %s is before valid_from %s", r.ValidTo, r.ValidFrom)
		}
		if r.SuccessorCode != "" && r.ValidTo == "" {
			c.r.add(i+1, "successor_code", RuleInconsistent, "an area with a successor must have a valid_to date")
		}
		rs[i] = r
	}
	c.opts.KnownAreas = saved
	c.dupCheck(code)
	codes := make(map[string]int, len(rs))
	for i, r := range rs {
		codes[r.AreaCode] = i
	}
	for i, r := range rs {
		for _, ref := range []struct{ col, code string }{{"parent_code", r.ParentCode}, {"region_code", r.RegionCode}, {"successor_code", r.SuccessorCode}} {
			if ref.code == "" {
				continue
			}
			if _, ok := codes[ref.code]; !ok {
				c.r.add(i+1, ref.col, RuleUnknownArea, "%s %s is not an area in this table", ref.col, quote(ref.code))
			}
		}
		if r.ParentCode == "" && r.AreaType != AreaCountry && r.AreaType != "" {
			c.r.add(i+1, "parent_code", RuleEmpty, "only a country may have no parent")
		}
	}
	// No cycles in the parent chain.
	for i, r := range rs {
		if c.full() {
			return
		}
		seen := map[string]bool{r.AreaCode: true}
		for p := r.ParentCode; p != ""; {
			if seen[p] {
				c.r.add(i+1, "parent_code", RuleInconsistent, "the parent chain of %s loops back through %s", r.AreaCode, p)
				break
			}
			seen[p] = true
			j, ok := codes[p]
			if !ok {
				break
			}
			p = rs[j].ParentCode
		}
	}
}

func decodePrevalence(rs []Prevalence, c *checker) {
	col := c.t.col
	measure, sex, from, to, rate, rlo, rhi, ey, src := col("measure"), col("sex"), col("age_from"), col("age_to"), col("rate"),
		col("rate_lo"), col("rate_hi"), col("evidence_year"), col("source")
	for i := range rs {
		if c.full() {
			return
		}
		r := Prevalence{Measure: c.slug(measure, i), Sex: c.enum(sex, i, sexesOrAll...),
			AgeFrom: int32(c.int(from, i, 0, 90, RuleAge)), AgeTo: int32(c.int(to, i, 0, 90, RuleAge)),
			Rate: c.rate(rate, i), EvidenceYear: c.year(ey, i), Source: c.str(src, i)}
		r.RateLo, r.RateHi = c.rateInterval(rlo, rhi, i, r.Rate)
		c.ageOrder(i, r.AgeFrom, r.AgeTo)
		rs[i] = r
	}
	c.dupCheck(measure, ey, sex, from, to)
	// Bands of one measure, sex and evidence year must not overlap.
	type group struct {
		m, sex string
		ey     int32
	}
	bands := map[group][]int{}
	var order []group
	for i, r := range rs {
		g := group{r.Measure, r.Sex, r.EvidenceYear}
		if _, ok := bands[g]; !ok {
			order = append(order, g)
		}
		bands[g] = append(bands[g], i)
	}
	for _, g := range order {
		idx := bands[g]
		slices.SortStableFunc(idx, func(a, b int) int { return int(rs[a].AgeFrom - rs[b].AgeFrom) })
		for k := 1; k < len(idx); k++ {
			p, q := rs[idx[k-1]], rs[idx[k]]
			if q.AgeFrom <= p.AgeTo && !(q.AgeFrom == p.AgeFrom && q.AgeTo == p.AgeTo) {
				c.r.add(idx[k]+1, "age_from", RuleInconsistent, "%s (%s, %d): age band %d-%d overlaps %d-%d (row %d)",
					g.m, g.sex, g.ey, q.AgeFrom, q.AgeTo, p.AgeFrom, p.AgeTo, idx[k-1]+1)
			}
		}
	}
}

// gridCheck checks, for each group of rows sharing the group columns, which sexes and ages are
// present. With from == -1 every group must hold both sexes and every age lo..hi. Otherwise
// each sex present must hold one contiguous run of ages, the same for both sexes, starting at
// from (any start when from == -2); bothSexes requires female and male (sexCol nil means the
// table has no sex, e.g. fertility).
func (c *checker) gridCheck(sexCol, ageCol *column, lo, hi int, from int, bothSexes bool, groupCols ...*column) {
	type grid struct {
		first int
		seen  [2][]bool
	}
	width := hi - lo + 1
	groups := map[rowKey]*grid{}
	var order []rowKey
	var sexOf []int8 // by the sex column's dictionary id: 0 female, 1 male, -1 neither
	if sexCol != nil {
		sexOf = make([]int8, len(sexCol.dict))
		for id, v := range sexCol.dict {
			switch v {
			case "female":
				sexOf[id] = 0
			case "male":
				sexOf[id] = 1
			default:
				sexOf[id] = -1
			}
		}
	}
	var last *grid // rows of one group mostly come together: skip the map then
	lastRow := 0   // the last row counted, in group last
	views := keyViews(groupCols...)
	for i := range c.t.rows {
		s := 0
		if sexCol != nil {
			s = int(sexOf[sexCol.ids[i]])
		}
		a := int(ageCol.ints[i]) - lo
		if s < 0 || a < 0 || a >= width || c.isNull(ageCol, i) || c.r.isBad(i+1) {
			continue // reported as a value problem already
		}
		g := last
		if g == nil || !sameRow(lastRow, i, views) {
			k := keyOf(i, groupCols...)
			var ok bool
			if g, ok = groups[k]; !ok {
				g = &grid{first: i}
				g.seen[0], g.seen[1] = make([]bool, width), make([]bool, width)
				groups[k] = g
				order = append(order, k)
			}
			last = g
		}
		lastRow = i
		g.seen[s][a] = true
	}
	names := [2]string{"female", "male"}
	nsex := 2
	if sexCol == nil {
		nsex, bothSexes = 1, false
	}
	for _, k := range order {
		if c.full() {
			return
		}
		g := groups[k]
		label := describeKey(k, groupCols...)
		if from == -1 {
			var missing []string
			for s := range nsex {
				var ages []string
				for a, ok := range g.seen[s] {
					if !ok {
						ages = append(ages, fmt.Sprint(a+lo))
					}
				}
				switch {
				case len(ages) == width:
					missing = append(missing, "every "+names[s]+" age")
				case len(ages) > 6:
					missing = append(missing, fmt.Sprintf("%s ages %s … (%d in all)", names[s], strings.Join(ages[:6], ", "), len(ages)))
				case len(ages) > 0:
					missing = append(missing, fmt.Sprintf("%s ages %s", names[s], strings.Join(ages, ", ")))
				}
			}
			if len(missing) > 0 {
				column := "age"
				if strings.HasPrefix(missing[0], "every") {
					column = "sex"
				}
				c.r.add(0, column, RuleGap, "%s is missing %s", label, strings.Join(missing, "; "))
			}
			continue
		}
		type span struct{ lo, hi, n int }
		var spans [2]*span
		for s := range nsex {
			for a, ok := range g.seen[s] {
				if !ok {
					continue
				}
				if spans[s] == nil {
					spans[s] = &span{lo: a, hi: a}
				}
				spans[s].hi = a
				spans[s].n++
			}
		}
		if bothSexes && (spans[0] == nil || spans[1] == nil) {
			for s := range 2 {
				if spans[s] == nil {
					c.r.add(0, "sex", RuleGap, "%s has no %s rows", label, names[s])
				}
			}
			continue
		}
		for s := range nsex {
			sp := spans[s]
			if sp == nil {
				continue
			}
			if from >= 0 && sp.lo+lo != from {
				c.r.add(0, "age", RuleGap, "%s: %s ages start at %d, not %d", label, names[s], sp.lo+lo, from)
			}
			if sp.hi-sp.lo+1 != sp.n {
				c.r.add(0, "age", RuleGap, "%s: %s has %d ages between %d and %d; some are missing", label, names[s], sp.n, sp.lo+lo, sp.hi+lo)
			}
		}
		if nsex == 2 && spans[0] != nil && spans[1] != nil && (spans[0].lo != spans[1].lo || spans[0].hi != spans[1].hi) {
			c.r.add(0, "age", RuleGap, "%s: female ages %d..%d but male ages %d..%d", label, spans[0].lo+lo, spans[0].hi+lo, spans[1].lo+lo, spans[1].hi+lo)
		}
	}
}

// PriceIndexService is the unit_costs service of price index rows: the level of an index of
// care costs in each financial year (unit "index"), by which package datasets restates unit
// costs at a scenario's price base (engine.Inputs.PriceIndex). The default data's is the PSS pay
// and prices index, England, 2021-22 = 100.
const PriceIndexService = "pss_pay_prices_index"
