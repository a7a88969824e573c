package datasets

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// dataYears answers engine.Inputs.DescribeData for a bundle: for each part of a run, the
// publications and years its numbers rest on, named from the rows' sources (shortSource).
// What it reads is fixed by the run's provenance: the estimates of the base year, the supplied
// projection's variant or the national assumptions, each need measure's evidence year, the
// service activity years, and the unit costs and supply the data holds.
type dataYears struct {
	b *Bundle

	mu  sync.Mutex
	pop map[string]string // (base year, source, variant) → population line, computed once
}

func (d *dataYears) describe(p engine.Provenance) []engine.DataYear {
	var out []engine.DataYear
	add := func(topic string, labels []string) {
		if len(labels) > 0 {
			out = append(out, engine.DataYear{Topic: topic, Data: strings.Join(labels, ", ")})
		}
	}
	pop := d.population(p.Scenario.BaseYear, p.Scenario.Population.Source, p.Scenario.Population.Variant)
	if ws := p.Scenario.Population.VariantWeights; len(ws) > 0 {
		parts := make([]string, len(ws))
		for i, w := range ws {
			parts[i] = fmt.Sprintf("%s (weight %g)", w.Variant, w.Weight)
		}
		pop += "; Monte Carlo draws from variants " + strings.Join(parts, ", ")
	}
	out = append(out, engine.DataYear{Topic: "population", Data: pop})

	measures := make([]string, 0, len(p.Evidence))
	for m := range p.Evidence {
		measures = append(measures, m)
	}
	slices.Sort(measures)
	var need labelSet
	for _, m := range measures {
		for _, r := range d.b.Prevalence {
			if r.Measure == m && int(r.EvidenceYear) == p.Evidence[m] {
				need.add(fmt.Sprintf("%s %d", shortSource(r.Source), r.EvidenceYear))
			}
		}
	}
	add("need", need.list)

	add("service use", d.serviceUse(p))

	add("unit costs", d.costs(p))

	var supply labelSet
	for _, r := range d.b.Supply {
		supply.add(shortSource(r.Source))
	}
	// The run's councils whose supply was apportioned from a county, say so.
	asked := runAreas(p)
	for _, r := range d.b.Supply {
		if asked[r.AreaCode] && strings.HasPrefix(r.Source, "apportioned: ") {
			supply.add(d.areaName(r.AreaCode) + "'s beds " + bedsApportioned(r.Source))
		}
	}
	add("supply", supply.list)
	return out
}

// serviceUse names the publications and years of the activity each service's base use came
// from: one label when every service shares them ("PSS-EX1 2011-12 to 2013-14"), else one per
// group of services ("SALT 2021-22 (residential, nursing, home care as SALT community support,
// direct payments)"); and where home-care hours came from when that differs.
func (d *dataYears) serviceUse(p engine.Provenance) []string {
	if len(p.Series) == 0 { // a provenance from before the series were recorded
		var use labelSet
		for _, r := range d.b.ServiceActivity {
			if slices.Contains(p.ActivityYrs, int(r.Year)) {
				use.add(shortSource(r.Source))
			}
		}
		if len(use.list) > 0 && len(p.ActivityYrs) > 0 {
			use.list[len(use.list)-1] += " " + financialYears(p.ActivityYrs)
		}
		return use.list
	}
	var labels []string
	groups := map[string][]string{}
	for _, svc := range forecast.ServiceNames {
		ser, ok := p.Series[svc]
		if !ok || len(ser.Years) == 0 {
			continue
		}
		var src labelSet
		for _, r := range d.b.ServiceActivity {
			if r.Service == ser.Activity && r.Measure == ser.Measure && slices.Contains(ser.Years, int(r.Year)) {
				src.add(shortSource(r.Source))
			}
		}
		label := strings.Join(src.list, ", ") + " " + financialYears(ser.Years)
		if _, seen := groups[label]; !seen {
			labels = append(labels, label)
		}
		name := strings.ReplaceAll(svc, "_", " ")
		if ser.Activity != svc {
			name += " as " + strings.ReplaceAll(ser.Activity, "_", " ")
			if strings.Contains(label, "SALT") {
				name = strings.ReplaceAll(svc, "_", " ") + " as SALT " + strings.ReplaceAll(ser.Activity, "_", " ")
			}
		}
		groups[label] = append(groups[label], name)
	}
	out := make([]string, 0, len(labels)+1)
	for _, l := range labels {
		if len(labels) > 1 || strings.Contains(strings.Join(groups[l], ","), " as ") {
			l += " (" + strings.Join(groups[l], ", ") + ")"
		}
		out = append(out, l)
	}
	// Figures of the run's councils that are not their own return: apportioned from the county
	// they were formed from, say so.
	var shared labelSet
	asked := runAreas(p)
	for _, r := range d.b.ServiceActivity {
		if !asked[r.AreaCode] || !strings.HasPrefix(r.Source, "apportioned from ") {
			continue
		}
		for _, ser := range p.Series {
			if r.Service == ser.Activity && r.Measure == ser.Measure && slices.Contains(ser.Years, int(r.Year)) {
				how, _, _ := strings.Cut(r.Source, ":")
				how = strings.NewReplacer("people 18-64", "people 18-64 or 65+", "people 65+", "people 18-64 or 65+").Replace(how)
				shared.add(d.areaName(r.AreaCode) + "'s figures " + how)
			}
		}
	}
	out = append(out, shared.list...)
	// Home-care hours per client, when they come from elsewhere than the clients.
	if hc, ok := p.Series["home_care"]; ok && hc.Activity != "home_care" {
		var src labelSet
		derived := false
		for _, r := range d.b.ServiceActivity {
			if r.Service == "home_care" && r.Measure == "hours" && slices.Contains(hc.Years, int(r.Year)) {
				src.add(shortSource(r.Source))
				derived = derived || strings.Contains(r.Source, "derived")
			}
		}
		if len(src.list) > 0 {
			h := "home-care hours from " + strings.Join(src.list, ", ") + " " + financialYears(hc.Years)
			if derived {
				h += " (derived: spend on home care ÷ hourly rate)"
			}
			out = append(out, h)
		}
	}
	return out
}

// costs names the publications and years of the unit costs a run took from the data (not the
// services whose cost the scenario sets), the price index that restated them, and the services
// left on carecast's illustrative defaults.
func (d *dataYears) costs(p engine.Provenance) []string {
	var illustrative, fromData []string
	restated := false
	for svc, note := range p.UnitCosts {
		switch {
		case strings.Contains(note, "illustrative"):
			illustrative = append(illustrative, svc)
		case strings.Contains(note, "(scenario)"):
		default:
			fromData = append(fromData, svc)
			restated = restated || strings.Contains(note, "restated")
		}
	}
	var names labelSet
	years := map[string][]int{}
	for _, r := range d.b.UnitCosts {
		if r.Service != PriceIndexService && slices.Contains(fromData, r.Service) {
			n := shortSource(r.Source)
			names.add(n)
			if !slices.Contains(years[n], int(r.Year)) {
				years[n] = append(years[n], int(r.Year))
			}
		}
	}
	var out []string
	for _, n := range names.list {
		out = append(out, n+" "+financialYears(years[n]))
	}
	if restated {
		out = append(out, fmt.Sprintf("restated at %s prices by the PSS pay & prices index", p.Scenario.Costs.PriceBase))
	}
	if len(illustrative) > 0 {
		order := map[string]int{}
		for i, s := range []string{"residential", "nursing", "home_care", "direct_payments", "day_care", "meals"} {
			order[s] = i
		}
		slices.SortFunc(illustrative, func(a, b string) int { return order[a] - order[b] })
		for i, s := range illustrative {
			illustrative[i] = strings.ReplaceAll(s, "_", " ")
		}
		what := "carecast's illustrative defaults"
		if len(fromData) > 0 || len(illustrative) < len(p.UnitCosts) {
			what += " for " + strings.Join(illustrative, ", ")
		}
		out = append(out, what+" (assumptions, not data)")
	}
	return out
}

// population names the estimates of the base year and what projects them.
func (d *dataYears) population(base int, source, variant string) string {
	key := fmt.Sprint(base, "|", source, "|", variant)
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.pop[key]; ok {
		return s
	}
	var est, proj labelSet
	for _, r := range d.b.Population {
		switch {
		case r.Kind == "estimate" && int(r.Year) == base:
			est.add(estimateLabel(r.Source, base))
		case source == "supplied" && r.Kind == "projection" && r.Variant == variant:
			proj.add(projectionLabel(r.Source, variant))
		}
	}
	if source == "supplied" {
		for _, l := range d.b.Projections {
			if l.Variant != variant {
				continue
			}
			c, err := l.Cube() // read already by the run that asks
			if err != nil {
				continue
			}
			for _, src := range c.Sources {
				proj.add(projectionLabel(src, variant))
			}
		}
	}
	s := strings.Join(est.list, ", ")
	if s == "" {
		s = fmt.Sprintf("mid-%d estimates", base)
	}
	if source == "supplied" {
		s += "; projection: " + strings.Join(proj.list, ", ")
	} else {
		var rates labelSet
		for _, r := range d.b.Mortality {
			rates.add(shortSource(r.Source))
		}
		if len(rates.list) > 0 {
			s += ", projected on " + strings.Join(rates.list, ", ") + " assumptions"
		}
	}
	if d.pop == nil {
		d.pop = map[string]string{}
	}
	d.pop[key] = s
	return s
}

// projectionLabel names a supplied projection's variant: "ONS SNPP 2018 principal", or for the
// Strategy Unit's derivations "ONS SNPP 2018 high_migration variant derived by the Strategy Unit
// (not an ONS product)".
func projectionLabel(source, variant string) string {
	if strings.Contains(source, "Strategy Unit") && variant != "principal" {
		return "ONS SNPP 2018 " + variant + " variant derived by the Strategy Unit (not an ONS product)"
	}
	return shortSource(source) + " " + variant
}

// runAreas is the set of the areas a run reported.
func runAreas(p engine.Provenance) map[string]bool {
	out := make(map[string]bool, len(p.Scenario.Areas))
	for _, a := range p.Scenario.Areas {
		out[a] = true
	}
	return out
}

// bedsApportioned rewrites a supply row's source "apportioned: 0.4809 of Cumbria's 1876 beds by
// share of people 65+ (ONS mid-2020); CQC …" as "apportioned from Cumbria by share of people 65+
// (ONS mid-2020)".
func bedsApportioned(source string) string {
	how, _, _ := strings.Cut(strings.TrimPrefix(source, "apportioned: "), ";")
	_, rest, ok1 := strings.Cut(how, " of ")
	county, rest, ok2 := strings.Cut(rest, "'s ")
	_, by, ok3 := strings.Cut(rest, " by ")
	if !ok1 || !ok2 || !ok3 {
		return how
	}
	return "apportioned from " + county + " by " + by
}

// areaName is an area's name from the bundle's areas table ("" for a code it lacks).
func (d *dataYears) areaName(code string) string {
	for i := range d.b.Areas {
		if d.b.Areas[i].AreaCode == code {
			return d.b.Areas[i].AreaName
		}
	}
	return ""
}

// labelSet keeps distinct labels in the order first seen.
type labelSet struct{ list []string }

func (l *labelSet) add(s string) {
	if s != "" && !slices.Contains(l.list, s) {
		l.list = append(l.list, s)
	}
}

// financialYears writes the financial years starting in years as a range: "2011-12 to
// 2013-14", or "2021-22" for one.
func financialYears(years []int) string {
	lo, hi := slices.Min(years), slices.Max(years)
	fy := func(y int) string { return fmt.Sprintf("%d-%02d", y, (y+1)%100) }
	if lo == hi {
		return fy(lo)
	}
	return fy(lo) + " to " + fy(hi)
}

// estimateLabel names a base year's estimates: "ONS mid-2022 estimates" for ONS's, else the
// source's short name and the year.
func estimateLabel(source string, year int) string {
	if strings.Contains(source, "ONS") {
		return fmt.Sprintf("ONS mid-%d estimates", year)
	}
	return fmt.Sprintf("%s mid-%d", shortSource(source), year)
}

// shortNames are the publications carecast's default data comes from, by a phrase their rows'
// sources contain, with the short name pages and exports use. The first match wins.
var shortNames = []struct{ phrase, name string }{
	{"2018-based subnational", "ONS SNPP 2018"},
	{"Strategy Unit", "SNPP 2018 variant derived by the Strategy Unit"},
	{"2016-based subnational", "ONS SNPP 2016"},
	{"2018-based national", "ONS NPP 2018"},
	{"SALT", "SALT"},
	{"ASC-FR", "ASC-FR"},
	{"PSS-EX1", "PSS-EX1"},
	{"CQC care directory (HSCA active locations, 1 February 2021)", "CQC care home beds, 1 February 2021"},
	{"CQC", "CQC"},
	{"PSSRU", "PSSRU"},
	{"CFAS", "CFAS II"},
	{"Health Survey for England", "HSE"},
}

// Publications returns the publications that sources (the values of a dataset's source
// column) name, each in the short form a run's provenance uses ("PSS-EX1", "SALT", …),
// sorted and without repeats.
func Publications(sources []string) []string {
	out := make([]string, 0, len(sources))
	for _, s := range sources {
		out = append(out, shortSource(s))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// shortSource is the short name of a row's source (see shortNames); a source carecast does not
// know, such as a council's upload, is named by its first clause.
func shortSource(s string) string {
	for _, n := range shortNames {
		if strings.Contains(s, n.phrase) {
			return n.name
		}
	}
	if i := strings.IndexAny(s, ";(,"); i > 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "…"
	}
	return s
}
