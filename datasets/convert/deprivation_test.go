package convert

import (
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/carecast/carecast/datasets"
)

var deprivation struct {
	once  sync.Once
	areas []datasets.Area
	rows  []deprivationRow
	err   error
}

// deprivationRows builds the deprivation rows once for all the TestDeprivation tests.
func deprivationRows(t *testing.T) ([]datasets.Area, []deprivationRow) {
	t.Helper()
	areas := rawData(t)
	deprivation.once.Do(func() {
		raw := os.DirFS(rawDir)
		pop, _, err := buildPopulation(raw)
		if err != nil {
			deprivation.err = err
			return
		}
		deprivation.areas = areas
		deprivation.rows, deprivation.err = buildDeprivation(raw, areas, pop)
	})
	if deprivation.err != nil {
		t.Fatal(deprivation.err)
	}
	return deprivation.areas, deprivation.rows
}

func deprivationOf(rows []deprivationRow, area, measure string) (deprivationRow, bool) {
	for _, r := range rows {
		if r.AreaCode == area && r.Measure == measure {
			return r, true
		}
	}
	return deprivationRow{}, false
}

// TestDeprivationPublished checks File 11's figures against PROVENANCE §14: Hartlepool IMD
// average score 35.037 and IDAOPI 0.228; Blackpool ranks 1st (45.039); Tower Hamlets has the
// highest IDAOPI of all (0.439).
func TestDeprivationPublished(t *testing.T) {
	_, rows := deprivationRows(t)
	for _, tc := range []struct {
		area, measure string
		want          float64
	}{
		{"E06000001", measureIMDScore, 35.037},
		{"E06000001", measureIDAOPIScore, 0.228},
		{"E06000009", measureIMDRank, 1},
		{"E06000009", measureIMDScore, 45.039},
		{"E09000030", measureIDAOPIScore, 0.439},
	} {
		r, ok := deprivationOf(rows, tc.area, tc.measure)
		if !ok || r.Value != tc.want || r.Method != "published" || r.Source != srcIoDFile11 {
			t.Errorf("%s %s = %+v (found %v), want %v published from File 11", tc.area, tc.measure, r, ok, tc.want)
		}
	}
	top, ranks := deprivationRow{}, map[float64]string{}
	for _, r := range rows {
		if r.Measure == measureIDAOPIScore && r.Value > top.Value {
			top = r
		}
		if r.Measure == measureIMDRank {
			if other, dup := ranks[r.Value]; dup {
				t.Errorf("rank %v of %s and %s", r.Value, other, r.AreaCode)
			}
			ranks[r.Value] = r.AreaCode
		}
	}
	if top.AreaCode != "E09000030" {
		t.Errorf("highest IDAOPI %+v, want Tower Hamlets", top)
	}
	// 151 areas of 2019 less the five councils since abolished (Buckinghamshire,
	// Northamptonshire, Cumbria, North Yorkshire, Somerset).
	if len(ranks) != 146 || ranks[1] != "E06000009" {
		t.Errorf("%d ranked councils, 1st %s; want 146 and Blackpool", len(ranks), ranks[1])
	}
}

// TestDeprivationSecondSource compares File 11 with humaniverse/IMD's LTLA 2022 scores for the
// areas whose UTLA 2019 code is an LTLA 2022 code (unitaries, metropolitan districts, London
// boroughs): the same LSOAs and weights, File 11 rounded to 3 dp (PROVENANCE §14: 125 areas).
// The differences run a little past half the last place File 11 prints (IMD score 0.000514 in
// Windsor and Maidenhead, 8.376 against 8.37549; income 0.000517 in Ealing, 0.140 against
// 0.14052): MHCLG averaged unrounded LSOA scores, humaniverse the published 3-dp ones, so the
// bound is 0.00055 rather than 0.0005.
func TestDeprivationSecondSource(t *testing.T) {
	rawData(t)
	raw := os.DirFS(rawDir)
	file11, err := readIoDFile11(raw)
	if err != nil {
		t.Fatal(err)
	}
	ltla, err := readIoDLTLA22(raw)
	if err != nil {
		t.Fatal(err)
	}
	n, worst, worstIncome := 0, 0.0, 0.0
	for code, x := range file11 {
		y, ok := ltla[code]
		if !ok {
			continue
		}
		n++
		d, di := math.Abs(x.score-y.score), math.Abs(x.income-y.income)
		worst, worstIncome = math.Max(worst, d), math.Max(worstIncome, di)
		if d > 0.00055 || di > 0.00055 {
			t.Errorf("%s %s: File 11 score %v income %v, LTLA 2022 %v %v", code, x.name, x.score, x.income, y.score, y.income)
		}
	}
	if n != 125 {
		t.Errorf("%d areas in both, want 125", n)
	}
	t.Logf("%d areas in both; largest |File 11 − humaniverse| IMD score %.6f, income %.6f", n, worst, worstIncome)
}

// TestDeprivationCoverage checks that every council (153) and every district of April 2023
// geography (296: unitaries, metropolitan districts, London boroughs and non-metropolitan
// districts) has an IMD score, that the councils created since 2019 say how they were
// weighted, and that nothing is written for regions, England or ended areas.
func TestDeprivationCoverage(t *testing.T) {
	areas, rows := deprivationRows(t)
	scored := map[string]deprivationRow{}
	for _, r := range rows {
		if r.Measure == measureIMDScore {
			scored[r.AreaCode] = r
		}
		if math.IsNaN(r.Value) || r.Value < 0 {
			t.Errorf("row %+v", r)
		}
	}
	byCode := map[string]datasets.Area{}
	councils, districts := 0, 0
	for _, a := range areas {
		byCode[a.AreaCode] = a
		if a.ValidTo != "" {
			continue
		}
		if a.IsCouncil() {
			councils++
			if _, ok := scored[a.AreaCode]; !ok {
				t.Errorf("council %s %s has no IMD score", a.AreaCode, a.AreaName)
			}
		}
		if a.AreaType != datasets.AreaCounty && a.AreaType != datasets.AreaRegion && a.AreaType != datasets.AreaCountry {
			districts++
			if _, ok := scored[a.AreaCode]; !ok {
				t.Errorf("district %s %s has no IMD score", a.AreaCode, a.AreaName)
			}
		}
	}
	if councils != 153 || districts != 296 {
		t.Errorf("%d councils, %d districts in force; want 153 and 296", councils, districts)
	}
	for _, r := range rows {
		a := byCode[r.AreaCode]
		if a.ValidTo != "" || a.AreaType == datasets.AreaRegion || a.AreaType == datasets.AreaCountry {
			t.Errorf("row %+v for a %s (ended %q)", r, a.AreaType, a.ValidTo)
		}
	}
	// The councils created since April 2019 (seven: Buckinghamshire, North and West
	// Northamptonshire and the four of 2023) have a score, an income score and a method naming
	// the weights, and no rank or IDAOPI.
	for _, code := range []string{"E06000060", "E06000061", "E06000062", "E06000063", "E06000064", "E06000065", "E06000066"} {
		r := scored[code]
		if !strings.Contains(r.Method, "weight") || r.Source != srcIoDLTLA22 {
			t.Errorf("%s: %+v", code, r)
		}
		if _, ok := deprivationOf(rows, code, measureIncomeScore); !ok {
			t.Errorf("%s has no income score", code)
		}
		for _, m := range []string{measureIMDRank, measureIDAOPIScore} {
			if r, ok := deprivationOf(rows, code, m); ok {
				t.Errorf("%s has %s %+v", code, m, r)
			}
		}
		t.Logf("%s %s: %.3f (%s)", code, byCode[code].AreaName, r.Value, r.Method)
	}
	// Buckinghamshire as an LTLA 2022 is the county of 2019 (File 11 E10000002: 10.052).
	if r := scored["E06000060"]; math.Abs(r.Value-10.052) > 0.0005 {
		t.Errorf("Buckinghamshire %v, want File 11's county 10.052", r.Value)
	}
}

// TestDeprivationNorthYorkshire checks the weighted mean of a 2023 council: North Yorkshire
// (E06000065) covers the same LSOAs as the county of 2019 (E10000023), whose File 11 score is
// 14.762; the mean of its seven districts' scores on all-age weights lies between their least
// and most deprived and within 0.05 of the county's.
func TestDeprivationNorthYorkshire(t *testing.T) {
	_, rows := deprivationRows(t)
	raw := os.DirFS(rawDir)
	file11, err := readIoDFile11(raw)
	if err != nil {
		t.Fatal(err)
	}
	ltla, err := readIoDLTLA22(raw)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, d := range []string{"E07000163", "E07000164", "E07000165", "E07000166", "E07000167", "E07000168", "E07000169"} {
		lo, hi = math.Min(lo, ltla[d].score), math.Max(hi, ltla[d].score)
	}
	r, _ := deprivationOf(rows, "E06000065", measureIMDScore)
	county := file11["E10000023"].score
	if r.Value <= lo || r.Value >= hi || math.Abs(r.Value-county) > 0.05 {
		t.Errorf("North Yorkshire %v (districts %v to %v), county in File 11 %v", r.Value, lo, hi, county)
	}
	t.Logf("North Yorkshire E06000065 %.4f (%s); File 11 E10000023 %.3f; difference %+.4f", r.Value, r.Method, county, r.Value-county)
	// Somerset (E06000066) likewise covers the county of 2019 (E10000027).
	s, _ := deprivationOf(rows, "E06000066", measureIMDScore)
	if c := file11["E10000027"].score; math.Abs(s.Value-c) > 0.05 {
		t.Errorf("Somerset %v, county in File 11 %v", s.Value, c)
	} else {
		t.Logf("Somerset E06000066 %.4f; File 11 E10000027 %.3f; difference %+.4f", s.Value, c, s.Value-c)
	}
}
