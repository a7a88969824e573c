package convert

import (
	"math"
	"os"
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets"
)

// rawDir is the shared folder of raw public data, ../shared/data/raw beside the repository.
const rawDir = "../../../shared/data/raw"

func rawData(t *testing.T) []datasets.Area {
	t.Helper()
	if _, err := os.Stat(rawDir); err != nil {
		t.Skipf("the raw public data is not at %s (../shared/data/raw beside the repository): %v", rawDir, err)
	}
	areas, err := buildAreas(os.DirFS(rawDir))
	if err != nil {
		t.Fatal(err)
	}
	return areas
}

func costOf(t *testing.T, rows []datasets.UnitCost, area, service string) datasets.UnitCost {
	t.Helper()
	var found []datasets.UnitCost
	for _, r := range rows {
		if r.AreaCode == area && r.Service == service {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s rows for %s, want 1", len(found), service, area)
	}
	return found[0]
}

// TestUnitCosts checks the ASC-FR 2021-22 unit costs against the published tables
// (PROVENANCE §11) and the fallbacks for councils without a figure.
func TestUnitCosts(t *testing.T) {
	areas := rawData(t)
	rows, err := buildUnitCosts(os.DirFS(rawDir), areas)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		area, service string
		cost          float64
		source        string
	}{
		// PROVENANCE §11: T51 England external home-care rate 2021-22 £18.88/h (18.8849).
		{"E92000001", "home_care", 18.8849125, "ASC-FR 2021-22 T51 (external providers' average weighted hourly rate), England"},
		// t52_unit_cost_lts_weekly_by_setting_age_2yr.csv, Sheffield 2021-22, Total age band.
		{"E08000019", "residential", 1073.924103, "ASC-FR 2021-22 T52 (residential care, all ages), Sheffield"},
		{"E08000019", "nursing", 893.8313121, "ASC-FR 2021-22 T52 (nursing care, all ages), Sheffield"},
		// t51: Sheffield 2021-22 external.
		{"E08000019", "home_care", 17.6, "ASC-FR 2021-22 T51 (external providers' average weighted hourly rate), Sheffield"},
		// Hackney submitted no ASC-FR 2021-22 ([x]): London's figure.
		{"E09000012", "residential", londonT52Residential, "region's figure: ASC-FR 2021-22 T52 (residential care, all ages) London (Hackney: council not submitted)"},
		// Swindon ([x]): the South West's figure.
		{"E06000030", "home_care", southWestT51External, "region's figure: ASC-FR 2021-22 T51 (external providers' average weighted hourly rate) South West (Swindon: council not submitted)"},
		// Isles of Scilly: T52 nursing total left blank.
		{"E06000053", "nursing", southWestT52Nursing, "region's figure: ASC-FR 2021-22 T52 (nursing care, all ages) South West (Isles of Scilly: not published)"},
	} {
		r := costOf(t, rows, tc.area, tc.service)
		if math.Abs(r.Cost-tc.cost) > 1e-6 || !strings.HasPrefix(r.Source, tc.source) || r.Year != 2021 || r.PriceBase != "2021-22" {
			t.Errorf("%s %s = £%v at %s prices, %d, %q; want £%v from %q", tc.area, tc.service, r.Cost, r.PriceBase, r.Year, r.Source, tc.cost, tc.source)
		}
	}
	// Every council of 2021-22 has one row of each service, and none is £0.
	councils := 0
	for _, a := range areas {
		if !a.IsCouncil() || !inForce21(a) {
			continue
		}
		councils++
		for _, it := range costItems {
			if r := costOf(t, rows, a.AreaCode, it.service); r.Cost < 5 || r.Cost > 5000 {
				t.Errorf("%s %s £%v", a.AreaCode, it.service, r.Cost)
			}
		}
	}
	// The 152 CASSRs of 2021-22 (Cumbria, North Yorkshire and Somerset among them) and the 4
	// councils of April 2023.
	if councils != 156 {
		t.Errorf("%d councils, want 156 (152 CASSRs of 2021-22 and 4 of April 2023)", councils)
	}
	// The councils of April 2023 take their county's own figure, labelled.
	for council, county := range map[string]string{"E06000063": "E10000006", "E06000064": "E10000006", "E06000065": "E10000023", "E06000066": "E10000027"} {
		for _, it := range costItems {
			got, want := costOf(t, rows, council, it.service), costOf(t, rows, county, it.service)
			if got.Cost != want.Cost || !strings.HasPrefix(got.Source, "county's figure (") || !strings.HasSuffix(got.Source, want.Source) {
				t.Errorf("%s %s £%v %q; want %s's £%v", council, it.service, got.Cost, got.Source, county, want.Cost)
			}
		}
	}
}

// Regional figures of 2021-22, from the ASC-FR 2021-22 CSVs (PROVENANCE §11).
const (
	londonT52Residential = 1100.998941
	southWestT51External = 21.5637889
	southWestT52Nursing  = 896.7829844
)

// TestPriceIndex: uprating PROVENANCE §11's £18.88 (18.8849125) from 2021-22 to 2023-24 by the
// index rows equals the product of the published yearly increases (PROVENANCE §15, Table 12.1.2
// all sectors excluding capital, 2024 edition: 2022/23 +7.2%, 2023/24 +7.4%).
func TestPriceIndex(t *testing.T) {
	rawData(t)
	rows, err := buildPriceIndex(os.DirFS(rawDir))
	if err != nil {
		t.Fatal(err)
	}
	level := map[int32]float64{}
	for _, r := range rows {
		level[r.Year] = r.Cost
	}
	if level[2021] != 100 || len(rows) != 16 {
		t.Fatalf("levels %v; want 2021 = 100 and 2008..2023", level)
	}
	got := 18.8849125 * level[2023] / level[2021]
	want := 18.8849125 * 1.072 * 1.074
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("£18.8849 uprated to 2023-24 = £%.6f, want £%.6f", got, want)
	}
	// Deflating to 2020-21 divides by 2021/22's +3.9% (2024 edition).
	if want := 100 / 1.039; math.Abs(level[2020]-want) > 1e-6 {
		t.Errorf("2020-21 level %v, want %v", level[2020], want)
	}
}
