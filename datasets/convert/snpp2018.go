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

// The 2018-based subnational projections as republished by The Strategy Unit (PROVENANCE §9):
// one wide file per variant (area, year, sex, age_0 … age_89, age_90plus) and, for the principal
// only, the modelled split of 90+ into 90 … 100+.
const (
	snpp2018Dir        = "ons_snpp2018/"
	snpp2018OldestFile = snpp2018Dir + "snpp2018_principal_ages90to100plus.csv.gz"
	snpp2018FirstYear  = 2018
	snpp2018LastYear   = 2043
	// snpp2018OldestTop is the open top age of the Strategy Unit's split: 100 = 100 and over.
	snpp2018OldestTop = 100

	srcSNPP2018Principal = "ONS 2018-based subnational population projections, principal (published 2020-03-24), via The Strategy Unit; OGL v3"
	srcSNPP2018Oldest    = "Strategy Unit model: the 90+ of the ONS 2018-based subnational projections (principal) split into 90 … 100+ by the ONS NPP 2018 England 90+ age distribution; " +
		"100+ split here into 100 … 105+ by the ONS NPP 2018 England principal shares of the same year and sex; not an ONS product"
)

// snpp2018Variants are the variants in file order (v1 … v11 of the Strategy Unit's app) with
// their ONS NPP 2018 assumption codes: B = completed family size 1.61/1.78/1.91, L = life
// expectancy at birth, M = net migration 81,500/173,000/264,500 a year (1 low, 2 principal, 3 high).
var snpp2018Variants = []struct{ name, code string }{
	{"principal", "B2L2M2"},
	{"high_fertility", "B3L2M2"},
	{"low_fertility", "B1L2M2"},
	{"high_life_expectancy", "B2L3M2"},
	{"low_life_expectancy", "B2L1M2"},
	{"high_migration", "B2L2M3"},
	{"low_migration", "B2L2M1"},
	{"high_population", "B3L3M3"},
	{"low_population", "B1L1M1"},
	{"young_age_structure", "B3L1M3"},
	{"old_age_structure", "B1L3M1"},
}

// SNPP2018Variants lists the variant names in file order: "principal", "high_fertility",
// "low_fertility", … (from the file names ons_snpp2018/snpp2018_syoa_sex_<name>.csv.gz). Only
// the principal is an ONS product; the other ten are Strategy Unit derivations.
var SNPP2018Variants = func() []string {
	out := make([]string, len(snpp2018Variants))
	for i, v := range snpp2018Variants {
		out[i] = v.name
	}
	return out
}()

// snpp2018Source is the source string of a variant's rows.
func snpp2018Source(name, code string) string {
	if name == "principal" {
		return srcSNPP2018Principal
	}
	return "Strategy Unit variant derived from ONS SNPP 2018 principal × ONS NPP 2018 " + strings.ReplaceAll(name, "_", " ") +
		" variant/principal ratio (" + code + "); not an ONS product"
}

// snppKey identifies one area, year and sex of a wide SNPP file.
type snppKey struct {
	area string
	year int32
	sex  string
}

// buildSNPP2018 reads the 2018-based subnational projection of variant (one of
// SNPP2018Variants) into population rows: Kind "projection", Variant variant, every area in the
// file (318 on 2023 geography: unitaries, districts, London boroughs, counties and England),
// years 2018–2043, both sexes, ages 0..89 and 90 (= 90 and over, the file's age_90plus). Sex is
// coded 1 = male, 2 = female (England 2018: 27,667,942 and 28,309,236, PROVENANCE §9).
//
// It returns an error for an unknown variant (listing the names), a negative or non-numeric
// count, an area without exactly one row for each of the 26 years and 2 sexes, and, for the
// principal, an age_90plus that differs from the sum of ages 90..100+ of the oldest-ages file
// (naming the area, year and sex).
func buildSNPP2018(raw fs.FS, variant string) ([]datasets.Population, error) {
	i := slices.IndexFunc(snpp2018Variants, func(v struct{ name, code string }) bool { return v.name == variant })
	if i < 0 {
		return nil, fmt.Errorf("unknown SNPP 2018 variant %q; want one of %s", variant, strings.Join(SNPP2018Variants, ", "))
	}
	source := snpp2018Source(variant, snpp2018Variants[i].code)
	f, err := readCSV(raw, snpp2018Dir+"snpp2018_syoa_sex_"+variant+".csv.gz")
	if err != nil {
		return nil, err
	}
	names := []string{"area_code", "year", "sex"}
	for age := range 90 {
		names = append(names, "age_"+strconv.Itoa(age))
	}
	names = append(names, "age_90plus")
	c, err := f.mustCols(names...)
	if err != nil {
		return nil, err
	}
	out := make([]datasets.Population, 0, len(f.rows)*91)
	seen := map[snppKey]bool{}
	open := map[snppKey]float64{}
	for row := range f.rows {
		r := f.fields(row)
		k := snppKey{r.str(c[0]), r.int(c[1]), r.sex(c[2])}
		for age := range 91 {
			v := r.num(c[3+age])
			if r.err == nil && v < 0 {
				r.keep(fmt.Errorf("%s %d %s age %d: negative count %v", k.area, k.year, k.sex, age, v))
			}
			out = append(out, datasets.Population{AreaCode: k.area, Year: k.year, Sex: k.sex, Age: int32(age), Count: v,
				Kind: "projection", Variant: variant, Source: source})
			if age == 90 {
				open[k] = v
			}
		}
		if r.err != nil {
			return nil, r.err
		}
		if k.year < snpp2018FirstYear || k.year > snpp2018LastYear {
			return nil, f.lineErr(row, fmt.Errorf("%s: year %d is outside %d–%d", k.area, k.year, snpp2018FirstYear, snpp2018LastYear))
		}
		if seen[k] {
			return nil, f.lineErr(row, fmt.Errorf("%s %d %s: a second row", k.area, k.year, k.sex))
		}
		seen[k] = true
	}
	if err := checkSNPPGrid(f.name, seen); err != nil {
		return nil, err
	}
	if variant == "principal" {
		oldest, err := readSNPP2018Oldest(raw)
		if err != nil {
			return nil, err
		}
		for _, k := range slices.SortedFunc(maps.Keys(open), compareSNPPKey) {
			var sum float64
			for _, v := range oldest[k] {
				sum += v
			}
			if oldest[k] == nil || sum != open[k] {
				return nil, fmt.Errorf("%s: %s %d %s has %v people aged 90+ but %s sums ages 90..100+ to %v",
					f.name, k.area, k.year, k.sex, open[k], snpp2018OldestFile, sum)
			}
		}
		if len(oldest) != len(open) {
			return nil, fmt.Errorf("%s has %d area-year-sex groups, %s %d", snpp2018OldestFile, len(oldest), f.name, len(open))
		}
	}
	return out, nil
}

func compareSNPPKey(a, b snppKey) int {
	return cmp.Or(cmp.Compare(a.area, b.area), cmp.Compare(a.year, b.year), cmp.Compare(a.sex, b.sex))
}

// checkSNPPGrid checks that every area of a file has one group for each year 2018–2043 and
// each sex (seen holds the groups read, each once).
func checkSNPPGrid(file string, seen map[snppKey]bool) error {
	perArea := map[string]int{}
	for k := range seen {
		perArea[k.area]++
	}
	want := (snpp2018LastYear - snpp2018FirstYear + 1) * 2
	for _, a := range slices.Sorted(maps.Keys(perArea)) {
		if perArea[a] != want {
			return fmt.Errorf("%s: %s has %d year-sex groups, want %d (years %d–%d × 2 sexes)", file, a, perArea[a], want, snpp2018FirstYear, snpp2018LastYear)
		}
	}
	return nil
}

// readSNPP2018Oldest reads the Strategy Unit's ages 90..100+ of the principal, by area, year and
// sex (index 0 = age 90, 10 = 100 and over), checking that every group has each age once, no
// count is negative and every area has the 26 years × 2 sexes.
func readSNPP2018Oldest(raw fs.FS) (map[snppKey][]float64, error) {
	f, err := readCSV(raw, snpp2018OldestFile)
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("area_code", "year", "sex", "age", "count")
	if err != nil {
		return nil, err
	}
	const width = snpp2018OldestTop - 90 + 1
	out := map[snppKey][]float64{}
	filled := map[snppKey]int{}
	for row := range f.rows {
		r := f.fields(row)
		k := snppKey{r.str(c[0]), r.int(c[1]), r.sex(c[2])}
		age, v := r.int(c[3]), r.num(c[4])
		if r.err != nil {
			return nil, r.err
		}
		switch {
		case k.year < snpp2018FirstYear || k.year > snpp2018LastYear:
			return nil, f.lineErr(row, fmt.Errorf("%s: year %d is outside %d–%d", k.area, k.year, snpp2018FirstYear, snpp2018LastYear))
		case age < 90 || age > snpp2018OldestTop:
			return nil, f.lineErr(row, fmt.Errorf("%s %d %s: age %d is outside 90..%d", k.area, k.year, k.sex, age, snpp2018OldestTop))
		case v < 0:
			return nil, f.lineErr(row, fmt.Errorf("%s %d %s age %d: negative count %v", k.area, k.year, k.sex, age, v))
		}
		ages := out[k]
		if ages == nil {
			ages = make([]float64, width)
			for i := range ages {
				ages[i] = -1
			}
			out[k] = ages
		}
		if ages[age-90] >= 0 {
			return nil, f.lineErr(row, fmt.Errorf("%s %d %s age %d: a second row", k.area, k.year, k.sex, age))
		}
		ages[age-90] = v
		filled[k]++
	}
	seen := map[snppKey]bool{}
	for k, n := range filled {
		if n != width {
			return nil, fmt.Errorf("%s: %s %d %s has %d of the ages 90..%d", f.name, k.area, k.year, k.sex, n, snpp2018OldestTop)
		}
		seen[k] = true
	}
	if err := checkSNPPGrid(f.name, seen); err != nil {
		return nil, err
	}
	return out, nil
}

// buildSNPP2018Oldest reads the Strategy Unit's split of the principal projection's 90+ into
// single years 90..99 and 100+ (modelled from the ONS NPP 2018 90+ age distribution; ONS's
// subnational projections stop at 90+) as population_oldest rows, Kind "projection", Variant
// "principal", for every area of the file, 2018–2043. population_oldest runs to 105 (= 105 and
// over), so each group's 100+ is split further into 100..104 and 105+ in the proportions of the
// ONS NPP 2018 England principal for the same year and sex; ages 90..105 still sum to the
// file's 90+. Errors as readSNPP2018Oldest, and for an NPP year without people 100+.
func buildSNPP2018Oldest(raw fs.FS) ([]datasets.PopulationOldest, error) {
	oldest, err := readSNPP2018Oldest(raw)
	if err != nil {
		return nil, err
	}
	shares, err := npp2018Centenarians(raw)
	if err != nil {
		return nil, err
	}
	out := make([]datasets.PopulationOldest, 0, len(oldest)*(datasets.OldestAge-90+1))
	for _, k := range slices.SortedFunc(maps.Keys(oldest), compareSNPPKey) {
		ages := oldest[k]
		sh, ok := shares[snppKey{"E92000001", k.year, k.sex}]
		if !ok {
			return nil, fmt.Errorf("ons_npp2018/npp2018_england_principal_population.csv: no people aged 100+ for %d %s to split %s's 100+ by", k.year, k.sex, k.area)
		}
		row := func(age int32, v float64) datasets.PopulationOldest {
			return datasets.PopulationOldest{AreaCode: k.area, Year: k.year, Sex: k.sex, Age: age, Count: v,
				Kind: "projection", Variant: "principal", Source: srcSNPP2018Oldest}
		}
		for age := int32(90); age < snpp2018OldestTop; age++ {
			out = append(out, row(age, ages[age-90]))
		}
		top := ages[snpp2018OldestTop-90]
		for i, s := range sh {
			out = append(out, row(int32(snpp2018OldestTop+i), top*s))
		}
	}
	return out, nil
}

// npp2018Centenarians returns, for each year and sex of the ONS NPP 2018 England principal, the
// shares of people 100+ aged 100, 101, …, 104 and 105+ (summing to 1).
func npp2018Centenarians(raw fs.FS) (map[snppKey][]float64, error) {
	npp, err := readCSV(raw, "ons_npp2018/npp2018_england_principal_population.csv")
	if err != nil {
		return nil, err
	}
	c, err := npp.mustCols("sex", "age", "year", "value")
	if err != nil {
		return nil, err
	}
	const width = datasets.OldestAge - snpp2018OldestTop + 1
	out := map[snppKey][]float64{}
	for row := range npp.rows {
		r := npp.fields(row)
		sex, age, year, v := r.sex(c[0]), r.nppAge(c[1]), r.int(c[2]), r.num(c[3])
		if r.err != nil {
			return nil, r.err
		}
		if age < snpp2018OldestTop || year < snpp2018FirstYear || year > snpp2018LastYear {
			continue
		}
		k := snppKey{"E92000001", year, sex}
		if out[k] == nil {
			out[k] = make([]float64, width)
		}
		out[k][age-snpp2018OldestTop] += v
	}
	for k, s := range out {
		var sum float64
		for _, v := range s {
			sum += v
		}
		if sum <= 0 {
			delete(out, k)
			continue
		}
		for i := range s {
			s[i] /= sum
		}
	}
	return out, nil
}

// buildProjections makes each ONS 2018-based subnational projection variant a projection of
// its own (datasets.LazyProjection; the principal loads with the data, the others on first
// use): every district, unitary and London
// borough of April 2023 and England, 2018–2043, by single year to 90+. The counties are left
// out (the engine sums their districts; the converter's tests check the published county
// figures against those sums).
func buildProjections(raw fs.FS) ([]*datasets.LazyProjection, error) {
	out := make([]*datasets.LazyProjection, 0, len(snpp2018Variants))
	for _, v := range snpp2018Variants {
		rows, err := buildSNPP2018(raw, v.name)
		if err != nil {
			return nil, err
		}
		rows = slices.DeleteFunc(rows, func(r datasets.Population) bool { return strings.HasPrefix(r.AreaCode, "E10") })
		out = append(out, datasets.NewLazyProjection(v.name, rows))
	}
	return out, nil
}
