package convert

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/carecast/carecast/datasets"
)

// topicRatesFile is the hand-built table of POPPI and PANSI topic rates (PROVENANCE §16): one
// published cell a row, each with its study and a source that can be checked.
const topicRatesFile = "prevalence/poppi_pansi_topic_rates.csv"

const srcTopics = "POPPI/PANSI topic rates, hand-recorded from the stored sources named in each row (poppi_pansi_topic_rates.csv); the rates are the cited studies' published figures"

// topicBasis says, for every topic of the file, what its rates are a share of. A topic not
// listed stops the build: a new topic must be read before it is used. Topics whose rates are
// study headline figures (PROVENANCE §16 quirks) are "headline"; the dementia severity and
// subtype splits are shares of people with dementia; the English Housing Survey indicator is a
// share of households.
var topicBasis = map[string]string{
	"living_alone":                               datasets.BasisPopulation,
	"unable_to_manage_domestic_task":             datasets.BasisPopulation,
	"unable_to_manage_self_care":                 datasets.BasisPopulation,
	"dementia_dementia_uk_2014":                  datasets.BasisPopulation,
	"falls":                                      datasets.BasisPopulation,
	"falls_hospital_admissions":                  datasets.BasisPopulation,
	"bladder_incontinence_less_than_weekly":      datasets.BasisPopulation,
	"bladder_incontinence_weekly_or_more":        datasets.BasisPopulation,
	"visual_impairment_moderate_severe":          datasets.BasisPopulation,
	"hearing_some_loss":                          datasets.BasisPopulation,
	"hearing_severe_loss":                        datasets.BasisPopulation,
	"mobility_unable_one_activity":               datasets.BasisPopulation,
	"ltld_household_in_unsuitable_accommodation": datasets.BasisHouseholdsShare,
	"registrable_eye_conditions":                 datasets.BasisPopulation,
	"living_alone_gls2011":                       datasets.BasisPopulation,
	"early_onset_dementia":                       datasets.BasisPopulation,
	"dementia_dementia_uk_2007":                  datasets.BasisPopulation,
	"dementia_severity_share":                    datasets.BasisDementiaShare,
	"dementia_subtype_share":                     datasets.BasisDementiaShare,
	"hearing_moderate_severe_18_64":              datasets.BasisPopulation,
	"hearing_profound_18_64":                     datasets.BasisPopulation,
	"serious_visual_impairment_18_64":            datasets.BasisPopulation,
	"borderline_personality_disorder":            datasets.BasisPopulation,
	"antisocial_personality_disorder":            datasets.BasisPopulation,
	"psychotic_disorder":                         datasets.BasisPopulation,
	"autism_asd":                                 datasets.BasisHeadline,
	"autism_asd_incl_id":                         datasets.BasisHeadline,
	"depression_65plus":                          datasets.BasisHeadline,
	"depression_65plus_incl_dementia":            datasets.BasisHeadline,
	"dementia_dementia_uk_2014_overall":          datasets.BasisHeadline,
	"dementia_dementia_uk_2007_summary":          datasets.BasisHeadline,
	"learning_disability_known_to_services":      datasets.BasisHeadline,
}

// buildTopicRates converts the topic rates file. Values are copied as published (already
// proportions); "persons" becomes "all" and an empty age_to (an open band, "and over") becomes
// datasets.TopicOpenAge. Within a population topic, an open band of one sex that starts at or
// below a closed band of the same sex is the all-ages total column of the published table (APMS
// 2007 psychotic disorder "16+"), not a band of its own: it is kept with basis "headline".
func buildTopicRates(raw fs.FS) ([]datasets.TopicRate, error) {
	f, err := readCSV(raw, topicRatesFile)
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("topic", "population", "measure_label", "sex", "age_from", "age_to", "rate", "rate_lo", "rate_hi",
		"study", "source_url", "source_locator", "notes")
	if err != nil {
		return nil, err
	}
	out := make([]datasets.TopicRate, 0, len(f.rows))
	for i, rec := range f.rows {
		topic := cell(rec, c[0])
		basis, ok := topicBasis[topic]
		if !ok {
			return nil, f.lineErr(i, fmt.Errorf("topic %q is new: say in topicBasis what its rates are a share of", topic))
		}
		sex := cell(rec, c[3])
		if sex == "persons" {
			sex = "all"
		} else if sex, err = onsSex(sex); err != nil {
			return nil, f.lineErr(i, err)
		}
		from, err := atoi(cell(rec, c[4]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		to := datasets.TopicOpenAge
		if s := cell(rec, c[5]); s != "" {
			if to, err = atoi(s); err != nil {
				return nil, f.lineErr(i, err)
			}
		}
		rate, err := atof(cell(rec, c[6]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		r := datasets.TopicRate{Topic: topic, Population: cell(rec, c[1]), Label: cell(rec, c[2]), Sex: sex,
			AgeFrom: int32(from), AgeTo: int32(to), Rate: rate, Basis: basis, Study: cell(rec, c[9]), SourceURL: cell(rec, c[10]),
			Locator: cell(rec, c[11]), Notes: cell(rec, c[12]), Source: srcTopics}
		lo, hi := cell(rec, c[7]), cell(rec, c[8])
		if (lo == "") != (hi == "") {
			return nil, f.lineErr(i, fmt.Errorf("rate_lo and rate_hi must both be given or both be empty"))
		}
		if lo != "" {
			l, err := atof(lo)
			if err != nil {
				return nil, f.lineErr(i, err)
			}
			h, err := atof(hi)
			if err != nil {
				return nil, f.lineErr(i, err)
			}
			r.RateLo, r.RateHi = &l, &h
		}
		out = append(out, r)
	}
	for i := range out {
		r := &out[i]
		if r.Basis != datasets.BasisPopulation || r.AgeTo != datasets.TopicOpenAge {
			continue
		}
		for _, q := range out {
			if q.Topic == r.Topic && q.Sex == r.Sex && q.AgeTo != datasets.TopicOpenAge && q.AgeFrom >= r.AgeFrom {
				r.Basis = datasets.BasisHeadline
				r.Notes = strings.TrimSpace(r.Notes + " carecast: the all-ages total of the published table's bands, not a band of its own; not applied to population counts.")
				break
			}
		}
	}
	return out, nil
}
