package convert

import (
	"cmp"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/carecast/carecast/datasets"
)

const (
	ascfrDir      = "nhsd_ascfr_salt_2021-22/"
	srcASCFR      = "NHS Digital, Adult Social Care Activity and Finance: England 2021-22 (ASC-FR), OGL v3"
	srcPSSIndex   = "PSSRU Unit Costs of Health and Social Care (Jones et al., PSSRU, University of Kent & Centre for Health Economics, University of York), Table 12.1.2 PSS pay & prices index, all sectors, excluding capital; each year's increase from the latest of the 2022, 2023 and 2024 editions that prints it; 2023 manual CC BY-NC-SA"
	costYear      = 2021 // financial year 2021-22
	costPriceBase = "2021-22"
)

// successor is a council of April 2023 and the county council it succeeds.
type successor struct {
	Council, County string
	Districts       []string // the county's districts the council covers (nil: all of them)
}

// successors2023 lists the councils created on 1 April 2023 that take the unit costs and care
// home beds of a county council, from the reorganisation tables (areas.go): Cumbria is split
// between Cumberland and Westmorland and Furness by district; North Yorkshire and Somerset
// continue one to one.
func successors2023() []successor {
	var out []successor
	for _, cty := range abolishedCounties {
		if cty.To != "2023-03-31" {
			continue
		}
		if cty.Successor != "" {
			out = append(out, successor{cty.Successor, cty.Code, nil})
			continue
		}
		for _, ch := range reorganisations {
			if ch.From == "2023-04-01" && countyOf2023[ch.Successor] == cty.Code {
				out = append(out, successor{ch.Successor, cty.Code, ch.Predecessors})
			}
		}
	}
	return out
}

// ascfrCell is one published figure of an ASC-FR table for 2021-22.
type ascfrCell struct {
	name, region string
	value        float64
	ok           bool // published and above zero (0 means no such provision; [x] not submitted)
	why          string
}

// readASCFR reads the 2021-22 figures of an ASC-FR unit cost table, keyed by area code, from
// the rows match accepts. Councils carry their region code; regions and England are keyed too.
func readASCFR(raw fs.FS, file string, match func(f *csvFile, rec []string) bool) (map[string]ascfrCell, error) {
	f, err := readCSV(raw, ascfrDir+file)
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("area_code", "area_name", "region_code", "year", "value", "flag")
	if err != nil {
		return nil, err
	}
	out := map[string]ascfrCell{}
	for i, rec := range f.rows {
		if cell(rec, c[3]) != "2021-22" || !match(f, rec) {
			continue
		}
		code := cell(rec, c[0])
		if _, dup := out[code]; dup {
			return nil, f.lineErr(i, fmt.Errorf("second 2021-22 figure for %s", code))
		}
		x := ascfrCell{name: cell(rec, c[1]), region: cell(rec, c[2])}
		switch flag := cell(rec, c[5]); flag {
		case "x":
			x.why = "council not submitted"
		case "blank":
			x.why = "not published"
		case "":
			v, err := atof(cell(rec, c[4]))
			if err != nil {
				return nil, f.lineErr(i, err)
			}
			x.value, x.ok = v, v > 0
			if !x.ok {
				x.why = "council reports no such provision"
			}
		default:
			return nil, f.lineErr(i, fmt.Errorf("unknown flag %q", flag))
		}
		out[code] = x
	}
	return out, nil
}

// costItem is one service's unit cost in an ASC-FR table.
type costItem struct {
	service, unit string
	file, table   string
	what          string
	match         func(f *csvFile, rec []string) bool
}

func colIs(name, value string) func(f *csvFile, rec []string) bool {
	return func(f *csvFile, rec []string) bool {
		i, ok := f.header[name]
		return ok && cell(rec, i) == value
	}
}

func both(a, b func(f *csvFile, rec []string) bool) func(f *csvFile, rec []string) bool {
	return func(f *csvFile, rec []string) bool { return a(f, rec) && b(f, rec) }
}

// costItems are the services the engine costs that ASC-FR 2021-22 publishes a unit cost for
// (docs/design.md §3). Home care is the external (purchased) hourly rate: most council home care
// is bought in, and the in-house rate is £0 (none provided) for most councils. Residential and
// nursing are T52's all-ages weekly cost, the publisher's gross expenditure over weeks of care,
// which weights 18-64 and 65+ by the council's own weeks; the engine costs one rate per service.
// T54 (65+ by primary support reason) adds nothing the engine can use; ASC-FR publishes no cost
// per week of direct payments, day care or meals, which stay on the illustrative defaults.
var costItems = []costItem{
	{"home_care", "hour", "t51_unit_cost_home_care_hourly_2yr.csv", "T51", "external providers' average weighted hourly rate",
		colIs("activity_provision", "External")},
	{"residential", "week", "t52_unit_cost_lts_weekly_by_setting_age_2yr.csv", "T52", "residential care, all ages",
		both(colIs("support_setting", "Residential"), colIs("age_band", "Total"))},
	{"nursing", "week", "t52_unit_cost_lts_weekly_by_setting_age_2yr.csv", "T52", "nursing care, all ages",
		both(colIs("support_setting", "Nursing"), colIs("age_band", "Total"))},
}

// inForce21 says whether a council existed in financial year 2021-22.
func inForce21(a datasets.Area) bool { return a.ValidTo == "" || a.ValidTo >= "2022-03-31" }

// buildUnitCosts gives every council of 2021-22 its own ASC-FR 2021-22 unit cost of each item,
// else its region's (from the same table), else England's, each row's source saying which; the
// councils of April 2023 take their county's. England's rows are the national fallback the
// engine uses. It also writes the PSS pay & prices index (datasets.PriceIndexService).
func buildUnitCosts(raw fs.FS, areas []datasets.Area) ([]datasets.UnitCost, error) {
	byCode := map[string]datasets.Area{}
	for _, a := range areas {
		byCode[a.AreaCode] = a
	}
	var out []datasets.UnitCost
	for _, it := range costItems {
		cells, err := readASCFR(raw, it.file, it.match)
		if err != nil {
			return nil, fmt.Errorf("unit costs %s: %w", it.service, err)
		}
		eng, ok := cells[datasets.National]
		if !ok || !eng.ok {
			return nil, fmt.Errorf("unit costs %s: %s has no England figure for 2021-22", it.service, it.file)
		}
		label := fmt.Sprintf("ASC-FR 2021-22 %s (%s)", it.table, it.what)
		row := func(code string, cost float64, src string) datasets.UnitCost {
			return datasets.UnitCost{AreaCode: code, Year: costYear, Service: it.service, Unit: it.unit, Cost: cost,
				PriceBase: costPriceBase, Source: src + "; " + srcASCFR}
		}
		out = append(out, row(datasets.National, eng.value, label+", England"))
		own := map[string]datasets.UnitCost{}
		for code, x := range cells {
			a, known := byCode[code]
			if !known || !a.IsCouncil() {
				continue
			}
			if !inForce21(a) {
				continue // Northamptonshire, ended 2021-03-31: [x] for 2021-22
			}
			var r datasets.UnitCost
			switch reg, rok := cells[x.region]; {
			case x.ok:
				r = row(code, x.value, label+", "+x.name)
			case rok && reg.ok:
				r = row(code, reg.value, fmt.Sprintf("region's figure: %s %s (%s: %s)", label, reg.name, x.name, x.why))
			default:
				r = row(code, eng.value, fmt.Sprintf("England's figure: %s (%s: %s, region none)", label, x.name, x.why))
			}
			own[code] = r
			out = append(out, r)
		}
		for _, a := range areas {
			if a.IsCouncil() && inForce21(a) && a.ValidFrom < "2022-04-01" {
				if _, ok := own[a.AreaCode]; !ok {
					return nil, fmt.Errorf("unit costs %s: %s has no row for council %s (%s)", it.service, it.file, a.AreaCode, a.AreaName)
				}
			}
		}
		for _, s := range successors2023() {
			c, ok := own[s.County]
			if !ok {
				return nil, fmt.Errorf("unit costs %s: no figure for %s, which %s takes", it.service, s.County, s.Council)
			}
			c.AreaCode = s.Council
			c.Source = fmt.Sprintf("county's figure (%s until 31 March 2023): %s", byCode[s.County].AreaName, c.Source)
			out = append(out, c)
		}
	}
	idx, err := buildPriceIndex(raw)
	if err != nil {
		return nil, err
	}
	out = append(out, idx...)
	slices.SortStableFunc(out, func(x, y datasets.UnitCost) int {
		return cmp.Or(cmp.Compare(x.AreaCode, y.AreaCode), cmp.Compare(x.Service, y.Service), cmp.Compare(x.Year, y.Year))
	})
	return out, nil
}

// buildPriceIndex reads the PSS pay & prices index (PSSRU Table 12.1.2, all sectors, pay and
// prices excluding capital: the running costs of care bought or provided by councils) and
// returns it as England unit_costs rows of service datasets.PriceIndexService, unit "index", the level in
// each financial year with 2021-22 = 100. Each year's increase is taken from the latest edition
// that prints it (editions revise earlier years).
func buildPriceIndex(raw fs.FS) ([]datasets.UnitCost, error) {
	f, err := readCSV(raw, "unit_costs/pssru_pss_pay_prices_index_2022_2024.csv")
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("edition", "table", "sector", "financial_year", "pay_and_prices_excl_capital_pct")
	if err != nil {
		return nil, err
	}
	type inc struct {
		edition int
		pct     float64
	}
	incs := map[int]inc{}
	for i := range f.rows {
		r := f.fields(i)
		if r.str(c[1]) != "Table 12.1.2" || r.str(c[2]) != "all sectors" {
			continue
		}
		ed := int(r.int(c[0]))
		fy := r.str(c[3])
		from, _, ok := strings.Cut(fy, "/")
		year, yerr := strconv.Atoi(from)
		if !ok || yerr != nil {
			return nil, f.lineErr(i, fmt.Errorf("financial year %q is not YYYY/YYYY", fy))
		}
		pct := r.num(c[4])
		if r.err != nil {
			return nil, r.err
		}
		if old, seen := incs[year]; !seen || ed > old.edition {
			incs[year] = inc{ed, pct}
		}
	}
	years := make([]int, 0, len(incs))
	for y := range incs {
		years = append(years, y)
	}
	slices.Sort(years)
	if !slices.Contains(years, costYear) {
		return nil, fmt.Errorf("%s: no all-sectors increase for %d-%02d", f.name, costYear, (costYear+1)%100)
	}
	for i := 1; i < len(years); i++ {
		if years[i] != years[i-1]+1 {
			return nil, fmt.Errorf("%s: the all-sectors index skips from %d to %d", f.name, years[i-1], years[i])
		}
	}
	level := map[int]float64{costYear: 100}
	for y := costYear + 1; y <= years[len(years)-1]; y++ {
		level[y] = level[y-1] * (1 + incs[y].pct/100)
	}
	for y := costYear - 1; y >= years[0]; y-- {
		level[y] = level[y+1] / (1 + incs[y+1].pct/100)
	}
	var out []datasets.UnitCost
	for _, y := range years {
		out = append(out, datasets.UnitCost{AreaCode: datasets.National, Year: int32(y), Service: datasets.PriceIndexService, Unit: "index",
			Cost: math.Round(level[y]*1e6) / 1e6, PriceBase: costPriceBase,
			Source: fmt.Sprintf("%s (%d-%02d: %+.1f%%, %d edition)", srcPSSIndex, y, (y+1)%100, incs[y].pct, incs[y].edition)})
	}
	return out, nil
}
