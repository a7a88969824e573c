package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/transparency"
)

// fakeTransparency builds the record on the fake back-tests, with one dataset card.
type fakeTransparency struct{ err error }

func (f fakeTransparency) DatasetCards() ([]transparency.DatasetCard, error) {
	return []transparency.DatasetCard{{Name: "population", Holds: "people", Publisher: "ONS", Edition: "mid-2022", Licence: "OGL v3",
		Attribution: "Contains public sector information", SourceURL: "https://www.ons.gov.uk/", DataYears: "2011-2022", Rows: 1,
		Sources: []string{"ONS"}, Files: []transparency.DatasetFile{{File: "population.parquet", Bytes: 10, ContentHash: "sha256:00", Rows: 1}},
		Converter: "reshapes", Quirks: []string{}, IntendedUse: "base populations"}}, f.err
}

func (f fakeTransparency) Transparency(_ context.Context, version string) (*transparency.Record, error) {
	cards, err := f.DatasetCards()
	if err != nil {
		return nil, err
	}
	return transparency.Build(transparency.Inputs{Version: version, Population: fakeBacktest(), Services: fakeServices(), Datasets: cards})
}

func withTransparency(src TransparencySource) serverOpt {
	return func(_ *Config, d *Deps) { d.Transparency = src }
}

func TestTransparency(t *testing.T) {
	ts := newTestServer(t, true, withTransparency(fakeTransparency{}))
	viewer := ts.key("alpha", store.RoleViewer)
	for _, p := range []string{"/v1/transparency", "/v1/datasets/cards", "/v1/datasets/cards/population"} {
		want(t, ts.do(http.MethodGet, p, "", nil), http.StatusUnauthorized)
	}
	var rec transparency.Record
	want(t, ts.do(http.MethodGet, "/v1/transparency", viewer, nil), http.StatusOK).json(t, &rec)
	if rec.StandardVersion != "3.0" || rec.Tool != "carecast test" || rec.Tier1.Name != "carecast" || len(rec.ToBeCompleted) == 0 ||
		rec.Tier1.ContactEmail != transparency.ToBeCompleted || len(rec.DatasetCards) != 1 {
		t.Errorf("record: %+v", rec)
	}
	var cards []transparency.DatasetCard
	want(t, ts.do(http.MethodGet, "/v1/datasets/cards", viewer, nil), http.StatusOK).json(t, &cards)
	if len(cards) != 1 || cards[0].Licence != "OGL v3" {
		t.Errorf("cards: %+v", cards)
	}
	var card transparency.DatasetCard
	want(t, ts.do(http.MethodGet, "/v1/datasets/cards/population", viewer, nil), http.StatusOK).json(t, &card)
	if card.Name != "population" || card.SourceURL == "" {
		t.Errorf("card: %+v", card)
	}
	if p := want(t, ts.do(http.MethodGet, "/v1/datasets/cards/supply", viewer, nil), http.StatusNotFound).problem(t); p.Detail != "no built-in dataset supply" {
		t.Errorf("404: %+v", p)
	}
	want(t, ts.do(http.MethodGet, "/v1/datasets/cards/No-Such", viewer, nil), http.StatusUnprocessableEntity)
	// The built-in datasets' own routes still answer beside the cards'.
	want(t, ts.do(http.MethodGet, "/v1/datasets/builtin_population", viewer, nil), http.StatusOK)
}

func TestTransparencyUnavailable(t *testing.T) {
	ts := newTestServer(t, false)
	for _, p := range []string{"/v1/transparency", "/v1/datasets/cards", "/v1/datasets/cards/population"} {
		want(t, ts.do(http.MethodGet, p, "", nil), http.StatusServiceUnavailable)
	}
	// An internal failure is a 500 that does not tell the client its message.
	ts = newTestServer(t, false, withTransparency(fakeTransparency{err: errors.New("secret path /x/y")}))
	if r := want(t, ts.do(http.MethodGet, "/v1/transparency", "", nil), http.StatusInternalServerError); len(r.body) == 0 ||
		strings.Contains(string(r.body), "secret path") {
		t.Errorf("500 body: %s", r.body)
	}
}

// TestTransparencyDefaultData serves the record of the embedded default data, as carecast
// serve does, beside the back-test report: the record's numbers are the report's.
func TestTransparencyDefaultData(t *testing.T) {
	b, err := defaultdata.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, err := service.Default()
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, false, withBacktest(BundleBacktest(b)), withTransparency(c))
	var rec transparency.Record
	want(t, ts.do(http.MethodGet, "/v1/transparency", "", nil), http.StatusOK).json(t, &rec)
	var rep BacktestReport
	want(t, ts.do(http.MethodGet, "/v1/backtest?level=council", "", nil), http.StatusOK).json(t, &rep)
	pop := rec.Tier2.ToolSpecification.ModelSpecification[0].ModelPerformance
	if rep.Contest2018 == nil || pop.Contest2018 == nil || len(pop.Contest2018.Scores) != len(rep.Contest2018.Scores) {
		t.Fatalf("contest 2018: record %+v, back-test %+v", pop.Contest2018, rep.Contest2018)
	}
	same := func(name string, a, b *float64) {
		t.Helper()
		if (a == nil) != (b == nil) || a != nil && *a != *b {
			t.Errorf("%s: record %v, back-test %v", name, a, b)
		}
	}
	for i, s := range pop.Contest2018.Scores {
		w := rep.Contest2018.Scores[i]
		if s.Year != w.Year || s.AgeBand != w.AgeBand || s.Carecast.N != w.Carecast.N {
			t.Errorf("score %d: %d %s, back-test %d %s", i, s.Year, s.AgeBand, w.Year, w.AgeBand)
		}
		same("carecast MAPE", s.Carecast.MAPE, w.Carecast.MAPE)
		same("carecast bias", s.Carecast.Bias, w.Carecast.Bias)
		same("ONS MAPE", s.ONS.MAPE, w.ONS.MAPE)
		same("ONS P90", s.ONS.P90APE, w.ONS.P90APE)
		same("no change MAPE", s.NoChange.MAPE, w.NoChange.MAPE)
	}
	if pop.Contest2018.Benchmark != rep.Contest2018.BenchmarkName || pop.Contest2018.Method != rep.Contest2018.Method {
		t.Errorf("benchmark %q method %q; back-test %q %q", pop.Contest2018.Benchmark, pop.Contest2018.Method, rep.Contest2018.BenchmarkName, rep.Contest2018.Method)
	}
	same("2016 carecast", pop.Contest2016.Carecast.MAPE, rep.Headline.Ours.MAPE)
	same("2016 ONS", pop.Contest2016.Benchmark.MAPE, rep.Headline.Benchmark.MAPE)
	// The service model leads with the history back-test, the method the engine uses.
	svc := rec.Tier2.ToolSpecification.ModelSpecification[2].ModelPerformance.Services
	found := false
	for _, s := range rep.ServiceHistory.Scores {
		if s.Service == "" && s.Horizon == 0 && s.Method == "carecast" {
			found = true
			if svc == nil || svc.Backtest != "service-history" || svc.Carecast.N != s.Scores.N {
				t.Fatalf("services: record %+v, back-test %+v", svc, s)
			}
			same("services MAPE", svc.Carecast.MAPE, s.Scores.MAPE)
			same("services bias", svc.Carecast.Bias, s.Scores.Bias)
		}
		if s.Service == "" && s.Horizon == 0 && s.Method == "no change" && svc != nil {
			same("no change MAPE", svc.Benchmark.MAPE, s.Scores.MAPE)
		}
	}
	if !found {
		t.Error("the back-test has no pooled service summary")
	}
	var cards []transparency.DatasetCard
	want(t, ts.do(http.MethodGet, "/v1/datasets/cards", "", nil), http.StatusOK).json(t, &cards)
	if len(cards) != len(rec.DatasetCards) || len(cards) < 15 {
		t.Errorf("%d cards, %d in the record", len(cards), len(rec.DatasetCards))
	}
}
