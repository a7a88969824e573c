package forecast

import "strings"

// Catalog is what a scenario is checked against: the areas, years and measures in the data.
type Catalog interface {
	// Area returns the area with the given code, or nil.
	Area(code string) *AreaInfo
	// BaseYears lists the years with a single-year estimate for every district.
	BaseYears() []int
	// LastRateYear is the last year the national assumptions cover.
	LastRateYear() int
	// PrevalenceMeasures maps each need measure to its evidence years, ascending.
	PrevalenceMeasures() map[string][]int
}

// VariantCatalog is a Catalog that also lists the projection variants in the data (ONS's
// "principal", or a variant a council uploaded). Scenario.Check accepts any variant listed;
// for a Catalog without the method, only "principal".
type VariantCatalog interface {
	Catalog
	// ProjectionVariants lists the variants of the supplied projections, sorted.
	ProjectionVariants() []string
}

// AreaInfo is one row of the areas table.
type AreaInfo struct {
	Code, Name, Type, Parent, Region string
	ValidFrom, ValidTo, Successor    string
	// Deprivation lists the area's deprivation figures (English Indices of Deprivation), for
	// the area's page, comparisons between areas and the engine.
	Deprivation []Deprivation
}

// Deprivation is one deprivation figure of an area: Measure ("imd_average_score",
// "imd_rank_of_average_score", "imd_income_score", "idaopi_average_score") in Edition
// ("IoD2019"), and how it was made (Method: "published", or e.g. "population-weighted mean of
// its districts' scores").
type Deprivation struct {
	Measure, Edition, Method, Source string
	Value                            float64
}

// DeprivationOf returns the area's figure of a measure, if it has one.
func (a *AreaInfo) DeprivationOf(measure string) (Deprivation, bool) {
	for _, d := range a.Deprivation {
		if d.Measure == measure {
			return d, true
		}
	}
	return Deprivation{}, false
}

// IsDistrict reports whether the area is lower tier, the level projections run at.
func (a *AreaInfo) IsDistrict() bool {
	switch a.Type {
	case "unitary", "metropolitan_district", "london_borough", "non_metropolitan_district":
		return true
	}
	return false
}

// IsCouncil reports whether the area is upper tier: a council with adult social services
// responsibilities.
func (a *AreaInfo) IsCouncil() bool {
	switch a.Type {
	case "unitary", "metropolitan_district", "london_borough", "county":
		return true
	}
	return false
}

// SearchKey is the form of an area name (or a query) that area search compares, so that names
// are found as people type them: lower case, "&" as "and", full stops, commas and apostrophes
// dropped, hyphens as spaces, "saint" as "st", runs of spaces as one ("St. Helens", "st helens"
// and "Saint Helens" are all "st helens"; "Stockton-on-Tees" is "stockton on tees").
func SearchKey(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer("&", " and ", ".", "", ",", "", "'", "", "’", "", "-", " ").Replace(s)
	words := strings.Fields(s)
	for i, w := range words {
		if w == "saint" {
			words[i] = "st"
		}
	}
	return strings.Join(words, " ")
}

// DeprivationMeasures are the deprivation figures areas show, in order, with their labels.
var DeprivationMeasures = []struct{ Measure, Label string }{
	{"imd_average_score", "Index of Multiple Deprivation, average score"},
	{"imd_rank_of_average_score", "Rank of average score (1 = most deprived)"},
	{"imd_income_score", "Income deprivation, average score"},
	{"idaopi_average_score", "Income Deprivation Affecting Older People (IDAOPI), average score"},
}

// DeprivationLine is one deprivation figure as an area's page and the API show it: the figure,
// or why there is none (Available false, Note saying why).
type DeprivationLine struct {
	Deprivation
	Label     string
	Available bool
	Note      string
}

// DeprivationLines lists an area's deprivation figures in DeprivationMeasures order; a measure
// the area has no figure of says why (IDAOPI and the rank are published for the upper-tier
// areas of April 2019 only).
func (a *AreaInfo) DeprivationLines() []DeprivationLine {
	if len(a.Deprivation) == 0 {
		return nil
	}
	out := make([]DeprivationLine, 0, len(DeprivationMeasures))
	for _, m := range DeprivationMeasures {
		d, ok := a.DeprivationOf(m.Measure)
		l := DeprivationLine{Deprivation: d, Label: m.Label, Available: ok}
		if !ok {
			l.Measure = m.Measure
			switch {
			case a.IsCouncil() && a.ValidFrom > "2019-04-01":
				l.Note = "not published: the Indices of Deprivation 2019 give it for the councils of April 2019, before " + a.Name + " was formed"
			case a.IsCouncil():
				l.Note = "not published for this council"
			default:
				l.Note = "published for councils (upper-tier areas) only: see the council's page"
			}
		}
		out = append(out, l)
	}
	return out
}
