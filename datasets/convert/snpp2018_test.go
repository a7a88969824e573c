package convert

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/carecast/carecast/datasets"
)

// snppRowsPerVariant is 318 areas × 26 years (2018–2043) × 2 sexes × 91 ages (PROVENANCE §9:
// 16,536 wide rows, each ages 0..89 and 90+).
const snppRowsPerVariant = 16536 * 91

// snppPrincipal builds the principal once for the tests that share it.
var snppPrincipal = sync.OnceValues(func() ([]datasets.Population, error) {
	return buildSNPP2018(os.DirFS(rawDir), "principal")
})

// snppCells indexes rows by area, year and sex, ages 0..90.
type snppCells map[snppKey]*[91]float64

func indexSNPP(rows []datasets.Population) snppCells {
	m := snppCells{}
	for _, r := range rows {
		k := snppKey{r.AreaCode, r.Year, r.Sex}
		c := m[k]
		if c == nil {
			c = new([91]float64)
			m[k] = c
		}
		c[r.Age] += r.Count
	}
	return m
}

// sum is the number of people in area in year aged from and over, of sex ("" = both).
func (m snppCells) sum(area string, year int32, sex string, from int) float64 {
	var s float64
	for _, x := range []string{"female", "male"} {
		if sex != "" && sex != x {
			continue
		}
		if c := m[snppKey{area, year, x}]; c != nil {
			for _, v := range c[from:] {
				s += v
			}
		}
	}
	return s
}

func principalCells(t *testing.T) (snppCells, []datasets.Population) {
	t.Helper()
	rawData(t)
	rows, err := snppPrincipal()
	if err != nil {
		t.Fatal(err)
	}
	return indexSNPP(rows), rows
}

// TestSNPP2018Principal checks the principal against the figures recorded in PROVENANCE §9,
// which were computed from the Strategy Unit's JSON and compared with ONS's mid-2018 estimate and
// its 2018-based national projection.
func TestSNPP2018Principal(t *testing.T) {
	areas := rawData(t)
	m, rows := principalCells(t)
	if len(rows) != snppRowsPerVariant {
		t.Errorf("%d rows, want %d", len(rows), snppRowsPerVariant)
	}
	for _, r := range rows {
		if r.Kind != "projection" || r.Variant != "principal" || r.Source != srcSNPP2018Principal || r.Age < 0 || r.Age > 90 || r.Count < 0 {
			t.Fatalf("row %+v", r)
		}
	}
	for _, tc := range []struct {
		area       string
		year       int32
		sex        string
		from       int
		want       float64
		provenance string
	}{
		// §9: England 2018 = 55,977,178 (m 27,667,942, f 28,309,236) = ONS mid-2018 — which
		// fixes the sex coding as ONS's (1 = male).
		{"E92000001", 2018, "", 0, 55977178, "England 2018"},
		{"E92000001", 2018, "male", 0, 27667942, "England 2018 males"},
		{"E92000001", 2018, "female", 0, 28309236, "England 2018 females"},
		// §9: England equals the NPP-2018 principal in 2030 (59,181,798) and 2043 (61,744,098).
		{"E92000001", 2030, "", 0, 59181798, "England 2030"},
		{"E92000001", 2043, "", 0, 61744098, "England 2043"},
		// §9: England 65+ 10,179,253 / 12,697,007 / 14,726,968.
		{"E92000001", 2018, "", 65, 10179253, "England 65+ 2018"},
		{"E92000001", 2030, "", 65, 12697007, "England 65+ 2030"},
		{"E92000001", 2043, "", 65, 14726968, "England 65+ 2043"},
		// §9: Hartlepool 93,242 (2018) and 93,653 (2030); 65+ 17,959 / 22,272 / 24,059.
		{"E06000001", 2018, "", 0, 93242, "Hartlepool 2018"},
		{"E06000001", 2030, "", 0, 93653, "Hartlepool 2030"},
		{"E06000001", 2018, "", 65, 17959, "Hartlepool 65+ 2018"},
		{"E06000001", 2030, "", 65, 22272, "Hartlepool 65+ 2030"},
		{"E06000001", 2043, "", 65, 24059, "Hartlepool 65+ 2043"},
		// §9: Cumberland 274,339 (vs Σ predecessors' MYE 2018 274,338).
		{"E06000063", 2018, "", 0, 274339, "Cumberland 2018"},
	} {
		if got := m.sum(tc.area, tc.year, tc.sex, tc.from); got != tc.want {
			t.Errorf("%s: %.0f, want %.0f (PROVENANCE §9)", tc.provenance, got, tc.want)
		}
	}

	// 318 areas (§9), every one in the areas table and none of them ended before 2023.
	byCode := map[string]datasets.Area{}
	for _, a := range areas {
		byCode[a.AreaCode] = a
	}
	inFile := map[string]bool{}
	for k := range m {
		inFile[k.area] = true
	}
	if len(inFile) != 318 {
		t.Errorf("%d areas, want 318", len(inFile))
	}
	for c := range inFile {
		if a, ok := byCode[c]; !ok || a.ValidTo != "" {
			t.Errorf("%s: not an area in force in the areas table (%+v)", c, a)
		}
	}

	// Hierarchy on 2023 geography (§9: counties − Σ districts |diff| ≤ 36 in any year; England −
	// Σ296 lower tier |diff| ≤ 179 in any year; the 153 upper-tier areas sum to England in 2018).
	// §9 gives England − Σ296 in 2018 as −7, but the file has England 55,977,178 and Σ296
	// 55,977,171 (summed again with awk), so the difference is +7: §9 has the sign reversed.
	var counties, lower, upper []string
	districts := map[string][]string{}
	for _, a := range areas {
		if a.ValidTo != "" {
			continue
		}
		switch {
		case a.AreaType == datasets.AreaCounty:
			counties = append(counties, a.AreaCode)
		case a.AreaType == datasets.AreaNonMetropolitanDistrict:
			districts[a.ParentCode] = append(districts[a.ParentCode], a.AreaCode)
		}
		if isLowerTier(a.AreaCode) {
			lower = append(lower, a.AreaCode)
		}
		if a.IsCouncil() {
			upper = append(upper, a.AreaCode)
		}
	}
	if len(counties) != 21 || len(lower) != 296 || len(upper) != 153 {
		t.Fatalf("%d counties, %d lower-tier and %d upper-tier areas in force, want 21, 296 and 153", len(counties), len(lower), len(upper))
	}
	var worstCounty, worstEngland float64
	for y := int32(2018); y <= 2043; y++ {
		for _, c := range counties {
			if len(districts[c]) == 0 {
				t.Fatalf("county %s has no districts", c)
			}
			var s float64
			for _, d := range districts[c] {
				s += m.sum(d, y, "", 0)
			}
			d := m.sum(c, y, "", 0) - s
			worstCounty = max(worstCounty, math.Abs(d))
			if math.Abs(d) > 36 {
				t.Errorf("%d: county %s %.0f − Σ its %d districts %.0f = %.0f, want |diff| ≤ 36", y, c, m.sum(c, y, "", 0), len(districts[c]), s, d)
			}
		}
		var s float64
		for _, a := range lower {
			s += m.sum(a, y, "", 0)
		}
		d := m.sum("E92000001", y, "", 0) - s
		worstEngland = max(worstEngland, math.Abs(d))
		if math.Abs(d) > 179 || (y == 2018 && d != 7) {
			t.Errorf("%d: England − Σ296 lower tier = %.0f, want |diff| ≤ 179 (+7 in 2018)", y, d)
		}
	}
	var up float64
	for _, a := range upper {
		up += m.sum(a, 2018, "", 0)
	}
	if d := m.sum("E92000001", 2018, "", 0) - up; d != 0 {
		t.Errorf("2018: England − Σ153 upper tier = %.0f, want 0", d)
	} else {
		t.Logf("2018: England − Σ153 upper tier = %.0f; worst |county − Σ districts| %.0f, |England − Σ296| %.0f over 2018–2043", d, worstCounty, worstEngland)
	}
}

// TestSNPP2018AgreesWithMYE2018 compares each area's 2018 all-age total with a second,
// independent source, ONS's mid-2018 estimate (MYE4 on 2021 geography, PROVENANCE §1): §9
// records |diff| ≤ 5. §9 counts 312 codes in both; there are 314 — the 318 less the four
// councils of 2023 — once the non-breaking spaces after E06000061 and E06000062 (North and West
// Northamptonshire) in the MYE file are trimmed, as cell does; §9's count evidently missed those two.
func TestSNPP2018AgreesWithMYE2018(t *testing.T) {
	m, _ := principalCells(t)
	mye, err := readCSV(os.DirFS(rawDir), "ons_mye/mye_2001_2020_allages_la_2021geog.csv")
	if err != nil {
		t.Fatal(err)
	}
	c, err := mye.mustCols("code", "year", "population")
	if err != nil {
		t.Fatal(err)
	}
	common, worst := 0, 0.0
	for i, rec := range mye.rows {
		if cell(rec, c[1]) != "2018" {
			continue
		}
		code := cell(rec, c[0])
		if _, ok := m[snppKey{code, 2018, "male"}]; !ok {
			continue
		}
		v, err := atof(cell(rec, c[2]))
		if err != nil {
			t.Fatal(mye.lineErr(i, err))
		}
		common++
		d := m.sum(code, 2018, "", 0) - v
		worst = max(worst, math.Abs(d))
		if math.Abs(d) > 5 {
			t.Errorf("%s 2018: projection base %.0f, mid-2018 estimate %.0f", code, m.sum(code, 2018, "", 0), v)
		}
	}
	if common != 314 {
		t.Errorf("%d codes in both, want 314", common)
	}
	t.Logf("%d codes in both; worst |diff| %.0f", common, worst)
}

// TestSNPP2018Variants checks every variant: England 2043 (PROVENANCE §9's table), the 2018
// cells identical to the principal's (§9: all 11 variants share them), and a source that says
// the ten derived variants are not ONS products.
func TestSNPP2018Variants(t *testing.T) {
	base, _ := principalCells(t)
	england2043 := map[string]float64{ // PROVENANCE §9, England 2043 by variant
		"principal": 61744098, "high_fertility": 62576226, "low_fertility": 60202363,
		"high_life_expectancy": 62184605, "low_life_expectancy": 61172589,
		"high_migration": 64241728, "low_migration": 59245369,
		"high_population": 65548296, "low_population": 57196759,
		"young_age_structure": 64527380, "old_age_structure": 58199332,
	}
	if !slices.Equal(SNPP2018Variants, []string{"principal", "high_fertility", "low_fertility", "high_life_expectancy",
		"low_life_expectancy", "high_migration", "low_migration", "high_population", "low_population",
		"young_age_structure", "old_age_structure"}) {
		t.Errorf("SNPP2018Variants = %v", SNPP2018Variants)
	}
	for _, v := range SNPP2018Variants {
		var rows []datasets.Population
		var m snppCells
		if v == "principal" {
			m, rows = principalCells(t)
		} else {
			var err error
			if rows, err = buildSNPP2018(os.DirFS(rawDir), v); err != nil {
				t.Fatal(err)
			}
			m = indexSNPP(rows)
		}
		t.Logf("%s: %d rows", v, len(rows))
		if len(rows) != snppRowsPerVariant {
			t.Errorf("%s: %d rows, want %d", v, len(rows), snppRowsPerVariant)
		}
		src := rows[0].Source
		if v != "principal" && (!strings.HasPrefix(src, "Strategy Unit variant") || !strings.HasSuffix(src, "not an ONS product")) {
			t.Errorf("%s: source %q", v, src)
		}
		for _, r := range rows {
			if r.Variant != v || r.Kind != "projection" || r.Source != src {
				t.Fatalf("%s: row %+v", v, r)
			}
		}
		if got := m.sum("E92000001", 2043, "", 0); got != england2043[v] {
			t.Errorf("%s: England 2043 %.0f, want %.0f", v, got, england2043[v])
		}
		for k, c := range base {
			if k.year == 2018 && *m[k] != *c {
				t.Errorf("%s: 2018 cells of %s %s differ from the principal's", v, k.area, k.sex)
			}
		}
	}
	if _, err := buildSNPP2018(os.DirFS(rawDir), "Principal"); err == nil || !strings.Contains(err.Error(), "principal, high_fertility") {
		t.Errorf("unknown variant: %v", err)
	}
}

// TestSNPP2018UnknownVariant checks that a name outside SNPP2018Variants is refused before any
// file is opened, with the names in the error.
func TestSNPP2018UnknownVariant(t *testing.T) {
	_, err := buildSNPP2018(os.DirFS(t.TempDir()), "central")
	if err == nil || !strings.Contains(err.Error(), `"central"`) || !strings.Contains(err.Error(), strings.Join(SNPP2018Variants, ", ")) {
		t.Errorf("got %v, want an error naming the variants", err)
	}
}

// TestSNPP2018Oldest checks the oldest ages: 90..105 for every area, year and sex, summing to
// the principal's 90+ (PROVENANCE §9: age_90plus = Σ ages 90..100 for all 16,536 rows), and
// that the rows pass the population_oldest reader's checks (ages 90..105 complete).
func TestSNPP2018Oldest(t *testing.T) {
	areas := rawData(t)
	m, _ := principalCells(t)
	old, err := buildSNPP2018Oldest(os.DirFS(rawDir))
	if err != nil {
		t.Fatal(err)
	}
	if want := 16536 * (datasets.OldestAge - 90 + 1); len(old) != want {
		t.Errorf("%d rows, want %d", len(old), want)
	}
	sum := map[snppKey]float64{}
	for _, r := range old {
		if r.Kind != "projection" || r.Variant != "principal" || r.Source != srcSNPP2018Oldest || r.Count < 0 {
			t.Fatalf("row %+v", r)
		}
		sum[snppKey{r.AreaCode, r.Year, r.Sex}] += r.Count
	}
	for k, c := range m {
		if math.Abs(sum[k]-c[90]) > 1e-6*max(1, c[90]) {
			t.Errorf("%s %d %s: Σ90..105 %v, 90+ %v", k.area, k.year, k.sex, sum[k], c[90])
		}
	}
	var buf bytes.Buffer
	if err := datasets.Write(&buf, old); err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, a := range areas {
		known[a.AreaCode] = true
	}
	if _, err := datasets.Read[datasets.PopulationOldest](buf.Bytes(), datasets.ReadOptions{KnownAreas: known}); err != nil {
		t.Error(err)
	}
	t.Logf("population_oldest: %d rows, %d Parquet bytes", len(old), buf.Len())
}

// TestSNPP2018Parquet writes the principal with datasets.WriteFile, reads it back with
// datasets.ReadFile (the row cap raised: one variant has 1,504,776 rows, above DefaultMaxRows)
// and logs the file's size and the read time, for deciding whether it can be embedded.
func TestSNPP2018Parquet(t *testing.T) {
	areas := rawData(t)
	_, rows := principalCells(t)
	path := filepath.Join(t.TempDir(), "population.parquet")
	if err := datasets.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, a := range areas {
		known[a.AreaCode] = true
	}
	_, capErr := datasets.ReadFile[datasets.Population](path, datasets.ReadOptions{KnownAreas: known})
	start := time.Now()
	back, err := datasets.ReadFile[datasets.Population](path, datasets.ReadOptions{KnownAreas: known, MaxRows: 2 << 20})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(indexKeys(back), indexKeys(rows)) || len(back) != len(rows) {
		t.Fatalf("read back %d rows, wrote %d", len(back), len(rows))
	}
	t.Logf("principal: %d rows, %d Parquet bytes, read and validated in %v; with the default row cap: %v", len(rows), st.Size(), took, capErr)
}

func indexKeys(rows []datasets.Population) []snppKey {
	return slices.SortedFunc(maps.Keys(indexSNPP(rows)), compareSNPPKey)
}

// BenchmarkSNPP2018Read measures reading and validating one variant's Parquet bytes (the
// principal, 1,504,776 rows) with datasets.Read, as a bundle load would.
func BenchmarkSNPP2018Read(b *testing.B) {
	if _, err := os.Stat(rawDir); err != nil {
		b.Skipf("no raw data at %s", rawDir)
	}
	rows, err := snppPrincipal()
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := datasets.Write(&buf, rows); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	opts := datasets.ReadOptions{MaxRows: 2 << 20}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := datasets.Read[datasets.Population](data, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data)), "parquet-bytes")
}

// snppFiles writes a one-area principal (wide) and its oldest ages (long) as gzip files in a
// MapFS; edit may change a wide row's cells (area, year, sex, age_0 … age_90plus) before writing.
func snppFiles(t *testing.T, edit func(rec []string)) fstest.MapFS {
	t.Helper()
	gz := func(lines []string) *fstest.MapFile {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(strings.Join(lines, "\n") + "\n"))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return &fstest.MapFile{Data: b.Bytes()}
	}
	head := []string{"area_code", "year", "sex"}
	for a := range 90 {
		head = append(head, "age_"+strconv.Itoa(a))
	}
	wide := []string{strings.Join(append(head, "age_90plus"), ",")}
	long := []string{"area_code,year,sex,age,count"}
	for y := 2018; y <= 2043; y++ {
		for _, sex := range []string{"1", "2"} {
			rec := []string{"E06000001", strconv.Itoa(y), sex}
			for range 90 {
				rec = append(rec, "10")
			}
			rec = append(rec, "11") // 90+ = 1 at each of ages 90..100
			for a := 90; a <= 100; a++ {
				long = append(long, fmt.Sprintf("E06000001,%d,%s,%d,1", y, sex, a))
			}
			if edit != nil {
				edit(rec)
			}
			if rec[0] != "" { // an edit empties the code to drop the row
				wide = append(wide, strings.Join(rec, ","))
			}
		}
	}
	return fstest.MapFS{
		"ons_snpp2018/snpp2018_syoa_sex_principal.csv.gz":        gz(wide),
		"ons_snpp2018/snpp2018_principal_ages90to100plus.csv.gz": gz(long),
	}
}

// TestSNPP2018Refuses checks the errors for a bad file: a negative count, a missing or repeated
// year and a 90+ that is not the sum of the oldest ages, each naming what is wrong.
func TestSNPP2018Refuses(t *testing.T) {
	if rows, err := buildSNPP2018(snppFiles(t, nil), "principal"); err != nil || len(rows) != 26*2*91 {
		t.Fatalf("clean file: %d rows, %v", len(rows), err)
	}
	for _, tc := range []struct {
		name string
		edit func(rec []string)
		want string
	}{
		{"negative", func(rec []string) {
			if rec[1] == "2030" && rec[2] == "2" {
				rec[3+5] = "-1"
			}
		}, "E06000001 2030 female age 5: negative count -1"},
		{"missing year", func(rec []string) {
			if rec[1] == "2043" {
				rec[0] = ""
			}
		}, "E06000001 has 50 year-sex groups, want 52"},
		{"repeated year", func(rec []string) {
			if rec[1] == "2043" {
				rec[1] = "2042"
			}
		}, "line 52: E06000001 2042 male: a second row"},
		{"90+ not the oldest ages' sum", func(rec []string) {
			if rec[1] == "2025" && rec[2] == "1" {
				rec[3+90] = "12"
			}
		}, "E06000001 2025 male has 12 people aged 90+ but ons_snpp2018/snpp2018_principal_ages90to100plus.csv.gz sums ages 90..100+ to 11"},
	} {
		_, err := buildSNPP2018(snppFiles(t, tc.edit), "principal")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestSNPP2018EnglandAgainstNPP compares the SNPP's England rows with the NPP 2018 England
// principal that buildPopulation already writes under the same key (E92000001, projection,
// principal): §9 says the totals agree exactly in 2018, 2019, 2025, 2030 and 2043.
func TestSNPP2018EnglandAgainstNPP(t *testing.T) {
	m, _ := principalCells(t)
	pop, _, err := buildPopulation(os.DirFS(rawDir))
	if err != nil {
		t.Fatal(err)
	}
	npp := indexSNPP(slices.DeleteFunc(pop, func(r datasets.Population) bool {
		return r.AreaCode != "E92000001" || r.Kind != "projection" || r.Year > 2043
	}))
	differ, worst := 0, 0.0
	for k, c := range m {
		if k.area != "E92000001" {
			continue
		}
		n := npp[k]
		if n == nil {
			t.Fatalf("NPP lacks England %d %s", k.year, k.sex)
		}
		for a := range c {
			if d := math.Abs(c[a] - n[a]); d > 0 {
				differ++
				worst = max(worst, d)
			}
		}
	}
	for _, y := range []int32{2018, 2019, 2025, 2030, 2043} {
		if s, n := m.sum("E92000001", y, "", 0), npp.sum("E92000001", y, "", 0); s != n {
			t.Errorf("England %d: SNPP %.0f, NPP %.0f", y, s, n)
		}
	}
	t.Logf("England 2018–2043: %d of %d SNPP cells differ from the NPP's (worst by %.0f)", differ, 26*2*91, worst)
}
