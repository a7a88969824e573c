package convert

import (
	"io/fs"
	"strings"

	"github.com/carecast/carecast/datasets"
)

const (
	srcNPPMortality = "ONS 2018-based national population projections, England, principal mortality assumptions (q(x) per 100,000 converted to per person; 'Birth' row as qbirth); OGL v3"
	srcNPPFertility = "ONS 2018-based national population projections, England, principal fertility assumptions (per 1,000 women converted to per woman); OGL v3"
	srcNPPMigration = "ONS 2018-based national population projections, England, principal total migration (international and cross-border); OGL v3"
	srcNPPEx        = "ONS 2018-based national population projections, England, expectation of life (period and cohort); OGL v3"
)

// buildMortality converts the NPP mortality assumptions: probability of death per 100,000 →
// per person; the "Birth" row becomes rate_type qbirth at age 0.
func buildMortality(raw fs.FS) ([]datasets.Mortality, error) {
	f, err := readCSV(raw, "ons_npp2018/npp2018_england_principal_mortality_assumptions.csv")
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("sex", "age", "year", "value")
	if err != nil {
		return nil, err
	}
	out := make([]datasets.Mortality, 0, len(f.rows))
	for i := range f.rows {
		r := f.fields(i)
		row := datasets.Mortality{AreaCode: "E92000001", Sex: r.sex(c[0]), Year: r.int(c[2]), Rate: r.num(c[3]) / 100000, RateType: "qx", Source: srcNPPMortality}
		if r.str(c[1]) == "Birth" {
			row.RateType = "qbirth"
		} else {
			row.Age = r.int(c[1])
		}
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, row)
	}
	return out, nil
}

// buildFertility converts the NPP fertility assumptions from births per 1,000 women to per woman.
func buildFertility(raw fs.FS) ([]datasets.Fertility, error) {
	f, err := readCSV(raw, "ons_npp2018/npp2018_england_principal_fertility_assumptions.csv")
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("age", "year", "value")
	if err != nil {
		return nil, err
	}
	out := make([]datasets.Fertility, 0, len(f.rows))
	for i := range f.rows {
		r := f.fields(i)
		row := datasets.Fertility{AreaCode: "E92000001", Age: r.int(c[0]), Year: r.int(c[1]), Rate: r.num(c[2]) / 1000, Source: srcNPPFertility}
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, row)
	}
	return out, nil
}

// buildMigration converts the NPP total migration flows (In/Out/Net by sex and age, 105+ open).
func buildMigration(raw fs.FS) ([]datasets.Migration, error) {
	f, err := readCSV(raw, "ons_npp2018/npp2018_england_principal_total_migration.csv")
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("sex", "age", "flow", "year", "value")
	if err != nil {
		return nil, err
	}
	out := make([]datasets.Migration, 0, len(f.rows))
	for i := range f.rows {
		r := f.fields(i)
		row := datasets.Migration{AreaCode: "E92000001", Sex: r.sex(c[0]), Age: r.nppAge(c[1]), Flow: strings.ToLower(r.str(c[2])),
			Year: r.int(c[3]), Count: r.num(c[4]), Source: srcNPPMigration}
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, row)
	}
	return out, nil
}

// buildLifeExpectancy converts the NPP expectation-of-life table.
func buildLifeExpectancy(raw fs.FS) ([]datasets.LifeExpectancy, error) {
	f, err := readCSV(raw, "ons_npp2018/npp2018_england_expectation_of_life_ex.csv")
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("sex", "type", "year", "age", "ex")
	if err != nil {
		return nil, err
	}
	out := make([]datasets.LifeExpectancy, 0, len(f.rows))
	for i := range f.rows {
		r := f.fields(i)
		row := datasets.LifeExpectancy{AreaCode: "E92000001", Sex: r.sex(c[0]), ExType: r.str(c[1]), Year: r.int(c[2]), Age: r.int(c[3]),
			Ex: r.num(c[4]), Source: srcNPPEx}
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, row)
	}
	return out, nil
}
