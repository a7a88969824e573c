package transparency

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast/backtest"
)

// The fields of the ATRS v3.0 template, as JSON paths of the record. Where they come from:
//
//   - The v3.0 template's own info page (GOV.UK's "Algorithmic Transparency Recording Standard
//     v3.0" spreadsheet template, "for browser"): a Metadata section, Tier 1 with one section
//     ("Overview") and Tier 2 with five ("Owner and Responsibility", "Description and
//     Rationale", then decision-making, tool specification and risks), and an optional
//     dataset card.
//   - Tier 1 (name, description, website URL, contact email) and Tier 2 section 1
//     (organisation, team, senior responsible owner): the Standard's published field list
//     (Algorithmic_transparency_data_standard.csv on assets.publishing.service.gov.uk); the
//     third party's fields (name, Companies House number, role, procurement procedure type,
//     terms of data access): the Standard's guidance page, fields 2.1.4 to 2.1.4.5.
//   - Sections 2 to 5 (2.1 detailed description … 5.2 risks and mitigations) and the model and
//     data specifications (4.2.x, 4.3.x): the field headings of the records published on
//     GOV.UK under v3.0. Of these, "Human decisions and review", "Appeals and review", "Model
//     performance", "Maintenance", "Impact assessment" and "Risks and mitigations" were checked
//     against a public audit that parses those records' headings; the rest are the published
//     headings as carecast's authors know them, not re-read from the template here.
//
// organisation and phase, sometimes listed with the overview, are the metadata's and Tier 2's
// fields (1.1 organisation, 4.1.2 phase), checked there.
var (
	metadataFields = []string{"metadata.title", "metadata.organisation", "metadata.function", "metadata.phase", "metadata.region"}
	tier1Fields    = []string{"tier_1.name", "tier_1.description", "tier_1.website_url", "tier_1.contact_email"}
	tier2Fields    = []string{
		// 1 - Owner and responsibility
		"tier_2.owner_and_responsibility.organisation",                              // 1.1
		"tier_2.owner_and_responsibility.team",                                      // 1.2
		"tier_2.owner_and_responsibility.senior_responsible_owner",                  // 1.3
		"tier_2.owner_and_responsibility.third_party_involvement",                   // 1.4
		"tier_2.owner_and_responsibility.third_party.third_party",                   // 1.4.1
		"tier_2.owner_and_responsibility.third_party.companies_house_number",        // 1.4.2
		"tier_2.owner_and_responsibility.third_party.third_party_role",              // 1.4.3
		"tier_2.owner_and_responsibility.third_party.procurement_procedure_type",    // 1.4.4
		"tier_2.owner_and_responsibility.third_party.third_party_data_access_terms", // 1.4.5
		// 2 - Description and rationale
		"tier_2.description_and_rationale.detailed_description",    // 2.1
		"tier_2.description_and_rationale.scope",                   // 2.2
		"tier_2.description_and_rationale.benefit",                 // 2.3
		"tier_2.description_and_rationale.previous_process",        // 2.4
		"tier_2.description_and_rationale.alternatives_considered", // 2.5
		// 3 - Decision-making process
		"tier_2.decision_making_process.process_integration",          // 3.1
		"tier_2.decision_making_process.provided_information",         // 3.2
		"tier_2.decision_making_process.frequency_and_scale_of_usage", // 3.3
		"tier_2.decision_making_process.human_decisions_and_review",   // 3.4
		"tier_2.decision_making_process.required_training",            // 3.5
		"tier_2.decision_making_process.appeals_and_review",           // 3.6
		// 4 - Tool specification
		"tier_2.tool_specification.system_architecture", // 4.1.1
		"tier_2.tool_specification.phase",               // 4.1.2
		"tier_2.tool_specification.maintenance",         // 4.1.3
		"tier_2.tool_specification.models",              // 4.1.4
		// 5 - Risks, mitigations and impact assessments
		"tier_2.risks_mitigations_and_impact_assessments.impact_assessment",     // 5.1
		"tier_2.risks_mitigations_and_impact_assessments.risks_and_mitigations", // 5.2
	}
	// Each model specification (4.2.x) and data specification (4.3.x) has these.
	modelFields = []string{"model_name", "model_version", "model_task", "model_input", "model_output", "model_architecture",
		"model_performance", "datasets", "dataset_purposes"}
	dataFields = []string{"source_data_name", "data_modality", "data_description", "data_quantities", "sensitive_attributes",
		"data_completeness_and_representativeness", "source_data_url", "data_collection", "data_cleaning",
		"data_sharing_agreements", "data_access_and_storage"}
)

// councilFields are the fields only the deploying council can fill: exactly these carry the
// marker.
var councilFields = []string{
	"metadata.organisation", "metadata.phase", "metadata.region",
	"tier_1.website_url", "tier_1.contact_email",
	"tier_2.owner_and_responsibility.organisation", "tier_2.owner_and_responsibility.team",
	"tier_2.owner_and_responsibility.senior_responsible_owner", "tier_2.owner_and_responsibility.third_party_involvement",
	"tier_2.owner_and_responsibility.third_party.third_party", "tier_2.owner_and_responsibility.third_party.companies_house_number",
	"tier_2.owner_and_responsibility.third_party.third_party_role", "tier_2.owner_and_responsibility.third_party.procurement_procedure_type",
	"tier_2.owner_and_responsibility.third_party.third_party_data_access_terms",
	"tier_2.description_and_rationale.previous_process", "tier_2.description_and_rationale.alternatives_considered",
	"tier_2.decision_making_process.process_integration", "tier_2.decision_making_process.frequency_and_scale_of_usage",
	"tier_2.decision_making_process.human_decisions_and_review", "tier_2.decision_making_process.required_training",
	"tier_2.decision_making_process.appeals_and_review",
	"tier_2.tool_specification.phase",
	"tier_2.risks_mitigations_and_impact_assessments.impact_assessment",
}

// fakeReports are small back-test reports: the 2016 contest on two districts, the 2018
// contest in two bands, and one council's home care.
func fakeReports() (*backtest.Report, *backtest.ServiceReport) {
	nan := math.NaN()
	row := func(area string, actual, fc, bench float64) backtest.Row {
		return backtest.Row{Backtest: backtest.Contest2016, Area: area, AreaName: "District " + area, Level: backtest.LevelDistrict,
			Measure: backtest.MeasurePopulation, Unit: "people", Sex: "all", AgeBand: "60+", Origin: 2016, Year: 2020, Horizon: 4,
			Actual: actual, Forecast: fc, Lo: nan, Hi: nan, IntervalLevel: nan, Benchmark: bench, BenchmarkName: "ONS 2016-based", Scale: 10}
	}
	rows := []backtest.Row{row("E06000001", 300, 303, 306), row("E06000002", 500, 495, 510)}
	rep := &backtest.Report{Rows: rows, Summaries: backtest.Summarize(rows, backtest.ByYear),
		Coverage: []backtest.PopulationCoverage{{AgeBand: "60+", N: 2, Ours: 0.5, OursOrigin: 0.5, Benchmark: nan}}}
	sc := func(mape float64) backtest.Scores {
		return backtest.Scores{N: 2, MAPE: mape, MedianAPE: mape / 2, P90APE: mape * 2, Bias: -mape / 3, MASE: mape / 4, Coverage: nan}
	}
	rep.Contest2018 = &backtest.Contest2018Result{BenchmarkName: "ONS 2018-based", Options: backtest.Contest2018Options, Scores: []backtest.ContestScore{
		{Year: 2020, AgeBand: "65+", Carecast: sc(0.5), ONS: sc(0.6), Same: sc(2)},
		{Year: 2022, AgeBand: "85+", Carecast: sc(5.4), ONS: sc(5.6), Same: sc(5)},
	}}
	srow := func(year int, actual, fc float64) backtest.Row {
		return backtest.Row{Backtest: backtest.ServicesBacktest, Area: "E06000001", AreaName: "Council", Level: backtest.LevelCouncil,
			Measure: backtest.MeasureHomeCare, Unit: backtest.UnitClients, Sex: "all", AgeBand: "65+", Origin: 2011, Year: year,
			Horizon: year - 2011, Actual: actual, Forecast: fc, Lo: fc * 0.9, Hi: fc * 1.1, IntervalLevel: 0.8,
			Benchmark: 1000, BenchmarkName: backtest.NaiveName, Scale: 50}
	}
	srows := []backtest.Row{srow(2012, 1000, 1050), srow(2013, 1100, 1080)}
	svc := &backtest.ServiceReport{Rows: srows, Summaries: backtest.Summarize(srows, func(r *backtest.Row) backtest.Key {
		return backtest.ServiceKey("", "", 0)
	})}
	return rep, svc
}

func fakeCards() []DatasetCard {
	return []DatasetCard{
		{Name: "population", Holds: "people", Publisher: "ONS", Edition: "mid-2022", Licence: "OGL v3", Attribution: "Contains public sector information",
			SourceURL: "https://www.ons.gov.uk/", DataYears: "2011-2022", YearFrom: 2011, YearTo: 2022, Rows: 10, Areas: 2, Sources: []string{"ONS"},
			Files: []DatasetFile{{File: "population.parquet", Bytes: 100, ContentHash: "sha256:ab", Rows: 10}}, Converter: "reshapes", Quirks: []string{"90 = 90+."},
			IntendedUse: "base populations"},
		{Name: "prevalence", Holds: "rates", Publisher: "NHS Digital", Edition: "HSE 2013", Licence: "OGL v3", Attribution: "Contains public sector information",
			SourceURL: "https://digital.nhs.uk/", DataYears: "2013", Rows: 3, Sources: []string{"HSE"},
			Files: []DatasetFile{{File: "prevalence.parquet", Bytes: 50, ContentHash: "sha256:cd", Rows: 3}}, Converter: "derives bands", IntendedUse: "need"},
		{Name: "service_activity", Holds: "clients", Publisher: "NHS Digital", Edition: "SALT 2021-22", Licence: "OGL v3", Attribution: "Contains public sector information",
			SourceURL: "https://digital.nhs.uk/", DataYears: "2021-22", YearFrom: 2021, YearTo: 2021, Rows: 4, Areas: 1, Sources: []string{"SALT"},
			Files: []DatasetFile{{File: "service_activity.parquet", Bytes: 60, ContentHash: "sha256:ef", Rows: 4}}, Converter: "maps codes", IntendedUse: "use rates"},
		{Name: "unit_costs", Holds: "costs", Publisher: "NHS Digital", Edition: "ASC-FR 2021-22", Licence: "OGL v3", Attribution: "Contains public sector information",
			SourceURL: "https://digital.nhs.uk/", DataYears: "2021-22", YearFrom: 2021, YearTo: 2021, Rows: 2, Areas: 1, Sources: []string{"ASC-FR"},
			Files: []DatasetFile{{File: "unit_costs.parquet", Bytes: 40, ContentHash: "sha256:01", Rows: 2}}, Converter: "fills gaps from the region", IntendedUse: "cost"},
	}
}

func build(t *testing.T) (*Record, map[string]any) {
	t.Helper()
	rep, svc := fakeReports()
	rec, err := Build(Inputs{Version: "v9.9.9", Population: rep, Services: svc, Datasets: fakeCards()})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) {
		t.Fatal("the record is not valid JSON")
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return rec, doc
}

// lookup returns the value at a dotted path of doc ("tier_2.tool_specification.phase").
func lookup(doc map[string]any, path string) (any, bool) {
	var v any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// filled reports whether v is a non-empty answer: a non-blank string, a non-empty array or
// object.
func filled(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v) != ""
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return v != nil
}

func TestRecordHasEveryFieldOfTheStandard(t *testing.T) {
	_, doc := build(t)
	if doc["standard"] != Standard || doc["standard_version"] != "3.0" || doc["tool"] != "carecast v9.9.9" {
		t.Errorf("standard %v, version %v, tool %v", doc["standard"], doc["standard_version"], doc["tool"])
	}
	for _, f := range slices.Concat(metadataFields, tier1Fields, tier2Fields) {
		if v, ok := lookup(doc, f); !ok || !filled(v) {
			t.Errorf("%s: missing or empty (%v)", f, v)
		}
	}
	ts, _ := lookup(doc, "tier_2.tool_specification")
	for _, sec := range []struct {
		key    string
		fields []string
		n      int
	}{{"model_specification", modelFields, 4}, {"data_specification", dataFields, 4}} {
		list, _ := ts.(map[string]any)[sec.key].([]any)
		if len(list) != sec.n {
			t.Errorf("%s: %d entries, want %d", sec.key, len(list), sec.n)
		}
		for i, e := range list {
			for _, f := range sec.fields {
				if v, ok := e.(map[string]any)[f]; !ok || !filled(v) {
					t.Errorf("%s[%d].%s: missing or empty", sec.key, i, f)
				}
			}
		}
	}
	models, _ := lookup(doc, "tier_2.tool_specification.models")
	if got := fmt.Sprint(models); got != "[population projection need service use capacity, workforce and cost]" {
		t.Errorf("models %s", got)
	}
	cards, _ := doc["dataset_cards"].([]any)
	if len(cards) != 4 {
		t.Fatalf("%d dataset cards, want 4", len(cards))
	}
	for i, c := range cards {
		for _, f := range []string{"name", "holds", "publisher", "edition", "licence", "attribution", "source_url", "data_years", "files", "converter", "intended_use"} {
			if v := c.(map[string]any)[f]; !filled(v) {
				t.Errorf("dataset_cards[%d].%s: empty", i, f)
			}
		}
	}
}

// markers walks doc as JSON and returns the paths whose value is the marker, sorted.
func markers(doc map[string]any) []string {
	var out []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case string:
			if v == ToBeCompleted {
				out = append(out, path)
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		case map[string]any:
			for k, e := range v {
				if path == "" && (k == "to_be_completed" || k == "completion_notes") {
					continue
				}
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(p, e)
			}
		}
	}
	walk("", doc)
	slices.Sort(out)
	return out
}

// TestToBeCompleted checks that the list of fields left for the council is exactly the fields
// that carry the marker, in the JSON itself, and that they are the council's fields above:
// filling one in the code, or leaving another, fails until the list here says so.
func TestToBeCompleted(t *testing.T) {
	rec, doc := build(t)
	listed := slices.Clone(rec.ToBeCompleted)
	slices.Sort(listed)
	if got := markers(doc); !slices.Equal(got, listed) {
		t.Errorf("fields with the marker %v\nto_be_completed %v", got, listed)
	}
	want := slices.Clone(councilFields)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("to_be_completed %v\nwant the council's fields %v", listed, want)
	}
	if len(slices.Compact(slices.Clone(listed))) != len(listed) {
		t.Error("to_be_completed repeats a field")
	}
	// In document order, as LeftToComplete promises.
	if rec.ToBeCompleted[0] != "metadata.organisation" || rec.ToBeCompleted[len(rec.ToBeCompleted)-1] != "tier_2.risks_mitigations_and_impact_assessments.impact_assessment" {
		t.Errorf("order: %v", rec.ToBeCompleted)
	}
	for _, n := range rec.CompletionNotes {
		if !slices.Contains(rec.ToBeCompleted, n.Field) || n.Note == "" {
			t.Errorf("completion note for %q, which is not left or has no note", n.Field)
		}
	}
	for f := range completionNotes {
		if !slices.Contains(rec.ToBeCompleted, f) {
			t.Errorf("a completion note for %s, which carecast fills", f)
		}
	}
}

// TestBacktestNumbers checks that the model performance carries the reports' scores exactly,
// the 2018 contest first, and that the prose quotes them.
func TestBacktestNumbers(t *testing.T) {
	rep, svc := fakeReports()
	rec, _ := build(t)
	pop := rec.Tier2.ToolSpecification.ModelSpecification[0]
	k := pop.ModelPerformance.Contest2018
	if k == nil || len(k.Scores) != len(rep.Contest2018.Scores) || k.Benchmark != "ONS 2018-based" || k.Origin != 2018 {
		t.Fatalf("contest_2018: %+v", k)
	}
	eq := func(name string, got Scores, want backtest.Scores) {
		t.Helper()
		ptr := func(p *float64, v float64) bool {
			return p == nil && math.IsNaN(v) || p != nil && *p == v
		}
		if got.N != want.N || !ptr(got.MAPE, want.MAPE) || !ptr(got.MedianAPE, want.MedianAPE) || !ptr(got.P90APE, want.P90APE) ||
			!ptr(got.Bias, want.Bias) || !ptr(got.MASE, want.MASE) || !ptr(got.Coverage, want.Coverage) {
			t.Errorf("%s: %+v, the report %+v", name, got, want)
		}
	}
	for i, s := range k.Scores {
		w := rep.Contest2018.Scores[i]
		if s.Year != w.Year || s.AgeBand != w.AgeBand {
			t.Errorf("score %d: %d %s, the report %d %s", i, s.Year, s.AgeBand, w.Year, w.AgeBand)
		}
		eq("carecast", s.Carecast, w.Carecast)
		eq("ONS", s.ONS, w.ONS)
		eq("no change", s.NoChange, w.Same)
	}
	if k.Scores[0].Lowest != "carecast" || k.Scores[1].Lowest != "no change" {
		t.Errorf("lowest: %s, %s", k.Scores[0].Lowest, k.Scores[1].Lowest)
	}
	head, _ := rep.Summary(backtest.Headline)
	eq("2016 carecast", pop.ModelPerformance.Contest2016.Carecast, head.Ours)
	eq("2016 ONS", pop.ModelPerformance.Contest2016.Benchmark, head.Benchmark)
	all, _ := svc.Summary(backtest.ServiceKey("", "", 0))
	eq("services", rec.Tier2.ToolSpecification.ModelSpecification[2].ModelPerformance.Services.Carecast, all.Ours)
	sum := pop.ModelPerformance.Summary
	if !strings.HasPrefix(sum, "Back-tested against what happened. The main contest projects every district from mid-2018") ||
		!strings.Contains(sum, "65+ in 2020 0.50% / 0.60% / 2.00%") || !strings.Contains(sum, "lowest error in 1 of 2") {
		t.Errorf("summary: %s", sum)
	}
}

func TestBuildRefuses(t *testing.T) {
	rep, svc := fakeReports()
	for name, in := range map[string]Inputs{
		"no report":   {Services: svc, Datasets: fakeCards()},
		"no headline": {Population: &backtest.Report{}, Datasets: fakeCards()},
		"no cards":    {Population: rep, Services: svc},
	} {
		if _, err := Build(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Without the 2018 contest or the service back-test the record says so.
	bare := *rep
	bare.Contest2018 = nil
	rec, err := Build(Inputs{Population: &bare, Datasets: fakeCards()})
	if err != nil {
		t.Fatal(err)
	}
	ms := rec.Tier2.ToolSpecification.ModelSpecification
	if rec.Tool != "carecast dev" || ms[0].ModelPerformance.Contest2018 != nil || ms[2].ModelPerformance.Services != nil ||
		!strings.Contains(ms[0].ModelPerformance.Summary, "not run") || !strings.Contains(ms[2].ModelPerformance.Summary, "no service activity") {
		t.Errorf("without the 2018 contest and services: %s; %s", ms[0].ModelPerformance.Summary, ms[2].ModelPerformance.Summary)
	}
}

// TestBuildLeavesInputs checks that Build does not modify its inputs and gives the same record
// for the same inputs.
func TestBuildLeavesInputs(t *testing.T) {
	rep, svc := fakeReports()
	cards := fakeCards()
	before := fakeCards()
	a, err := Build(Inputs{Population: rep, Services: svc, Datasets: cards})
	if err != nil {
		t.Fatal(err)
	}
	a.DatasetCards[0].Name = "changed"
	b, _ := Build(Inputs{Population: rep, Services: svc, Datasets: cards})
	if !reflect.DeepEqual(cards, before) || b.DatasetCards[0].Name != "population" {
		t.Error("Build shares or modifies its dataset cards")
	}
}
