package convert

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/carecast/carecast/datasets"
)

const srcPSSEX1 = "HSCIC/NHS Digital, Personal Social Services Expenditure and Unit Costs (PSS-EX1) activity data by CASSR, final releases 2009-10 to 2013-14 (via BenGoodair/adults_social_care_data); OGL v3"

// activityItem maps PSS-EX1 items to a service, measure and age band. A value is the sum of
// Plus minus the sum of Minus, and is produced only when every item in both is published for
// that council and year (".." suppressed and "-" nil/not applicable are both treated as
// missing, never as zero).
type activityItem struct {
	Service, Measure, AgeBand string
	Plus, Minus               []string
	FromYear                  int // first financial year with this definition
	// ZeroUnless names items that say the service was delivered: a reported 0 is then taken
	// as not recorded (missing) when any of them is positive in the same year.
	ZeroUnless []string
	Note       string
}

// activityItems is the mapping, checked against the item labels of every year in
// pssex1_item_code_labels.csv (TestActivityItemLabels).
var activityItems = []activityItem{
	{Service: "home_care", Measure: "clients", AgeBand: "65+", Plus: []string{"A4.11"}},
	{Service: "home_care", Measure: "clients", AgeBand: "18-64", Plus: []string{"A4.15"}, Minus: []string{"A4.11"}, FromYear: 2011, Note: "all ages minus 65+; A4.15 meant direct payments 75-84 in 2009-10 and was blank in 2010-11"},
	{Service: "day_care", Measure: "clients", AgeBand: "65+", Plus: []string{"A4.12"}},
	{Service: "day_care", Measure: "clients", AgeBand: "18-64", Plus: []string{"A4.16"}, Minus: []string{"A4.12"}, FromYear: 2011, Note: "all ages minus 65+; A4.16 meant direct payments 85+ in 2009-10 and was blank in 2010-11"},
	{Service: "meals", Measure: "clients", AgeBand: "65+", Plus: []string{"A4.13"}, ZeroUnless: []string{"J1.1", "J1.2"},
		Note: "27 council-years report 0 clients 65+ while reporting meals delivered each week (J1.1 independent, J1.2 council): those zeros are not recorded, not none"},
	{Service: "direct_payments", Measure: "clients", AgeBand: "65+", Plus: []string{"A4.14"}, FromYear: 2010, Note: "2009-10 counted 65-74 incl. personal budgets and is left out"},
	{Service: "direct_payments", Measure: "clients", AgeBand: "18-64", Plus: []string{"A4.10"}, FromYear: 2011, Note: "2009-10 and 2010-11 included personal budgets and are left out"},
	{Service: "care_home", Measure: "clients", AgeBand: "65+", Plus: []string{"B1"}},
	{Service: "care_home", Measure: "clients", AgeBand: "18-64", Plus: []string{"B2", "B3", "B4"}, Note: "physical disability, mental health and learning disability"},
	{Service: "nursing", Measure: "weeks", AgeBand: "65+", Plus: []string{"D1.1"}},
	{Service: "nursing", Measure: "weeks", AgeBand: "18-64", Plus: []string{"D1.4", "D1.7", "D1.10"}},
	{Service: "residential", Measure: "weeks", AgeBand: "65+", Plus: []string{"D1.2", "D1.3"}},
	{Service: "residential", Measure: "weeks", AgeBand: "18-64", Plus: []string{"D1.5", "D1.6", "D1.8", "D1.9", "D1.11", "D1.12"}},
	{Service: "home_care", Measure: "hours", AgeBand: "18+", Plus: []string{"F2.1", "F2.2"}, Note: "hours in the year, council and independent providers"},
}

// buildActivity converts PSS-EX1 council activity 2009-10 to 2013-14.
func buildActivity(raw fs.FS) ([]datasets.ServiceActivity, error) {
	lk, err := readCSV(raw, "lookups/cassr_to_ons_code_region_2016-17.csv")
	if err != nil {
		return nil, err
	}
	lc, err := lk.mustCols("cassr_code", "ons_code")
	if err != nil {
		return nil, err
	}
	ons := map[string]string{
		// Isles of Scilly reports separately in PSS-EX1 but is missing from the 2016-17 lookup.
		"906": "E06000053",
	}
	for _, rec := range lk.rows {
		ons[cell(rec, lc[0])] = cell(rec, lc[1])
	}
	f, err := readCSV(raw, "nhsd_asc_activity/pssex1_cassr_activity_2009-10_to_2013-14_long.csv")
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("financial_year", "cassr_code", "item_code", "value_raw")
	if err != nil {
		return nil, err
	}
	type key struct {
		area string
		year int
		item string
	}
	values := map[key]float64{}
	type ay struct {
		area string
		year int
	}
	var order []ay
	seen := map[ay]bool{}
	for i, rec := range f.rows {
		area, ok := ons[cell(rec, c[1])]
		if !ok {
			return nil, f.lineErr(i, fmt.Errorf("CASSR code %q is not in the lookup", cell(rec, c[1])))
		}
		year, err := atoi(strings.SplitN(cell(rec, c[0]), "-", 2)[0])
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		if !seen[ay{area, year}] {
			seen[ay{area, year}] = true
			order = append(order, ay{area, year})
		}
		raw := cell(rec, c[3])
		if raw == ".." || raw == "-" || raw == "" {
			continue
		}
		v, err := atof(strings.ReplaceAll(raw, ",", ""))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		values[key{area, year, cell(rec, c[2])}] = v
	}
	var out []datasets.ServiceActivity
	for _, k := range order {
		for _, it := range activityItems {
			if k.year < it.FromYear {
				continue
			}
			total, ok := 0.0, true
			for _, code := range it.Plus {
				v, has := values[key{k.area, k.year, code}]
				ok = ok && has
				total += v
			}
			for _, code := range it.Minus {
				v, has := values[key{k.area, k.year, code}]
				ok = ok && has
				total -= v
			}
			if !ok || total < 0 {
				continue
			}
			if total == 0 && slices.ContainsFunc(it.ZeroUnless, func(code string) bool { return values[key{k.area, k.year, code}] > 0 }) {
				continue
			}
			src := srcPSSEX1 + "; items " + strings.Join(it.Plus, "+")
			if len(it.Minus) > 0 {
				src += "−" + strings.Join(it.Minus, "−")
			}
			out = append(out, datasets.ServiceActivity{AreaCode: k.area, Year: int32(k.year), Service: it.Service, AgeBand: it.AgeBand,
				Measure: it.Measure, Value: total, Source: src})
		}
	}
	return out, nil
}
