package datasets

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/backtest"
	"github.com/carecast/carecast/forecast/engine"
	"github.com/carecast/carecast/forecast/population"
)

// MaleBirthShare is the share of births that are boys in ONS's 2018-based projections: 105 boys
// to 100 girls (see package population).
const MaleBirthShare = 1.05 / 2.05

func sexIndex(s string) int {
	switch s {
	case "female":
		return int(forecast.Female)
	case "male":
		return int(forecast.Male)
	}
	return -1
}

// EngineInputs turns a validated bundle into the engine's inputs. The national rates are those
// of area nationalCode (E92000001 England in the default data), for the years where mortality,
// fertility and migration are all given.
func EngineInputs(b *Bundle) (*engine.Inputs, error) {
	const national = "E92000001"
	in := &engine.Inputs{
		National:    national,
		Estimates:   map[string]map[int]*population.Pop90{},
		Projections: map[string]map[string]map[int]*population.Pop90{},
		Oldest:      map[int]*population.Pop{},
		E65:         map[int][forecast.NumSexes]float64{},
	}
	dep := map[string][]forecast.Deprivation{}
	for _, d := range b.Deprivation {
		dep[d.AreaCode] = append(dep[d.AreaCode], forecast.Deprivation{Measure: d.Measure, Edition: d.Edition, Method: d.Method, Source: d.Source, Value: d.Value})
	}
	for _, a := range b.Areas {
		in.Areas = append(in.Areas, forecast.AreaInfo{Code: a.AreaCode, Name: a.AreaName, Type: a.AreaType, Parent: a.ParentCode,
			Region: a.RegionCode, ValidFrom: a.ValidFrom, ValidTo: a.ValidTo, Successor: a.SuccessorCode, Deprivation: dep[a.AreaCode]})
	}
	cell := func(m map[string]map[int]*population.Pop90, area string, year int) *population.Pop90 {
		if m[area] == nil {
			m[area] = map[int]*population.Pop90{}
		}
		p := m[area][year]
		if p == nil {
			p = new(population.Pop90)
			m[area][year] = p
		}
		return p
	}
	for _, r := range b.Population {
		s := sexIndex(r.Sex)
		if r.Kind == "estimate" {
			cell(in.Estimates, r.AreaCode, int(r.Year))[s][r.Age] = r.Count
			continue
		}
		if in.Projections[r.Variant] == nil {
			in.Projections[r.Variant] = map[string]map[int]*population.Pop90{}
		}
		cell(in.Projections[r.Variant], r.AreaCode, int(r.Year))[s][r.Age] = r.Count
	}
	if len(b.Projections) > 0 {
		in.LazyProjections = map[string]func() (map[string]map[int]*population.Pop90, error){}
	}
	for _, l := range b.Projections {
		in.LazyProjections[l.Variant] = func() (map[string]map[int]*population.Pop90, error) {
			c, err := l.Cube()
			if err != nil {
				return nil, err
			}
			return c.Cells, nil
		}
	}
	for _, r := range b.PopulationOldest {
		if r.AreaCode != national {
			continue
		}
		p := in.Oldest[int(r.Year)]
		if p == nil {
			p = new(population.Pop)
			in.Oldest[int(r.Year)] = p
		}
		p[sexIndex(r.Sex)][r.Age] = r.Count
	}
	for _, r := range b.LifeExpectancy {
		if r.AreaCode == national && r.ExType == "period" && r.Age == 65 {
			e := in.E65[int(r.Year)]
			e[sexIndex(r.Sex)] = r.Ex
			in.E65[int(r.Year)] = e
		}
	}

	// National rates: every year with mortality, fertility and migration.
	type yearRates struct {
		q                [forecast.NumSexes][MaxMortalityAge + 1]float64
		qb               [forecast.NumSexes]float64
		fert             [population.NumAges]float64
		mig              [forecast.NumSexes][population.NumAges]float64
		in               [forecast.NumSexes][population.NumAges]float64
		hasQ, hasF, hasM bool
	}
	years := map[int]*yearRates{}
	get := func(y int32) *yearRates {
		r := years[int(y)]
		if r == nil {
			r = new(yearRates)
			years[int(y)] = r
		}
		return r
	}
	for _, m := range b.Mortality {
		if m.AreaCode != national {
			continue
		}
		r := get(m.Year)
		switch m.RateType {
		case "qx":
			r.q[sexIndex(m.Sex)][m.Age] = m.Rate
			r.hasQ = true
		case "qbirth":
			r.qb[sexIndex(m.Sex)] = m.Rate
		}
	}
	for _, f := range b.Fertility {
		if f.AreaCode == national && int(f.Age) < population.NumAges {
			r := get(f.Year)
			r.fert[f.Age] = f.Rate
			r.hasF = true
		}
	}
	for _, m := range b.Migration {
		if m.AreaCode != national {
			continue
		}
		r := get(m.Year)
		switch m.Flow {
		case "net":
			r.mig[sexIndex(m.Sex)][m.Age] = m.Count
			r.hasM = true
		case "in":
			r.in[sexIndex(m.Sex)][m.Age] = m.Count
		}
	}
	first, last := math.MaxInt, math.MinInt
	for y, r := range years {
		if r.hasQ && r.hasF && r.hasM {
			first, last = min(first, y), max(last, y)
		}
	}
	if first > last {
		return nil, fmt.Errorf("engine inputs: no year has national mortality, fertility and migration for %s", national)
	}
	in.RatesFirst = first
	for y := first; y <= last; y++ {
		r := years[y]
		if r == nil || !r.hasQ || !r.hasF || !r.hasM {
			return nil, fmt.Errorf("engine inputs: national rates for %d are incomplete (mortality, fertility and migration are needed in every year %d–%d)", y, first, last)
		}
		var rates population.Rates
		for s := range forecast.NumSexes {
			copy(rates.Q[s][:population.MaxAge], r.q[s][:population.MaxAge])
			rates.Q[s][population.MaxAge] = population.OpenQ(r.q[s][population.MaxAge:])
			rates.QBirth[s] = r.qb[s]
		}
		rates.Fertility = r.fert
		rates.MaleBirths = MaleBirthShare
		rates.Migration = r.mig
		if err := rates.Check(); err != nil {
			return nil, fmt.Errorf("engine inputs: national rates %d: %w", y, err)
		}
		in.Rates = append(in.Rates, rates)
		if y == first {
			for s := range forecast.NumSexes {
				for x := range population.NumAges {
					in.InMigration[s][min(x, forecast.OpenAge)] += r.in[s][x]
				}
			}
		}
	}

	for _, p := range b.Prevalence {
		lo, hi := math.NaN(), math.NaN()
		if p.RateLo != nil {
			lo, hi = *p.RateLo, *p.RateHi
		}
		in.Prevalence = append(in.Prevalence, engine.PrevalenceRate{Measure: p.Measure, Sex: sexIndex(p.Sex), AgeFrom: int(p.AgeFrom),
			AgeTo: int(p.AgeTo), Rate: p.Rate, Lo: lo, Hi: hi, EvidenceYear: int(p.EvidenceYear), Source: p.Source})
	}
	for _, a := range b.ServiceActivity {
		band, err := parseAgeBand(a.AgeBand)
		if err != nil {
			return nil, fmt.Errorf("engine inputs: service activity: %w", err)
		}
		in.Activity = append(in.Activity, engine.Activity{Area: a.AreaCode, Year: int(a.Year), Service: a.Service,
			AgeFrom: band.from, AgeTo: band.to, Measure: a.Measure, Value: a.Value})
	}
	for _, u := range b.UnitCosts {
		if u.Service == PriceIndexService {
			if u.AreaCode != National {
				continue // the engine restates costs by England's index only
			}
			if in.PriceIndex == nil {
				in.PriceIndex = &engine.PriceIndex{Name: "PSS pay & prices index", Level: map[int]float64{}}
				if !strings.Contains(u.Source, "PSS pay") {
					in.PriceIndex.Name = "price index (" + shortSource(u.Source) + ")"
				}
			}
			in.PriceIndex.Level[int(u.Year)] = u.Cost
			continue
		}
		in.UnitCosts = append(in.UnitCosts, engine.UnitCost{Area: u.AreaCode, Service: u.Service, Unit: u.Unit, PriceBase: u.PriceBase,
			Year: int(u.Year), Cost: u.Cost, Source: u.Source})
	}
	for _, s := range b.Supply {
		in.Supply = append(in.Supply, engine.SupplyRow{Area: s.AreaCode, Service: s.Service, Unit: s.Unit, Year: int(s.Year), Capacity: s.Capacity})
	}
	for _, f := range b.Files {
		in.Datasets = append(in.Datasets, engine.DatasetRef{Kind: string(f.Kind), File: f.File, ContentHash: f.ContentHash, Sources: f.Sources})
	}
	if len(b.ActivityHistory) > 0 && len(in.Activity) > 0 {
		u, err := engineUseTrends(b, in.Activity)
		if err != nil {
			return nil, fmt.Errorf("engine inputs: %w", err)
		}
		in.UseTrends = u
	}
	in.DescribeData = (&dataYears{b: b}).describe
	return in, nil
}

// engineUseTrends gives the engine the history back-test's method (backtest.UseTrends): each
// council's trend in its 65+ use rates of the services the history scores, at the history's
// last year, compounding from the latest activity year for backtest.HistoryMaxHorizon years.
// Councils without a series of their own in the history's last year (those created in 2023)
// take the national trend.
func engineUseTrends(b *Bundle, activity []engine.Activity) (*engine.UseTrends, error) {
	hd, err := HistoryBacktestData(b)
	if err != nil {
		return nil, err
	}
	ht, err := backtest.UseTrends(context.Background(), hd, nil)
	if err != nil {
		return nil, err
	}
	u := &engine.UseTrends{Annual: map[string]map[string]float64{}, National: map[string]float64{}, Damping: map[string]float64{},
		Years: backtest.HistoryMaxHorizon}
	for _, a := range activity {
		u.From = max(u.From, a.Year)
	}
	var parts []string
	for _, svc := range backtest.HistoryServices() {
		tr := ht.Trends[svc]
		if len(tr) == 0 {
			continue
		}
		u.Damping[svc] = ht.Selected[svc].Damping
		for area, t := range tr {
			if u.Annual[area] == nil {
				u.Annual[area] = map[string]float64{}
			}
			u.Annual[area][svc] = t.Annual
			u.National[svc] = t.National
		}
		parts = append(parts, fmt.Sprintf("%s %+.1f%% a year nationally", svc, 100*math.Expm1(u.National[svc])))
	}
	u.Source = fmt.Sprintf("service use trend: the 65+ use rates of %s follow each council's trend in the activity history to %d-%02d (shrunk to the national trend; councils created in 2023 take the national one) for %d years after %d-%02d, then hold: the method that beat no change in the history back-test (services.use_trend none turns it off)",
		strings.Join(parts, " and "), ht.Last, (ht.Last+1)%100, u.Years, u.From, (u.From+1)%100)
	return u, nil
}

// RunProvenance turns an engine run's provenance into the provenance stored with its results
// and exports: the scenario as run (with defaults filled in), the content hash of every dataset
// used, the software version, the seed, the quantiles and the cost terms.
func RunProvenance(p engine.Provenance) Provenance {
	hashes := map[string]string{}
	for _, d := range p.Datasets {
		key := d.Kind
		if _, dup := hashes[key]; dup {
			key += ":" + d.File // a second file of a kind (an upload added to the built-in one)
		}
		hashes[key] = "sha256:" + d.ContentHash
	}
	doc, _ := json.Marshal(p.Scenario) // a plain struct: cannot fail
	seed := p.Seed
	return Provenance{ScenarioID: p.ScenarioID, RunID: p.RunID, Scenario: doc, DatasetHashes: hashes,
		SoftwareVersion: p.Version, Seed: &seed, Quantiles: p.Quantiles, PriceBase: p.CostTerms, DataYears: engine.DataSummary(p.DataYears)}
}
