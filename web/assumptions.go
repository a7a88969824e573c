package web

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/web/chart"
)

// AssumptionSource gives the data behind the assumptions the scenario form prefills for a
// council: where each unit cost comes from and the supply the data has (service.Carecast is
// one).
type AssumptionSource interface {
	// Assumptions returns them for area, a council, as a run of sc (a scenario for that
	// council without its own unit costs or supply) would take them.
	Assumptions(sc forecast.Scenario, area string) (*service.Assumptions, error)
}

// assumption is one input of the form's "Your assumptions": what it shows (Value), and the
// data's value or the default (Data) that it starts from. Data is sent back with the form: a
// value equal to it (or empty) is not saved, so that the scenario follows the data when it is
// updated; only a value the planner changed goes into the scenario document.
type assumption struct {
	Key, Label, Unit string
	Value, Data      string
	Source           string // where Data comes from, in words
	Placeholder      string
}

// assumptions is the form's "Your assumptions" section.
type assumptions struct {
	// Council is the council the unit costs and supply are for; "" when the scenario is not
	// about one council (then only the capacity assumptions are offered).
	Council, CouncilName string
	Costs, Supply        []assumption
	Capacity             []assumption
	// Note says why the data's values could not be read, if they could not.
	Note string
}

// capacityField is one of the capacity assumptions (forecast.CapacitySpec), with its form key.
type capacityField struct {
	key, label, unit, def, source, path string
	get                                 func(*forecast.CapacitySpec) *float64
	set                                 func(*forecast.CapacitySpec, *float64)
}

func plain(f func(*forecast.CapacitySpec) *float64) (func(*forecast.CapacitySpec) *float64, func(*forecast.CapacitySpec, *float64)) {
	return func(c *forecast.CapacitySpec) *float64 {
			if p := f(c); *p != 0 {
				return p
			}
			return nil
		}, func(c *forecast.CapacitySpec, v *float64) {
			*f(c) = 0
			if v != nil {
				*f(c) = *v
			}
		}
}

var capacityFields = func() []capacityField {
	out := []capacityField{
		{key: "cap_occupancy", label: "Care-home bed occupancy", unit: "share of beds filled, 0.5 to 1", def: fnum(forecast.DefaultOccupancy), source: "carecast's default.", path: "capacity.occupancy"},
		{key: "cap_hours", label: "Home-care hours per client", unit: "hours a week", path: "capacity.home_care_hours_per_client_week",
			get: func(c *forecast.CapacitySpec) *float64 { return c.HomeCareHours },
			set: func(c *forecast.CapacitySpec, v *float64) { c.HomeCareHours = v }},
		{key: "cap_contracted", label: "Contracted hours of a full-time care worker", unit: "hours a week", def: fnum(forecast.DefaultContractedHours), source: "carecast's default.", path: "capacity.contracted_hours"},
		{key: "cap_productive", label: "Share of paid hours spent on care", unit: "0.1 to 1, net of travel, training and leave", def: fnum(forecast.DefaultProductive), source: "carecast's default.", path: "capacity.productive_share"},
		{key: "cap_res_staff", label: "Care hours per residential resident", unit: "hours a week", def: fnum(forecast.DefaultResidentialHrs), source: "carecast's default.", path: "capacity.residential_care_hours_per_resident_week"},
		{key: "cap_nur_staff", label: "Care and nursing hours per nursing resident", unit: "hours a week", def: fnum(forecast.DefaultNursingHrs), source: "carecast's default.", path: "capacity.nursing_care_hours_per_resident_week"},
	}
	fields := []func(*forecast.CapacitySpec) *float64{
		func(c *forecast.CapacitySpec) *float64 { return &c.Occupancy }, nil,
		func(c *forecast.CapacitySpec) *float64 { return &c.ContractedHours },
		func(c *forecast.CapacitySpec) *float64 { return &c.ProductiveShare },
		func(c *forecast.CapacitySpec) *float64 { return &c.ResidentialStaffing },
		func(c *forecast.CapacitySpec) *float64 { return &c.NursingStaffing },
	}
	for i, f := range fields {
		if f != nil {
			out[i].get, out[i].set = plain(f)
		}
	}
	return out
}()

// supplyServices are the services whose supply the form sets, with their labels.
var supplyServices = []struct{ Service, Label, Unit string }{
	{"residential", "Residential care home beds", "beds"},
	{"nursing", "Nursing home beds", "beds"},
	{"home_care", "Home-care hours supplied", "hours a week"},
}

// costLabels name the services' unit costs on the form.
var costLabels = map[string]string{
	"residential": "Residential care", "nursing": "Nursing care", "home_care": "Home care",
	"direct_payments": "Direct payments", "day_care": "Day care", "meals": "Meals",
}

// assumeFromDoc fills the form's assumption values from a stored scenario's own ones.
func (f *scenarioForm) assumeFromDoc(doc forecast.Scenario) {
	f.Assume = map[string]string{}
	for _, u := range doc.Costs.UnitCosts {
		f.Assume["uc_"+u.Service] = fnum(u.Cost)
	}
	if f.Area != "" {
		for _, s := range doc.Capacity.Supply {
			if s.Area == f.Area {
				f.Assume["sup_"+s.Service] = fnum(s.Capacity)
			}
		}
	}
	for _, cf := range capacityFields {
		if v := cf.get(&doc.Capacity); v != nil {
			f.Assume[cf.key] = fnum(*v)
		}
	}
}

// parseAssumptions reads "Your assumptions" into sc: each value that differs from the one the
// form started from (sent back as key_data) and is not empty is the scenario's own; the others
// leave the scenario following the data. It records which form field each unit cost and supply
// entry came from, for placing the validator's problems.
func (s *site) parseAssumptions(get func(string) string, f *scenarioForm, sc *forecast.Scenario, bad func(field, msg string)) {
	f.Assume = map[string]string{}
	f.costFrom, f.supplyFrom = nil, nil
	own := func(key, label string) (*float64, bool) {
		v := get(key)
		f.Assume[key] = v
		if v == "" || v == get(key+"_data") {
			return nil, true
		}
		x, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimPrefix(v, "£"), ",", ""), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			bad(key, label+" must be a number, like "+orExample(get(key+"_data"))+".")
			return nil, false
		}
		return &x, true
	}
	// Unit costs: the form's own replace those of the services it shows.
	var costs []forecast.UnitCostSpec
	for _, u := range sc.Costs.UnitCosts {
		if _, shown := costLabels[u.Service]; !shown {
			costs = append(costs, u)
		}
	}
	for _, svc := range forecast.ServiceNames {
		key := "uc_" + svc
		if get("assume_costs") != "1" {
			// The form did not show unit costs: keep the scenario's.
			if i := slices.IndexFunc(sc.Costs.UnitCosts, func(u forecast.UnitCostSpec) bool { return u.Service == svc }); i >= 0 {
				costs = append(costs, sc.Costs.UnitCosts[i])
				f.costFrom = append(f.costFrom, key)
			}
			continue
		}
		if v, ok := own(key, costLabels[svc]+" unit cost"); ok && v != nil {
			costs = append(costs, forecast.UnitCostSpec{Service: svc, Cost: *v})
			f.costFrom = append(f.costFrom, key)
		}
	}
	sc.Costs.UnitCosts = costs
	// Supply: for the council the form showed it for.
	if area := get("assume_area"); area != "" {
		var supply []forecast.SupplySpec
		for _, x := range sc.Capacity.Supply {
			if x.Area != area {
				supply = append(supply, x)
				f.supplyFrom = append(f.supplyFrom, "")
			}
		}
		for _, ss := range supplyServices {
			key := "sup_" + ss.Service
			if v, ok := own(key, ss.Label); ok && v != nil {
				if area != f.Area {
					bad("area", "Your supply figures are for "+s.areas.name(area)+": choose it again, or clear them, before saving for another area.")
					continue
				}
				supply = append(supply, forecast.SupplySpec{Area: area, Service: ss.Service, Capacity: *v})
				f.supplyFrom = append(f.supplyFrom, key)
			}
		}
		sc.Capacity.Supply = supply
	} else {
		for range sc.Capacity.Supply {
			f.supplyFrom = append(f.supplyFrom, "")
		}
	}
	for _, cf := range capacityFields {
		if v, ok := own(cf.key, cf.label); ok {
			cf.set(&sc.Capacity, v)
		}
	}
}

func orExample(v string) string {
	if v == "" {
		return "1200"
	}
	return v
}

// assumptionsOf builds "Your assumptions" for the form: the data's values for its council (a
// deterministic projection of the base year gives the unit costs and hours per client the
// engine uses; the AssumptionSource where they come from and the supply), each shown as the
// form holds it.
func (s *site) assumptionsOf(ctx context.Context, f *scenarioForm) *assumptions {
	a := &assumptions{}
	shown := func(key, data string) string {
		if v, ok := f.Assume[key]; ok {
			return v
		}
		return data
	}
	var fr *frame
	info := s.areas.get(f.Area)
	if info != nil && info.IsCouncil() {
		a.Council, a.CouncilName = f.Area, info.Name
		rows, err := s.project(ctx, forecast.Scenario{Name: "Assumptions", BaseYear: f.BaseYear, Horizon: f.BaseYear + 1, Areas: []string{f.Area}})
		if err == nil {
			fr = newFrame(rows)
		} else {
			a.Note = "The data's values could not be read: " + err.Error()
		}
	}
	var src *service.Assumptions
	if s.d.Assumptions != nil && a.Council != "" {
		var err error
		if src, err = s.d.Assumptions.Assumptions(forecast.Scenario{Name: "Assumptions", BaseYear: f.BaseYear, Horizon: f.BaseYear + 1, Areas: []string{a.Council}}, a.Council); err != nil {
			s.log.Warn("reading the data behind a scenario's assumptions", "area", a.Council, "err", err)
			src = nil
		}
	}
	head := func(m string) float64 {
		if fr == nil {
			return math.NaN()
		}
		return fr.headValue(a.Council, m, f.BaseYear)
	}
	if a.Council != "" {
		for _, svc := range forecast.ServiceNames {
			d := forecast.DefaultUnitCosts[svc]
			vol := head("service."+svc) * 52
			if svc == "home_care" {
				vol = head("capacity.home_care_hours") * 52
			}
			source := ""
			if src != nil {
				source = src.UnitCosts[svc]
			}
			data := ""
			if c := head("cost."+svc) / vol; vol > 0 && !math.IsNaN(c) {
				data = strings.TrimSuffix(strconv.FormatFloat(c, 'f', 2, 64), ".00")
			} else if source == "" || strings.Contains(source, "illustrative default") {
				data = fnum(d.Cost) // no use in the base year to read it from: the default
			}
			switch {
			case source == "" || strings.Contains(source, "illustrative default"):
				source = fmt.Sprintf("Not in the data: carecast's illustrative default, £%g per %s, an assumption to replace with your own.", d.Cost, d.Unit)
			default:
				source = "From the data: " + source + "."
			}
			a.Costs = append(a.Costs, assumption{Key: "uc_" + svc, Label: costLabels[svc], Unit: "£ per " + d.Unit,
				Data: data, Value: shown("uc_"+svc, data), Source: source})
		}
		for _, ss := range supplyServices {
			as := assumption{Key: "sup_" + ss.Service, Label: ss.Label, Unit: ss.Unit}
			if row, ok := supplyOf(src, ss.Service); ok {
				as.Data = fnum(row.Capacity)
				as.Source = "From the data: " + src.SupplySource + "."
				if src.SupplySource == "" {
					as.Source = "From the data's supply."
				}
			} else if ss.Service == "home_care" {
				as.Source = "The data has no home-care hours supplied: enter your own to see the gap against them."
				as.Placeholder = "enter your own"
			} else {
				as.Source = "The data has no beds for " + a.CouncilName + ": enter your own to see the gap against them."
				as.Placeholder = "enter your own"
			}
			as.Value = shown(as.Key, as.Data)
			a.Supply = append(a.Supply, as)
		}
	}
	for _, cf := range capacityFields {
		as := assumption{Key: cf.key, Label: cf.label, Unit: cf.unit, Data: cf.def, Source: cf.source}
		if cf.key == "cap_hours" {
			as.Source = "Each council's own, from the home-care hours and clients in the activity data."
			if h := head("capacity.home_care_hours") / head("service.home_care"); a.Council != "" && !math.IsNaN(h) && !math.IsInf(h, 0) {
				as.Data = strconv.FormatFloat(h, 'f', 2, 64)
				as.Source = "From the data: " + a.CouncilName + "'s own, its home-care hours ÷ clients in the activity years."
			}
		}
		as.Value = shown(as.Key, as.Data)
		a.Capacity = append(a.Capacity, as)
	}
	return a
}

// supplyOf returns the data's supply of a service, if the source has one.
func supplyOf(src *service.Assumptions, svc string) (row struct{ Capacity float64 }, ok bool) {
	if src == nil {
		return row, false
	}
	r, ok := src.Supply[svc]
	row.Capacity = r.Capacity
	return row, ok
}

// ownAssumptions words the scenario's own unit costs, supply and capacity assumptions for the
// results page, each with the data's value it replaces where the data has one: the gaps are
// reckoned against the supply given here.
func (s *site) ownAssumptions(doc forecast.Scenario) []string {
	var out []string
	for _, u := range doc.Costs.UnitCosts {
		name := costLabels[u.Service]
		if name == "" {
			name = u.Service
		}
		out = append(out, fmt.Sprintf("%s unit cost: £%s per %s (yours)", name, chart.Number(u.Cost), forecast.DefaultUnitCosts[u.Service].Unit))
	}
	for _, x := range doc.Capacity.Supply {
		label, unit := x.Service, forecast.SupplyUnits[x.Service]
		for _, ss := range supplyServices {
			if ss.Service == x.Service {
				label, unit = ss.Label, ss.Unit
			}
		}
		line := fmt.Sprintf("%s, %s: %s %s (yours", label, s.areas.name(x.Area), chart.Number(x.Capacity), unit)
		if s.d.Assumptions != nil {
			if src, err := s.d.Assumptions.Assumptions(forecast.Scenario{Name: "Assumptions", BaseYear: doc.BaseYear, Horizon: doc.Horizon, Areas: []string{x.Area}}, x.Area); err == nil {
				if row, ok := src.Supply[x.Service]; ok {
					line += fmt.Sprintf("; the data has %s, %s", chart.Number(row.Capacity), src.SupplySource)
				} else {
					line += "; the data has none"
				}
			}
		}
		out = append(out, line+"): the gap is what is needed less this")
	}
	for _, cf := range capacityFields {
		if v := cf.get(&doc.Capacity); v != nil {
			line := fmt.Sprintf("%s: %s %s (yours", cf.label, fnum(*v), cf.unit)
			if cf.def != "" {
				line += "; default " + cf.def
			}
			out = append(out, line+")")
		}
	}
	return out
}
