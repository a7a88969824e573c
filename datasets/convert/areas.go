package convert

import (
	"cmp"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/carecast/carecast/datasets"
)

// change is one entry of the 2019–2023 reorganisation table: predecessors merged whole into a
// successor on a date. The table comes from the Structural Changes Orders named in Order, and
// is checked against the data (TestSuccessorsMatchPopulation: the predecessors' mid-2011
// populations add up exactly to the successor's mid-2011 population as ONS publishes it on
// 2021 boundaries (MYE4) and on 2023 boundaries (MYEB1)).
type change struct {
	Successor    string
	Predecessors []string
	From         string // first day of the successor
	Order        string
}

// reorganisations lists the English local government changes of 2019–2023 (docs/design.md §2).
// Somerset West and Taunton (E07000246) is both a successor (2019) and a predecessor (2023).
var reorganisations = []change{
	{"E06000058", []string{"E06000028", "E06000029", "E07000048"}, "2019-04-01", "The Bournemouth, Dorset and Poole (Structural Changes) Order 2018"},
	{"E06000059", []string{"E07000049", "E07000050", "E07000051", "E07000052", "E07000053"}, "2019-04-01", "The Bournemouth, Dorset and Poole (Structural Changes) Order 2018"},
	{"E07000244", []string{"E07000205", "E07000206"}, "2019-04-01", "The Suffolk Coastal and Waveney (Local Government Changes) Order 2018"},
	{"E07000245", []string{"E07000201", "E07000204"}, "2019-04-01", "The Forest Heath and St Edmundsbury (Local Government Changes) Order 2018"},
	{"E07000246", []string{"E07000190", "E07000191"}, "2019-04-01", "The Taunton Deane and West Somerset (Local Government Changes) Order 2018"},
	{"E06000060", []string{"E07000004", "E07000005", "E07000006", "E07000007"}, "2020-04-01", "The Buckinghamshire (Structural Changes) Order 2019"},
	{"E06000061", []string{"E07000150", "E07000152", "E07000153", "E07000156"}, "2021-04-01", "The Northamptonshire (Structural Changes) Order 2020"},
	{"E06000062", []string{"E07000151", "E07000154", "E07000155"}, "2021-04-01", "The Northamptonshire (Structural Changes) Order 2020"},
	{"E06000063", []string{"E07000026", "E07000028", "E07000029"}, "2023-04-01", "The Cumbria (Structural Changes) Order 2022"},
	{"E06000064", []string{"E07000027", "E07000030", "E07000031"}, "2023-04-01", "The Cumbria (Structural Changes) Order 2022"},
	{"E06000065", []string{"E07000163", "E07000164", "E07000165", "E07000166", "E07000167", "E07000168", "E07000169"}, "2023-04-01", "The North Yorkshire (Structural Changes) Order 2022"},
	{"E06000066", []string{"E07000187", "E07000188", "E07000189", "E07000246"}, "2023-04-01", "The Somerset (Structural Changes) Order 2022"},
}

// abolishedCounties lists the county councils abolished by those orders, with their end date and
// their single successor where there is one (Dorset, Northamptonshire and Cumbria were split, so
// their links live on their districts).
var abolishedCounties = []struct{ Code, Name, Region, To, Successor string }{
	{"E10000009", "Dorset", "E12000009", "2019-03-31", ""},
	{"E10000002", "Buckinghamshire", "E12000008", "2020-03-31", "E06000060"},
	{"E10000021", "Northamptonshire", "E12000004", "2021-03-31", ""},
	{"E10000006", "Cumbria", "E12000002", "2023-03-31", ""},
	{"E10000023", "North Yorkshire", "E12000003", "2023-03-31", "E06000065"},
	{"E10000027", "Somerset", "E12000009", "2023-03-31", "E06000066"},
}

// countyOf2023 names the county council whose area each council created in 2023 covers (the
// whole of it for North Yorkshire and Somerset, part of Cumbria for the other two).
var countyOf2023 = map[string]string{
	"E06000063": "E10000006", "E06000064": "E10000006", "E06000065": "E10000023", "E06000066": "E10000027",
}

// newAreaRegions places the areas created in 2019–2023, which the 2018 region lookup predates.
var newAreaRegions = map[string]string{
	"E06000063": "E12000002", "E06000064": "E12000002", // North West
	"E06000065": "E12000003",                                                                               // Yorkshire and The Humber
	"E06000058": "E12000009", "E06000059": "E12000009", "E07000246": "E12000009", "E06000066": "E12000009", // South West
	"E06000060": "E12000008",                           // South East
	"E06000061": "E12000004", "E06000062": "E12000004", // East Midlands
	"E07000244": "E12000006", "E07000245": "E12000006", // East of England
}

const (
	srcAreas = "ONS Open Geography lookups (LAD18→RGN18, LTLA18/22→UTLA18/22; April 2023 areas and names from the mid-2022 MYE, ended areas' names from the LAD18 lookups and the mid-2020 MYE), OGL v3; 2019–2023 changes from the Structural Changes Orders"
)

func dayBefore(date string) string {
	switch date {
	case "2019-04-01":
		return "2019-03-31"
	case "2020-04-01":
		return "2020-03-31"
	case "2021-04-01":
		return "2021-03-31"
	case "2023-04-01":
		return "2023-03-31"
	}
	panic("convert: no day-before for " + date)
}

// buildAreas builds the areas table on April 2023 geography (the mid-2022 estimates' areas) with
// the areas that ended in 2019–2023, each linked to its successor.
func buildAreas(raw fs.FS) ([]datasets.Area, error) {
	current, err := mye2022Areas(raw)
	if err != nil {
		return nil, err
	}
	// Names of the areas that ended in 2023 (the 2021-geography file still has them).
	names21, err := mye2020Names(raw)
	if err != nil {
		return nil, err
	}
	regions, err := readCSV(raw, "lookups/lad18_to_region18_england.csv")
	if err != nil {
		return nil, err
	}
	rc, err := regions.mustCols("LAD18CD", "LAD18NM", "RGN18CD")
	if err != nil {
		return nil, err
	}
	regionOf := map[string]string{}
	names18 := map[string]string{}
	for _, rec := range regions.rows {
		regionOf[cell(rec, rc[0])] = cell(rec, rc[2])
		names18[cell(rec, rc[0])] = cell(rec, rc[1])
	}
	for k, v := range newAreaRegions {
		regionOf[k] = v
	}
	utla, err := readCSV(raw, "lookups/ltla22_to_utla22_ew.csv")
	if err != nil {
		return nil, err
	}
	uc, err := utla.mustCols("LTLA22CD", "UTLA22CD")
	if err != nil {
		return nil, err
	}
	upper := map[string]string{}
	for _, rec := range utla.rows {
		upper[cell(rec, uc[0])] = cell(rec, uc[1])
	}
	// 2018 districts and their county, for the areas that ended.
	utla18, err := readCSV(raw, "lookups/ltla18_to_utla18_ew.csv")
	if err != nil {
		return nil, err
	}
	u18, err := utla18.mustCols("LTLA18CD", "LTLA18NM", "UTLA18CD")
	if err != nil {
		return nil, err
	}
	upper18 := map[string]string{}
	for _, rec := range utla18.rows {
		upper18[cell(rec, u18[0])] = cell(rec, u18[2])
		names18[cell(rec, u18[0])] = cell(rec, u18[1])
	}

	for code, name := range names21 {
		if _, ok := names18[code]; !ok {
			names18[code] = name
		}
	}

	var out []datasets.Area
	add := func(a datasets.Area) { a.Source = srcAreas; out = append(out, a) }
	created := map[string]string{}
	for _, ch := range reorganisations {
		created[ch.Successor] = ch.From
	}
	for code, name := range current {
		a := datasets.Area{AreaCode: code, AreaName: name, ValidFrom: created[code]}
		switch code[:3] {
		case "E92":
			a.AreaType = datasets.AreaCountry
		case "E12":
			a.AreaType, a.ParentCode, a.RegionCode = datasets.AreaRegion, "E92000001", code
		case "E10":
			a.AreaType = datasets.AreaCounty
		case "E06", "E08", "E09":
			a.AreaType = map[string]string{"E06": datasets.AreaUnitary, "E08": datasets.AreaMetropolitanDistrict, "E09": datasets.AreaLondonBorough}[code[:3]]
			a.RegionCode = regionOf[code]
			a.ParentCode = a.RegionCode
		case "E07":
			a.AreaType = datasets.AreaNonMetropolitanDistrict
			a.RegionCode = regionOf[code]
			a.ParentCode = upper[code]
		default:
			continue // E11 metropolitan counties are not councils and not in the hierarchy
		}
		if a.AreaType != datasets.AreaCountry && a.AreaType != datasets.AreaRegion && a.AreaType != datasets.AreaCounty && a.RegionCode == "" {
			return nil, fmt.Errorf("areas: no region for %s %s", code, name)
		}
		if a.AreaType == datasets.AreaNonMetropolitanDistrict && !strings.HasPrefix(a.ParentCode, "E10") {
			return nil, fmt.Errorf("areas: district %s %s has no county in the 2022 LTLA→UTLA lookup", code, name)
		}
		add(a)
	}
	// Counties take the region of their districts.
	for i := range out {
		if out[i].AreaType != datasets.AreaCounty {
			continue
		}
		for _, d := range out {
			if d.ParentCode == out[i].AreaCode {
				out[i].RegionCode, out[i].ParentCode = d.RegionCode, d.RegionCode
				break
			}
		}
		if out[i].RegionCode == "" {
			return nil, fmt.Errorf("areas: county %s has no districts", out[i].AreaCode)
		}
	}
	// Areas that ended in 2019–2023, linked to their successors.
	for _, ch := range reorganisations {
		for _, p := range ch.Predecessors {
			name, ok := names18[p]
			if !ok {
				return nil, fmt.Errorf("areas: no name for predecessor %s in the 2018 lookups or the mid-2020 estimates", p)
			}
			if _, ok := current[p]; ok {
				return nil, fmt.Errorf("areas: %s %s ended on %s but is in the mid-2022 estimates' areas", p, name, dayBefore(ch.From))
			}
			a := datasets.Area{AreaCode: p, AreaName: name, RegionCode: regionOf[p], ValidFrom: created[p], ValidTo: dayBefore(ch.From), SuccessorCode: ch.Successor}
			switch p[:3] {
			case "E06":
				a.AreaType, a.ParentCode = datasets.AreaUnitary, a.RegionCode
			case "E07":
				a.AreaType, a.ParentCode = datasets.AreaNonMetropolitanDistrict, cmp.Or(upper18[p], upper[p])
			}
			add(a)
		}
	}
	for _, cty := range abolishedCounties {
		add(datasets.Area{AreaCode: cty.Code, AreaName: cty.Name, AreaType: datasets.AreaCounty, ParentCode: cty.Region,
			RegionCode: cty.Region, ValidTo: cty.To, SuccessorCode: cty.Successor})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AreaCode < out[j].AreaCode })
	return out, nil
}

// mye2022Areas returns the English areas of the mid-2022 estimates (April 2023 geography) by
// code with their names: England, regions, counties, unitaries and districts (not the
// metropolitan counties, which are not councils).
func mye2022Areas(raw fs.FS) (map[string]string, error) {
	f, err := readCSV(raw, mye2022File)
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("code", "name", "sex", "age")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, rec := range f.rows {
		code := cell(rec, c[0])
		if !strings.HasPrefix(code, "E") || strings.HasPrefix(code, "E11") || cell(rec, c[2]) != "1" || cell(rec, c[3]) != "0" {
			continue
		}
		out[code] = cell(rec, c[1])
	}
	return out, nil
}

// mye2020Names returns the English area names of the mid-2020 estimates (2021 geography).
func mye2020Names(raw fs.FS) (map[string]string, error) {
	f, err := readCSV(raw, "ons_mye/mye2020_syoa_sex_la_2021geog.csv")
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("code", "name", "sex", "age")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, rec := range f.rows {
		if code := cell(rec, c[0]); strings.HasPrefix(code, "E") && cell(rec, c[2]) == "1" && cell(rec, c[3]) == "0" {
			out[code] = cell(rec, c[1])
		}
	}
	return out, nil
}
