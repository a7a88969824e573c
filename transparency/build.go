package transparency

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/carecast/carecast/forecast/backtest"
)

// Inputs are what Build fills the record from.
type Inputs struct {
	// Version is carecast's version ("dev" if empty).
	Version string
	// Population is the population back-test report (datasets.RunBacktests); it must have the
	// 2016 contest's headline with its benchmark. Its Contest2018, when set, leads the
	// population model's performance.
	Population *backtest.Report
	// Services is the service back-test report; nil when the data has no service activity.
	Services *backtest.ServiceReport
	// Datasets are the dataset cards of the data, in the order to report them.
	Datasets []DatasetCard
}

// Build returns carecast's ATRS v3.0 record. It fails if in has no population report, the
// report lacks the 2016 contest's headline, or there are no dataset cards.
func Build(in Inputs) (*Record, error) {
	if in.Population == nil {
		return nil, errors.New("transparency: no population back-test report")
	}
	head, ok := in.Population.Summary(backtest.Headline)
	if !ok || head.Benchmark.N == 0 {
		return nil, fmt.Errorf("transparency: the back-test report has no %s contest with a benchmark", backtest.Contest2016)
	}
	if len(in.Datasets) == 0 {
		return nil, errors.New("transparency: no dataset cards")
	}
	version := in.Version
	if version == "" {
		version = "dev"
	}
	tbc := ToBeCompleted
	r := &Record{
		Standard: Standard, StandardVersion: StandardVersion, Tool: "carecast " + version,
		Metadata: Metadata{Title: "carecast: projections of adult social care need, services, workforce and cost",
			Organisation: tbc, Function: "Health and social care", Phase: tbc, Region: tbc},
		Tier1:        Tier1{Name: "carecast", Description: tier1Description, WebsiteURL: tbc, ContactEmail: tbc},
		DatasetCards: slices.Clone(in.Datasets),
	}
	t2 := &r.Tier2
	t2.OwnerAndResponsibility = OwnerAndResponsibility{Organisation: tbc, Team: tbc, SeniorResponsibleOwner: tbc, ThirdPartyInvolvement: tbc,
		ThirdParty: ThirdParty{ThirdParty: tbc, CompaniesHouseNumber: tbc, ThirdPartyRole: tbc, ProcurementProcedureType: tbc, ThirdPartyDataAccessTerms: tbc}}
	t2.DescriptionAndRationale = DescriptionAndRationale{DetailedDescription: detailedDescription, Scope: scope, Benefit: benefit,
		PreviousProcess: tbc, AlternativesConsidered: tbc}
	t2.DecisionMakingProcess = DecisionMakingProcess{ProcessIntegration: tbc, ProvidedInformation: providedInformation,
		FrequencyAndScaleOfUsage: tbc, HumanDecisionsAndReview: tbc, RequiredTraining: tbc, AppealsAndReview: tbc}

	names := make([]string, len(in.Datasets))
	for i, d := range in.Datasets {
		names[i] = d.Name
	}
	models := []ModelSpecification{
		populationModel(version, in.Population, head, names),
		needModel(version, names),
		servicesModel(version, in.Services, names),
		capacityCostModel(version, names),
	}
	ts := &t2.ToolSpecification
	ts.SystemArchitecture, ts.Phase, ts.Maintenance = systemArchitecture, tbc, maintenance
	for _, m := range models {
		ts.Models = append(ts.Models, m.ModelName)
	}
	ts.ModelSpecification = models
	for _, d := range in.Datasets {
		ts.DataSpecification = append(ts.DataSpecification, dataSpecification(d))
	}
	t2.RisksMitigationsAndImpactAssessments = RisksAndImpacts{ImpactAssessment: tbc, RisksAndMitigations: risks(in.Population, in.Services)}

	r.ToBeCompleted = LeftToComplete(r)
	for _, f := range r.ToBeCompleted {
		if n, ok := completionNotes[f]; ok {
			r.CompletionNotes = append(r.CompletionNotes, CompletionNote{Field: f, Note: n})
		}
	}
	if r.CompletionNotes == nil {
		r.CompletionNotes = []CompletionNote{}
	}
	return r, nil
}

// LeftToComplete returns the JSON paths of r's string fields whose value is ToBeCompleted, in
// document order: "tier_1.contact_email", "tier_2.tool_specification.data_specification[2].…".
// Record.ToBeCompleted and CompletionNotes themselves are not searched.
func LeftToComplete(r *Record) []string {
	out := []string{}
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		case reflect.String:
			if v.String() == ToBeCompleted {
				out = append(out, path)
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
			}
		case reflect.Struct:
			t := v.Type()
			for i := range t.NumField() {
				name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
				if name == "" || name == "-" || name == "to_be_completed" || name == "completion_notes" {
					continue
				}
				p := name
				if path != "" {
					p = path + "." + name
				}
				walk(p, v.Field(i))
			}
		}
	}
	walk("", reflect.ValueOf(r))
	return out
}

// finite returns a pointer to v, or nil if v is NaN or infinite (JSON has neither).
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func scores(s backtest.Scores) Scores {
	return Scores{N: s.N, MAPE: finite(s.MAPE), MedianAPE: finite(s.MedianAPE), P90APE: finite(s.P90APE),
		Bias: finite(s.Bias), MASE: finite(s.MASE), Coverage: finite(s.Coverage)}
}

// pct formats a percentage with two decimals, "–" for NaN.
func pct(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f%%", v)
}

// signed formats a percentage with its sign and two decimals, "–" for NaN.
func signed(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%+.2f%%", v)
}

// lowest names the forecast with the lowest MAPE among carecast's, ONS's and no change's
// (carecast on ties, as the model card).
func lowest(s backtest.ContestScore) string {
	switch {
	case s.ONS.MAPE < s.Carecast.MAPE && s.ONS.MAPE <= s.Same.MAPE:
		return "ONS"
	case s.Same.MAPE < s.Carecast.MAPE && s.Same.MAPE < s.ONS.MAPE:
		return "no change"
	}
	return "carecast"
}

func populationModel(version string, rep *backtest.Report, head backtest.Summary, names []string) ModelSpecification {
	m := ModelSpecification{
		ModelName: "population projection", ModelVersion: version,
		ModelTask: "Project every English district's population by sex and single year of age (0 to 90 and over) for the next 25 years.",
		ModelInput: "A base-year estimate by sex and single year of age; ONS's national 2018-based assumptions of mortality, fertility and migration; " +
			"the area's own history (a second single-year estimate and all-age totals) to calibrate local rates; or, instead, a supplied projection (ONS's 2018-based subnational projection or a variant).",
		ModelOutput: "People by area, year, sex and single year of age; districts add up exactly to councils, regions and England. With Monte Carlo draws, the mean and the 10th, 50th and 90th percentiles.",
		ModelArchitecture: "A cohort-component projection (package forecast/population): each year every cohort is survived with death probabilities, births come from fertility rates, " +
			"net migration by sex and age is added, and everyone ages one year, keeping 90 and over open (carried to 105 and over inside the projection). " +
			"Run on ONS's national assumptions it reproduces ONS's 2018-based national projection for England. It is a deterministic statistical model: nothing is learned from personal data.",
		Datasets: pick(names, "areas", "population", "projections", "population_oldest", "population_totals", "mortality", "fertility", "migration", "life_expectancy"),
		DatasetPurposes: "population: base estimates and outturn for the back-tests; projections: supplied projections and the 2018 contest's benchmark; population_oldest: the split of 90+; " +
			"population_totals: local growth and the 2016 contest's benchmark; mortality, fertility, migration, life_expectancy: the national assumptions.",
	}
	var b strings.Builder
	if c := rep.Contest2018; c != nil && len(c.Scores) > 0 {
		k := &Contest2018{Backtest: backtest.Contest2018, Origin: backtest.Contest2018Origin, Benchmark: c.BenchmarkName,
			Method: fmt.Sprintf("migration: %s; mortality: %s", c.Options.Shape, c.Options.Mortality)}
		wins := 0
		for _, s := range c.Scores {
			k.Scores = append(k.Scores, ContestScore{Year: s.Year, AgeBand: s.AgeBand, Carecast: scores(s.Carecast), ONS: scores(s.ONS),
				NoChange: scores(s.Same), Lowest: lowest(s)})
			if lowest(s) == "carecast" {
				wins++
			}
		}
		m.ModelPerformance.Contest2018 = k
		fmt.Fprintf(&b, "Back-tested against what happened. The main contest projects every district from mid-2018 knowing only what ONS's own 2018-based projection could use, "+
			"and scores it on %d districts against ONS's mid-2020 and mid-2022 estimates, side by side with ONS's projection and with no change since 2018. "+
			"Mean absolute percentage errors (carecast / ONS / no change): ", c.Scores[0].Carecast.N)
		for i, s := range c.Scores {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s in %d %s / %s / %s", s.AgeBand, s.Year, pct(s.Carecast.MAPE), pct(s.ONS.MAPE), pct(s.Same.MAPE))
		}
		fmt.Fprintf(&b, ". carecast had the lowest error in %d of %d age bands and years. ", wins, len(c.Scores))
	} else {
		b.WriteString("Back-tested against what happened (the data has no 2018-based projection, so the 2018 contest was not run). ")
	}
	m.ModelPerformance.Contest2016 = &Scored{Backtest: backtest.Contest2016,
		Description: fmt.Sprintf("People aged 60+ in 2020 in each of %d districts, projected from what was known in 2016.", head.Ours.N),
		Carecast:    scores(head.Ours), BenchmarkName: head.BenchmarkName, Benchmark: scores(head.Benchmark)}
	fmt.Fprintf(&b, "From 2016, people 60+ in 2020 over %d districts: carecast's MAPE %s, that of %s %s. The model card (docs/model-card.md, `carecast backtest --model-card`) has every score, the sensitivity and the coverage of the ranges.",
		head.Ours.N, pct(head.Ours.MAPE), head.BenchmarkName, pct(head.Benchmark.MAPE))
	m.ModelPerformance.Summary = b.String()
	return m
}

func needModel(version string, names []string) ModelSpecification {
	return ModelSpecification{
		ModelName: "need", ModelVersion: version,
		ModelTask:         "Estimate how many people need help with daily living or have dementia, by area, year, sex and age band.",
		ModelInput:        "The projected population; published prevalence rates by sex and age band with their 95% intervals; the scenario's prevalence trends and compression of morbidity.",
		ModelOutput:       "People in need by measure, area, year, sex and age band, with ranges from draws of the rates within their intervals.",
		ModelArchitecture: "Population × prevalence rate × the scenario's trend (a multiplication, not a fitted model).",
		ModelPerformance: Performance{Summary: "Not back-tested: no series of outturn of need by area exists in the data. The rates are the published survey estimates; " +
			"their 95% intervals are drawn in the Monte Carlo ranges."},
		Datasets:        pick(names, "prevalence"),
		DatasetPurposes: "prevalence: the rates of need and dementia by sex and age band.",
	}
}

func servicesModel(version string, svc *backtest.ServiceReport, names []string) ModelSpecification {
	m := ModelSpecification{
		ModelName: "service use", ModelVersion: version,
		ModelTask:   "Project councils' clients of residential and nursing care, home care, direct payments, day care and meals, and home-care hours.",
		ModelInput:  "Each council's activity in its latest years; the projected population (18-64) and need (65+); the scenario's service trends and policy levers.",
		ModelOutput: "Clients and hours by council, year, service and age band, with ranges from each council's year-to-year variation.",
		ModelArchitecture: "Each council's base use rate (the mean of its yearly rates per head of people 18-64, or per person 65+ in need, over its latest three activity years) " +
			"multiplied by the projected population or need; residential and nursing care for people 65+ also follow the trend of the council's use rate (its own trend shrunk towards the national one) " +
			"for five years, then hold; then the scenario's trends and levers.",
		Datasets:        pick(names, "service_activity", "activity_history"),
		DatasetPurposes: "service_activity: councils' base use rates and the PSS-EX1 service back-test; activity_history: the use-rate trends of care homes for 65+ and their back-test.",
	}
	if svc == nil {
		m.ModelPerformance.Summary = "Not back-tested on this data: it has no service activity series."
		return m
	}
	all, ok := svc.Summary(backtest.ServiceKey("", "", 0))
	if !ok {
		m.ModelPerformance.Summary = "The service back-test has no pooled summary."
		return m
	}
	m.ModelPerformance.Services = &Scored{Backtest: backtest.ServicesBacktest,
		Description: fmt.Sprintf("Councils' service use, %d forecasts from rolling origins in 2009-10 to 2013-14, every service and horizon pooled.", all.Ours.N),
		Carecast:    scores(all.Ours), BenchmarkName: all.BenchmarkName, Benchmark: scores(all.Benchmark)}
	verdict := "beat"
	if all.Ours.MAPE >= all.Benchmark.MAPE {
		verdict = "lost to"
	}
	pss := fmt.Sprintf("Back-tested on PSS-EX1 activity 2009-10 to 2013-14 (%d forecasts): the constant-rate projection had a MAPE of %s and a bias of %s, "+
		"and %s %s (MAPE %s).", all.Ours.N, pct(all.Ours.MAPE), signed(all.Ours.Bias), verdict, all.BenchmarkName, pct(all.Benchmark.MAPE))
	h := svc.History
	if h == nil {
		m.ModelPerformance.Summary = pss + " Use rates moved in those years; scenarios should set a service trend where a council expects its rates to keep changing."
		return m
	}
	ours, ok1 := h.Score("", 0, backtest.HistoryCarecast)
	same, ok2 := h.Score("", 0, backtest.HistoryNoChange)
	if !ok1 || !ok2 {
		m.ModelPerformance.Summary = pss
		return m
	}
	// The history back-test scores the method the engine uses: it leads.
	m.ModelPerformance.Services = &Scored{Backtest: backtest.HistoryBacktest,
		Description: fmt.Sprintf("Councils' care homes (2011-12 to 2022-23) and home care (PSS-EX1, 2011-12 to 2013-14) for people 65+, %d forecasts from rolling origins, horizons 1-%d pooled.", ours.N, backtest.HistoryMaxHorizon),
		Carecast:    scores(ours), BenchmarkName: backtest.HistoryNoChange, Benchmark: scores(same)}
	verdict = "beat"
	if ours.MAPE >= same.MAPE {
		verdict = "lost to"
	}
	var cov []string
	for _, c := range h.Coverage {
		if c.Service == "" && c.Horizon > 0 {
			cov = append(cov, fmt.Sprintf("%d years %s%%", c.Horizon, pct(100*c.Coverage)))
		}
	}
	m.ModelPerformance.Summary = fmt.Sprintf("Care homes and home care for 65+, back-tested over the activity history (%d forecasts, horizons 1-%d): the engine's method had a MAPE of %s and %s no change (MAPE %s); "+
		"its 80%% intervals held the outturn out of sample at %s. %s", ours.N, backtest.HistoryMaxHorizon, pct(ours.MAPE), verdict, pct(same.MAPE), strings.Join(cov, ", "), pss)
	return m
}

func capacityCostModel(version string, names []string) ModelSpecification {
	return ModelSpecification{
		ModelName: "capacity, workforce and cost", ModelVersion: version,
		ModelTask:   "Turn projected services into care-home beds, home-care hours a week, care workers (FTE) and cost, and the gap against today's supply.",
		ModelInput:  "Projected services; occupancy, hours per client, contracted hours and productive share (the scenario's assumptions); councils' unit costs and the PSS pay and prices index; CQC care home beds.",
		ModelOutput: "Beds, hours, FTE, bed gap and cost by council and year, in real or cash terms as the scenario states.",
		ModelArchitecture: "Arithmetic: beds = residents ÷ occupancy; hours = clients × hours per client; FTE = hours ÷ (contracted hours × productive share); " +
			"cost = volume × unit cost × price path.",
		ModelPerformance: Performance{Summary: "Not back-tested: it is arithmetic on the service projection and the scenario's assumptions, whose accuracy the service back-test measures."},
		Datasets:         pick(names, "unit_costs", "supply", "deprivation"),
		DatasetPurposes:  "unit_costs: cost per hour and per week; supply: care home beds for the bed gap; deprivation: context on the pages only.",
	}
}

// pick returns the names among want that names has, in want's order.
func pick(names []string, want ...string) []string {
	out := []string{}
	for _, w := range want {
		if slices.Contains(names, w) {
			out = append(out, w)
		}
	}
	return out
}

func dataSpecification(d DatasetCard) DataSpecification {
	q := fmt.Sprintf("%d rows in %d file(s)", d.Rows, len(d.Files))
	if d.YearFrom > 0 {
		q += fmt.Sprintf(", years %d-%d", d.YearFrom, d.YearTo)
	}
	if d.Areas > 0 {
		q += fmt.Sprintf(", %d areas", d.Areas)
	}
	var hashes []string
	for _, f := range d.Files {
		hashes = append(hashes, f.File+" "+f.ContentHash)
	}
	quirks := "Published statistics for areas, complete as published. " + strings.Join(d.Quirks, " ")
	return DataSpecification{
		SourceDataName: d.Name + ": " + d.Publisher, DataModality: "Tabular (canonical Parquet, one row per area, year and category)",
		DataDescription: d.Holds, DataQuantities: q,
		SensitiveAttributes:                   "None: aggregate published statistics about areas, with no personal data. Sex and age are only dimensions of counts and rates.",
		DataCompletenessAndRepresentativeness: strings.TrimSpace(quirks), SourceDataURL: d.SourceURL,
		DataCollection:        "Collected and published by " + d.Publisher + " (" + d.Edition + "); carecast collects no data.",
		DataCleaning:          d.Converter + ". Every file is validated when it is read (columns, types, ranges, duplicates, gaps, unknown areas).",
		DataSharingAgreements: "None needed: " + d.Licence + ". " + d.Attribution,
		DataAccessAndStorage:  "Embedded, read-only, in the carecast binary and built reproducibly by `carecast datasets build` (" + strings.Join(hashes, "; ") + "). Every run records the content hashes of the data it used.",
		DatasetCard:           d.Name,
	}
}

func risks(rep *backtest.Report, svc *backtest.ServiceReport) []Risk {
	var out []Risk
	if c := rep.Contest2018; c != nil && len(c.Scores) > 0 {
		ons := 0
		for _, s := range c.Scores {
			if lowest(s) == "ONS" {
				ons++
			}
		}
		out = append(out, Risk{
			Risk: fmt.Sprintf("Population projections less accurate than ONS's official projection: in the 2018 contest ONS's projection had the lowest error in %d of %d age bands and years.", ons, len(c.Scores)),
			Mitigation: "ONS's 2018-based subnational projection ships with carecast and a scenario can run on it (population source \"supplied\"); the back-tests and the model card are regenerated with every change, " +
				"and planners compare carecast with ONS's latest projection and local knowledge (housing plans, care home openings and closures)."})
	}
	if len(rep.Coverage) > 0 {
		out = append(out, Risk{
			Risk: "Ranges narrower than the real uncertainty: they rest on error models fitted on past back-tests (the population from 2011 to 2020, services in 2009-10 to 2013-14), " +
				"beyond 9 years they are an extrapolation, and a shock (a pandemic, a change in migration policy) can move every area at once.",
			Mitigation: "The back-test report gives the coverage of the 80% intervals out of sample (population_coverage, service_coverage); read the ranges as a lower bound on the uncertainty and run scenarios for shocks."})
	}
	if svc != nil {
		if all, ok := svc.Summary(backtest.ServiceKey("", "", 0)); ok {
			out = append(out, Risk{
				Risk:       fmt.Sprintf("Service use rates are held constant: in the back-test (2009-10 to 2013-14) the constant-rate projection had a bias of %s.", signed(all.Ours.Bias)),
				Mitigation: "Scenarios set service trends, shifts between services, admission avoidance and eligibility changes; councils can upload their own activity data."})
		}
	}
	out = append(out,
		Risk{Risk: "Old or mismatched data: service activity (SALT 2021-22), unit costs (2021-22) and care home beds (February 2021) predate the projection's base year; HSE's measure of needing help is not POPPI's.",
			Mitigation: "Every dataset has a card with its edition, years and quirks; every run records the datasets and their hashes; councils can upload more recent data of any kind, checked as the built-in data is."},
		Risk{Risk: "Illustrative unit costs for direct payments, day care and meals, which the data does not cost.",
			Mitigation: "They are labelled as illustrative in every run; a scenario can set the council's own costs."},
		Risk{Risk: "Small areas: percentage errors are largest for the smallest districts (the City of London above all).",
			Mitigation: "The model card lists the districts carecast missed most; read small areas' projections as indicative."},
		Risk{Risk: "Misuse for decisions about individuals, or over-reliance on one projection.",
			Mitigation: "carecast projects populations of areas and makes no statement about any person; it informs planning and takes no decision. Its outputs carry their ranges and provenance so that any number can be traced and reproduced."},
	)
	return out
}
