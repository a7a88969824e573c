package datasets

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// csvOf writes rows as CSV (WriteCSV) or fails the test.
func csvOf[T Record](t testing.TB, rows []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readDefault reads one of the embedded default files from disk (package defaultdata imports
// this one, so its loader cannot be used here).
func readDefault[T Record](t testing.TB) []T {
	t.Helper()
	data, err := os.ReadFile("defaultdata/" + FileName(KindOf[T]()))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := Read[T](data, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// sameAsParquet validates rows written as Parquet and as CSV and checks that both give the same
// summary (but for the bytes and hash), or the same problems, row for row and column for column.
func sameAsParquet[T Record](t *testing.T, rows []T, opts ReadOptions) ([]Problem, error) {
	t.Helper()
	k := KindOf[T]()
	pq, cv := encode(t, rows), csvOf(t, rows)
	ps, perr := Validate(k, pq, opts)
	cs, cerr := Validate(k, cv, opts)
	if (perr == nil) != (cerr == nil) {
		t.Fatalf("%s: parquet gives %v, CSV gives %v", k, perr, cerr)
	}
	if perr == nil {
		for _, s := range []*Summary{&ps, &cs} {
			s.Bytes, s.ContentHash = 0, ""
		}
		if !reflect.DeepEqual(ps, cs) {
			t.Fatalf("%s: summaries differ:\nparquet %+v\nCSV     %+v", k, ps, cs)
		}
		return nil, nil
	}
	pp, cp := problemsOf(t, perr), problemsOf(t, cerr)
	if !reflect.DeepEqual(pp, cp) {
		t.Fatalf("%s: problems differ:\nparquet %v\nCSV     %v", k, perr, cerr)
	}
	return pp, perr
}

// TestCSVSameAsParquet reads the same rows written as Parquet and as CSV: valid files give the
// same summary, and files with bad values the same problems.
func TestCSVSameAsParquet(t *testing.T) {
	opts := ReadOptions{Name: "upload", KnownAreas: knownTestAreas}
	t.Run("population", func(t *testing.T) {
		sameAsParquet(t, validPopulation(), opts)
		// bad_values.parquet's problems (see TestValueProblems).
		rows, err := Read[Population](readTestdata(t, "valid_population.parquet"), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		bad := append([]Population(nil), rows...)
		bad[4].Count = -5
		bad[10].Age = 95
		bad[20].Sex = "F"
		bad[30] = bad[29]
		bad[200].AreaCode = "E06999999"
		bad[201].AreaCode = "Hartlepool"
		bad = append(bad[:300], bad[301:]...)
		bad[310].Kind = "forecast"
		bad[320].Source = ""
		ps, _ := sameAsParquet(t, bad, opts)
		if len(ps) < 9 {
			t.Fatalf("want at least 9 problems, got %v", ps)
		}
	})
	t.Run("prevalence", func(t *testing.T) {
		def := readDefault[Prevalence](t)
		sameAsParquet(t, def, ReadOptions{})
		lo, hi := 0.1, 0.2
		bad := append([]Prevalence(nil), def...)
		bad[0].Rate = 1.4
		bad[1].RateLo, bad[1].RateHi = &lo, &hi
		bad[1].Rate = 0.5
		bad[2].AgeTo = 95
		bad[3].Measure = "Dementia!"
		bad[5] = bad[4]
		ps, _ := sameAsParquet(t, bad, ReadOptions{})
		if len(ps) < 5 {
			t.Fatalf("want at least 5 problems, got %v", ps)
		}
	})
	t.Run("unit_costs", func(t *testing.T) {
		var rows []UnitCost
		for _, svc := range []string{"residential", "nursing", "home_care"} {
			for y := int32(2021); y <= 2023; y++ {
				rows = append(rows, UnitCost{AreaCode: "E06000001", Year: y, Service: svc, Unit: "week", Cost: 812.5 + float64(y-2021)/3, PriceBase: "2023-24", Source: "council"})
			}
		}
		sameAsParquet(t, rows, opts)
		bad := append([]UnitCost(nil), rows...)
		bad[0].Cost = -1
		bad[1].Service = "Nursing Home"
		bad[2].Year = 1800
		bad[3].AreaCode = "E06999999"
		bad[5] = bad[4]
		bad[6].PriceBase = ""
		ps, _ := sameAsParquet(t, bad, opts)
		if len(ps) != 6 {
			t.Fatalf("want 6 problems, got %v", ps)
		}
	})
	t.Run("every kind", func(t *testing.T) {
		seeds := seedFiles(t)
		for _, data := range seeds[len(seeds)-kindSeeds:] {
			k, err := DetectKind(data)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Validate(k, data, ReadOptions{KnownAreas: knownTestAreas})
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			cv := csvOfKind(t, k, data)
			if got, err := DetectKind(cv); err != nil || got != k {
				t.Fatalf("DetectKind of the %s CSV = %s, %v", k, got, err)
			}
			got, err := Validate(k, cv, ReadOptions{KnownAreas: knownTestAreas})
			if err != nil {
				t.Fatalf("%s CSV: %v", k, err)
			}
			want.Bytes, want.ContentHash, got.Bytes, got.ContentHash = 0, "", 0, ""
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: CSV %+v, parquet %+v", k, got, want)
			}
		}
	})
}

// csvOfKind rewrites a Parquet file of kind k as CSV.
func csvOfKind(t testing.TB, k Kind, data []byte) []byte {
	t.Helper()
	var b Bundle
	var err error
	if k == KindAreas {
		b.Areas, err = Read[Area](data, ReadOptions{})
	} else {
		_, err = b.load(k, data, ReadOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	switch k {
	case KindAreas:
		err = WriteCSV(&buf, b.Areas)
	case KindPopulationTotals:
		err = WriteCSV(&buf, b.PopulationTotals)
	case KindMortality:
		err = WriteCSV(&buf, b.Mortality)
	case KindFertility:
		err = WriteCSV(&buf, b.Fertility)
	case KindMigration:
		err = WriteCSV(&buf, b.Migration)
	case KindLifeExpectancy:
		err = WriteCSV(&buf, b.LifeExpectancy)
	case KindPrevalence:
		err = WriteCSV(&buf, b.Prevalence)
	case KindServiceActivity:
		err = WriteCSV(&buf, b.ServiceActivity)
	case KindUnitCosts:
		err = WriteCSV(&buf, b.UnitCosts)
	case KindSupply:
		err = WriteCSV(&buf, b.Supply)
	case KindActivityHistory:
		err = WriteCSV(&buf, b.ActivityHistory)
	case KindTopicRates:
		err = WriteCSV(&buf, b.TopicRates)
	default:
		t.Fatalf("no CSV writer for %s here", k)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCSVLineProblems checks the problems only a text file can have: each names its row and
// column, and nothing more is said about the cell or line.
func TestCSVLineProblems(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(string(csvOf(t, validPopulation())), "\n"), "\n")
	// Header at 0; data row n is lines[n].
	lines[3] = "E06000001,2020,female,2,300" // row 3: too few fields
	lines[5] = strings.Replace(lines[5], ",304,", ",three hundred,", 1)
	lines[6] = strings.Replace(lines[6], ",2020,", ",20x0,", 1)
	lines[7] = strings.Replace(lines[7], ",306,", ",,", 1)                // null count
	lines[8] = strings.Replace(lines[8], "female", "fe\"male", 1)         // bare quote
	lines[9] = lines[9] + ",extra"                                        // too many fields
	lines[10] = strings.Replace(lines[10], "estimate", "estim\xffate", 1) // invalid UTF-8
	lines[12] = "\ufeff" + lines[12]                                      // a BOM mid-file is text, not a mark
	data := []byte("\ufeff" + strings.Join(lines, "\r\n") + "\r\n")       // Excel: BOM and CRLF
	_, err := Read[Population](data, ReadOptions{Name: "upload.csv", KnownAreas: knownTestAreas})
	ps := problemsOf(t, err)
	want := []string{
		"3:kind:format:the line has 5 fields; the header has 8",
		`5:count:wrong_type:"three hundred" is not a number`,
		`6:year:wrong_type:"20x0" is not an integer`,
		"7:count:null:value is null; a number is required",
		`8:sex:format:the line cannot be read as CSV (line 9, character 18): bare " in non-quoted-field`,
		"9::format:the line has 9 fields; the header has 8",
		"10:kind:format:value is not valid UTF-8",
		`12:area_code:format:"\ufeffE06000001" is not a GSS area code`,
	}
	var got []string
	for _, p := range ps {
		if p.Rule == RuleGap {
			continue // the lines that could not be read leave gaps, reported too
		}
		got = append(got, fmt.Sprintf("%d:%s:%s:%s", p.Row, p.Column, p.Rule, p.Message))
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if strings.HasPrefix(g, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem %q; got\n%s", w, strings.Join(got, "\n"))
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
}

// TestCSVFileProblems checks problems with a CSV file as a whole.
func TestCSVFileProblems(t *testing.T) {
	valid := csvOf(t, validPopulation())
	cases := []struct {
		name     string
		data     []byte
		opts     ReadOptions
		rule     Rule
		column   string
		contains string
	}{
		{"empty", nil, ReadOptions{Format: InputCSV}, RuleCorrupt, "", "empty"},
		{"renamed", bytes.Replace(valid, []byte(",age,"), []byte(",Age,"), 1), ReadOptions{}, RuleMissingColumn, "age", `found "Age" — renamed?`},
		{"duplicate header", bytes.Replace(valid, []byte(",age,"), []byte(",sex,"), 1), ReadOptions{}, RuleDuplicate, "sex", "twice"},
		{"too large", valid, ReadOptions{MaxBytes: 100}, RuleTooLarge, "", "100-byte limit"},
		{"too many rows", valid, ReadOptions{MaxRows: 100}, RuleTooManyRows, "", "100-row limit"},
		{"named parquet", valid, ReadOptions{Name: "pop.parquet"}, RuleCorrupt, "", "not a parquet file"},
		{"binary", []byte("\x00\x01\x02,\x03 not text at all, and not parquet"), ReadOptions{}, RuleCorrupt, "", "not a parquet file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.KnownAreas = knownTestAreas
			_, err := Read[Population](c.data, c.opts)
			ps := problemsOf(t, err)
			if len(ps) == 0 {
				t.Fatal("no problems")
			}
			found := false
			for _, p := range ps {
				if p.Rule == c.rule && p.Column == c.column && strings.Contains(p.Message, c.contains) {
					found = true
				}
			}
			if !found {
				t.Fatalf("got %v; want rule %s, column %q, message containing %q", err, c.rule, c.column, c.contains)
			}
		})
	}
	// The columns may come in any order, with others beside them.
	rows := validPopulation()
	var b strings.Builder
	b.WriteString("note,source,variant,kind,count,age,sex,year,area_code\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "x,%s,%s,%s,%v,%d,%s,%d,%s\n", r.Source, r.Variant, r.Kind, r.Count, r.Age, r.Sex, r.Year, r.AreaCode)
	}
	got, err := Read[Population]([]byte(b.String()), ReadOptions{KnownAreas: knownTestAreas})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rows) {
		t.Fatal("reordered columns read differently")
	}
}

// TestCSVProblemLimit checks that a CSV file full of bad cells stops at the problem limit.
func TestCSVProblemLimit(t *testing.T) {
	data := bytes.ReplaceAll(csvOf(t, validPopulation()), []byte(",2020,"), []byte(",y,"))
	_, err := Read[Population](data, ReadOptions{MaxProblems: 7})
	ve, ok := IsValidation(err)
	if !ok || len(ve.Problems) != 7 || !ve.Truncated {
		t.Fatalf("got %v", err)
	}
}

// FuzzReadCSV feeds arbitrary text to the CSV reader of every kind: it must never panic, and
// never allocate more than AllocBound of the input's size.
func FuzzReadCSV(f *testing.F) {
	seeds := seedFiles(f)
	for _, s := range seeds[len(seeds)-kindSeeds:] {
		k, err := DetectKind(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(csvOfKind(f, k, s))
	}
	f.Add(csvOf(f, validPopulation()[:200]))
	f.Add([]byte("area_code,year\n\"E06000001\",\"20\"20\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, k := range Kinds {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			opts := ReadOptions{MaxBytes: 8 << 20, MaxRows: 1 << 16, Format: InputCSV, KnownAreas: map[string]bool{"E92000001": true}}
			_, _ = Validate(k, data, opts)
			runtime.ReadMemStats(&after)
			if got, bound := after.TotalAlloc-before.TotalAlloc, AllocBound(len(data), opts); got > bound {
				t.Fatalf("reading %d bytes of CSV as %s allocated %d bytes, more than the bound %d", len(data), k, got, bound)
			}
		}
		_, _ = DetectKind(data)
	})
}

// A CSV file just under the row cap, unsorted, is read within AllocBound, as its Parquet is
// (TestValidateAtRowCapWithinBound), and gives the same summary.
func TestValidateCSVAtRowCapWithinBound(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a million rows; skipped with -short")
	}
	pq := capFile(t)
	rows, err := Read[Population](pq, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := csvOf(t, rows)
	rows = nil
	var sum Summary
	got := allocated(func() { sum, err = Validate(KindPopulation, data, ReadOptions{}) })
	if err != nil {
		t.Fatal(err)
	}
	want, err := Validate(KindPopulation, pq, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want.Bytes, want.ContentHash, sum.Bytes, sum.ContentHash = 0, "", 0, ""
	if !reflect.DeepEqual(sum, want) {
		t.Fatalf("CSV summary %+v, parquet %+v", sum, want)
	}
	if bound := AllocBound(len(data), ReadOptions{}); got > bound {
		t.Errorf("reading %d CSV rows allocated %d MiB, more than AllocBound's %d MiB", sum.Rows, got>>20, bound>>20)
	}
	t.Logf("%d bytes of CSV, %d rows: %d MiB allocated, %.0f bytes a row", len(data), sum.Rows, got>>20, float64(got)/float64(sum.Rows))
}

// TestValidateCSVFile reads a CSV file from disk, told apart from Parquet by its name and
// bytes, and refuses it past the size cap before reading it.
func TestValidateCSVFile(t *testing.T) {
	path := t.TempDir() + "/population.csv"
	if err := os.WriteFile(path, csvOf(t, validPopulation()), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := ValidateFile(KindPopulation, path, ReadOptions{KnownAreas: knownTestAreas})
	if err != nil || sum.Rows != len(validPopulation()) || sum.File != path {
		t.Fatalf("got %+v, %v", sum, err)
	}
	if k, err := DetectKind(csvOf(t, validPopulation())); err != nil || k != KindPopulation {
		t.Fatalf("DetectKind = %s, %v", k, err)
	}
	_, err = ValidateFile(KindPopulation, path, ReadOptions{MaxBytes: 1000})
	if ve, ok := IsValidation(err); !ok || !ve.Has(RuleTooLarge) {
		t.Fatalf("got %v", err)
	}
}
