package convert

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestSupply checks the CQC care home beds of 1 February 2021 (PROVENANCE §13): 458,900 beds
// of which 231 "Unspecified" (so 458,669 in councils; Flintshire has 0), 224,265 beds in homes
// with nursing of which 165 unassigned; Northamptonshire's 6,419 beds (2,832 nursing) are
// apportioned exactly to North and West Northamptonshire.
func TestSupply(t *testing.T) {
	areas := rawData(t)
	raw := os.DirFS(rawDir)
	pop, _, err := buildPopulation(raw)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := buildSupply(raw, areas, pop)
	if err != nil {
		t.Fatal(err)
	}
	all, unspecified, _, err := cqcBeds(raw, "cqc_care_home_beds_by_council_2021-02-01.csv", "care_home_beds")
	if err != nil {
		t.Fatal(err)
	}
	fileTotal := unspecified
	for _, n := range all {
		fileTotal += n
	}
	if fileTotal != 458900 || unspecified != 231 {
		t.Errorf("file total %v, unspecified %v; want 458,900 and 231", fileTotal, unspecified)
	}
	var beds, nursing float64
	byArea := map[string]map[string]float64{}
	for _, r := range rows {
		if r.Unit != "beds" || r.Year != 2020 {
			t.Errorf("row %+v", r)
		}
		if byArea[r.AreaCode] == nil {
			byArea[r.AreaCode] = map[string]float64{}
		}
		byArea[r.AreaCode][r.Service] += r.Capacity
		// Councils of April 2021 (the 2023 councils repeat their counties' beds).
		if !slices.ContainsFunc(successors2023(), func(s successor) bool { return s.Council == r.AreaCode }) {
			beds += r.Capacity
			if r.Service == "nursing" {
				nursing += r.Capacity
			}
		}
		if (r.AreaCode == "E06000061" || r.AreaCode == "E06000062") && !strings.HasPrefix(r.Source, "apportioned: ") {
			t.Errorf("%s source %q", r.AreaCode, r.Source)
		}
		if r.Capacity < 0 {
			t.Errorf("row %+v", r)
		}
	}
	if beds != 458669 || nursing != 224265-165 {
		t.Errorf("Σ councils %v beds, %v nursing; want 458,669 and 224,100", beds, nursing)
	}
	// The 152 councils of the CQC file (Northamptonshire's two successors in place of it) and
	// the 4 councils of April 2023.
	if len(byArea) != 156 {
		t.Errorf("%d councils with beds, want 156", len(byArea))
	}
	n, w := byArea["E06000061"], byArea["E06000062"]
	if n["residential"]+w["residential"] != 6419-2832 || n["nursing"]+w["nursing"] != 2832 {
		t.Errorf("North %v + West %v Northamptonshire; want 3,587 residential and 2,832 nursing beds", n, w)
	}
	// Shares of people 65+ in mid-2020 are near even (North 0.47, West 0.53 of about 150,000).
	if share := (n["residential"] + n["nursing"]) / 6419; share < 0.40 || share > 0.55 {
		t.Errorf("North Northamptonshire has %.3f of the county's beds", share)
	}
	// Sheffield: 4,368 beds in the CQC file, 2,552 of them in homes with nursing.
	if s := byArea["E08000019"]; s["residential"]+s["nursing"] != 4368 || s["nursing"] != 2552 {
		t.Errorf("Sheffield %v", s)
	}
	c, wf := byArea["E06000063"], byArea["E06000064"]
	if c["residential"]+wf["residential"]+c["nursing"]+wf["nursing"] != 4457 || c["nursing"]+wf["nursing"] != 1876 {
		t.Errorf("Cumberland %v + Westmorland and Furness %v; want Cumbria's 4,457 beds, 1,876 nursing", c, wf)
	}
	// Cumberland has a little over half of Cumbria's people 65+ in mid-2020 (Allerdale,
	// Carlisle and Copeland: about 64,000 of 125,000).
	if share := (c["residential"] + c["nursing"]) / 4457; share < 0.48 || share > 0.56 {
		t.Errorf("Cumberland has %.3f of Cumbria's beds", share)
	}
	for code, county := range map[string]string{"E06000065": "E10000023", "E06000066": "E10000027"} {
		if got, want := byArea[code], byArea[county]; got["residential"] != want["residential"] || got["nursing"] != want["nursing"] {
			t.Errorf("%s has %v beds, its county %s %v", code, got, county, want)
		}
	}
}
