package convert

import (
	"cmp"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/carecast/carecast/datasets"
)

const (
	srcMYE2011    = "ONS mid-year population estimates, mid-2011 (2018 LAD boundaries, Nomis NM_2002_1); areas created in 2019–2023 are the sums of their predecessors; OGL v3"
	srcMYE2018    = "ONS mid-year population estimates, mid-2018 (pre-Census-2021 series) on April 2023 geography: the base year of ONS's 2018-based subnational projections, via The Strategy Unit (whole people); OGL v3"
	srcMYE2022    = "ONS mid-year population estimates, mid-2022 (Census 2021 based) on April 2023 geography (MYE2, published 2024-03-26); OGL v3"
	srcSummed     = "areas created in 2023 are the sums of their predecessors"
	mye2022File   = "ons_mye/mye2022_syoa_sex_lad2023geog.csv.gz"
	srcMYE2020    = "ONS mid-year population estimates, mid-2020 on 2021 geography (MYE2, published 2021-06-25); OGL v3"
	srcMYE2021    = "ONS mid-year population estimates, mid-2021 (Census 2021 based), LAD 2021; OGL v3"
	srcMYE4       = "ONS mid-year population estimates 2001–2020 on 2021 geography (MYE4, published 2021-06-25); OGL v3"
	srcMYE4Summed = srcMYE4 + "; " + srcSummed
	srcSheffield  = "ONS mid-year population estimates 2001–2019 for Sheffield by sex and single year of age (via scc-pi/popsheff); OGL v3"
	srcTrafford   = "ONS mid-year population estimates mid-2022, mid-2023, mid-2024 (Census 2021 based) for Trafford (via traffordDataLab/open_data); OGL v3"
	srcNPP2018    = "ONS 2018-based national population projections, England, principal (published 2019-10-21); OGL v3"
	srcSNPP2016   = "ONS 2016-based subnational population projections, principal (published 2018-05-24); OGL v3"
)

// popKey identifies one cell of a single-year population table.
type popKey struct {
	area string
	year int32
	sex  string
	age  int32
}

// endedAreas is the set of areas that ended in 2019–2023 (the predecessors of reorganisations).
func endedAreas() map[string]bool {
	m := map[string]bool{}
	for _, ch := range reorganisations {
		for _, p := range ch.Predecessors {
			m[p] = true
		}
	}
	return m
}

// withSuccessorSums returns rows (one year's estimates by area, sex and age) with rows added
// for every area created in 2019–2023 that rows lack, each the sum of its predecessors' rows,
// with source. Changes are taken in date order, so an area that was itself created by an
// earlier change (Somerset West and Taunton, 2019) is summed before the one it merged into
// (Somerset, 2023). A successor is added only when every predecessor is present.
func withSuccessorSums(rows []datasets.Population, source string) []datasets.Population {
	type cellKey struct {
		year int32
		sex  string
		age  int32
	}
	byArea := map[string]map[cellKey]float64{}
	for _, r := range rows {
		m := byArea[r.AreaCode]
		if m == nil {
			m = map[cellKey]float64{}
			byArea[r.AreaCode] = m
		}
		m[cellKey{r.Year, r.Sex, r.Age}] += r.Count
	}
	out := slices.Clone(rows)
	for _, ch := range reorganisations {
		if byArea[ch.Successor] != nil || !slices.ContainsFunc(ch.Predecessors, func(p string) bool { return byArea[p] != nil }) {
			continue
		}
		sum := map[cellKey]float64{}
		complete := true
		for _, p := range ch.Predecessors {
			if byArea[p] == nil {
				complete = false
				break
			}
			for k, v := range byArea[p] {
				sum[k] += v
			}
		}
		if !complete {
			continue
		}
		byArea[ch.Successor] = sum
		for _, k := range slices.SortedFunc(maps.Keys(sum), func(a, b cellKey) int {
			return cmp.Or(cmp.Compare(a.year, b.year), cmp.Compare(a.sex, b.sex), cmp.Compare(a.age, b.age))
		}) {
			out = append(out, estimate(ch.Successor, k.year, k.sex, k.age, sum[k], source))
		}
	}
	return out
}

// withSuccessorTotals does for all-age totals what withSuccessorSums does for single years.
func withSuccessorTotals(rows []datasets.PopulationTotal, source string) []datasets.PopulationTotal {
	type yearKey struct {
		area string
		year int32
	}
	have := map[string]bool{}
	sum := map[yearKey]float64{}
	years := map[int32]bool{}
	for _, r := range rows {
		have[r.AreaCode] = true
		sum[yearKey{r.AreaCode, r.Year}] += r.Count
		years[r.Year] = true
	}
	out := slices.Clone(rows)
	for _, ch := range reorganisations {
		if have[ch.Successor] || !allIn(ch.Predecessors, have) {
			continue
		}
		have[ch.Successor] = true
		for _, y := range slices.Sorted(maps.Keys(years)) {
			var v float64
			for _, p := range ch.Predecessors {
				v += sum[yearKey{p, y}]
			}
			sum[yearKey{ch.Successor, y}] = v
			out = append(out, datasets.PopulationTotal{AreaCode: ch.Successor, Year: y, Sex: "all", AgeFrom: 0, AgeTo: 90, Count: v,
				Kind: "estimate", Source: source})
		}
	}
	return out
}

func allIn(codes []string, set map[string]bool) bool {
	for _, c := range codes {
		if !set[c] {
			return false
		}
	}
	return true
}

// isLowerTier reports whether code is a district-level area (the level forecasts run at).
func isLowerTier(code string) bool {
	switch code[:min(3, len(code))] {
	case "E06", "E07", "E08", "E09":
		return true
	}
	return false
}

func estimate(area string, year int32, sex string, age int32, count float64, source string) datasets.Population {
	return datasets.Population{AreaCode: area, Year: year, Sex: sex, Age: age, Count: count, Kind: "estimate", Source: source}
}

// buildPopulation builds the single-year-of-age population table: estimates for every district
// in 2011 (summed to 2021 boundaries), 2020 and 2021; Sheffield 2001–2019 and Trafford
// 2022–2024; ONS's 2018-based national projection (collapsed to 90+); and ONS's 2016-based
// projection for the three districts published by single year.
func buildPopulation(raw fs.FS) ([]datasets.Population, []datasets.PopulationOldest, error) {
	var out []datasets.Population

	// mid-2011 on 2018 boundaries; the areas created since are the sums of their predecessors.
	m11, err := readCSV(raw, "ons_mye/mye2011_syoa_sex_lad2018geog_nomis.csv")
	if err != nil {
		return nil, nil, err
	}
	c, err := m11.mustCols("code", "year", "sex", "age", "population")
	if err != nil {
		return nil, nil, err
	}
	var y2011 []datasets.Population
	for i, rec := range m11.rows {
		code := cell(rec, c[0])
		if !strings.HasPrefix(code, "E") {
			continue
		}
		r, err := popRow(code, 2011, cell(rec, c[2]), cell(rec, c[3]), cell(rec, c[4]), srcMYE2011)
		if err != nil {
			return nil, nil, m11.lineErr(i, err)
		}
		y2011 = append(y2011, r)
	}
	// Areas that ended in 2019–2023 keep their own 2011 rows (they are what was published and
	// what council activity of the time refers to) and add up to their successors'.
	out = append(out, withSuccessorSums(y2011, srcMYE2011)...)

	// mid-2020, 2021 geography, lower tier only (the file also holds counties, regions, countries);
	// the areas created in 2023 are the sums of their predecessors.
	m20, err := readCSV(raw, "ons_mye/mye2020_syoa_sex_la_2021geog.csv")
	if err != nil {
		return nil, nil, err
	}
	if c, err = m20.mustCols("code", "sex", "age", "population"); err != nil {
		return nil, nil, err
	}
	var y2020 []datasets.Population
	for i, rec := range m20.rows {
		code := cell(rec, c[0])
		if !isLowerTier(code) {
			continue
		}
		r, err := popRow(code, 2020, cell(rec, c[1]), cell(rec, c[2]), cell(rec, c[3]), srcMYE2020)
		if err != nil {
			return nil, nil, m20.lineErr(i, err)
		}
		y2020 = append(y2020, r)
	}
	out = append(out, withSuccessorSums(y2020, srcMYE2020+"; "+srcSummed)...)

	// mid-2022, Census based, April 2023 geography: the default base year.
	m22, err := readCSV(raw, mye2022File)
	if err != nil {
		return nil, nil, err
	}
	if c, err = m22.mustCols("code", "sex", "age", "population"); err != nil {
		return nil, nil, err
	}
	for i, rec := range m22.rows {
		code := cell(rec, c[0])
		if !isLowerTier(code) {
			continue
		}
		r, err := popRow(code, 2022, cell(rec, c[1]), cell(rec, c[2]), cell(rec, c[3]), srcMYE2022)
		if err != nil {
			return nil, nil, m22.lineErr(i, err)
		}
		out = append(out, r)
	}

	// mid-2021, Census based. This file (as republished) codes sex 1 = female, 2 = male, the
	// reverse of ONS's convention used by every other file here; checkOldestWomen below fails
	// the build if the coding read does not give more women than men at 85+.
	m21, err := readCSV(raw, "ons_mye/mye2021_syoa_sex_lad2021.csv")
	if err != nil {
		return nil, nil, err
	}
	if c, err = m21.mustCols("ladcode21", "sex", "age", "population_2021"); err != nil {
		return nil, nil, err
	}
	var y2021 []datasets.Population
	for i, rec := range m21.rows {
		code := cell(rec, c[0])
		if !isLowerTier(code) {
			continue
		}
		sex, err := femaleFirstSex(cell(rec, c[1]))
		if err != nil {
			return nil, nil, m21.lineErr(i, err)
		}
		r, err := popRow(code, 2021, sex, cell(rec, c[2]), cell(rec, c[3]), srcMYE2021)
		if err != nil {
			return nil, nil, m21.lineErr(i, err)
		}
		y2021 = append(y2021, r)
	}
	out = append(out, withSuccessorSums(y2021, srcMYE2021+"; "+srcSummed)...)

	// Sheffield 2001–2019 (2020 is in the all-areas table above; TestSheffieldAgreesWith2020 checks they agree).
	sh, err := readCSV(raw, "ons_mye/sheffield_mye_syoa_sex_2001_2020.csv")
	if err != nil {
		return nil, nil, err
	}
	if c, err = sh.mustCols("code", "year", "sex", "age", "population"); err != nil {
		return nil, nil, err
	}
	for i, rec := range sh.rows {
		year, err := atoi(cell(rec, c[1]))
		if err != nil {
			return nil, nil, sh.lineErr(i, err)
		}
		if year == 2020 || year == 2011 {
			continue
		}
		r, err := popRow(cell(rec, c[0]), int32(year), cell(rec, c[2]), cell(rec, c[3]), cell(rec, c[4]), srcSheffield)
		if err != nil {
			return nil, nil, sh.lineErr(i, err)
		}
		out = append(out, r)
	}

	// Trafford 2023–2024, wide by age (its 2022 is in the all-areas file above;
	// TestTraffordAgreesWithMid2022 checks the two agree).
	tr, err := readCSV(raw, "local_extras/trafford_mye_syoa_sex_2020_2022_2023_2024.csv")
	if err != nil {
		return nil, nil, err
	}
	if c, err = tr.mustCols("period", "area_code", "sex"); err != nil {
		return nil, nil, err
	}
	for i, rec := range tr.rows {
		sexWord := cell(rec, c[2])
		if sexWord == "Persons" {
			continue
		}
		year, err := atoi(strings.SplitN(cell(rec, c[0]), "-", 2)[0])
		if err != nil {
			return nil, nil, tr.lineErr(i, err)
		}
		if year < 2023 {
			continue
		}
		for age := 0; age <= 90; age++ {
			col, err := tr.col(strconv.Itoa(age))
			if err != nil {
				return nil, nil, err
			}
			r, err := popRow(cell(rec, c[1]), int32(year), sexWord, strconv.Itoa(age), cell(rec, col), srcTrafford)
			if err != nil {
				return nil, nil, tr.lineErr(i, err)
			}
			out = append(out, r)
		}
	}

	// National projection, 2018 base: 0..89 single years and 90+, plus 90..105+ for the oldest.
	npp, err := readCSV(raw, "ons_npp2018/npp2018_england_principal_population.csv")
	if err != nil {
		return nil, nil, err
	}
	if c, err = npp.mustCols("sex", "age", "year", "value"); err != nil {
		return nil, nil, err
	}
	open := map[popKey]float64{}
	oldest := map[popKey]float64{}
	var openOrder, oldOrder []popKey
	for i, rec := range npp.rows {
		sex, err := onsSex(cell(rec, c[0]))
		if err != nil {
			return nil, nil, npp.lineErr(i, err)
		}
		year, err := atoi(cell(rec, c[2]))
		if err != nil {
			return nil, nil, npp.lineErr(i, err)
		}
		v, err := atof(cell(rec, c[3]))
		if err != nil {
			return nil, nil, npp.lineErr(i, err)
		}
		age, err := nppAge(cell(rec, c[1]))
		if err != nil {
			return nil, nil, npp.lineErr(i, err)
		}
		if age < 90 {
			out = append(out, datasets.Population{AreaCode: "E92000001", Year: int32(year), Sex: sex, Age: int32(age), Count: v,
				Kind: "projection", Variant: "principal", Source: srcNPP2018})
			continue
		}
		k := popKey{"E92000001", int32(year), sex, 90}
		if _, ok := open[k]; !ok {
			openOrder = append(openOrder, k)
		}
		open[k] += v
		ko := popKey{"E92000001", int32(year), sex, int32(min(age, datasets.OldestAge))}
		if _, ok := oldest[ko]; !ok {
			oldOrder = append(oldOrder, ko)
		}
		oldest[ko] += v
	}
	for _, k := range openOrder {
		out = append(out, datasets.Population{AreaCode: k.area, Year: k.year, Sex: k.sex, Age: 90, Count: open[k],
			Kind: "projection", Variant: "principal", Source: srcNPP2018})
	}
	var old []datasets.PopulationOldest
	for _, k := range oldOrder {
		old = append(old, datasets.PopulationOldest{AreaCode: k.area, Year: k.year, Sex: k.sex, Age: k.age, Count: oldest[k],
			Kind: "projection", Variant: "principal", Source: srcNPP2018})
	}

	// 2016-based SNPP by single year and sex for the three districts published that way.
	sn, err := readCSV(raw, "ons_snpp/snpp2016_syoa_sex_3lads_2016_2029_nomis.csv")
	if err != nil {
		return nil, nil, err
	}
	if c, err = sn.mustCols("code", "year", "sex", "age", "population"); err != nil {
		return nil, nil, err
	}
	for i, rec := range sn.rows {
		year, err := atoi(cell(rec, c[1]))
		if err != nil {
			return nil, nil, sn.lineErr(i, err)
		}
		r, err := popRow(cell(rec, c[0]), int32(year), cell(rec, c[2]), cell(rec, c[3]), cell(rec, c[4]), srcSNPP2016)
		if err != nil {
			return nil, nil, sn.lineErr(i, err)
		}
		// Its own variant name: "principal" is ONS's 2018-based projections (buildProjections).
		r.Kind, r.Variant = "projection", "snpp2016"
		out = append(out, r)
	}
	// mid-2018, pre-Census series, April 2023 geography: the base year of ONS's 2018-based
	// subnational projections, which is ONS's mid-2018 estimate (rounded to whole people by the
	// republisher; all-age totals within 5 of ONS's MYE for every area). The districts that
	// ended in 2023 have no rows; their successors do. Sheffield keeps its own series' 2018.
	p18, err := buildSNPP2018(raw, "principal")
	if err != nil {
		return nil, nil, err
	}
	has2018 := map[string]bool{} // Sheffield's own series has 2018
	for _, r := range out {
		if r.Kind == "estimate" && r.Year == 2018 {
			has2018[r.AreaCode] = true
		}
	}
	for _, r := range p18 {
		if r.Year != snpp2018FirstYear || !isLowerTier(r.AreaCode) || has2018[r.AreaCode] {
			continue
		}
		out = append(out, estimate(r.AreaCode, 2018, r.Sex, r.Age, r.Count, srcMYE2018))
	}

	if err := checkOldestWomen(out); err != nil {
		return nil, nil, err
	}
	return out, old, nil
}

// checkOldestWomen checks the sex coding of every estimate year read: women outnumber men at
// 85 and over (in England by about 1.6 to 1 in 2011–2022, and in every district), so a year
// whose estimates sum to more men than women there has its sex codes the wrong way round.
func checkOldestWomen(rows []datasets.Population) error {
	women, men := map[int32]float64{}, map[int32]float64{}
	for _, r := range rows {
		switch {
		case r.Kind != "estimate" || r.Age < 85:
		case r.Sex == "female":
			women[r.Year] += r.Count
		case r.Sex == "male":
			men[r.Year] += r.Count
		}
	}
	for _, y := range slices.Sorted(maps.Keys(men)) {
		if women[y] <= men[y] {
			return fmt.Errorf("estimates for %d have %.0f women and %.0f men aged 85+: the raw file's sex codes are read the wrong way round", y, women[y], men[y])
		}
	}
	return nil
}

// popRow parses one single-year estimate.
func popRow(code string, year int32, sexS, ageS, countS, source string) (datasets.Population, error) {
	sex, err := onsSex(sexS)
	if err != nil {
		return datasets.Population{}, err
	}
	age, err := atoi(strings.TrimSuffix(ageS, "+"))
	if err != nil {
		return datasets.Population{}, err
	}
	v, err := atof(strings.ReplaceAll(countS, ",", ""))
	if err != nil {
		return datasets.Population{}, err
	}
	return estimate(code, year, sex, int32(age), v, source), nil
}

// nppAge reads an NPP age label: "0".."104", "105 - 109", "110 and over", "105+" (all of 105
// and over map to 105, the open top of population_oldest and migration).
func nppAge(s string) (int, error) {
	switch {
	case s == "105 - 109" || s == "110 and over" || s == "105+":
		return datasets.OldestAge, nil
	}
	a, err := atoi(s)
	if err != nil {
		return 0, fmt.Errorf("age %q: %w", s, err)
	}
	return a, nil
}

// buildPopulationTotals builds the all-age totals 2001–2020 on 2021 geography for every English
// area in the hierarchy, and ONS's 2016-based projections of people 60+ by single year of age
// (persons) for every district on 2016 boundaries.
func buildPopulationTotals(raw fs.FS) ([]datasets.PopulationTotal, error) {
	var out []datasets.PopulationTotal
	m4, err := readCSV(raw, "ons_mye/mye_2001_2020_allages_la_2021geog.csv")
	if err != nil {
		return nil, err
	}
	c, err := m4.mustCols("code", "year", "population")
	if err != nil {
		return nil, err
	}
	for i, rec := range m4.rows {
		code := cell(rec, c[0])
		if !strings.HasPrefix(code, "E") || strings.HasPrefix(code, "E11") {
			continue
		}
		year, err := atoi(cell(rec, c[1]))
		if err != nil {
			return nil, m4.lineErr(i, err)
		}
		v, err := atof(cell(rec, c[2]))
		if err != nil {
			return nil, m4.lineErr(i, err)
		}
		out = append(out, datasets.PopulationTotal{AreaCode: code, Year: int32(year), Sex: "all", AgeFrom: 0, AgeTo: 90, Count: v,
			Kind: "estimate", Source: srcMYE4})
	}
	out = withSuccessorTotals(out, srcMYE4Summed)
	sn, err := readCSV(raw, "ons_snpp/snpp2016_persons_age60plus_lad2016_wide.csv")
	if err != nil {
		return nil, err
	}
	if c, err = sn.mustCols("AREA_CODE", "AGE_GROUP"); err != nil {
		return nil, err
	}
	for i, rec := range sn.rows {
		age, err := atoi(cell(rec, c[1]))
		if err != nil {
			return nil, sn.lineErr(i, err)
		}
		for year := 2016; year <= 2041; year++ {
			yc, err := sn.col(strconv.Itoa(year))
			if err != nil {
				return nil, err
			}
			v, err := atof(cell(rec, yc))
			if err != nil {
				return nil, sn.lineErr(i, err)
			}
			out = append(out, datasets.PopulationTotal{AreaCode: cell(rec, c[0]), Year: int32(year), Sex: "all", AgeFrom: int32(age), AgeTo: int32(age),
				Count: v, Kind: "projection", Variant: "principal", Source: srcSNPP2016})
		}
	}
	return out, nil
}

// popShares gives each of several councils its share of the people aged from..to (90 = 90 and
// over) at mid-year year among them all, each council's people the sum of its districts'
// estimates: the shares by which a county's figures are apportioned to the councils that
// replaced it. A district without an estimate is an error naming it and what needed it.
func popShares(pop []datasets.Population, year, from, to int32, councils []string, districts [][]string, what string) ([]float64, error) {
	people := map[string]float64{}
	has := map[string]bool{}
	for _, p := range pop {
		if p.Kind == "estimate" && p.Year == year {
			has[p.AreaCode] = true
			if p.Age >= from && p.Age <= to {
				people[p.AreaCode] += p.Count
			}
		}
	}
	band := fmt.Sprintf("%d-%d", from, to)
	if to >= 90 {
		band = fmt.Sprintf("%d+", from)
	}
	shares := make([]float64, len(councils))
	total := 0.0
	for i := range councils {
		for _, d := range districts[i] {
			if !has[d] || people[d] <= 0 {
				return nil, fmt.Errorf("no mid-%d estimate of people %s in %s, needed to apportion %s", year, band, d, what)
			}
			shares[i] += people[d]
		}
		total += shares[i]
	}
	for i := range shares {
		shares[i] /= total
	}
	return shares, nil
}
