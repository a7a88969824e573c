package population

import (
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast"
)

// Local test data: ONS mid-year estimates by single year of age (../shared/data/raw/ons_mye).

// loadSheffield returns Sheffield's (E08000019) estimates for 2001..2020, index year-2001.
func loadSheffield(t testing.TB) []Pop90 {
	out := make([]Pop90, 20)
	readCSV(t, "ons_mye/sheffield_mye_syoa_sex_2001_2020.csv", func(c func(string) string) {
		out[atoi(t, c("year"))-2001][onsSex(t, c("sex"))][atoi(t, c("age"))] += atof(t, c("population"))
	})
	return out
}

// lad18to21 maps 2018 district codes merged by April 2021 to their successors, as listed in
// datasets/README.md (2019, 2020 and 2021 reorganisations). Test-only: carecast's
// areas table (docs/design.md §2) is the authority.
var lad18to21 = map[string]string{
	"E06000028": "E06000058", "E06000029": "E06000058", "E07000048": "E06000058", // Bournemouth, Christchurch and Poole
	"E07000049": "E06000059", "E07000050": "E06000059", "E07000051": "E06000059", "E07000052": "E06000059", "E07000053": "E06000059", // Dorset
	"E07000205": "E07000244", "E07000206": "E07000244", // East Suffolk
	"E07000201": "E07000245", "E07000204": "E07000245", // West Suffolk
	"E07000190": "E07000246", "E07000191": "E07000246", // Somerset West and Taunton
	"E07000004": "E06000060", "E07000005": "E06000060", "E07000006": "E06000060", "E07000007": "E06000060", // Buckinghamshire
	"E07000150": "E06000061", "E07000152": "E06000061", "E07000153": "E06000061", "E07000156": "E06000061", // North Northamptonshire
	"E07000151": "E06000062", "E07000154": "E06000062", "E07000155": "E06000062", // West Northamptonshire
}

// loadMYE2011 returns the mid-2011 estimates of English districts on April 2021 boundaries.
func loadMYE2011(t testing.TB) map[string]*Pop90 {
	out := map[string]*Pop90{}
	readCSV(t, "ons_mye/mye2011_syoa_sex_lad2018geog_nomis.csv", func(c func(string) string) {
		code := c("code")
		if !strings.HasPrefix(code, "E") {
			return
		}
		if to, ok := lad18to21[code]; ok {
			code = to
		}
		p := out[code]
		if p == nil {
			p = new(Pop90)
			out[code] = p
		}
		p[onsSex(t, c("sex"))][atoi(t, c("age"))] += atof(t, c("population"))
	})
	return out
}

// loadMYE2020 returns the mid-2020 estimates of English lower-tier areas (April 2021
// boundaries) and of England.
func loadMYE2020(t testing.TB) (areas map[string]*Pop90, england *Pop90) {
	areas = map[string]*Pop90{}
	england = new(Pop90)
	lower := map[string]bool{"Unitary Authority": true, "Non-metropolitan District": true,
		"Metropolitan District": true, "London Borough": true}
	readCSV(t, "ons_mye/mye2020_syoa_sex_la_2021geog.csv", func(c func(string) string) {
		code := c("code")
		var p *Pop90
		switch {
		case code == "E92000001":
			p = england
		case strings.HasPrefix(code, "E") && lower[c("geography")]:
			if p = areas[code]; p == nil {
				p = new(Pop90)
				areas[code] = p
			}
		default:
			return
		}
		p[onsSex(t, c("sex"))][atoi(t, c("age"))] += atof(t, c("population"))
	})
	return areas, england
}

// loadTotals returns all-age totals 2001..2020 (index year-2001) by area code.
func loadTotals(t testing.TB) map[string][]float64 {
	out := map[string][]float64{}
	readCSV(t, "ons_mye/mye_2001_2020_allages_la_2021geog.csv", func(c func(string) string) {
		code := c("code")
		if out[code] == nil {
			out[code] = make([]float64, 20)
		}
		out[code][atoi(t, c("year"))-2001] = atof(t, c("population"))
	})
	return out
}

// england sums the English areas in m (used where no England row is published).
func england(m map[string]*Pop90) *Pop90 {
	var e Pop90
	codes := make([]string, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Strings(codes) // a fixed order, so sums are reproducible
	for _, c := range codes {
		for s := range e {
			for x := range e[s] {
				e[s][x] += m[c][s][x]
			}
		}
	}
	return &e
}

// score accumulates absolute percentage errors.
type score struct {
	sum float64
	n   int
	max float64
}

func (s *score) add(got, want float64) {
	e := math.Abs(pctErr(got, want))
	s.sum += e
	s.n++
	s.max = max(s.max, e)
}

func (s *score) mape() float64 { return s.sum / float64(s.n) }

var _ = forecast.OpenAge
