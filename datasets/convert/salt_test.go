package convert

import (
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/carecast/carecast/datasets"
)

var salt struct {
	once  sync.Once
	areas []datasets.Area
	rows  []datasets.ServiceActivity
	err   error
}

// saltRows builds the SALT rows once for all the TestSALT tests (population is the slow part).
func saltRows(t *testing.T) ([]datasets.Area, []datasets.ServiceActivity) {
	t.Helper()
	areas := rawData(t)
	salt.once.Do(func() {
		raw := os.DirFS(rawDir)
		pop, _, err := buildPopulation(raw)
		if err != nil {
			salt.err = err
			return
		}
		salt.areas = areas
		salt.rows, salt.err = buildSALT2122(raw, areas, pop)
	})
	if salt.err != nil {
		t.Fatal(salt.err)
	}
	return salt.areas, salt.rows
}

type saltID struct{ area, service, band, measure string }

func saltIndex(t *testing.T, rows []datasets.ServiceActivity) map[saltID]datasets.ServiceActivity {
	t.Helper()
	m := map[saltID]datasets.ServiceActivity{}
	for _, r := range rows {
		k := saltID{r.AreaCode, r.Service, r.AgeBand, r.Measure}
		if _, dup := m[k]; dup {
			t.Fatalf("two rows for %+v", k)
		}
		m[k] = r
	}
	return m
}

// published returns an area's figures as the file has them, by service, band and measure: the
// T34/T38 settings of saltServices summed (suppressed parts 0; nothing if all are suppressed),
// and home-care hours as T43/T44 spend ÷ T51 external rate.
func published(t *testing.T, code string) map[saltID]float64 {
	t.Helper()
	raw := os.DirFS(rawDir)
	out := map[saltID]float64{}
	for _, tb := range saltTables {
		cells, _, err := readSALT(raw, tb.file)
		if err != nil {
			t.Fatal(err)
		}
		for _, band := range []string{"18-64", "65+"} {
			for _, sv := range saltServices {
				v, have := 0.0, false
				for _, st := range sv.settings {
					if x := cells[saltKey{code, band, st}]; x.flag == "" {
						v, have = v+x.value, true
					}
				}
				if have {
					out[saltID{code, sv.service, band, tb.measure}] = v
				}
			}
		}
	}
	ext, err := readASCFR(raw, "t51_unit_cost_home_care_hourly_2yr.csv", colIs("activity_provision", "External"))
	if err != nil {
		t.Fatal(err)
	}
	for file, band := range map[string]string{"t43_gce_long_term_18to64_by_setting.csv": "18-64", "t44_gce_long_term_65plus_by_setting.csv": "65+"} {
		spend, err := readASCFR(raw, file, colIs("support_setting", "Community: Home Care"))
		if err != nil {
			t.Fatal(err)
		}
		if s, r := spend[code], ext[code]; s.ok && r.ok {
			out[saltID{code, "home_care", band, "hours"}] = s.value * 1000 / r.value
		}
	}
	return out
}

// TestSALTEngland checks England's rows against the published totals (PROVENANCE §11).
func TestSALTEngland(t *testing.T) {
	_, rows := saltRows(t)
	idx := saltIndex(t, rows)
	raw := os.DirFS(rawDir)
	prison := func(file, band string) float64 {
		cells, _, err := readSALT(raw, file)
		if err != nil {
			t.Fatal(err)
		}
		v := 0.0
		for _, st := range saltSettingsLeftOut[:2] {
			v += cells[saltKey{datasets.National, band, st}].value
		}
		return v
	}
	sum := func(band, measure string) float64 {
		v := 0.0
		for _, sv := range saltServices {
			r, ok := idx[saltID{datasets.National, sv.service, band, measure}]
			if !ok {
				t.Fatalf("England has no %s %s %s row", sv.service, band, measure)
			}
			v += r.Value
		}
		return v
	}
	// T34 England 65+: Total 529,010 (PROVENANCE §11); prison 65 + 50 = 115 (T34 England rows);
	// the four services sum to 65,905 + 133,025 + 33,035 + 11,940 + 260,085 + 24,910 = 528,900.
	// The publisher rounds every cell to 5, so the eight settings sum to 529,015, not 529,010.
	if p := prison("t34_lts_clients_in_year_by_age_setting.csv", "65+"); p != 115 {
		t.Errorf("T34 England 65+ prison %v, want 65 + 50", p)
	}
	if got := sum("65+", "clients_in_year"); got != 528900 || math.Abs(got-(529010-115)) > 20 {
		t.Errorf("England 65+ clients in year over the four services %v, want 528,900 (529,010 − 115 within rounding)", got)
	}
	// Second source, T38 year end 65+: the England "Total" row is 359,795; the settings sum to
	// 42,180 + 94,520 + 27,760 + 6,785 + 176,265 + 12,225 + prison 40 + 30 = 359,805 (rounding
	// again: eight cells rounded to 5, up to ±20 apart from the rounded total).
	p38 := prison("t38_lts_clients_year_end_by_age_setting.csv", "65+")
	got := sum("65+", "clients_year_end")
	if p38 != 70 || got+p38 != 359805 || math.Abs(got+p38-359795) > 20 {
		t.Errorf("England 65+ year end: four services %v + prison %v, want 359,735 + 70 = 359,805 (Total 359,795 within rounding)", got, p38)
	}
	// The T38 "Total" row itself, read from the file.
	f, err := readCSV(raw, ascfrDir+"t38_lts_clients_year_end_by_age_setting.csv")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := f.mustCols("area_code", "age_band", "support_setting", "value")
	for _, rec := range f.rows {
		if cell(rec, c[0]) == datasets.National && cell(rec, c[1]) == "65 and over" && cell(rec, c[2]) == "Total" && cell(rec, c[3]) != "359795" {
			t.Errorf("T38 England 65+ Total %s, want 359795", cell(rec, c[3]))
		}
	}
	// T51 England external rate £18.8849125 (PROVENANCE §11: £18.88), T44 England 65+ home care £k from the file.
	if r, ok := idx[saltID{datasets.National, "home_care", "65+", "hours"}]; !ok || !strings.HasPrefix(r.Source, srcHoursDerived) ||
		!strings.Contains(r.Source, "£18.8849125") {
		t.Errorf("England 65+ home care hours %+v", r)
	}
	ended := map[string]bool{}
	for _, s := range successors2023() {
		ended[s.County] = true // Cumbria, North Yorkshire, Somerset: only their successors have rows
	}
	regions := map[string]bool{}
	for _, r := range rows {
		if strings.HasPrefix(r.AreaCode, "E12") {
			regions[r.AreaCode] = true
		}
		if r.Year != 2021 && r.Service != "long_term_support" || r.Value < 0 || ended[r.AreaCode] {
			t.Errorf("row %+v", r)
		}
	}
	if len(regions) != 9 {
		t.Errorf("%d regions, want 9", len(regions))
	}
	t.Logf("%d rows", len(rows))
}

// TestSALTCouncils checks the councils' rows: their 65+ in-year sum against the published
// council total, one council's cell, one derived home-care figure, Hackney, and coverage.
func TestSALTCouncils(t *testing.T) {
	areas, rows := saltRows(t)
	idx := saltIndex(t, rows)
	councils := map[string]datasets.Area{}
	for _, a := range areas {
		if a.IsCouncil() && a.ValidTo == "" {
			councils[a.AreaCode] = a
		}
	}
	if len(councils) != 153 {
		t.Fatalf("%d councils of April 2023, want 153", len(councils))
	}
	// Σ councils' T34 "Total" 65+ is 526,965 (PROVENANCE §11; Hackney missing), of which prison
	// 75 (Σ councils' published prison cells). Ours leaves out the 78 council cells of the four
	// services suppressed as 0-4 and the rounding of ~1,200 cells to 5 (errors of sd 1.4 each
	// that mostly cancel): 526,785, 105 below 526,890.
	sum := 0.0
	for _, r := range rows {
		if councils[r.AreaCode].AreaCode != "" && r.AgeBand == "65+" && r.Measure == "clients_in_year" && r.Service != "long_term_support" {
			sum += r.Value
		}
	}
	cells, _, err := readSALT(os.DirFS(rawDir), "t34_lts_clients_in_year_by_age_setting.csv")
	if err != nil {
		t.Fatal(err)
	}
	prison, suppressed := 0.0, 0
	for k, x := range cells {
		if !strings.HasPrefix(k.area, "E0") && !strings.HasPrefix(k.area, "E10") || k.band != "65+" {
			continue
		}
		if slices.Contains(saltSettingsLeftOut[:2], k.setting) {
			prison += x.value
		} else if x.flag == "c" {
			suppressed++
		}
	}
	if prison != 75 || suppressed != 78 {
		t.Errorf("council prison 65+ %v, suppressed cells %d; want 75 and 78", prison, suppressed)
	}
	if d := 526965 - prison - sum; math.Abs(sum-526785) > 1e-6 || d < -100 || d > 4*float64(suppressed)+100 {
		t.Errorf("Σ councils 65+ in year %v, want 526,785 (526,965 − 75 less suppressed cells, within rounding)", sum)
	}

	// PROVENANCE §11: T34 Leeds 65+ nursing 890 (re-read from the workbook).
	if r := idx[saltID{"E08000035", "nursing", "65+", "clients_in_year"}]; r.Value != 890 {
		t.Errorf("Leeds 65+ nursing in year %+v, want 890", r)
	}
	// PROVENANCE §11: T44 Birmingham 65+ home care £36,347k; T51 Birmingham 2021-22 external rate £15.58/h.
	want := 36347e3 / 15.58
	if r := idx[saltID{"E08000025", "home_care", "65+", "hours"}]; math.Abs(r.Value/want-1) > 1e-6 ||
		!strings.HasPrefix(r.Source, "derived: ASC-FR T43/T44 spend ÷ T51 hourly rate") || !strings.Contains(r.Source, "£15.58") {
		t.Errorf("Birmingham 65+ home care hours %+v, want %v", r, want)
	}
	// The Isles of Scilly report no external home care (£0): its in-house £21.30 stands.
	if r := idx[saltID{"E06000053", "home_care", "65+", "hours"}]; r.Value == 0 || !strings.Contains(r.Source, "in-house") {
		t.Errorf("Isles of Scilly 65+ home care hours %+v", r)
	}
	// No rate (Hertfordshire external [x], in-house £0; Hackney and Swindon no ASC-FR) or
	// negative spend (Reading 65+, Tameside 18-64, Windsor and Maidenhead 18-64): no hours.
	for _, k := range []saltID{{"E10000015", "home_care", "65+", "hours"}, {"E09000012", "home_care", "65+", "hours"},
		{"E06000030", "home_care", "65+", "hours"}, {"E06000038", "home_care", "65+", "hours"},
		{"E08000008", "home_care", "18-64", "hours"}, {"E06000040", "home_care", "18-64", "hours"}} {
		if r, ok := idx[k]; ok {
			t.Errorf("unexpected row %+v", r)
		}
	}

	// Hackney submitted no SALT 2021-22; T2 has its 2019-20 long term support during the year
	// (1,285 aged 18-64, 2,030 aged 65+) with no setting split and no year-end count.
	for band, v := range map[string]float64{"18-64": 1285, "65+": 2030} {
		r := idx[saltID{"E09000012", "long_term_support", band, "clients_in_year"}]
		if r.Value != v || r.Year != 2019 || !strings.HasPrefix(r.Source, "Hackney submitted no SALT 2021-22; its 2019-20 figures (T2") {
			t.Errorf("Hackney %s %+v, want %v in 2019", band, r, v)
		}
	}

	// Every council has year-end rows of the four services in both bands, except cells SALT
	// suppressed (0-4) in every part: small councils with few clients 18-64 in nursing care
	// (Rutland, Southend-on-Sea, Thurrock), City of London's nursing (it has no nursing homes),
	// the Isles of Scilly (2,000 people: all 18-64 services and 65+ nursing, direct payments);
	// and Hackney, which submitted nothing.
	exceptions := map[saltID]bool{}
	for _, k := range []saltID{
		{"E06000017", "nursing", "18-64", ""}, {"E06000033", "nursing", "18-64", ""}, {"E06000034", "nursing", "18-64", ""},
		{"E09000001", "nursing", "18-64", ""}, {"E09000001", "nursing", "65+", ""},
		{"E06000053", "residential", "18-64", ""}, {"E06000053", "nursing", "18-64", ""}, {"E06000053", "direct_payments", "18-64", ""},
		{"E06000053", "community_support", "18-64", ""}, {"E06000053", "nursing", "65+", ""}, {"E06000053", "direct_payments", "65+", ""},
	} {
		exceptions[k] = true
	}
	for code := range councils {
		for _, sv := range saltServices {
			for _, band := range []string{"18-64", "65+"} {
				_, ok := idx[saltID{code, sv.service, band, "clients_year_end"}]
				exc := exceptions[saltID{code, sv.service, band, ""}] || code == "E09000012"
				if ok == exc {
					t.Errorf("%s (%s) %s %s year end: row %v, listed as an exception %v", code, councils[code].AreaName, sv.service, band, ok, exc)
				}
			}
		}
	}
}

// TestSALTSuccessors checks the councils of April 2023 against their counties' published figures.
func TestSALTSuccessors(t *testing.T) {
	_, rows := saltRows(t)
	idx := saltIndex(t, rows)
	cumbria := published(t, "E10000006")
	if len(cumbria) != 18 { // 4 services × 2 bands × 2 measures + hours × 2 bands
		t.Fatalf("Cumbria has %d published figures, want 18", len(cumbria))
	}
	for k, v := range cumbria {
		a := idx[saltID{"E06000063", k.service, k.band, k.measure}]
		b := idx[saltID{"E06000064", k.service, k.band, k.measure}]
		if math.Abs(a.Value+b.Value-v) > 1e-6 {
			t.Errorf("%s %s %s: Cumberland %v + Westmorland and Furness %v ≠ Cumbria %v", k.service, k.band, k.measure, a.Value, b.Value, v)
		}
		for _, r := range []datasets.ServiceActivity{a, b} {
			if s := r.Value / v; s < 0.4 || s > 0.6 || !strings.HasPrefix(r.Source, "apportioned from Cumbria by people "+k.band+" (ONS mid-2021)") {
				t.Errorf("%s %s %s %s: share %v, source %q", r.AreaCode, k.service, k.band, k.measure, s, r.Source)
			}
		}
	}
	for county, council := range map[string]string{"E10000023": "E06000065", "E10000027": "E06000066"} {
		pub := published(t, county)
		if len(pub) < 16 {
			t.Errorf("%s has %d published figures", county, len(pub))
		}
		for k, v := range pub {
			r, ok := idx[saltID{council, k.service, k.band, k.measure}]
			if !ok || r.Value != v || !strings.Contains(r.Source, "County Council's figures") {
				t.Errorf("%s %s %s %s: %+v, want %v", council, k.service, k.band, k.measure, r, v)
			}
		}
	}
	if r := idx[saltID{"E06000065", "nursing", "65+", "clients_in_year"}]; !strings.HasPrefix(r.Source, "North Yorkshire County Council's figures") {
		t.Errorf("North Yorkshire source %q", r.Source)
	}
}
