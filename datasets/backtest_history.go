package datasets

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/carecast/carecast/forecast/backtest"
)

// historyUnits names the unit of each activity_history measure.
var historyUnits = map[string]string{"weeks": "client weeks", "hours": "hours", "clients_per_week": "clients a week"}

// firstEveryCouncilEstimate is the first mid-year with a single-year estimate for every council.
const firstEveryCouncilEstimate = 2011

// The population estimates from mid-2021 are Census-2021 based; those of mid-2012 to mid-2020
// in the data are not (ONS's mid-2011 is common to both series).
const (
	firstCensus2021Based = 2021
	preCensusFrom        = 2011
)

// rebase puts a council's people 65+ of mid-2012 to mid-2020 (m, by mid-year) on the
// Census-2021 basis of the later estimates, as ONS's rebased series spreads the error of
// closure over the decade: the year-y estimate is multiplied by k^((y − 2011) ÷ 9), with k the
// mid-2021 estimate over the mid-2020 one grown a year at the council's own rate of 2018-2020.
// Without it the change from mid-2020 to mid-2021 mixes growth with the Census's correction
// (for councils' 65+ it has a spread of 5.3% against 0.7% from 2021 to 2022) and reads as a
// change in use rates. m is left as it is without the estimates of 2018, 2020 and 2021.
func rebase(m map[int]float64) {
	p18, p20, p21 := m[2018], m[firstCensus2021Based-1], m[firstCensus2021Based]
	if !(p18 > 0 && p20 > 0 && p21 > 0) {
		return
	}
	k := p21 / (p20 * math.Sqrt(p20/p18))
	span := float64(firstCensus2021Based - 1 - preCensusFrom)
	for y, v := range m {
		if y > preCensusFrom && y < firstCensus2021Based {
			m[y] = v * math.Pow(k, float64(y-preCensusFrom)/span)
		}
	}
}

// HistoryBacktestData builds the inputs of the history back-test (backtest.History) from a
// bundle: the total (in-house plus external) use of each service by people 65+ in the
// activity_history kind, one series per council, service and definition, and each council's
// people 65+ at the mid-years of its single-year estimates from mid-2011 (the first every council has), on the boundaries it reported on
// (its own estimates, else its districts', as ServiceBacktestData takes them), with mid-2012 to mid-2020 rebased to the Census-2021 basis (rebase). The bundle is not
// modified. It returns an error if there is no history or a council has no population.
func HistoryBacktestData(b *Bundle) (*backtest.HistoryData, error) {
	if len(b.ActivityHistory) == 0 {
		return nil, fmt.Errorf("history back-test inputs: no activity history")
	}
	areas, children := areaIndex(b)
	est, err := estimatesByArea(b)
	if err != nil {
		return nil, fmt.Errorf("history back-test inputs: %w", err)
	}
	type key struct{ area, service, definition string }
	series := map[key]*backtest.HistorySeries{}
	srcs := map[string]bool{}
	for _, r := range b.ActivityHistory {
		if r.Provision != "total" || r.AgeBand != "65+" {
			continue
		}
		k := key{r.AreaCode, r.Service, r.Definition}
		s := series[k]
		if s == nil {
			a := areas[r.AreaCode]
			if a == nil {
				return nil, fmt.Errorf("history back-test inputs: council %s is not in the areas table", r.AreaCode)
			}
			s = &backtest.HistorySeries{Area: r.AreaCode, Name: a.AreaName, Service: r.Service,
				Unit: historyUnits[r.Measure], Definition: r.Definition, Values: map[int]float64{}}
			series[k] = s
		}
		s.Values[int(r.Year)] = r.Value
		src, _, _ := strings.Cut(r.Source, "; ")
		srcs[src] = true
	}
	// Home care for people 65+: the history has only hours for people 18+, so the series is
	// PSS-EX1's clients 65+ at 31 March (service_activity, 2009-10 to 2013-14).
	for _, r := range b.ServiceActivity {
		if r.Service != "home_care" || r.AgeBand != "65+" || r.Measure != "clients" || r.Year >= FirstASCFRYear {
			continue
		}
		k := key{r.AreaCode, r.Service, DefinitionPSSEX1}
		s := series[k]
		if s == nil {
			a := areas[r.AreaCode]
			if a == nil {
				return nil, fmt.Errorf("history back-test inputs: council %s is not in the areas table", r.AreaCode)
			}
			s = &backtest.HistorySeries{Area: r.AreaCode, Name: a.AreaName, Service: r.Service, Unit: "clients", Definition: DefinitionPSSEX1,
				Values: map[int]float64{}}
			series[k] = s
		}
		s.Values[int(r.Year)] = r.Value
		src, _, _ := strings.Cut(r.Source, "; items ")
		srcs[src] = true
	}
	d := &backtest.HistoryData{Pop65: map[string]map[int]float64{}}
	keys := make([]key, 0, len(series))
	for k := range series {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return strings.Compare(a.area+"|"+a.service+"|"+a.definition, b.area+"|"+b.service+"|"+b.definition)
	})
	for _, k := range keys {
		d.Series = append(d.Series, *series[k])
		if _, done := d.Pop65[k.area]; done {
			continue
		}
		p, apportioned, err := councilPopulation(councilLeaves(k.area, areas, children, est), est, areas)
		if err != nil {
			return nil, fmt.Errorf("history back-test inputs: council %s: %w", k.area, err)
		}
		m := map[int]float64{}
		for y, pop := range p {
			if y < firstEveryCouncilEstimate {
				continue // Sheffield's earlier estimates: no other council has them
			}
			var n float64
			for s := range pop {
				for x := 65; x < len(pop[s]); x++ {
					n += pop[s][x]
				}
			}
			m[y] = n
		}
		rebase(m)
		d.Pop65[k.area] = m
		if apportioned {
			d.Notes = append(d.Notes, fmt.Sprintf("%s (%s) has ended; its population after 2011 is apportioned from the council that took it over, by sex and age.", k.area, areas[k.area].AreaName))
		}
	}
	for _, r := range b.Population {
		if r.Kind == "estimate" && (r.Year == 2011 || r.Year == 2018 || r.Year == 2022) {
			srcs[r.Source] = true
		}
	}
	for s := range srcs {
		d.Sources = append(d.Sources, s)
	}
	sort.Strings(d.Sources)
	return d, nil
}
