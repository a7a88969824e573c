package defaultdata

import (
	"slices"

	"github.com/carecast/carecast/datasets"
)

// OGL is the licence of every built-in dataset, and OGLAttribution the attribution it asks
// for.
const (
	OGL            = "Open Government Licence v3.0 (https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/)"
	OGLAttribution = "Contains public sector information licensed under the Open Government Licence v3.0."
)

// Projections names the card of the supplied projections: every file under
// datasets.ProjectionsDir, population rows of one variant each.
const Projections = "projections"

// Provenance is what the repository knows about one built-in dataset beyond its rows: who
// published it, which edition, under what licence, what the converter (package convert) did
// to it, its known quirks and what it is for. The rows, years, areas and content hashes come
// from the data itself (see service.Carecast.DatasetCards); Provenance holds only what the
// files cannot say. It is written from datasets/README.md and the converter's comments, and
// TestEveryFileHasProvenance fails when a built-in file has none.
type Provenance struct {
	Name        string   // the kind (datasets.Kind), or Projections
	Files       string   // the file, or glob, inside FS(): "population.parquet", "projections/*.parquet"
	Holds       string   // what it holds
	Publisher   string   // who published the figures
	Edition     string   // which edition or release
	Licence     string   // OGL unless the entry says otherwise (topic_rates: facts from several studies)
	Attribution string   // the attribution the licence asks for
	SourceURL   string   // the publisher's page (../shared/data/PROVENANCE.md names each raw file)
	DataYears   string   // the years it covers, in words
	Converter   string   // what `carecast datasets build` does to the raw files
	Quirks      []string // known quirks and limitations
	IntendedUse string   // what carecast uses it for
}

const (
	onsURL     = "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationprojections"
	onsMYEURL  = "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates"
	ascfrURL   = "https://digital.nhs.uk/data-and-information/publications/statistical/adult-social-care-activity-and-finance-report/2021-22"
	nhsdURL    = "https://digital.nhs.uk/data-and-information/publications/statistical"
	cqcURL     = "https://www.cqc.org.uk/"
	imdURL     = "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019"
	geoURL     = "https://geoportal.statistics.gov.uk/"
	npp2018    = "ONS 2018-based national population projections (principal), published 21 October 2019"
	npp2018Use = "The national assumptions of the cohort-component projection"
)

var provenances = []Provenance{
	{Name: string(datasets.KindAreas), Files: "areas.parquet",
		Holds:     "England, its 9 regions, 21 counties and 296 districts and unitaries of April 2023 (153 councils with adult social services responsibilities), and the 48 areas that ended in 2019-2023, each linked to its successor",
		Publisher: "Office for National Statistics (codes and names; Open Geography lookups); successors from the Structural Changes Orders 2018-2022",
		Edition:   "ONS mid-2022 estimates (April 2023 geography); LAD18→RGN18 and LTLA18/22→UTLA18/22 lookups",
		SourceURL: geoURL, DataYears: "geography in force in April 2023, with areas valid since 2011",
		Converter: "joins the lookups into one hierarchy (district → county → region → England) with valid_from/valid_to and successor codes; no area is guessed",
		Quirks: []string{"The 2023 reorganisation (Cumberland, Westmorland and Furness, North Yorkshire, Somerset) post-dates most of the data: older figures map to the new councils by whole-area sums or are apportioned, and are labelled so.",
			"Somerset West and Taunton, created in 2019, merged again into Somerset in 2023."},
		IntendedUse: "The geography every other dataset is checked against; roll-ups district → council → region → England"},
	{Name: string(datasets.KindPopulation), Files: "population.parquet",
		Holds:     "Population estimates by single year of age (0-90+) and sex for every district in 2011, 2018, 2020, 2021 and 2022; Sheffield 2001-2020; Trafford 2023-2024; England's 2018-based national projection 2018-2118; 2016-based subnational projections for three districts",
		Publisher: "Office for National Statistics",
		Edition:   "mid-year estimates (mid-2011 Nomis NM_2002_1; mid-2020 on 2021 geography; mid-2021 and mid-2022 Census 2021 based, MYE2 published 26 March 2024); NPP 2018; SNPP 2016",
		SourceURL: onsMYEURL, DataYears: "estimates 2001-2024 (mostly 2011, 2018, 2020-2022); projections 2016-2118",
		Converter: "reshapes each release to one long table; sums the areas created since a year's boundaries from their predecessors (labelled in source); reads the republished mid-2021 file with its own sex coding (1 = female)",
		Quirks: []string{"90 = 90 and over (an open band).", "Mid-2020 and earlier are the pre-Census-2021 series; mid-2021 onwards are Census 2021 based.",
			"The republished mid-2021 estimates code sex 1 = female, 2 = male; the build fails if any estimate year has more men than women aged 85+."},
		IntendedUse: "Base populations of the projection and outturn for the back-tests"},
	{Name: Projections, Files: datasets.ProjectionsDir + "/*.parquet",
		Holds:     "2018-based subnational population projections 2018-2043 by single year of age (0-90+) and sex for every district, unitary and London borough of April 2023 and England: ONS's principal and ten variants",
		Publisher: "Office for National Statistics (principal); the ten variants are The Strategy Unit's derivations from it with the national projection's variant assumptions, not ONS products",
		Edition:   "ONS SNPP 2018, published 24 March 2020, as republished by The Strategy Unit (aging_pop_web_app)",
		SourceURL: onsURL, DataYears: "2018-2043",
		Converter: "reshapes each variant's wide file (age_0 … age_90plus) to long rows for the areas of April 2023 and England, one file per variant; " +
			"carecast reads the principal with the data and each variant on first use",
		Quirks: []string{"Counties are left out: the engine sums their districts.", "The variants (high/low fertility, life expectancy, migration, population; young/old age structure) are not ONS products and every page and export names them so.",
			"Projections on 2018 assumptions do not know of COVID-19 or of the Census 2021 revisions."},
		IntendedUse: "Supplied population projections (population source \"supplied\") and the benchmark of the 2018 contest"},
	{Name: string(datasets.KindPopulationOldest), Files: "population_oldest.parquet",
		Holds: "England's projected population by sex at single years 90-105+", Publisher: "Office for National Statistics", Edition: npp2018,
		SourceURL: onsURL, DataYears: "2018-2118",
		Converter:   "keeps ages 90-104 and folds 105-109 and 110+ into 105+",
		Quirks:      []string{"England only: every area's 90+ is split with the nation's structure."},
		IntendedUse: "Splitting the open 90+ band inside the projection and collapsing it back"},
	{Name: string(datasets.KindPopulationTotals), Files: "population_totals.parquet",
		Holds:     "All-age population totals 2001-2020 for every English area (2021 geography; the councils of April 2023 summed from their predecessors) and ONS's 2016-based projections of people 60-90+ by single year, persons, for 326 districts on 2016 boundaries",
		Publisher: "Office for National Statistics", Edition: "MYE4 time series (mid-2020 on 2021 geography, published 25 June 2021); SNPP 2016 principal",
		SourceURL: onsMYEURL, DataYears: "2001-2020 (totals); 2016-2041 (projections)",
		Converter: "reshapes the wide series to long rows; strips the trailing non-breaking space two codes carry",
		Quirks: []string{"The pre-Census-2021 series, later revised by ONS.",
			"The 2016-based projection is on 2016 districts; the back-tests sum merged districts to their successors."},
		IntendedUse: "Calibrating districts' growth and back-testing (the contest's benchmark)"},
	{Name: string(datasets.KindMortality), Files: "mortality.parquet",
		Holds: "England's probabilities of death (qx, and qbirth for babies born in the year) by sex and age 0-125", Publisher: "Office for National Statistics",
		Edition: npp2018 + ", principal mortality assumptions", SourceURL: onsURL, DataYears: "2018-2117",
		Converter:   "converts the published rates per 100,000 to rates per person",
		Quirks:      []string{"National rates only: areas get national rates scaled to their own history."},
		IntendedUse: npp2018Use},
	{Name: string(datasets.KindFertility), Files: "fertility.parquet",
		Holds: "England's births per woman by age of mother 15-46", Publisher: "Office for National Statistics",
		Edition: npp2018 + ", principal fertility assumptions", SourceURL: onsURL, DataYears: "2018-2117",
		Converter:   "converts the published rates per 1,000 women to births per woman",
		Quirks:      []string{"National rates only: areas are calibrated with their child-woman ratios."},
		IntendedUse: npp2018Use},
	{Name: string(datasets.KindMigration), Files: "migration.parquet",
		Holds: "England's total migration (in, out, net) by sex and age 0-105+", Publisher: "Office for National Statistics",
		Edition: npp2018 + ", total migration", SourceURL: onsURL, DataYears: "2018-2117",
		Converter:   "reshapes the flows to long rows",
		Quirks:      []string{"International and cross-border migration together; no internal migration between English areas."},
		IntendedUse: npp2018Use},
	{Name: string(datasets.KindLifeExpectancy), Files: "life_expectancy.parquet",
		Holds: "England's period and cohort expectation of life by sex and age", Publisher: "Office for National Statistics",
		Edition: npp2018 + ", expectation of life", SourceURL: onsURL, DataYears: "1981-2068",
		Converter:   "reshapes the table to long rows",
		Quirks:      []string{"Past years are ONS's estimates, later years its projection."},
		IntendedUse: "Moving death rates along past life expectancy in the back-tests; compression of morbidity"},
	{Name: string(datasets.KindPrevalence), Files: "prevalence.parquet",
		Holds:     "Prevalence rates by sex and age band: dementia (with 95% intervals); needing help with activities of daily living (ADLs) and instrumental ones (IADLs), help received and some unmet need",
		Publisher: "NHS Digital (Health Survey for England); CFAS II reference rates (Matthews et al., Lancet 2013) as republished by Birmingham City Council Public Health",
		Edition:   "Health Survey for England 2013, 2014, 2016 and 2021; CFAS II",
		SourceURL: nhsdURL, DataYears: "evidence years 2011-2021",
		Converter: "derives the 65+ bands the survey does not publish so that their population-weighted mean equals the published 65+ rate (labelled in source); splits help received and unmet need into the need's age bands assuming the same share at every age (labelled)",
		Quirks: []string{"HSE's \"needs help with at least one ADL\" is not POPPI's \"unable to manage at least one self-care activity on their own\".",
			"Help received and some unmet need overlap: both can count the same person.",
			"IADL unmet need exists for 2021 only."},
		IntendedUse: "Turning population into need (people who need help, with dementia)"},
	{Name: string(datasets.KindServiceActivity), Files: "service_activity.parquet",
		Holds:     "Councils' service use: PSS-EX1 clients, residents, weeks and home-care hours 2009-10 to 2013-14 for 152 councils; SALT 2021-22 long-term support clients by setting for the 153 councils of April 2023, the regions and England; home-care hours derived from ASC-FR spend ÷ external hourly rate",
		Publisher: "NHS Digital (HSCIC before 2016)",
		Edition:   "PSS-EX1 final releases 2009-10 to 2013-14; Adult Social Care Activity and Finance: England 2021-22 (SALT and ASC-FR)",
		SourceURL: ascfrURL, DataYears: "financial years 2009-10 to 2013-14 and 2021-22",
		Converter: "maps 3-digit council codes to ONS codes; treats \"..\" and \"-\" as missing, never zero; apportions Cumbria to its successors by people 18-64 or 65+; labels derived home-care hours",
		Quirks: []string{"Item definitions moved between years (direct payments 65+ in 2009-10; 18-64 home and day care start in 2011-12); TestActivityItemLabels checks them.",
			"SALT's community support is not split into home care and other services.",
			"Hackney sent no SALT 2021-22 and carries its 2019-20 totals."},
		IntendedUse: "Councils' base use rates of services; the service back-test"},
	{Name: string(datasets.KindUnitCosts), Files: "unit_costs.parquet",
		Holds:     "Unit costs 2021-22 for every council and England: home care per hour (external providers), residential and nursing care per week; the PSS pay and prices index 2008-09 to 2023-24",
		Publisher: "NHS Digital (ASC-FR); PSSRU, University of Kent, and Centre for Health Economics, University of York (Unit Costs of Health and Social Care)",
		Edition:   "ASC-FR 2021-22 Tables 51 and 52; PSSRU Unit Costs Table 12.1.2 (2022-2024 editions)",
		SourceURL: ascfrURL, DataYears: "2021-22 prices; index 2008-09 to 2023-24",
		Converter: "a council with no figure ([x], £0 or blank) takes its region's, else England's, and its row says so",
		Quirks: []string{"Direct payments, day care and meals are not costed by the data and stay on carecast's illustrative defaults, labelled in every run.",
			"Most councils report £0 for in-house home care, meaning they provide none."},
		IntendedUse: "Turning volumes into cost, restated to the scenario's price base"},
	{Name: string(datasets.KindSupply), Files: "supply.parquet",
		Holds:     "Care home beds of every council on 1 February 2021: nursing beds (homes registered with nursing) and residential beds",
		Publisher: "Care Quality Commission", Edition: "CQC care directory, active locations, 1 February 2021",
		SourceURL: cqcURL, DataYears: "2020-21",
		Converter: "sums beds by council and type; apportions Northamptonshire to North and West Northamptonshire by people 65+ (labelled)",
		Quirks: []string{"Capacity, not occupancy; all ages and client groups.",
			"231 beds in the file have no council."},
		IntendedUse: "The bed gap against projected care-home residents"},
	{Name: string(datasets.KindDeprivation), Files: "deprivation.parquet",
		Holds:     "English Indices of Deprivation 2019: average and income scores for the 296 districts and 153 councils; rank of average score and IDAOPI for the councils of April 2019",
		Publisher: "Ministry of Housing, Communities and Local Government",
		Edition:   "English Indices of Deprivation 2019, File 11 (upper-tier summaries, 26 September 2019); by LTLA 2022 via humaniverse/IMD",
		SourceURL: imdURL, DataYears: "2019",
		Converter:   "councils formed since take their own code's figure or the population-weighted mean of their districts' scores; method says which",
		Quirks:      []string{"Councils formed since 2019 have no rank or IDAOPI."},
		IntendedUse: "Context on the pages (deprivation of an area); not used by the projection"},
	{Name: string(datasets.KindActivityHistory), Files: "activity_history.parquet",
		Holds:     "Councils' activity series 2000-01 to 2022-23: residential care 65+ client weeks, nursing 65+ from 2014-15, home-care hours and day-care clients 2008-09 to 2013-14, in house, external and total",
		Publisher: "HSCIC (PSS-EX1) and NHS Digital (ASC-FR) council returns, as compiled in BenGoodair/adults_social_care_data",
		Edition:   "PSS-EX1 2000-01 to 2013-14; ASC-FR 2014-15 to 2022-23",
		SourceURL: nhsdURL, DataYears: "financial years 2000-01 to 2022-23",
		Converter:   "matches each name to the council in force that year; leaves out aggregates, pre-2009 Cheshire and Bedfordshire and rows of unknown setting; takes 2016-17 from the keyed ASC-FR file",
		Quirks:      []string{"Levels are not comparable across the 2013-14/2014-15 break (definition pss-ex1 against ascfr)."},
		IntendedUse: "The engine's 65+ residential and nursing use-rate trends, and the history back-test that scores them"},
	{Name: string(datasets.KindTopicRates), Files: "topic_rates.parquet",
		Holds: "Published rates behind POPPI and PANSI topics (living alone, domestic tasks and self-care, dementia, falls, falls admissions, bladder incontinence, " +
			"visual and hearing impairment, mobility, early-onset dementia, personality and psychotic disorders, and study headline figures), one published cell a row, " +
			"each with its study, a source URL and where in it the figure is",
		Publisher: "The studies named in each row (ONS LFS and GLS; NHS Digital HSE, HES and APMS; Alzheimer's Society Dementia UK; RNIB; Davis 1995; journal abstracts), " +
			"as transcribed by West Sussex County Council public health and the stored pages each row names",
		Edition:   "Rates as used by POPPI/PANSI up to 2022 (POPPI assumptions as transcribed by WSCC, October 2022; PANSI v7.0 exports, 2013)",
		SourceURL: "https://github.com/psychty/projecting_older_adult_assumptions", DataYears: "studies from 1995 to 2019",
		Licence: "Published facts from the cited studies: Open Government Licence v3.0 for the ONS and NHS Digital figures; Dementia UK © Alzheimer's Society; RNIB; " +
			"journal abstracts. Only single figures are kept, each with its study and source; no table, workbook or text is copied",
		Attribution: "Rates from the studies named in each row; POPPI and PANSI are the Institute of Public Care's (Oxford Brookes University) systems, " +
			"from which nothing was taken directly. Contains public sector information licensed under the Open Government Licence v3.0.",
		Converter: "copies each rate as published (proportions); persons becomes all, an open band's age_to 120; marks each topic's basis " +
			"(population, headline, share of people with dementia, share of households) and an open all-ages total column as headline",
		Quirks: []string{"Severity and subtype rows are shares of people with dementia, not of the population.",
			"Headline figures (autism, depression 65+, learning disability known to services, Dementia UK summaries) are not age-band cells.",
			"Falls admissions are admissions per person-year, not people.",
			"POPPI's derived Dementia UK 2014 90+ rate was not found; carecast weights the 90-94 and 95+ rates by England's population at those ages, and says so.",
			"Davis 1995 hearing bands (65-69, 70-79, 80+) are WSCC's mapping; severe hearing loss comes out 8% above POPPI's West Sussex count."},
		IntendedUse: "Topic tables (one topic, council and years by 5-year band) at /v1/topics and on the topic pages"},
}

// Provenances returns the provenance of every built-in dataset, in datasets.Kinds order with
// the projections after population. Callers may modify the result.
func Provenances() []Provenance {
	out := slices.Clone(provenances)
	for i := range out {
		if out[i].Licence == "" {
			out[i].Licence, out[i].Attribution = OGL, OGLAttribution
		}
		out[i].Quirks = slices.Clone(out[i].Quirks)
	}
	return out
}
