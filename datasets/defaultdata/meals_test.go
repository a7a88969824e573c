package defaultdata

import (
	"strconv"
	"strings"
	"testing"
)

// TestMealsZeroOnlyWhereNoneDelivered checks the meals activity against a second item of the
// same return: PSS-EX1 also gives the meals delivered each week (J1.1 by the independent
// sector, J1.2 by the council). A council-year that reports 0 meals clients 65+ while meals
// were delivered did not record its clients: it must be missing from the embedded data (so the
// engine takes a pooled rate and says so), never a zero. Of the 181 zero council-years in the
// raw file, 27 are of that kind; the other 154 deliver no meals either and stay 0.
func TestMealsZeroOnlyWhereNoneDelivered(t *testing.T) {
	recs, h := readRaw(t, "nhsd_asc_activity/pssex1_cassr_activity_2009-10_to_2013-14_long.csv")
	lk, lh := readRaw(t, "lookups/cassr_to_ons_code_region_2016-17.csv")
	ons := map[string]string{"906": "E06000053"}
	for _, r := range lk {
		ons[r[lh["cassr_code"]]] = r[lh["ons_code"]]
	}
	type ay struct {
		area string
		year int32
	}
	clients, delivered := map[ay]string{}, map[ay]float64{}
	for _, r := range recs {
		y, _ := strconv.Atoi(strings.SplitN(r[h["financial_year"]], "-", 2)[0])
		k := ay{ons[r[h["cassr_code"]]], int32(y)}
		switch r[h["item_code"]] {
		case "A4.13":
			clients[k] = r[h["value_raw"]]
		case "J1.1", "J1.2":
			v, _ := strconv.ParseFloat(strings.ReplaceAll(r[h["value_raw"]], ",", ""), 64)
			delivered[k] += v
		}
	}
	notRecorded, none := 0, 0
	for k, v := range clients {
		if v == "0" && delivered[k] > 0 {
			notRecorded++
		} else if v == "0" {
			none++
		}
	}
	if notRecorded != 27 || none != 154 {
		t.Errorf("raw meals zeros: %d with meals delivered, %d without; want 27 and 154", notRecorded, none)
	}
	kept := map[ay]float64{}
	for _, r := range load(t).ServiceActivity {
		if r.Service == "meals" {
			kept[ay{r.AreaCode, r.Year}] = r.Value
		}
	}
	zeros := 0
	for k, v := range clients {
		got, has := kept[k]
		switch {
		case v == "0" && delivered[k] > 0 && has:
			t.Errorf("%s %d: meals clients kept as %v although %.0f meals a week were delivered", k.area, k.year, got, delivered[k])
		case v == "0" && delivered[k] == 0 && (!has || got != 0):
			t.Errorf("%s %d: no meals delivered and 0 clients reported, but the data has %v (present %v)", k.area, k.year, got, has)
		case v == "0" && delivered[k] == 0:
			zeros++
		}
	}
	if zeros != 154 {
		t.Errorf("%d zero meals council-years kept, want 154", zeros)
	}
}
