package convert

import (
	"cmp"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strings"

	"github.com/carecast/carecast/datasets"
)

// selfFundRow is the estimate of one council's self-funded care home residents (see
// estimateSelfFunders). Counts are people (beds); Share is a proportion 0-1. A council with no
// SALT 2021-22 has NaN in CouncilSupported, FullCost, SelfFunded and Share, and a Note.
type selfFundRow struct {
	AreaCode                                                      string
	Beds, Occupied, CouncilSupported, FullCost, SelfFunded, Share float64
	Note                                                          string
}

// saltResidentialSettings are the SALT support settings of people living in care homes.
var saltResidentialSettings = []string{"Residential", "Nursing"}

// t40Measures are the measures of SALT T40; only "Full cost clients" is read.
var t40Measures = []string{"Clients", "Full cost clients", "Percentage of clients that are full cost"}

// readT40FullCost reads SALT 2021-22 T40's "Full cost clients" by area and age band (18-64,
// 65+; the key's setting is ""). It fails on a measure, unit or flag it does not know.
func readT40FullCost(raw fs.FS) (map[saltKey]saltCell, error) {
	f, err := readCSV(raw, ascfrDir+"t40_lts_clients_year_end_full_cost.csv")
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("area_code", "year", "age_band", "measure", "unit", "value", "flag")
	if err != nil {
		return nil, err
	}
	out := map[saltKey]saltCell{}
	for i := range f.rows {
		r := f.fields(i)
		if y := r.str(c[1]); y != "2021-22" {
			return nil, f.lineErr(i, fmt.Errorf("year %q, want 2021-22", y))
		}
		m := r.str(c[3])
		if !slices.Contains(t40Measures, m) {
			return nil, f.lineErr(i, fmt.Errorf("measure %q unknown", m))
		}
		band, ok := saltBands[r.str(c[2])]
		if m != "Full cost clients" || !ok {
			continue
		}
		if u := r.str(c[4]); u != "number" {
			return nil, f.lineErr(i, fmt.Errorf("unit %q, want number", u))
		}
		x := saltCell{flag: r.str(c[6])}
		switch x.flag {
		case "":
			x.value = r.num(c[5])
		case "c", "x":
		default:
			return nil, f.lineErr(i, fmt.Errorf("unknown flag %q", x.flag))
		}
		if r.err != nil {
			return nil, r.err
		}
		k := saltKey{r.str(c[0]), band, ""}
		if _, dup := out[k]; dup {
			return nil, f.lineErr(i, fmt.Errorf("second figure for %s %s", k.area, band))
		}
		out[k] = x
	}
	return out, nil
}

// saltCount is a SALT figure of one area summed over cells: by age band, with the cells
// suppressed (0-4, counted as 0) named and whether any cell was not submitted.
type saltCount struct {
	byBand     map[string]float64
	suppressed []string
	missing    bool
}

func (s saltCount) total() float64 { return s.byBand["18-64"] + s.byBand["65+"] }

// sumSALT sums cells over both age bands and the given settings for every area of cells.
func sumSALT(cells map[saltKey]saltCell, settings []string, what string) map[string]saltCount {
	out := map[string]saltCount{}
	for k, x := range cells {
		if !slices.Contains(settings, k.setting) {
			continue
		}
		s, ok := out[k.area]
		if !ok {
			s = saltCount{byBand: map[string]float64{}}
		}
		switch x.flag {
		case "x":
			s.missing = true
		case "c":
			s.suppressed = append(s.suppressed, strings.TrimSpace(fmt.Sprintf("%s %s %s", what, k.band, k.setting)))
		default:
			s.byBand[k.band] += x.value
		}
		out[k.area] = s
	}
	for _, s := range out {
		slices.Sort(s.suppressed)
	}
	return out
}

// estimateSelfFunders estimates, for every council in force on April 2023 geography, the care
// home residents whom no council supports, from care home beds, an occupancy rate, and SALT
// 2021-22. The figures are for the base year, mixing dates: CQC beds of 1 February 2021 and
// SALT clients at 31 March 2022.
//
//   - Beds: CQC registered care home beds, all of them (buildSupply's residential + nursing:
//     all ages and client groups; Northamptonshire and Cumbria apportioned by people 65+).
//   - Occupied = Beds × occupancy (a proportion, 0 < occupancy ≤ 1; callers pass
//     forecast.DefaultOccupancy, 0.92).
//   - CouncilSupported: SALT T38 clients of long term support at the year end in the
//     Residential and Nursing settings, 18-64 plus 65+ — the council's care home residents,
//     wherever the home is.
//   - FullCost: SALT T40 "Full cost clients", 18-64 plus 65+: clients of long term support at
//     the year end whose care the council arranges but who pay its full cost. T40 has no split
//     by setting (its measures are "Clients", "Full cost clients" and their ratio, by age
//     band); its "Clients" are T38's totals of all settings, so full-cost clients are already
//     among T38's clients, and are found in the community (home care a council arranges on a
//     self-funder's request and charges in full) as well as in care homes: how many of them
//     live in care homes is not published.
//   - SelfFunded = max(0, Occupied − CouncilSupported): the occupied beds of the council's area
//     that its own supported residents do not fill. Full-cost payers are not added back: they
//     are in CouncilSupported only so far as they live in care homes, and T40 cannot say how
//     far that is; adding all of them would count community clients as care home residents.
//     So SelfFunded is the residents who are not council clients at all; residents who pay
//     their own fees (the CMA's "self-funders") are at least SelfFunded and at most
//     SelfFunded + FullCost. SelfFunded also holds every resident funded by neither: NHS
//     continuing healthcare, placements by other councils (net of this council's placements
//     elsewhere), and any error of the occupancy rate.
//   - Share = SelfFunded / Occupied (0 where there are no beds).
//
// Where CouncilSupported exceeds Occupied (councils placing residents outside their area, as in
// inner London) SelfFunded is 0 and the Note says so. Cumbria's SALT figures are apportioned to
// Cumberland and Westmorland and Furness by their shares of people 18-64 and 65+ in mid-2021
// (saltShares, as buildSALT2122), and North Yorkshire's and Somerset's pass one to one. A cell
// suppressed as 0-4 counts as 0 (the Note names it). A council that submitted no SALT 2021-22
// (Hackney) has NaN for the SALT-based figures. Rows are sorted by council. It fails on a bad
// occupancy, a missing file, column or estimate, or a council in force without beds or SALT
// figures of its own or a county's.
func estimateSelfFunders(raw fs.FS, areas []datasets.Area, pop []datasets.Population, occupancy float64) ([]selfFundRow, error) {
	if !(occupancy > 0 && occupancy <= 1) {
		return nil, fmt.Errorf("self-funders: occupancy %v is not a proportion in (0, 1]", occupancy)
	}
	supply, err := buildSupply(raw, areas, pop)
	if err != nil {
		return nil, fmt.Errorf("self-funders: %w", err)
	}
	beds := map[string]float64{}
	for _, s := range supply {
		beds[s.AreaCode] += s.Capacity
	}
	t38, _, err := readSALT(raw, "t38_lts_clients_year_end_by_age_setting.csv")
	if err != nil {
		return nil, fmt.Errorf("self-funders: SALT T38: %w", err)
	}
	t40, err := readT40FullCost(raw)
	if err != nil {
		return nil, fmt.Errorf("self-funders: SALT T40: %w", err)
	}
	supported := sumSALT(t38, saltResidentialSettings, "T38")
	fullCost := sumSALT(t40, []string{""}, "T40 full cost")
	shares, err := saltShares(pop)
	if err != nil {
		return nil, fmt.Errorf("self-funders: %w", err)
	}
	names := map[string]string{}
	for _, a := range areas {
		names[a.AreaCode] = a.AreaName
	}
	county := map[string]successor{}
	for _, s := range successors2023() {
		county[s.Council] = s
	}
	// figure is a council's SALT count, its own or its county's (apportioned by band), and a
	// note of where it came from.
	figure := func(counts map[string]saltCount, code string) (float64, saltCount, string, bool) {
		if c, ok := counts[code]; ok {
			return c.total(), c, "", true
		}
		s, ok := county[code]
		if !ok {
			return 0, saltCount{}, "", false
		}
		c, ok := counts[s.County]
		if !ok {
			return 0, saltCount{}, "", false
		}
		if s.Districts == nil {
			return c.total(), c, fmt.Sprintf("SALT figures of %s County Council (%s, until 31 March 2023)", names[s.County], s.County), true
		}
		sh := shares[code]
		v := c.byBand["18-64"]*sh["18-64"] + c.byBand["65+"]*sh["65+"]
		return v, c, fmt.Sprintf("SALT figures apportioned from %s (%s) by people 18-64 (%.4f) and 65+ (%.4f), ONS mid-2021", names[s.County], s.County, sh["18-64"], sh["65+"]), true
	}
	var out []selfFundRow
	for _, a := range areas {
		if !a.IsCouncil() || a.ValidTo != "" {
			continue
		}
		b, ok := beds[a.AreaCode]
		if !ok {
			return nil, fmt.Errorf("self-funders: no care home beds for %s (%s)", a.AreaCode, a.AreaName)
		}
		r := selfFundRow{AreaCode: a.AreaCode, Beds: b, Occupied: b * occupancy}
		sup, sc, from, ok1 := figure(supported, a.AreaCode)
		fc, fcc, _, ok2 := figure(fullCost, a.AreaCode)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("self-funders: no SALT T38 or T40 figures for %s (%s)", a.AreaCode, a.AreaName)
		}
		var notes []string
		if from != "" {
			notes = append(notes, from)
		}
		if sc.missing || fcc.missing {
			nan := math.NaN()
			r.CouncilSupported, r.FullCost, r.SelfFunded, r.Share = nan, nan, nan, nan
			r.Note = strings.Join(append(notes, "submitted no SALT 2021-22 ([x]): no estimate"), "; ")
			out = append(out, r)
			continue
		}
		r.CouncilSupported, r.FullCost = sup, fc
		r.SelfFunded = r.Occupied - sup
		switch {
		case r.Occupied == 0:
			notes = append(notes, fmt.Sprintf("no care home beds in its area; supports %s care home residents (placements outside it)", plain(sup)))
			r.SelfFunded = 0
		case r.SelfFunded < 0:
			notes = append(notes, fmt.Sprintf("supports %s care home residents, more than the %.2f occupied beds in its area (placements outside it): self-funders set to 0",
				plain(sup), r.Occupied))
			r.SelfFunded = 0
		}
		if r.Occupied > 0 {
			r.Share = r.SelfFunded / r.Occupied
		}
		if s := slices.Concat(sc.suppressed, fcc.suppressed); len(s) > 0 {
			notes = append(notes, fmt.Sprintf("suppressed as 0-4, counted as 0: %s", strings.Join(s, ", ")))
		}
		r.Note = strings.Join(notes, "; ")
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y selfFundRow) int { return cmp.Compare(x.AreaCode, y.AreaCode) })
	return out, nil
}
