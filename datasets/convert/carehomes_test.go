package convert

import (
	"math"
	"os"
	"testing"

	"github.com/carecast/carecast/datasets/defaultdata"
)

// TestCareHomeMarketInputs cross-checks, against the raw files, the two figures from which the
// engine estimates the care-home residents not funded by their council
// (forecast.MeasureNotCouncilFunded; the rule lives in forecast/engine/market.go alone): CQC
// registered care home beds (PROVENANCE §13) and SALT 2021-22 T38 clients of long term support
// at the year end in the Residential and Nursing settings, 18-64 and 65+ (§11), as the
// embedded default data carries them (supply; service_activity clients_year_end 2021).
// England: 458,669 beds over the councils (458,900 less 231 "Unspecified"), 175,175 residents
// over the 151 councils that submitted (cells suppressed as 0-4 count 0; T38's England row,
// which carries Hackney's 2019-20 figures, is 175,680). Leeds: 5,573 beds, 385 + 1,135
// residential and 130 + 630 nursing = 2,280 residents.
func TestCareHomeMarketInputs(t *testing.T) {
	rawData(t)
	raw := os.DirFS(rawDir)
	beds, _, _, err := cqcBeds(raw, "cqc_care_home_beds_by_council_2021-02-01.csv", "care_home_beds")
	if err != nil {
		t.Fatal(err)
	}
	t38, areas, err := readSALT(raw, "t38_lts_clients_year_end_by_age_setting.csv")
	if err != nil {
		t.Fatal(err)
	}
	rawResidents := map[string]float64{}
	for k, x := range t38 {
		if areas[k.area].level == "council" && (k.setting == "Residential" || k.setting == "Nursing") {
			rawResidents[k.area] += x.value
		}
	}
	var rawBeds, rawRes float64
	for _, n := range beds {
		rawBeds += n
	}
	for _, n := range rawResidents {
		rawRes += n
	}

	b, err := defaultdata.Load()
	if err != nil {
		t.Fatal(err)
	}
	inForce := map[string]bool{}
	for _, a := range b.Areas {
		if a.IsCouncil() && a.ValidTo == "" {
			inForce[a.AreaCode] = true
		}
	}
	dataBeds, dataRes := map[string]float64{}, map[string]float64{}
	for _, s := range b.Supply {
		if inForce[s.AreaCode] && s.Unit == "beds" {
			dataBeds[s.AreaCode] += s.Capacity
		}
	}
	for _, a := range b.ServiceActivity {
		if inForce[a.AreaCode] && a.Year == 2021 && a.Measure == "clients_year_end" && (a.Service == "residential" || a.Service == "nursing") {
			dataRes[a.AreaCode] += a.Value
		}
	}
	var sumBeds, sumRes float64
	for _, n := range dataBeds {
		sumBeds += n
	}
	for _, n := range dataRes {
		sumRes += n
	}
	if rawBeds != 458669 || sumBeds != rawBeds {
		t.Errorf("CQC beds: %v in the raw file, %v in the default data; want 458,669", rawBeds, sumBeds)
	}
	if rawRes != 175175 || math.Abs(sumRes-rawRes) > 1e-6 {
		t.Errorf("T38 care-home residents: %v in the raw file, %v in the default data; want 175,175", rawRes, sumRes)
	}
	if beds["E08000035"] != 5573 || dataBeds["E08000035"] != 5573 || rawResidents["E08000035"] != 2280 || dataRes["E08000035"] != 2280 {
		t.Errorf("Leeds: %v / %v beds, %v / %v residents (raw / data); want 5,573 and 2,280", beds["E08000035"], dataBeds["E08000035"], rawResidents["E08000035"], dataRes["E08000035"])
	}
	// Council by council, where the council of 2021-22 is the council of April 2023 (North
	// and West Northamptonshire's beds, apportioned from the county of February 2021, are in
	// the sums only).
	n := 0
	for code, v := range rawResidents {
		if !inForce[code] {
			continue
		}
		n++
		if b, ok := beds[code]; math.Abs(dataRes[code]-v) > 1e-9 || (ok && dataBeds[code] != b) {
			t.Errorf("%s: %v residents and %v beds in the default data, %v and %v in the raw files", code, dataRes[code], dataBeds[code], v, beds[code])
		}
	}
	if n < 145 {
		t.Errorf("only %d councils compared", n)
	}
}

// TestT40FullCostAmongT38 checks what SALT T40 counts: its "Clients" are T38's clients of all
// settings ("Total") in every area, so clients who pay the full cost of the care their council
// arranges are among T38's clients, and T40 has no split by setting. This is why the engine's
// estimate of care-home residents not funded by their council does not take T40's full-cost
// clients off again: those in care homes are already among the council-supported residents,
// and the rest live in the community.
func TestT40FullCostAmongT38(t *testing.T) {
	rawData(t)
	raw := os.DirFS(rawDir)
	f, err := readCSV(raw, ascfrDir+"t40_lts_clients_year_end_full_cost.csv")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.mustCols("area_code", "age_band", "measure", "value", "flag")
	if err != nil {
		t.Fatal(err)
	}
	t38, _, err := readSALT(raw, "t38_lts_clients_year_end_by_age_setting.csv")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rec := range f.rows {
		band, ok := saltBands[cell(rec, c[1])]
		if !ok || cell(rec, c[2]) != "Clients" || cell(rec, c[4]) != "" {
			continue
		}
		v, err := atof(cell(rec, c[3]))
		if err != nil {
			t.Fatal(err)
		}
		if x := t38[saltKey{cell(rec, c[0]), band, "Total"}]; x.value != v {
			t.Errorf("%s %s: T40 clients %v, T38 total %+v", cell(rec, c[0]), band, v, x)
		}
		n++
	}
	if n < 300 {
		t.Errorf("%d T40 client figures compared", n)
	}
}
