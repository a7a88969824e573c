package defaultdata

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/convert"
)

// rawDir is the shared folder of raw public data, ../shared/data/raw beside the repository
// (every developer and CI has it; the repository does not copy it).
const rawDir = "../../../shared/data/raw"

// needRaw skips the test, saying why, where the shared raw data is not beside the repository.
func needRaw(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(rawDir); err != nil {
		t.Skipf("the raw public data is not at %s (../shared/data/raw beside the repository): %v", rawDir, err)
	}
}

func load(t testing.TB) *datasets.Bundle {
	t.Helper()
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkLoad measures loading (and fully validating) the whole default dataset, the
// docs/design.md §11 target being under 200 ms.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := datasets.LoadFS(files, datasets.ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProjectionFirstLoad is the first use of a supplied projection of the default data
// (ONS SNPP 2018, read on first use): reading and validating one variant's file, 1.4 million
// rows, as a run that asks for it does. BenchmarkLoad does not include it.
func BenchmarkProjectionFirstLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		bun, err := datasets.LoadFS(files, datasets.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range bun.Projections {
			if l.Variant == "high_migration" {
				if _, err := l.Cube(); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// TestBuildIsReproducible rebuilds the default dataset from ../shared/data/raw and checks that
// every file is byte-identical to the embedded one.
func TestBuildIsReproducible(t *testing.T) {
	needRaw(t)
	b, err := convert.Build(os.DirFS(rawDir))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := b.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	entries := embedded(t)
	for _, name := range entries {
		want, _ := fs.ReadFile(files, name)
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s was not rebuilt: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: rebuilt file differs from the embedded one (run `make datasets`)", name)
		}
	}
	rebuilt, _ := fs.Glob(os.DirFS(dir), "*.parquet")
	more, _ := fs.Glob(os.DirFS(dir), datasets.ProjectionsDir+"/*.parquet")
	if len(rebuilt)+len(more) != len(entries) {
		t.Errorf("rebuilt %d files, %d embedded", len(rebuilt)+len(more), len(entries))
	}
}

// embedded lists the embedded Parquet files: one per kind, and the projections read on first use.
func embedded(t *testing.T) []string {
	t.Helper()
	kinds, err := fs.Glob(files, "*.parquet")
	if err != nil {
		t.Fatal(err)
	}
	proj, err := fs.Glob(files, datasets.ProjectionsDir+"/*.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if len(kinds) < 12 || len(proj) != 11 {
		t.Fatalf("%d kind files and %d projections embedded, want 12 and ONS SNPP 2018's principal and ten variants", len(kinds), len(proj))
	}
	return append(kinds, proj...)
}

// TestCoverage checks what `carecast datasets describe` promises: every council with social
// services responsibilities, all 9 regions and England.
func TestCoverage(t *testing.T) {
	d := load(t).Describe()
	// April 2023 geography: 153 councils with social services responsibilities and 296
	// lower-tier areas (ONS mid-2022 estimates, which are on it).
	if d.Councils != 153 || d.Regions != 9 || d.Countries != 1 || d.Districts != 296 {
		t.Fatalf("coverage: %d councils, %d districts, %d regions, %d countries; want 153, 296, 9, 1",
			d.Councils, d.Districts, d.Regions, d.Countries)
	}
	// 2019–2021 reorganisations: 25 districts or unitaries and 3 counties ended; 2023: 17
	// districts (Cumbria's 6, North Yorkshire's 7, Somerset's 4) and those 3 counties.
	if d.EndedAreas != 48 {
		t.Fatalf("%d ended areas, want 48", d.EndedAreas)
	}
}

// sumPop sums single-year population rows for a year, kind and set of areas.
func sumPop(b *datasets.Bundle, year int32, area func(string) bool) float64 {
	var s float64
	for _, r := range b.Population {
		if r.Year == year && r.Kind == "estimate" && area(r.AreaCode) {
			s += r.Count
		}
	}
	return s
}

func inForce(b *datasets.Bundle) func(string) bool { return inForceOn(b, "9999-12-31") }

// inForceOn is inForce on a date (e.g. "2020-06-30" for the mid-2020 estimates' areas).
func inForceOn(b *datasets.Bundle, date string) func(string) bool {
	ok := map[string]bool{}
	for _, a := range b.Areas {
		if existsOn(a, date) && (a.AreaType == datasets.AreaUnitary || a.AreaType == datasets.AreaNonMetropolitanDistrict ||
			a.AreaType == datasets.AreaMetropolitanDistrict || a.AreaType == datasets.AreaLondonBorough) {
			ok[a.AreaCode] = true
		}
	}
	return func(c string) bool { return ok[c] }
}

func existsOn(a datasets.Area, date string) bool {
	return a.ValidFrom <= date && (a.ValidTo == "" || a.ValidTo >= date)
}

// TestEnglandTotals checks the districts add up to ONS's published England totals: mid-2011
// 53,107,169 and mid-2020 56,550,138 (datasets/README.md, checked there against MYE4),
// mid-2021 56,536,419 (ONS mid-2021 estimates, England), mid-2022 57,106,398 (ONS MYE1,
// mid-2022, England).
func TestEnglandTotals(t *testing.T) {
	b := load(t)
	districts := inForce(b)
	for year, want := range map[int32]float64{2011: 53107169, 2020: 56550138, 2021: 56536419, 2022: 57106398} {
		if got := sumPop(b, year, districts); got != want {
			t.Errorf("England %d: districts sum to %.0f, want %.0f", year, got, want)
		}
	}
}

// TestSuccessorsMatchPopulation checks the successor links of the areas table against the
// data: each predecessor's mid-2011 population is published on its own code, and their sum
// equals the successor's mid-2011 population in ONS's 2021-boundary series (MYE4).
func TestSuccessorsMatchPopulation(t *testing.T) {
	b := load(t)
	preds := map[string][]string{}
	for _, a := range b.Areas {
		if a.SuccessorCode != "" && a.AreaType != datasets.AreaCounty {
			preds[a.SuccessorCode] = append(preds[a.SuccessorCode], a.AreaCode)
		}
	}
	// 8 successors of 2019–2021 and 4 of 2023 (docs/design.md §2).
	if len(preds) != 12 {
		t.Fatalf("%d successors, want 12", len(preds))
	}
	totals := map[string]float64{}
	for _, r := range b.PopulationTotals {
		if r.Year == 2011 && r.Kind == "estimate" {
			totals[r.AreaCode] = r.Count
		}
	}
	for succ, ps := range preds {
		in := map[string]bool{}
		for _, p := range ps {
			in[p] = true
		}
		got := sumPop(b, 2011, func(c string) bool { return in[c] })
		if got != totals[succ] || got != sumPop(b, 2011, func(c string) bool { return c == succ }) {
			t.Errorf("%s: predecessors %v sum to %.0f; MYE4 says %.0f", succ, ps, got, totals[succ])
		}
	}
}

// TestDistrictsAddUpToCounties checks the hierarchy against ONS's published totals: for every
// county, region and England, the mid-2020 single-year estimates of the districts under it (on
// the April 2021 geography they were published on) add up to its published all-age total; the councils created in
// 2023, whose totals are the sums of their predecessors' published totals, equal the sums of
// their own single-year estimates (summed from the predecessors' single years).
func TestDistrictsAddUpToCounties(t *testing.T) {
	b := load(t)
	const mid2020 = "2021-04-01" // the mid-2020 estimates are on April 2021 geography
	parent := map[string]string{}
	for _, a := range b.Areas {
		if existsOn(a, mid2020) {
			parent[a.AreaCode] = a.ParentCode
		}
	}
	sums := map[string]float64{}
	districts := inForceOn(b, mid2020)
	for _, r := range b.Population {
		if r.Year != 2020 || r.Kind != "estimate" {
			continue
		}
		if !districts(r.AreaCode) {
			sums[r.AreaCode] += r.Count // a later area (2023), summed from its predecessors
			continue
		}
		for c := r.AreaCode; c != ""; c = parent[c] {
			sums[c] += r.Count
		}
	}
	checked := 0
	for _, r := range b.PopulationTotals {
		if r.Year != 2020 || r.Kind != "estimate" {
			continue
		}
		checked++
		if sums[r.AreaCode] != r.Count {
			t.Errorf("%s 2020: districts sum to %.0f, published total %.0f", r.AreaCode, sums[r.AreaCode], r.Count)
		}
	}
	if checked < 340 {
		t.Fatalf("checked only %d areas", checked)
	}
}

// readRaw reads a raw CSV file (gzipped when its name ends in .gz) into records with a header
// index, skipping the test where the shared raw data is absent.
func readRaw(t *testing.T, path string) ([][]string, map[string]int) {
	t.Helper()
	needRaw(t)
	fh, err := os.Open(filepath.Join(rawDir, path))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var r io.Reader = fh
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(fh)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = zr
	}
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	h := map[string]int{}
	for i, c := range recs[0] {
		h[c] = i
	}
	return recs[1:], h
}

// TestSheffieldAgrees checks that the Sheffield series (scc-pi/popsheff) and the all-areas
// estimates agree where they overlap (2011 and 2020), so the series join without a break.
func TestSheffieldAgrees(t *testing.T) {
	b := load(t)
	recs, h := readRaw(t, "ons_mye/sheffield_mye_syoa_sex_2001_2020.csv")
	want := map[[3]string]float64{}
	for _, r := range recs {
		if r[h["year"]] == "2011" || r[h["year"]] == "2020" {
			v, _ := strconv.ParseFloat(r[h["population"]], 64)
			sex := map[string]string{"1": "male", "2": "female"}[r[h["sex"]]]
			want[[3]string{r[h["year"]], sex, r[h["age"]]}] = v
		}
	}
	n := 0
	for _, r := range b.Population {
		if r.AreaCode == "E08000019" && r.Kind == "estimate" && (r.Year == 2011 || r.Year == 2020) {
			n++
			k := [3]string{strconv.Itoa(int(r.Year)), r.Sex, strconv.Itoa(int(r.Age))}
			if r.Count != want[k] {
				t.Errorf("Sheffield %v: %v in the all-areas table, %v in the Sheffield series", k, r.Count, want[k])
			}
		}
	}
	if n != 2*2*91 {
		t.Fatalf("%d Sheffield rows for 2011 and 2020", n)
	}
}

// TestRatesConverted checks unit conversions against the raw files: ONS publishes mortality
// per 100,000 (female age 0 in 2018-19: 62.88... per 100,000 → per person) and fertility per
// 1,000 women.
func TestRatesConverted(t *testing.T) {
	b := load(t)
	recs, h := readRaw(t, "ons_npp2018/npp2018_england_principal_mortality_assumptions.csv")
	raw := map[string]float64{}
	for _, r := range recs {
		v, _ := strconv.ParseFloat(r[h["value"]], 64)
		raw[r[h["sex"]]+"/"+r[h["age"]]+"/"+r[h["year"]]] = v
	}
	for _, m := range b.Mortality {
		if m.Year != 2030 || (m.Age != 0 && m.Age != 85) {
			continue
		}
		sex := map[string]string{"male": "1", "female": "2"}[m.Sex]
		age := strconv.Itoa(int(m.Age))
		if m.RateType == "qbirth" {
			age = "Birth"
		}
		if want := raw[sex+"/"+age+"/2030"] / 1e5; math.Abs(m.Rate-want) > 1e-15 {
			t.Errorf("%s age %s 2030: %v, want %v", m.Sex, age, m.Rate, want)
		}
	}
	// Fertility: women aged 30 in 2030-31, per 1,000 in the raw file.
	recs, h = readRaw(t, "ons_npp2018/npp2018_england_principal_fertility_assumptions.csv")
	var want float64
	for _, r := range recs {
		if r[h["age"]] == "30" && r[h["year"]] == "2030" {
			want, _ = strconv.ParseFloat(r[h["value"]], 64)
		}
	}
	for _, f := range b.Fertility {
		if f.Year == 2030 && f.Age == 30 && math.Abs(f.Rate-want/1000) > 1e-15 {
			t.Errorf("fertility age 30 2030: %v, want %v/1000", f.Rate, want)
		}
	}
}

// TestDerivedPrevalenceBands checks that where carecast derives the rest of 65+ from a
// published headline, the bands' population-weighted mean gives back the headline: HSE 2014,
// needs help with at least one ADL, women 65+: 33%; men 24% (hse_social_care_need_headline_rates_65plus.csv).
func TestDerivedPrevalenceBands(t *testing.T) {
	b := load(t)
	// England mid-2014 by interpolation, as the converter weights.
	w := func(sex string, from, to int32) float64 {
		var s11, s18 float64
		districts := inForce(b)
		for _, r := range b.Population {
			if r.Sex == sex && r.Age >= from && r.Age <= to {
				switch {
				case r.Year == 2011 && r.Kind == "estimate" && districts(r.AreaCode):
					s11 += r.Count
				case r.Year == 2018 && r.AreaCode == "E92000001":
					s18 += r.Count
				}
			}
		}
		return s11 + 3.0/7*(s18-s11)
	}
	for sex, want := range map[string]float64{"female": 0.33, "male": 0.24} {
		var num, den float64
		bands := 0
		for _, p := range b.Prevalence {
			if p.Measure == "adl_need_help" && p.EvidenceYear == 2014 && p.Sex == sex {
				pop := w(sex, p.AgeFrom, p.AgeTo)
				num += p.Rate * pop
				den += pop
				bands++
			}
		}
		if bands != 3 || math.Abs(num/den-want) > 1e-9 {
			t.Errorf("%s: %d bands with mean %.6f, want 3 bands and %.2f", sex, bands, num/den, want)
		}
	}
}

// TestHSE2013NeedFamily checks the HSE 2013 ADL and IADL rates against the published 65+
// figures, HSE 2013 chapter 2 "Social care: need for and receipt of help" (Thompson, Wittenberg,
// Henderson, Darton 2014), abstract at https://www.pssru.ac.uk/publications/pub-5408/: needed
// help with at least one ADL 23% of men and 33% of women 65+, IADL 22% and 35%; received help
// with at least one ADL in the last month 11% and 14%, IADL 15% and 30%; some unmet need with at
// least one ADL 19% and 29%. Help received and unmet need are split into the need's age bands
// (65-69 13% and 21%, 85+ 46% and 59%, published in the same chapter), so each band's rate is
// at most the need's and their mid-2013 population-weighted mean is the published 65+ rate.
func TestHSE2013NeedFamily(t *testing.T) {
	b := load(t)
	districts := inForce(b)
	w := func(sex string, from, to int32) float64 { // England mid-2013, as the converter weights
		var s11, s18 float64
		for _, r := range b.Population {
			if r.Sex == sex && r.Age >= from && r.Age <= to {
				switch {
				case r.Year == 2011 && r.Kind == "estimate" && districts(r.AreaCode):
					s11 += r.Count
				case r.Year == 2018 && r.AreaCode == "E92000001":
					s18 += r.Count
				}
			}
		}
		return s11 + 2.0/7*(s18-s11)
	}
	type key struct {
		measure, sex string
		from, to     int32
	}
	rates := map[key]float64{}
	for _, p := range b.Prevalence {
		if p.EvidenceYear == 2013 {
			rates[key{p.Measure, p.Sex, p.AgeFrom, p.AgeTo}] = p.Rate
		}
	}
	published := map[string][2]float64{ // male, female, 65+
		"adl_need_help": {0.23, 0.33}, "adl_received_help": {0.11, 0.14}, "adl_unmet_need": {0.19, 0.29},
		"iadl_need_help": {0.22, 0.35}, "iadl_received_help": {0.15, 0.30},
	}
	adlBands := [][2]int32{{65, 69}, {70, 84}, {85, 90}}
	for m, pub := range published {
		need := "adl_need_help"
		bands := adlBands
		if strings.HasPrefix(m, "iadl") {
			need, bands = "iadl_need_help", [][2]int32{{65, 90}}
		}
		for i, sex := range []string{"male", "female"} {
			var num, den float64
			for _, bd := range bands {
				r, ok := rates[key{m, sex, bd[0], bd[1]}]
				if !ok {
					t.Fatalf("%s %s: no %d-%d rate in 2013", m, sex, bd[0], bd[1])
				}
				if n := rates[key{need, sex, bd[0], bd[1]}]; r > n+1e-12 {
					t.Errorf("%s %s %d-%d: %.4f above %s %.4f", m, sex, bd[0], bd[1], r, need, n)
				}
				pop := w(sex, bd[0], bd[1])
				num += r * pop
				den += pop
			}
			if math.Abs(num/den-pub[i]) > 1e-9 {
				t.Errorf("%s %s 65+: %.6f, want %.2f (HSE 2013)", m, sex, num/den, pub[i])
			}
		}
	}
	for sex, want := range map[string][2]float64{"male": {0.13, 0.46}, "female": {0.21, 0.59}} {
		if got := [2]float64{rates[key{"adl_need_help", sex, 65, 69}], rates[key{"adl_need_help", sex, 85, 90}]}; got != want {
			t.Errorf("adl_need_help %s 65-69, 85+: %v, want %v (HSE 2013)", sex, got, want)
		}
	}
}

// TestActivityItemLabels checks the PSS-EX1 items carecast reads against their published
// labels in every year, since item definitions moved between years.
func TestActivityItemLabels(t *testing.T) {
	recs, h := readRaw(t, "nhsd_asc_activity/pssex1_item_code_labels.csv")
	labels := map[string][]string{}
	for _, r := range recs {
		for _, y := range []string{"2009-10", "2010-11", "2011-12", "2012-13", "2013-14"} {
			labels[r[h["item_code"]]] = append(labels[r[h["item_code"]]], r[h[y]])
		}
	}
	want := map[string]string{
		"A4.11": "Total 65 and over, Home care", "A4.12": "Total 65 and over, Day care", "A4.13": "Total 65 and over, Meals",
		"A4.10": "Total 18-64, Direct payments", "A4.15": "Total all ages, Home care", "A4.16": "Total all ages, Day care",
		"B1": "Residents aged 65 and over", "D1.1": "aged 65 and over in nursing placements",
		"D1.2": "65 and over in own provision residential", "D1.3": "65 and over in residential placements provided by others",
		"F2.1": "Provided by the council", "F2.2": "Provided by the independent sector",
	}
	from := map[string]int{"A4.10": 2, "A4.15": 2, "A4.16": 2} // definitions settled in 2011-12
	for item, text := range want {
		for i, l := range labels[item] {
			if i < from[item] {
				continue
			}
			if !strings.Contains(l, text) {
				t.Errorf("%s year %d: label %q lacks %q", item, i, l, text)
			}
		}
	}
	// A4.14 changed meaning: 2009-10 counted 65-74 with personal budgets, so carecast drops that year.
	if l := labels["A4.14"]; !strings.Contains(l[0], "65-74") || !strings.Contains(l[4], "Total 65 and over, Direct payments") {
		t.Errorf("A4.14 labels changed: %q … %q", l[0], l[4])
	}
	if l := labels["A4.15"]; !strings.Contains(l[0], "Total 75-84, Number of clients receiving Direct payments") {
		t.Errorf("A4.15 2009-10 label changed: %q", l[0])
	}
	for _, r := range load(t).ServiceActivity {
		if r.Year < 2011 && (r.AgeBand == "18-64" && r.Service != "nursing" && r.Service != "residential" && r.Service != "care_home" ||
			r.Service == "direct_payments" && r.Year == 2009) {
			t.Fatalf("a year whose item definition differs should be left out: %+v", r)
		}
	}
}

// TestReadAllocationBound checks the real files against the reader's allocation bound.
func TestReadAllocationBound(t *testing.T) {
	// Every kind's file and, of the projections (alike but for their numbers), the principal.
	names, _ := fs.Glob(files, "*.parquet")
	for _, name := range append(names, datasets.ProjectionsDir+"/principal.parquet") {
		data, _ := fs.ReadFile(files, name)
		k, err := datasets.DetectKind(data)
		if err != nil {
			t.Fatal(err)
		}
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		sum, err := datasets.Validate(k, data, datasets.ReadOptions{MaxRows: 2 << 20})
		if err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&m1)
		// The bound for a cap of exactly the file's rows: the per-row allowance holds on real,
		// distinct rows too.
		got, bound := m1.TotalAlloc-m0.TotalAlloc, datasets.AllocBound(len(data), datasets.ReadOptions{MaxRows: int64(sum.Rows)})
		if got > bound {
			t.Errorf("%s: reading allocated %d bytes, bound %d", name, got, bound)
		}
		t.Logf("%s: %d rows, %d bytes: allocated %d bytes, %.0f a row", name, sum.Rows, len(data), got, float64(got)/float64(sum.Rows))
	}
}

// TestSALTAgreesWithASCFRWeeks checks the SALT 2021-22 year-end counts of people 65+ in care
// homes in the embedded data against a second, independent count: ASC-FR 2021-22 client weeks
// (the 65+ activity series, financial year ending 2022) ÷ 52, the average number supported in
// the year. A snapshot on 31 March sits a little below the year's average; both are
// council-supported residents. England (Σ councils; Hackney sent no SALT): residential SALT 94,340 at the year end
// (T38; England's own row 94,520) against 5,201,866 weeks ÷ 52 = 100,036; nursing 42,030 against 45,590.
func TestSALTAgreesWithASCFRWeeks(t *testing.T) {
	recs, h := readRaw(t, "nhsd_asc_activity/activity_65plus_by_council_2001_2023_keep_all.csv")
	weeks := map[string]float64{}
	sheffield := map[string]float64{}
	for _, r := range recs {
		if r[h["year"]] != "2022" || r[h["ActivityProvision"]] != "99" {
			continue
		}
		v, err := strconv.ParseFloat(r[h["ITEMVALUE"]], 64)
		if err != nil {
			t.Fatal(err)
		}
		svc := strings.ToLower(r[h["SupportSetting"]])
		weeks[svc] += v
		if r[h["DH_GEOGRAPHY_NAME"]] == "Sheffield" {
			sheffield[svc] += v
		}
	}
	b := load(t)
	areas := map[string]datasets.Area{}
	for _, a := range b.Areas {
		areas[a.AreaCode] = a
	}
	salt, saltSheffield := map[string]float64{}, map[string]float64{}
	for _, r := range b.ServiceActivity {
		if r.Year != 2021 || r.Measure != "clients_year_end" || r.AgeBand != "65+" || !areas[r.AreaCode].IsCouncil() {
			continue
		}
		salt[r.Service] += r.Value
		if r.AreaCode == "E08000019" {
			saltSheffield[r.Service] += r.Value
		}
	}
	for _, svc := range []string{"residential", "nursing"} {
		avg := weeks[svc] / 52
		if ratio := salt[svc] / avg; ratio < 0.9 || ratio > 1.0 {
			t.Errorf("England %s 65+: SALT year end %.0f, ASC-FR weeks ÷ 52 = %.0f (ratio %.3f, want 0.9–1.0)", svc, salt[svc], avg, ratio)
		}
		t.Logf("England %s 65+: SALT year end %.0f, ASC-FR weeks ÷ 52 = %.0f", svc, salt[svc], avg)
	}
	// Sheffield residential: 47,017 weeks ÷ 52 = 904 on average in 2021-22.
	if avg := sheffield["residential"] / 52; math.Abs(saltSheffield["residential"]/avg-1) > 0.15 {
		t.Errorf("Sheffield residential 65+: SALT %.0f, ASC-FR weeks ÷ 52 = %.0f", saltSheffield["residential"], avg)
	}
}

// TestMid2018AgreesWithMYE checks the mid-2018 single-year estimates (the base year of ONS's
// 2018-based subnational projections, on 2023 geography) against two other publications: each
// district's all-age total against ONS's mid-2018 total in the 2001–2020 series (MYE4, 2021
// geography; within 5, the republisher's rounding, for the districts on both), and Sheffield's
// own 2018 series (popsheff) against the projection's base year, age by age.
func TestMid2018AgreesWithMYE(t *testing.T) {
	b := load(t)
	est := map[string]float64{}
	for _, r := range b.Population {
		if r.Kind == "estimate" && r.Year == 2018 {
			est[r.AreaCode] += r.Count
		}
	}
	if len(est) != 296 {
		t.Errorf("%d districts with a mid-2018 estimate, want the 296 of April 2023", len(est))
	}
	mye := map[string]float64{}
	for _, r := range b.PopulationTotals {
		if r.Kind == "estimate" && r.Year == 2018 && r.Sex == "all" && r.AgeFrom == 0 && r.AgeTo == 90 {
			mye[r.AreaCode] = r.Count
		}
	}
	n := 0
	for code, v := range est {
		m, ok := mye[code]
		if !ok {
			continue
		}
		n++
		if math.Abs(v-m) > 5 {
			t.Errorf("%s mid-2018: %.0f single years, MYE4 %.0f", code, v, m)
		}
	}
	if n < 290 {
		t.Errorf("only %d districts compared with MYE4", n)
	}
	// England: ONS mid-2018 55,977,178 (the SNPP 2018 base), within the rounding of 296 areas.
	var eng float64
	for _, v := range est {
		eng += v
	}
	if math.Abs(eng-55977178) > 300 {
		t.Errorf("England mid-2018 Σ districts %.0f, ONS 55,977,178", eng)
	}
	var proj []datasets.Population
	for _, l := range b.Projections {
		if l.Variant == "principal" {
			var err error
			if proj, err = l.Rows(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(proj) == 0 {
		t.Fatal("no principal projection in the embedded data")
	}
	own := map[[2]any]float64{}
	for _, r := range b.Population {
		if r.AreaCode == "E08000019" && r.Kind == "estimate" && r.Year == 2018 {
			own[[2]any{r.Sex, r.Age}] = r.Count
		}
	}
	worst := 0.0
	for _, r := range proj {
		if r.AreaCode == "E08000019" && r.Year == 2018 {
			worst = max(worst, math.Abs(r.Count-own[[2]any{r.Sex, r.Age}]))
		}
	}
	if worst > 1 {
		t.Errorf("Sheffield mid-2018: popsheff and the SNPP 2018 base year differ by up to %.0f at one age", worst)
	}
}

// BenchmarkReadPrincipal reads and validates the principal projection's file alone (ONS SNPP
// 2018, 1.4 million rows, the largest file of the default data) as LoadFS does, into a cube.
func BenchmarkReadPrincipal(b *testing.B) {
	data, err := fs.ReadFile(files, datasets.ProjectionsDir+"/principal.parquet")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := datasets.ReadPopulationCube(data, datasets.ReadOptions{MaxRows: 3 << 20}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// The principal, read with the default data into a cube, holds exactly the records its file
// gives when read row by row.
func TestPrincipalCubeMatchesRows(t *testing.T) {
	b := load(t)
	for _, l := range b.Projections {
		if l.Variant != "principal" {
			continue
		}
		cube, err := l.Cube()
		if err != nil {
			t.Fatal(err)
		}
		rows, err := l.Rows()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cube, datasets.NewPopulationCube(rows)) {
			t.Fatal("the principal's cube differs from its rows")
		}
		// ONS SNPP 2018: England 55,977,178 in 2018 (PROVENANCE §9).
		eng := cube.Cells["E92000001"][2018]
		var sum float64
		for s := range eng {
			for _, v := range eng[s] {
				sum += v
			}
		}
		if cube.Rows != len(rows) || math.Abs(sum-55977178) > 0.5 {
			t.Fatalf("cube of %d rows (file %d), England 2018 %.0f", cube.Rows, len(rows), sum)
		}
		return
	}
	t.Fatal("no principal projection in the embedded data")
}
