package convert

import (
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/carecast/carecast/datasets"
)

// The raw files of the activity history (PROVENANCE §5 and §12).
const (
	historyFile      = "nhsd_asc_activity/activity_65plus_by_council_2001_2023_keep_all.csv"
	historyKeyedFile = "nhsd_asc_activity/ascfr_2016-17_activity_keyed_raw.csv"
	historyLabelFile = "nhsd_asc_activity/ascfr_2015-16_activity_long_raw.csv"
	pssex1LongFile   = "nhsd_asc_activity/pssex1_cassr_activity_2009-10_to_2013-14_long.csv"
	cassrLookupFile  = "lookups/cassr_to_ons_code_region_2016-17.csv"
)

const (
	srcHistoryPSSEX1 = "HSCIC PSS-EX1 activity by CASSR, 2000-01 to 2013-14, as compiled in BenGoodair/adults_social_care_data Final_data/activity_keep_all.csv; OGL v3"
	srcHistoryASCFR  = "NHS Digital ASC-FR activity by council (long-term support 65+), 2014-15 to 2022-23, as compiled in BenGoodair/adults_social_care_data Final_data/activity_keep_all.csv; OGL v3"
	srcHistory1617   = "NHS Digital ASC-FR 2016-17 activity (CSV ASCFR Activity.csv, keys decoded by UUID against the labelled 2015-16 file), long-term support 65+ summed over primary support reasons, via BenGoodair/adults_social_care_data; OGL v3"
	// srcTotalDerived ends the source of a total carecast adds up: in house + external.
	srcTotalDerived = "; total = in house + external"
)

// historyKeyedYear is the file year (financial year end) whose names the compiled file lost
// (all NA): 2016-17 is read from the keyed ASC-FR file instead.
const historyKeyedYear = 2017

// historyService is how the compiled file's SupportSetting is read: the service, its age band
// and, for PSS-EX1 2009-10 to 2013-14, the items of PSS-EX1's own file that make each
// provision's figure (TestHistoryAgreesWithPSSEX1 checks that they do, to the unit).
type historyService struct {
	service, ageBand  string
	inHouse, external []string
	note              string
}

var historyServices = map[string]historyService{
	"Residential": {service: "residential", ageBand: "65+", inHouse: []string{"D1.2"}, external: []string{"D1.3"},
		note: "weeks of supported residents 65+ in residential care (PSS-EX1 D1.2 own provision, D1.3 provided by others)"},
	"Nursing": {service: "nursing", ageBand: "65+"},
	"Home care": {service: "home_care", ageBand: "18+", inHouse: []string{"F2.1"}, external: []string{"F2.2"},
		note: "hours of home care in the year, all ages (PSS-EX1 F2.1 council, F2.2 independent sector: not split by age)"},
	"Day care": {service: "day_care", ageBand: "18+", inHouse: []string{"G1.1", "G1.3", "G1.5", "G1.7"}, external: []string{"G1.2", "G1.4", "G1.6", "G1.8"},
		note: "day care clients a week on average, 65+ and 18-64 with physical disability, mental health needs or learning disability (PSS-EX1 G1.1-G1.8)"},
}

// dayCare0809Note is the source note of day care in 2008-09, which counts people 65+ only: the
// councils' sum (46,645 in house, 42,650 external) is that of 2009-10's 65+ items (G1.1 44,775,
// G1.2 39,120), not of all client groups (105,690 and 76,595). The compiled file does not say.
const dayCare0809Note = "day care clients 65+ a week on average (2008-09 counts 65+ only, by the scale of its England total against 2009-10's items)"

// historyProvisions reads ActivityProvision ("99" is the total).
var historyProvisions = map[string]string{"In House": "in_house", "External": "external", "99": "total"}

// Names the compiled file gives that are no council's, and why each is left out.
const (
	dropAggregate = "an aggregate of councils (England, a region or a group of councils); carecast adds councils up itself, and the published totals differ from the councils' sum in some years"
	dropSplit2009 = "a county council abolished on 1 April 2009 and split in two (Cheshire East and Cheshire West and Chester; Bedford and Central Bedfordshire): the areas table has no code for it, and its activity cannot be shared between its successors without guessing"
	dropNA2017    = "2016-17's rows have no names in the compiled file (NA); 2016-17 is read from the keyed ASC-FR file instead"
)

// historyDropped names the name keys (see historyNameKey) left out deliberately. Any name "total
// …" is an aggregate too.
var historyDropped = map[string]string{
	"england": dropAggregate, "east": dropAggregate, "east midlands": dropAggregate, "london": dropAggregate,
	"north east": dropAggregate, "north west": dropAggregate, "south east": dropAggregate, "south west": dropAggregate,
	"west midlands": dropAggregate, "yorkshire and humber": dropAggregate,
	"cheshire": dropSplit2009, "bedfordshire": dropSplit2009,
	"na": dropNA2017,
}

// historyAliases maps name keys the compiled file uses to the key of the areas table's name.
var historyAliases = map[string]string{
	"bath and somerset":      "bath and north east somerset", // 908-Bath and Somerset UA
	"bedford borough":        "bedford",
	"blackburn and darwen":   "blackburn with darwen", // 2001-2005
	"bristol":                "bristol city of",
	"durham":                 "county durham",
	"herefordshire":          "herefordshire county of",
	"kingston upon hull":     "kingston upon hull city of",
	"medway towns":           "medway",
	"telford and the wrekin": "telford and wrekin",
}

var dhPrefix = regexp.MustCompile(`^([0-9]{3})-(.*)$`)

// historyName is one name string of the compiled file as read: its key (decoded, DH code
// prefix and "UA" taken off, folded) and the DH council code it was prefixed with, if any.
type historyName struct{ key, dh string }

// readHistoryName reads a name string: URL-encoded (2000-01 to 2007-08), DH code prefixed
// ("102-Cumbria", 2007-08 and 2009-10 to 2011-12), dots for spaces (2014-15), "UA" suffixes,
// trailing spaces.
func readHistoryName(s string) (historyName, error) {
	dec, err := url.PathUnescape(s)
	if err != nil {
		return historyName{}, fmt.Errorf("name %q is not URL-decodable: %w", s, err)
	}
	var n historyName
	if m := dhPrefix.FindStringSubmatch(dec); m != nil {
		n.dh, dec = m[1], m[2]
	}
	n.key = historyNameKey(dec)
	return n, nil
}

// historyNameKey folds a council name for matching: lower case, dots, commas and hyphens as
// spaces, "&" as "and", no "UA" or "Council" suffix, then the aliases.
func historyNameKey(s string) string {
	s = strings.NewReplacer(".", " ", ",", " ", "-", " ", "&", " and ").Replace(strings.ToLower(s))
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimSuffix(s, " ua")
	s = strings.TrimSuffix(s, " council")
	if a, ok := historyAliases[s]; ok {
		s = a
	}
	return s
}

// droppedWhy says why a name is left out, or "" for a council's name.
func (n historyName) droppedWhy() string {
	if strings.HasPrefix(n.key, "total ") {
		return dropAggregate
	}
	return historyDropped[n.key]
}

// councilResolver finds the council a name meant in a financial year.
type councilResolver struct {
	byKey map[string][]datasets.Area
	dh    map[string]string // DH CASSR code → ONS code, 2016-17
}

func newCouncilResolver(areas []datasets.Area, dh map[string]string) *councilResolver {
	r := &councilResolver{byKey: map[string][]datasets.Area{}, dh: dh}
	for _, a := range areas {
		if a.IsCouncil() {
			k := historyNameKey(a.AreaName)
			r.byKey[k] = append(r.byKey[k], a)
		}
	}
	return r
}

// fyInForce reports whether area a was in force on 1 April of financial year fy.
func fyInForce(a datasets.Area, fy int) bool {
	d := fmt.Sprintf("%d-04-01", fy)
	return (a.ValidFrom == "" || a.ValidFrom <= d) && (a.ValidTo == "" || a.ValidTo >= d)
}

// resolve returns the code of the council in force on 1 April of financial year fy whose name
// is n (Dorset is E10000009 to 2018-19 and E06000059 from 2019-20). A DH code prefix must agree
// with the 2016-17 lookup where the lookup has it.
func (r *councilResolver) resolve(n historyName, fy int) (string, error) {
	var found []string
	for _, a := range r.byKey[n.key] {
		if fyInForce(a, fy) {
			found = append(found, a.AreaCode)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("name %q matches %d councils in force in %d-%02d (%v)", n.key, len(found), fy, (fy+1)%100, found)
	}
	if want, ok := r.dh[n.dh]; ok && want != found[0] {
		return "", fmt.Errorf("name %q is %s but its DH code %s is %s in the 2016-17 lookup", n.key, found[0], n.dh, want)
	}
	return found[0], nil
}

// readCASSRLookup maps DH CASSR codes to ONS codes (2016-17 codes; Isles of Scilly, 906, is
// missing from the lookup and added by hand).
func readCASSRLookup(raw fs.FS) (map[string]string, error) {
	lk, err := readCSV(raw, cassrLookupFile)
	if err != nil {
		return nil, err
	}
	lc, err := lk.mustCols("cassr_code", "ons_code")
	if err != nil {
		return nil, err
	}
	ons := map[string]string{"906": "E06000053"}
	for _, rec := range lk.rows {
		ons[cell(rec, lc[0])] = cell(rec, lc[1])
	}
	return ons, nil
}

// pssex1Items indexes PSS-EX1's own file, 2009-10 to 2013-14, by DH code, financial year
// start and item: the values as published ("..", "-" or a number).
type pssex1Items map[[3]string]string

func readPSSEX1Items(raw fs.FS) (pssex1Items, error) {
	f, err := readCSV(raw, pssex1LongFile)
	if err != nil {
		return nil, err
	}
	c, err := f.mustCols("financial_year", "cassr_code", "item_code", "value_raw")
	if err != nil {
		return nil, err
	}
	out := pssex1Items{}
	for _, rec := range f.rows {
		fy, _, _ := strings.Cut(cell(rec, c[0]), "-")
		out[[3]string{cell(rec, c[1]), fy, cell(rec, c[2])}] = cell(rec, c[3])
	}
	return out, nil
}

// sum adds the items of a council and year; ok is false when any is not published as a
// number (".." not available, "-" nil or not applicable, or absent).
func (p pssex1Items) sum(dh string, fy int, items []string) (v float64, ok bool, err error) {
	for _, it := range items {
		s, has := p[[3]string{dh, fmt.Sprint(fy), it}]
		if !has || s == ".." || s == "-" || s == "" {
			return 0, false, nil
		}
		x, err := atof(strings.ReplaceAll(s, ",", ""))
		if err != nil {
			return 0, false, fmt.Errorf("%s %s %d-%02d: %w", pssex1LongFile, it, fy, (fy+1)%100, err)
		}
		v += x
	}
	return v, true, nil
}

// historyKey is a council's service, provision and year.
type historyKey struct {
	area      string
	fy        int
	service   string
	provision string
}

// historyBuild gathers the history's rows and says what was left out and why.
type historyBuild struct {
	rows map[historyKey]datasets.ActivityHistory
	// Dropped counts the rows of the compiled file left out, by reason.
	Dropped map[string]int
}

const (
	dropNAValue       = "value NA in the compiled file"
	dropBlankSetting  = "blank SupportSetting (2015-16 on): of unknown definition (in 2015-16 it is short-term support to maximise independence, 65+), left out"
	dropPSSEX1Missing = "PSS-EX1 publishes an item of the figure as '..' (not available) or '-' (nil or not applicable), which the compiled file made 0"
	dropZero0809      = "home care or day care of 0 in 2008-09, which cannot be told from PSS-EX1's '..' (not available) that the compiled file made 0 (2008-09's England total includes councils shown as 0)"
	dropNoCareHomes   = "a council-year with 0 weeks of external residential care 65+: the council submitted no care home figures (no council but the Isles of Scilly places nobody in homes run by others)"
)

// buildHistory converts the 65+ council activity series 2000-01 to 2022-23 (financial years;
// the compiled file's year is the year end) to activity_history rows on the codes in force each
// year, with 2016-17 from the keyed ASC-FR file. Names that match no council or an
// unknown setting or provision fail the build.
func buildHistory(raw fs.FS, areas []datasets.Area) ([]datasets.ActivityHistory, *historyBuild, error) {
	dh, err := readCASSRLookup(raw)
	if err != nil {
		return nil, nil, err
	}
	onsToDH := map[string]string{}
	for d, o := range dh {
		onsToDH[o] = d
	}
	items, err := readPSSEX1Items(raw)
	if err != nil {
		return nil, nil, err
	}
	res := newCouncilResolver(areas, dh)
	hb := &historyBuild{rows: map[historyKey]datasets.ActivityHistory{}, Dropped: map[string]int{}}

	f, err := readCSV(raw, historyFile)
	if err != nil {
		return nil, nil, err
	}
	c, err := f.mustCols("SupportSetting", "DH_GEOGRAPHY_NAME", "ActivityProvision", "ITEMVALUE", "year")
	if err != nil {
		return nil, nil, err
	}
	for i, rec := range f.rows {
		if err := hb.addCompiled(f, i, rec, c, res, items, onsToDH); err != nil {
			return nil, nil, err
		}
	}
	if err := hb.addKeyed(raw, areas); err != nil {
		return nil, nil, err
	}
	hb.dropNoCareHomes(items, onsToDH)
	hb.addTotals()

	out := make([]datasets.ActivityHistory, 0, len(hb.rows))
	for _, r := range hb.rows {
		out = append(out, r)
	}
	slices.SortFunc(out, compareHistory)
	return out, hb, nil
}

func compareHistory(x, y datasets.ActivityHistory) int {
	if d := strings.Compare(x.AreaCode, y.AreaCode); d != 0 {
		return d
	}
	if x.Year != y.Year {
		return int(x.Year - y.Year)
	}
	for _, d := range []int{strings.Compare(x.Service, y.Service), strings.Compare(x.AgeBand, y.AgeBand),
		strings.Compare(x.Provision, y.Provision), strings.Compare(x.Measure, y.Measure)} {
		if d != 0 {
			return d
		}
	}
	return 0
}

// addCompiled reads one row of the compiled file.
func (hb *historyBuild) addCompiled(f *csvFile, i int, rec []string, c []int, res *councilResolver, items pssex1Items, onsToDH map[string]string) error {
	fields := f.fields(i)
	yearEnd := int(fields.int(c[4]))
	if fields.err != nil {
		return fields.err
	}
	fy := yearEnd - 1
	setting, prov := cell(rec, c[0]), cell(rec, c[2])
	name, err := readHistoryName(cell(rec, c[1]))
	if err != nil {
		return f.lineErr(i, err)
	}
	if yearEnd == historyKeyedYear {
		if name.key != "na" {
			return f.lineErr(i, fmt.Errorf("2016-17 row named %q: the compiled file was known to have no names that year; check the keyed file still applies", cell(rec, c[1])))
		}
		hb.Dropped[dropNA2017]++
		return nil
	}
	if why := name.droppedWhy(); why != "" {
		if why == dropNA2017 {
			return f.lineErr(i, fmt.Errorf("a row with no name (NA) in %d-%02d", fy, yearEnd%100))
		}
		hb.Dropped[why]++
		return nil
	}
	if setting == "" {
		if yearEnd < 2016 {
			return f.lineErr(i, fmt.Errorf("blank SupportSetting in %d-%02d (known only from 2015-16)", fy, yearEnd%100))
		}
		hb.Dropped[dropBlankSetting]++
		return nil
	}
	svc, ok := historyServices[setting]
	if !ok {
		return f.lineErr(i, fmt.Errorf("unknown SupportSetting %q", setting))
	}
	provision, ok := historyProvisions[prov]
	if !ok {
		return f.lineErr(i, fmt.Errorf("unknown ActivityProvision %q", prov))
	}
	definition, src := datasets.DefinitionPSSEX1, srcHistoryPSSEX1
	if fy >= datasets.FirstASCFRYear {
		definition, src = datasets.DefinitionASCFR, srcHistoryASCFR
	}
	switch {
	case definition == datasets.DefinitionPSSEX1 && (svc.service == "nursing" || provision == "total"):
		return f.lineErr(i, fmt.Errorf("%s %s in %d-%02d: PSS-EX1 years have in-house and external residential, home and day care only", setting, prov, fy, yearEnd%100))
	case definition == datasets.DefinitionASCFR && (svc.service == "home_care" || svc.service == "day_care"):
		return f.lineErr(i, fmt.Errorf("%s in %d-%02d: ASC-FR years have residential and nursing care only", setting, fy, yearEnd%100))
	}
	area, err := res.resolve(name, fy)
	if err != nil {
		return f.lineErr(i, err)
	}
	rawValue := cell(rec, c[3])
	if rawValue == "NA" {
		hb.Dropped[dropNAValue]++
		return nil
	}
	v, err := atof(rawValue)
	if err != nil {
		return f.lineErr(i, err)
	}
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return f.lineErr(i, fmt.Errorf("value %v is not a count", v))
	}
	ageBand, note := svc.ageBand, svc.note
	switch {
	case fy == 2008 && svc.service == "day_care":
		ageBand, note = "65+", dayCare0809Note
	case definition == datasets.DefinitionASCFR:
		note = "client weeks of long-term support 65+ in " + svc.service + " care (ASC-FR, summed over primary support reasons)"
	}
	if fy == 2008 && v == 0 && (svc.service == "home_care" || svc.service == "day_care") {
		hb.Dropped[dropZero0809]++
		return nil
	}
	if fy >= 2009 && fy <= 2013 {
		// PSS-EX1's own file tells "..", which the compiled file made 0, from a published 0.
		its := svc.inHouse
		if provision == "external" {
			its = svc.external
		}
		d, ok := onsToDH[area]
		if !ok {
			return f.lineErr(i, fmt.Errorf("%s has no DH code in the 2016-17 lookup", area))
		}
		want, published, err := items.sum(d, fy, its)
		if err != nil {
			return err
		}
		if !published {
			hb.Dropped[dropPSSEX1Missing]++
			return nil
		}
		if math.Abs(want-v) > 0.5 {
			return f.lineErr(i, fmt.Errorf("%s %s %s: %v in the compiled file, %v in PSS-EX1 (items %s)", area, setting, prov, v, want, strings.Join(its, "+")))
		}
	}
	k := historyKey{area, fy, svc.service, provision}
	if _, dup := hb.rows[k]; dup {
		return f.lineErr(i, fmt.Errorf("a second %s %s row for %s in %d-%02d", setting, prov, area, fy, yearEnd%100))
	}
	hb.rows[k] = datasets.ActivityHistory{AreaCode: area, Year: int32(fy), Service: svc.service, AgeBand: ageBand, Provision: provision,
		Measure: datasets.HistoryMeasure(svc.service), Definition: definition, Value: v, Source: src + "; " + note}
	return nil
}

// ascfrLabel is what a UUID of the 2015-16 ASC-FR activity file means.
type ascfrLabel struct{ careType, provision, ageBand, setting string }

// addKeyed adds 2016-17 from the keyed ASC-FR activity file: each row's UUID is looked up in the
// labelled 2015-16 file (PROVENANCE §5), and long-term support 65+ in residential and nursing
// care is summed over primary support reasons by provision.
func (hb *historyBuild) addKeyed(raw fs.FS, areas []datasets.Area) error {
	lf, err := readCSV(raw, historyLabelFile)
	if err != nil {
		return err
	}
	lc, err := lf.mustCols("UUID", "Care Type", "Activity Provision", "Age Bands", "Long Term Support Setting")
	if err != nil {
		return err
	}
	labels := map[string]ascfrLabel{}
	for _, rec := range lf.rows {
		l := ascfrLabel{cell(rec, lc[1]), cell(rec, lc[2]), cell(rec, lc[3]), cell(rec, lc[4])}
		if old, ok := labels[cell(rec, lc[0])]; ok && old != l {
			return fmt.Errorf("%s: UUID %s labelled both %v and %v", historyLabelFile, cell(rec, lc[0]), old, l)
		}
		labels[cell(rec, lc[0])] = l
	}
	kf, err := readCSV(raw, historyKeyedFile)
	if err != nil {
		return err
	}
	kc, err := kf.mustCols("UUID", "FY_Ending", "CASSR_CODE", "GEOGRAPHY_CODE", "ItemValue")
	if err != nil {
		return err
	}
	known := map[string]datasets.Area{}
	for _, a := range areas {
		known[a.AreaCode] = a
	}
	const fy = historyKeyedYear - 1
	sums := map[historyKey]float64{}
	for i, rec := range kf.rows {
		if cell(rec, kc[1]) != fmt.Sprint(historyKeyedYear) {
			return kf.lineErr(i, fmt.Errorf("FY_Ending %q, want %d", cell(rec, kc[1]), historyKeyedYear))
		}
		if cell(rec, kc[2]) == "" {
			continue // England and the regions
		}
		l, ok := labels[cell(rec, kc[0])]
		if !ok {
			return kf.lineErr(i, fmt.Errorf("UUID %s is not in %s", cell(rec, kc[0]), historyLabelFile))
		}
		if l.careType != "Long term" || l.ageBand != "Age 65 and over" {
			continue
		}
		svc := map[string]string{"Residential": "residential", "Nursing": "nursing"}[l.setting]
		prov := map[string]string{"In house": "in_house", "External": "external"}[l.provision]
		if svc == "" || prov == "" {
			return kf.lineErr(i, fmt.Errorf("UUID %s: unknown long-term setting %q or provision %q", cell(rec, kc[0]), l.setting, l.provision))
		}
		area := cell(rec, kc[3])
		if a, ok := known[area]; !ok || !a.IsCouncil() || !fyInForce(a, fy) {
			return kf.lineErr(i, fmt.Errorf("GEOGRAPHY_CODE %s is not a council in force in 2016-17", area))
		}
		v, err := atof(cell(rec, kc[4]))
		if err != nil {
			return kf.lineErr(i, fmt.Errorf("UUID %s: %w", cell(rec, kc[0]), err)) // ":" (not available) is never among these
		}
		sums[historyKey{area, fy, svc, prov}] += v
	}
	for k, v := range sums {
		if _, dup := hb.rows[k]; dup {
			return fmt.Errorf("%s: %s %s %s in 2016-17 also in %s", historyKeyedFile, k.area, k.service, k.provision, historyFile)
		}
		hb.rows[k] = datasets.ActivityHistory{AreaCode: k.area, Year: fy, Service: k.service, AgeBand: "65+", Provision: k.provision,
			Measure: datasets.HistoryMeasure(k.service), Definition: datasets.DefinitionASCFR, Value: v, Source: srcHistory1617}
	}
	return nil
}

// dropNoCareHomes leaves out the residential and nursing rows of a council-year whose external
// residential care is 0, unless PSS-EX1's own file publishes that 0 (Isles of Scilly).
func (hb *historyBuild) dropNoCareHomes(items pssex1Items, onsToDH map[string]string) {
	type cy struct {
		area string
		fy   int
	}
	gone := map[cy]bool{}
	for k, r := range hb.rows {
		if k.service != "residential" || k.provision != "external" || r.Value != 0 {
			continue
		}
		if v, ok, _ := items.sum(onsToDH[k.area], k.fy, historyServices["Residential"].external); ok && v == 0 {
			continue
		}
		gone[cy{k.area, k.fy}] = true
	}
	for k := range hb.rows {
		if gone[cy{k.area, k.fy}] && (k.service == "residential" || k.service == "nursing") {
			delete(hb.rows, k)
			hb.Dropped[dropNoCareHomes]++
		}
	}
}

// addTotals adds a total where the data gives in house and external but no total: every
// PSS-EX1 year, and 2016-17 (whose nursing has no in-house item, so its total is external).
func (hb *historyBuild) addTotals() {
	type group struct {
		area    string
		fy      int
		service string
	}
	parts := map[group][]datasets.ActivityHistory{}
	for k, r := range hb.rows {
		if k.provision != "total" {
			g := group{k.area, k.fy, k.service}
			parts[g] = append(parts[g], r)
		}
	}
	for g, ps := range parts {
		if _, ok := hb.rows[historyKey{g.area, g.fy, g.service, "total"}]; ok {
			continue
		}
		if len(ps) != 2 && !(g.fy == historyKeyedYear-1 && g.service == "nursing" && len(ps) == 1) {
			continue // a provision is missing
		}
		slices.SortFunc(ps, func(x, y datasets.ActivityHistory) int { return strings.Compare(x.Provision, y.Provision) })
		t := ps[0]
		t.Provision, t.Value = "total", 0
		for _, p := range ps {
			t.Value += p.Value
		}
		if g.fy == historyKeyedYear-1 && g.service == "nursing" {
			t.Source = srcHistory1617 + "; total = external (the 2016-17 return has no in-house nursing item)"
		} else {
			t.Source = ps[0].Source + srcTotalDerived
		}
		hb.rows[historyKey{g.area, g.fy, g.service, "total"}] = t
	}
}
