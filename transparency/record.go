package transparency

// Standard, StandardVersion and ToBeCompleted: the standard the record follows, its version,
// and the value of every field that only the deploying council can fill.
const (
	Standard        = "Algorithmic Transparency Recording Standard"
	StandardVersion = "3.0"
	ToBeCompleted   = "TO BE COMPLETED BY THE DEPLOYING COUNCIL"
)

// Record is an ATRS v3.0 record of carecast. String fields hold the answer, or ToBeCompleted;
// ToBeCompleted lists the JSON paths of those left (in document order) and CompletionNotes
// says what carecast can tell the council about some of them.
type Record struct {
	Standard        string           `json:"standard" example:"Algorithmic Transparency Recording Standard"`
	StandardVersion string           `json:"standard_version" example:"3.0"`
	Tool            string           `json:"tool" doc:"The software and version the record describes, e.g. carecast v1.2.0."`
	Metadata        Metadata         `json:"metadata"`
	Tier1           Tier1            `json:"tier_1" doc:"Tier 1: an overview of the tool for the general public."`
	Tier2           Tier2            `json:"tier_2" doc:"Tier 2: detailed information for interested parties, in the standard's five sections."`
	DatasetCards    []DatasetCard    `json:"dataset_cards" doc:"The standard's optional dataset cards: one per built-in dataset."`
	ToBeCompleted   []string         `json:"to_be_completed" doc:"The JSON paths of every field whose value is \"TO BE COMPLETED BY THE DEPLOYING COUNCIL\", in document order."`
	CompletionNotes []CompletionNote `json:"completion_notes" doc:"What carecast can tell the council about some of the fields it leaves."`
}

// CompletionNote is carecast's help with one field left for the council.
type CompletionNote struct {
	Field string `json:"field" doc:"A JSON path listed in to_be_completed."`
	Note  string `json:"note"`
}

// Metadata is the record's metadata and title information, used to file and display it.
type Metadata struct {
	Title        string `json:"title"`
	Organisation string `json:"organisation"`
	Function     string `json:"function" doc:"The area of public service the tool is used in."`
	Phase        string `json:"phase" doc:"Pre-deployment, beta/pilot, production or retired."`
	Region       string `json:"region" doc:"The geographic region where the tool is used."`
}

// Tier1 is the overview for the general public.
type Tier1 struct {
	Name         string `json:"name"`
	Description  string `json:"description"`
	WebsiteURL   string `json:"website_url"`
	ContactEmail string `json:"contact_email"`
}

// Tier2 is the detailed information, in the standard's five sections.
type Tier2 struct {
	OwnerAndResponsibility               OwnerAndResponsibility  `json:"owner_and_responsibility" doc:"Section 1: accountability for the tool's development and deployment."`
	DescriptionAndRationale              DescriptionAndRationale `json:"description_and_rationale" doc:"Section 2: the tool in detail, its scope and the case for using it."`
	DecisionMakingProcess                DecisionMakingProcess   `json:"decision_making_process" doc:"Section 3: how the tool enters decisions."`
	ToolSpecification                    ToolSpecification       `json:"tool_specification" doc:"Section 4: the system, its models and its data."`
	RisksMitigationsAndImpactAssessments RisksAndImpacts         `json:"risks_mitigations_and_impact_assessments" doc:"Section 5: impact assessments, risks and their mitigations."`
}

// OwnerAndResponsibility is Tier 2 section 1.
type OwnerAndResponsibility struct {
	Organisation           string     `json:"organisation"`
	Team                   string     `json:"team"`
	SeniorResponsibleOwner string     `json:"senior_responsible_owner"`
	ThirdPartyInvolvement  string     `json:"third_party_involvement" doc:"Whether a third party developed or runs the tool for the council."`
	ThirdParty             ThirdParty `json:"third_party"`
}

// ThirdParty is a supplier of the tool (Tier 2, 1.4.x).
type ThirdParty struct {
	ThirdParty                string `json:"third_party"`
	CompaniesHouseNumber      string `json:"companies_house_number"`
	ThirdPartyRole            string `json:"third_party_role"`
	ProcurementProcedureType  string `json:"procurement_procedure_type"`
	ThirdPartyDataAccessTerms string `json:"third_party_data_access_terms"`
}

// DescriptionAndRationale is Tier 2 section 2.
type DescriptionAndRationale struct {
	DetailedDescription    string `json:"detailed_description"`
	Scope                  string `json:"scope"`
	Benefit                string `json:"benefit"`
	PreviousProcess        string `json:"previous_process"`
	AlternativesConsidered string `json:"alternatives_considered"`
}

// DecisionMakingProcess is Tier 2 section 3.
type DecisionMakingProcess struct {
	ProcessIntegration       string `json:"process_integration"`
	ProvidedInformation      string `json:"provided_information"`
	FrequencyAndScaleOfUsage string `json:"frequency_and_scale_of_usage"`
	HumanDecisionsAndReview  string `json:"human_decisions_and_review"`
	RequiredTraining         string `json:"required_training"`
	AppealsAndReview         string `json:"appeals_and_review"`
}

// ToolSpecification is Tier 2 section 4: the system (4.1), a model specification per model
// (4.2) and a data specification per dataset (4.3).
type ToolSpecification struct {
	SystemArchitecture string               `json:"system_architecture"`
	Phase              string               `json:"phase"`
	Maintenance        string               `json:"maintenance"`
	Models             []string             `json:"models" doc:"The models of the tool; each has a model specification."`
	ModelSpecification []ModelSpecification `json:"model_specification"`
	DataSpecification  []DataSpecification  `json:"data_specification"`
}

// ModelSpecification describes one model (Tier 2, 4.2.x).
type ModelSpecification struct {
	ModelName         string      `json:"model_name"`
	ModelVersion      string      `json:"model_version"`
	ModelTask         string      `json:"model_task"`
	ModelInput        string      `json:"model_input"`
	ModelOutput       string      `json:"model_output"`
	ModelArchitecture string      `json:"model_architecture"`
	ModelPerformance  Performance `json:"model_performance"`
	Datasets          []string    `json:"datasets" doc:"The names of the dataset cards the model reads."`
	DatasetPurposes   string      `json:"dataset_purposes"`
}

// Performance is a model's accuracy: a summary in words and, for the back-tested models, the
// back-tests' scores (every number as the back-test report has it; percentages are of the
// outturn).
type Performance struct {
	Summary     string       `json:"summary"`
	Contest2018 *Contest2018 `json:"contest_2018,omitempty" doc:"The main contest: districts' people by age band in 2020 and 2022 from what was known in 2018."`
	Contest2016 *Scored      `json:"contest_2016,omitempty" doc:"People 60+ in 2020 in districts, from what was known in 2016."`
	Services    *Scored      `json:"services,omitempty" doc:"Councils' service use from rolling origins, every service and horizon pooled."`
}

// Contest2018 is the 2018-origin population contest (backtest.Contest2018Result).
type Contest2018 struct {
	Backtest  string         `json:"backtest" example:"population-2018"`
	Origin    int            `json:"origin"`
	Benchmark string         `json:"benchmark" doc:"ONS's projection carecast is scored against."`
	Method    string         `json:"method"`
	Scores    []ContestScore `json:"scores"`
}

// ContestScore is one year and age band of the 2018 contest.
type ContestScore struct {
	Year     int    `json:"year"`
	AgeBand  string `json:"age_band"`
	Carecast Scores `json:"carecast"`
	ONS      Scores `json:"ons"`
	NoChange Scores `json:"no_change"`
	Lowest   string `json:"lowest_mape" enum:"carecast,ONS,no change" doc:"The forecast with the lowest MAPE."`
}

// Scored is carecast's scores and a benchmark's on the same forecasts.
type Scored struct {
	Backtest      string `json:"backtest"`
	Description   string `json:"description"`
	Carecast      Scores `json:"carecast"`
	BenchmarkName string `json:"benchmark_name"`
	Benchmark     Scores `json:"benchmark"`
}

// Scores are the accuracy of a group of forecasts (backtest.Scores); null where the back-test
// could not compute one.
type Scores struct {
	N         int      `json:"n" doc:"Forecasts scored."`
	MAPE      *float64 `json:"mape" doc:"Mean absolute percentage error, percent."`
	MedianAPE *float64 `json:"median_ape" doc:"Median absolute percentage error, percent."`
	P90APE    *float64 `json:"p90_ape" doc:"90th percentile of the absolute percentage errors, percent."`
	Bias      *float64 `json:"bias" doc:"Mean percentage error, percent: positive when forecasts were too high."`
	MASE      *float64 `json:"mase" doc:"Mean absolute scaled error."`
	Coverage  *float64 `json:"coverage" doc:"Share (0..1) of the 80% intervals that held the outturn."`
}

// DataSpecification describes one dataset (Tier 2, 4.3.x); its dataset card has the rest.
type DataSpecification struct {
	SourceDataName                        string `json:"source_data_name"`
	DataModality                          string `json:"data_modality"`
	DataDescription                       string `json:"data_description"`
	DataQuantities                        string `json:"data_quantities"`
	SensitiveAttributes                   string `json:"sensitive_attributes"`
	DataCompletenessAndRepresentativeness string `json:"data_completeness_and_representativeness"`
	SourceDataURL                         string `json:"source_data_url"`
	DataCollection                        string `json:"data_collection"`
	DataCleaning                          string `json:"data_cleaning"`
	DataSharingAgreements                 string `json:"data_sharing_agreements"`
	DataAccessAndStorage                  string `json:"data_access_and_storage"`
	DatasetCard                           string `json:"dataset_card" doc:"The name of its card in dataset_cards (also served at /v1/datasets/cards/{name})."`
}

// RisksAndImpacts is Tier 2 section 5.
type RisksAndImpacts struct {
	ImpactAssessment    string `json:"impact_assessment" doc:"The council's impact assessments (data protection, equality…): name, description, date and link of each."`
	RisksAndMitigations []Risk `json:"risks_and_mitigations"`
}

// Risk is one risk of using the tool and how it is mitigated.
type Risk struct {
	Risk       string `json:"risk"`
	Mitigation string `json:"mitigation"`
}

// DatasetCard describes one built-in dataset: what it holds, who published it, its licence,
// years and size, what carecast's converter did to it, its quirks and what it is for. Rows,
// years, areas, sources and files come from the data itself; the rest from the repository's
// provenance (datasets/defaultdata.Provenance).
type DatasetCard struct {
	Name        string        `json:"name" example:"population" doc:"The canonical kind, or projections."`
	Holds       string        `json:"holds" doc:"What the dataset holds."`
	Publisher   string        `json:"publisher"`
	Edition     string        `json:"edition"`
	Licence     string        `json:"licence"`
	Attribution string        `json:"attribution"`
	SourceURL   string        `json:"source_url"`
	DataYears   string        `json:"data_years" doc:"The years covered, in words."`
	YearFrom    int           `json:"year_from,omitempty" doc:"The first year in the rows (absent when the rows have no year)."`
	YearTo      int           `json:"year_to,omitempty"`
	Rows        int64         `json:"rows" doc:"Rows in its files."`
	Areas       int           `json:"areas" doc:"Distinct areas in its rows (0: not by area, or not counted)."`
	Sources     []string      `json:"sources" doc:"The publications its rows' source column names."`
	Files       []DatasetFile `json:"files"`
	Converter   string        `json:"converter" doc:"What carecast's converter (carecast datasets build) did to the raw files."`
	Quirks      []string      `json:"quirks" doc:"Known quirks and limitations."`
	IntendedUse string        `json:"intended_use"`
}

// DatasetFile is one file of a dataset card.
type DatasetFile struct {
	File        string `json:"file" example:"population.parquet"`
	Bytes       int64  `json:"bytes"`
	ContentHash string `json:"content_hash" doc:"sha256: and the hex SHA-256 of the file."`
	Rows        int64  `json:"rows"`
}
