package convert

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/carecast/carecast/datasets"
)

const srcCFAS = "CFAS II reference rates of dementia prevalence by age and sex (Matthews et al., Lancet 2013), as published by Birmingham City Council Public Health (BCC-PHM/OA-projections); OGL v3"

// hseMeasures maps the Health Survey for England wording to measure identifiers.
var hseMeasures = map[string]string{
	"needs help with at least one ADL":                   "adl_need_help",
	"needs help with at least one IADL":                  "iadl_need_help",
	"received help with at least one ADL in last month":  "adl_received_help",
	"received help with at least one IADL in last month": "iadl_received_help",
	"some unmet need with at least one ADL":              "adl_unmet_need",
	"unmet need for help with at least one ADL":          "adl_unmet_need",
	"unmet need for help with at least one IADL":         "iadl_unmet_need",
	"needs help with at least one ADL or IADL":           "adl_or_iadl_need_help",
	"needs help with two or more ADLs or IADLs":          "two_or_more_adl_iadl_need_help",
}

// popWeights gives England's population by sex ("female", "male", "all") and single year of age
// for a year, used to weight age bands when deriving a band from published totals.
type popWeights func(year int, sex string, from, to int) float64

func dementiaRows(raw fs.FS) ([]datasets.Prevalence, error) {
	f, err := readCSV(raw, "prevalence/dementia_prevalence_cfas2_65plus_by_age_sex.csv")
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("AgeBand", "Sex", "DementiaPrevalence", "DementiaPrevalence95Lower", "DementiaPrevalence95Upper")
	if err != nil {
		return nil, err
	}
	var out []datasets.Prevalence
	for i, rec := range f.rows {
		from, to, err := band(cell(rec, c[0]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		sex, err := onsSex(cell(rec, c[1]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		var v [3]float64
		for j := range 3 {
			if v[j], err = atof(cell(rec, c[2+j])); err != nil {
				return nil, f.lineErr(i, err)
			}
		}
		lo, hi := v[1], v[2]
		out = append(out, datasets.Prevalence{Measure: "dementia", Sex: sex, AgeFrom: int32(from), AgeTo: int32(to), Rate: v[0],
			RateLo: &lo, RateHi: &hi, EvidenceYear: 2011, Source: srcCFAS})
	}
	return out, nil
}

// band reads "65-69", "65+", "90+" into an age range (90 = 90 and over).
func band(s string) (int, int, error) {
	if a, ok := strings.CutSuffix(s, "+"); ok {
		from, err := atoi(a)
		return from, 90, err
	}
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("age band %q", s)
	}
	from, err := atoi(lo)
	if err != nil {
		return 0, 0, err
	}
	to, err := atoi(hi)
	return from, to, err
}

// hseRows converts the hand-recorded Health Survey for England headline rates. Where a survey
// publishes a 65+ rate together with sub-bands (65-69 and 85+, or 85+ alone), the rest of 65+ is
// derived so that the bands partition 65+ and their population-weighted mean equals the
// published 65+ rate; the derived row's source says so. Bands published without a 65+ total are
// kept as they are.
func hseRows(raw fs.FS, weights popWeights) (out []datasets.Prevalence, err error) {
	f, err := readCSV(raw, "prevalence/hse_social_care_need_headline_rates_65plus.csv")
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("survey", "measure", "age_group", "sex", "percent", "source_url")
	if err != nil {
		return nil, err
	}
	type bandRate struct {
		from, to int
		rate     float64
		url      string
	}
	type group struct {
		year    int
		measure string
		sex     string
		survey  string
	}
	groups := map[group][]bandRate{}
	var order []group
	for i, rec := range f.rows {
		survey := cell(rec, c[0])
		year, err := atoi(strings.TrimPrefix(survey, "HSE "))
		if err != nil {
			return nil, f.lineErr(i, fmt.Errorf("survey %q: %w", survey, err))
		}
		m, ok := hseMeasures[cell(rec, c[1])]
		if !ok {
			return nil, f.lineErr(i, fmt.Errorf("unknown HSE measure %q", cell(rec, c[1])))
		}
		sex := cell(rec, c[3])
		if sex == "persons" {
			sex = "all"
		} else if sex, err = onsSex(sex); err != nil {
			return nil, f.lineErr(i, err)
		}
		from, to, err := band(cell(rec, c[2]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		pct, err := atof(cell(rec, c[4]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		g := group{year: year, measure: m, sex: sex, survey: survey}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], bandRate{from, to, pct / 100, cell(rec, c[5])})
	}
	defer func() {
		if err == nil {
			out = splitByNeed(out, weights)
		}
	}()
	for _, g := range order {
		bands := groups[g]
		sort.Slice(bands, func(i, j int) bool {
			if bands[i].from != bands[j].from {
				return bands[i].from < bands[j].from
			}
			return bands[i].to > bands[j].to
		})
		src := func(url string) string {
			return fmt.Sprintf("Health Survey for England %d (NHS Digital), headline rate as published at %s; OGL v3", g.year, url)
		}
		var total *bandRate
		var subs []bandRate
		for i := range bands {
			if bands[i].from == 65 && bands[i].to == 90 {
				total = &bands[i]
			} else {
				subs = append(subs, bands[i])
			}
		}
		row := func(b bandRate, source string) datasets.Prevalence {
			return datasets.Prevalence{Measure: g.measure, Sex: g.sex, AgeFrom: int32(b.from), AgeTo: int32(b.to), Rate: b.rate,
				EvidenceYear: int32(g.year), Source: source}
		}
		if total == nil || len(subs) == 0 {
			for _, b := range bands {
				out = append(out, row(b, src(b.url)))
			}
			continue
		}
		// Derive the part of 65+ not covered by the sub-bands.
		covered := make([]bool, 91)
		rest := total.rate * weights(g.year, g.sex, 65, 90)
		for _, b := range subs {
			for a := b.from; a <= b.to; a++ {
				covered[a] = true
			}
			rest -= b.rate * weights(g.year, g.sex, b.from, b.to)
			out = append(out, row(b, src(b.url)))
		}
		from, to := -1, -1
		for a := 65; a <= 90; a++ {
			if !covered[a] {
				if from < 0 {
					from = a
				}
				if to >= 0 && to != a-1 {
					return nil, fmt.Errorf("%s %s %s: the sub-bands leave more than one gap in 65+", g.survey, g.measure, g.sex)
				}
				to = a
			}
		}
		if from < 0 {
			continue
		}
		rate := rest / weights(g.year, g.sex, from, to)
		if rate < 0 || rate > 1 {
			return nil, fmt.Errorf("%s %s %s: derived rate for ages %d-%d is %.3f, outside [0,1]", g.survey, g.measure, g.sex, from, to, rate)
		}
		out = append(out, row(bandRate{from, to, rate, total.url}, fmt.Sprintf(
			"Health Survey for England %d (NHS Digital), published at %s; the %d-%d band is derived by carecast from the published 65+ rate and the other bands, weighted by England's mid-%d population (interpolated between ONS mid-2011 estimates and the mid-2018 base of the 2018-based projection); OGL v3",
			g.year, total.url, from, to, g.year)))
	}
	return out, nil
}

// needOf names, for a measure that counts people among those who need help (help received,
// some unmet need), the need measure they are part of.
var needOf = map[string]string{
	"adl_received_help":  "adl_need_help",
	"adl_unmet_need":     "adl_need_help",
	"iadl_received_help": "iadl_need_help",
	"iadl_unmet_need":    "iadl_need_help",
}

// splitByNeed gives help received and some unmet need the age pattern of the need they are part
// of. HSE publishes them for 65+ only, while need is published for 65-69 and 85+ too; a flat 65+
// rate would put more people with unmet need than in need at 65-69 (2013: 19% of men with some
// unmet need, 13% in need). Where a survey year publishes a measure for 65+ alone and its need
// measure, for the same year and sex, in more than one band, the 65+ rate is split into the need's
// bands assuming the share of people in need who receive help (or have some unmet need) is the
// same at every age: rate(band) = need(band) × published rate ÷ need's 65+ rate. The bands'
// population-weighted mean stays the published 65+ rate, and rate ≤ need in every band whenever
// the published rate ≤ need's. HSE 2014 supports the assumption for help received: 6% received
// against 13% in need for men 65-69 and 9% against 21% for women, 26% of both sexes 85+ against
// 46% and 59%, and 11% against 24% and 13% against 33% at 65+
// (https://www.pssru.ac.uk/publications/pub-5148/).
func splitByNeed(rows []datasets.Prevalence, weights popWeights) []datasets.Prevalence {
	type key struct {
		measure, sex string
		year         int32
	}
	byKey := map[key][]datasets.Prevalence{}
	for _, r := range rows {
		k := key{r.Measure, r.Sex, r.EvidenceYear}
		byKey[k] = append(byKey[k], r)
	}
	out := make([]datasets.Prevalence, 0, len(rows))
	for _, r := range rows {
		need, ok := needOf[r.Measure]
		nb := byKey[key{need, r.Sex, r.EvidenceYear}]
		if !ok || r.AgeFrom != 65 || r.AgeTo != 90 || len(byKey[key{r.Measure, r.Sex, r.EvidenceYear}]) != 1 || len(nb) < 2 {
			out = append(out, r)
			continue
		}
		var num, den float64
		for _, b := range nb {
			w := weights(int(b.EvidenceYear), b.Sex, int(b.AgeFrom), int(b.AgeTo))
			num += b.Rate * w
			den += w
		}
		share := r.Rate / (num / den)
		for _, b := range nb {
			out = append(out, datasets.Prevalence{Measure: r.Measure, Sex: r.Sex, AgeFrom: b.AgeFrom, AgeTo: b.AgeTo, Rate: b.Rate * share,
				EvidenceYear: r.EvidenceYear, Source: fmt.Sprintf(
					"%s; the 65+ rate is split by carecast into the age bands of %s (same survey), assuming the same share of people in need at every age (%.4f)",
					strings.TrimSuffix(r.Source, "; OGL v3"), need, share) + "; OGL v3"})
		}
	}
	return out
}

// englandWeights builds popWeights from the population rows: England 2011 (sum of districts),
// 2018 (NPP base) and 2021 (sum of districts), linearly interpolated between them.
func englandWeights(pop []datasets.Population) popWeights {
	ended := endedAreas()
	type key struct {
		year int32
		sex  string
		age  int32
	}
	m := map[key]float64{}
	for _, r := range pop {
		switch {
		case r.Kind == "estimate" && (r.Year == 2011 || r.Year == 2021) && isLowerTier(r.AreaCode) && !ended[r.AreaCode]:
			m[key{r.Year, r.Sex, r.Age}] += r.Count
		case r.Kind == "projection" && r.AreaCode == "E92000001" && r.Year == 2018:
			m[key{2018, r.Sex, r.Age}] += r.Count
		}
	}
	at := func(year int, sex string, age int) float64 {
		lo, hi := 2011, 2018
		if year > 2018 {
			lo, hi = 2018, 2021
		}
		w := float64(year-lo) / float64(hi-lo)
		return (1-w)*m[key{int32(lo), sex, int32(age)}] + w*m[key{int32(hi), sex, int32(age)}]
	}
	return func(year int, sex string, from, to int) float64 {
		var s float64
		for a := from; a <= to; a++ {
			if sex == "all" {
				s += at(year, "female", a) + at(year, "male", a)
			} else {
				s += at(year, sex, a)
			}
		}
		return s
	}
}
