package engine

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/carecast/carecast/forecast"
)

// band is an age range of output, OpenAge meaning "and over".
type band struct {
	name     string
	from, to int
}

// Standard output bands for population and need.
var stdBands = []band{
	{"0-17", 0, 17}, {"18-64", 18, 64}, {"65-74", 65, 74}, {"75-84", 75, 84}, {"85+", 85, forecast.OpenAge},
	{"90+", 90, forecast.OpenAge}, {"65+", 65, forecast.OpenAge}, {"18+", 18, forecast.OpenAge}, {"all", 0, forecast.OpenAge},
}

func bandName(from, to int) string {
	if to >= forecast.OpenAge {
		if from == 0 {
			return "all"
		}
		return fmt.Sprintf("%d+", from)
	}
	return fmt.Sprintf("%d-%d", from, to)
}

// schedule is one need measure's prevalence by sex and single year of age, from one evidence
// year: rate[s][x] for x in from..to (zero elsewhere), with 95% bounds where published.
type schedule struct {
	measure      string
	evidenceYear int
	from, to     int
	rate         [forecast.NumSexes][forecast.NumAges]float64
	lo, hi       [forecast.NumSexes][forecast.NumAges]float64 // NaN where not published
	bands        []band                                       // output bands within from..to
	sources      []string
}

// anyInterval reports whether the schedule publishes an interval at any age.
func (s *schedule) anyInterval() bool {
	for sex := range s.lo {
		for x := s.from; x <= s.to; x++ {
			if !math.IsNaN(s.lo[sex][x]) {
				return true
			}
		}
	}
	return false
}

// buildSchedule turns the rows of one measure and evidence year into a schedule, or reports
// why it cannot be used (ages covered for one sex and not the other, or a gap).
func buildSchedule(rows []PrevalenceRate) (*schedule, error) {
	s := &schedule{measure: rows[0].Measure, evidenceYear: rows[0].EvidenceYear, from: forecast.OpenAge + 1, to: -1}
	var covered [forecast.NumSexes][forecast.NumAges]bool
	for sex := range s.lo {
		for x := range s.lo[sex] {
			s.lo[sex][x], s.hi[sex][x] = math.NaN(), math.NaN()
		}
	}
	srcs := map[string]bool{}
	for _, r := range rows {
		sexes := []int{r.Sex}
		if r.Sex < 0 {
			sexes = []int{int(forecast.Female), int(forecast.Male)}
		}
		for _, sex := range sexes {
			for x := r.AgeFrom; x <= r.AgeTo && x <= forecast.OpenAge; x++ {
				if covered[sex][x] {
					return nil, fmt.Errorf("%s (%d): age %d is given twice", s.measure, s.evidenceYear, x)
				}
				covered[sex][x] = true
				s.rate[sex][x], s.lo[sex][x], s.hi[sex][x] = r.Rate, r.Lo, r.Hi
			}
		}
		s.from, s.to = min(s.from, r.AgeFrom), max(s.to, r.AgeTo)
		srcs[r.Source] = true
	}
	for sex := range covered {
		for x := s.from; x <= s.to; x++ {
			if !covered[sex][x] {
				return nil, fmt.Errorf("%s (%d): no %v rate at age %d", s.measure, s.evidenceYear, forecast.Sex(sex), x)
			}
		}
	}
	for _, b := range stdBands {
		if b.from >= s.from && b.to <= s.to && b.name != "all" && b.name != "18+" {
			s.bands = append(s.bands, b)
		}
	}
	if !slices.ContainsFunc(s.bands, func(b band) bool { return b.from == s.from && b.to == s.to }) {
		s.bands = append(s.bands, band{bandName(s.from, s.to), s.from, s.to})
	}
	for src := range srcs {
		s.sources = append(s.sources, src)
	}
	sort.Strings(s.sources)
	return s, nil
}

// numBands counts a schedule's published bands (its distinct rates' age ranges).
func numBands(rows []PrevalenceRate) int {
	n := map[[2]int]bool{}
	for _, r := range rows {
		n[[2]int{r.AgeFrom, r.AgeTo}] = true
	}
	return len(n)
}

// schedules picks each need measure's evidence: the scenario's choice, else, for a measure of a
// need family (forecast.NeedFamilies: need, help received, unmet need), the family's one
// evidence year (forecast.FamilyEvidenceYear, or the scenario's choice for the family's need),
// else the latest evidence year with more than one age band, else the latest usable. A family
// measure without evidence from the family's year is picked on its own and a note says so.
// Measures whose evidence cannot cover its ages for both sexes are left out and reported in notes.
func (e *Engine) schedules(sc *forecast.Scenario) (out []*schedule, notes []string, err error) {
	byMeasure := map[string]map[int][]PrevalenceRate{}
	for _, p := range e.in.Prevalence {
		if byMeasure[p.Measure] == nil {
			byMeasure[p.Measure] = map[int][]PrevalenceRate{}
		}
		byMeasure[p.Measure][p.EvidenceYear] = append(byMeasure[p.Measure][p.EvidenceYear], p)
	}
	chosen := map[string]forecast.PrevalenceSpec{}
	for _, p := range sc.Prevalence {
		chosen[p.Measure] = p
	}
	// Each measure's usable evidence years, built once.
	built := map[string]map[int]*schedule{}
	usable := map[string]map[int]bool{}
	for m, years := range byMeasure {
		built[m], usable[m] = map[int]*schedule{}, map[int]bool{}
		for y, rows := range years {
			if s, err := buildSchedule(rows); err == nil {
				built[m][y], usable[m][y] = s, true
			}
		}
	}
	familyYear := map[string]int{} // by family need
	for _, f := range forecast.NeedFamilies {
		if y := chosen[f[0]].EvidenceYear; y != 0 {
			familyYear[f[0]] = y
			continue
		}
		bands := map[int]int{}
		for y, rows := range byMeasure[f[0]] {
			bands[y] = numBands(rows)
		}
		familyYear[f[0]] = forecast.FamilyEvidenceYear(f, usable, bands)
	}
	for _, m := range sortedKeys(byMeasure) {
		spec, named := chosen[m]
		if spec.Exclude || (e.in.OptIn[m] && !named) {
			continue
		}
		years := sortedInts(byMeasure[m])
		if spec.EvidenceYear != 0 {
			s, err := buildSchedule(byMeasure[m][spec.EvidenceYear])
			if err != nil {
				return nil, nil, fmt.Errorf("prevalence %s: %w", m, err)
			}
			out = append(out, s)
			continue
		}
		var fy int
		if f := forecast.NeedFamily(m); f != nil {
			fy = familyYear[f[0]]
			if s := built[m][fy]; s != nil {
				out = append(out, s)
				continue
			}
		}
		var best *schedule
		bestBands := 0
		for i := len(years) - 1; i >= 0; i-- {
			s := built[m][years[i]]
			if s == nil {
				continue // an evidence year that does not cover its ages is skipped
			}
			if nb := min(numBands(byMeasure[m][years[i]]), 2); best == nil || nb > bestBands {
				best, bestBands = s, nb
			}
		}
		if best == nil {
			notes = append(notes, fmt.Sprintf("need measure %s is left out: no evidence year covers its ages for both sexes", m))
			continue
		}
		if fy != 0 {
			notes = append(notes, fmt.Sprintf("need measure %s is from evidence year %d: the data has none from %d, the year of the rest of its family (%s), so it is not comparable with them",
				m, best.evidenceYear, fy, strings.Join(forecast.NeedFamily(m), ", ")))
		}
		out = append(out, best)
	}
	// A scenario that picks evidence years for a family's measures may mix survey years.
	for _, f := range forecast.NeedFamilies {
		var parts []string
		years, explicit := map[int]bool{}, false
		for _, s := range out {
			if slices.Contains(f, s.measure) {
				parts = append(parts, fmt.Sprintf("%s %d", s.measure, s.evidenceYear))
				years[s.evidenceYear] = true
				explicit = explicit || chosen[s.measure].EvidenceYear != 0
			}
		}
		if explicit && len(years) > 1 {
			notes = append(notes, fmt.Sprintf("need measures %s come from different survey years, as the scenario chose, so help received and unmet need may exceed need",
				strings.Join(parts, ", ")))
		}
	}
	return out, notes, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedInts[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// shiftedRateTo writes into dst[from..to] the schedule's rates moved shift years to older
// ages: dst[x] = rate(x − shift), interpolated linearly between single years; below the
// measure's first age the first age's rate is used. Ages outside from..to are not written.
// The shift is the same at every age, so the interpolation weights are computed once.
func (s *schedule) shiftedRateTo(dst *[forecast.NumAges]float64, sex int, shift float64, rate *[forecast.NumSexes][forecast.NumAges]float64) {
	r := &rate[sex]
	fl := math.Floor(-shift)
	off, f := int(fl), -shift-fl // x − shift = (x + off) + f, 0 ≤ f < 1
	g := 1 - f
	for x := s.from; x <= s.to; x++ {
		lo := x + off
		if lo >= s.from && lo < s.to {
			dst[x] = g*r[lo] + f*r[lo+1]
			continue
		}
		dst[x] = g*r[min(max(lo, s.from), s.to)] + f*r[min(max(lo+1, s.from), s.to)]
	}
}
