package datasets

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Summary says what a dataset covers: the basis of `carecast datasets describe` and of the
// one-line message of `carecast datasets validate`.
type Summary struct {
	File        string   `json:"file,omitempty"`
	Kind        Kind     `json:"kind"`
	Rows        int      `json:"rows"`
	Bytes       int64    `json:"bytes,omitempty"`
	ContentHash string   `json:"content_hash,omitempty"`
	Areas       int      `json:"areas"`
	AreaTypes   []string `json:"area_types,omitempty"` // areas kind: "unitary 59", …
	YearFrom    int32    `json:"year_from,omitempty"`
	YearTo      int32    `json:"year_to,omitempty"`
	Years       int      `json:"years"`
	AgeFrom     int32    `json:"age_from"`
	AgeTo       int32    `json:"age_to"`
	Sexes       []string `json:"sexes,omitempty"`
	Measures    []string `json:"measures,omitempty"` // measures, services, flows, rate types or population kinds
	Sources     []string `json:"sources"`
}

// Line is the one-line summary printed for a valid file.
func (s Summary) Line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: valid %s, %d rows, %d areas", s.File, s.Kind, s.Rows, s.Areas)
	if s.Years > 0 {
		fmt.Fprintf(&b, ", years %d–%d", s.YearFrom, s.YearTo)
	}
	if s.AgeTo > 0 {
		fmt.Fprintf(&b, ", ages %d–%d", s.AgeFrom, s.AgeTo)
	}
	if len(s.Sexes) > 0 {
		fmt.Fprintf(&b, ", sexes %s", strings.Join(s.Sexes, "/"))
	}
	if len(s.Measures) > 0 {
		fmt.Fprintf(&b, ", %d measures", len(s.Measures))
	}
	if s.ContentHash != "" {
		fmt.Fprintf(&b, ", sha256 %s", s.ContentHash[:12])
	}
	return b.String()
}

// Summarize describes rows (File, Bytes and ContentHash are left for the caller).
func Summarize[T Record](rows []T) Summary {
	s := Summary{Kind: KindOf[T](), Rows: len(rows), AgeFrom: -1}
	areas, years, sexes, measures, sources := newSet(), map[int32]bool{}, newSet(), newSet(), newSet()
	pairs := map[[2]string]bool{} // population kind and variant, joined at the end
	types := map[string]int{}
	lastYear, hasYear := int32(0), false
	year := func(y int32) {
		if !hasYear || y != lastYear {
			years[y], lastYear, hasYear = true, y, true
		}
	}
	var lastPair [2]string
	pair := func(kind, variant string) {
		if p := [2]string{kind, variant}; len(pairs) == 0 || p != lastPair {
			pairs[p], lastPair = true, p
		}
	}
	age := func(a int32) {
		if s.AgeFrom < 0 || a < s.AgeFrom {
			s.AgeFrom = a
		}
		s.AgeTo = max(s.AgeTo, a)
	}
	for _, r := range rows {
		switch r := any(r).(type) {
		case Area:
			areas.add(r.AreaCode)
			types[r.AreaType]++
			if r.ValidTo != "" {
				types["ended"]++
			}
			sources.add(r.Source)
		case Population:
			areas.add(r.AreaCode)
			year(r.Year)
			sexes.add(r.Sex)
			age(r.Age)
			pair(r.Kind, r.Variant)
			sources.add(r.Source)
		case PopulationOldest:
			areas.add(r.AreaCode)
			year(r.Year)
			sexes.add(r.Sex)
			age(r.Age)
			pair(r.Kind, r.Variant)
			sources.add(r.Source)
		case PopulationTotal:
			areas.add(r.AreaCode)
			year(r.Year)
			sexes.add(r.Sex)
			age(r.AgeFrom)
			age(r.AgeTo)
			pair(r.Kind, r.Variant)
			sources.add(r.Source)
		case Mortality:
			areas.add(r.AreaCode)
			year(r.Year)
			sexes.add(r.Sex)
			age(r.Age)
			measures.add(r.RateType)
			sources.add(r.Source)
		case Fertility:
			areas.add(r.AreaCode)
			year(r.Year)
			age(r.Age)
			sources.add(r.Source)
		case Migration:
			areas.add(r.AreaCode)
			year(r.Year)
			sexes.add(r.Sex)
			age(r.Age)
			measures.add(r.Flow)
			sources.add(r.Source)
		case LifeExpectancy:
			areas.add(r.AreaCode)
			year(r.Year)
			sexes.add(r.Sex)
			age(r.Age)
			measures.add(r.ExType)
			sources.add(r.Source)
		case Prevalence:
			year(r.EvidenceYear)
			sexes.add(r.Sex)
			age(r.AgeFrom)
			age(r.AgeTo)
			measures.add(r.Measure)
			sources.add(r.Source)
		case ServiceActivity:
			areas.add(r.AreaCode)
			year(r.Year)
			measures.add(r.Service + " " + r.Measure + " " + r.AgeBand)
			sources.add(r.Source)
		case UnitCost:
			areas.add(r.AreaCode)
			year(r.Year)
			measures.add(r.Service + " per " + r.Unit)
			sources.add(r.Source)
		case Supply:
			areas.add(r.AreaCode)
			year(r.Year)
			measures.add(r.Service + " " + r.Unit)
			sources.add(r.Source)
		case Deprivation:
			areas.add(r.AreaCode)
			measures.add(r.Edition + " " + r.Measure)
			sources.add(r.Source)
		case TopicRate:
			sexes.add(r.Sex)
			age(r.AgeFrom)
			measures.add(r.Topic)
			sources.add(r.Source)
		case ActivityHistory:
			areas.add(r.AreaCode)
			years[r.Year] = true
			measures.add(r.Service + " " + r.Measure + " " + r.AgeBand + " " + r.Definition)
			sources.add(r.Source)
		}
	}
	for p := range pairs {
		measures.add(strings.TrimSpace(p[0] + " " + p[1]))
	}
	if s.AgeFrom < 0 {
		s.AgeFrom = 0
	}
	s.Areas = areas.len()
	s.Years = len(years)
	for y := range years {
		if s.YearFrom == 0 || y < s.YearFrom {
			s.YearFrom = y
		}
		s.YearTo = max(s.YearTo, y)
	}
	s.Sexes = sexes.sorted()
	s.Measures = measures.sorted()
	s.Sources = sources.sorted()
	for _, t := range areaTypes {
		if types[t] > 0 {
			s.AreaTypes = append(s.AreaTypes, fmt.Sprintf("%s %d", t, types[t]))
		}
	}
	if types["ended"] > 0 {
		s.AreaTypes = append(s.AreaTypes, fmt.Sprintf("ended %d", types["ended"]))
	}
	return s
}

// set is a set of strings that skips the map when a value repeats the one added last, as
// the values of sorted files mostly do.
type set struct {
	m    map[string]bool
	last string
	has  bool
}

func newSet() *set { return &set{m: map[string]bool{}} }

func (s *set) add(v string) {
	if s.has && v == s.last {
		return
	}
	s.m[v], s.last, s.has = true, v, true
}

func (s *set) len() int { return len(s.m) }

func (s *set) sorted() []string {
	out := make([]string, 0, len(s.m))
	for v := range s.m {
		out = append(out, v)
	}
	sort.Strings(out)
	return slices.Clip(out)
}
