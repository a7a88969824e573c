package convert

import (
	"os"
	"strconv"
	"testing"

	"github.com/carecast/carecast/datasets"
)

// TestAreas2023 checks the areas table against April 2023 geography: the 153 councils with social
// services responsibilities and 296 lower-tier areas of ONS's mid-2022 estimates, the ended
// areas each leading through its successors to an area in force, and the 2023 councils' counties.
func TestAreas2023(t *testing.T) {
	areas := rawData(t)
	byCode := map[string]datasets.Area{}
	for _, a := range areas {
		byCode[a.AreaCode] = a
	}
	councils, districts := 0, 0
	for _, a := range areas {
		if a.ValidTo != "" {
			// Follow the successor chain (Taunton Deane → Somerset West and Taunton → Somerset).
			c := a
			for steps := 0; c.ValidTo != ""; steps++ {
				next, ok := byCode[c.SuccessorCode]
				if c.SuccessorCode == "" && c.AreaType == datasets.AreaCounty {
					break // a split county: its districts carry the links
				}
				if !ok || steps > 3 {
					t.Fatalf("%s %s: successor chain broken at %s", a.AreaCode, a.AreaName, c.AreaCode)
				}
				c = next
			}
			continue
		}
		if a.IsCouncil() {
			councils++
		}
		if isLowerTier(a.AreaCode) {
			districts++
		}
	}
	if councils != 153 || districts != 296 {
		t.Errorf("%d councils and %d lower-tier areas in force, want 153 and 296", councils, districts)
	}
	for _, ch := range reorganisations {
		if ch.From != "2023-04-01" {
			continue
		}
		s := byCode[ch.Successor]
		if s.ValidFrom != ch.From || s.AreaType != datasets.AreaUnitary || s.RegionCode == "" {
			t.Errorf("%s: %+v", ch.Successor, s)
		}
		for _, p := range ch.Predecessors {
			if a := byCode[p]; a.ParentCode != countyOf2023[ch.Successor] || a.ValidTo != "2023-03-31" {
				t.Errorf("%s (predecessor of %s) has county %s, valid to %q; countyOf2023 says %s", p, ch.Successor, a.ParentCode, a.ValidTo, countyOf2023[ch.Successor])
			}
		}
	}
	if a := byCode["E07000246"]; a.ValidFrom != "2019-04-01" || a.ValidTo != "2023-03-31" || a.SuccessorCode != "E06000066" || a.AreaName != "Somerset West and Taunton" {
		t.Errorf("Somerset West and Taunton: %+v", a)
	}
	if a := byCode["E10000006"]; a.ValidTo != "2023-03-31" || a.SuccessorCode != "" {
		t.Errorf("Cumbria: %+v", a)
	}
}

// TestPopulationOn2023Geography checks the single-year estimates against independent ONS
// figures: mid-2022 England 57,106,398 and 65+ 10,629,867, Hartlepool 93,861 (ONS MYE2 mid-2022,
// PROVENANCE §10), and every area of April 2023 in mid-2011 — the sums of predecessors
// computed here from the mid-2011 file on 2018 boundaries — equal to ONS's own re-aggregation
// of mid-2011 to 2023 boundaries (MYEB1, population_2011), cell by cell.
func TestPopulationOn2023Geography(t *testing.T) {
	areas := rawData(t)
	raw := os.DirFS(rawDir)
	pop, _, err := buildPopulation(raw)
	if err != nil {
		t.Fatal(err)
	}
	current := map[string]bool{}
	for _, a := range areas {
		if a.ValidTo == "" && isLowerTier(a.AreaCode) {
			current[a.AreaCode] = true
		}
	}
	type key struct {
		area, sex string
		age       int32
	}
	y2011 := map[key]float64{}
	var england, over65, hartlepool float64
	for _, r := range pop {
		if r.Kind != "estimate" || !current[r.AreaCode] {
			continue
		}
		switch r.Year {
		case 2011:
			y2011[key{r.AreaCode, r.Sex, r.Age}] = r.Count
		case 2022:
			england += r.Count
			if r.Age >= 65 {
				over65 += r.Count
			}
			if r.AreaCode == "E06000001" {
				hartlepool += r.Count
			}
		}
	}
	if england != 57106398 || over65 != 10629867 || hartlepool != 93861 {
		t.Errorf("mid-2022: England %.0f, 65+ %.0f, Hartlepool %.0f; want 57,106,398, 10,629,867 and 93,861", england, over65, hartlepool)
	}
	f, err := readCSV(raw, "ons_mye/mye2022_myeb1_2011_2022.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.mustCols("code", "sex", "age", "population_2011")
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for i, rec := range f.rows {
		code := cell(rec, c[0])
		if !current[code] {
			continue
		}
		sex := map[string]string{"M": "male", "F": "female"}[cell(rec, c[1])]
		age, _ := strconv.Atoi(cell(rec, c[2]))
		want, err := atof(cell(rec, c[3]))
		if err != nil || sex == "" {
			t.Fatalf("%s line %d: %v %q", f.name, i+2, err, cell(rec, c[1]))
		}
		if got, ok := y2011[key{code, sex, int32(age)}]; !ok || got != want {
			t.Errorf("%s %s %d in mid-2011: %.0f, ONS's 2023-boundary figure %.0f", code, sex, age, got, want)
		}
		checked[code] = true
	}
	if len(checked) != 296 {
		t.Errorf("compared %d areas with MYEB1, want 296", len(checked))
	}
}

// TestTraffordAgreesWithMid2022 checks the Trafford file (kept for mid-2023 and mid-2024) against
// the all-areas mid-2022 estimates: both are ONS's mid-2022 figures, so every cell agrees.
func TestTraffordAgreesWithMid2022(t *testing.T) {
	rawData(t)
	raw := os.DirFS(rawDir)
	tr, err := readCSV(raw, "local_extras/trafford_mye_syoa_sex_2020_2022_2023_2024.csv")
	if err != nil {
		t.Fatal(err)
	}
	c, err := tr.mustCols("period", "area_code", "sex")
	if err != nil {
		t.Fatal(err)
	}
	local := map[string]float64{}
	for _, rec := range tr.rows {
		if cell(rec, c[0])[:4] != "2022" || cell(rec, c[2]) == "Persons" {
			continue
		}
		for age := 0; age <= 90; age++ {
			col, _ := tr.col(strconv.Itoa(age))
			v, _ := atof(cell(rec, col))
			sex, _ := onsSex(cell(rec, c[2]))
			local[sex+strconv.Itoa(age)] = v
		}
	}
	pop, _, err := buildPopulation(raw)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range pop {
		if r.AreaCode == "E08000009" && r.Year == 2022 && r.Kind == "estimate" {
			n++
			if want := local[r.Sex+strconv.Itoa(int(r.Age))]; r.Count != want {
				t.Errorf("Trafford 2022 %s %d: %.0f, the Trafford file %.0f", r.Sex, r.Age, r.Count, want)
			}
		}
	}
	if n != 182 || len(local) != 182 {
		t.Errorf("%d cells in the estimates, %d in the Trafford file; want 182", n, len(local))
	}
}
