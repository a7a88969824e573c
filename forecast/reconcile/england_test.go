package reconcile

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast/timeseries"
)

const rawDir = "../../../shared/data/raw" // ../shared/data/raw beside the repository

func readRaw(t testing.TB, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(rawDir, name))
	if os.IsNotExist(err) {
		t.Skipf("the raw public data is not beside the repository (../shared/data/raw): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]string, 0, len(rows)-1)
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = strings.TrimSpace(strings.ReplaceAll(r[i], "\u00a0", " "))
		}
		out = append(out, m)
	}
	return out
}

// englandHierarchy builds districts → counties → regions → England, with unitary authorities,
// metropolitan districts and London boroughs directly under their regions, from the ONS
// population totals mid-2001 to mid-2020 (2021 geography) and the ONS lookups in
// ../shared/data/raw/lookups. It returns the hierarchy and each node's 20 annual values.
func englandHierarchy(t testing.TB) (*Hierarchy, [][]float64) {
	t.Helper()
	pop := map[string][]float64{}
	for _, r := range readRaw(t, "ons_mye/mye_2001_2020_allages_la_2021geog.csv") {
		code := r["code"]
		switch code[:3] {
		case "E92", "E12", "E10", "E06", "E07", "E08", "E09":
		default:
			continue
		}
		y, err := strconv.Atoi(r["year"])
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.ParseFloat(r["population"], 64)
		if err != nil {
			t.Fatal(err)
		}
		if pop[code] == nil {
			pop[code] = make([]float64, 20)
		}
		pop[code][y-2001] = v
	}
	county := map[string]string{}
	for _, r := range readRaw(t, "lookups/lad20_to_county20_england.csv") {
		county[r["LAD20CD"]] = r["CTY20CD"]
	}
	region := map[string]string{
		// Codes created after the 2018 lookup.
		"E06000058": "E12000009", "E06000059": "E12000009", "E07000246": "E12000009",
		"E06000060": "E12000008",
		"E06000061": "E12000004", "E06000062": "E12000004",
		"E07000244": "E12000006", "E07000245": "E12000006",
	}
	for _, r := range readRaw(t, "lookups/lad18_to_region18_england.csv") {
		if _, ok := region[r["LAD18CD"]]; !ok {
			region[r["LAD18CD"]] = r["RGN18CD"]
		}
	}
	var codes []string
	for c := range pop {
		codes = append(codes, c)
	}
	// England, regions, counties, then lower tier, each in code order.
	rank := map[string]int{"E92": 0, "E12": 1, "E10": 2}
	slices.SortFunc(codes, func(a, b string) int {
		ra, okA := rank[a[:3]]
		rb, okB := rank[b[:3]]
		if !okA {
			ra = 3
		}
		if !okB {
			rb = 3
		}
		if ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	countyRegion := map[string]string{}
	nodes := make([]Node, 0, len(codes))
	for _, c := range codes {
		switch c[:3] {
		case "E07":
			cty, ok := county[c]
			if !ok || pop[cty] == nil {
				t.Fatalf("district %s: no county", c)
			}
			if reg := region[c]; countyRegion[cty] == "" {
				countyRegion[cty] = reg
			} else if countyRegion[cty] != reg {
				t.Fatalf("county %s in two regions", cty)
			}
		}
	}
	for _, c := range codes {
		var parent string
		switch c[:3] {
		case "E12":
			parent = "E92000001"
		case "E10":
			parent = countyRegion[c]
		case "E07":
			parent = county[c]
		case "E06", "E08", "E09":
			parent = region[c]
		}
		if c[:3] != "E92" && parent == "" {
			t.Fatalf("%s: no parent", c)
		}
		nodes = append(nodes, Node{ID: c, Parent: parent})
	}
	h, err := NewHierarchy(nodes)
	if err != nil {
		t.Fatal(err)
	}
	y := make([][]float64, len(codes))
	for i, c := range codes {
		y[i] = pop[c]
	}
	return h, y
}

// TestMinTEnglandPopulation reconciles forecasts of England's population hierarchy (England,
// 9 regions, 24 counties, 309 lower-tier authorities; 2001–2015 observed, 2016–2020 held
// out): the observed totals must be coherent in the hierarchy as built, the MinT (shrinkage)
// forecasts must add up exactly, and their mean MASE over all 343 series must not exceed that
// of the base ETS forecasts.
func TestMinTEnglandPopulation(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 343 series")
	}
	h, y := englandHierarchy(t)
	if h.Len() != 343 || len(h.Bottom()) != 309 {
		t.Fatalf("%d nodes, %d bottom", h.Len(), len(h.Bottom()))
	}
	if d := h.MaxIncoherence(y); d != 0 {
		t.Fatalf("observed totals incoherent by %g: the hierarchy is wrong", d)
	}
	const train, horizon = 15, 5
	base := make([][]float64, h.Len())
	resid := make([][]float64, h.Len())
	for i, s := range y {
		m, err := timeseries.Fit(s[:train], timeseries.ETS, timeseries.Options{})
		if err != nil {
			t.Fatal(err)
		}
		base[i] = m.Forecast(horizon, nil).Mean
		resid[i] = m.Residuals()
	}
	mint, lambda, err := h.MinTShrink(base, resid)
	if err != nil {
		t.Fatal(err)
	}
	if d := h.MaxIncoherence(mint); d > 1e-9*y[0][19] {
		t.Errorf("MinT forecasts incoherent by %g", d)
	}
	bu := h.BottomUp(base)
	levels := map[string]string{"E92": "England", "E12": "regions", "E10": "counties"}
	type acc struct {
		base, mint, bu float64
		n              int
	}
	byLevel := map[string]*acc{}
	all := &acc{}
	for i, id := range h.IDs() {
		lv := levels[id[:3]]
		if lv == "" {
			lv = "lower tier"
		}
		if byLevel[lv] == nil {
			byLevel[lv] = &acc{}
		}
		test := y[i][train:]
		for _, a := range []*acc{byLevel[lv], all} {
			a.base += timeseries.MASE(y[i][:train], test, base[i], 1)
			a.mint += timeseries.MASE(y[i][:train], test, mint[i], 1)
			a.bu += timeseries.MASE(y[i][:train], test, bu[i], 1)
			a.n++
		}
	}
	var report strings.Builder
	fmt.Fprintf(&report, "shrinkage lambda %.4f\n| level | series | base ETS | MinT (shrink) | bottom-up |\n|---|---|---|---|---|\n", lambda)
	for _, lv := range []string{"England", "regions", "counties", "lower tier"} {
		a := byLevel[lv]
		fmt.Fprintf(&report, "| %s | %d | %.3f | %.3f | %.3f |\n", lv, a.n, a.base/float64(a.n), a.mint/float64(a.n), a.bu/float64(a.n))
	}
	n := float64(all.n)
	fmt.Fprintf(&report, "| all | %d | %.3f | %.3f | %.3f |\n", all.n, all.base/n, all.mint/n, all.bu/n)
	t.Log("mean MASE, 2016–2020 (train 2001–2015)\n" + report.String())
	if all.mint > all.base {
		t.Errorf("MinT mean MASE %.4f above base %.4f", all.mint/n, all.base/n)
	}
}

// BenchmarkMinTShrink reconciles 5-year forecasts of England's 343-series population
// hierarchy (random base forecasts and residuals of the right shape, seeded).
func BenchmarkMinTShrink(b *testing.B) {
	h, y := englandHierarchy(b)
	rng := rand.New(rand.NewPCG(1, 2))
	base := make([][]float64, h.Len())
	resid := make([][]float64, h.Len())
	for i := range base {
		base[i] = make([]float64, 5)
		for j := range base[i] {
			base[i][j] = y[i][19] * (1 + 0.01*rng.NormFloat64())
		}
		resid[i] = make([]float64, 15)
		for j := range resid[i] {
			resid[i][j] = y[i][0] * 0.005 * rng.NormFloat64()
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := h.MinTShrink(base, resid); err != nil {
			b.Fatal(err)
		}
	}
}
