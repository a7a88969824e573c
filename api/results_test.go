package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/store"
)

// fakeMeasures are the measures of the fake result table, sorted as the engine writes them.
var fakeMeasures = []struct{ name, unit string }{
	{"capacity.residential_beds", forecast.UnitBeds},
	{"driver.need.dementia.demography", forecast.UnitPeople},
	{"driver.need.dementia.prevalence_trend", forecast.UnitPeople},
	{"driver.need.dementia.total", forecast.UnitPeople},
	{"need.dementia", forecast.UnitPeople},
	{"population", forecast.UnitPeople},
	{"service.home_care", forecast.UnitClients},
}

// Fake result grid: per area 7 measures × 16 years × 3 sexes × 2 age bands = 672 rows.
const (
	fakeYearFrom, fakeYearTo = 2025, 2040
	fakeRowsPerArea          = 7 * 16 * 3 * 2
)

var (
	fakeSexes = []string{"female", "male", "all"}
	fakeBands = []string{"65-74", "75+"}
)

// fakeValue is the fake table's mean for a cell: 1..200 (so some counts fall under the
// disclosure threshold), scaled by the seed so that runs with different seeds differ.
func fakeValue(area, measure, year, sex, band int, seed int64) float64 {
	return float64(1+(area*31+measure*7+(year-fakeYearFrom)*3+sex*5+band*11)%200) * (1 + float64(seed%7)/100)
}

// fakeResults calls emit with n rows of a fake result table (n = 0: two areas), sorted by area,
// measure, year, sex and age band. Drivers of need.dementia split its value 60:40 between
// demography and prevalence trend, with the total written too.
func fakeResults(runID, scenarioID string, n int, seed int64, emit func(forecast.ResultRow) error) error {
	if n <= 0 {
		n = 2 * fakeRowsPerArea
	}
	count := 0
	for a := 1; ; a++ {
		code := fmt.Sprintf("E06%06d", a)
		name := "Area " + code
		if a == 1 {
			name = "Hartlepool"
		}
		for mi, m := range fakeMeasures {
			for y := fakeYearFrom; y <= fakeYearTo; y++ {
				for si, sx := range fakeSexes {
					for bi, b := range fakeBands {
						if count == n {
							return nil
						}
						count++
						x := fakeValue(a, mi, y, si, bi, seed)
						switch m.name {
						case "driver.need.dementia.demography":
							x = 0.6 * fakeValue(a, 4, y, si, bi, seed)
						case "driver.need.dementia.prevalence_trend":
							x = 0.4 * fakeValue(a, 4, y, si, bi, seed)
						case "driver.need.dementia.total":
							x = fakeValue(a, 4, y, si, bi, seed)
						}
						if err := emit(forecast.ResultRow{ScenarioID: scenarioID, RunID: runID, AreaCode: code, AreaName: name,
							Year: y, Measure: m.name, Unit: m.unit, Sex: sx, AgeBand: b,
							Mean: x, P10: 0.9 * x, P50: x, P90: 1.1 * x}); err != nil {
							return err
						}
					}
				}
			}
		}
	}
}

// writeFakeResults writes the fake table for a run to path with the writer the engine uses.
func writeFakeResults(path string, spec RunSpec, n int, seed int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := datasets.NewResultWriter(f, datasets.Provenance{ScenarioID: spec.ScenarioID, RunID: spec.RunID,
		ScenarioVersion: spec.ScenarioVersion, Scenario: json.RawMessage(spec.Scenario), SoftwareVersion: spec.Version,
		Seed: &seed, Quantiles: []float64{0.1, 0.5, 0.9}, PriceBase: "2024-25",
		DatasetHashes: map[string]string{"population": "sha256:0123"}})
	batch := make([]forecast.ResultRow, 0, 1024)
	err = fakeResults(spec.RunID, spec.ScenarioID, n, seed, func(r forecast.ResultRow) error {
		batch = append(batch, r)
		if len(batch) == cap(batch) {
			err := w.Write(batch...)
			batch = batch[:0]
			return err
		}
		return nil
	})
	if err == nil {
		err = w.Write(batch...)
	}
	if err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return f.Close()
}

// allFake returns the fake table of a run as written.
func allFake(t testing.TB, r Run, n int, seed int64) []forecast.ResultRow {
	t.Helper()
	var rows []forecast.ResultRow
	if err := fakeResults(r.ID, r.ScenarioID, n, seed, func(x forecast.ResultRow) error { rows = append(rows, x); return nil }); err != nil {
		t.Fatal(err)
	}
	return rows
}

// succeededRun creates a scenario with doc, runs it and waits for success.
func (ts *testServer) succeededRun(key, doc string) Run {
	ts.t.Helper()
	sc := ts.createScenario(key, doc)
	r := ts.waitRun(key, ts.startRun(key, sc.ID).ID)
	if r.Status != store.RunSucceeded {
		ts.t.Fatalf("run %s: %s %s", r.ID, r.Status, r.Error)
	}
	return r
}

func rowsOf(items []ResultRow) []forecast.ResultRow {
	out := make([]forecast.ResultRow, len(items))
	for i, x := range items {
		out[i] = forecast.ResultRow{ScenarioID: x.ScenarioID, RunID: x.RunID, AreaCode: x.AreaCode, AreaName: x.AreaName,
			Year: x.Year, Measure: x.Measure, Unit: x.Unit, Sex: x.Sex, AgeBand: x.AgeBand, Mean: x.Mean, P10: x.P10, P50: x.P50, P90: x.P90}
	}
	return out
}

func filtered(rows []forecast.ResultRow, keep func(forecast.ResultRow) bool) []forecast.ResultRow {
	var out []forecast.ResultRow
	for _, r := range rows {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func sameResultRows(t *testing.T, what string, got, want []forecast.ResultRow) {
	t.Helper()
	sameResultRowsTol(t, what, got, want, 0)
}

// sameResultRowsTol compares rows with values equal within a relative tolerance (Excel keeps
// 15 significant digits).
func sameResultRowsTol(t *testing.T, what string, got, want []forecast.ResultRow, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		same := func(a, b float64) bool {
			return a == b || math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) <= tol*math.Abs(b)
		}
		vg, vw := [4]float64{g.Mean, g.P10, g.P50, g.P90}, [4]float64{w.Mean, w.P10, w.P50, w.P90}
		g.Mean, g.P10, g.P50, g.P90, w.Mean, w.P10, w.P50, w.P90 = 0, 0, 0, 0, 0, 0, 0, 0
		if g != w || !same(vg[0], vw[0]) || !same(vg[1], vw[1]) || !same(vg[2], vw[2]) || !same(vg[3], vw[3]) {
			t.Fatalf("%s: row %d is %+v %v, want %+v %v", what, i, g, vg, w, vw)
		}
	}
}

// pageAll follows next_cursor from path and returns every row.
func (ts *testServer) pageAll(key, path string) []forecast.ResultRow {
	ts.t.Helper()
	var all []forecast.ResultRow
	cursor := ""
	for pages := 0; ; pages++ {
		p := path
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		var page ResultsPage
		want(ts.t, ts.do("GET", p, key, nil), http.StatusOK).json(ts.t, &page)
		all = append(all, rowsOf(page.Items)...)
		if page.NextCursor == "" {
			return all
		}
		if pages > 10000 {
			ts.t.Fatal("paging does not end")
		}
		cursor = page.NextCursor
	}
}

func TestResults(t *testing.T) {
	ts := newTestServer(t, true)
	key := ts.key("alpha", store.RoleViewer)
	r := ts.succeededRun(ts.key("alpha", store.RolePlanner), `{"name":"base"}`)
	all := allFake(t, r, 0, 12345)

	got := ts.pageAll(key, "/v1/runs/"+r.ID+"/results?limit=50")
	sameResultRows(t, "all pages", got, all)

	var first ResultsPage
	want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results", key, nil), http.StatusOK).json(t, &first)
	if len(first.Items) != ts.cfg.MaxPageSize || first.NextCursor == "" || first.RunID != r.ID {
		t.Errorf("default page: %d items (want the page-size limit %d), next %q", len(first.Items), ts.cfg.MaxPageSize, first.NextCursor)
	}

	for _, tt := range []struct {
		query string
		keep  func(forecast.ResultRow) bool
	}{
		{"area=E06000002", func(x forecast.ResultRow) bool { return x.AreaCode == "E06000002" }},
		{"year_from=2030&year_to=2031&sex=female,male", func(x forecast.ResultRow) bool {
			return x.Year >= 2030 && x.Year <= 2031 && x.Sex != "all"
		}},
		{"measure=need.*,population&age_band=75%2B", func(x forecast.ResultRow) bool {
			return (x.Measure == "need.dementia" || x.Measure == "population") && x.AgeBand == "75+"
		}},
		{"area=E06000001&measure=service.home_care&year_from=2040&sex=all", func(x forecast.ResultRow) bool {
			return x.AreaCode == "E06000001" && x.Measure == "service.home_care" && x.Year == 2040 && x.Sex == "all"
		}},
	} {
		got := ts.pageAll(key, "/v1/runs/"+r.ID+"/results?limit=7&"+tt.query)
		sameResultRows(t, tt.query, got, filtered(all, tt.keep))
	}
	// An area the results do not hold is a mistake, not an empty selection (TestUnknownFilterValues).
	want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results?area=E09000001", key, nil), http.StatusUnprocessableEntity)

	for _, tt := range []struct {
		query, loc string
	}{
		{"limit=51", "query.limit"},
		{"area=Hartlepool", "query.area"},
		{"sex=persons", "query.sex"},
		{"measure=Need", "query.measure"},
		{"age_band=%3Cscript%3E", "query.age_band"},
		{"year_from=2030&year_to=2029", "query.year_to"},
		{"year_from=1066", "query.year_from"},
		{"cursor=bm9wZQ", "query.cursor"},
		{"cursor=" + encodeResultCursor(1<<40), "query.cursor"},
	} {
		p := want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results?"+tt.query, key, nil), http.StatusUnprocessableEntity).problem(t)
		if len(p.Errors) == 0 || p.Errors[0].Location != tt.loc {
			t.Errorf("%s: problem %+v; want an error at %s", tt.query, p, tt.loc)
		}
	}

	// A run without results: 409; a missing run: 404.
	failed := ts.createScenario(ts.key("alpha", store.RolePlanner), `{"name":"broken","fail":"no"}`)
	fr := ts.waitRun(key, ts.startRun(ts.key("alpha", store.RolePlanner), failed.ID).ID)
	for _, p := range []string{"/results", "/results/export", "/drivers?area=E06000001&year=2030"} {
		want(t, ts.do("GET", "/v1/runs/"+fr.ID+p, key, nil), http.StatusConflict)
		want(t, ts.do("GET", "/v1/runs/run_aaaaaaaaaaaaaaaaaaaaaaaaaa"+p, key, nil), http.StatusNotFound)
	}
	want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results", "", nil), http.StatusUnauthorized)
}

// TestResultsBrokenFile: a result file that cannot be read is an internal error, logged and
// answered without its details.
func TestResultsBrokenFile(t *testing.T) {
	ts := newTestServer(t, true)
	key := ts.key("alpha", store.RolePlanner)
	r := ts.succeededRun(key, `{"name":"base"}`)
	rr, err := ts.st.RunByID(t.Context(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ts.cfg.DataDir+"/"+rr.ResultPath, []byte("PAR1 not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results", key, nil), http.StatusInternalServerError)
	if strings.Contains(string(res.body), "PAR1") || strings.Contains(string(res.body), "corrupt") {
		t.Errorf("internal error reached the client: %s", res.body)
	}
}

func TestExportFormats(t *testing.T) {
	ts := newTestServer(t, true)
	key := ts.key("alpha", store.RoleViewer)
	r := ts.succeededRun(ts.key("alpha", store.RolePlanner), `{"name":"export me"}`)
	all := allFake(t, r, 0, 12345)
	sel := filtered(all, func(x forecast.ResultRow) bool { return x.Year <= 2027 })
	d := datasets.Disclosure{Round: 5, SuppressBelow: 10}
	for _, f := range datasets.ExportFormats {
		for _, disc := range []bool{false, true} {
			q := "?year_to=2027&format=" + string(f)
			exp := sel
			if disc {
				q += "&disclosure=true&round=5&suppress_below=10"
				exp = make([]forecast.ResultRow, len(sel))
				for i, x := range sel {
					exp[i] = d.Apply(x)
				}
			}
			res := want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results/export"+q, key, nil), http.StatusOK)
			if ct := res.header.Get("Content-Type"); ct != f.ContentType() {
				t.Errorf("%s: Content-Type %q, want %q", f, ct, f.ContentType())
			}
			if cd := res.header.Get("Content-Disposition"); cd != `attachment; filename="`+r.ID+`-results`+f.Extension()+`"` {
				t.Errorf("%s: Content-Disposition %q", f, cd)
			}
			var got []forecast.ResultRow
			if err := datasets.ReadExport(t.Context(), f, bytes.NewReader(res.body), 0, func(x forecast.ResultRow) error {
				got = append(got, x)
				return nil
			}); err != nil {
				t.Fatalf("%s: reading the export: %v", f, err)
			}
			if f == datasets.FormatXLSX { // sheet by sheet
				var bySheet []forecast.ResultRow
				for _, fam := range append(append([]string{}, forecast.Families...), "driver") {
					bySheet = append(bySheet, filtered(exp, func(x forecast.ResultRow) bool {
						return forecast.Family(x.Measure) == fam
					})...)
				}
				sameResultRowsTol(t, fmt.Sprintf("%s disclosure=%v", f, disc), got, bySheet, 1e-14)
				continue
			}
			sameResultRows(t, fmt.Sprintf("%s disclosure=%v", f, disc), got, exp)
		}
	}
	// Parquet exports carry the run's provenance.
	res := want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results/export?format=parquet&disclosure=true", key, nil), http.StatusOK)
	rf, err := datasets.OpenResults(bytes.NewReader(res.body), int64(len(res.body)), datasets.ResultOptions{})
	if err != nil {
		t.Fatal(err)
	}
	prov := rf.Provenance()
	if prov.RunID != r.ID || prov.DatasetHashes["population"] != "sha256:0123" || prov.Disclosure == nil ||
		prov.Disclosure.Round != 5 || prov.Disclosure.SuppressBelow != 10 || !strings.Contains(string(prov.Scenario), "export me") {
		t.Errorf("provenance %+v", prov)
	}
	for _, q := range []string{"format=pdf", "round=0&disclosure=true", "suppress_below=-1"} {
		want(t, ts.do("GET", "/v1/runs/"+r.ID+"/results/export?"+q, key, nil), http.StatusUnprocessableEntity)
	}
}

// TestExportLargeBoundedMemory streams a 500,000-row export (about 60 MB of CSV) and samples
// the heap while it does: the heap must not grow with the export.
func TestExportLargeBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("large export")
	}
	const rows = 500000
	ts := newTestServer(t, true, func(c *Config, _ *Deps) { c.RunTimeout = time.Minute })
	key := ts.key("alpha", store.RolePlanner)
	sc := ts.createScenario(key, fmt.Sprintf(`{"name":"big","rows":%d}`, rows))
	r := ts.startRun(key, sc.ID)
	deadline := time.Now().Add(60 * time.Second)
	for r.Status != store.RunSucceeded {
		if time.Now().After(deadline) || r.Status.Final() {
			t.Fatalf("run %s: %s %s", r.ID, r.Status, r.Error)
		}
		time.Sleep(50 * time.Millisecond)
		want(t, ts.do("GET", "/v1/runs/"+r.ID, key, nil), http.StatusOK).json(t, &r)
	}

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				// Live heap, not garbage: other tests of the package leave a large live heap
				// (the default dataset), so garbage alone could exceed any bound before a GC.
				runtime.GC()
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
			}
		}
	}()
	req, _ := http.NewRequest("GET", ts.srv.URL+"/v1/runs/"+r.ID+"/results/export?format=csv&disclosure=true", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := ts.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	close(stop)
	<-sampled
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("export: status %d, %v", res.StatusCode, err)
	}
	growth := int64(peak.Load()) - int64(base)
	t.Logf("exported %d bytes of CSV; peak heap growth %.1f MiB", n, float64(growth)/(1<<20))
	if n < 40<<20 {
		t.Fatalf("export of %d bytes is too small for the test to mean anything", n)
	}
	if growth > 32<<20 {
		t.Errorf("heap grew by %d bytes while streaming %d bytes: memory grows with the export", growth, n)
	}
}

func TestCompare(t *testing.T) {
	ts := newTestServer(t, true)
	planner := ts.key("alpha", store.RolePlanner)
	key := ts.key("alpha", store.RoleViewer)
	sc := ts.createScenario(planner, `{"name":"base"}`)
	start := func(seed int64) Run {
		var r Run
		want(t, ts.do("POST", "/v1/runs", planner, map[string]any{"scenario_id": sc.ID, "seed": seed}), http.StatusAccepted).json(t, &r)
		return ts.waitRun(key, r.ID)
	}
	a, b := start(1), start(3) // values scale by 1.01 and 1.03
	q := "/v1/compare?runs=" + a.ID + "," + b.ID + "&area=E06000002&measure=need.dementia&year_from=2030&limit=50"
	var cmp Comparison
	want(t, ts.do("GET", q, key, nil), http.StatusOK).json(t, &cmp)
	if len(cmp.Items) != 50 || cmp.NextCursor == "" || len(cmp.Runs) != 2 {
		t.Fatalf("compare: %d items, next %q", len(cmp.Items), cmp.NextCursor)
	}
	for _, c := range cmp.Items {
		if c.AreaCode != "E06000002" || c.Measure != "need.dementia" || c.Year < 2030 || len(c.Runs) != 2 {
			t.Fatalf("cell %+v", c)
		}
		base, other := c.Runs[0], c.Runs[1]
		if base.RunID != a.ID || other.RunID != b.ID || *base.Diff != 0 || *base.Ratio != 1 {
			t.Fatalf("cell %+v: base %+v", c, base)
		}
		if math.Abs(*other.Ratio-1.03/1.01) > 1e-12 || math.Abs(*other.Diff-(*other.Mean-*base.Mean)) > 1e-9 {
			t.Errorf("cell %+v: other %+v ratio %v", c, other, *other.Ratio)
		}
	}
	// Following the cursor reaches the end: 11 years × 3 sexes × 2 bands = 66 cells.
	var rest Comparison
	want(t, ts.do("GET", q+"&cursor="+url.QueryEscape(cmp.NextCursor), key, nil), http.StatusOK).json(t, &rest)
	if len(rest.Items) != 16 || rest.NextCursor != "" {
		t.Errorf("second page: %d items, next %q", len(rest.Items), rest.NextCursor)
	}

	// Another organisation's run is not found; a failed run has no results; one run is not a comparison.
	other := ts.succeededRun(ts.key("beta", store.RolePlanner), `{"name":"beta"}`)
	want(t, ts.do("GET", "/v1/compare?runs="+a.ID+","+other.ID, key, nil), http.StatusNotFound)
	failedSc := ts.createScenario(planner, `{"name":"broken","fail":"no"}`)
	failed := ts.waitRun(key, ts.startRun(planner, failedSc.ID).ID)
	want(t, ts.do("GET", "/v1/compare?runs="+a.ID+","+failed.ID, key, nil), http.StatusConflict)
	want(t, ts.do("GET", "/v1/compare?runs="+a.ID, key, nil), http.StatusUnprocessableEntity)
	want(t, ts.do("GET", "/v1/compare?runs="+a.ID+",nope", key, nil), http.StatusUnprocessableEntity)
}

func TestDrivers(t *testing.T) {
	ts := newTestServer(t, true)
	key := ts.key("alpha", store.RoleViewer)
	r := ts.succeededRun(ts.key("alpha", store.RolePlanner), `{"name":"drivers"}`)
	var d Drivers
	want(t, ts.do("GET", "/v1/runs/"+r.ID+"/drivers?area=E06000001&year=2035", key, nil), http.StatusOK).json(t, &d)
	if d.RunID != r.ID || d.AreaCode != "E06000001" || d.AreaName != "Hartlepool" || d.Year != 2035 || len(d.Items) != 6 {
		t.Fatalf("drivers: %+v", d)
	}
	for _, g := range d.Items {
		if g.Measure != "need.dementia" || g.Unit != forecast.UnitPeople || len(g.Parts) != 2 ||
			g.Parts[0].Part != "demography" || g.Parts[1].Part != "prevalence_trend" {
			t.Fatalf("group %+v", g)
		}
		if g.Residual != 0 || math.Abs(g.Parts[0].Mean+g.Parts[1].Mean-g.Total) > 1e-9 {
			t.Errorf("group %+v: parts do not add up to the total", g)
		}
	}
	var one Drivers
	want(t, ts.do("GET", "/v1/runs/"+r.ID+"/drivers?area=E06000001&year=2035&measure=need.dementia&sex=male&age_band=75%2B", key, nil), http.StatusOK).json(t, &one)
	if len(one.Items) != 1 || one.Items[0].Sex != "male" || one.Items[0].AgeBand != "75+" {
		t.Errorf("filtered drivers: %+v", one)
	}
	var none Drivers
	want(t, ts.do("GET", "/v1/runs/"+r.ID+"/drivers?area=E06000001&year=2035&measure=population", key, nil), http.StatusOK).json(t, &none)
	if len(none.Items) != 0 {
		t.Errorf("drivers of a measure without any: %+v", none)
	}
	want(t, ts.do("GET", "/v1/runs/"+r.ID+"/drivers?year=2035", key, nil), http.StatusUnprocessableEntity)
	want(t, ts.do("GET", "/v1/runs/"+r.ID+"/drivers?area=E06000001", key, nil), http.StatusUnprocessableEntity)

	for _, tt := range []struct{ name, measure, part string }{
		{"driver.need.dementia.demography", "need.dementia", "demography"},
		{"driver.population.migration", "population", "migration"},
		{"driver.x", "", ""}, {"driver.need.", "", ""}, {"need.dementia", "", ""},
	} {
		m, p, ok := splitDriver(tt.name)
		if m != tt.measure || p != tt.part || ok != (tt.measure != "") {
			t.Errorf("splitDriver(%q) = %q, %q, %v", tt.name, m, p, ok)
		}
	}
}

// TestResultsIsolation: another organisation's run answers 404 on every results operation,
// exactly as a missing run does, and its numbers never appear.
func TestResultsIsolation(t *testing.T) {
	ts := newTestServer(t, true)
	alpha := ts.succeededRun(ts.key("alpha", store.RolePlanner), `{"name":"alpha secret plan"}`)
	mine := ts.succeededRun(ts.key("beta", store.RolePlanner), `{"name":"beta plan"}`)
	beta := ts.key("beta", store.RoleAdmin)
	for _, p := range []string{
		"/v1/runs/" + alpha.ID + "/results",
		"/v1/runs/" + alpha.ID + "/results?area=E06000001",
		"/v1/runs/" + alpha.ID + "/results/export?format=csv",
		"/v1/runs/" + alpha.ID + "/results/export?format=xlsx&disclosure=true",
		"/v1/runs/" + alpha.ID + "/drivers?area=E06000001&year=2030",
		"/v1/compare?runs=" + alpha.ID + "," + mine.ID,
		"/v1/compare?runs=" + mine.ID + "," + alpha.ID,
	} {
		r := ts.do("GET", p, beta, nil)
		if r.status != http.StatusNotFound {
			t.Errorf("beta GET %s: %d %s", p, r.status, r.body)
		}
		if strings.Contains(string(r.body), "alpha") || strings.Contains(string(r.body), "Hartlepool") {
			t.Errorf("beta GET %s: answer shows alpha's data: %s", p, r.body)
		}
	}
	want(t, ts.do("GET", "/v1/runs/"+alpha.ID+"/results", ts.key("alpha", store.RoleViewer), nil), http.StatusOK)
}

// TestResultsPageJSON: the hand-written encoding of result pages is what encoding/json writes.
func TestResultsPageJSON(t *testing.T) {
	type plain ResultsPage // the same fields without the MarshalJSON method
	p := ResultsPage{RunID: "run_x", NextCursor: "abc", Items: []ResultRow{
		{ScenarioID: "scn", RunID: "run_x", AreaCode: "E06000001", AreaName: `Ynys Môn "<&>" \ tab	end`, Year: 2030,
			Measure: "need.dementia", Unit: "hours per week", Sex: "all", AgeBand: "85+",
			Mean: 1234.5678, P10: 1e-7, P50: 1e21, P90: -0.000001},
		{AreaCode: "E06000002", Mean: 0, P10: 123456789012345680, P50: 5e-324, P90: math.MaxFloat64},
	}}
	got, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(plain(p))
	if !bytes.Equal(got, want) {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	p.NextCursor, p.Items = "", nil
	got, _ = json.Marshal(p)
	if string(got) != `{"run_id":"run_x","items":[]}` {
		t.Errorf("empty page: %s", got)
	}
}
