package convert

import (
	"cmp"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"slices"

	"github.com/carecast/carecast/datasets"
)

const (
	deprivationDir = "deprivation/"
	srcIoDFile11   = "MHCLG English Indices of Deprivation 2019, File 11 (upper-tier summaries, 26 Sep 2019); OGL v3"
	srcIoDLTLA22   = "MHCLG English Indices of Deprivation 2019 by LTLA 2022, via humaniverse/IMD (population-weighted LSOA scores); OGL v3"
	// iodWeightYear is the mid-year whose LSOA populations (excluding prisoners) MHCLG used to
	// average LSOA scores over an area.
	iodWeightYear = 2015
)

// The measures of deprivation rows.
const (
	measureIMDScore    = "imd_average_score"         // IMD 2019 average score (population-weighted mean of LSOA scores)
	measureIMDRank     = "imd_rank_of_average_score" // rank among the 151 upper-tier areas of April 2019, 1 = most deprived
	measureIncomeScore = "imd_income_score"          // Income domain average score (share of people income deprived, 0-1)
	measureIDAOPIScore = "idaopi_average_score"      // Income Deprivation Affecting Older People, average score (0-1)
)

// deprivationRow is one figure of the English Indices of Deprivation 2019 for an area in force
// on April 2023 geography. Method says how the figure was had: "published" (File 11 as
// printed) or how it was derived.
type deprivationRow struct {
	AreaCode, Measure string
	Value             float64
	Method, Source    string
}

// iodFigures are the IoD 2019 figures of one area; rank 0 means not published for it, and
// idaopi is NaN where the source has none (the LTLA 2022 file carries no IDAOPI).
type iodFigures struct {
	name          string
	score, income float64
	rank          float64
	idaopi        float64
}

// readIoDFile11 reads File 11 (upper-tier summaries, April 2019 UTLAs) from its wide extract:
// IMD average score and its rank, Income and IDAOPI average scores, by UTLA 2019 code.
func readIoDFile11(raw fs.FS) (map[string]iodFigures, error) {
	f, err := readCSV(raw, deprivationDir+"iod2019_file11_utla19_imd_income_idaopi_wide.csv")
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("utla19_code", "utla19_name", "imd_average_score", "imd_rank_of_average_score", "income_average_score", "idaopi_average_score")
	if err != nil {
		return nil, err
	}
	out := map[string]iodFigures{}
	for i := range f.rows {
		r := f.fields(i)
		code := r.str(c[0])
		x := iodFigures{name: r.str(c[1]), score: r.num(c[2]), rank: r.num(c[3]), income: r.num(c[4]), idaopi: r.num(c[5])}
		if r.err != nil {
			return nil, r.err
		}
		if _, dup := out[code]; dup {
			return nil, f.lineErr(i, fmt.Errorf("second row for %s", code))
		}
		if x.rank < 1 || x.rank != math.Trunc(x.rank) {
			return nil, f.lineErr(i, fmt.Errorf("%s rank of average score %v", code, x.rank))
		}
		out[code] = x
	}
	if len(out) != 151 {
		return nil, fmt.Errorf("%s: %d areas, want the 151 upper-tier areas of April 2019", f.name, len(out))
	}
	return out, nil
}

// readIoDLTLA22 reads humaniverse/IMD's LTLA 2022 summaries: IMD and Income domain scores,
// each the mid-2015-population-weighted mean of the area's LSOA scores, by LTLA 2022 code.
func readIoDLTLA22(raw fs.FS) (map[string]iodFigures, error) {
	f, err := readCSV(raw, deprivationDir+"imd2019_ltla22_england_humaniverse.csv")
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("ltla22_code", "Score", "Income_Score")
	if err != nil {
		return nil, err
	}
	out := map[string]iodFigures{}
	for i := range f.rows {
		r := f.fields(i)
		code := r.str(c[0])
		x := iodFigures{score: r.num(c[1]), income: r.num(c[2]), idaopi: math.NaN()}
		if r.err != nil {
			return nil, r.err
		}
		if _, dup := out[code]; dup {
			return nil, f.lineErr(i, fmt.Errorf("second row for %s", code))
		}
		out[code] = x
	}
	return out, nil
}

// buildDeprivation gives every area in force on April 2023 geography (ValidTo "") below region
// level its English Indices of Deprivation 2019 figures: measures imd_average_score,
// imd_rank_of_average_score, imd_income_score and idaopi_average_score (see the measure
// constants). Regions and England get nothing: File 11 publishes no region or England
// summary, and an England average of LSOA scores is no benchmark the engine uses.
//
//   - A council (upper tier) whose code is an April 2019 UTLA of File 11 takes File 11's
//     published figures, all four (Method "published").
//   - A council created since April 2019 (Buckinghamshire 2020, North and West
//     Northamptonshire 2021, Cumberland, Westmorland and Furness, North Yorkshire and
//     Somerset 2023) is in no File 11. Where the LTLA 2022 file has the council itself
//     (E06000060-62) it takes that file's IMD and Income scores, which are the mean of its own
//     LSOAs' scores weighted as MHCLG weights them (mid-2015 population). The councils of 2023
//     take the mean of their 2022 districts' scores weighted by each district's all-age
//     population in the ONS mid-year estimate (pop, Kind "estimate") of the year nearest 2015
//     that has every district (ties to the later year): MHCLG's own weights are LSOA mid-2015
//     populations excluding prisoners, which are not at hand by district. These councils have
//     no rank (File 11 ranks the 151 areas of 2019 only) and no IDAOPI (published by UTLA 2019
//     only, and the LTLA 2022 file has none): no row is written for either.
//   - A lower-tier district (E07) takes the LTLA 2022 file's IMD and Income scores; no rank,
//     no IDAOPI. The areas created in 2023 are all unitaries, none a lower-tier district, so
//     every district in force is an LTLA of 2022 and in that file.
//
// Rows are sorted by area and measure. It fails on a missing file or column, a duplicated or
// unreadable row, an area in force that none of the rules above covers, or a missing estimate.
func buildDeprivation(raw fs.FS, areas []datasets.Area, pop []datasets.Population) ([]deprivationRow, error) {
	file11, err := readIoDFile11(raw)
	if err != nil {
		return nil, fmt.Errorf("deprivation: %w", err)
	}
	ltla, err := readIoDLTLA22(raw)
	if err != nil {
		return nil, fmt.Errorf("deprivation: %w", err)
	}
	people := map[string]map[int32]float64{} // district → year → all-age people
	for _, p := range pop {
		if p.Kind != "estimate" {
			continue
		}
		if people[p.AreaCode] == nil {
			people[p.AreaCode] = map[int32]float64{}
		}
		people[p.AreaCode][p.Year] += p.Count
	}
	predecessors := map[string][]string{}
	for _, ch := range reorganisations {
		predecessors[ch.Successor] = ch.Predecessors
	}

	var out []deprivationRow
	add := func(code, measure string, v float64, method, src string) {
		out = append(out, deprivationRow{AreaCode: code, Measure: measure, Value: v, Method: method, Source: src})
	}
	for _, a := range areas {
		if a.ValidTo != "" || a.AreaType == datasets.AreaCountry || a.AreaType == datasets.AreaRegion {
			continue
		}
		code := a.AreaCode
		if x, ok := file11[code]; ok && a.IsCouncil() {
			add(code, measureIMDScore, x.score, "published", srcIoDFile11)
			add(code, measureIMDRank, x.rank, "published", srcIoDFile11)
			add(code, measureIncomeScore, x.income, "published", srcIoDFile11)
			add(code, measureIDAOPIScore, x.idaopi, "published", srcIoDFile11)
			continue
		}
		if x, ok := ltla[code]; ok {
			method := "mean of its LSOAs' scores weighted by mid-2015 population, as MHCLG weights (computed by humaniverse/IMD)"
			if a.IsCouncil() {
				if a.ValidFrom <= "2019-04-01" {
					return nil, fmt.Errorf("deprivation: council %s (%s) existed in April 2019 but is not in File 11", code, a.AreaName)
				}
				method = fmt.Sprintf("created %s, after File 11's geography: %s", a.ValidFrom, method)
			}
			add(code, measureIMDScore, x.score, method, srcIoDLTLA22)
			add(code, measureIncomeScore, x.income, method, srcIoDLTLA22)
			continue
		}
		ds := predecessors[code]
		if !a.IsCouncil() || len(ds) == 0 {
			return nil, fmt.Errorf("deprivation: %s (%s) is in neither File 11 nor the LTLA 2022 file and is no council created from districts", code, a.AreaName)
		}
		year, ok := nearestYear(people, ds, iodWeightYear)
		if !ok {
			return nil, fmt.Errorf("deprivation: no mid-year estimate holds every district of %s (%s) %v", code, a.AreaName, ds)
		}
		var w, score, income float64
		for _, d := range ds {
			x, ok := ltla[d]
			if !ok {
				return nil, fmt.Errorf("deprivation: %s, a district of %s (%s), is not in the LTLA 2022 file", d, code, a.AreaName)
			}
			n := people[d][year]
			w += n
			score += n * x.score
			income += n * x.income
		}
		method := fmt.Sprintf("created %s: population-weighted mean of its districts' scores (ONS mid-%d all-age weights)", a.ValidFrom, year)
		add(code, measureIMDScore, score/w, method, srcIoDLTLA22)
		add(code, measureIncomeScore, income/w, method, srcIoDLTLA22)
	}
	slices.SortStableFunc(out, func(x, y deprivationRow) int {
		return cmp.Or(cmp.Compare(x.AreaCode, y.AreaCode), cmp.Compare(x.Measure, y.Measure))
	})
	return out, nil
}

// nearestYear is the year nearest target (the later of two as near) in which every area of
// codes has a positive count.
func nearestYear(people map[string]map[int32]float64, codes []string, target int32) (int32, bool) {
	best, found := int32(0), false
	for _, y := range slices.Sorted(maps.Keys(people[codes[0]])) {
		all := true
		for _, c := range codes {
			if people[c][y] <= 0 {
				all = false
				break
			}
		}
		if !all {
			continue
		}
		if !found || abs32(y-target) <= abs32(best-target) {
			best, found = y, true
		}
	}
	return best, found
}

func abs32(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}
