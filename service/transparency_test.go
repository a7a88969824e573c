package service

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/forecast/backtest"
	"github.com/carecast/carecast/transparency"
)

// TestEveryBuiltinDatasetHasACard checks that every Parquet file of the embedded default data
// is on a dataset card whose licence, attribution, publisher, source and the rest are filled,
// with the file's rows and content hash: a new built-in file without provenance fails here.
func TestEveryBuiltinDatasetHasACard(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	cards, err := c.DatasetCards()
	if err != nil {
		t.Fatal(err)
	}
	onCard := map[string]transparency.DatasetFile{}
	names := map[string]bool{}
	for _, k := range cards {
		if names[k.Name] {
			t.Errorf("two cards named %s", k.Name)
		}
		names[k.Name] = true
		for field, v := range map[string]string{"holds": k.Holds, "publisher": k.Publisher, "edition": k.Edition, "licence": k.Licence,
			"attribution": k.Attribution, "source_url": k.SourceURL, "data_years": k.DataYears, "converter": k.Converter, "intended_use": k.IntendedUse} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("card %s: no %s", k.Name, field)
			}
		}
		if !strings.Contains(k.Licence, "Open Government Licence v3.0") || !strings.HasPrefix(k.SourceURL, "https://") || len(k.Sources) == 0 {
			t.Errorf("card %s: licence %q, source %q, publications %v", k.Name, k.Licence, k.SourceURL, k.Sources)
		}
		var rows int64
		for _, f := range k.Files {
			onCard[f.File] = f
			rows += f.Rows
			if f.Rows <= 0 || f.Bytes <= 0 || !strings.HasPrefix(f.ContentHash, "sha256:") || len(f.ContentHash) != len("sha256:")+64 {
				t.Errorf("card %s: file %+v", k.Name, f)
			}
		}
		if rows != k.Rows || rows == 0 {
			t.Errorf("card %s: %d rows, its files %d", k.Name, k.Rows, rows)
		}
	}
	files, err := fs.Glob(defaultdata.FS(), "*.parquet")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := fs.Glob(defaultdata.FS(), "projections/*.parquet")
	files = append(files, more...)
	if len(files) < 25 {
		t.Fatalf("%d built-in files", len(files))
	}
	for _, f := range files {
		if _, ok := onCard[f]; !ok {
			t.Errorf("built-in file %s is on no dataset card", f)
		}
		matched := false
		for _, p := range defaultdata.Provenances() {
			if ok, _ := path.Match(p.Files, f); ok {
				matched = true
			}
		}
		if !matched {
			t.Errorf("built-in file %s has no provenance (defaultdata.Provenances)", f)
		}
	}
	if len(onCard) != len(files) {
		t.Errorf("%d files on the cards, %d built in", len(onCard), len(files))
	}
	// The card's figures are the data's.
	for _, k := range cards {
		if k.Name == "population" && (k.Rows != int64(len(c.Bundle.Population)) || k.YearFrom != 2001 || !slices.Contains(k.Sources, "ONS NPP 2018")) {
			t.Errorf("population card: %d rows (data %d), from %d, %v", k.Rows, len(c.Bundle.Population), k.YearFrom, k.Sources)
		}
	}
}

// TestTransparencyDefaultData builds the record on the default data: its back-test numbers
// are the back-test reports' own, and its data section has every dataset card.
func TestTransparencyDefaultData(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.Transparency(t.Context(), "v-test")
	if err != nil {
		t.Fatal(err)
	}
	rep, svc, err := c.Backtests()
	if err != nil {
		t.Fatal(err)
	}
	cards, _ := c.DatasetCards()
	ts := rec.Tier2.ToolSpecification
	if rec.Tool != "carecast v-test" || len(rec.DatasetCards) != len(cards) || len(ts.DataSpecification) != len(cards) {
		t.Fatalf("tool %q, %d cards (want %d), %d data specifications", rec.Tool, len(rec.DatasetCards), len(cards), len(ts.DataSpecification))
	}
	for i, d := range ts.DataSpecification {
		if d.DatasetCard != cards[i].Name {
			t.Errorf("data specification %d names card %q, want %q", i, d.DatasetCard, cards[i].Name)
		}
	}
	k := ts.ModelSpecification[0].ModelPerformance.Contest2018
	if rep.Contest2018 == nil || k == nil || len(k.Scores) != len(rep.Contest2018.Scores) || len(k.Scores) != 12 {
		t.Fatalf("contest 2018: record %+v", k)
	}
	for i, s := range k.Scores {
		w := rep.Contest2018.Scores[i]
		if s.Carecast.N != 296 || *s.Carecast.MAPE != w.Carecast.MAPE || *s.ONS.MAPE != w.ONS.MAPE || *s.NoChange.MAPE != w.Same.MAPE ||
			*s.Carecast.Bias != w.Carecast.Bias || *s.ONS.MedianAPE != w.ONS.MedianAPE {
			t.Errorf("contest 2018 score %d: record %+v, report %+v", i, s, w)
		}
	}
	head, _ := rep.Summary(backtest.Headline)
	if got := ts.ModelSpecification[0].ModelPerformance.Contest2016; *got.Carecast.MAPE != head.Ours.MAPE || *got.Benchmark.MAPE != head.Benchmark.MAPE {
		t.Errorf("contest 2016: %+v, report %+v", got, head)
	}
	// The service model leads with the history back-test (the method the engine uses).
	ours, _ := svc.History.Score("", 0, backtest.HistoryCarecast)
	same, _ := svc.History.Score("", 0, backtest.HistoryNoChange)
	if got := ts.ModelSpecification[2].ModelPerformance.Services; got == nil || got.Backtest != backtest.HistoryBacktest || got.Carecast.N != ours.N ||
		*got.Carecast.MAPE != ours.MAPE || *got.Benchmark.MAPE != same.MAPE {
		t.Errorf("services: %+v, report %+v against %+v", got, ours, same)
	}
}
