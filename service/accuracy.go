package service

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/backtest"
)

// AccuracyHorizon is the horizon, in years, of the population part of an accuracy line: the
// 2018 contest's mid-2022 outturn, four years after its origin. AccuracyServiceHorizon is the
// horizon of its care-home part: the history back-test's longest.
const (
	AccuracyHorizon        = 4
	AccuracyServiceHorizon = backtest.HistoryMaxHorizon
)

// Accuracy is how far off projections like an area's have been, from carecast's own back-tests,
// with a sentence a councillor can read. Percentages are absolute percentage errors.
type Accuracy struct {
	// Sentence says it in words, e.g. "Projections like this one of people aged 65 and over,
	// made four years ahead, have typically been within 1.4% for metropolitan districts (9 in
	// 10 within 4.5%); …".
	Sentence string

	// Population: the 2018 contest's districts of Group (e.g. "metropolitan districts"), people
	// aged 65+, AccuracyHorizon years ahead: N districts, the median and 90th percentile of
	// their absolute percentage errors.
	Group                 string
	PopN                  int
	PopMedian, PopP90     float64
	HasServices           bool // whether the care-home part is there (the data has an activity history)
	CareHomeN             int  // forecasts of council-funded residential and nursing care, people 65+
	CareHomeMedian        float64
	CareHomeP90           float64
	PopBacktest, Services string // the back-tests the parts come from
}

// ErrNoAccuracy means the back-tests have nothing to say about the area: it is not a council or
// a district, or the data has no 2018 contest.
var ErrNoAccuracy = errors.New("no back-test covers this kind of area")

// districtGroups are the lower-tier area types and how a sentence names them; a county is
// compared with the non-metropolitan districts it is made of.
var districtGroups = map[string]string{
	"unitary":                   "unitary councils",
	"metropolitan_district":     "metropolitan districts",
	"london_borough":            "London boroughs",
	"non_metropolitan_district": "districts of county councils",
	"county":                    "districts of county councils",
}

// Accuracy returns the accuracy line of an area's page: from the 2018 population contest
// (backtest.Contest2018), the absolute percentage errors of carecast's projections of people
// 65+ made AccuracyHorizon years ahead for the districts of the area's kind (same type; for a
// county, the non-metropolitan districts), and from the history back-test of services
// (backtest.HistoryBacktest), those of council-funded residential and nursing care for people
// 65+ AccuracyServiceHorizon years ahead, every council. The numbers are computed from the
// reports' rows, never written in. It returns an error wrapping ErrNoAccuracy for an area that
// is not a council or district, or when the data has no 2018 contest; the back-tests' own
// errors otherwise.
func (c *Carecast) Accuracy(ctx context.Context, code string) (*Accuracy, error) {
	var area *forecast.AreaInfo
	types := map[string]string{}
	for i := range c.Inputs.Areas {
		a := &c.Inputs.Areas[i]
		types[a.Code] = a.Type
		if a.Code == code {
			area = a
		}
	}
	if area == nil || districtGroups[area.Type] == "" {
		return nil, fmt.Errorf("accuracy of %s: %w", code, ErrNoAccuracy)
	}
	want := area.Type
	if want == "county" {
		want = "non_metropolitan_district"
	}
	rep, svc, err := c.Backtests()
	if err != nil {
		return nil, err
	}
	if rep == nil || rep.Contest2018 == nil {
		return nil, fmt.Errorf("accuracy of %s: no 2018 contest in the data: %w", code, ErrNoAccuracy)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var ape []float64
	for i := range rep.Contest2018.Rows {
		r := &rep.Contest2018.Rows[i]
		if r.Level == backtest.LevelDistrict && r.Measure == forecast.FamilyPopulation && r.Sex == "all" && r.AgeBand == "65+" &&
			r.Horizon == AccuracyHorizon && types[r.Area] == want {
			if e := r.PctError(); !math.IsNaN(e) {
				ape = append(ape, math.Abs(e))
			}
		}
	}
	if len(ape) == 0 {
		return nil, fmt.Errorf("accuracy of %s: no %s in the 2018 contest: %w", code, districtGroups[area.Type], ErrNoAccuracy)
	}
	acc := &Accuracy{Group: districtGroups[area.Type], PopN: len(ape), PopMedian: backtest.Quantile(ape, 0.5),
		PopP90: backtest.Quantile(ape, 0.9), PopBacktest: backtest.Contest2018}
	acc.Sentence = fmt.Sprintf("Projections like this one of people aged 65 and over, made %s years ahead, have typically been "+
		"within %s for %s (9 in 10 within %s)", numberWord(AccuracyHorizon), percentWords(acc.PopMedian), acc.Group, percentWords(acc.PopP90))
	if svc != nil && svc.History != nil {
		ape = ape[:0]
		for i := range svc.History.Rows {
			r := &svc.History.Rows[i]
			if (r.Service == "residential" || r.Service == "nursing") && r.Horizon == AccuracyServiceHorizon {
				if e := backtest.PctError(r.Carecast, r.Actual); !math.IsNaN(e) {
					ape = append(ape, math.Abs(e))
				}
			}
		}
		if len(ape) > 0 {
			acc.HasServices, acc.CareHomeN, acc.Services = true, len(ape), backtest.HistoryBacktest
			acc.CareHomeMedian, acc.CareHomeP90 = backtest.Quantile(ape, 0.5), backtest.Quantile(ape, 0.9)
			acc.Sentence += fmt.Sprintf("; council-funded places in care homes for people 65 and over, %s years ahead, within %s "+
				"(9 in 10 within %s)", numberWord(AccuracyServiceHorizon), percentWords(acc.CareHomeMedian), percentWords(acc.CareHomeP90))
		}
	}
	acc.Sentence += "."
	return acc, nil
}

// percentWords writes a percentage as a sentence does: one decimal below 10% ("1.4%"), whole
// above ("11%").
func percentWords(p float64) string {
	if p < 9.95 {
		return strings.TrimSuffix(fmt.Sprintf("%.1f", p), ".0") + "%"
	}
	return fmt.Sprintf("%.0f%%", p)
}

// numberWord writes 1 to 9 in words.
func numberWord(n int) string {
	if n >= 1 && n <= 9 {
		return []string{"one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}[n-1]
	}
	return fmt.Sprint(n)
}
