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
	for i, rec := range f.rows {
		sex, err := onsSex(cell(rec, c[0]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		year, err := atoi(cell(rec, c[2]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		v, err := atof(cell(rec, c[3]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		r := datasets.Mortality{AreaCode: "E92000001", Year: int32(year), Sex: sex, Rate: v / 100000, RateType: "qx", Source: srcNPPMortality}
		if a := cell(rec, c[1]); a == "Birth" {
			r.RateType = "qbirth"
		} else {
			age, err := atoi(a)
			if err != nil {
				return nil, f.lineErr(i, err)
			}
			r.Age = int32(age)
		}
		out = append(out, r)
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
	for i, rec := range f.rows {
		age, err := atoi(cell(rec, c[0]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		year, err := atoi(cell(rec, c[1]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		v, err := atof(cell(rec, c[2]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		out = append(out, datasets.Fertility{AreaCode: "E92000001", Year: int32(year), Age: int32(age), Rate: v / 1000, Source: srcNPPFertility})
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
	for i, rec := range f.rows {
		sex, err := onsSex(cell(rec, c[0]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		age, err := nppAge(cell(rec, c[1]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		year, err := atoi(cell(rec, c[3]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		v, err := atof(cell(rec, c[4]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		out = append(out, datasets.Migration{AreaCode: "E92000001", Year: int32(year), Sex: sex, Age: int32(age),
			Flow: strings.ToLower(cell(rec, c[2])), Count: v, Source: srcNPPMigration})
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
	for i, rec := range f.rows {
		sex, err := onsSex(cell(rec, c[0]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		year, err := atoi(cell(rec, c[2]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		age, err := atoi(cell(rec, c[3]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		v, err := atof(cell(rec, c[4]))
		if err != nil {
			return nil, f.lineErr(i, err)
		}
		out = append(out, datasets.LifeExpectancy{AreaCode: "E92000001", Year: int32(year), Sex: sex, Age: int32(age), Ex: v,
			ExType: cell(rec, c[1]), Source: srcNPPEx})
	}
	return out, nil
}
