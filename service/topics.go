package service

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
	"github.com/carecast/carecast/forecast/population"
)

// Topic is one POPPI or PANSI topic: a condition or need whose published rates by sex and age
// band carecast applies to an area's population, as POPPI (people 65+) and PANSI (people 18-64)
// do. Rates are the topic_rates dataset's, each with its study and source; the CFAS II dementia
// rates of the prevalence dataset are topic "dementia_cfas2".
type Topic struct {
	ID         string   // e.g. "falls"
	Label      string   // the measure in POPPI/PANSI's or the source's words
	Population string   // the group the rates apply to, e.g. "65+"
	Programme  string   // "POPPI" (65+), "PANSI" (18-64) or "POPPI and PANSI"
	Basis      string   // the rates' basis (datasets.Basis…)
	Unit       string   // what a count counts: "people", or "admissions a year"
	Studies    []string // the studies of its rates, in the data's order
	Bands      []string // the table's age bands, e.g. 65-69 … 90+
	Tabulated  bool     // whether TopicTable counts it (population and headline rates)
	Note       string   // how the rates are used, and what they are not
	Rates      []datasets.TopicRate
}

// TopicRow is one cell of a topic table: the expected number of people (Unit) of Sex in an age
// band of an area at mid-year Year. Count is nil where no rate covers the band for that sex;
// Lo and Hi are the count at the ends of the rates' 95% intervals (or of a derived rate's
// bracket), nil where the rates have none.
type TopicRow struct {
	Area             string
	AreaName         string
	Year             int
	Band             string
	Sex              string // female, male or all
	Count            *float64
	Lo, Hi           *float64
	Population       float64 // the people in the band the count is drawn from
	PopulationSource string  // "estimate" (ONS mid-year estimate) or "projection" (ONS 2018-based SNPP, principal)
	Note             string  // a derived or assumed rate, said in words
}

// TopicTable is one topic for one or more areas and years, by age band and sex, with the
// studies its rates come from (to be named under the table).
type TopicTable struct {
	Topic   Topic
	Rows    []TopicRow
	Studies []string
	Notes   []string
}

// ErrTopicNotFound is returned for a topic carecast does not hold.
var ErrTopicNotFound = errors.New("no such topic")

// The topic table age bands: POPPI's 5-year bands 65-69 … 90+ and PANSI's 18-24 … 55-64.
var (
	poppiBands = [][2]int{{65, 69}, {70, 74}, {75, 79}, {80, 84}, {85, 89}, {90, forecast.OpenAge}}
	pansiBands = [][2]int{{18, 24}, {25, 34}, {35, 44}, {45, 54}, {55, 64}}
)

const cfasURL = "https://github.com/BCC-PHM/OA-projections/blob/afab6d2fea51cc15e8e4e1afd68ea341d95b7a65/data/dementia-reference-rates.xlsx"

// Topics lists every topic of the data, in the data's order, with CFAS II dementia (from the
// prevalence dataset) after Dementia UK's.
func (c *Carecast) Topics() []Topic {
	c.topicsOnce.Do(func() { c.topics = buildTopics(c.Bundle) })
	return c.topics
}

// Topic returns one topic, or ErrTopicNotFound.
func (c *Carecast) Topic(id string) (Topic, error) {
	for _, t := range c.Topics() {
		if t.ID == id {
			return t, nil
		}
	}
	return Topic{}, fmt.Errorf("%w: %q", ErrTopicNotFound, id)
}

func buildTopics(b *datasets.Bundle) []Topic {
	var order []string
	by := map[string][]datasets.TopicRate{}
	for _, r := range b.TopicRates {
		if _, ok := by[r.Topic]; !ok {
			order = append(order, r.Topic)
		}
		by[r.Topic] = append(by[r.Topic], r)
	}
	var cfas []datasets.TopicRate
	for _, p := range b.Prevalence {
		if p.Measure != "dementia" {
			continue
		}
		to := p.AgeTo
		if to == forecast.OpenAge {
			to = datasets.TopicOpenAge
		}
		cfas = append(cfas, datasets.TopicRate{Topic: "dementia_cfas2", Population: "65+", Label: "Dementia (CFAS II reference rates)",
			Sex: p.Sex, AgeFrom: p.AgeFrom, AgeTo: to, Rate: p.Rate, RateLo: p.RateLo, RateHi: p.RateHi, Basis: datasets.BasisPopulation,
			Study:     "Cognitive Function and Ageing Study II (Matthews FE et al., Lancet 2013), reference rates as published by Birmingham City Council Public Health",
			SourceURL: cfasURL, Locator: "data/dementia-reference-rates.xlsx", Source: p.Source})
	}
	if len(cfas) > 0 {
		i := slices.Index(order, "dementia_dementia_uk_2014")
		order = slices.Insert(order, i+1, "dementia_cfas2")
		by["dementia_cfas2"] = cfas
	}
	out := make([]Topic, 0, len(order))
	for _, id := range order {
		out = append(out, newTopic(id, by[id]))
	}
	return out
}

func newTopic(id string, rates []datasets.TopicRate) Topic {
	t := Topic{ID: id, Label: rates[0].Label, Population: rates[0].Population, Basis: rates[0].Basis, Unit: "people", Rates: rates}
	for _, r := range rates {
		if !slices.Contains(t.Studies, r.Study) {
			t.Studies = append(t.Studies, r.Study)
		}
		if r.Basis == datasets.BasisPopulation {
			t.Basis = datasets.BasisPopulation
		}
	}
	if id == "falls_hospital_admissions" {
		t.Unit = "admissions a year"
	}
	switch t.Basis {
	case datasets.BasisPopulation:
		t.Tabulated = true
		t.Note = "Published rates by sex and age band applied to the area's population, as POPPI and PANSI do."
	case datasets.BasisHeadline:
		t.Tabulated = true
		t.Note = "A study's headline figure, not an age-band rate: carecast applies it to every age it covers, an assumption that every row of the table repeats."
	case datasets.BasisDementiaShare:
		t.Note = "Shares of people with dementia (severity or subtype), not of the population: listed, not counted."
	case datasets.BasisHouseholdsShare:
		t.Note = "A share of households, not of people: listed, not counted."
	}
	lo, hi := math.MaxInt, -1
	for _, r := range t.used() {
		lo, hi = min(lo, int(r.AgeFrom)), max(hi, int(r.AgeTo))
	}
	for _, b := range t.bands(lo, hi) {
		t.Bands = append(t.Bands, b.name)
	}
	switch {
	case lo >= 65:
		t.Programme = "POPPI"
	case hi < 65:
		t.Programme = "PANSI"
	default:
		t.Programme = "POPPI and PANSI"
	}
	return t
}

// used returns the rates a table applies: the population rates, or a headline topic's.
func (t *Topic) used() []datasets.TopicRate {
	var out []datasets.TopicRate
	for _, r := range t.Rates {
		if r.Basis == t.Basis && (r.Basis == datasets.BasisPopulation || r.Basis == datasets.BasisHeadline) {
			out = append(out, r)
		}
	}
	return out
}

type topicBand struct {
	name     string
	from, to int // to = forecast.OpenAge for 90+
}

// bands clips POPPI's and PANSI's bands to the ages lo..hi the rates cover.
func (t *Topic) bands(lo, hi int) []topicBand {
	var out []topicBand
	for _, b := range slices.Concat(pansiBands, poppiBands) {
		from, to := max(b[0], lo), min(b[1], hi)
		if b[1] == forecast.OpenAge && hi >= forecast.OpenAge {
			to = forecast.OpenAge
		}
		if from > to {
			continue
		}
		name := fmt.Sprintf("%d-%d", from, to)
		if to == forecast.OpenAge {
			name = fmt.Sprintf("%d+", from)
		}
		out = append(out, topicBand{name, from, to})
	}
	return out
}

// rateAt is the rate for one sex at single age x (0..89), or at 90+ (x = 90), with its
// interval; ok false where no rate covers it. note says how a 90+ rate was made from narrower
// bands.
type ageRate struct {
	rate, lo, hi float64
	interval     bool
	ok           bool
	note         string
	row          int // index in used(), -1 when derived
}

// rateTable holds a topic's rates by sex (female, male, all) and age 0..90 (90 = 90+).
type rateTable [3][forecast.NumAges]ageRate

// topicRates resolves, for each sex and age, the first rate (in the data's order) covering it.
// A topic with no sex-specific rate applies its "all" rates to both sexes (the data records one
// rate as "all" only where men's and women's are the same). The 90+ rate of a topic whose rates
// split 90+ (Dementia UK 2014: 90-94 and 95+) is their mean weighted by England's population at
// each age 90..105+ in oldest, and its bracket is the lowest and highest of them.
func topicRates(used []datasets.TopicRate, oldest *population.Pop) *rateTable {
	var rt rateTable
	bySex := false
	for _, r := range used {
		if r.Sex != "all" {
			bySex = true
		}
	}
	first := func(sex string, x int) int {
		for i, r := range used {
			if r.Sex == sex && int(r.AgeFrom) <= x && x <= int(r.AgeTo) {
				return i
			}
		}
		return -1
	}
	for si, sex := range []string{"female", "male", "all"} {
		src := sex
		if !bySex && sex != "all" {
			src = "all"
		}
		for x := 0; x < forecast.OpenAge; x++ {
			if i := first(src, x); i >= 0 {
				rt[si][x] = ageRateOf(used[i], i)
			}
		}
		i := first(src, forecast.OpenAge)
		switch {
		case i < 0:
		case used[i].AgeTo == datasets.TopicOpenAge:
			rt[si][forecast.OpenAge] = ageRateOf(used[i], i)
		case oldest != nil:
			// The rates split 90+: weight them by England's people at each age 90..105+.
			s := forecast.Female
			if sex == "male" {
				s = forecast.Male
			}
			var num, den float64
			lo, hi := math.Inf(1), math.Inf(-1)
			var parts []string
			complete := true
			for x := forecast.OpenAge; x <= population.MaxAge; x++ {
				j := first(src, x)
				if j < 0 {
					complete = false
					break
				}
				w := oldest[s][x]
				if sex == "all" {
					w = oldest[forecast.Female][x] + oldest[forecast.Male][x]
				}
				num += w * used[j].Rate
				den += w
				lo, hi = min(lo, used[j].Rate), max(hi, used[j].Rate)
				if p := bandLabel(used[j]); !slices.Contains(parts, p) {
					parts = append(parts, p)
				}
			}
			if complete && den > 0 {
				rt[si][forecast.OpenAge] = ageRate{rate: num / den, lo: lo, hi: hi, interval: true, ok: true, row: -1,
					note: fmt.Sprintf("90+ rate derived by carecast: the %s rates weighted by England's population at each age 90-105+ (ONS); the range is the lowest and highest of them",
						strings.Join(parts, " and "))}
			}
		}
	}
	return &rt
}

func ageRateOf(r datasets.TopicRate, i int) ageRate {
	a := ageRate{rate: r.Rate, ok: true, row: i}
	if r.RateLo != nil && r.RateHi != nil {
		a.lo, a.hi, a.interval = *r.RateLo, *r.RateHi, true
	}
	if r.Basis == datasets.BasisHeadline {
		a.note = fmt.Sprintf("assumption: the headline rate for %s applied to every age of the band (no age-specific rate was found)", bandLabel(r))
	}
	return a
}

func bandLabel(r datasets.TopicRate) string {
	if r.AgeTo == datasets.TopicOpenAge {
		return fmt.Sprintf("%d+", r.AgeFrom)
	}
	return fmt.Sprintf("%d-%d", r.AgeFrom, r.AgeTo)
}

// TopicYears are the years a topic table may cover: the mid-year estimates' (2011, 2018,
// 2020–2022) and the supplied principal projection's (2018–2043).
const (
	TopicFirstYear = 2011
	TopicLastYear  = 2043
)

// TopicTable computes topic id for each area (council or any area the engine knows) and each
// year from..to: per age band and sex, rate × the area's population at that mid-year — ONS's
// mid-year estimate where every district under the area has one for that year, else ONS's
// 2018-based principal projection (no year is interpolated). Years with neither are left out.
// It returns ErrTopicNotFound for an unknown topic and a PublicError for a topic that counts
// no one (shares of people with dementia, of households) or areas or years it cannot answer.
func (c *Carecast) TopicTable(id string, areas []string, from, to int) (*TopicTable, error) {
	t, err := c.Topic(id)
	if err != nil {
		return nil, err
	}
	if !t.Tabulated {
		return nil, PublicError(fmt.Errorf("topic %s is not counted: %s", id, t.Note))
	}
	if from > to || from < TopicFirstYear || to > TopicLastYear {
		return nil, PublicError(fmt.Errorf("years %d to %d: a topic table covers %d to %d", from, to, TopicFirstYear, TopicLastYear))
	}
	used := t.used()
	lo, hi := math.MaxInt, -1
	for _, r := range used {
		lo, hi = min(lo, int(r.AgeFrom)), max(hi, int(r.AgeTo))
	}
	bands := t.bands(lo, hi)
	tab := &TopicTable{Topic: t}
	for _, r := range used {
		if !slices.Contains(tab.Studies, r.Study) {
			tab.Studies = append(tab.Studies, r.Study)
		}
	}
	notes := map[string]bool{}
	sexes := []string{"female", "male", "all"}
	for _, code := range areas {
		a := c.Inputs.Area(code)
		if a == nil {
			return nil, PublicError(fmt.Errorf("area %s is not in the areas table", code))
		}
		for y := from; y <= to; y++ {
			pop, src, ok, err := c.topicPopulation(code, y)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			rt := topicRates(used, c.Inputs.Oldest[nearestYear(c.Inputs.Oldest, y)])
			for _, b := range bands {
				var cells [3]TopicRow
				for si, sex := range sexes {
					row := TopicRow{Area: code, AreaName: a.Name, Year: y, Band: b.name, Sex: sex, PopulationSource: src}
					var n, l, h float64
					complete, interval := true, true
					var rowNotes []string
					for x := b.from; x <= b.to; x++ {
						p := pop[forecast.Female][x] + pop[forecast.Male][x]
						if si < 2 {
							p = pop[si][x]
						}
						row.Population += p
						ar := rt[si][x]
						if !ar.ok {
							complete = false
							continue
						}
						n += p * ar.rate
						if ar.interval {
							l += p * ar.lo
							h += p * ar.hi
						} else {
							interval = false
						}
						if ar.note != "" && !slices.Contains(rowNotes, ar.note) {
							rowNotes = append(rowNotes, ar.note)
						}
					}
					if si == 2 && cells[0].Count != nil && cells[1].Count != nil {
						// Persons are women plus men where both have rates.
						s := *cells[0].Count + *cells[1].Count
						row.Count = &s
						if cells[0].Lo != nil && cells[1].Lo != nil {
							sl, sh := *cells[0].Lo+*cells[1].Lo, *cells[0].Hi+*cells[1].Hi
							row.Lo, row.Hi = &sl, &sh
						}
						row.Note = joinNotes(cells[0].Note, cells[1].Note)
					} else if complete {
						row.Count = &n
						if interval {
							row.Lo, row.Hi = &l, &h
						}
						row.Note = strings.Join(rowNotes, "; ")
					} else {
						row.Note = "no published rate for every age of this band and sex"
					}
					if row.Note != "" {
						notes[row.Note] = true
					}
					cells[si] = row
				}
				tab.Rows = append(tab.Rows, cells[:]...)
			}
		}
	}
	for n := range notes {
		tab.Notes = append(tab.Notes, n)
	}
	slices.Sort(tab.Notes)
	return tab, nil
}

func joinNotes(a, b string) string {
	switch {
	case a == b || b == "":
		return a
	case a == "":
		return b
	}
	return a + "; " + b
}

// topicPopulation is an area's population at mid-year y for a topic table: its estimate where
// every district under it has one, else the principal projection.
func (c *Carecast) topicPopulation(area string, y int) (population.Pop90, string, bool, error) {
	if p, ok := c.Engine.EstimatedPopulation(area, y); ok {
		return p, "estimate", true, nil
	}
	p, ok, err := c.Engine.SuppliedPopulation("principal", area, y)
	if err != nil {
		return p, "", false, err
	}
	return p, "projection", ok, nil
}

func nearestYear[V any](m map[int]V, y int) int {
	best, bestD := 0, math.MaxInt
	for k := range m {
		d := k - y
		if d < 0 {
			d = -d
		}
		if d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	return best
}

// Councils returns the codes of the councils in force (upper tier), in the areas table's order.
func (c *Carecast) Councils() []string {
	var out []string
	for _, a := range c.Inputs.Areas {
		if a.IsCouncil() && a.ValidTo == "" {
			out = append(out, a.Code)
		}
	}
	return out
}

// TopicColumns are the columns of a topic table's CSV and Excel downloads.
var TopicColumns = []string{"area_code", "area_name", "year", "topic", "age_band", "sex", "count", "lo", "hi", "population", "population_source", "note"}

// Sheet returns the table as a download: one row per TopicRow (empty cells where a value is
// nil) and, for Excel, an about sheet naming the topic, its studies and every rate it applies
// with its source.
func (t *TopicTable) Sheet() *datasets.Sheet {
	s := &datasets.Sheet{Name: "topic", Header: TopicColumns}
	opt := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	for _, r := range t.Rows {
		s.Rows = append(s.Rows, []any{r.Area, r.AreaName, r.Year, t.Topic.ID, r.Band, r.Sex, opt(r.Count), opt(r.Lo), opt(r.Hi),
			r.Population, r.PopulationSource, r.Note})
	}
	s.About = [][2]string{{"topic", t.Topic.ID}, {"measure", t.Topic.Label}, {"population", t.Topic.Population},
		{"programme", t.Topic.Programme}, {"counts", t.Topic.Unit}, {"how", t.Topic.Note}}
	for _, st := range t.Studies {
		s.About = append(s.About, [2]string{"study", st})
	}
	for _, n := range t.Notes {
		s.About = append(s.About, [2]string{"note", n})
	}
	for _, r := range t.Topic.used() {
		s.About = append(s.About, [2]string{"rate", fmt.Sprintf("%s %s: %g — %s; %s (%s)", r.Sex, bandLabel(r), r.Rate, r.Study, r.SourceURL, r.Locator)})
	}
	s.About = append(s.About,
		[2]string{"population", "ONS mid-year estimates where every district has one for the year, else ONS 2018-based subnational projections (principal); Open Government Licence v3.0"},
		[2]string{"licence", "Rates: the studies named above; POPPI and PANSI are the Institute of Public Care's (Oxford Brookes University) systems, from which nothing was taken directly"})
	return s
}

// TopicMeasure is the need measure a topic becomes in the engine: "topic_" and its ID.
func TopicMeasure(id string) string { return "topic_" + id }

// topicNeeds turns the topics whose rates are population rates by sex and age into the engine's
// prevalence rates, one row per sex and single age (90 = 90+, from England's oldest ages of
// base as topicRates weights them), measure TopicMeasure(id), each opt-in: a run includes a
// topic when its scenario names the measure in its prevalence list. Left out, with the reason:
// headline figures (not age-band rates), shares of people with dementia or of households, falls
// admissions (admissions, not people), and topics whose rates leave an age without a rate for a
// sex inside the ages they cover (the engine's need schedules must be complete).
func topicNeeds(topics []Topic, oldest *population.Pop) (rows []engine.PrevalenceRate, optIn map[string]bool, left map[string]string) {
	optIn, left = map[string]bool{}, map[string]string{}
	yearRE := regexp.MustCompile(`\b(19|20)\d\d\b`)
	for _, t := range topics {
		switch {
		case t.Basis != datasets.BasisPopulation:
			left[t.ID] = "not an age-band rate of the population"
			continue
		case t.Unit != "people":
			left[t.ID] = "counts " + t.Unit + ", not people"
			continue
		}
		rt := topicRates(t.used(), oldest)
		from, to := forecast.OpenAge+1, -1
		for s := range 2 {
			for x := range forecast.NumAges {
				if rt[s][x].ok {
					from, to = min(from, x), max(to, x)
				}
			}
		}
		complete := to >= from
		for s := range 2 {
			for x := from; x <= to && complete; x++ {
				complete = rt[s][x].ok
			}
		}
		if !complete {
			left[t.ID] = "its rates leave an age without a rate for a sex"
			continue
		}
		year := 0
		if m := yearRE.FindString(strings.Join(t.Studies, " ")); m != "" {
			year, _ = strconv.Atoi(m)
		}
		measure := TopicMeasure(t.ID)
		src := strings.Join(t.Studies, "; ")
		for s, sex := range []forecast.Sex{forecast.Female, forecast.Male} {
			for x := from; x <= to; x++ {
				a := rt[s][x]
				lo, hi := math.NaN(), math.NaN()
				if a.interval {
					lo, hi = a.lo, a.hi
				}
				rows = append(rows, engine.PrevalenceRate{Measure: measure, Sex: int(sex), AgeFrom: x, AgeTo: x, Rate: a.rate, Lo: lo, Hi: hi,
					EvidenceYear: year, Source: src})
			}
		}
		optIn[measure] = true
	}
	return rows, optIn, left
}

// TopicYears fills in a topic table's default years, as the API and the CLI take them: from
// 2023 (or, with only to given, to itself when it is earlier, not before TopicFirstYear) to
// 2040 (or from, when later).
func TopicYears(from, to int) (int, int) {
	if from == 0 {
		from = 2023
		if to != 0 {
			from = min(2023, max(to, TopicFirstYear))
		}
	}
	if to == 0 {
		to = max(2040, from)
	}
	return from, to
}
