package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast/engine"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// realEngine is the engine of carecast on the embedded default data, as the server runs it
// (service.Default: with the error models fitted on the data's own back-tests).
func realEngine() (*engine.Engine, error) {
	c, err := service.Default()
	if err != nil {
		return nil, err
	}
	return c.Engine, nil
}

// defaultCarecast is carecast on the default data, as the server runs it.
func defaultCarecast(t *testing.T) *service.Carecast {
	t.Helper()
	cc, err := service.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cc
}

func withEngine(t *testing.T) serverOpt {
	cc, err := service.Default()
	if err != nil {
		t.Fatal(err)
	}
	return func(_ *Config, d *Deps) {
		d.Areas = cc.Inputs.Areas
		d.Projector = cc
		d.Neighbours = cc
	}
}

func TestAreas(t *testing.T) {
	ts := newTestServer(t, true, withEngine(t))
	key := ts.key("alpha", store.RoleViewer)
	var areas []Area
	want(t, ts.do(http.MethodGet, "/v1/areas?q=sheff", key, nil), http.StatusOK).json(t, &areas)
	if len(areas) != 1 || areas[0].Code != "E08000019" || !areas[0].Council {
		t.Fatalf("search sheff: %+v", areas)
	}
	// Names are found as people type them: ONS spells it "St. Helens".
	for _, q := range []string{"St%20Helens", "st.%20helens", "saint%20helens", "E08000013"} {
		want(t, ts.do(http.MethodGet, "/v1/areas?q="+q, key, nil), http.StatusOK).json(t, &areas)
		if len(areas) != 1 || areas[0].Code != "E08000013" || areas[0].Name != "St. Helens" {
			t.Errorf("search %s: %+v", q, areas)
		}
	}
	// "Kingston" finds both Kingstons, and nothing else in force.
	want(t, ts.do(http.MethodGet, "/v1/areas?q=Kingston", key, nil), http.StatusOK).json(t, &areas)
	var kingstons []string
	for _, a := range areas {
		kingstons = append(kingstons, a.Name)
	}
	if !slices.Equal(kingstons, []string{"Kingston upon Hull, City of", "Kingston upon Thames"}) {
		t.Errorf("search Kingston: %q", kingstons)
	}
	want(t, ts.do(http.MethodGet, "/v1/areas?q=stockton%20on%20tees", key, nil), http.StatusOK).json(t, &areas)
	if len(areas) != 1 || areas[0].Code != "E06000004" {
		t.Errorf("search stockton on tees: %+v", areas)
	}
	want(t, ts.do(http.MethodGet, "/v1/areas?type=council", key, nil), http.StatusOK).json(t, &areas)
	// April 2023 geography: 153 councils with social services responsibilities.
	if len(areas) != 153 {
		t.Fatalf("%d councils, want 153", len(areas))
	}
	want(t, ts.do(http.MethodGet, "/v1/areas?type=region", key, nil), http.StatusOK).json(t, &areas)
	if len(areas) != 9 {
		t.Fatalf("%d regions", len(areas))
	}
	want(t, ts.do(http.MethodGet, "/v1/areas?parent=E10000014", key, nil), http.StatusOK).json(t, &areas)
	if len(areas) != 13 { // Hampshire's 11 districts… and the count is checked against the lookup below
		var n int
		for _, a := range ts.svc.deps.Areas {
			if a.Parent == "E10000014" && a.ValidTo == "" {
				n++
			}
		}
		if len(areas) != n {
			t.Fatalf("%d districts under Hampshire, lookup has %d", len(areas), n)
		}
	}
	var d AreaDetail
	want(t, ts.do(http.MethodGet, "/v1/areas/E06000058", key, nil), http.StatusOK).json(t, &d)
	if d.Name != "Bournemouth, Christchurch and Poole" || len(d.Predecessors) != 3 || len(d.Ancestors) != 2 || d.Ancestors[1].Code != "E92000001" {
		t.Fatalf("BCP: %+v", d)
	}
	// Deprivation: Hartlepool's published IoD 2019 figures (File 11: IMD average score 35.037,
	// IDAOPI 0.228); Cumberland, formed in 2023, has a score from its districts and no IDAOPI.
	want(t, ts.do(http.MethodGet, "/v1/areas/E06000001", key, nil), http.StatusOK).json(t, &d)
	fig := map[string]DeprivationFigure{}
	for _, f := range d.Deprivation {
		fig[f.Measure] = f
	}
	if f := fig["imd_average_score"]; f.Value == nil || *f.Value != 35.037 || f.Method != "published" {
		t.Errorf("Hartlepool IMD: %+v", f)
	}
	if f := fig["idaopi_average_score"]; f.Value == nil || *f.Value != 0.228 {
		t.Errorf("Hartlepool IDAOPI: %+v", f)
	}
	want(t, ts.do(http.MethodGet, "/v1/areas/E06000063", key, nil), http.StatusOK).json(t, &d)
	fig = map[string]DeprivationFigure{}
	for _, f := range d.Deprivation {
		fig[f.Measure] = f
	}
	if f := fig["imd_average_score"]; f.Value == nil || *f.Value < 10 || *f.Value > 40 || !strings.Contains(f.Method, "districts") {
		t.Errorf("Cumberland IMD: %+v", f)
	}
	if f := fig["idaopi_average_score"]; f.Value != nil || !strings.Contains(f.Note, "before Cumberland was formed") {
		t.Errorf("Cumberland IDAOPI: %+v", f)
	}
	want(t, ts.do(http.MethodGet, "/v1/areas/E06999999", key, nil), http.StatusNotFound)
	want(t, ts.do(http.MethodGet, "/v1/areas/nonsense", key, nil), http.StatusUnprocessableEntity)
	want(t, ts.do(http.MethodGet, "/v1/areas", "", nil), http.StatusUnauthorized)
}

func TestBaseline(t *testing.T) {
	ts := newTestServer(t, true, withEngine(t))
	key := ts.key("beta", store.RoleViewer)
	var rows []ResultRow
	want(t, ts.do(http.MethodGet, "/v1/areas/E06000001/baseline?to=2030&measure=population&sex=all&age_band=all", key, nil), http.StatusOK).json(t, &rows)
	if len(rows) != 9 || rows[0].Year != 2022 || rows[0].AreaCode != "E06000001" { // 2022 (the default base year) to 2030
		t.Fatalf("got %d rows: %+v", len(rows), rows)
	}
	// The base year is the mid-2022 estimate itself: Hartlepool 93,861 (ONS mid-2022, 2023 geography).
	e, _ := realEngine()
	var want2022 float64
	for s := range 2 {
		for _, v := range e.Inputs().Estimates["E06000001"][2022][s] {
			want2022 += v
		}
	}
	if rows[0].Mean != want2022 || want2022 != 93861 || rows[0].P10 != rows[0].Mean {
		t.Fatalf("2022 population %v, estimate %v, ONS 93,861", rows[0].Mean, want2022)
	}
	// The same question again comes from the cache: identical rows.
	var again []ResultRow
	want(t, ts.do(http.MethodGet, "/v1/areas/E06000001/baseline?to=2030&measure=population&sex=all&age_band=all", key, nil), http.StatusOK).json(t, &again)
	for i := range rows {
		if rows[i] != again[i] {
			t.Fatalf("row %d differs: %+v vs %+v", i, rows[i], again[i])
		}
	}
	want(t, ts.do(http.MethodGet, "/v1/areas/E06000001/baseline?from=2030&to=2025", key, nil), http.StatusUnprocessableEntity)
	want(t, ts.do(http.MethodGet, "/v1/areas/E06999999/baseline", key, nil), http.StatusNotFound)
	r := want(t, ts.do(http.MethodGet, "/v1/areas/E06000001/baseline?from=2023", key, nil), http.StatusUnprocessableEntity)
	if p := r.problem(t); p.Detail == "" {
		t.Fatalf("a base year without estimates should say why: %+v", p)
	}
}

// TestAreaNeighbours checks GET /v1/areas/{code}/neighbours against service.Carecast.Neighbours:
// the same councils in the same order with their distances; refusals of districts, unknown
// codes and a k out of range.
func TestAreaNeighbours(t *testing.T) {
	ts := newTestServer(t, true, withEngine(t))
	key := ts.key("alpha", store.RoleViewer)
	var got AreaNeighbours
	want(t, ts.do(http.MethodGet, "/v1/areas/E08000035/neighbours", key, nil), http.StatusOK).json(t, &got)
	set, err := defaultCarecast(t).Neighbours("E08000035", 10)
	if err != nil {
		t.Fatal(err)
	}
	if got.Area.Name != "Leeds" || len(got.Neighbours) != 10 || got.BaseYear != 2022 || !strings.Contains(got.Method, "rurality") {
		t.Fatalf("Leeds: %+v", got)
	}
	for i, n := range got.Neighbours {
		if n.Code != set.Neighbours[i].Code || n.Distance != set.Neighbours[i].Distance || n.Rank != i+1 || !n.Council {
			t.Errorf("neighbour %d: %+v, want %s at %g", i, n, set.Neighbours[i].Code, set.Neighbours[i].Distance)
		}
		if n.Features.IDAOPI == nil || n.Features.Share65 != set.Neighbours[i].Values[0] {
			t.Errorf("neighbour %d features %+v", i, n.Features)
		}
	}
	want(t, ts.do(http.MethodGet, "/v1/areas/E06000065/neighbours?k=15", key, nil), http.StatusOK).json(t, &got)
	if len(got.Neighbours) != 15 || got.Features.IDAOPI != nil || len(got.Missing) != 1 || len(got.Neighbours[0].Compared) != 4 {
		t.Errorf("North Yorkshire: %+v", got)
	}
	want(t, ts.do(http.MethodGet, "/v1/areas/E07000163/neighbours", key, nil), http.StatusUnprocessableEntity)
	want(t, ts.do(http.MethodGet, "/v1/areas/E06999999/neighbours", key, nil), http.StatusNotFound)
	want(t, ts.do(http.MethodGet, "/v1/areas/E08000035/neighbours?k=31", key, nil), http.StatusUnprocessableEntity)
}
