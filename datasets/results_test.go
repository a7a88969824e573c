package datasets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/carecast/carecast/forecast"
)

// synthResults makes n result rows, sorted by area, measure, year, sex and age band as the
// engine writes them, with seeded values. Measures cycle through every family plus drivers.
func synthResults(n int, seed uint64) []forecast.ResultRow {
	rng := rand.New(rand.NewPCG(seed, 1))
	measures := []struct{ m, unit string }{
		{"capacity.residential_beds", forecast.UnitBeds}, {"cost.nursing", forecast.UnitPoundsPerYear},
		{"driver.need.dementia.demography", forecast.UnitPeople}, {"driver.need.dementia.prevalence_trend", forecast.UnitPeople},
		{"need.dementia", forecast.UnitPeople}, {"population", forecast.UnitPeople},
		{"service.home_care", forecast.UnitClients}, {"workforce.home_care_fte", forecast.UnitFTE},
	}
	sexes := []string{"all", "female", "male"}
	bands := []string{"18-64", "65-74", "75-84", "85+"}
	rows := make([]forecast.ResultRow, 0, n)
	for a := 0; len(rows) < n; a++ {
		code := fmt.Sprintf("E06%06d", a)
		for _, m := range measures {
			for y := 2025; y <= 2050; y++ {
				for _, s := range sexes {
					for _, b := range bands {
						if len(rows) == n {
							return rows
						}
						mean := math.Round(rng.Float64()*2000*100) / 100
						rows = append(rows, forecast.ResultRow{ScenarioID: "scn_test", RunID: "run_test", AreaCode: code,
							AreaName: "Area " + code, Year: y, Measure: m.m, Unit: m.unit, Sex: s, AgeBand: b,
							Mean: mean, P10: mean * 0.9, P50: mean, P90: mean * 1.1})
					}
				}
			}
		}
	}
	return rows
}

func testProvenance() Provenance {
	seed := int64(42)
	return Provenance{ScenarioID: "scn_test", RunID: "run_test", ScenarioVersion: 3,
		Scenario:        json.RawMessage(`{"name":"baseline","base_year":2024,"levers":[{"value":0.5}]}`),
		DatasetHashes:   map[string]string{"population": "sha256:aa", "prevalence": "sha256:bb"},
		SoftwareVersion: "test", Seed: &seed, Quantiles: []float64{0.1, 0.5, 0.9}, PriceBase: "2023-24"}
}

// writeResults writes rows as a result file.
func writeResults(t testing.TB, rows []forecast.ResultRow, prov Provenance) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewResultWriter(&buf, prov)
	if err := w.Write(rows...); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func openResults(t testing.TB, data []byte, cache *ResultCache) *ResultFile {
	t.Helper()
	rf, err := OpenResults(bytes.NewReader(data), int64(len(data)), ResultOptions{Name: "test.parquet", Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rf.Close() })
	return rf
}

func scanAll(t testing.TB, rf *ResultFile, flt ResultFilter) []forecast.ResultRow {
	t.Helper()
	var out []forecast.ResultRow
	if err := rf.Scan(context.Background(), flt, ScanOptions{}, func(_ int64, r forecast.ResultRow) bool {
		out = append(out, r)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameRows compares rows exactly, treating NaN as equal to NaN.
func sameRows(t *testing.T, got, want []forecast.ResultRow) {
	t.Helper()
	sameRowsTol(t, got, want, 0)
}

// sameRowsTol compares rows with values equal within a relative tolerance.
func sameRowsTol(t *testing.T, got, want []forecast.ResultRow, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	eq := func(a, b float64) bool {
		return a == b || (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) <= tol*math.Abs(b)
	}
	for i := range got {
		g, w := got[i], want[i]
		gv, wv := [4]float64{g.Mean, g.P10, g.P50, g.P90}, [4]float64{w.Mean, w.P10, w.P50, w.P90}
		g.Mean, g.P10, g.P50, g.P90, w.Mean, w.P10, w.P50, w.P90 = 0, 0, 0, 0, 0, 0, 0, 0
		if g != w {
			t.Fatalf("row %d: got %+v, want %+v", i, got[i], want[i])
		}
		for k := range gv {
			if !eq(gv[k], wv[k]) {
				t.Fatalf("row %d value %d: got %v, want %v", i, k, gv[k], wv[k])
			}
		}
	}
}

func TestResultWriterRoundTrip(t *testing.T) {
	rows := synthResults(3*ResultRowGroupRows-100, 1)
	prov := testProvenance()
	rf := openResults(t, writeResults(t, rows, prov), nil)
	if rf.NumRows() != int64(len(rows)) || rf.NumRowGroups() != 3 {
		t.Errorf("%d rows in %d groups, want %d in 3", rf.NumRows(), rf.NumRowGroups(), len(rows))
	}
	sameRows(t, scanAll(t, rf, ResultFilter{}), rows)
	got := rf.Provenance()
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(prov)
	if !bytes.Equal(gb, wb) {
		t.Errorf("provenance %s, want %s", gb, wb)
	}
}

func TestResultWriterDeterministic(t *testing.T) {
	rows := synthResults(10000, 2)
	if a, b := writeResults(t, rows, testProvenance()), writeResults(t, rows, testProvenance()); !bytes.Equal(a, b) {
		t.Error("the same rows gave different bytes")
	}
}

// countingWriter counts the bytes written to it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(b []byte) (int, error) { w.n += int64(len(b)); return len(b), nil }

// TestResultWriterFlushesIncrementally: each full row group reaches the writer before Close,
// so a writer holds at most one row group in memory.
func TestResultWriterFlushesIncrementally(t *testing.T) {
	rows := synthResults(6*ResultRowGroupRows, 3)
	var cw countingWriter
	w := NewResultWriter(&cw, testProvenance())
	var seen []int64
	for i := 0; i < len(rows); i += ResultRowGroupRows {
		if err := w.Write(rows[i : i+ResultRowGroupRows]...); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, cw.n)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatalf("bytes written after each row group: %v; want growth after every group", seen)
		}
	}
	before := cw.n
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if tail := cw.n - before; tail > cw.n/3 {
		t.Errorf("Close wrote %d of %d bytes: the writer held back too much", tail, cw.n)
	}
}

func TestResultWriterRejects(t *testing.T) {
	good := synthResults(1, 4)[0]
	for _, tt := range []struct {
		name string
		edit func(*forecast.ResultRow)
		want string
	}{
		{"nan", func(r *forecast.ResultRow) { r.P90 = math.NaN() }, "p90"},
		{"inf", func(r *forecast.ResultRow) { r.Mean = math.Inf(1) }, "mean"},
		{"sex", func(r *forecast.ResultRow) { r.Sex = "persons" }, "sex"},
		{"unit", func(r *forecast.ResultRow) { r.Unit = "" }, "unit"},
		{"area", func(r *forecast.ResultRow) { r.AreaCode = "" }, "area_code"},
		{"year", func(r *forecast.ResultRow) { r.Year = 25 }, "year"},
		{"utf8", func(r *forecast.ResultRow) { r.AreaName = "\xff" }, "UTF-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.edit(&r)
			w := NewResultWriter(&bytes.Buffer{}, Provenance{})
			err := w.Write(good, r)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "row 2") {
				t.Fatalf("Write: %v; want an error naming row 2 and %s", err, tt.want)
			}
			if w.Close() == nil {
				t.Error("Close after a failed Write returned nil")
			}
		})
	}
}

func filterRows(rows []forecast.ResultRow, flt ResultFilter) []forecast.ResultRow {
	var out []forecast.ResultRow
	for _, r := range rows {
		if forecast.MatchName(flt.Areas, r.AreaCode) && forecast.MatchName(flt.Measures, r.Measure) && forecast.MatchName(flt.Sexes, r.Sex) &&
			forecast.MatchName(flt.AgeBands, r.AgeBand) && (flt.YearFrom == 0 || r.Year >= flt.YearFrom) && (flt.YearTo == 0 || r.Year <= flt.YearTo) {
			out = append(out, r)
		}
	}
	return out
}

func TestResultFilters(t *testing.T) {
	rows := synthResults(12*ResultRowGroupRows, 5)
	rf := openResults(t, writeResults(t, rows, Provenance{}), nil)
	for _, tt := range []struct {
		name    string
		flt     ResultFilter
		maxDecs int64 // row groups the filter may decode; 0 means no limit checked
	}{
		{"all", ResultFilter{}, 0},
		{"one area", ResultFilter{Areas: []string{"E06000003"}}, 2},
		{"area and years", ResultFilter{Areas: []string{"E06000001", "E06000004"}, YearFrom: 2030, YearTo: 2032}, 4},
		{"need family", ResultFilter{Measures: []string{"need.*"}}, 0},
		{"drivers of one area", ResultFilter{Areas: []string{"E06000002"}, Measures: []string{"driver.*"}}, 2},
		{"exact measure, sex, band", ResultFilter{Measures: []string{"population"}, Sexes: []string{"female"}, AgeBands: []string{"85+"}}, 0},
		{"nothing", ResultFilter{Areas: []string{"E09999999"}}, 0},
		{"no such measure prefix", ResultFilter{Measures: []string{"zzz*"}}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := rf.decodes.Load()
			got := scanAll(t, rf, tt.flt)
			want := filterRows(rows, tt.flt)
			sameRows(t, got, want)
			decs := rf.decodes.Load() - before
			if tt.maxDecs > 0 && decs > tt.maxDecs {
				t.Errorf("decoded %d row groups of %d; statistics should have ruled out all but %d", decs, rf.NumRowGroups(), tt.maxDecs)
			}
			if len(want) == 0 && decs > 0 && tt.flt.Areas != nil {
				t.Errorf("decoded %d row groups for a filter nothing matches", decs)
			}
		})
	}
}

func TestResultPages(t *testing.T) {
	rows := synthResults(3*ResultRowGroupRows, 6)
	rf := openResults(t, writeResults(t, rows, Provenance{}), NewResultCache(64<<20))
	flt := ResultFilter{Sexes: []string{"male"}, YearFrom: 2040}
	want := filterRows(rows, flt)
	for _, limit := range []int{1, 7, 1000, len(want), len(want) + 1} {
		var got []forecast.ResultRow
		var from int64
		pages := 0
		for {
			page, next, err := rf.Page(context.Background(), flt, from, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > limit || (next != 0 && len(page) != limit) {
				t.Fatalf("limit %d: page of %d with next %d", limit, len(page), next)
			}
			got = append(got, page...)
			pages++
			if next == 0 {
				break
			}
			if next <= from {
				t.Fatalf("next %d does not advance past %d", next, from)
			}
			from = next
		}
		sameRows(t, got, want)
		if wantPages := max(1, (len(want)+limit-1)/limit); pages != wantPages {
			t.Errorf("limit %d: %d pages, want %d", limit, pages, wantPages)
		}
	}
	if _, _, err := rf.Page(context.Background(), flt, 0, 0); err == nil {
		t.Error("limit 0: no error")
	}
}

// TestResultCacheConcurrent reads pages from many goroutines through a small cache (run with
// -race): every page is right and the cache stays within its size.
func TestResultCacheConcurrent(t *testing.T) {
	rows := synthResults(8*ResultRowGroupRows, 7)
	cache := NewResultCache(2 << 20) // about three row groups
	rf := openResults(t, writeResults(t, rows, Provenance{}), cache)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Go(func() {
			for i := range 20 {
				from := int64((g*131 + i*977) % len(rows))
				page, _, err := rf.Page(context.Background(), ResultFilter{}, from, 50)
				if err != nil {
					errs <- err
					return
				}
				if page[0] != rows[from] {
					errs <- fmt.Errorf("page at %d starts with %+v, want %+v", from, page[0], rows[from])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if s := cache.Size(); s > 2<<20 || s <= 0 {
		t.Errorf("cache holds %d bytes; want 0 < size ≤ %d", s, 2<<20)
	}
	rf.Close()
	if s := cache.Size(); s != 0 {
		t.Errorf("after Close the cache holds %d bytes of the file", s)
	}
}

func TestOpenResultsBadFiles(t *testing.T) {
	good := writeResults(t, synthResults(100, 8), Provenance{})
	type renamed struct {
		ScenarioID string  `parquet:"scenario_id"`
		RunID      string  `parquet:"run_id"`
		AreaCode   string  `parquet:"area"`
		AreaName   string  `parquet:"area_name"`
		Year       int32   `parquet:"year"`
		Measure    string  `parquet:"measure"`
		Unit       string  `parquet:"unit"`
		Sex        string  `parquet:"sex"`
		AgeBand    string  `parquet:"age_band"`
		Mean       float64 `parquet:"mean"`
		P10        float64 `parquet:"p10"`
		P50        string  `parquet:"p50"`
	}
	for _, tt := range []struct {
		name string
		data []byte
		max  int64
		rule Rule
		text string
	}{
		{"empty", nil, 0, RuleCorrupt, "empty"},
		{"not parquet", []byte("area_code,year\nE06000001,2025\n"), 0, RuleCorrupt, "magic"},
		{"truncated", good[:len(good)-20], 0, RuleCorrupt, ""},
		{"too large", good, 100, RuleTooLarge, "limit"},
		{"renamed and missing", encode(t, []renamed{{AreaCode: "E06000001"}}), 0, RuleMissingColumn, `found "area"`},
		{"wrong type", encode(t, []renamed{{AreaCode: "E06000001"}}), 0, RuleWrongType, "p50"},
		{"a dataset, not results", encode(t, []Fertility{{AreaCode: "E92000001", Year: 2020, Age: 20, Rate: 0.1, Source: "s"}}), 0, RuleMissingColumn, "measure"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenResults(bytes.NewReader(tt.data), int64(len(tt.data)), ResultOptions{Name: "bad.parquet", MaxBytes: tt.max})
			ve, ok := IsValidation(err)
			if !ok || !ve.Has(tt.rule) || !strings.Contains(err.Error(), tt.text) || !strings.Contains(err.Error(), "bad.parquet") {
				t.Fatalf("err = %v; want a %s problem naming the file and mentioning %q", err, tt.rule, tt.text)
			}
		})
	}
	// A damaged page is found when its row group is first read, not at open.
	bad := bytes.Clone(good)
	for i := 100; i < 140; i++ {
		bad[i] ^= 0x5a
	}
	rf, err := OpenResults(bytes.NewReader(bad), int64(len(bad)), ResultOptions{Name: "bad.parquet"})
	if err == nil {
		err = rf.Scan(context.Background(), ResultFilter{}, ScanOptions{}, func(int64, forecast.ResultRow) bool { return true })
	}
	if _, ok := IsValidation(err); !ok {
		t.Errorf("damaged pages: err = %v, want a validation error", err)
	}
}

func TestScanCancelled(t *testing.T) {
	rf := openResults(t, writeResults(t, synthResults(2*ResultRowGroupRows, 9), Provenance{}), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := rf.Scan(ctx, ResultFilter{}, ScanOptions{}, func(int64, forecast.ResultRow) bool { return true })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// FuzzOpenResults: arbitrary bytes never make the result reader panic.
func FuzzOpenResults(f *testing.F) {
	f.Add(writeResults(f, synthResults(300, 10), testProvenance()))
	var small bytes.Buffer
	w := newExportParquetWriter(&small, Provenance{})
	r := synthResults(3, 11)
	r[1].Mean = math.NaN()
	if err := w.Write(r...); err != nil {
		f.Fatal(err)
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	f.Add(small.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		rf, err := OpenResults(bytes.NewReader(data), int64(len(data)), ResultOptions{MaxBytes: 8 << 20})
		if err != nil {
			return
		}
		_ = rf.Scan(context.Background(), ResultFilter{Areas: []string{"E06000000"}}, ScanOptions{}, func(int64, forecast.ResultRow) bool { return true })
		_ = rf.Scan(context.Background(), ResultFilter{}, ScanOptions{}, func(int64, forecast.ResultRow) bool { return true })
		_, _ = rf.Values(context.Background())
	})
}

func TestMatchAndOverlap(t *testing.T) {
	st := &stringStat{min: "need.dementia", max: "population"}
	for _, tt := range []struct {
		list []string
		want bool
	}{
		{nil, true}, {[]string{"need.*"}, true}, {[]string{"driver.*"}, false}, {[]string{"population"}, true},
		{[]string{"service.*"}, false}, {[]string{"ne*"}, true}, {[]string{"p*"}, true}, {[]string{"cost.x", "need.zz"}, true},
	} {
		if got := overlaps(tt.list, st); got != tt.want {
			t.Errorf("overlaps(%v, %v) = %v", tt.list, *st, got)
		}
	}
	if !slices.Equal([]bool{forecast.MatchName([]string{"need.*"}, "need.x"), forecast.MatchName([]string{"need.*"}, "needy")}, []bool{true, false}) {
		t.Error("matchString prefix")
	}
}
