package convert

import (
	"cmp"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/carecast/carecast/datasets"
)

const (
	srcSALT = "NHS Digital, Adult Social Care Activity and Finance: England 2021-22 (SALT, Short and Long Term support collection), OGL v3"
	// srcHoursDerived opens the source of every derived home-care hours row.
	srcHoursDerived = "derived: ASC-FR T43/T44 spend ÷ T51 hourly rate"
	saltYear        = 2021 // financial year 2021-22
)

// saltService maps SALT support settings to a service: a row's value is the sum of its
// settings' published figures.
type saltService struct {
	service  string
	settings []string
	note     string
}

// saltServices is the mapping of SALT's long term support settings (T34, T38) to services.
// SALT records each client against one setting only, by a left-to-right hierarchy (T34/T38
// notes), so the services do not overlap. The two prison settings ("Prison: CASSR Managed
// Personal Budget", "Prison: CASSR Commissioned Support Only"; 115 people 65+ in the year in
// England) are left out: support in prison is no service the engine projects from the
// population at home.
var saltServices = []saltService{
	{"residential", []string{"Residential"}, ""},
	{"nursing", []string{"Nursing"}, ""},
	{"direct_payments", []string{"Community: Direct Payment Only", "Community: Part Direct Payment"}, ""},
	{"community_support", []string{"Community: CASSR Managed Personal Budget", "Community: CASSR Commissioned Support Only"},
		"the home-care family: SALT does not split home care from other community services"},
}

// saltSettingsLeftOut are the settings of T34/T38 that no service takes ("Total" is the sum).
var saltSettingsLeftOut = []string{"Prison: CASSR Managed Personal Budget", "Prison: CASSR Commissioned Support Only", "Total"}

// saltTable is one SALT table of clients by age band and support setting.
type saltTable struct {
	file, table, measure, what string
}

var saltTables = []saltTable{
	{"t38_lts_clients_year_end_by_age_setting.csv", "T38", "clients_year_end", "clients of long term support at the year end, 31 March 2022"},
	{"t34_lts_clients_in_year_by_age_setting.csv", "T34", "clients_in_year", "clients of long term support during the year"},
}

// saltBands maps SALT's age bands to the dataset's ("Total" is skipped).
var saltBands = map[string]string{"18 to 64": "18-64", "65 and over": "65+"}

// saltCell is one published cell: a value, or the flag "c" (0-4, suppressed) or "x" (not
// submitted).
type saltCell struct {
	value float64
	flag  string
}

type saltKey struct{ area, band, setting string }

// saltArea is an area of the file: its name and level.
type saltArea struct{ name, level string }

// readSALT reads the 2021-22 cells of a SALT table by age band and support setting, and the
// areas it names. It fails on a setting the mapping does not know, so that a renamed setting
// cannot drop clients silently.
func readSALT(raw fs.FS, file string) (map[saltKey]saltCell, map[string]saltArea, error) {
	f, err := readCSV(raw, ascfrDir+file)
	if err != nil {
		return nil, nil, err
	}
	c, err := f.mustCols("area_level", "area_code", "area_name", "year", "age_band", "support_setting", "unit", "value", "flag")
	if err != nil {
		return nil, nil, err
	}
	known := slices.Clone(saltSettingsLeftOut)
	for _, s := range saltServices {
		known = append(known, s.settings...)
	}
	cells, areas := map[saltKey]saltCell{}, map[string]saltArea{}
	for i := range f.rows {
		r := f.fields(i)
		if r.str(c[3]) != "2021-22" {
			return nil, nil, f.lineErr(i, fmt.Errorf("year %q, want 2021-22", r.str(c[3])))
		}
		if u := r.str(c[6]); u != "number" {
			return nil, nil, f.lineErr(i, fmt.Errorf("unit %q, want number", u))
		}
		setting := r.str(c[5])
		if !slices.Contains(known, setting) {
			return nil, nil, f.lineErr(i, fmt.Errorf("support setting %q is neither mapped nor left out", setting))
		}
		band, ok := saltBands[r.str(c[4])]
		if !ok {
			continue // "Total"
		}
		code := r.str(c[1])
		areas[code] = saltArea{r.str(c[2]), r.str(c[0])}
		x := saltCell{flag: r.str(c[8])}
		switch x.flag {
		case "":
			x.value = r.num(c[7])
		case "c", "x":
		default:
			return nil, nil, f.lineErr(i, fmt.Errorf("unknown flag %q", x.flag))
		}
		if r.err != nil {
			return nil, nil, r.err
		}
		k := saltKey{code, band, setting}
		if _, dup := cells[k]; dup {
			return nil, nil, f.lineErr(i, fmt.Errorf("second figure for %s %s %s", code, band, setting))
		}
		cells[k] = x
	}
	return cells, areas, nil
}

// saltRow is a figure of an area of the file, before it is put on April 2023 geography.
type saltRow struct {
	year                   int32
	service, band, measure string
	value                  float64
	source                 string
}

// buildSALT2122 turns SALT 2021-22 (T34 clients during the year, T38 clients at 31 March 2022)
// and ASC-FR 2021-22 home-care spend and hourly rates into service_activity rows for financial
// year 2021-22 (Year 2021), age bands "18-64" and "65+": measures "clients_in_year" and
// "clients_year_end" of residential, nursing, direct_payments and community_support (see
// saltServices), and "hours" of home_care in the year (derived; see homeCareHours). Rows are
// for every council in force on April 2023 geography, the nine regions and England, as published
// (SALT figures are rounded to 5 by NHS Digital). A sum counts a suppressed part (0-4) as 0;
// a row all of whose parts are suppressed, or not submitted, is not written.
//
// The file is on 2021-22 councils: Cumbria's figures are apportioned to Cumberland and
// Westmorland and Furness by each one's share of people in the row's age band in mid-2021
// (from pop, Kind "estimate", summing the successors' districts; values not rounded), and North
// Yorkshire's and Somerset's pass one to one to the councils of 2023. The county codes are not
// written. A council that submitted no SALT 2021-22 at all (Hackney) takes its latest figure of
// long term support during the year from T2 (see saltFallback). Inputs are not modified. It
// fails on a missing file or column, a setting or flag it does not know, an area that is not on
// the April 2023 geography nor a county its councils succeed, or a missing mid-2021 estimate.
func buildSALT2122(raw fs.FS, areas []datasets.Area, pop []datasets.Population) ([]datasets.ServiceActivity, error) {
	byArea := map[string][]saltRow{} // by the file's area code
	names := map[string]saltArea{}
	submitted := map[string]bool{} // councils with any T34 figure (not [x])
	for _, tb := range saltTables {
		cells, as, err := readSALT(raw, tb.file)
		if err != nil {
			return nil, fmt.Errorf("SALT %s: %w", tb.table, err)
		}
		for code, a := range as {
			names[code] = a
		}
		for _, code := range slices.Sorted(maps.Keys(as)) {
			for _, band := range []string{"18-64", "65+"} {
				for _, sv := range saltServices {
					v, parts, suppressed, missing := 0.0, 0, []string(nil), false
					for _, st := range sv.settings {
						x, ok := cells[saltKey{code, band, st}]
						switch {
						case !ok:
							return nil, fmt.Errorf("SALT %s: no %s %s figure for %s", tb.table, band, st, code)
						case x.flag == "x":
							missing = true
						case x.flag == "c":
							suppressed = append(suppressed, st)
						default:
							v += x.value
							parts++
						}
					}
					if missing || parts == 0 {
						continue
					}
					if tb.table == "T34" {
						submitted[code] = true
					}
					src := fmt.Sprintf("SALT 2021-22 %s (%s), %s", tb.table, tb.what, strings.Join(sv.settings, " + "))
					if sv.note != "" {
						src += " (" + sv.note + ")"
					}
					if len(suppressed) > 0 {
						src += fmt.Sprintf(" (%s suppressed as 0-4, counted as 0)", strings.Join(suppressed, ", "))
					}
					byArea[code] = append(byArea[code], saltRow{saltYear, sv.service, band, tb.measure, v, src + "; " + srcSALT})
				}
			}
		}
	}
	hours, err := homeCareHours(raw)
	if err != nil {
		return nil, err
	}
	for code, rs := range hours {
		byArea[code] = append(byArea[code], rs...)
	}

	byCode := map[string]datasets.Area{}
	for _, a := range areas {
		byCode[a.AreaCode] = a
	}
	var missingSALT []string
	for _, a := range areas {
		if a.IsCouncil() && a.ValidTo == "" && names[a.AreaCode].level == "council" && !submitted[a.AreaCode] {
			missingSALT = append(missingSALT, a.AreaCode)
		}
	}
	if len(missingSALT) > 0 {
		fb, err := saltFallback(raw, missingSALT)
		if err != nil {
			return nil, err
		}
		for code, rs := range fb {
			byArea[code] = append(byArea[code], rs...)
		}
	}

	shares, err := saltShares(pop)
	if err != nil {
		return nil, err
	}
	split := map[string][]successor{}
	for _, s := range successors2023() {
		split[s.County] = append(split[s.County], s)
	}
	var out []datasets.ServiceActivity
	emit := func(code string, r saltRow, value float64, source string) {
		out = append(out, datasets.ServiceActivity{AreaCode: code, Year: r.year, Service: r.service, AgeBand: r.band,
			Measure: r.measure, Value: value, Source: source})
	}
	for _, code := range slices.Sorted(maps.Keys(byArea)) {
		rs := byArea[code]
		a, known := byCode[code]
		switch {
		case code == datasets.National || strings.HasPrefix(code, "E12"):
			for _, r := range rs {
				emit(code, r, r.value, r.source)
			}
		case known && a.IsCouncil() && a.ValidTo == "":
			for _, r := range rs {
				emit(code, r, r.value, r.source)
			}
		case split[code] != nil:
			county := a.AreaName
			if county == "" {
				county = names[code].name
			}
			ss := split[code]
			for _, r := range rs {
				if len(ss) == 1 && ss[0].Districts == nil {
					emit(ss[0].Council, r, r.value, fmt.Sprintf("%s County Council's figures (until 31 March 2023); %s", county, r.source))
					continue
				}
				for _, s := range ss {
					sh := shares[s.Council][r.band]
					emit(s.Council, r, r.value*sh, fmt.Sprintf("apportioned from %s by people %s (ONS mid-2021): %.4f of %s's %s; %s",
						county, r.band, sh, county, plain(r.value), r.source))
				}
			}
		case known && a.IsCouncil() && a.ValidTo < "2021-04-01":
			// ended before 2021-22 (Northamptonshire): nothing of its own to publish
		default:
			return nil, fmt.Errorf("SALT: area %s (%s) is neither a council of April 2023, a county they succeed, a region nor England",
				code, names[code].name)
		}
	}
	slices.SortStableFunc(out, func(x, y datasets.ServiceActivity) int {
		return cmp.Or(cmp.Compare(x.AreaCode, y.AreaCode), cmp.Compare(x.Service, y.Service), cmp.Compare(x.AgeBand, y.AgeBand),
			cmp.Compare(x.Measure, y.Measure), cmp.Compare(x.Year, y.Year))
	})
	return out, nil
}

// saltShares gives each council created in 2023 from part of a county (Cumbria) its share of
// the county's people aged 18-64 and 65+ in mid-2021, by age band, summing its districts.
func saltShares(pop []datasets.Population) (map[string]map[string]float64, error) {
	byCounty := map[string][]successor{}
	var counties []string
	for _, s := range successors2023() {
		if s.Districts != nil {
			if byCounty[s.County] == nil {
				counties = append(counties, s.County)
			}
			byCounty[s.County] = append(byCounty[s.County], s)
		}
	}
	out := map[string]map[string]float64{}
	for _, county := range counties {
		ss := byCounty[county]
		councils, districts := make([]string, len(ss)), make([][]string, len(ss))
		for i, s := range ss {
			councils[i], districts[i] = s.Council, s.Districts
		}
		for _, b := range []struct {
			band     string
			from, to int32
		}{{"18-64", 18, 64}, {"65+", 65, 90}} {
			sh, err := popShares(pop, 2021, b.from, b.to, councils, districts, county)
			if err != nil {
				return nil, fmt.Errorf("SALT: %w", err)
			}
			for i, c := range councils {
				if out[c] == nil {
					out[c] = map[string]float64{}
				}
				out[c][b.band] = sh[i]
			}
		}
	}
	return out, nil
}

// homeCareHours derives hours of home care in 2021-22 for each area of the ASC-FR tables: the
// gross current expenditure on long term home care ("Community: Home Care", £ thousands) of
// each age band (T43 18-64, T44 65+) divided by the area's T51 average weighted standard hourly
// rate. The spend covers home care the council provides and home care it buys, and T51 gives
// one rate for each with no weights between them, so one rate has to stand for both. It is the
// external (purchased) rate: 87 of the 149 councils with a 2021-22 rate report £0 in-house, i.e.
// they buy all their home care, and the in-house rates that are reported run far from the
// external ones (to £103.94 in Sheffield and £145 in Brighton and Hove, against £17.60 and
// £19.00 external). Where a council reports no external provision (£0: the Isles of Scilly) its
// in-house rate is used. Where a council also provides home care itself at a higher rate (60
// councils report both), dividing all its spend by the external rate overstates its hours.
// Councils with no rate (Hertfordshire: external [x], in-house £0; Hackney, Swindon: no ASC-FR
// 2021-22) or no positive spend (Tameside and Windsor and Maidenhead 18-64 and Reading 65+
// report negative spend; the Isles of Scilly 18-64 £0) have no row. Regions and England are
// derived the same way from their own rows, whose spend includes NHS Digital's imputed figures
// for Hackney and Swindon and whose rate averages the councils reporting above £0.
func homeCareHours(raw fs.FS) (map[string][]saltRow, error) {
	ext, err := readASCFR(raw, "t51_unit_cost_home_care_hourly_2yr.csv", colIs("activity_provision", "External"))
	if err != nil {
		return nil, fmt.Errorf("home care hours: %w", err)
	}
	inh, err := readASCFR(raw, "t51_unit_cost_home_care_hourly_2yr.csv", colIs("activity_provision", "In House"))
	if err != nil {
		return nil, fmt.Errorf("home care hours: %w", err)
	}
	out := map[string][]saltRow{}
	for _, t := range []struct{ file, table, band string }{
		{"t43_gce_long_term_18to64_by_setting.csv", "T43", "18-64"},
		{"t44_gce_long_term_65plus_by_setting.csv", "T44", "65+"},
	} {
		spend, err := readASCFR(raw, t.file, colIs("support_setting", "Community: Home Care"))
		if err != nil {
			return nil, fmt.Errorf("home care hours: %w", err)
		}
		if len(spend) == 0 {
			return nil, fmt.Errorf("home care hours: %s has no 2021-22 \"Community: Home Care\" rows", t.file)
		}
		for _, code := range slices.Sorted(maps.Keys(spend)) {
			s := spend[code]
			if !s.ok {
				continue
			}
			rate, which := ext[code], "external"
			if !rate.ok {
				rate, which = inh[code], "in-house (no external provision)"
			}
			if !rate.ok {
				continue
			}
			src := fmt.Sprintf("%s (%s: %s home-care spend %s £%sk ÷ T51 %s hourly rate £%s); %s",
				srcHoursDerived, s.name, t.table, t.band, plain(s.value), which, plain(rate.value), srcASCFR)
			out[code] = append(out[code], saltRow{saltYear, "home_care", t.band, "hours", s.value * 1000 / rate.value, src})
		}
	}
	return out, nil
}

// saltFallback gives councils that submitted no SALT 2021-22 (Hackney, PROVENANCE §11) their
// latest published figure of clients of long term support during the year from T2 (2019-20 for
// Hackney), by age band, as Service "long_term_support", Measure "clients_in_year", the Year
// being that figure's. T2 carries no split by support setting and no year-end count, so these
// councils have no rows of residential, nursing, direct_payments or community_support, nor of
// clients_year_end; T2's figure is all settings, prison included (it equals T34's "Total").
func saltFallback(raw fs.FS, codes []string) (map[string][]saltRow, error) {
	f, err := readCSV(raw, ascfrDir+"t2_summary_activity_3yr.csv")
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("area_code", "area_name", "year", "age_band", "measure", "value", "flag")
	if err != nil {
		return nil, err
	}
	type latest struct {
		year  int32
		label string
		value float64
	}
	best := map[saltKey]latest{}
	for i := range f.rows {
		r := f.fields(i)
		code := r.str(c[0])
		band, ok := saltBands[r.str(c[3])]
		if !slices.Contains(codes, code) || !ok || r.str(c[4]) != "Long Term Support during the year" || r.str(c[6]) != "" {
			continue
		}
		fy := r.str(c[2])
		y, err := atoi(strings.SplitN(fy, "-", 2)[0])
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		v := r.num(c[5])
		if r.err != nil {
			return nil, r.err
		}
		k := saltKey{code, band, ""}
		if old, seen := best[k]; !seen || int32(y) > old.year {
			best[k] = latest{int32(y), fmt.Sprintf("%s submitted no SALT 2021-22; its %s figures (T2, long term support during the year, all settings)", r.str(c[1]), fy), v}
		}
	}
	out := map[string][]saltRow{}
	for _, k := range slices.SortedFunc(maps.Keys(best), func(a, b saltKey) int { return cmp.Or(cmp.Compare(a.area, b.area), cmp.Compare(a.band, b.band)) }) {
		b := best[k]
		out[k.area] = append(out[k.area], saltRow{b.year, "long_term_support", k.band, "clients_in_year", b.value, b.label + "; " + srcSALT})
	}
	return out, nil
}

// plain writes v in full without an exponent (1943819.319, not 1.943819319e+06).
func plain(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
