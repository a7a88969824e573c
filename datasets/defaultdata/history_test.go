package defaultdata

import (
	"math"
	"testing"
)

// The activity history against the figures PROVENANCE §12 re-read from the source files, and
// against the PSS-EX1 items the service_activity kind holds for the same councils and years
// (the same return, read by another route).
func TestActivityHistoryFigures(t *testing.T) {
	b := load(t)
	if len(b.ActivityHistory) == 0 {
		t.Fatal("no activity history in the default data")
	}
	get := func(area string, year int32, service, provision string) float64 {
		for _, r := range b.ActivityHistory {
			if r.AreaCode == area && r.Year == year && r.Service == service && r.Provision == provision {
				return r.Value
			}
		}
		return math.NaN()
	}
	for _, c := range []struct {
		area          string
		year          int32
		service, prov string
		want          float64
		why           string
	}{
		{"E08000035", 2018, "residential", "total", 63167, "Leeds 65+ residential 2018-19, client weeks"},
		{"E08000035", 2018, "residential", "external", 60003, "Leeds 65+ residential 2018-19, external"},
		{"E08000035", 2018, "residential", "in_house", 3164, "Leeds 65+ residential 2018-19, in house"},
		{"E08000035", 2013, "home_care", "external", 1929585, "Leeds home care 2013-14, external hours"},
		{"E06000001", 2016, "nursing", "total", 7354, "Hartlepool 65+ nursing 2016-17, from the keyed ASC-FR file"},
	} {
		if got := get(c.area, c.year, c.service, c.prov); got != c.want {
			t.Errorf("%s: %v, want %v", c.why, got, c.want)
		}
	}
	// Councils per year: about 150 with residential care every year (138 in 2000-01, when the
	// compiled file names fewer).
	per := map[int32]map[string]bool{}
	for _, r := range b.ActivityHistory {
		if r.Service == "residential" && r.Provision == "total" {
			if per[r.Year] == nil {
				per[r.Year] = map[string]bool{}
			}
			per[r.Year][r.AreaCode] = true
		}
	}
	for y := int32(2000); y <= 2022; y++ {
		if n := len(per[y]); n < 130 || n > 155 {
			t.Errorf("%d-%02d: residential care for %d councils, want about 150", y, (y+1)%100, n)
		}
	}
	// PSS-EX1 (service_activity, residential weeks 65+ = D1.2 + D1.3) against the history's
	// totals, 2009-10 to 2013-14: the same return, so the same numbers.
	var compared, differ int
	for _, s := range b.ServiceActivity {
		if s.Service != "residential" || s.Measure != "weeks" || s.AgeBand != "65+" || s.Year < 2009 || s.Year > 2013 {
			continue
		}
		h := get(s.AreaCode, s.Year, "residential", "total")
		if math.IsNaN(h) {
			continue
		}
		compared++
		if math.Abs(h-s.Value) > 0.5 {
			differ++
			t.Logf("%s %d: history %v, PSS-EX1 %v", s.AreaCode, s.Year, h, s.Value)
		}
	}
	if compared < 600 || differ > 0 {
		t.Errorf("PSS-EX1 residential 65+ weeks: %d council-years compared, %d differ", compared, differ)
	}
}
