package datasets

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Kind names a canonical dataset.
type Kind string

// The canonical dataset kinds (DESIGN.md section 3, plus the three population tables that
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
)

// Kinds lists every canonical kind in a stable order.
var Kinds = []Kind{KindAreas, KindPopulation, KindPopulationOldest, KindPopulationTotals,
	KindMortality, KindFertility, KindMigration, KindLifeExpectancy, KindPrevalence,
	KindServiceActivity, KindUnitCosts, KindSupply}

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
// (people receiving the service at 31 March), "weeks" (weeks of care in the year) or "hours"
// (hours of care in the year).
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

// Record is the set of row types, one per Kind.
type Record interface {
	Area | Population | PopulationOldest | PopulationTotal | Mortality | Fertility | Migration |
		LifeExpectancy | Prevalence | ServiceActivity | UnitCost | Supply
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
	activityMeasrs = []string{"clients", "weeks", "hours"}
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
		sc("measure", "clients|weeks|hours"), fc("value", "amount"), sc("source", "publisher and edition")},
	KindUnitCosts: {sc("area_code", "GSS code"), ic("year", "financial year start"), sc("service", "identifier"), sc("unit", "week|hour|client_year"),
		fc("cost", "pounds per unit"), sc("price_base", "e.g. 2022-23 or cash"), sc("source", "publisher and edition")},
	KindSupply: {sc("area_code", "GSS code"), ic("year", "year"), sc("service", "identifier"), fc("capacity", "amount"),
		sc("unit", "beds|hours_per_week|staff_fte"), sc("source", "publisher and edition")},
}

// Columns returns the canonical column names of kind k, in order.
func Columns(k Kind) []string {
	out := make([]string, len(specs[k]))
	for i, c := range specs[k] {
		out[i] = c.name
	}
	return out
}

// decode turns a table into rows of T, checking every value and then the rows as a set.
func decode[T Record](t *table, c *checker) []T {
	rows := make([]T, t.rows)
	out := any(rows)
	switch rs := out.(type) {
	case []Area:
		decodeAreas(rs, c)
	case []Population:
		for i := range rs {
			if c.full() {
				break
			}
			rs[i] = Population{AreaCode: c.area("area_code", i), Year: c.year("year", i), Sex: c.enum("sex", i, sexes...),
				Age: int32(c.int("age", i, 0, 90, RuleAge)), Count: c.count("count", i), Kind: c.enum("kind", i, popKinds...),
				Variant: c.optStr("variant", i), Source: c.str("source", i)}
		}
		type key struct {
			area, sex, kind, variant string
			year, age                int32
		}
		dupCheck(c, len(rs), "age", func(i int) key {
			r := rs[i]
			return key{r.AreaCode, r.Sex, r.Kind, r.Variant, r.Year, r.Age}
		}, func(k key) string {
			return fmt.Sprintf("(%s, %d, %s, age %d, %s %s)", k.area, k.year, k.sex, k.age, k.kind, k.variant)
		})
		gapCheck(c, len(rs), func(i int) (string, string, int32) {
			r := rs[i]
			return fmt.Sprintf("%s %d %s %s", r.AreaCode, r.Year, r.Kind, r.Variant), r.Sex, r.Age
		}, 0, 90)
	case []PopulationOldest:
		for i := range rs {
			if c.full() {
				break
			}
			rs[i] = PopulationOldest{AreaCode: c.area("area_code", i), Year: c.year("year", i), Sex: c.enum("sex", i, sexes...),
				Age: int32(c.int("age", i, 90, OldestAge, RuleAge)), Count: c.count("count", i), Kind: c.enum("kind", i, popKinds...),
				Variant: c.optStr("variant", i), Source: c.str("source", i)}
		}
		type key struct {
			area, sex, kind, variant string
			year, age                int32
		}
		dupCheck(c, len(rs), "age", func(i int) key {
			r := rs[i]
			return key{r.AreaCode, r.Sex, r.Kind, r.Variant, r.Year, r.Age}
		}, func(k key) string {
			return fmt.Sprintf("(%s, %d, %s, age %d, %s %s)", k.area, k.year, k.sex, k.age, k.kind, k.variant)
		})
		gapCheck(c, len(rs), func(i int) (string, string, int32) {
			r := rs[i]
			return fmt.Sprintf("%s %d %s %s", r.AreaCode, r.Year, r.Kind, r.Variant), r.Sex, r.Age
		}, 90, OldestAge)
	case []PopulationTotal:
		for i := range rs {
			if c.full() {
				break
			}
			r := PopulationTotal{AreaCode: c.area("area_code", i), Year: c.year("year", i), Sex: c.enum("sex", i, sexesOrAll...),
				AgeFrom: int32(c.int("age_from", i, 0, 90, RuleAge)), AgeTo: int32(c.int("age_to", i, 0, 90, RuleAge)),
				Count: c.count("count", i), Kind: c.enum("kind", i, popKinds...), Variant: c.optStr("variant", i), Source: c.str("source", i)}
			if r.AgeFrom > r.AgeTo {
				c.r.add(i+1, "age_to", RuleInconsistent, "age_to %d is below age_from %d", r.AgeTo, r.AgeFrom)
			}
			rs[i] = r
		}
		type key struct {
			area, sex, kind, variant string
			year, from, to           int32
		}
		dupCheck(c, len(rs), "age_from", func(i int) key {
			r := rs[i]
			return key{r.AreaCode, r.Sex, r.Kind, r.Variant, r.Year, r.AgeFrom, r.AgeTo}
		}, func(k key) string {
			return fmt.Sprintf("(%s, %d, %s, ages %d-%d, %s %s)", k.area, k.year, k.sex, k.from, k.to, k.kind, k.variant)
		})
	case []Mortality:
		for i := range rs {
			if c.full() {
				break
			}
			r := Mortality{AreaCode: c.area("area_code", i), Year: c.year("year", i), Sex: c.enum("sex", i, sexes...),
				Age: int32(c.int("age", i, 0, MaxMortalityAge, RuleAge)), RateType: c.enum("rate_type", i, rateTypes...), Source: c.str("source", i)}
			if r.RateType == "mx" {
				r.Rate = c.count("rate", i)
			} else {
				r.Rate = c.rate("rate", i)
			}
			if r.RateType == "qbirth" && r.Age != 0 {
				c.r.add(i+1, "age", RuleInconsistent, "a qbirth rate belongs to age 0, not %d", r.Age)
			}
			rs[i] = r
		}
		type key struct {
			area, sex, typ string
			year, age      int32
		}
		dupCheck(c, len(rs), "age", func(i int) key {
			r := rs[i]
			return key{r.AreaCode, r.Sex, r.RateType, r.Year, r.Age}
		}, func(k key) string {
			return fmt.Sprintf("(%s, %d, %s, age %d, %s)", k.area, k.year, k.sex, k.age, k.typ)
		})
		contiguousCheck(c, len(rs), func(i int) (string, string, int32, bool) {
			r := rs[i]
			return fmt.Sprintf("%s %d %s", r.AreaCode, r.Year, r.RateType), r.Sex, r.Age, r.RateType != "qbirth"
		}, 0, true)
	case []Fertility:
		for i := range rs {
			if c.full() {
				break
			}
			rs[i] = Fertility{AreaCode: c.area("area_code", i), Year: c.year("year", i), Age: int32(c.int("age", i, 10, 55, RuleAge)),
				Rate: c.rate("rate", i), Source: c.str("source", i)}
		}
		type key struct {
			area      string
			year, age int32
		}
		dupCheck(c, len(rs), "age", func(i int) key { r := rs[i]; return key{r.AreaCode, r.Year, r.Age} },
			func(k key) string { return fmt.Sprintf("(%s, %d, age %d)", k.area, k.year, k.age) })
		contiguousCheck(c, len(rs), func(i int) (string, string, int32, bool) {
			r := rs[i]
			return fmt.Sprintf("%s %d", r.AreaCode, r.Year), "female", r.Age, true
		}, -1, false)
	case []Migration:
		for i := range rs {
			if c.full() {
				break
			}
			r := Migration{AreaCode: c.area("area_code", i), Year: c.year("year", i), Sex: c.enum("sex", i, sexes...),
				Age: int32(c.int("age", i, 0, OldestAge, RuleAge)), Flow: c.enum("flow", i, flows...), Source: c.str("source", i)}
			if r.Flow == "net" {
				r.Count = c.num("count", i)
			} else {
				r.Count = c.count("count", i)
			}
			rs[i] = r
		}
		type key struct {
			area, sex, flow string
			year, age       int32
		}
		dupCheck(c, len(rs), "age", func(i int) key { r := rs[i]; return key{r.AreaCode, r.Sex, r.Flow, r.Year, r.Age} },
			func(k key) string {
				return fmt.Sprintf("(%s, %d, %s, age %d, %s)", k.area, k.year, k.sex, k.age, k.flow)
			})
		contiguousCheck(c, len(rs), func(i int) (string, string, int32, bool) {
			r := rs[i]
			return fmt.Sprintf("%s %d %s", r.AreaCode, r.Year, r.Flow), r.Sex, r.Age, true
		}, 0, true)
	case []LifeExpectancy:
		for i := range rs {
			if c.full() {
				break
			}
			r := LifeExpectancy{AreaCode: c.area("area_code", i), Year: c.year("year", i), Sex: c.enum("sex", i, sexes...),
				Age: int32(c.int("age", i, 0, 110, RuleAge)), Ex: c.count("ex", i), ExType: c.enum("ex_type", i, exTypes...), Source: c.str("source", i)}
			if r.Ex > 130 {
				c.r.add(i+1, "ex", RuleRange, "%v years is not a plausible expectation of life", r.Ex)
			}
			rs[i] = r
		}
		type key struct {
			area, sex, typ string
			year, age      int32
		}
		dupCheck(c, len(rs), "age", func(i int) key { r := rs[i]; return key{r.AreaCode, r.Sex, r.ExType, r.Year, r.Age} },
			func(k key) string {
				return fmt.Sprintf("(%s, %d, %s, age %d, %s)", k.area, k.year, k.sex, k.age, k.typ)
			})
	case []Prevalence:
		decodePrevalence(rs, c)
	case []ServiceActivity:
		for i := range rs {
			if c.full() {
				break
			}
			r := ServiceActivity{AreaCode: c.area("area_code", i), Year: c.year("year", i), Service: c.slug("service", i),
				AgeBand: c.str("age_band", i), Measure: c.enum("measure", i, activityMeasrs...), Value: c.count("value", i), Source: c.str("source", i)}
			if r.AgeBand != "" {
				if _, err := parseAgeBand(r.AgeBand); err != nil {
					c.r.add(i+1, "age_band", RuleFormat, "%v", err)
				}
			}
			rs[i] = r
		}
		type key struct {
			area, svc, band, m string
			year               int32
		}
		dupCheck(c, len(rs), "service", func(i int) key { r := rs[i]; return key{r.AreaCode, r.Service, r.AgeBand, r.Measure, r.Year} },
			func(k key) string { return fmt.Sprintf("(%s, %d, %s, %s, %s)", k.area, k.year, k.svc, k.band, k.m) })
	case []UnitCost:
		for i := range rs {
			if c.full() {
				break
			}
			rs[i] = UnitCost{AreaCode: c.area("area_code", i), Year: c.year("year", i), Service: c.slug("service", i),
				Unit: c.slug("unit", i), Cost: c.count("cost", i), PriceBase: c.str("price_base", i), Source: c.str("source", i)}
		}
		type key struct {
			area, svc, unit string
			year            int32
		}
		dupCheck(c, len(rs), "service", func(i int) key { r := rs[i]; return key{r.AreaCode, r.Service, r.Unit, r.Year} },
			func(k key) string { return fmt.Sprintf("(%s, %d, %s per %s)", k.area, k.year, k.svc, k.unit) })
	case []Supply:
		for i := range rs {
			if c.full() {
				break
			}
			rs[i] = Supply{AreaCode: c.area("area_code", i), Year: c.year("year", i), Service: c.slug("service", i),
				Capacity: c.count("capacity", i), Unit: c.slug("unit", i), Source: c.str("source", i)}
		}
		type key struct {
			area, svc, unit string
			year            int32
		}
		dupCheck(c, len(rs), "service", func(i int) key { r := rs[i]; return key{r.AreaCode, r.Service, r.Unit, r.Year} },
			func(k key) string { return fmt.Sprintf("(%s, %d, %s in %s)", k.area, k.year, k.svc, k.unit) })
	}
	return rows
}

func decodeAreas(rs []Area, c *checker) {
	for i := range rs {
		if c.full() {
			return
		}
		saved := c.opts.KnownAreas
		c.opts.KnownAreas = nil // the areas table defines the codes
		r := Area{AreaCode: c.area("area_code", i), AreaName: c.str("area_name", i), AreaType: c.enum("area_type", i, areaTypes...),
			ParentCode: c.optStr("parent_code", i), RegionCode: c.optStr("region_code", i), ValidFrom: c.date("valid_from", i),
			ValidTo: c.date("valid_to", i), SuccessorCode: c.optStr("successor_code", i), Source: c.str("source", i)}
		c.opts.KnownAreas = saved
		if p, ok := areaTypePrefix[r.AreaType]; ok && strings.HasPrefix(r.AreaCode, "E") && !strings.HasPrefix(r.AreaCode, p) {
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
	dupCheck(c, len(rs), "area_code", func(i int) string { return rs[i].AreaCode }, func(k string) string { return k })
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
				c.r.add(i+1, ref.col, RuleUnknownArea, "%s %q is not an area in this table", ref.col, ref.code)
			}
		}
		if r.ParentCode == "" && r.AreaType != AreaCountry {
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
	for i := range rs {
		if c.full() {
			return
		}
		r := Prevalence{Measure: c.slug("measure", i), Sex: c.enum("sex", i, sexesOrAll...),
			AgeFrom: int32(c.int("age_from", i, 0, 90, RuleAge)), AgeTo: int32(c.int("age_to", i, 0, 90, RuleAge)),
			Rate: c.rate("rate", i), EvidenceYear: c.year("evidence_year", i), Source: c.str("source", i)}
		lo, okLo := c.optNum("rate_lo", i)
		hi, okHi := c.optNum("rate_hi", i)
		switch {
		case okLo != okHi:
			c.r.add(i+1, "rate_lo", RuleInconsistent, "give both rate_lo and rate_hi, or neither")
		case okLo:
			if lo < 0 || lo > 1 {
				c.r.add(i+1, "rate_lo", RuleRate, "%v is outside [0,1]", lo)
			}
			if hi < 0 || hi > 1 {
				c.r.add(i+1, "rate_hi", RuleRate, "%v is outside [0,1]", hi)
			}
			if lo > r.Rate || hi < r.Rate {
				c.r.add(i+1, "rate_lo", RuleInconsistent, "interval [%v, %v] does not contain the rate %v", lo, hi, r.Rate)
			}
			r.RateLo, r.RateHi = &lo, &hi
		}
		if r.AgeFrom > r.AgeTo {
			c.r.add(i+1, "age_to", RuleInconsistent, "age_to %d is below age_from %d", r.AgeTo, r.AgeFrom)
		}
		rs[i] = r
	}
	type key struct {
		m, sex       string
		from, to, ey int32
	}
	dupCheck(c, len(rs), "measure", func(i int) key { r := rs[i]; return key{r.Measure, r.Sex, r.AgeFrom, r.AgeTo, r.EvidenceYear} },
		func(k key) string { return fmt.Sprintf("(%s, %s, ages %d-%d, %d)", k.m, k.sex, k.from, k.to, k.ey) })
	// Bands of one measure, sex and evidence year must not overlap.
	type group struct {
		m, sex string
		ey     int32
	}
	bands := map[group][]int{}
	for i, r := range rs {
		g := group{r.Measure, r.Sex, r.EvidenceYear}
		bands[g] = append(bands[g], i)
	}
	keys := make([]group, 0, len(bands))
	for g := range bands {
		keys = append(keys, g)
	}
	sort.Slice(keys, func(a, b int) bool { return fmt.Sprint(keys[a]) < fmt.Sprint(keys[b]) })
	for _, g := range keys {
		idx := bands[g]
		slices.SortFunc(idx, func(a, b int) int { return int(rs[a].AgeFrom - rs[b].AgeFrom) })
		for k := 1; k < len(idx); k++ {
			p, q := rs[idx[k-1]], rs[idx[k]]
			if q.AgeFrom <= p.AgeTo && !(q.AgeFrom == p.AgeFrom && q.AgeTo == p.AgeTo) {
				c.r.add(idx[k]+1, "age_from", RuleInconsistent, "%s (%s, %d): age band %d-%d overlaps %d-%d (row %d)",
					g.m, g.sex, g.ey, q.AgeFrom, q.AgeTo, p.AgeFrom, p.AgeTo, idx[k-1]+1)
			}
		}
	}
}

// gapCheck requires every group (e.g. an area-year) to hold both sexes and every age lo..hi.
func gapCheck(c *checker, n int, key func(i int) (group, sex string, age int32), lo, hi int32) {
	type cell struct {
		sex string
		age int32
	}
	groups := map[string]map[cell]bool{}
	var order []string
	for i := range n {
		g, s, a := key(i)
		m, ok := groups[g]
		if !ok {
			m = map[cell]bool{}
			groups[g] = m
			order = append(order, g)
		}
		m[cell{s, a}] = true
	}
	for _, g := range order {
		if c.full() {
			return
		}
		m := groups[g]
		want := int(hi-lo+1) * 2
		if len(m) >= want {
			continue
		}
		var missing []string
		for _, s := range sexes {
			var ages []string
			for a := lo; a <= hi; a++ {
				if !m[cell{s, a}] {
					ages = append(ages, fmt.Sprint(a))
				}
			}
			switch {
			case len(ages) == int(hi-lo+1):
				missing = append(missing, "every "+s+" age")
			case len(ages) > 6:
				missing = append(missing, fmt.Sprintf("%s ages %s … (%d in all)", s, strings.Join(ages[:6], ", "), len(ages)))
			case len(ages) > 0:
				missing = append(missing, fmt.Sprintf("%s ages %s", s, strings.Join(ages, ", ")))
			}
		}
		col := "age"
		if len(missing) > 0 && strings.HasPrefix(missing[0], "every") {
			col = "sex"
		}
		c.r.add(0, col, RuleGap, "%s is missing %s", strings.TrimSpace(g), strings.Join(missing, "; "))
	}
}

// contiguousCheck requires each group to hold the same contiguous run of ages for each sex,
// starting at from (or anywhere when from < 0); bothSexes requires female and male.
func contiguousCheck(c *checker, n int, key func(i int) (group, sex string, age int32, use bool), from int32, bothSexes bool) {
	type span struct {
		lo, hi int32
		n      int
	}
	groups := map[string]map[string]*span{}
	var order []string
	for i := range n {
		g, s, a, use := key(i)
		if !use {
			continue
		}
		m, ok := groups[g]
		if !ok {
			m = map[string]*span{}
			groups[g] = m
			order = append(order, g)
		}
		sp, ok := m[s]
		if !ok {
			sp = &span{lo: a, hi: a}
			m[s] = sp
		}
		sp.lo, sp.hi = min(sp.lo, a), max(sp.hi, a)
		sp.n++
	}
	for _, g := range order {
		if c.full() {
			return
		}
		m := groups[g]
		if bothSexes && len(m) < 2 {
			for _, s := range sexes {
				if m[s] == nil {
					c.r.add(0, "sex", RuleGap, "%s has no %s rows", g, s)
				}
			}
			continue
		}
		var first *span
		for _, s := range sexes {
			sp := m[s]
			if sp == nil {
				continue
			}
			if from >= 0 && sp.lo != from {
				c.r.add(0, "age", RuleGap, "%s %s starts at age %d, not %d", g, s, sp.lo, from)
			}
			if int(sp.hi-sp.lo+1) != sp.n {
				c.r.add(0, "age", RuleGap, "%s %s has %d ages between %d and %d; some are missing", g, s, sp.n, sp.lo, sp.hi)
			}
			if first != nil && (first.lo != sp.lo || first.hi != sp.hi) {
				c.r.add(0, "age", RuleGap, "%s: female ages %d..%d but male ages %d..%d", g, first.lo, first.hi, sp.lo, sp.hi)
			}
			first = sp
		}
	}
}
