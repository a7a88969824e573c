package transparency

// The record's prose: what carecast can say about itself whoever deploys it. Numbers are never
// written here; they come from the back-test reports (build.go).

const tier1Description = "carecast projects how many people in an English council's area will need adult social care over the next 25 years, " +
	"which services they will use (care homes, home care, direct payments, day care, meals), the care-home beds, home-care hours and care workers that takes, " +
	"and what it will cost, under scenarios that planners set, with ranges. It uses only published statistics about areas, no information about any person, " +
	"and it informs planning and commissioning: it makes no decision about anyone."

const detailedDescription = "carecast is a model chain with an API, a command line and web pages. " +
	"(1) Population: each of the 296 districts of April 2023 is projected by sex and single year of age from its mid-year estimate with a cohort-component model on ONS's " +
	"2018-based national assumptions, adjusted to the district's own history; or a supplied projection (ONS's 2018-based subnational projection or a variant) is used. " +
	"(2) Need: prevalence rates by sex and age band (CFAS II dementia; Health Survey for England needs for help with daily living) turn population into people in need. " +
	"(3) Services: each council's own use rates (SALT 2021-22 long-term support clients; PSS-EX1 for day care and meals) turn need and population into clients and hours. " +
	"(4) Capacity and workforce: occupancy, hours per client and staffing assumptions turn services into beds, home-care hours and FTE care workers, and the bed gap against CQC's care home beds. " +
	"(5) Cost: unit costs (ASC-FR 2021-22) and the PSS pay and prices index turn volumes into money. " +
	"(6) Drivers: the change from the base year is split into demography, prevalence trend and each policy lever. " +
	"Districts add up exactly to councils, regions and England. Scenarios set levers (prevalence trends, compression of morbidity, mortality, migration, new homes, service trends, " +
	"shifting residential care to home care, admission avoidance, eligibility, unit-cost growth), each with a value or an 80% interval, a start and end year and a time profile. " +
	"Ranges come from Monte Carlo draws of the rates within their published intervals, of the levers within theirs, and of error models fitted on carecast's own back-tests. " +
	"Every run records the scenario version, the content hashes of the datasets, the software version and the seed, so any number can be reproduced bit for bit."

const scope = "In scope: planning for the populations of areas in England (joint strategic needs assessments, market position statements, commissioning, workforce and budget planning) " +
	"for the 153 councils with adult social services responsibilities and their 296 districts, from the base year to 25 years ahead. " +
	"Out of scope: any decision about a person (eligibility, assessments, care packages, charging); areas outside England; operational forecasting over days or weeks."

const benefit = "One transparent, reproducible chain from population to need, services, capacity, workforce and cost, where councils otherwise combine national prevalence tables " +
	"with spreadsheets: scenarios with time profiles, honest ranges, back-tests against what happened (published with every release), every number by area, year, age band and sex " +
	"in open formats, and the same numbers from the API, the command line, the web pages and notebooks."

const providedInformation = "Projections as one tidy table (scenario, run, area, year, measure, unit, sex, age band, mean, p10, p50, p90) in JSON, CSV, Parquet, Arrow or Excel, " +
	"with charts (fan charts, population pyramids, service mix, driver waterfalls) and side-by-side scenario comparison; each run's provenance (datasets and their hashes, " +
	"scenario version, software version, seed); the back-test report (GET /v1/backtest) and the model card. Exports can round to the nearest 5 and suppress small counts."

const systemArchitecture = "One Go program (carecast): a model engine (package forecast: population, need, services, capacity, cost, uncertainty, time series, back-tests) " +
	"with no network, storage or file-format code; package datasets reads and validates the canonical Parquet datasets; package service runs scenarios through one path for every face; " +
	"an HTTP API (Huma v2, OpenAPI 3.1 at /openapi.json) and planner web pages served by the same binary; a command line. Scenarios, runs, uploads and API keys are kept in an embedded " +
	"SQLite database (or PostgreSQL past one machine) and run results in Parquet files, under one data directory. The default data ships inside the binary. " +
	"The server binds to loopback by default and refuses to serve on another address without API keys; keys carry a role and an organisation, which sees only its own scenarios, runs and uploads."

const maintenance = "Each release re-runs the back-tests and regenerates the model card from them (a test fails when docs/model-card.md is out of date), so a change to the method or the data " +
	"that changes its accuracy cannot land unseen. The default data is rebuilt reproducibly from the published files (`carecast datasets build`, byte-identical output) when new editions are added. " +
	"This record is generated from the same code (`carecast transparency`, GET /v1/transparency) and changes with it. The deploying council sets its own review schedule."

// completionNotes are carecast's help with fields it leaves for the council, by JSON path.
var completionNotes = map[string]string{
	"metadata.phase":     "One of pre-deployment, beta/pilot, production or retired: the council's use, not carecast's release.",
	"metadata.region":    "The council's region in England; carecast covers every English council.",
	"tier_1.website_url": "A council page about its use of carecast; the OpenAPI document (/openapi.json) and this record (/v1/transparency) can be linked from it.",
	"tier_2.owner_and_responsibility.third_party_involvement": "carecast is software the council runs itself; say whether a supplier installs, hosts or runs it, " +
		"and fill third_party for that supplier. carecast sends no data to anyone; the built-in data is published open data.",
	"tier_2.description_and_rationale.previous_process": "For example national prevalence tables (POPPI/PANSI) times ONS projections, or the council's own spreadsheet model.",
	"tier_2.description_and_rationale.alternatives_considered": "Alternatives councils use: POPPI/PANSI (national rates × ONS projections, no scenarios or ranges), their own Excel models, " +
		"academic models (the LSE/CPEC model, the Strategy Unit's demand models).",
	"tier_2.decision_making_process.process_integration": "Which plans and decisions carecast's projections inform (JSNA, market position statement, commissioning, budget), " +
		"alongside which other evidence.",
	"tier_2.decision_making_process.frequency_and_scale_of_usage": "How often the council runs scenarios and for which areas; carecast projects one council or all 153.",
	"tier_2.decision_making_process.human_decisions_and_review": "carecast takes no decision: planners and commissioners read its projections with ONS's projections and local " +
		"intelligence and answer for the decisions they make; describe who reviews the projections before they are used.",
	"tier_2.decision_making_process.required_training":  "Users should be able to read ranges and back-test scores: the model card (docs/model-card.md) explains both.",
	"tier_2.decision_making_process.appeals_and_review": "carecast makes no decision about individuals; say how residents and providers can question the plans that use it.",
	"tier_2.risks_mitigations_and_impact_assessments.impact_assessment": "The council's data protection and equality impact assessments, if any: name, description, date and link. " +
		"carecast processes no personal data.",
}
