package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/web/chart"
)

// England is the GSS code of England.
const England = "E92000001"

// areaIndex finds areas by name or code.
type areaIndex struct {
	all    []forecast.AreaInfo
	keys   []string // forecast.SearchKey of each name of all
	byCode map[string]*forecast.AreaInfo
}

func newAreaIndex(areas []forecast.AreaInfo) *areaIndex {
	ix := &areaIndex{byCode: map[string]*forecast.AreaInfo{}}
	ix.all = slices.Clone(areas)
	for i := range ix.all {
		ix.all[i].Name = displayName(ix.all[i])
	}
	slices.SortStableFunc(ix.all, func(a, b forecast.AreaInfo) int { return strings.Compare(a.Name, b.Name) })
	ix.keys = make([]string, len(ix.all))
	for i := range ix.all {
		ix.byCode[ix.all[i].Code] = &ix.all[i]
		ix.keys[i] = forecast.SearchKey(ix.all[i].Name)
	}
	return ix
}

// regionNames are the ONS names of the English regions (the areas table spells some in
// capitals).
var regionNames = map[string]string{
	"E12000001": "North East", "E12000002": "North West", "E12000003": "Yorkshire and The Humber",
	"E12000004": "East Midlands", "E12000005": "West Midlands", "E12000006": "East of England",
	"E12000007": "London", "E12000008": "South East", "E12000009": "South West", England: "England",
}

// displayName is an area's name as people write it: capitals only where they belong.
func displayName(a forecast.AreaInfo) string {
	if n, ok := regionNames[a.Code]; ok {
		return n
	}
	if a.Name != strings.ToUpper(a.Name) {
		return a.Name
	}
	words := strings.Fields(strings.ToLower(a.Name))
	for i, w := range words {
		if i > 0 && (w == "and" || w == "of" || w == "upon" || w == "on") {
			continue
		}
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

func (ix *areaIndex) get(code string) *forecast.AreaInfo { return ix.byCode[code] }

// name returns an area's name, or its code if unknown.
func (ix *areaIndex) name(code string) string {
	if a := ix.byCode[code]; a != nil {
		return a.Name
	}
	return code
}

// rank orders area types: England, regions, councils, districts.
func rank(a *forecast.AreaInfo) int {
	switch {
	case a.Type == "country":
		return 0
	case a.Type == "region":
		return 1
	case a.IsCouncil():
		return 2
	}
	return 3
}

// search returns the areas in force whose name contains q or whose code starts with q, compared
// as forecast.SearchKey (case, punctuation and "saint"/"st" do not matter), best first: exact
// matches, then names starting with q, then the rest; then England, regions, councils, districts.
func (ix *areaIndex) search(q string, limit int) []forecast.AreaInfo {
	q = forecast.SearchKey(q)
	type hit struct {
		a     *forecast.AreaInfo
		score int
	}
	var hits []hit
	for i := range ix.all {
		a := &ix.all[i]
		if a.ValidTo != "" {
			continue
		}
		name, code := ix.keys[i], strings.ToLower(a.Code)
		score := -1
		switch {
		case q == "":
			score = 3
		case code == q || name == q:
			score = 0
		case strings.HasPrefix(name, q) || strings.HasPrefix(code, q):
			score = 1
		case strings.Contains(name, q):
			score = 2
		}
		if score >= 0 {
			hits = append(hits, hit{a, score*10 + rank(a)})
		}
	}
	slices.SortStableFunc(hits, func(x, y hit) int { return x.score - y.score })
	out := make([]forecast.AreaInfo, 0, min(len(hits), limit))
	for _, h := range hits {
		if len(out) == limit {
			break
		}
		out = append(out, *h.a)
	}
	return out
}

// districtsUnder returns the districts in force that make up the area code, other than code
// itself, in the index's order: the lowest-tier areas (non-metropolitan, metropolitan and
// unitary districts, London boroughs) whose chain of parents reaches code. They are the areas
// a scenario with forecast.Scenario.Districts reports under code (the engine's DistrictsUnder).
func (ix *areaIndex) districtsUnder(code string) []forecast.AreaInfo {
	var out []forecast.AreaInfo
	for _, a := range ix.all {
		if a.ValidTo != "" || a.Code == code || !lowestTier[a.Type] {
			continue
		}
		for p, n := ix.byCode[a.Parent], 0; p != nil && n < 8; p, n = ix.byCode[p.Parent], n+1 {
			if p.Code == code {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// lowestTier are the area types with no areas under them.
var lowestTier = map[string]bool{"non_metropolitan_district": true, "metropolitan_district": true, "unitary": true, "london_borough": true}

// regionGroup is a region and its councils, for the index on the home page.
type regionGroup struct {
	Region   forecast.AreaInfo
	Councils []forecast.AreaInfo
}

func (ix *areaIndex) councilsByRegion() []regionGroup {
	var out []regionGroup
	for _, r := range ix.all {
		if r.Type != "region" || r.ValidTo != "" {
			continue
		}
		g := regionGroup{Region: r}
		for _, a := range ix.all {
			if a.ValidTo == "" && a.IsCouncil() && a.Region == r.Code {
				g.Councils = append(g.Councils, a)
			}
		}
		out = append(out, g)
	}
	return out
}

// choices lists the areas a scenario can be about: England, regions, councils, districts.
func (ix *areaIndex) choices() []forecast.AreaInfo {
	var out []forecast.AreaInfo
	for _, a := range ix.all {
		if a.ValidTo == "" {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b forecast.AreaInfo) int { return rank(&a) - rank(&b) })
	return out
}

type homePage struct {
	base
	Regions   []regionGroup
	Scenarios []scenarioRow
	Runs      []runRow
}

func (s *site) home(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	d := &homePage{base: base{Title: "carecast: plan adult social care", User: &p, Section: "areas"}, Regions: s.areas.councilsByRegion()}
	if scs, err := s.d.Backend.Scenarios(r.Context(), p, 5); err == nil {
		d.Scenarios = s.scenarioRows(scs)
	}
	if runs, err := s.d.Backend.Runs(r.Context(), p, "", 5); err == nil {
		d.Runs = s.runRows(r, p, runs)
	}
	s.render(w, r, http.StatusOK, "home", d)
}

type searchPage struct {
	base
	Query   string
	Results []forecast.AreaInfo
	More    bool
}

func (s *site) areaSearch(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 100 {
		q = q[:100]
	}
	res := s.areas.search(q, 51)
	// One exact match: go straight to it.
	key := forecast.SearchKey(q)
	if len(res) >= 1 && q != "" && (strings.EqualFold(res[0].Code, q) || forecast.SearchKey(res[0].Name) == key) &&
		(len(res) == 1 || forecast.SearchKey(res[1].Name) != key) {
		http.Redirect(w, r, "/areas/"+res[0].Code, http.StatusSeeOther)
		return
	}
	d := &searchPage{base: base{Title: "Find an area", User: &p, Section: "areas"}, Query: q, Results: res}
	if len(res) > 50 {
		d.Results, d.More = res[:50], true
	}
	if q != "" {
		d.Title = "Areas matching “" + q + "”"
	}
	s.render(w, r, http.StatusOK, "areas", d)
}

// growthYears are the years the overview reports growth to.
var growthYears = []int{2030, 2035, 2045}

// overviewMeasures are the headline measures of an area overview, in order.
var overviewMeasures = []string{
	"need.adl_need_help", "need.dementia",
	"service.residential", "service.nursing", "service.home_care", "service.direct_payments", "service.day_care",
	"capacity.home_care_hours", forecast.MeasureWholeMarketBeds, "cost.total",
}

// growthRow is one measure in a growth table.
type growthRow struct {
	Measure, Label, Band, Unit string
	Base                       float64
	Cells                      []growthCell
}

type growthCell struct {
	Year               int
	Mid, Lo, Hi        float64
	Change             string
	HasRange           bool
	Value, Range, Unit string
}

type overviewPage struct {
	base
	Area        forecast.AreaInfo
	DataYears   string // the data and years the baseline rests on
	Parent      *forecast.AreaInfo
	Successor   *forecast.AreaInfo
	Problem     string
	Year        int
	BaseYear    int
	Years       []int
	Draws       int
	Pyramid     template.HTML
	PyramidRows []pyramidRow
	GrowthYears []int
	Growth      []growthRow
	Fans        []fanBlock
	Mix         template.HTML
	MixTable    mixTable
	MixCSV      string
	PyramidCSV  string
	QuickStart  int
	QuickEnd    int
	CanPlan     bool
	Deprivation []forecast.DeprivationLine
	// DeprivationSources are the distinct sources of the deprivation figures.
	DeprivationSources []string
	// Comparators is whether the area has a comparators page (a council in force).
	Comparators bool
	// Accuracy is how far off projections like this one have been, in words ("" if the
	// back-tests cover no area like it).
	Accuracy string
}

type pyramidRow struct {
	Band                               string
	BaseMale, BaseFemale, Male, Female float64
}

// baselineScenario is the baseline of one area as the overview shows it: the default
// assumptions and Monte Carlo ranges (fewer draws for larger areas, to keep pages quick).
func baselineScenario(a *forecast.AreaInfo) forecast.Scenario {
	draws := 200
	switch a.Type {
	case "region":
		draws = 100
	case "country":
		draws = 40
	}
	return forecast.Scenario{Name: "Baseline", Areas: []string{a.Code}, Uncertainty: forecast.UncertaintySpec{Draws: draws, Seed: 1}}
}

func (s *site) areaOverview(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	a := s.areas.get(r.PathValue("code"))
	if a == nil {
		s.fail(w, r, &p, http.StatusNotFound, "Area not found", "There is no area with the code "+r.PathValue("code")+". Search for it by name.")
		return
	}
	d := &overviewPage{base: base{Title: a.Name, User: &p, Section: "areas"}, Area: *a, CanPlan: p.CanPlan()}
	d.Parent = s.areas.get(a.Parent)
	d.Deprivation = a.DeprivationLines()
	for _, l := range d.Deprivation {
		if l.Available && !slices.Contains(d.DeprivationSources, l.Source) {
			d.DeprivationSources = append(d.DeprivationSources, l.Source)
		}
	}
	if a.ValidTo != "" {
		d.Successor = s.areas.get(a.Successor)
		d.Problem = fmt.Sprintf("%s ended on %s.", a.Name, a.ValidTo)
		s.render(w, r, http.StatusOK, "area", d)
		return
	}
	sc := baselineScenario(a)
	d.Draws = sc.Uncertainty.Draws
	rows, dataYears, err := s.projection(r.Context(), sc)
	if err != nil {
		var se forecast.ScenarioError
		switch {
		case errors.Is(err, errNoProjector):
			d.Problem = "This server has no forecast engine, so it cannot project this area."
		case errors.As(err, &se):
			d.Problem = "This area cannot be projected: " + se.Error()
		default:
			s.failErr(w, r, &p, "projection", err)
			return
		}
		s.render(w, r, http.StatusOK, "area", d)
		return
	}
	d.DataYears = dataYears
	d.Comparators = a.IsCouncil() && s.d.Neighbours != nil
	if s.d.Accuracy != nil {
		acc, err := s.d.Accuracy.Accuracy(r.Context(), a.Code)
		switch {
		case err == nil:
			d.Accuracy = acc.Sentence
		case !errors.Is(err, service.ErrNoAccuracy):
			s.log.Error("area page: accuracy line", "area", a.Code, "err", err)
		}
	}
	f := newFrame(rows)
	d.BaseYear = f.first()
	d.Years = f.years[1:]
	d.Year = yearParam(r, f, 2035)
	d.QuickStart, d.QuickEnd = d.BaseYear+1, d.BaseYear+5
	s.pyramid(d, f)
	d.GrowthYears = f.yearsIn(growthYears...)
	for _, m := range overviewMeasures {
		if !f.has(m) {
			continue
		}
		d.Growth = append(d.Growth, growth(f, a.Code, m, d.GrowthYears))
	}
	data := "/areas/" + a.Code + "/data.csv?"
	for _, m := range []string{"need.adl_need_help", "need.dementia"} {
		if f.has(m) {
			fb := fanFor(f, a.Code, m, "Baseline", d.Year, a.Name)
			fb.CSV = data + filterQuery(ResultFilter{Measures: []string{m}, Sexes: []string{"all"}, AgeBands: []string{f.band(m)}}).Encode()
			d.Fans = append(d.Fans, fb)
		}
	}
	d.Mix, d.MixTable = serviceMix(f, a.Code, "mix", "Service users by setting, "+a.Name)
	d.MixCSV = data + filterQuery(ResultFilter{Measures: []string{"service.*"}, Sexes: []string{"all"}}).Encode()
	d.PyramidCSV = data + filterQuery(ResultFilter{Measures: []string{"population"}, Sexes: []string{"female", "male"}}).Encode()
	s.render(w, r, http.StatusOK, "area", d)
}

// yearParam returns the ?year= parameter if the frame has that year, else def if it has it,
// else its last year.
func yearParam(r *http.Request, f *frame, def int) int {
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && slices.Contains(f.years, y) && y != f.first() {
		return y
	}
	if slices.Contains(f.years, def) {
		return def
	}
	return f.last()
}

// pyramid fills the overview's population pyramid for the base year and d.Year.
func (s *site) pyramid(d *overviewPage, f *frame) {
	type band struct {
		name  string
		width float64
		parts []string // bands summed (85-89 is 85+ minus 90+)
		minus string
	}
	bands := []band{{"0-17", 18, []string{"0-17"}, ""}, {"18-64", 47, []string{"18-64"}, ""}, {"65-74", 10, []string{"65-74"}, ""},
		{"75-84", 10, []string{"75-84"}, ""}, {"85-89", 5, []string{"85+"}, "90+"}, {"90+", 5, []string{"90+"}, ""}}
	get := func(b band, sex string, year int) float64 {
		v := 0.0
		for _, p := range b.parts {
			r, _ := f.get(d.Area.Code, "population", sex, p, year)
			v += r.Mean
		}
		if b.minus != "" {
			r, _ := f.get(d.Area.Code, "population", sex, b.minus, year)
			v -= r.Mean
		}
		return v
	}
	py := chart.Pyramid{ID: "pyramid", Title: fmt.Sprintf("Population of %s by age and sex, %d and %d", d.Area.Name, d.BaseYear, d.Year),
		BaseYear: d.BaseYear, Year: d.Year}
	for _, b := range bands {
		row := pyramidRow{Band: b.name, BaseMale: get(b, "male", d.BaseYear), BaseFemale: get(b, "female", d.BaseYear),
			Male: get(b, "male", d.Year), Female: get(b, "female", d.Year)}
		d.PyramidRows = append(d.PyramidRows, row)
		py.Bands = append(py.Bands, b.name)
		py.Widths = append(py.Widths, b.width)
		py.BaseMale = append(py.BaseMale, row.BaseMale)
		py.BaseFemale = append(py.BaseFemale, row.BaseFemale)
		py.Male = append(py.Male, row.Male)
		py.Female = append(py.Female, row.Female)
	}
	d.Pyramid = py.SVG()
}

// growth returns one measure's headline value in the first year and at each of years, with
// ranges.
func growth(f *frame, area, m string, years []int) growthRow {
	row := growthRow{Measure: m, Label: label(m), Band: f.band(m), Unit: f.units[m], Base: f.headValue(area, m, f.first())}
	for _, y := range years {
		c := growthCell{Year: y}
		if r, ok := f.head(area, m, y); ok {
			c.Mid, c.Lo, c.Hi = r.Mean, r.P10, r.P90
			c.HasRange = r.P90-r.P10 > 1e-9*max(1, r.Mean)
			c.Value = value(r.Mean, r.Unit)
			c.Range = value(r.P10, r.Unit) + " to " + value(r.P90, r.Unit)
		}
		c.Change = pct(row.Base, c.Mid)
		row.Cells = append(row.Cells, c)
	}
	return row
}

// fanBlock is a fan chart with its data table.
type fanBlock struct {
	ID, Title, Unit string
	SVG             template.HTML
	Series          []chart.Series
	Rows            []fanRow
	CSV             string // link to the data as CSV
}

type fanRow struct {
	Year  int
	Cells []fanCell
}

type fanCell struct {
	Value, Range string
	HasRange     bool
}

// fanFor draws one measure of one area as a fan chart.
func fanFor(f *frame, area, m, name string, mark int, areaName string) fanBlock {
	return fanOf("fan-"+strings.ReplaceAll(m, ".", "-"), fmt.Sprintf("%s (%s), %s", label(m), bandWords(f.band(m)), areaName),
		f.units[m], mark, f.series(name, area, m))
}

// fanOf draws series as a fan chart with its data table.
func fanOf(id, title, unit string, mark int, series ...chart.Series) fanBlock {
	fc := chart.Fan{ID: id, Title: title, Unit: unitWords(unit), Series: series, Mark: mark}
	b := fanBlock{ID: id, Title: title, Unit: unitWords(unit), SVG: fc.SVG(), Series: series}
	if len(series) == 0 {
		return b
	}
	for i, y := range series[0].Years {
		row := fanRow{Year: y}
		for _, s := range series {
			c := fanCell{}
			if i < len(s.Mid) {
				c.Value = value(s.Mid[i], unit)
				if s.Lo != nil && s.Hi[i]-s.Lo[i] > 1e-9*max(1, s.Mid[i]) {
					c.HasRange = true
					c.Range = value(s.Lo[i], unit) + " to " + value(s.Hi[i], unit)
				}
			}
			row.Cells = append(row.Cells, c)
		}
		b.Rows = append(b.Rows, row)
	}
	return b
}

// bandWords writes an age band for people: "aged 65+", "all ages".
func bandWords(b string) string {
	if b == "all" {
		return "all ages"
	}
	return "aged " + b
}

// mixTable is the data table of a service mix chart.
type mixTable struct {
	Years  []int
	Series []mixSeries
	Totals []float64
}

type mixSeries struct {
	Label, Band string
	Values      []float64
}

// serviceMix draws service users by setting over time as stacked bars, every five years.
func serviceMix(f *frame, area, id, title string) (template.HTML, mixTable) {
	var years []int
	for _, y := range f.years {
		if y == f.first() || y%5 == 0 || y == f.last() {
			years = append(years, y)
		}
	}
	st := chart.Stacked{ID: id, Title: title, Unit: "people"}
	var t mixTable
	t.Years = years
	t.Totals = make([]float64, len(years))
	for _, y := range years {
		st.Categories = append(st.Categories, strconv.Itoa(y))
	}
	for _, m := range f.family(forecast.FamilyService) {
		ser := chart.Stack{Name: shortLabel(m)}
		ms := mixSeries{Label: shortLabel(m), Band: f.band(m)}
		for i, y := range years {
			v := f.headValue(area, m, y)
			ser.Values = append(ser.Values, v)
			ms.Values = append(ms.Values, v)
			t.Totals[i] += v
		}
		st.Series = append(st.Series, ser)
		t.Series = append(t.Series, ms)
	}
	return st.SVG(), t
}

func (s *site) areaData(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	a := s.areas.get(r.PathValue("code"))
	if a == nil || a.ValidTo != "" {
		s.fail(w, r, &p, http.StatusNotFound, "Area not found", "There is no area in force with the code "+r.PathValue("code")+".")
		return
	}
	rows, err := s.project(r.Context(), baselineScenario(a))
	if err != nil {
		s.failErr(w, r, &p, "projection", err)
		return
	}
	flt := filterFromQuery(r)
	writeCSV(w, a.Code+"-baseline.csv", rows, flt)
}
