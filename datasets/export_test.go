package datasets

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/xuri/excelize/v2"

	"github.com/carecast/carecast/forecast"
)

// export writes rows in format f and returns the bytes.
func export(t *testing.T, f ExportFormat, rows []forecast.ResultRow, opts ExportOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewExporter(f, &buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Several writes of uneven sizes, as a scan hands them over.
	for len(rows) > 0 {
		n := min(len(rows), 777)
		if err := w.Write(rows[:n]...); err != nil {
			t.Fatal(err)
		}
		rows = rows[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readBack(t *testing.T, f ExportFormat, data []byte) []forecast.ResultRow {
	t.Helper()
	var got []forecast.ResultRow
	if err := ReadExport(context.Background(), f, bytes.NewReader(data), 0, func(r forecast.ResultRow) error {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatalf("reading %s back: %v", f, err)
	}
	return got
}

// bySheet orders rows as the Excel export lays them out: sheet by sheet, in sheet order.
func bySheet(rows []forecast.ResultRow) []forecast.ResultRow {
	var out []forecast.ResultRow
	for _, s := range append(append([]string{}, forecast.Families...), DriverSheet, OtherSheet) {
		for _, r := range rows {
			if sheetOf(r.Measure) == s {
				out = append(out, r)
			}
		}
	}
	return out
}

// TestExportRoundTrip writes the same table in every format, with and without disclosure
// control, and reads it back with the project's own readers: the rows come back exactly (as
// disclosure control left them), in the same order (Excel: grouped by sheet).
func TestExportRoundTrip(t *testing.T) {
	rows := synthResults(2*ResultRowGroupRows+500, 12)
	rows = append(rows, forecast.ResultRow{ScenarioID: "scn_test", RunID: "run_test", AreaCode: "E92000001",
		AreaName: `England, "all" areas`, Year: 2030, Measure: "gap.odd_family", Unit: forecast.UnitPeople, Sex: "all",
		AgeBand: "all", Mean: 1e-9, P10: -3.5, P50: 123456789.125, P90: 7})
	d := DefaultDisclosure()
	for _, f := range ExportFormats {
		for _, disc := range []*Disclosure{nil, &d} {
			name := string(f)
			if disc != nil {
				name += "/disclosure"
			}
			t.Run(name, func(t *testing.T) {
				data := export(t, f, rows, ExportOptions{Provenance: testProvenance(), Disclosure: disc})
				want := rows
				if disc != nil {
					want = make([]forecast.ResultRow, len(rows))
					for i, r := range rows {
						want[i] = disc.Apply(r)
					}
				}
				if f == FormatXLSX { // sheet by sheet, to Excel's 15 significant digits
					sameRowsTol(t, readBack(t, f, data), bySheet(want), 1e-14)
					return
				}
				sameRows(t, readBack(t, f, data), want)
			})
		}
	}
}

func TestExportEmpty(t *testing.T) {
	for _, f := range ExportFormats {
		data := export(t, f, nil, ExportOptions{})
		if got := readBack(t, f, data); len(got) != 0 {
			t.Errorf("%s: %d rows from an empty export", f, len(got))
		}
	}
}

// TestExportProvenance: the formats with room for it carry the provenance, with the
// disclosure settings when they were applied.
func TestExportProvenance(t *testing.T) {
	rows := synthResults(10, 13)
	d := Disclosure{Round: 5, SuppressBelow: 10}
	opts := ExportOptions{Provenance: testProvenance(), Disclosure: &d}
	want := testProvenance()
	want.Disclosure = &d
	wantJSON, _ := json.Marshal(want)

	data := export(t, FormatParquet, rows, opts)
	rf := openResults(t, data, nil)
	if got, _ := json.Marshal(rf.Provenance()); !bytes.Equal(got, wantJSON) {
		t.Errorf("parquet provenance %s, want %s", got, wantJSON)
	}

	prov, err := ReadArrowResults(bytes.NewReader(export(t, FormatArrow, rows, opts)), nil, func(forecast.ResultRow) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(prov); !bytes.Equal(got, wantJSON) {
		t.Errorf("arrow provenance %s, want %s", got, wantJSON)
	}

	kv, err := ReadXLSXResults(bytes.NewReader(export(t, FormatXLSX, rows, opts)), 1<<30, func(forecast.ResultRow) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, p := range kv {
		m[p[0]] = p[1]
	}
	if m["run_id"] != "run_test" || m["dataset_hash.population"] != "sha256:aa" || m["seed"] != "42" ||
		m["price_base"] != "2023-24" || m["disclosure"] != `{"round":5,"suppress_below":10}` {
		t.Errorf("xlsx provenance sheet: %v", m)
	}
	var doc, orig any
	if err := json.Unmarshal([]byte(m["scenario"]), &doc); err != nil {
		t.Fatalf("scenario on the provenance sheet is not JSON: %v", err)
	}
	json.Unmarshal(testProvenance().Scenario, &orig)
	if !reflect.DeepEqual(doc, orig) {
		t.Errorf("scenario %v, want %v", doc, orig)
	}
}

func TestXLSXSheets(t *testing.T) {
	data := export(t, FormatXLSX, synthResults(2000, 14), ExportOptions{})
	kv, err := ReadXLSXResults(bytes.NewReader(data), 1<<30, func(forecast.ResultRow) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	_ = kv
	// Sheet order: every family, then driver, then provenance.
	var seen []string
	if err := func() error {
		f, err := openXLSXForTest(data)
		if err != nil {
			return err
		}
		defer f.Close()
		seen = f.GetSheetList()
		return nil
	}(); err != nil {
		t.Fatal(err)
	}
	want := append(append([]string{}, forecast.Families...), DriverSheet, ProvenanceSheet)
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("sheets %v, want %v", seen, want)
	}
}

func TestDisclosureApply(t *testing.T) {
	d := DefaultDisclosure()
	nan := math.NaN()
	for _, tt := range []struct {
		unit             string
		in, out          [4]float64
		suppressed, same bool
	}{
		{forecast.UnitPeople, [4]float64{12.4, 8, 12, 17.5}, [4]float64{10, 10, 10, 20}, false, false},
		{forecast.UnitClients, [4]float64{9.99, 5, 10, 15}, [4]float64{nan, nan, nan, nan}, true, false},
		{forecast.UnitResidents, [4]float64{-12.5, -20, -12, -3}, [4]float64{-15, -20, -10, -5}, false, false},
		{forecast.UnitPeople, [4]float64{0, 0, 0, 0}, [4]float64{nan, nan, nan, nan}, true, false},
		{forecast.UnitBeds, [4]float64{3.2, 1, 3, 5}, [4]float64{3.2, 1, 3, 5}, false, true},
		{forecast.UnitPoundsPerYear, [4]float64{7, 7, 7, 7}, [4]float64{7, 7, 7, 7}, false, true},
	} {
		r := forecast.ResultRow{Unit: tt.unit, Mean: tt.in[0], P10: tt.in[1], P50: tt.in[2], P90: tt.in[3]}
		got := d.Apply(r)
		g := [4]float64{got.Mean, got.P10, got.P50, got.P90}
		for k := range g {
			if !(g[k] == tt.out[k] || math.IsNaN(g[k]) && math.IsNaN(tt.out[k])) {
				t.Errorf("%s %v: got %v, want %v", tt.unit, tt.in, g, tt.out)
				break
			}
		}
	}
	if (Disclosure{Round: -1}).Check() == nil || (Disclosure{SuppressBelow: math.NaN()}).Check() == nil {
		t.Error("Check accepts bad settings")
	}
	if _, err := NewExporter(FormatCSV, &bytes.Buffer{}, ExportOptions{Disclosure: &Disclosure{Round: -5}}); err == nil {
		t.Error("NewExporter accepts bad disclosure settings")
	}
}

// TestCSVText pins the CSV layout: header, exact numbers, empty suppressed values.
func TestCSVText(t *testing.T) {
	rows := []forecast.ResultRow{
		{ScenarioID: "s", RunID: "r", AreaCode: "E06000001", AreaName: "Hartlepool", Year: 2030, Measure: "need.dementia",
			Unit: "people", Sex: "all", AgeBand: "65+", Mean: 1234.5, P10: 1100.25, P50: 1230, P90: 1400},
		{ScenarioID: "s", RunID: "r", AreaCode: "E06000001", AreaName: "Hartlepool", Year: 2030, Measure: "need.dementia",
			Unit: "people", Sex: "male", AgeBand: "90+", Mean: 4, P10: 3, P50: 4, P90: 6},
	}
	d := DefaultDisclosure()
	got := string(export(t, FormatCSV, rows, ExportOptions{Disclosure: &d}))
	want := "scenario_id,run_id,area_code,area_name,year,measure,unit,sex,age_band,mean,p10,p50,p90\n" +
		"s,r,E06000001,Hartlepool,2030,need.dementia,people,all,65+,1235,1100,1230,1400\n" +
		"s,r,E06000001,Hartlepool,2030,need.dementia,people,male,90+,,,,\n"
	if got != want {
		t.Errorf("csv:\n%s\nwant:\n%s", got, want)
	}
	if err := ReadCSVResults(strings.NewReader("a,b\n1,2\n"), func(forecast.ResultRow) error { return nil }); err == nil {
		t.Error("CSV with the wrong header: no error")
	}
	if err := ReadNDJSONResults(strings.NewReader(`{"scenario_id":"s"}`+"\n"), func(forecast.ResultRow) error { return nil }); err == nil ||
		!strings.Contains(err.Error(), "line 1") {
		t.Errorf("NDJSON with missing keys: %v", err)
	}
}

// TestArrowExportReleasesEverything: writing and reading an Arrow IPC stream leaves no bytes
// allocated (every builder, record and reader released).
func TestArrowExportReleasesEverything(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rows := synthResults(2*ResultRowGroupRows+17, 15)
	d := DefaultDisclosure()
	data := export(t, FormatArrow, rows, ExportOptions{Allocator: mem, Disclosure: &d})
	mem.AssertSize(t, 0)
	n := 0
	if _, err := ReadArrowResults(bytes.NewReader(data), mem, func(forecast.ResultRow) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != len(rows) {
		t.Errorf("read %d rows, want %d", n, len(rows))
	}
	// A writer that fails part way still releases what it holds.
	w, _ := NewExporter(FormatArrow, &bytes.Buffer{}, ExportOptions{Allocator: mem})
	w.Write(rows[:10]...)
	bad := rows[0]
	bad.Sex = "x"
	if w.Write(bad) == nil {
		t.Error("bad row accepted")
	}
	w.Close()
}

// testToArrow converts rows of one kind and checks the schema against the kind's columns, the
// row count, and that releasing the batch frees everything.
func testToArrow[T Record](t *testing.T, rows []T) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec, err := ToArrow(rows, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	k := KindOf[T]()
	var names []string
	for _, f := range rec.Schema().Fields() {
		names = append(names, f.Name)
	}
	if !reflect.DeepEqual(names, Columns(k)) {
		t.Errorf("%s: arrow columns %v, want %v", k, names, Columns(k))
	}
	if int(rec.NumRows()) != len(rows) {
		t.Errorf("%s: %d rows, want %d", k, rec.NumRows(), len(rows))
	}
	if v, ok := rec.Schema().Metadata().GetValue("carecast.kind"); !ok || v != string(k) {
		t.Errorf("%s: schema metadata kind %q", k, v)
	}
	// Every value matches the row it came from.
	for c := range rec.NumCols() {
		col := rec.Column(int(c))
		for i := range rows {
			f := reflect.ValueOf(rows[i]).Field(int(c))
			var want any
			switch f.Kind() {
			case reflect.String:
				want = f.String()
			case reflect.Int32:
				want = int32(f.Int())
			case reflect.Float64:
				want = f.Float()
			case reflect.Pointer:
				if f.IsNil() {
					if !col.IsNull(i) {
						t.Errorf("%s row %d column %d: want null", k, i, c)
					}
					continue
				}
				want = f.Elem().Float()
			}
			var got any
			switch a := col.(type) {
			case *array.String:
				got = a.Value(i)
			case *array.Int32:
				got = a.Value(i)
			case *array.Float64:
				got = a.Value(i)
			}
			if got != want {
				t.Errorf("%s row %d column %d: %v, want %v", k, i, c, got, want)
			}
		}
	}
	// In batches too.
	rr := ToArrowBatches(rows, 2, mem)
	defer rr.Release()
	n := 0
	for rr.Next() {
		n += int(rr.RecordBatch().NumRows())
	}
	if rr.Err() != nil || n != len(rows) {
		t.Errorf("%s: batches held %d rows (err %v), want %d", k, n, rr.Err(), len(rows))
	}
}

func TestToArrowEveryKind(t *testing.T) {
	lo, hi := 0.01, 0.03
	testToArrow(t, []Area{{AreaCode: "E92000001", AreaName: "England", AreaType: AreaCountry, Source: "s"},
		{AreaCode: "E06000001", AreaName: "Hartlepool", AreaType: AreaUnitary, ParentCode: "E12000001", Source: "s"}})
	testToArrow(t, []Population{{AreaCode: "E06000001", Year: 2020, Sex: "female", Age: 90, Count: 512.5, Kind: "estimate", Source: "s"},
		{AreaCode: "E06000001", Year: 2020, Sex: "male", Age: 0, Count: 3, Kind: "projection", Variant: "principal", Source: "s"},
		{AreaCode: "E06000002", Year: 2021, Sex: "male", Age: 1, Count: 4, Kind: "projection", Variant: "principal", Source: "s"}})
	testToArrow(t, []PopulationOldest{{AreaCode: "E06000001", Year: 2020, Sex: "female", Age: 105, Count: 2, Kind: "estimate", Source: "s"}})
	testToArrow(t, []PopulationTotal{{AreaCode: "E06000001", Year: 2020, Sex: "all", AgeFrom: 60, AgeTo: 90, Count: 2e4, Kind: "estimate", Source: "s"}})
	testToArrow(t, []Mortality{{AreaCode: "E92000001", Year: 2020, Sex: "female", Age: 80, Rate: 0.05, RateType: "qx", Source: "s"}})
	testToArrow(t, []Fertility{{AreaCode: "E92000001", Year: 2020, Age: 30, Rate: 0.1, Source: "s"}})
	testToArrow(t, []Migration{{AreaCode: "E92000001", Year: 2020, Sex: "male", Age: 30, Flow: "net", Count: -3, Source: "s"}})
	testToArrow(t, []LifeExpectancy{{AreaCode: "E92000001", Year: 2020, Sex: "male", Age: 65, Ex: 18.5, ExType: "period", Source: "s"}})
	testToArrow(t, []Prevalence{{Measure: "dementia", Sex: "male", AgeFrom: 65, AgeTo: 69, Rate: 0.012, RateLo: &lo, RateHi: &hi, EvidenceYear: 2011, Source: "s"},
		{Measure: "dementia", Sex: "female", AgeFrom: 65, AgeTo: 69, Rate: 0.011, EvidenceYear: 2011, Source: "s"}})
	testToArrow(t, []ServiceActivity{{AreaCode: "E06000001", Year: 2013, Service: "home_care", AgeBand: "65+", Measure: "clients", Value: 10, Source: "s"}})
	testToArrow(t, []UnitCost{{AreaCode: "E06000001", Year: 2022, Service: "nursing", Unit: "week", Cost: 900, PriceBase: "2022-23", Source: "s"}})
	testToArrow(t, []Supply{{AreaCode: "E06000001", Year: 2022, Service: "nursing", Capacity: 100, Unit: "beds", Source: "s"}})
	testToArrow(t, []Supply{})
}

func openXLSXForTest(data []byte) (*excelize.File, error) {
	return excelize.OpenReader(bytes.NewReader(data))
}
