package datasets

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

var update = flag.Bool("update", false, "rewrite the files in testdata/")

// The files in testdata/ are real Parquet files, written by writeTestdata (run
// `go test ./datasets -run TestTestdataUpToDate -update` to refresh them). Each bad file breaks
// one rule the way users' files do.

// validPopulation is two districts' mid-2020 populations, by sex and single year of age, taken
// from the default dataset's values for Hartlepool and Middlesbrough (checked by
// TestValidPopulationMatchesDefault in the defaultdata package would be circular, so the
// numbers are synthetic but shaped like them: 300 + age).
func validPopulation() []Population {
	var rows []Population
	for _, area := range []string{"E06000001", "E06000002"} {
		for _, sex := range []string{"female", "male"} {
			for a := int32(0); a <= 90; a++ {
				rows = append(rows, Population{AreaCode: area, Year: 2020, Sex: sex, Age: a, Count: float64(300 + a), Kind: "estimate", Source: "test"})
			}
		}
	}
	return rows
}

func encode[T any](t testing.TB, rows []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Rows with a renamed column (age → age_years) and with the year written as text.
type renamedPopulation struct {
	AreaCode string  `parquet:"area_code"`
	Year     int32   `parquet:"year"`
	Sex      string  `parquet:"sex"`
	AgeYears int32   `parquet:"age_years"`
	Count    float64 `parquet:"count"`
	Kind     string  `parquet:"kind"`
	Variant  string  `parquet:"variant"`
	Source   string  `parquet:"source"`
}

type textYearPopulation struct {
	AreaCode string  `parquet:"area_code"`
	Year     string  `parquet:"year"`
	Sex      string  `parquet:"sex"`
	Age      int32   `parquet:"age"`
	Count    float64 `parquet:"count"`
	Kind     string  `parquet:"kind"`
	Variant  string  `parquet:"variant"`
	Source   string  `parquet:"source"`
}

// pandasPopulation is how pandas/pyarrow write a frame: int64 integers and nullable columns.
type pandasPopulation struct {
	AreaCode *string `parquet:"area_code,optional"`
	Year     int64   `parquet:"year"`
	Sex      *string `parquet:"sex,optional"`
	Age      int64   `parquet:"age"`
	Count    int64   `parquet:"count"`
	Kind     *string `parquet:"kind,optional"`
	Variant  *string `parquet:"variant,optional"`
	Source   *string `parquet:"source,optional"`
}

func testdataFiles(t testing.TB) map[string][]byte {
	files := map[string][]byte{}
	valid := validPopulation()
	files["valid_population.parquet"] = encode(t, valid)
	files["empty.parquet"] = nil
	full := files["valid_population.parquet"]
	files["truncated.parquet"] = full[:len(full)/2]
	corrupt := bytes.Clone(full)
	for i := 40; i < 200 && i < len(corrupt)-8; i++ { // scribble over the first pages
		corrupt[i] ^= 0x5a
	}
	files["corrupt.parquet"] = corrupt
	footer := bytes.Clone(full)
	footer[len(footer)-8], footer[len(footer)-7], footer[len(footer)-6], footer[len(footer)-5] = 0xff, 0xff, 0xff, 0x7f
	files["huge_footer.parquet"] = footer
	files["not_parquet.parquet"] = []byte("area_code,year,sex,age,count\nE06000001,2020,female,0,300\n")

	var renamed []renamedPopulation
	for _, r := range valid {
		renamed = append(renamed, renamedPopulation{r.AreaCode, r.Year, r.Sex, r.Age, r.Count, r.Kind, r.Variant, r.Source})
	}
	files["renamed_column.parquet"] = encode(t, renamed)
	var text []textYearPopulation
	for _, r := range valid {
		text = append(text, textYearPopulation{r.AreaCode, fmt.Sprint(r.Year), r.Sex, r.Age, r.Count, r.Kind, r.Variant, r.Source})
	}
	files["wrong_type.parquet"] = encode(t, text)
	var pandas []pandasPopulation
	for _, r := range valid {
		pandas = append(pandas, pandasPopulation{&r.AreaCode, int64(r.Year), &r.Sex, int64(r.Age), int64(r.Count), &r.Kind, &r.Variant, &r.Source})
	}
	files["pandas_population.parquet"] = encode(t, pandas)

	// One file with one of each value problem, at known rows.
	bad := append([]Population(nil), valid...)
	bad[4].Count = -5                     // row 5: negative count
	bad[10].Age = 95                      // row 11: age out of range (and a gap at 10)
	bad[20].Sex = "F"                     // row 21: not an allowed sex
	bad[30] = bad[29]                     // row 31: duplicate of row 30 (and a gap at 30)
	bad[200].AreaCode = "E06999999"       // row 201: unknown area
	bad[201].AreaCode = "Hartlepool"      // row 202: not a code
	bad = append(bad[:300], bad[301:]...) // drop one row of E06000002: a gap
	bad[310].Kind = "forecast"            // not estimate/projection
	bad[320].Source = ""                  // empty source
	files["bad_values.parquet"] = encode(t, bad)

	// Prevalence with a rate outside [0,1] and an interval that misses its rate.
	lo, hi := 0.1, 0.2
	files["bad_prevalence.parquet"] = encode(t, []Prevalence{
		{Measure: "dementia", Sex: "female", AgeFrom: 65, AgeTo: 69, Rate: 1.4, EvidenceYear: 2011, Source: "test"},
		{Measure: "dementia", Sex: "female", AgeFrom: 70, AgeTo: 74, Rate: 0.5, RateLo: &lo, RateHi: &hi, EvidenceYear: 2011, Source: "test"},
		{Measure: "dementia", Sex: "female", AgeFrom: 72, AgeTo: 79, Rate: 0.05, EvidenceYear: 2011, Source: "test"},
	})
	// Mortality with a rate per 100,000 left unconverted.
	files["bad_mortality.parquet"] = encode(t, []Mortality{
		{AreaCode: "E92000001", Year: 2018, Sex: "female", Age: 0, Rate: 75.1, RateType: "qx", Source: "test"},
		{AreaCode: "E92000001", Year: 2018, Sex: "male", Age: 0, Rate: 0.0007, RateType: "qx", Source: "test"},
	})
	return files
}

func TestTestdataUpToDate(t *testing.T) {
	files := testdataFiles(t)
	for name, data := range files {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./datasets -run TestTestdataUpToDate -update)", err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("testdata/%s is stale: run go test ./datasets -run TestTestdataUpToDate -update", name)
		}
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var knownTestAreas = map[string]bool{"E06000001": true, "E06000002": true, "E92000001": true}

func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a *ValidationError, got %v", err)
	}
	return ve.Problems
}

func TestReadValid(t *testing.T) {
	rows, err := Read[Population](readTestdata(t, "valid_population.parquet"), ReadOptions{Name: "valid_population.parquet", KnownAreas: knownTestAreas})
	if err != nil {
		t.Fatal(err)
	}
	want := validPopulation()
	if len(rows) != len(want) {
		t.Fatalf("read %d rows, want %d", len(rows), len(want))
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Fatalf("row %d: got %+v, want %+v", i+1, rows[i], want[i])
		}
	}
}

func TestReadPandasStyle(t *testing.T) {
	// int64 integers, integer counts and nullable (but not null) strings are all accepted.
	rows, err := Read[Population](readTestdata(t, "pandas_population.parquet"), ReadOptions{KnownAreas: knownTestAreas})
	if err != nil {
		t.Fatal(err)
	}
	if rows[100].Count != validPopulation()[100].Count || rows[100].Sex != "male" {
		t.Fatalf("row 101 = %+v", rows[100])
	}
}

// TestFileProblems checks that each broken file is refused with the right rule and a message
// that says what is wrong.
func TestFileProblems(t *testing.T) {
	cases := []struct {
		file     string
		rule     Rule
		column   string
		contains string
	}{
		{"empty.parquet", RuleCorrupt, "", "empty"},
		{"truncated.parquet", RuleCorrupt, "", "truncated"},
		{"not_parquet.parquet", RuleCorrupt, "", "not a parquet file"},
		{"huge_footer.parquet", RuleCorrupt, "", "footer claims"},
		{"corrupt.parquet", RuleCorrupt, "", "corrupt"},
		{"renamed_column.parquet", RuleMissingColumn, "age", `found "age_years" — renamed?`},
		{"wrong_type.parquet", RuleWrongType, "year", "column is BYTE_ARRAY (STRING); want integer"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			_, err := Read[Population](readTestdata(t, c.file), ReadOptions{Name: c.file, KnownAreas: knownTestAreas})
			ps := problemsOf(t, err)
			if len(ps) != 1 {
				t.Fatalf("want one problem, got %d: %v", len(ps), err)
			}
			p := ps[0]
			if p.Rule != c.rule || p.Column != c.column || p.File != c.file || !strings.Contains(p.Message, c.contains) {
				t.Fatalf("got %s; want rule %s, column %q, message containing %q", p, c.rule, c.column, c.contains)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	data := readTestdata(t, "valid_population.parquet")
	_, err := Read[Population](data, ReadOptions{MaxBytes: int64(len(data) - 1)})
	if ps := problemsOf(t, err); ps[0].Rule != RuleTooLarge {
		t.Fatalf("got %v", err)
	}
	path := filepath.Join("testdata", "valid_population.parquet")
	_, err = ReadFile[Population](path, ReadOptions{MaxBytes: 100})
	if ps := problemsOf(t, err); ps[0].Rule != RuleTooLarge || !strings.Contains(ps[0].Message, "100-byte limit") {
		t.Fatalf("got %v", err)
	}
}

// TestValueProblems checks that every value problem in bad_values.parquet is reported with its
// row, column and rule, all at once.
func TestValueProblems(t *testing.T) {
	_, err := Read[Population](readTestdata(t, "bad_values.parquet"), ReadOptions{Name: "bad_values.parquet", KnownAreas: knownTestAreas})
	ps := problemsOf(t, err)
	want := []struct {
		row    int
		column string
		rule   Rule
		text   string
	}{
		{5, "count", RuleNegative, "-5 is negative"},
		{11, "age", RuleAge, "95 is outside 0..90"},
		{21, "sex", RuleEnum, `"F" is not one of female, male`},
		{31, "age", RuleDuplicate, "first at row 30"},
		{201, "area_code", RuleUnknownArea, `"E06999999" is not in the areas table`},
		{202, "area_code", RuleFormat, `"Hartlepool" is not a GSS area code`},
		{311, "kind", RuleEnum, `"forecast" is not one of estimate, projection`},
		{321, "source", RuleEmpty, "value is empty"},
		{0, "age", RuleGap, "missing female ages 10, 20, 30"},
	}
	for _, w := range want {
		found := false
		for _, p := range ps {
			if p.Row == w.row && p.Column == w.column && p.Rule == w.rule && strings.Contains(p.Message, w.text) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem at row %d, column %s, rule %s containing %q; got:\n%v", w.row, w.column, w.rule, w.text, err)
		}
	}
}

func TestRateProblems(t *testing.T) {
	_, err := Read[Prevalence](readTestdata(t, "bad_prevalence.parquet"), ReadOptions{})
	ps := problemsOf(t, err)
	var rules []string
	for _, p := range ps {
		rules = append(rules, fmt.Sprintf("%d:%s:%s", p.Row, p.Column, p.Rule))
	}
	got := strings.Join(rules, " ")
	for _, w := range []string{"1:rate:rate", "2:rate_lo:inconsistent", "3:age_from:inconsistent"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %s in %s", w, got)
		}
	}
	_, err = Read[Mortality](readTestdata(t, "bad_mortality.parquet"), ReadOptions{KnownAreas: knownTestAreas})
	ps = problemsOf(t, err)
	if ps[0].Row != 1 || ps[0].Rule != RuleRate || !strings.Contains(ps[0].Message, "75.1 is outside [0,1]") {
		t.Fatalf("got %v", err)
	}
}

func TestProblemLimit(t *testing.T) {
	rows := validPopulation()
	for i := range rows {
		rows[i].Count = -1
	}
	_, err := Read[Population](encode(t, rows), ReadOptions{MaxProblems: 7})
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 7 || !ve.Truncated {
		t.Fatalf("want 7 problems and Truncated, got %v", err)
	}
}

func TestGapMissingSex(t *testing.T) {
	var rows []Population
	for _, r := range validPopulation() {
		if r.Sex == "female" || r.AreaCode == "E06000002" {
			rows = append(rows, r)
		}
	}
	_, err := Read[Population](encode(t, rows), ReadOptions{})
	ps := problemsOf(t, err)
	if len(ps) != 1 || ps[0].Rule != RuleGap || ps[0].Column != "sex" || !strings.Contains(ps[0].Message, "every male age") ||
		!strings.Contains(ps[0].Message, "E06000001") {
		t.Fatalf("got %v", err)
	}
}

func TestUnsortedDuplicates(t *testing.T) {
	rows := validPopulation()
	rows = append(rows, rows[3]) // the last row repeats row 4
	rows[0], rows[100] = rows[100], rows[0]
	_, err := Read[Population](encode(t, rows), ReadOptions{})
	ps := problemsOf(t, err)
	if len(ps) != 1 || ps[0].Row != len(rows) || !strings.Contains(ps[0].Message, "first at row 4") {
		t.Fatalf("got %v", err)
	}
}

func TestAreasRules(t *testing.T) {
	rows := []Area{
		{AreaCode: "E92000001", AreaName: "England", AreaType: AreaCountry, Source: "t"},
		{AreaCode: "E12000001", AreaName: "North East", AreaType: AreaRegion, ParentCode: "E92000001", RegionCode: "E12000001", Source: "t"},
		{AreaCode: "E06000001", AreaName: "Hartlepool", AreaType: AreaCounty, ParentCode: "E12000001", RegionCode: "E12000001", Source: "t"},
		{AreaCode: "E06000002", AreaName: "Middlesbrough", AreaType: AreaUnitary, ParentCode: "E12000009", RegionCode: "E12000001", Source: "t"},
		{AreaCode: "E06000003", AreaName: "Old", AreaType: AreaUnitary, ParentCode: "E12000001", RegionCode: "E12000001", SuccessorCode: "E06000001", Source: "t"},
		{AreaCode: "E06000004", AreaName: "Dates", AreaType: AreaUnitary, ParentCode: "E12000001", RegionCode: "E12000001", ValidFrom: "2020-04-01", ValidTo: "2019-03-31", Source: "t"},
		{AreaCode: "E06000005", AreaName: "Bad date", AreaType: AreaUnitary, ParentCode: "E12000001", RegionCode: "E12000001", ValidFrom: "1 April 2020", Source: "t"},
	}
	_, err := Read[Area](encode(t, rows), ReadOptions{})
	ps := problemsOf(t, err)
	var got []string
	for _, p := range ps {
		got = append(got, fmt.Sprintf("%d:%s:%s", p.Row, p.Column, p.Rule))
	}
	want := []string{"3:area_type:inconsistent", "4:parent_code:unknown_area", "5:successor_code:inconsistent", "6:valid_to:inconsistent", "7:valid_from:format"}
	for _, w := range want {
		if !strings.Contains(strings.Join(got, " "), w) {
			t.Errorf("missing %s; got %v", w, got)
		}
	}
}

func TestNoRows(t *testing.T) {
	_, err := Validate(KindPopulation, encode(t, []Population{}), ReadOptions{})
	if ps := problemsOf(t, err); ps[0].Rule != RuleNoRows {
		t.Fatalf("got %v", err)
	}
}

func TestDetectKind(t *testing.T) {
	k, err := DetectKind(readTestdata(t, "valid_population.parquet"))
	if err != nil || k != KindPopulation {
		t.Fatalf("got %v, %v", k, err)
	}
	old := []PopulationOldest{}
	for _, s := range []string{"female", "male"} {
		for a := int32(90); a <= OldestAge; a++ {
			old = append(old, PopulationOldest{AreaCode: "E92000001", Year: 2018, Sex: s, Age: a, Count: 10, Kind: "projection", Variant: "principal", Source: "t"})
		}
	}
	if k, err := DetectKind(encode(t, old)); err != nil || k != KindPopulationOldest {
		t.Fatalf("got %v, %v", k, err)
	}
	if _, err := DetectKind(readTestdata(t, "renamed_column.parquet")); err == nil || !strings.Contains(err.Error(), "pass --kind") {
		t.Fatalf("got %v", err)
	}
}

func TestWriteDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := Write(&a, validPopulation()); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, validPopulation()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same rows gave different bytes")
	}
}

func TestParseAgeBand(t *testing.T) {
	for s, want := range map[string]ageBand{"65+": {65, 90}, "18-64": {18, 64}, "0-90": {0, 90}, "90+": {90, 90}} {
		got, err := parseAgeBand(s)
		if err != nil || got != want {
			t.Errorf("%s: got %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "65", "64-18", "18-95", "a-b", "65++", "-5"} {
		if _, err := parseAgeBand(s); err == nil {
			t.Errorf("%q: want an error", s)
		}
	}
}
