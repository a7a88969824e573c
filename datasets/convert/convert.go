// Package convert builds carecast's default dataset from the real public data kept in
// ../shared/data/raw (ONS and NHS Digital, Open Government Licence v3; see datasets/README.md).
//
// Build is deterministic: the same raw files give the same rows in the same order, and
// datasets.Write turns the same rows into the same bytes, so the committed Parquet files in
// datasets/defaultdata can be rebuilt byte for byte (TestBuildIsReproducible).
package convert

import (
	"cmp"
	"fmt"
	"io/fs"
	"slices"

	"github.com/carecast/carecast/datasets"
)

// Build reads the raw files in raw (the ../shared/data/raw folder) and returns the canonical datasets.
// Errors name the raw file and line.
func Build(raw fs.FS) (*datasets.Bundle, error) {
	b := &datasets.Bundle{}
	var err error
	if b.Areas, err = buildAreas(raw); err != nil {
		return nil, fmt.Errorf("building areas: %w", err)
	}
	if b.Population, b.PopulationOldest, err = buildPopulation(raw); err != nil {
		return nil, fmt.Errorf("building population: %w", err)
	}
	if b.Projections, err = buildProjections(raw); err != nil {
		return nil, fmt.Errorf("building projections: %w", err)
	}
	if b.PopulationTotals, err = buildPopulationTotals(raw); err != nil {
		return nil, fmt.Errorf("building population totals: %w", err)
	}
	if b.Mortality, err = buildMortality(raw); err != nil {
		return nil, fmt.Errorf("building mortality: %w", err)
	}
	if b.Fertility, err = buildFertility(raw); err != nil {
		return nil, fmt.Errorf("building fertility: %w", err)
	}
	if b.Migration, err = buildMigration(raw); err != nil {
		return nil, fmt.Errorf("building migration: %w", err)
	}
	if b.LifeExpectancy, err = buildLifeExpectancy(raw); err != nil {
		return nil, fmt.Errorf("building life expectancy: %w", err)
	}
	dem, err := dementiaRows(raw)
	if err != nil {
		return nil, fmt.Errorf("building prevalence: %w", err)
	}
	hse, err := hseRows(raw, englandWeights(b.Population))
	if err != nil {
		return nil, fmt.Errorf("building prevalence: %w", err)
	}
	b.Prevalence = append(dem, hse...)
	if b.ServiceActivity, err = buildActivity(raw); err != nil {
		return nil, fmt.Errorf("building service activity: %w", err)
	}
	salt, err := buildSALT2122(raw, b.Areas, b.Population)
	if err != nil {
		return nil, fmt.Errorf("building service activity: %w", err)
	}
	b.ServiceActivity = append(b.ServiceActivity, salt...)
	if b.UnitCosts, err = buildUnitCosts(raw, b.Areas); err != nil {
		return nil, fmt.Errorf("building unit costs: %w", err)
	}
	if b.Supply, err = buildSupply(raw, b.Areas, b.Population); err != nil {
		return nil, fmt.Errorf("building supply: %w", err)
	}
	dep, err := buildDeprivation(raw, b.Areas, b.Population)
	if err != nil {
		return nil, fmt.Errorf("building deprivation: %w", err)
	}
	for _, d := range dep {
		b.Deprivation = append(b.Deprivation, datasets.Deprivation{AreaCode: d.AreaCode, Measure: d.Measure, Value: d.Value,
			Edition: "IoD2019", Method: d.Method, Source: d.Source})
	}
	if b.ActivityHistory, _, err = buildHistory(raw, b.Areas); err != nil {
		return nil, fmt.Errorf("building activity history: %w", err)
	}
	if b.TopicRates, err = buildTopicRates(raw); err != nil { // kept in the file's order
		return nil, fmt.Errorf("building topic rates: %w", err)
	}
	sortRows(b)
	return b, nil
}

// sortRows puts every table in key order, so files compress well and diff cleanly.
func sortRows(b *datasets.Bundle) {
	slices.SortStableFunc(b.Deprivation, func(x, y datasets.Deprivation) int {
		return cmp.Or(cmp.Compare(x.AreaCode, y.AreaCode), cmp.Compare(x.Measure, y.Measure))
	})
	slices.SortStableFunc(b.Population, func(x, y datasets.Population) int {
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Variant, y.Variant), cmp.Compare(x.AreaCode, y.AreaCode),
			cmp.Compare(x.Year, y.Year), cmp.Compare(x.Sex, y.Sex), cmp.Compare(x.Age, y.Age))
	})
	slices.SortStableFunc(b.PopulationOldest, func(x, y datasets.PopulationOldest) int {
		return cmp.Or(cmp.Compare(x.AreaCode, y.AreaCode), cmp.Compare(x.Year, y.Year), cmp.Compare(x.Sex, y.Sex), cmp.Compare(x.Age, y.Age))
	})
	slices.SortStableFunc(b.PopulationTotals, func(x, y datasets.PopulationTotal) int {
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.AreaCode, y.AreaCode), cmp.Compare(x.Year, y.Year),
			cmp.Compare(x.Sex, y.Sex), cmp.Compare(x.AgeFrom, y.AgeFrom), cmp.Compare(x.AgeTo, y.AgeTo))
	})
	slices.SortStableFunc(b.Mortality, func(x, y datasets.Mortality) int {
		return cmp.Or(cmp.Compare(x.AreaCode, y.AreaCode), cmp.Compare(x.Year, y.Year), cmp.Compare(x.Sex, y.Sex),
			cmp.Compare(x.RateType, y.RateType), cmp.Compare(x.Age, y.Age))
	})
	slices.SortStableFunc(b.Fertility, func(x, y datasets.Fertility) int {
		return cmp.Or(cmp.Compare(x.AreaCode, y.AreaCode), cmp.Compare(x.Year, y.Year), cmp.Compare(x.Age, y.Age))
	})
	slices.SortStableFunc(b.Migration, func(x, y datasets.Migration) int {
		return cmp.Or(cmp.Compare(x.AreaCode, y.AreaCode), cmp.Compare(x.Year, y.Year), cmp.Compare(x.Flow, y.Flow),
			cmp.Compare(x.Sex, y.Sex), cmp.Compare(x.Age, y.Age))
	})
	slices.SortStableFunc(b.LifeExpectancy, func(x, y datasets.LifeExpectancy) int {
		return cmp.Or(cmp.Compare(x.ExType, y.ExType), cmp.Compare(x.AreaCode, y.AreaCode), cmp.Compare(x.Year, y.Year),
			cmp.Compare(x.Sex, y.Sex), cmp.Compare(x.Age, y.Age))
	})
	slices.SortStableFunc(b.Prevalence, func(x, y datasets.Prevalence) int {
		return cmp.Or(cmp.Compare(x.Measure, y.Measure), cmp.Compare(x.EvidenceYear, y.EvidenceYear), cmp.Compare(x.Sex, y.Sex),
			cmp.Compare(x.AgeFrom, y.AgeFrom))
	})
	slices.SortStableFunc(b.ActivityHistory, compareHistory)
	slices.SortStableFunc(b.ServiceActivity, func(x, y datasets.ServiceActivity) int {
		return cmp.Or(cmp.Compare(x.AreaCode, y.AreaCode), cmp.Compare(x.Year, y.Year), cmp.Compare(x.Service, y.Service),
			cmp.Compare(x.Measure, y.Measure), cmp.Compare(x.AgeBand, y.AgeBand))
	})
}
