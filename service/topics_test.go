package service

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// TestTopicsReproducePOPPI checks that POPPI's own rates × carecast's mid-2018 estimates (the
// sum of West Sussex's seven districts) give the counts the POPPI site printed for West Sussex
// (E10000032) at 2018, within 2%. The POPPI figures are those quoted from the POPPI site in
// psychty/Projecting-Health "Projecting older peoples multi morbidity and dependency.R" line 61
// (../shared/data/PROVENANCE.md §16, source 3), rounded to the nearest 100 as POPPI prints them.
//
// Severe hearing loss is left out of the 2% check: West Sussex's mapping of Davis's bands onto
// POPPI's (65-69, 70-79, 80+) gives 8% more than POPPI's 16,200 (PROVENANCE §16), so the test
// only checks that the gap is still that one. PANSI v7's West Sussex 2012 counts cannot be
// checked: carecast holds no mid-2012 estimate (its estimates are 2011, 2018, 2020, 2021, 2022).
func TestTopicsReproducePOPPI(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	const westSussex = "E10000032"
	total := func(topic string) float64 {
		tab, err := c.TopicTable(topic, []string{westSussex}, 2018, 2018)
		if err != nil {
			t.Fatal(err)
		}
		var n float64
		for _, r := range tab.Rows {
			if r.Sex != "all" {
				continue
			}
			if r.PopulationSource != "estimate" {
				t.Fatalf("%s %d %s: population from the %s", topic, r.Year, r.Band, r.PopulationSource)
			}
			if r.Count == nil {
				t.Fatalf("%s %s: no count (%s)", topic, r.Band, r.Note)
			}
			n += *r.Count
		}
		return n
	}
	for _, tc := range []struct {
		topic string
		poppi float64
	}{
		{"falls", 52700},
		{"bladder_incontinence_weekly_or_more", 32500},
		{"registrable_eye_conditions", 5900},
		{"dementia_dementia_uk_2014", 14600}, // 90+ from the 90-94 and 95+ rates weighted by England's people at 90-105+
	} {
		got := total(tc.topic)
		diff := got/tc.poppi - 1
		t.Logf("%-38s carecast %8.0f  POPPI %6.0f  %+5.1f%%", tc.topic, got, tc.poppi, 100*diff)
		if math.Abs(diff) > 0.02 {
			t.Errorf("%s: carecast %.0f against POPPI's %.0f (%+.1f%%), more than 2%% apart", tc.topic, got, tc.poppi, 100*diff)
		}
	}
	got := total("hearing_severe_loss")
	diff := got/16200 - 1
	t.Logf("%-38s carecast %8.0f  POPPI %6.0f  %+5.1f%% (known band-mapping gap)", "hearing_severe_loss", got, 16200.0, 100*diff)
	if diff < 0.05 || diff > 0.11 {
		t.Errorf("severe hearing loss: carecast %.0f against POPPI's 16,200 (%+.1f%%): the known +8%% gap has changed", got, 100*diff)
	}
}

// Topics feed the engine like any need measure: a scenario that names topic_falls in its
// prevalence list gets need.topic_falls, and West Sussex's people 65+ who fell in 2018 (the base
// year, the mid-2018 estimate) are the topic table's count; a scenario that names no topic has no
// topic measure.
func TestTopicsAsNeedMeasures(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	const westSussex = "E10000032"
	tab, err := c.TopicTable("falls", []string{westSussex}, 2018, 2018)
	if err != nil {
		t.Fatal(err)
	}
	var want float64
	for _, r := range tab.Rows {
		if r.Sex == "all" && r.Count != nil {
			want += *r.Count
		}
	}
	run := func(prev []forecast.PrevalenceSpec) map[string]float64 {
		sc := forecast.Scenario{Name: "t", Areas: []string{westSussex}, BaseYear: 2018, Horizon: 2020, Prevalence: prev}
		r, err := c.Engine.Run(context.Background(), sc, engine.RunOptions{NoDrivers: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for row := range r.Rows() {
			if row.AreaCode == westSussex && row.Year == 2018 && row.Sex == "all" && strings.HasPrefix(row.Measure, "need.topic_") {
				out[row.Measure+"|"+row.AgeBand] = row.Mean
			}
		}
		return out
	}
	if got := run(nil); len(got) != 0 {
		t.Errorf("a scenario naming no topic has topic measures: %v", got)
	}
	got := run([]forecast.PrevalenceSpec{{Measure: TopicMeasure("falls")}})
	if v, ok := got["need.topic_falls|65+"]; !ok || math.Abs(v/want-1) > 1e-9 {
		t.Errorf("need.topic_falls 65+ in 2018: %v (%v), want the topic table's %.1f (POPPI 52,700)", v, got, want)
	}
}
