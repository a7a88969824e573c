package convert

import (
	"cmp"
	"fmt"
	"io/fs"
	"math"
	"slices"

	"github.com/carecast/carecast/datasets"
)

const (
	cqcDir = "cqc_supply/"
	srcCQC = "CQC care directory (HSCA active locations, 1 February 2021), registered care home beds by council, all ages and client groups, capacity not occupancy (via britishredcrosssociety/nhs-capacity); OGL v3"
	// supplyYear is the financial year of the CQC snapshot: 1 February 2021 falls in 2020-21,
	// and service_activity and unit_costs years are financial years too. The engine uses the
	// latest supply at or before each year, so the beds stand for every year of a run.
	supplyYear = 2020
)

// cqcBeds reads one CQC file: beds by area code, the total of the unmatched "Unspecified" row,
// and the name each code was matched from.
func cqcBeds(raw fs.FS, file, column string) (map[string]float64, float64, map[string]string, error) {
	f, err := readCSV(raw, cqcDir+file)
	if err != nil {
		return nil, 0, nil, err
	}
	c, err := f.mustCols("area_code", "cqc_location_local_authority", column)
	if err != nil {
		return nil, 0, nil, err
	}
	beds, names := map[string]float64{}, map[string]string{}
	unspecified := 0.0
	for i := range f.rows {
		r := f.fields(i)
		code, name, n := r.str(c[0]), r.str(c[1]), r.num(c[2])
		if r.err != nil {
			return nil, 0, nil, r.err
		}
		switch {
		case code == "" && name == "Unspecified":
			unspecified += n
		case code == "":
			return nil, 0, nil, f.lineErr(i, fmt.Errorf("%q has no area code", name))
		default:
			if _, dup := beds[code]; dup {
				return nil, 0, nil, f.lineErr(i, fmt.Errorf("second row for %s", code))
			}
			beds[code], names[code] = n, name
		}
	}
	return beds, unspecified, names, nil
}

// northants splits Northamptonshire (one council in the CQC file of February 2021) into the two
// unitaries that replaced it on 1 April 2021.
var northants = []string{"E06000061", "E06000062"} // North, West Northamptonshire

// buildSupply turns CQC's care home beds of 1 February 2021 into supply rows for each council:
// nursing beds are the beds in homes registered with nursing, residential beds the rest.
// Northamptonshire is apportioned to North and West Northamptonshire, and Cumbria to Cumberland
// and Westmorland and Furness, by their share of people 65+ in mid-2020 (summing districts);
// North Yorkshire and Somerset pass one to one to the councils of 2023. An apportioned council's
// first part is rounded and the last takes the rest, so the parts sum to the county's beds.
func buildSupply(raw fs.FS, areas []datasets.Area, pop []datasets.Population) ([]datasets.Supply, error) {
	all, _, names, err := cqcBeds(raw, "cqc_care_home_beds_by_council_2021-02-01.csv", "care_home_beds")
	if err != nil {
		return nil, fmt.Errorf("supply: %w", err)
	}
	// The file named "…without_nursing…" upstream counts beds in homes WITH nursing (PROVENANCE §13).
	nursing, _, _, err := cqcBeds(raw, "cqc_care_home_beds_in_nursing_homes_by_council_2021-02-01.csv", "care_home_beds_in_homes_with_nursing")
	if err != nil {
		return nil, fmt.Errorf("supply: %w", err)
	}
	byCode := map[string]datasets.Area{}
	for _, a := range areas {
		byCode[a.AreaCode] = a
	}
	type part struct {
		council string
		share   float64
	}
	splits := map[string][]part{} // county → councils and their shares
	shares := func(county string, parts []part, districts [][]string) error {
		councils := make([]string, len(parts))
		for i := range parts {
			councils[i] = parts[i].council
		}
		sh, err := popShares(pop, 2020, 65, 90, councils, districts, county)
		if err != nil {
			return fmt.Errorf("supply: %w", err)
		}
		for i := range parts {
			parts[i].share = sh[i]
		}
		splits[county] = parts
		return nil
	}
	// North and West Northamptonshire are districts as well as councils in the mid-2020 estimates (2021 geography).
	if err := shares("E10000021", []part{{council: northants[0]}, {council: northants[1]}},
		[][]string{{northants[0]}, {northants[1]}}); err != nil {
		return nil, err
	}
	split := map[string][]successor{}
	for _, s := range successors2023() {
		split[s.County] = append(split[s.County], s)
	}
	for county, ss := range split {
		if len(ss) == 1 && ss[0].Districts == nil {
			splits[county] = []part{{council: ss[0].Council, share: 1}}
			continue
		}
		var parts []part
		var districts [][]string
		for _, s := range ss {
			parts = append(parts, part{council: s.Council})
			districts = append(districts, s.Districts)
		}
		if err := shares(county, parts, districts); err != nil {
			return nil, err
		}
	}
	var out []datasets.Supply
	add := func(code, service string, beds float64, src string) {
		out = append(out, datasets.Supply{AreaCode: code, Year: supplyYear, Service: service, Capacity: beds, Unit: "beds", Source: src})
	}
	for code, total := range all {
		a, known := byCode[code]
		if !known && code[0] == 'W' {
			continue // Flintshire: a Welsh council, 0 beds
		}
		if !known || !a.IsCouncil() {
			return nil, fmt.Errorf("supply: CQC area %s (%s) is not an English council in the areas table", code, names[code])
		}
		nur := nursing[code] // absent: no nursing homes (City of London, Isles of Scilly)
		res := total - nur
		if res < 0 {
			return nil, fmt.Errorf("supply: %s (%s) has %g nursing beds of %g", code, names[code], nur, total)
		}
		parts, split := splits[code]
		if !split {
			add(code, "residential", res, srcCQC)
			add(code, "nursing", nur, srcCQC)
			continue
		}
		for _, v := range []struct {
			service string
			beds    float64
		}{{"residential", res}, {"nursing", nur}} {
			left := v.beds
			for i, p := range parts {
				n := left
				if i < len(parts)-1 {
					n = math.Round(v.beds * p.share)
					left -= n
				}
				src := srcCQC
				if len(parts) > 1 {
					src = fmt.Sprintf("apportioned: %.4f of %s's %g beds by share of people 65+ (ONS mid-2020); %s", p.share, a.AreaName, v.beds, srcCQC)
				} else {
					src = fmt.Sprintf("%s's beds (the county council until 31 March 2023); %s", a.AreaName, srcCQC)
				}
				add(p.council, v.service, n, src)
			}
		}
		if code == "E10000021" {
			continue // ended 2021-03-31: its beds are its successors'
		}
		add(code, "residential", res, srcCQC)
		add(code, "nursing", nur, srcCQC)
	}
	for code := range nursing {
		if _, ok := all[code]; !ok {
			return nil, fmt.Errorf("supply: %s (%s) has nursing beds but no row of all beds", code, names[code])
		}
	}
	slices.SortStableFunc(out, func(x, y datasets.Supply) int {
		return cmp.Or(cmp.Compare(x.AreaCode, y.AreaCode), cmp.Compare(x.Service, y.Service), cmp.Compare(x.Year, y.Year))
	})
	return out, nil
}
