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
