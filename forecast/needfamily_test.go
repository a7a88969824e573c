package forecast

import "testing"

func TestFamilyEvidenceYear(t *testing.T) {
	fam := []string{"need", "received", "unmet"}
	yrs := func(ys ...int) map[int]bool {
		m := map[int]bool{}
		for _, y := range ys {
			m[y] = true
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		usable map[string]map[int]bool
		bands  map[int]int
		want   int
	}{
		// The default data's ADL family: only 2013 has all three.
		{"all three", map[string]map[int]bool{"need": yrs(2013, 2014, 2016, 2021), "received": yrs(2013), "unmet": yrs(2013, 2016, 2021)},
			map[int]int{2013: 3, 2014: 3, 2016: 1, 2021: 1}, 2013},
		// The IADL family: received counts before unmet.
		{"received first", map[string]map[int]bool{"need": yrs(2013, 2021), "received": yrs(2013), "unmet": yrs(2021)},
			map[int]int{2013: 1, 2021: 1}, 2013},
		// Need alone: the latest with more than one band, as for any measure.
		{"need alone", map[string]map[int]bool{"need": yrs(2013, 2014, 2021)}, map[int]int{2013: 3, 2014: 3, 2021: 1}, 2014},
		{"no need", map[string]map[int]bool{"received": yrs(2013)}, nil, 0},
	} {
		if got := FamilyEvidenceYear(fam, tc.usable, tc.bands); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if NeedFamily("adl_unmet_need")[0] != "adl_need_help" || NeedFamily("dementia") != nil {
		t.Error("NeedFamily")
	}
}
