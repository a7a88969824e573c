package datasets

import (
	"strings"
	"testing"
)

// validHistory is a council's residential care in two financial years either side of the
// 2014-15 definition break, and its home-care hours (all ages) in the first.
func validHistory() []ActivityHistory {
	return []ActivityHistory{
		{AreaCode: "E06000001", Year: 2013, Service: "home_care", AgeBand: "18+", Provision: "external", Measure: "hours", Definition: DefinitionPSSEX1, Value: 1000, Source: "s"},
		{AreaCode: "E06000001", Year: 2013, Service: "residential", AgeBand: "65+", Provision: "external", Measure: "weeks", Definition: DefinitionPSSEX1, Value: 300, Source: "s"},
		{AreaCode: "E06000001", Year: 2013, Service: "residential", AgeBand: "65+", Provision: "in_house", Measure: "weeks", Definition: DefinitionPSSEX1, Value: 0, Source: "s"},
		{AreaCode: "E06000001", Year: 2013, Service: "residential", AgeBand: "65+", Provision: "total", Measure: "weeks", Definition: DefinitionPSSEX1, Value: 300, Source: "s"},
		{AreaCode: "E06000001", Year: 2014, Service: "nursing", AgeBand: "65+", Provision: "external", Measure: "weeks", Definition: DefinitionASCFR, Value: 120.5, Source: "s"},
		{AreaCode: "E06000001", Year: 2014, Service: "residential", AgeBand: "65+", Provision: "external", Measure: "weeks", Definition: DefinitionASCFR, Value: 280, Source: "s"},
	}
}

// TestActivityHistoryRules checks the activity_history reader's rules, the same in Parquet and
// CSV: known areas, the enums, non-negative values, a service counted in its own measure, the
// definition that matches the year (PSS-EX1 to 2013-14, ASC-FR from 2014-15) and unique keys.
func TestActivityHistoryRules(t *testing.T) {
	opts := ReadOptions{Name: "history", KnownAreas: knownTestAreas}
	if ps, err := sameAsParquet(t, validHistory(), opts); err != nil {
		t.Fatalf("valid rows: %v", ps)
	}
	sum, err := Validate(KindActivityHistory, encode(t, validHistory()), opts)
	if err != nil || sum.Kind != KindActivityHistory || sum.Rows != 6 || sum.YearFrom != 2013 || sum.YearTo != 2014 || len(sum.Measures) != 4 {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	if k, err := DetectKind(encode(t, validHistory())); err != nil || k != KindActivityHistory {
		t.Fatalf("DetectKind = %s, %v", k, err)
	}

	bad := validHistory()
	bad[0].Measure = "weeks"      // home care is counted in hours
	bad[1].Definition = "ascfr"   // 2013-14 is PSS-EX1
	bad[2].Provision = "own"      // not a provision
	bad[3].Value = -1             // negative
	bad[4].Service = "meals"      // not a service of this kind
	bad[5].Definition = "PSS-EX1" // enums are lower case
	bad = append(bad, bad[5])     // row 7 repeats row 6's key
	ps, _ := sameAsParquet(t, bad, opts)
	want := []struct {
		row    int
		column string
		rule   Rule
		text   string
	}{
		{1, "measure", RuleInconsistent, "home_care is counted in hours, not weeks"},
		{2, "definition", RuleInconsistent, "ASC-FR began with 2014-15; 2013-14 is PSS-EX1"},
		{3, "provision", RuleEnum, `"own" is not one of in_house, external, total`},
		{4, "value", RuleNegative, "-1 is negative"},
		{5, "service", RuleEnum, `"meals" is not one of residential, nursing, home_care, day_care`},
		{6, "definition", RuleEnum, `"PSS-EX1" is not one of pss-ex1, ascfr`},
		{7, "measure", RuleDuplicate, "first at row 6"},
	}
	for _, w := range want {
		found := false
		for _, p := range ps {
			if p.Row == w.row && p.Column == w.column && p.Rule == w.rule && strings.Contains(p.Message, w.text) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem at row %d, column %s, rule %s containing %q; got:\n%v", w.row, w.column, w.rule, w.text, ps)
		}
	}

	unknown := validHistory()
	unknown[0].AreaCode = "E06999999"
	ps, _ = sameAsParquet(t, unknown, opts)
	if len(ps) != 1 || ps[0].Rule != RuleUnknownArea || ps[0].Row != 1 {
		t.Fatalf("unknown area: %v", ps)
	}
	late := validHistory()
	late[5].Definition = DefinitionPSSEX1
	ps, _ = sameAsParquet(t, late, opts)
	if len(ps) != 1 || !strings.Contains(ps[0].Message, "PSS-EX1 ended with 2013-14; 2014-15 is ASC-FR") {
		t.Fatalf("PSS-EX1 in 2014-15: %v", ps)
	}
}
