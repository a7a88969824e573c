package service_test

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast/backtest"
	"github.com/carecast/carecast/service"
)

// TestAccuracyLine checks the accuracy sentence's numbers against the back-test reports: the
// 2018 contest's metropolitan districts (people 65+, mid-2022, four years after the origin),
// scored by backtest.Summarize, and the history back-test's own score of residential and
// nursing care five years ahead (HistoryReport.Score, both services together).
func TestAccuracyLine(t *testing.T) {
	c, err := service.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	acc, err := c.Accuracy(ctx, leeds)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(acc.Sentence)
	rep, svc, err := c.Backtests()
	if err != nil {
		t.Fatal(err)
	}
	metro := map[string]bool{}
	for _, a := range c.Inputs.Areas {
		if a.Type == "metropolitan_district" {
			metro[a.Code] = true
		}
	}
	var rows []backtest.Row
	for _, r := range rep.Contest2018.Rows {
		if metro[r.Area] && r.AgeBand == "65+" && r.Year == 2022 && r.Level == backtest.LevelDistrict {
			rows = append(rows, r)
		}
	}
	sums := backtest.Summarize(rows, backtest.Pooled)
	if len(sums) != 1 || sums[0].Ours.N != 36 {
		t.Fatalf("contest summaries of metropolitan districts: %+v", sums)
	}
	pop := sums[0].Ours
	hist, ok := svc.History.Score("", 5, backtest.HistoryCarecast)
	if !ok {
		t.Fatal("no history score at 5 years")
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	if acc.PopN != pop.N || !close(acc.PopMedian, pop.MedianAPE) || !close(acc.PopP90, pop.P90APE) {
		t.Errorf("population part %d %g %g, report %d %g %g", acc.PopN, acc.PopMedian, acc.PopP90, pop.N, pop.MedianAPE, pop.P90APE)
	}
	if !acc.HasServices || acc.CareHomeN != hist.N || !close(acc.CareHomeMedian, hist.MedianAPE) || !close(acc.CareHomeP90, hist.P90APE) {
		t.Errorf("care-home part %d %g %g, report %d %g %g", acc.CareHomeN, acc.CareHomeMedian, acc.CareHomeP90, hist.N, hist.MedianAPE, hist.P90APE)
	}
	for _, want := range []string{"made four years ahead", "metropolitan districts", words(pop.MedianAPE), "9 in 10 within " + words(pop.P90APE),
		"five years ahead, within " + words(hist.MedianAPE)} {
		if !strings.Contains(acc.Sentence, want) {
			t.Errorf("sentence %q lacks %q", acc.Sentence, want)
		}
	}

	// A county is compared with the districts of county councils; a region has no line.
	cty, err := c.Accuracy(ctx, "E10000034") // Worcestershire
	if err != nil || cty.Group != "districts of county councils" || cty.PopN < 100 {
		t.Errorf("Worcestershire: %+v, %v", cty, err)
	}
	if _, err := c.Accuracy(ctx, "E12000003"); !errors.Is(err, service.ErrNoAccuracy) {
		t.Errorf("a region: %v", err)
	}
}

// words formats a percentage as the sentence does (one decimal below 10%).
func words(p float64) string {
	if p < 9.95 {
		return strings.TrimSuffix(strconvF(p), ".0") + "%"
	}
	return strconvF0(p) + "%"
}

func strconvF(p float64) string  { return strconv.FormatFloat(p, 'f', 1, 64) }
func strconvF0(p float64) string { return strconv.FormatFloat(p, 'f', 0, 64) }
