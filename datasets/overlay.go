package datasets

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// National is the area code of England, whose rates the engine projects with.
const National = "E92000001"

// With returns a new bundle in which kind k comes from file, a Parquet or CSV file (see
// ReadOptions.Format) validated with opts (opts.Name names it in problems and provenance,
// "upload" when empty) against b's areas: every area code must be in b.Areas. b is not
// modified; the new bundle shares b's other slices, so treat both as read-only.
//
// For the population kinds (population, population_oldest, population_totals) the uploaded
// rows are added to b's: each (kind, variant, area, year) the upload holds replaces b's rows
// of the same kind, variant, area and year, and every other row of b stays. An upload of
// projection variant "council" therefore adds that variant beside ONS's, and an upload of
// estimates replaces the built-in estimates of the areas and years it covers. The upload's
// Summary is added to Files after b's file of the kind, since both are used.
//
// Every other kind is replaced whole by the upload, and its Summary replaces b's file of the
// kind in Files. The areas table cannot be replaced (uploads are checked against it).
//
// The error is a *ValidationError when the file is invalid.
func (b *Bundle) With(k Kind, file []byte, opts ReadOptions) (*Bundle, error) {
	if _, err := ParseKind(string(k)); err != nil {
		return nil, err
	}
	if k == KindAreas {
		return nil, fmt.Errorf("the areas table cannot be replaced by an upload; uploads are checked against it")
	}
	if opts.Name == "" {
		opts.Name = "upload"
	}
	if opts.KnownAreas == nil {
		opts.KnownAreas = make(map[string]bool, len(b.Areas))
		for _, a := range b.Areas {
			opts.KnownAreas[a.AreaCode] = true
		}
	}
	var up Bundle
	sum, err := up.load(k, file, opts)
	if err != nil {
		return nil, err
	}
	if sum.Rows == 0 {
		return nil, &ValidationError{File: opts.Name, Problems: []Problem{{File: opts.Name, Rule: RuleNoRows, Message: "the file has the right columns but no rows"}}}
	}
	sum.File, sum.Bytes, sum.ContentHash = opts.Name, int64(len(file)), ContentHash(file)

	nb := *b
	merge := false
	switch k {
	case KindPopulation:
		nb.Population, merge = mergeGroups(b.Population, up.Population, func(r Population) popKey {
			return popKey{r.Kind, r.Variant, r.AreaCode, r.Year}
		}), true
	case KindPopulationOldest:
		nb.PopulationOldest, merge = mergeGroups(b.PopulationOldest, up.PopulationOldest, func(r PopulationOldest) popKey {
			return popKey{r.Kind, r.Variant, r.AreaCode, r.Year}
		}), true
	case KindPopulationTotals:
		nb.PopulationTotals, merge = mergeGroups(b.PopulationTotals, up.PopulationTotals, func(r PopulationTotal) popKey {
			return popKey{r.Kind, r.Variant, r.AreaCode, r.Year}
		}), true
	case KindMortality:
		nb.Mortality = up.Mortality
	case KindFertility:
		nb.Fertility = up.Fertility
	case KindMigration:
		nb.Migration = up.Migration
	case KindLifeExpectancy:
		nb.LifeExpectancy = up.LifeExpectancy
	case KindPrevalence:
		nb.Prevalence = up.Prevalence
	case KindServiceActivity:
		nb.ServiceActivity = up.ServiceActivity
	case KindUnitCosts:
		nb.UnitCosts = up.UnitCosts
	case KindSupply:
		nb.Supply = up.Supply
	case KindDeprivation:
		nb.Deprivation = up.Deprivation
	case KindActivityHistory:
		nb.ActivityHistory = up.ActivityHistory
	case KindTopicRates:
		nb.TopicRates = up.TopicRates
	}

	// Files stay in Kinds order; an upload goes after b's file of its kind, or replaces it.
	nb.Files = make([]Summary, 0, len(b.Files)+1)
	for _, f := range b.Files {
		if f.Kind != k || merge {
			nb.Files = append(nb.Files, f)
		}
	}
	nb.Files = append(nb.Files, sum)
	rank := func(k Kind) int { return slices.Index(Kinds, k) }
	sort.SliceStable(nb.Files, func(i, j int) bool { return rank(nb.Files[i].Kind) < rank(nb.Files[j].Kind) })
	return &nb, nil
}

// popKey is a group of population rows an upload replaces.
type popKey struct {
	kind, variant, area string
	year                int32
}

// mergeGroups returns base without the groups up holds, followed by up.
func mergeGroups[T any](base, up []T, key func(T) popKey) []T {
	replaced := map[popKey]bool{}
	for _, r := range up {
		replaced[key(r)] = true
	}
	out := make([]T, 0, len(base)+len(up))
	for _, r := range base {
		if !replaced[key(r)] {
			out = append(out, r)
		}
	}
	return append(out, up...)
}

// Coverage is what a scenario needs of one dataset kind (see Covers for what each field means
// for each kind). Zero fields ask for nothing.
type Coverage struct {
	// Areas are the area codes that must have rows: the districts projected (population
	// kinds), the councils reported (service_activity, unit_costs, supply). The national
	// rates (mortality, fertility, migration, life_expectancy) are England's whatever Areas
	// says.
	Areas []string
	// YearFrom..YearTo are the years every area must have (0: no year is required).
	YearFrom, YearTo int
	// Kind and Variant select population rows: "estimate" or "projection" ("" either) and the
	// projection variant ("" any).
	Kind, Variant string
	// Services are the services every area needs (service_activity, unit_costs, supply;
	// unit_costs defaults to every projected service, forecast.ServiceNames).
	Services []string
	// Measures are the prevalence measures needed (each with rates for both sexes, or for
	// persons, over every age AgeFrom..90); EvidenceYears, when set, the year of each.
	Measures      []string
	EvidenceYears map[string]int
	// AgeFrom is the youngest age the prevalence measures must cover (0: any).
	AgeFrom int
}

// CoverageError says what a dataset lacks for a scenario: Dataset names the files of the kind
// (an upload's name, or the built-in file), Missing each thing lacking, in words.
type CoverageError struct {
	Kind    Kind
	Dataset string
	Missing []string
}

func (e *CoverageError) Error() string {
	return fmt.Sprintf("%s %s %s", e.Kind, e.Dataset, strings.Join(e.Missing, "; "))
}

// maxMissing caps how many missing things a CoverageError lists.
const maxMissing = 8

// Covers reports whether b's rows of kind k hold what need asks for, and if not a
// *CoverageError naming precisely what is missing: which areas in which years, which
// services or measures. For each kind:
//
//   - population, population_oldest, population_totals: rows of need.Kind and need.Variant
//     for every area in need.Areas in every year YearFrom..YearTo (validation has already made
//     sure that each area-year holds both sexes and every age 0..90, or 90..105).
//   - mortality, migration: England's rates (qx; net flows) for both sexes and every age
//     0..105 in every year YearFrom..YearTo; fertility: England's rates in every year;
//     life_expectancy: England's period expectation at 65 in every year. The engine projects
//     with national rates only, so a council's own rows are not enough.
//   - prevalence: every measure in need.Measures (of the evidence year asked, if any), with
//     rates for both sexes or persons covering every age from need.AgeFrom to 90.
//   - service_activity: rows of every service in need.Services for every area in need.Areas
//     in some year YearFrom..YearTo.
//   - unit_costs: a cost of every service in need.Services (default forecast.ServiceNames) in
//     the unit the engine costs it in (forecast.DefaultUnitCosts) for every area in
//     need.Areas, or for England, which the engine falls back on.
//   - supply: rows of every service in need.Services for every area in need.Areas.
func Covers(b *Bundle, k Kind, need Coverage) error {
	var missing []string
	switch k {
	case KindPopulation:
		missing = popMissing(b, need, b.Population, func(r Population) popKey {
			return popKey{r.Kind, r.Variant, r.AreaCode, r.Year}
		})
	case KindPopulationOldest:
		missing = popMissing(b, need, b.PopulationOldest, func(r PopulationOldest) popKey {
			return popKey{r.Kind, r.Variant, r.AreaCode, r.Year}
		})
	case KindPopulationTotals:
		missing = popMissing(b, need, b.PopulationTotals, func(r PopulationTotal) popKey {
			return popKey{r.Kind, r.Variant, r.AreaCode, r.Year}
		})
	case KindMortality:
		missing = nationalMissing(b, need, "qx rates", population.MaxAge, func(yield func(year int32, sex string, age int32)) {
			for _, r := range b.Mortality {
				if r.AreaCode == National && r.RateType == "qx" {
					yield(r.Year, r.Sex, r.Age)
				}
			}
		})
	case KindMigration:
		missing = nationalMissing(b, need, "net migration", OldestAge, func(yield func(year int32, sex string, age int32)) {
			for _, r := range b.Migration {
				if r.AreaCode == National && r.Flow == "net" {
					yield(r.Year, r.Sex, r.Age)
				}
			}
		})
	case KindFertility:
		missing = nationalMissing(b, need, "fertility rates", -1, func(yield func(year int32, sex string, age int32)) {
			for _, r := range b.Fertility {
				if r.AreaCode == National {
					yield(r.Year, "", r.Age)
				}
			}
		})
	case KindLifeExpectancy:
		missing = nationalMissing(b, need, "period life expectancy at 65", -1, func(yield func(year int32, sex string, age int32)) {
			for _, r := range b.LifeExpectancy {
				if r.AreaCode == National && r.ExType == "period" && r.Age == 65 {
					yield(r.Year, r.Sex, r.Age)
				}
			}
		})
	case KindPrevalence:
		missing = prevalenceMissing(b, need)
	case KindServiceActivity:
		have, known := map[[2]string]bool{}, map[string]bool{}
		for _, r := range b.ServiceActivity {
			known[r.Service] = true
			if need.YearFrom == 0 || (int(r.Year) >= need.YearFrom && int(r.Year) <= need.YearTo) {
				have[[2]string{r.AreaCode, r.Service}] = true
			}
		}
		missing = areaServiceMissing(b, need, known, have, yearsText(need))
	case KindUnitCosts:
		services := need.Services
		if len(services) == 0 {
			services = forecast.ServiceNames
		}
		have := map[[2]string]bool{}
		units := map[string][]string{}
		for _, r := range b.UnitCosts {
			want, ok := forecast.DefaultUnitCosts[r.Service]
			if !ok || r.Unit == want.Unit {
				have[[2]string{r.AreaCode, r.Service}] = true
			} else if !slices.Contains(units[r.Service], r.Unit) {
				units[r.Service] = append(units[r.Service], r.Unit)
			}
		}
		for _, s := range services {
			if have[[2]string{National, s}] {
				continue
			}
			unit := forecast.DefaultUnitCosts[s].Unit
			var lacking []string
			for _, a := range need.Areas {
				if !have[[2]string{a, s}] {
					lacking = append(lacking, b.areaLabel(a))
				}
			}
			switch {
			case !anyService(have, s) && len(units[s]) > 0:
				missing = append(missing, fmt.Sprintf("lacks %s per %s (it has %s per %s; the engine costs %s per %s)", s, unit, s, strings.Join(units[s], ", "), s, unit))
			case !anyService(have, s):
				missing = append(missing, "lacks "+s)
			case len(lacking) > 0:
				missing = append(missing, fmt.Sprintf("has no %s cost per %s for %s, nor for England", s, unit, joinCapped(lacking)))
			}
		}
	case KindSupply:
		have, known := map[[2]string]bool{}, map[string]bool{}
		for _, r := range b.Supply {
			known[r.Service] = true
			have[[2]string{r.AreaCode, r.Service}] = true
		}
		missing = areaServiceMissing(b, need, known, have, "")
	case KindAreas:
		for _, a := range need.Areas {
			if b.areaLabel(a) == a {
				missing = append(missing, "has no area "+a)
			}
		}
	default:
		_, err := ParseKind(string(k))
		return err
	}
	if len(missing) == 0 {
		return nil
	}
	if len(missing) > maxMissing {
		missing = append(missing[:maxMissing], fmt.Sprintf("and %d more", len(missing)-maxMissing))
	}
	return &CoverageError{Kind: k, Dataset: b.datasetName(k, need), Missing: missing}
}

// anyService reports whether any area has service s in have (keyed by area and service).
func anyService(have map[[2]string]bool, s string) bool {
	for k := range have {
		if k[1] == s {
			return true
		}
	}
	return false
}

// datasetName names the files of kind k in b for messages: "upload dst_x" style names as
// given to With, or the built-in file's name; for population kinds with a variant, the file
// that holds that variant when one does.
func (b *Bundle) datasetName(k Kind, need Coverage) string {
	var names, holding []string
	for _, f := range b.Files {
		if f.Kind != k {
			continue
		}
		names = append(names, f.File)
		if need.Variant != "" && slices.ContainsFunc(f.Measures, func(m string) bool {
			return m == need.Kind+" "+need.Variant || (need.Kind == "" && strings.HasSuffix(m, " "+need.Variant))
		}) {
			holding = append(holding, f.File)
		}
	}
	if len(holding) > 0 {
		names = holding
	}
	if len(names) == 0 {
		return "(none loaded)"
	}
	return strings.Join(names, " + ")
}

// areaLabel renders an area code with its name, when b knows it.
func (b *Bundle) areaLabel(code string) string {
	for _, a := range b.Areas {
		if a.AreaCode == code {
			return code + " (" + a.AreaName + ")"
		}
	}
	return code
}

// popMissing lists, for each area of need, the years YearFrom..YearTo without rows of the
// kind and variant asked for.
func popMissing[T any](b *Bundle, need Coverage, rows []T, key func(T) popKey) []string {
	have := map[string]map[int32]bool{}
	for _, r := range rows {
		k := key(r)
		if (need.Kind != "" && k.kind != need.Kind) || (need.Variant != "" && k.variant != need.Variant) {
			continue
		}
		if have[k.area] == nil {
			have[k.area] = map[int32]bool{}
		}
		have[k.area][k.year] = true
	}
	what := strings.TrimSpace(need.Variant + " " + need.Kind)
	if what == "" {
		what = "population"
	}
	var missing []string
	for _, a := range need.Areas {
		if need.YearFrom == 0 {
			if len(have[a]) == 0 {
				missing = append(missing, fmt.Sprintf("has no %s rows for %s", what, b.areaLabel(a)))
			}
			continue
		}
		if gaps := yearGaps(have[a], need.YearFrom, need.YearTo); gaps != "" {
			missing = append(missing, fmt.Sprintf("has no %s rows for %s in %s", what, b.areaLabel(a), gaps))
		}
	}
	return missing
}

// yearGaps renders the years from..to not in have as runs: "2031–2040, 2045".
func yearGaps(have map[int32]bool, from, to int) string {
	var runs []string
	for y := from; y <= to; y++ {
		if have[int32(y)] {
			continue
		}
		end := y
		for end+1 <= to && !have[int32(end+1)] {
			end++
		}
		if end == y {
			runs = append(runs, fmt.Sprint(y))
		} else {
			runs = append(runs, fmt.Sprintf("%d–%d", y, end))
		}
		y = end
	}
	return strings.Join(runs, ", ")
}

// nationalMissing checks England's rows of a rates kind: every year YearFrom..YearTo, and for
// kinds with ages (topAge ≥ 0) both sexes with every age 0..topAge.
func nationalMissing(b *Bundle, need Coverage, what string, topAge int, each func(func(year int32, sex string, age int32))) []string {
	years := map[int32]bool{}
	maxAge := map[[2]any]int32{}
	each(func(y int32, sex string, age int32) {
		years[y] = true
		k := [2]any{y, sex}
		maxAge[k] = max(maxAge[k], age)
	})
	var missing []string
	if len(years) == 0 {
		return []string{fmt.Sprintf("has no %s for %s; the engine projects with national rates", what, b.areaLabel(National))}
	}
	if need.YearFrom != 0 {
		if gaps := yearGaps(years, need.YearFrom, need.YearTo); gaps != "" {
			missing = append(missing, fmt.Sprintf("has no %s for %s in %s", what, b.areaLabel(National), gaps))
		}
	}
	if topAge >= 0 {
		var short []string
		for _, y := range sortedYears(years) {
			if need.YearFrom != 0 && (int(y) < need.YearFrom || int(y) > need.YearTo) {
				continue
			}
			for _, sex := range sexes {
				if a, ok := maxAge[[2]any{y, sex}]; !ok {
					short = append(short, fmt.Sprintf("%d has no %s rows", y, sex))
				} else if int(a) < topAge {
					short = append(short, fmt.Sprintf("%d %s stops at age %d", y, sex, a))
				}
			}
		}
		if len(short) > 0 {
			missing = append(missing, fmt.Sprintf("has %s for %s short of ages 0–%d: %s", what, b.areaLabel(National), topAge, joinCapped(short)))
		}
	}
	return missing
}

func sortedYears(m map[int32]bool) []int32 {
	out := make([]int32, 0, len(m))
	for y := range m {
		out = append(out, y)
	}
	slices.Sort(out)
	return out
}

// prevalenceMissing checks the measures asked for.
func prevalenceMissing(b *Bundle, need Coverage) []string {
	type cover struct {
		ages  [2][forecast.NumAges]bool // female, male (persons count for both)
		years []int32
	}
	have := map[string]*cover{}
	for _, r := range b.Prevalence {
		if y, ok := need.EvidenceYears[r.Measure]; ok && int(r.EvidenceYear) != y {
			if have[r.Measure] == nil {
				have[r.Measure] = &cover{}
			}
			if !slices.Contains(have[r.Measure].years, r.EvidenceYear) {
				have[r.Measure].years = append(have[r.Measure].years, r.EvidenceYear)
			}
			continue
		}
		c := have[r.Measure]
		if c == nil {
			c = &cover{}
			have[r.Measure] = c
		}
		if !slices.Contains(c.years, r.EvidenceYear) {
			c.years = append(c.years, r.EvidenceYear)
		}
		for a := r.AgeFrom; a <= r.AgeTo && int(a) < forecast.NumAges; a++ {
			switch r.Sex {
			case "female":
				c.ages[0][a] = true
			case "male":
				c.ages[1][a] = true
			default:
				c.ages[0][a], c.ages[1][a] = true, true
			}
		}
	}
	var missing []string
	for _, m := range need.Measures {
		c := have[m]
		if c == nil {
			missing = append(missing, "lacks "+m)
			continue
		}
		y, byYear := need.EvidenceYears[m]
		if byYear && !slices.ContainsFunc(b.Prevalence, func(r Prevalence) bool { return r.Measure == m && int(r.EvidenceYear) == y }) {
			slices.Sort(c.years)
			missing = append(missing, fmt.Sprintf("has %s from %v, not %d", m, c.years, y))
			continue
		}
		for s, name := range []string{"women", "men"} {
			var gaps []string
			for a := need.AgeFrom; a < forecast.NumAges; a++ {
				if c.ages[s][a] {
					continue
				}
				end := a
				for end+1 < forecast.NumAges && !c.ages[s][end+1] {
					end++
				}
				gaps = append(gaps, fmt.Sprintf("%d–%d", a, end))
				a = end
			}
			if len(gaps) > 0 {
				missing = append(missing, fmt.Sprintf("has no %s rates for %s aged %s", m, name, strings.Join(gaps, ", ")))
			}
		}
	}
	return missing
}

// areaServiceMissing lists the area-service pairs of need without rows (have, keyed by area
// and service, for the years asked); known holds every service in the file.
func areaServiceMissing(b *Bundle, need Coverage, known map[string]bool, have map[[2]string]bool, when string) []string {
	var missing []string
	for _, s := range need.Services {
		if !known[s] {
			missing = append(missing, "lacks "+s)
			continue
		}
		var lacking []string
		for _, a := range need.Areas {
			if !have[[2]string{a, s}] {
				lacking = append(lacking, b.areaLabel(a))
			}
		}
		if len(lacking) > 0 {
			missing = append(missing, fmt.Sprintf("has no %s rows for %s%s", s, joinCapped(lacking), when))
		}
	}
	return missing
}

func yearsText(need Coverage) string {
	switch {
	case need.YearFrom == 0:
		return ""
	case need.YearFrom == need.YearTo:
		return fmt.Sprintf(" in %d", need.YearFrom)
	}
	return fmt.Sprintf(" in %d–%d", need.YearFrom, need.YearTo)
}

// joinCapped joins items, listing at most five.
func joinCapped(items []string) string {
	if len(items) > 5 {
		return strings.Join(items[:5], ", ") + fmt.Sprintf(" and %d more", len(items)-5)
	}
	return strings.Join(items, ", ")
}
