package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/web/chart"
)

// runRow is a run in a list.
type runRow struct {
	ID, ScenarioID, ScenarioName string
	Version                      int
	Status                       string
	Progress                     int // percent
	Created                      string
	Error                        string
	Succeeded, Final             bool
}

func (s *site) runRows(r *http.Request, p Principal, runs []store.Run) []runRow {
	names := map[string]string{}
	var out []runRow
	for _, run := range runs {
		k := run.ScenarioID + "@" + strconv.Itoa(run.ScenarioVersion)
		name, ok := names[k]
		if !ok {
			name = run.ScenarioID
			if sc, err := s.d.Backend.Scenario(r.Context(), p, run.ScenarioID, run.ScenarioVersion); err == nil {
				name = sc.Name
			}
			names[k] = name
		}
		out = append(out, runRowOf(run, name))
	}
	return out
}

func runRowOf(run store.Run, name string) runRow {
	return runRow{ID: run.ID, ScenarioID: run.ScenarioID, ScenarioName: name, Version: run.ScenarioVersion,
		Status: string(run.Status), Progress: int(math.Round(run.Progress * 100)), Created: run.Created.Local().Format("2 Jan 2006 15:04"),
		Error: run.Error, Succeeded: run.Status == store.RunSucceeded, Final: run.Status.Final()}
}

type runListPage struct {
	base
	Runs []runRow
}

func (s *site) runList(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	runs, err := s.d.Backend.Runs(r.Context(), p, "", 200)
	if err != nil {
		s.failErr(w, r, &p, "runs", err)
		return
	}
	s.render(w, r, http.StatusOK, "runs", &runListPage{base: base{Title: "Runs", User: &p, Section: "runs"}, Runs: s.runRows(r, p, runs)})
}

// loadRun reads a run and the scenario version it ran.
func (s *site) loadRun(ctx context.Context, p Principal, id string) (store.Run, store.Scenario, forecast.Scenario, error) {
	run, err := s.d.Backend.Run(ctx, p, id)
	if err != nil {
		return run, store.Scenario{}, forecast.Scenario{}, err
	}
	sc, err := s.d.Backend.Scenario(ctx, p, run.ScenarioID, run.ScenarioVersion)
	if err != nil {
		return run, sc, forecast.Scenario{}, err
	}
	var doc forecast.Scenario
	if err := json.Unmarshal(sc.Document, &doc); err != nil {
		return run, sc, doc, fmt.Errorf("scenario %s version %d: %w", sc.ID, sc.Version, err)
	}
	return run, sc, doc.WithDefaults(), nil
}

type progressPage struct {
	base
	Run      runRow
	Scenario store.Scenario
}

type statusJSON struct {
	Status   string  `json:"status"`
	Progress float64 `json:"progress"`
}

// whoseRun identifies the caller and reads the run the path names, or answers the error page
// and returns false.
func (s *site) whoseRun(w http.ResponseWriter, r *http.Request) (Principal, store.Run, bool) {
	p, _, ok := s.who(w, r)
	if !ok {
		return p, store.Run{}, false
	}
	run, err := s.d.Backend.Run(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.failErr(w, r, &p, "run", err)
		return p, store.Run{}, false
	}
	return p, run, true
}

func (s *site) runStatus(w http.ResponseWriter, r *http.Request) {
	_, run, ok := s.whoseRun(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(statusJSON{Status: string(run.Status), Progress: run.Progress})
}

// keyTable is a table of one measure family's headline values in one year: baseline,
// scenario, range and change.
type keyTable struct {
	ID, Title, Caption string
	// Note names the data the table's numbers rest on, from the run's data-years line (the
	// unit costs beside the costs, the service use beside the services, the supply beside the
	// capacity gaps), "" when the line has none.
	Note string
	Rows []keyRow
}

type keyRow struct {
	Measure, Label, Band              string
	Baseline, Scenario, Range, Change string
	HasBaseline, HasRange             bool
	Percent                           string
}

type measureOption struct {
	Name, Label string
	Selected    bool
}

type exportLink struct {
	Label, Format, URL string
}

type wfRow struct {
	Label, Change, Total string
}

type resultsPage struct {
	base
	Run      runRow
	Scenario store.Scenario
	Levers   []string
	Area     forecast.AreaInfo
	Areas    []areaOption
	// Districts are the districts under the area shown, when the scenario reports them
	// (forecast.Scenario.Districts); Parent is the area a district shown is part of, when
	// the run reports it.
	Districts     []areaOption
	Parent        *areaOption
	Year          int
	Years         []int
	BaseYear      int
	HasBaseline   bool
	BaselineNote  string
	Tables        []keyTable
	Measure       string
	Measures      []measureOption
	Fan           fanBlock
	Mix           template.HTML
	MixTable      mixTable
	MixCSV        string
	Driver        string
	Drivers       []measureOption
	Waterfall     template.HTML
	WaterfallRows []wfRow
	WaterfallNote string
	WaterfallCSV  string
	KeyCSV        string
	Exports       []exportLink
	AreaExports   []exportLink
	Provenance    string
	DataYears     string         // the data and years the numbers rest on, from the provenance
	ServiceDrive  []serviceDrive // which need measures drive each service for 65+, from the provenance
	PerHead       bool           // services for 65+ follow population instead
	Problem       string
	Headline      string
	// Own lists the scenario's own assumptions (unit costs, supply, capacity) with the data's
	// values they replace (ownAssumptions).
	Own []string
}

// keyFamilies are the tables of a results page, in order.
var keyFamilies = []struct{ fam, id, title, data string }{
	{forecast.FamilyCapacity, "capacity", "Capacity needed", "supply"},
	{forecast.FamilyWorkforce, "workforce", "Workforce needed", ""},
	{forecast.FamilyCost, "cost", "Cost", "unit costs"},
	{forecast.FamilyService, "services", "People using services", "service use"},
	{forecast.FamilyNeed, "need", "People in need", "need"},
}

// dataTopics are the topics of a run's data-years line (datasets' dataYears), in its order.
var dataTopics = []string{"population", "need", "service use", "unit costs", "supply"}

// dataFor returns what a run's data-years line ("population: …; need: …; unit costs: …") says
// of topic, or "".
func dataFor(line, topic string) string {
	var out []string
	in := false
	for _, part := range strings.Split(line, "; ") {
		head, _, _ := strings.Cut(part, ": ")
		switch {
		case slices.Contains(dataTopics, head):
			in = head == topic
			if in {
				out = append(out, strings.TrimPrefix(part, head+": "))
			}
		case in:
			out = append(out, part)
		}
	}
	return strings.Join(out, "; ")
}

func (s *site) runPage(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	run, sc, doc, err := s.loadRun(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.failErr(w, r, &p, "run", err)
		return
	}
	if run.Status != store.RunSucceeded {
		d := &progressPage{base: base{Title: "Run of " + sc.Name, User: &p, Section: "runs"}, Run: runRowOf(run, sc.Name), Scenario: sc}
		s.render(w, r, http.StatusOK, "progress", d)
		return
	}
	d := &resultsPage{base: base{Title: "Results: " + sc.Name, User: &p, Section: "runs"}, Run: runRowOf(run, sc.Name), Scenario: sc}
	for _, l := range doc.Levers {
		desc := describeLever(l)
		if e := leverEffect(l, doc.BaseYear, doc.Horizon); e != "" {
			desc += "; cumulative effect " + e
		}
		d.Levers = append(d.Levers, desc)
	}
	areas := doc.Areas
	if len(areas) == 0 {
		for _, a := range s.areas.choices() {
			if rank(&a) < 3 {
				areas = append(areas, a.Code)
			}
		}
	}
	if doc.Districts {
		// The run reports the districts under each area too: offer them, each after its area.
		var all []string
		for _, a := range areas {
			all = append(all, a)
			for _, d := range s.areas.districtsUnder(a) {
				all = append(all, d.Code)
			}
		}
		areas = nil
		for _, a := range all {
			if !slices.Contains(areas, a) {
				areas = append(areas, a)
			}
		}
	}
	code := r.URL.Query().Get("area")
	if s.areas.get(code) == nil {
		code = areas[0]
	}
	if doc.Districts {
		for _, a := range s.areas.districtsUnder(code) {
			d.Districts = append(d.Districts, areaOption{Code: a.Code, Name: a.Name})
		}
		if a := s.areas.get(code); a != nil && lowestTier[a.Type] {
			if par := s.areas.get(a.Parent); par != nil && slices.Contains(areas, par.Code) {
				d.Parent = &areaOption{Code: par.Code, Name: par.Name}
			}
		}
	}
	if a := s.areas.get(code); a != nil {
		d.Area = *a
	} else {
		d.Area = forecast.AreaInfo{Code: code, Name: code}
	}
	for _, a := range areas {
		d.Areas = append(d.Areas, areaOption{Code: a, Name: s.areas.name(a), Selected: a == code})
	}
	d.Title += " – " + d.Area.Name
	if s.d.Results == nil {
		d.Problem = "This server cannot read results yet."
		s.render(w, r, http.StatusOK, "results", d)
		return
	}
	rows, err := s.d.Results.Rows(r.Context(), run, ResultFilter{Areas: []string{code},
		Measures: []string{"population", "need.*", "service.*", "capacity.*", "workforce.*", "cost.*"}})
	if err != nil {
		s.failErr(w, r, &p, "results", err)
		return
	}
	f := newFrame(rows)
	if len(f.years) == 0 {
		d.Problem = "This run has no results for " + d.Area.Name + "."
		s.render(w, r, http.StatusOK, "results", d)
		return
	}
	d.BaseYear = f.first()
	d.Years = f.years[1:]
	d.Year = yearParam(r, f, 2035)

	// The baseline: the same scenario without its levers, projected now for this area.
	var bf *frame
	if len(doc.Levers) > 0 {
		bsc := baselineOf(doc, code, s.areas.get(code))
		brows, err := s.project(r.Context(), bsc)
		switch {
		case err == nil:
			bf = newFrame(brows)
			d.HasBaseline = true
			d.BaselineNote = fmt.Sprintf("The baseline is this scenario without its levers, projected for %s with the same assumptions and the same random draws (%d).",
				d.Area.Name, bsc.Uncertainty.Draws)
		case errors.Is(err, errNoProjector):
			d.BaselineNote = "This server cannot project a baseline to compare with."
		default:
			s.log.Warn("baseline projection", "run_id", run.ID, "err", err)
			d.BaselineNote = "The baseline could not be projected: " + err.Error()
		}
	} else {
		d.BaselineNote = "This scenario has no levers: it is a baseline."
	}
	d.Own = s.ownAssumptions(doc)
	for _, kf := range keyFamilies {
		t := keyTable{ID: kf.id, Title: fmt.Sprintf("%s in %d", kf.title, d.Year)}
		if kf.data != "" {
			if v := dataFor(service.DataYearsOf(run.Provenance), kf.data); v != "" {
				t.Note = kf.data + ": " + v
			}
		}
		for _, m := range f.family(kf.fam) {
			t.Rows = append(t.Rows, keyRowOf(f, bf, code, m, d.Year))
		}
		if len(t.Rows) > 0 {
			d.Tables = append(d.Tables, t)
		}
	}
	if m := "capacity.home_care_hours"; f.has(m) {
		k := keyRowOf(f, bf, code, m, d.Year)
		d.Headline = fmt.Sprintf("In %d, %s would need %s home-care hours a week in this scenario", d.Year, d.Area.Name, k.Scenario)
		if k.HasRange {
			d.Headline += " (80% range " + k.Range + ")"
		}
		if k.HasBaseline {
			d.Headline += fmt.Sprintf(", against %s in the baseline: a change of %s (%s)", k.Baseline, k.Change, k.Percent)
		}
		d.Headline += "."
	}
	// The download names only the families the run has: a family it lacks would be refused
	// as a filter value not in its results.
	var keyMeasures []string
	for _, fam := range []string{"capacity", "workforce", "cost", "service", "need"} {
		if len(f.family(fam)) > 0 {
			keyMeasures = append(keyMeasures, fam+".*")
		}
	}
	d.KeyCSV = "/runs/" + run.ID + "/data.csv?" + filterQuery(ResultFilter{Areas: []string{code}, YearFrom: d.Year, YearTo: d.Year,
		Measures: keyMeasures, Sexes: []string{"all"}}).Encode()

	// Fan chart of the chosen measure, scenario against baseline.
	d.Measure = r.URL.Query().Get("measure")
	if !f.has(d.Measure) {
		d.Measure = "capacity.home_care_hours"
		if !f.has(d.Measure) {
			d.Measure = f.measures[0]
		}
	}
	for _, m := range f.measures {
		d.Measures = append(d.Measures, measureOption{Name: m, Label: shortLabel(m) + " (" + f.band(m) + ")", Selected: m == d.Measure})
	}
	series := []chart.Series{f.series("This scenario", code, d.Measure)}
	if bf != nil && bf.has(d.Measure) {
		series = append(series, bf.series("Baseline (no levers)", code, d.Measure))
	}
	d.Fan = fanOf("fan", fmt.Sprintf("%s (%s), %s", label(d.Measure), bandWords(f.band(d.Measure)), d.Area.Name), f.units[d.Measure], d.Year, series...)
	d.Fan.CSV = "/runs/" + run.ID + "/data.csv?" + filterQuery(ResultFilter{Areas: []string{code}, Measures: []string{d.Measure}, Sexes: []string{"all"},
		AgeBands: []string{f.band(d.Measure)}}).Encode()

	d.Mix, d.MixTable = serviceMix(f, code, "mix", "People using each service, "+d.Area.Name+", this scenario")
	d.MixCSV = "/runs/" + run.ID + "/data.csv?" + filterQuery(ResultFilter{Areas: []string{code}, Measures: []string{"service.*"}, Sexes: []string{"all"}}).Encode()

	if err := s.waterfall(r, run, doc, f, d); err != nil {
		s.failErr(w, r, &p, "results", err)
		return
	}
	base := "/runs/" + run.ID + "/export?format="
	for _, e := range []struct{ label, format string }{{"CSV", "csv"}, {"Excel", "xlsx"}, {"Parquet", "parquet"}, {"Arrow", "arrow"}, {"JSON", "json"}} {
		d.Exports = append(d.Exports, exportLink{Label: e.label, Format: e.format, URL: base + e.format})
		if e.format != "arrow" && e.format != "json" {
			d.AreaExports = append(d.AreaExports, exportLink{Label: e.label, Format: e.format, URL: base + e.format + "&area=" + url.QueryEscape(code)})
		}
	}
	if len(run.Provenance) > 0 {
		if b, err := json.MarshalIndent(json.RawMessage(run.Provenance), "", "  "); err == nil {
			d.Provenance = string(b)
		}
		d.ServiceDrive, d.PerHead = serviceDrivers(run.Provenance)
		d.DataYears = service.DataYearsOf(run.Provenance)
	}
	s.render(w, r, http.StatusOK, "results", d)
}

// baselineOf is a scenario without its levers, for one area, with draws capped so that it is
// quick to project. Every input has its own random stream in the engine, so the baseline's
// draws of the other inputs are the scenario's: the two differ by the levers alone, not by
// Monte Carlo noise.
func baselineOf(sc forecast.Scenario, area string, a *forecast.AreaInfo) forecast.Scenario {
	b := sc.WithDefaults()
	b.Name = "Baseline"
	b.Levers = nil
	b.Areas = []string{area}
	b.Districts = false
	b.Labels = nil
	b.Description = ""
	maxDraws := 1000
	if a != nil {
		switch a.Type {
		case "region":
			maxDraws = 100
		case "country":
			maxDraws = 40
		}
	}
	b.Uncertainty.Draws = min(b.Uncertainty.Draws, maxDraws)
	return b
}

// keyRowOf is one measure's headline in year: scenario, baseline, range, change.
func keyRowOf(f, bf *frame, area, m string, year int) keyRow {
	row := keyRow{Measure: m, Label: shortLabel(m), Band: f.band(m)}
	unit := f.units[m]
	r, ok := f.head(area, m, year)
	if !ok {
		row.Scenario = "–"
		return row
	}
	row.Scenario = value(r.Mean, unit)
	if r.P90-r.P10 > 1e-9*math.Max(1, math.Abs(r.Mean)) {
		row.HasRange = true
		row.Range = value(r.P10, unit) + " to " + value(r.P90, unit)
	}
	if bf != nil {
		if b, ok := bf.head(area, m, year); ok {
			row.HasBaseline = true
			row.Baseline = value(b.Mean, unit)
			row.Change = signedValue(r.Mean-b.Mean, unit)
			row.Percent = pct(b.Mean, r.Mean)
		}
	}
	return row
}

// waterfall fills the driver waterfall of the chosen measure and year.
func (s *site) waterfall(r *http.Request, run store.Run, doc forecast.Scenario, f *frame, d *resultsPage) error {
	code := d.Area.Code
	drows, err := s.d.Results.Rows(r.Context(), run, ResultFilter{Areas: []string{code}, YearFrom: d.Year, YearTo: d.Year, Measures: []string{"driver.*"}})
	if err != nil {
		return err
	}
	type part struct {
		name string
		v    float64
		band string
	}
	parts := map[string][]part{}
	var targets []string
	for _, row := range drows {
		rest := strings.TrimPrefix(row.Measure, "driver.")
		i := strings.LastIndex(rest, ".")
		if i < 0 {
			continue
		}
		m, pn := rest[:i], rest[i+1:]
		if _, ok := parts[m]; !ok {
			targets = append(targets, m)
		}
		parts[m] = append(parts[m], part{pn, row.Mean, row.AgeBand})
	}
	if len(targets) == 0 {
		d.WaterfallNote = "This run has no breakdown of change by driver."
		return nil
	}
	d.Driver = r.URL.Query().Get("driver")
	if !slices.Contains(targets, d.Driver) {
		d.Driver = "capacity.home_care_hours"
		if !slices.Contains(targets, d.Driver) {
			d.Driver = targets[0]
		}
	}
	for _, t := range targets {
		d.Drivers = append(d.Drivers, measureOption{Name: t, Label: shortLabel(t), Selected: t == d.Driver})
	}
	ps := parts[d.Driver]
	band := ps[0].band
	start, _ := f.get(code, d.Driver, "all", band, f.first())
	end, _ := f.get(code, d.Driver, "all", band, d.Year)
	unit := f.units[d.Driver]
	wf := chart.Waterfall{ID: "waterfall", Unit: unitWords(unit), Money: isMoney(unit),
		Title:      fmt.Sprintf("What changes %s (%s) in %s between %d and %d", strings.ToLower(label(d.Driver)[:1])+label(d.Driver)[1:], bandWords(band), d.Area.Name, f.first(), d.Year),
		StartLabel: fmt.Sprintf("%d level", f.first()), Start: start.Mean, EndLabel: fmt.Sprintf("%d level", d.Year), End: end.Mean}
	total := start.Mean
	d.WaterfallRows = append(d.WaterfallRows, wfRow{Label: wf.StartLabel, Total: value(start.Mean, unit)})
	sum := 0.0
	for _, pt := range ps {
		l := partLabel(pt.name, doc)
		wf.Steps = append(wf.Steps, chart.Step{Label: l, Delta: pt.v})
		total += pt.v
		sum += pt.v
		d.WaterfallRows = append(d.WaterfallRows, wfRow{Label: l, Change: signedValue(pt.v, unit), Total: value(total, unit)})
	}
	d.WaterfallRows = append(d.WaterfallRows, wfRow{Label: wf.EndLabel, Total: value(end.Mean, unit)})
	if diff := end.Mean - start.Mean - sum; math.Abs(diff) > 0.005*math.Max(1, math.Abs(end.Mean)) {
		d.WaterfallNote = fmt.Sprintf("The parts are worked out on the central assumptions, so they differ from the change in the mean of the draws by %s.", signedValue(diff, unit))
	}
	d.Waterfall = wf.SVG()
	d.WaterfallCSV = "/runs/" + run.ID + "/data.csv?" + filterQuery(ResultFilter{Areas: []string{code}, YearFrom: d.Year, YearTo: d.Year,
		Measures: []string{"driver." + d.Driver + ".*"}}).Encode()
	return nil
}

// partLabel names a driver part: "demography", "prices", "use_trend" or "<n>_<slug>" for
// lever n.
func partLabel(part string, doc forecast.Scenario) string {
	switch part {
	case "demography":
		return "Population change (demography)"
	case "prices":
		return "Prices (cash terms)"
	case forecast.DriverUseTrend:
		return "Trend in use rates (activity history)"
	}
	if n, _, ok := strings.Cut(part, "_"); ok {
		if i, err := strconv.Atoi(n); err == nil && i >= 1 && i <= len(doc.Levers) {
			return leverTitle(doc.Levers[i-1])
		}
	}
	return humanise(part)
}

func (s *site) runData(w http.ResponseWriter, r *http.Request) {
	p, run, ok := s.whoseRun(w, r)
	if !ok {
		return
	}
	if run.Status != store.RunSucceeded || s.d.Results == nil {
		s.fail(w, r, &p, http.StatusConflict, "No results", "This run has no results to download.")
		return
	}
	flt := filterFromQuery(r)
	if err := s.d.Results.Check(r.Context(), run, flt); err != nil {
		s.failErr(w, r, &p, "results", err)
		return
	}
	rows, err := s.d.Results.Rows(r.Context(), run, flt)
	if err != nil {
		s.failErr(w, r, &p, "results", err)
		return
	}
	writeCSV(w, run.ID+".csv", rows, flt)
}

// runEvents writes a run's server-sent events (service.Service.RunEvents, as the API's
// /v1/runs/{id}/events), so that the progress page can follow it with EventSource.
func (s *site) runEvents(w http.ResponseWriter, r *http.Request) {
	_, run, ok := s.whoseRun(w, r)
	if !ok {
		return
	}
	h := w.Header()
	h.Del("Content-Security-Policy") // a stream, not a page
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{}) // no request body: the server's ReadTimeout must not end the stream
	w.WriteHeader(http.StatusOK)
	s.d.Backend.RunEvents(r.Context(), run, &eventWriter{deadlineWriter{w: w, rc: rc, timeout: s.d.WriteTimeout}}, s.d.Closing, s.d.RunEnd)
}

// eventWriter is a service.EventWriter on a response.
type eventWriter struct{ deadlineWriter }

func (e *eventWriter) Flush() error { return e.rc.Flush() }

// runExport writes a download of a run's results in the format asked for, with the results
// API's filters and disclosure control (service.Service.Export, which the API's
// /v1/runs/{id}/results/export calls too).
func (s *site) runExport(w http.ResponseWriter, r *http.Request) {
	p, _, ok := s.who(w, r)
	if !ok {
		return
	}
	opts, err := exportOptions(r.URL.Query())
	if err != nil {
		s.fail(w, r, &p, http.StatusUnprocessableEntity, "Download not possible", err.Error())
		return
	}
	ex, err := s.d.Backend.Export(r.Context(), p, r.PathValue("id"), filterFromQuery(r), opts)
	var nr *service.NoResultsError
	if errors.As(err, &nr) {
		s.fail(w, r, &p, http.StatusConflict, "No results", "This run has no results to download.")
		return
	}
	if err != nil {
		s.failErr(w, r, &p, "run", err)
		return
	}
	defer ex.Close()
	h := w.Header()
	h.Del("Content-Security-Policy") // a file, not a page
	h.Set("Content-Type", ex.ContentType)
	h.Set("Content-Disposition", `attachment; filename="`+ex.FileName+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=0")
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{}) // no request body: the server's ReadTimeout must not end the download
	w.WriteHeader(http.StatusOK)
	if err := ex.Stream(r.Context(), &deadlineWriter{w: w, rc: rc, timeout: s.d.WriteTimeout}); err != nil {
		if r.Context().Err() == nil {
			s.log.Error("export failed", "run", ex.Run.ID, "format", ex.Format, "err", err)
		}
		// The client sees a truncated body, never a short file that looks whole.
		panic(http.ErrAbortHandler)
	}
}

// exportOptions reads a download's format (default csv) and disclosure control (disclosure,
// round: default 5, 1 to 1000; suppress_below: default 10, 0 to 1000000), as the results API
// takes them.
func exportOptions(q url.Values) (service.ExportOptions, error) {
	var opts service.ExportOptions
	f := q.Get("format")
	if f == "" {
		f = "csv"
	}
	format, err := datasets.ParseExportFormat(f)
	if err != nil {
		return opts, fmt.Errorf("format %q: %v", f, err)
	}
	opts.Format = format
	if v := q.Get("disclosure"); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return opts, fmt.Errorf("disclosure %q: want true or false", v)
		}
		if !on {
			return opts, nil
		}
		d := &datasets.Disclosure{Round: 5, SuppressBelow: 10}
		if v := q.Get("round"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return opts, fmt.Errorf("round %q: want a whole number from 1 to 1000", v)
			}
			d.Round = n
		}
		if v := q.Get("suppress_below"); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || !(x >= 0 && x <= 1e6) {
				return opts, fmt.Errorf("suppress_below %q: want a number from 0 to 1000000", v)
			}
			d.SuppressBelow = x
		}
		opts.Disclosure = d
	}
	return opts, nil
}

// deadlineWriter extends the connection's write deadline before each write (when timeout is
// set), so that a long download is bounded per write rather than as a whole.
type deadlineWriter struct {
	w       io.Writer
	rc      *http.ResponseController
	timeout time.Duration
}

func (d *deadlineWriter) Write(b []byte) (int, error) {
	if d.timeout > 0 {
		d.rc.SetWriteDeadline(time.Now().Add(d.timeout))
	}
	return d.w.Write(b)
}

// serviceDrive is one service's driving measures for people 65+, worded for the page.
type serviceDrive struct {
	Short   string // the service's short label
	Drivers string // "Dementia 70%, Need help with self-care 30%"
}

// serviceDrivers reads from a run's provenance the need measures that drove each service for
// people 65+ (the engine records the drivers it resolved in the scenario it ran), and whether
// services followed population instead.
func serviceDrivers(prov []byte) ([]serviceDrive, bool) {
	var p struct {
		Scenario forecast.Scenario `json:"scenario"`
	}
	if json.Unmarshal(prov, &p) != nil {
		return nil, false
	}
	if p.Scenario.Services.PerHead {
		return nil, true
	}
	var out []serviceDrive
	for _, name := range forecast.ServiceNames {
		var parts []string
		for _, d := range p.Scenario.Services.Drivers {
			if d.Service == name {
				parts = append(parts, fmt.Sprintf("%s %.0f%%", shortLabel(forecast.FamilyNeed+"."+d.Measure), 100*d.Share))
			}
		}
		if len(parts) > 0 {
			out = append(out, serviceDrive{Short: shortLabel(forecast.FamilyService + "." + name), Drivers: strings.Join(parts, ", ")})
		}
	}
	return out, false
}
