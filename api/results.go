package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
)

// ResultRow is one cell of a run's results: the tidy long table of every export format.
type ResultRow struct {
	ScenarioID string  `json:"scenario_id" doc:"The scenario run."`
	RunID      string  `json:"run_id" doc:"The run."`
	AreaCode   string  `json:"area_code" example:"E06000001" doc:"ONS GSS code of the area."`
	AreaName   string  `json:"area_name" example:"Hartlepool" doc:"The area's name."`
	Year       int     `json:"year" example:"2030" doc:"Calendar year (mid-year) for people, first year of the financial year for services and cost."`
	Measure    string  `json:"measure" example:"need.dementia" doc:"Measure: its family (population, need, service, capacity, workforce, cost, driver), a dot and its name."`
	Unit       string  `json:"unit" example:"people" doc:"Unit of the values: people, clients, residents, beds, hours per week, FTE, GBP per year."`
	Sex        string  `json:"sex" enum:"female,male,all" doc:"female, male or all."`
	AgeBand    string  `json:"age_band" example:"65-74" doc:"Age band such as 65-74, 85+, 65+ or all."`
	Mean       float64 `json:"mean" doc:"Mean over Monte Carlo draws (the value of a deterministic run)."`
	P10        float64 `json:"p10" doc:"Lower quantile (10th percentile unless the scenario sets others)."`
	P50        float64 `json:"p50" doc:"Median."`
	P90        float64 `json:"p90" doc:"Upper quantile (90th percentile unless the scenario sets others)."`
}

func resultBody(r forecast.ResultRow) ResultRow {
	return ResultRow{ScenarioID: r.ScenarioID, RunID: r.RunID, AreaCode: r.AreaCode, AreaName: r.AreaName, Year: r.Year,
		Measure: r.Measure, Unit: r.Unit, Sex: r.Sex, AgeBand: r.AgeBand, Mean: r.Mean, P10: r.P10, P50: r.P50, P90: r.P90}
}

// ResultFilterParams are the query parameters that select cells of a run's results. Each list
// is comma-separated; empty selects everything.
type ResultFilterParams struct {
	Area     []string `query:"area" maxItems:"500" example:"E06000001,E06000002" doc:"GSS area codes, comma-separated."`
	YearFrom int      `query:"year_from" minimum:"1900" maximum:"2200" doc:"First year (inclusive)."`
	YearTo   int      `query:"year_to" minimum:"1900" maximum:"2200" doc:"Last year (inclusive)."`
	Measure  []string `query:"measure" maxItems:"100" example:"need.dementia,service.*" doc:"Measure names, comma-separated; a name ending in * selects every measure starting with the text before it (need.* is the need family)."`
	Sex      []string `query:"sex" maxItems:"3" example:"female,male" doc:"female, male or all, comma-separated."`
	AgeBand  []string `query:"age_band" maxItems:"50" example:"65-74,75-84" doc:"Age bands, comma-separated."`
}

var (
	areaPattern    = regexp.MustCompile(`^[A-Z][0-9]{8}$`)
	measurePattern = regexp.MustCompile(`^[a-z0-9_.]{1,120}\*?$|^\*$`)
	bandPattern    = regexp.MustCompile(`^[a-z0-9+\-]{1,20}$`)
)

// filter checks the parameters and returns the filter they describe, or a 422 naming each bad
// value.
func (p ResultFilterParams) filter() (datasets.ResultFilter, error) {
	var details []error
	var msgs []string
	bad := func(loc string, v any, msg string) {
		details = append(details, &huma.ErrorDetail{Location: "query." + loc, Value: v, Message: msg})
		msgs = append(msgs, fmt.Sprintf("%s %q: %s", strings.ReplaceAll(loc, "_", " "), fmt.Sprint(v), msg))
	}
	for _, a := range p.Area {
		if !areaPattern.MatchString(a) {
			bad("area", a, "not a GSS area code (a letter and 8 digits, e.g. E06000001)")
		}
	}
	for _, m := range p.Measure {
		if !measurePattern.MatchString(m) {
			bad("measure", m, "not a measure name (lower-case letters, digits, _ and ., optionally ending in *)")
		}
	}
	for _, x := range p.Sex {
		if x != "female" && x != "male" && x != "all" {
			bad("sex", x, "want female, male or all")
		}
	}
	for _, b := range p.AgeBand {
		if !bandPattern.MatchString(b) {
			bad("age_band", b, "not an age band (e.g. 65-74, 85+, all)")
		}
	}
	if p.YearFrom != 0 && p.YearTo != 0 && p.YearFrom > p.YearTo {
		bad("year_to", p.YearTo, "must not be before year_from")
	}
	if len(details) > 0 {
		return datasets.ResultFilter{}, huma.Error422UnprocessableEntity("invalid filter: "+strings.Join(msgs, "; "), details...)
	}
	return datasets.ResultFilter{Areas: p.Area, YearFrom: p.YearFrom, YearTo: p.YearTo, Measures: p.Measure,
		Sexes: p.Sex, AgeBands: p.AgeBand}, nil
}

// Result page cursors are opaque to clients: the position in the result file where the next
// page starts.
func encodeResultCursor(pos int64) string {
	if pos == 0 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("r1:" + strconv.FormatInt(pos, 10)))
}

func decodeResultCursor(c string, rows int64) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	var pos int64
	if err == nil {
		s, ok := strings.CutPrefix(string(b), "r1:")
		pos, err = strconv.ParseInt(s, 10, 64)
		if !ok || err != nil || pos <= 0 || pos > rows {
			err = errors.New("bad cursor")
		}
	}
	if err != nil {
		return 0, huma.Error422UnprocessableEntity("invalid cursor", &huma.ErrorDetail{
			Location: "query.cursor", Value: c, Message: "not a cursor of this run's results; start from the first page"})
	}
	return pos, nil
}

// ResultsPage is one page of a run's results.
type ResultsPage struct {
	RunID      string      `json:"run_id" doc:"The run."`
	DataYears  string      `json:"data_years,omitempty" doc:"The data and years the numbers rest on, e.g. 'population: ONS mid-2022 estimates, projected on ONS NPP 2018 assumptions; service use: PSS-EX1 2011-12 to 2013-14' (also in the run's provenance)."`
	Items      []ResultRow `json:"items" doc:"The cells, in the order of the result file."`
	NextCursor string      `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page."`
}

// resultsOutput carries a ResultsPage already encoded (see ResultsPage.MarshalJSON): Huma
// writes a []byte body as it is, without reflection. The OpenAPI document still describes it
// as a ResultsPage (see resultsDoc).
type resultsOutput struct {
	ContentType   string `header:"Content-Type"`
	ContentLength string `header:"Content-Length"`
	Body          []byte
}

func pageOutput(body []byte) *resultsOutput {
	return &resultsOutput{ContentType: "application/json", ContentLength: strconv.Itoa(len(body)), Body: body}
}

// resultsDoc documents get-results' answer as the ResultsPage schema.
func resultsDoc(api huma.API) *huma.Response {
	schema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[ResultsPage](), true, "ResultsPage")
	return &huma.Response{Description: "OK", Content: map[string]*huma.MediaType{"application/json": {Schema: schema}}}
}

// resultsInput is the input of get-results.
type resultsInput struct {
	RunPath
	ResultFilterParams
	PageParams
}

// exportInput is the input of export-results.
type exportInput struct {
	RunPath
	ResultFilterParams
	Format        string  `query:"format" enum:"csv,parquet,arrow,xlsx,json" default:"csv" doc:"csv; parquet; arrow (Arrow IPC stream); xlsx (Excel: a sheet per measure family and a provenance sheet); json (newline-delimited JSON, one object per cell)."`
	Disclosure    bool    `query:"disclosure" doc:"Apply disclosure control to counts of people (units people, clients, residents): round to the nearest 'round' and suppress values whose mean is under 'suppress_below' (empty in CSV and Excel, null in Parquet, Arrow and JSON)."`
	Round         int     `query:"round" minimum:"1" maximum:"1000" default:"5" doc:"With disclosure: the multiple counts are rounded to."`
	SuppressBelow float64 `query:"suppress_below" minimum:"0" maximum:"1000000" default:"10" doc:"With disclosure: counts whose mean is below this are suppressed."`
}

// exportDoc documents the export's response bodies in OpenAPI.
var exportDoc = func() *huma.Response {
	content := map[string]*huma.MediaType{}
	for _, f := range datasets.ExportFormats {
		ct, _, _ := strings.Cut(f.ContentType(), ";")
		content[ct] = &huma.MediaType{Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}}
	}
	return &huma.Response{
		Description: "The selected cells as a file (Content-Disposition: attachment), streamed as it is produced. " +
			"Every format holds the same columns: scenario_id, run_id, area_code, area_name, year, measure, unit, sex, " +
			"age_band, mean, p10, p50, p90. If the server fails part way, it closes the connection without finishing " +
			"the body, so a truncated download is never mistaken for a whole one.",
		Content: content,
	}
}()

func (s *Service) registerResults(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "get-results", Method: http.MethodGet, Path: "/runs/{id}/results", Tags: []string{"Results"},
		Summary: "Read a run's results",
		Description: "A page of the cells of a succeeded run's results, filtered by area, year, measure, sex and age band, " +
			"in the order of the result file. 409 if the run has not succeeded; 422 if a filter value is malformed or is not " +
			"in the run's results (the problem names it and the known values; get-result-values lists them). Known values " +
			"that select no cell together answer an empty page. 500 if its result file is damaged (it no " +
			"longer matches the SHA-256 hash recorded when it was written; running the scenario again recreates it).",
		Responses: map[string]*huma.Response{"200": resultsDoc(api)},
		Errors:    []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, "run", store.RoleViewer, func(ctx context.Context, in *resultsInput) (*resultsOutput, error) {
		flt, err := in.ResultFilterParams.filter()
		if err != nil {
			return nil, err
		}
		pg, err := s.page(in.PageParams)
		if err != nil {
			return nil, err
		}
		r, rf, release, err := s.runResults(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		defer release()
		if err := checkKnown(ctx, r.ID, rf, flt); err != nil {
			return nil, err
		}
		from, err := decodeResultCursor(in.Cursor, rf.NumRows())
		if err != nil {
			return nil, err
		}
		key := pageKey(rf.Name()+"\x00"+r.ID, flt, from, pg.Limit)
		if body, ok := s.pages.get(key); ok {
			return pageOutput(body), nil
		}
		rows, next, err := rf.Page(ctx, flt, from, pg.Limit)
		if err != nil {
			return nil, err
		}
		page := ResultsPage{RunID: r.ID, DataYears: rf.Provenance().DataYears, Items: make([]ResultRow, len(rows)), NextCursor: encodeResultCursor(next)}
		for i, row := range rows {
			page.Items[i] = resultBody(row)
		}
		body, err := page.MarshalJSON()
		if err != nil {
			return nil, err
		}
		s.pages.put(key, body)
		return pageOutput(body), nil
	})

	register(s, api, huma.Operation{
		OperationID: "export-results", Method: http.MethodGet, Path: "/runs/{id}/results/export", Tags: []string{"Results"},
		Summary: "Export a run's results",
		Description: "The cells of a succeeded run's results, filtered as in get-results, as one file in the chosen format, " +
			"optionally with disclosure control. The export streams: any size can be downloaded. Parquet and Arrow carry " +
			"the run's provenance in their metadata, Excel on its provenance sheet. As in get-results, a filter value that is " +
			"not in the run's results answers 422 naming it and the known values, before any of the file is sent; 500 if the " +
			"result file is damaged.",
		Responses: map[string]*huma.Response{"200": exportDoc},
		Errors:    []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, "run", store.RoleViewer, s.exportResults)

	s.registerResultValues(api)
	s.registerCompare(api)
	s.registerDrivers(api)
}

func (s *Service) exportResults(ctx context.Context, in *exportInput) (*huma.StreamResponse, error) {
	flt, err := in.ResultFilterParams.filter()
	if err != nil {
		return nil, err
	}
	format, err := datasets.ParseExportFormat(in.Format)
	if err != nil { // the enum makes this unreachable
		return nil, huma.Error422UnprocessableEntity("invalid format", &huma.ErrorDetail{Location: "query.format", Value: in.Format, Message: err.Error()})
	}
	opts := service.ExportOptions{Format: format}
	if in.Disclosure {
		opts.Disclosure = &datasets.Disclosure{Round: in.Round, SuppressBelow: in.SuppressBelow}
	}
	ex, err := s.svc.Export(ctx, service.Principal{OrgID: caller(ctx).OrgID}, in.ID, forecast.ResultFilter(flt), opts)
	if err != nil {
		return nil, exportProblem(in.ID, err)
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		defer ex.Close()
		s.streamExport(hctx, ex)
	}}, nil
}

// exportProblem answers the errors of service.Service.Export that are the request's: 409 for
// a run without results, 422 naming each unknown filter value; others pass through to toHTTP.
func exportProblem(runID string, err error) error {
	var nr *service.NoResultsError
	if errors.As(err, &nr) {
		return huma.Error409Conflict(nr.Error())
	}
	return unknownProblem(runID, err)
}

// deadlineWriter extends the connection's write deadline before each write, so that a long
// download is bounded per write rather than as a whole.
type deadlineWriter struct {
	w       io.Writer
	rc      *http.ResponseController
	timeout time.Duration
}

func (d *deadlineWriter) Write(b []byte) (int, error) {
	if d.rc != nil {
		d.rc.SetWriteDeadline(time.Now().Add(d.timeout))
	}
	return d.w.Write(b)
}

// streamExport writes the export. Failures after the status line is sent abort the
// connection (the client sees a truncated body, never a short file that looks whole).
func (s *Service) streamExport(hctx huma.Context, ex *service.Export) {
	ctx := hctx.Context()
	dw := &deadlineWriter{w: hctx.BodyWriter(), timeout: s.cfg.WriteTimeout}
	if rw, ok := hctx.BodyWriter().(http.ResponseWriter); ok {
		dw.rc = http.NewResponseController(rw)
		dw.rc.SetReadDeadline(time.Time{}) // no request body; see streamRun
	}
	hctx.SetHeader("Content-Type", ex.ContentType)
	hctx.SetHeader("Content-Disposition", `attachment; filename="`+ex.FileName+`"`)
	hctx.SetHeader("X-Content-Type-Options", "nosniff")
	hctx.SetHeader("Cache-Control", "private, max-age=0")
	hctx.SetStatus(http.StatusOK)

	if err := ex.Stream(ctx, dw); err != nil {
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "export failed", "request_id", info(ctx).id, "run", ex.Run.ID, "format", ex.Format, "err", err)
		}
		panic(http.ErrAbortHandler)
	}
}

// cellKey identifies a cell across runs.
type cellKey struct {
	area    string
	year    int
	measure string
	sex     string
	band    string
}

func keyOf(r forecast.ResultRow) cellKey {
	return cellKey{r.AreaCode, r.Year, r.Measure, r.Sex, r.AgeBand}
}

// CompareValue is one run's value of a compared cell.
type CompareValue struct {
	RunID   string   `json:"run_id" doc:"The run."`
	Mean    *float64 `json:"mean" doc:"The run's mean (the mean of its draws, or the value itself in a deterministic run); null if the run has no such cell."`
	P10     *float64 `json:"p10" doc:"Lower quantile; null if the run has no such cell."`
	P50     *float64 `json:"p50" doc:"Median; null if the run has no such cell."`
	P90     *float64 `json:"p90" doc:"Upper quantile; null if the run has no such cell."`
	Central *float64 `json:"central" doc:"The run's central projection, every input at its central value: the value itself in a deterministic run, the scenario run without draws for a run with Monte Carlo draws. Diff and ratio compare these. Null if the run has no such cell."`
	Diff    *float64 `json:"diff" doc:"central minus the first run's central; null if either run has no such cell."`
	Ratio   *float64 `json:"ratio" doc:"central divided by the first run's central; null if either run has no such cell or the first run's central is 0."`
}

// CompareCell is a cell of the first run with every run's value of it.
type CompareCell struct {
	AreaCode string         `json:"area_code" example:"E06000001" doc:"ONS GSS code of the area."`
	AreaName string         `json:"area_name" doc:"The area's name."`
	Year     int            `json:"year" doc:"Year."`
	Measure  string         `json:"measure" doc:"Measure."`
	Unit     string         `json:"unit" doc:"Unit of the values."`
	Sex      string         `json:"sex" enum:"female,male,all" doc:"female, male or all."`
	AgeBand  string         `json:"age_band" doc:"Age band."`
	Runs     []CompareValue `json:"runs" doc:"One entry per run, in the order asked; the first is the base of diff and ratio."`
}

// Compared names the statistic that comparisons set side by side: the central projection,
// which a deterministic run and a run with Monte Carlo draws both have. (The mean of draws
// differs from the central projection, so comparing it with a deterministic run's value would
// show changes that no input made.)
const Compared = "central"

// Comparison is one page of a comparison of runs.
type Comparison struct {
	Runs       []string      `json:"runs" doc:"The runs compared, the first being the base."`
	Compared   string        `json:"compared" enum:"central" doc:"The statistic diff and ratio compare: central, each run's central projection (every input at its central value)."`
	Items      []CompareCell `json:"items" doc:"The first run's cells that pass the filter, in its file order."`
	NextCursor string        `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page."`
}

type compareOutput struct {
	Body Comparison
}

type compareInput struct {
	Runs []string `query:"runs" required:"true" minItems:"2" maxItems:"5" example:"run_abcdefghijklmnopqrstuvwxyz,run_bcdefghijklmnopqrstuvwxyza" doc:"Two to five run IDs, comma-separated; differences and ratios are against the first."`
	ResultFilterParams
	PageParams
}

func ptr(v float64) *float64 { return &v }

func (s *Service) registerCompare(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "compare-runs", Method: http.MethodGet, Path: "/compare", Tags: []string{"Results"},
		Summary: "Compare runs",
		Description: "Cell by cell, the values of up to five succeeded runs, with each run's difference from and ratio to " +
			"the first. Differences and ratios compare like with like: each run's central projection (every input at its " +
			"central value), which is a deterministic run's value and, for a run with Monte Carlo draws, the scenario run " +
			"without draws that is stored beside them; the draws' mean and quantiles are listed too. Cells are matched on " +
			"area, year, measure, sex and age band; the cells listed are the first run's that pass the filter, paged in its " +
			"file order. 404 if any run is not found, 409 if any has not succeeded or has draws but no central projection " +
			"stored (runs made before carecast stored it); 422 if a filter value is not in the first run's results.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, "run", store.RoleViewer, func(ctx context.Context, in *compareInput) (*compareOutput, error) {
		flt, err := in.ResultFilterParams.filter()
		if err != nil {
			return nil, err
		}
		var details []error
		for i, id := range in.Runs {
			if !runIDPattern.MatchString(id) {
				details = append(details, &huma.ErrorDetail{Location: fmt.Sprintf("query.runs[%d]", i), Value: id, Message: "not a run ID"})
			}
		}
		if len(details) > 0 {
			return nil, huma.Error422UnprocessableEntity("invalid runs", details...)
		}
		pg, err := s.page(in.PageParams)
		if err != nil {
			return nil, err
		}
		files := make([]*datasets.ResultFile, len(in.Runs))
		centrals := make([]*datasets.ResultFile, len(in.Runs))
		for i, id := range in.Runs {
			r, rf, release, err := s.runResults(ctx, id)
			if err != nil {
				return nil, err
			}
			defer release()
			c, crelease, err := s.runCentral(r, rf)
			if err != nil {
				return nil, err
			}
			defer crelease()
			files[i], centrals[i] = rf, c
		}
		if err := checkKnown(ctx, in.Runs[0], files[0], flt); err != nil {
			return nil, err
		}
		from, err := decodeResultCursor(in.Cursor, files[0].NumRows())
		if err != nil {
			return nil, err
		}
		base, next, err := files[0].Page(ctx, flt, from, pg.Limit)
		if err != nil {
			return nil, err
		}
		out := &compareOutput{Body: Comparison{Runs: in.Runs, Compared: Compared, Items: make([]CompareCell, len(base)), NextCursor: encodeResultCursor(next)}}
		index := make(map[cellKey]int, len(base))
		for i, b := range base {
			index[keyOf(b)] = i
			out.Body.Items[i] = CompareCell{AreaCode: b.AreaCode, AreaName: b.AreaName, Year: b.Year, Measure: b.Measure,
				Unit: b.Unit, Sex: b.Sex, AgeBand: b.AgeBand, Runs: make([]CompareValue, len(in.Runs))}
			for k, id := range in.Runs {
				out.Body.Items[i].Runs[k].RunID = id
			}
			out.Body.Items[i].Runs[0] = compareValue(in.Runs[0], b)
		}
		if len(base) == 0 {
			return out, nil
		}
		narrow := pageFilter(base)
		for k := range files {
			if k > 0 {
				err := files[k].Scan(ctx, narrow, datasets.ScanOptions{}, func(_ int64, r forecast.ResultRow) bool {
					if i, ok := index[keyOf(r)]; ok {
						out.Body.Items[i].Runs[k] = compareValue(in.Runs[k], r)
					}
					return true
				})
				if err != nil {
					return nil, err
				}
			}
			if centrals[k] == files[k] {
				for i := range out.Body.Items {
					out.Body.Items[i].Runs[k].Central = out.Body.Items[i].Runs[k].Mean
				}
				continue
			}
			err := centrals[k].Scan(ctx, narrow, datasets.ScanOptions{}, func(_ int64, r forecast.ResultRow) bool {
				if i, ok := index[keyOf(r)]; ok {
					out.Body.Items[i].Runs[k].Central = ptr(r.Mean)
				}
				return true
			})
			if err != nil {
				return nil, err
			}
		}
		for i := range out.Body.Items {
			vs := out.Body.Items[i].Runs
			for k := range vs {
				if b, c := vs[0].Central, vs[k].Central; b != nil && c != nil {
					vs[k].Diff = ptr(*c - *b)
					if *b != 0 {
						vs[k].Ratio = ptr(*c / *b)
					}
				}
			}
		}
		return out, nil
	})
}

var runIDPattern = regexp.MustCompile(`^run_[a-z2-7]{26}$`)

// compareValue is run id's values of cell r, without the central projection and the
// differences, which need every run's central file.
func compareValue(id string, r forecast.ResultRow) CompareValue {
	return CompareValue{RunID: id, Mean: ptr(r.Mean), P10: ptr(r.P10), P50: ptr(r.P50), P90: ptr(r.P90)}
}

// pageFilter is a filter that selects at least the cells of a page (and few others): its
// areas, measures, sexes and age bands, and its years' range.
func pageFilter(rows []forecast.ResultRow) datasets.ResultFilter {
	set := func(get func(forecast.ResultRow) string) []string {
		seen := map[string]bool{}
		var out []string
		for _, r := range rows {
			if v := get(r); !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		return out
	}
	f := datasets.ResultFilter{
		Areas:    set(func(r forecast.ResultRow) string { return r.AreaCode }),
		Measures: set(func(r forecast.ResultRow) string { return r.Measure }),
		Sexes:    set(func(r forecast.ResultRow) string { return r.Sex }),
		AgeBands: set(func(r forecast.ResultRow) string { return r.AgeBand }),
		YearFrom: rows[0].Year, YearTo: rows[0].Year,
	}
	for _, r := range rows {
		f.YearFrom, f.YearTo = min(f.YearFrom, r.Year), max(f.YearTo, r.Year)
	}
	return f
}

// Drivers. The engine writes the split of each measure's change into its causes as rows of the
// result file whose measure is "driver.<measure>.<part>" (see the package documentation).

// DriverPrefix starts the measure name of every driver row.
const DriverPrefix = "driver."

// DriverTotalPart is the part naming a driver group's total change, when the engine writes it.
const DriverTotalPart = "total"

// maxDriverRows bounds the driver rows one request may read.
const maxDriverRows = 100000

// DriverPart is one cause's contribution to a measure's change.
type DriverPart struct {
	Part string  `json:"part" example:"demography" doc:"The cause: demography, use_trend (the data's use-rate trends), prices, or a lever's name."`
	Mean float64 `json:"mean" doc:"Its contribution to the change from the base year, in the measure's unit (mean over draws)."`
	P10  float64 `json:"p10" doc:"Lower quantile of the contribution."`
	P50  float64 `json:"p50" doc:"Median contribution."`
	P90  float64 `json:"p90" doc:"Upper quantile of the contribution."`
}

// DriverGroup is the split of one measure's change for one sex and age band.
type DriverGroup struct {
	Measure  string       `json:"measure" example:"need.dementia" doc:"The measure whose change is split."`
	Unit     string       `json:"unit" doc:"Unit of the contributions."`
	Sex      string       `json:"sex" enum:"female,male,all" doc:"female, male or all."`
	AgeBand  string       `json:"age_band" doc:"Age band."`
	Parts    []DriverPart `json:"parts" doc:"The contributions, in the order the engine wrote them (the total part excluded)."`
	Total    float64      `json:"total" doc:"The change from the base year: the engine's total part when it wrote one, else the sum of the parts' means."`
	Residual float64      `json:"residual" doc:"total minus the sum of the parts' means: 0 when the parts add up."`
}

// Drivers is the split of every measure's change in one area and year.
type Drivers struct {
	RunID    string        `json:"run_id" doc:"The run."`
	AreaCode string        `json:"area_code" doc:"The area."`
	AreaName string        `json:"area_name,omitempty" doc:"The area's name."`
	Year     int           `json:"year" doc:"The year whose change from the base year is split."`
	Items    []DriverGroup `json:"items" doc:"One entry per measure, sex and age band, in file order."`
}

type driversOutput struct {
	Body Drivers
}

type driversInput struct {
	RunPath
	Area    string   `query:"area" required:"true" pattern:"^[A-Z][0-9]{8}$" example:"E06000001" doc:"GSS area code."`
	Year    int      `query:"year" required:"true" minimum:"1900" maximum:"2200" example:"2035" doc:"The year whose change from the base year is split."`
	Measure []string `query:"measure" maxItems:"100" doc:"Only these measures (e.g. need.dementia), comma-separated; a name ending in * selects a family (need.*)."`
	Sex     []string `query:"sex" maxItems:"3" doc:"female, male or all, comma-separated."`
	AgeBand []string `query:"age_band" maxItems:"50" doc:"Age bands, comma-separated."`
}

func (s *Service) registerDrivers(api huma.API) {
	register(s, api, huma.Operation{
		OperationID: "get-drivers", Method: http.MethodGet, Path: "/runs/{id}/drivers", Tags: []string{"Results"},
		Summary: "Drivers of change",
		Description: "For one area and year, how the change of each measure since the base year splits into demography, " +
			"prevalence trend and each policy lever (the parts add up to the total; residual shows any gap). 409 if the " +
			"run has not succeeded; 422 if the area, year, a measure, sex or age band is not in the run's results, or if the " +
			"selection holds too many driver rows (filter by measure).",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
	}, "run", store.RoleViewer, func(ctx context.Context, in *driversInput) (*driversOutput, error) {
		fp := ResultFilterParams{Area: []string{in.Area}, YearFrom: in.Year, YearTo: in.Year, Measure: in.Measure, Sex: in.Sex, AgeBand: in.AgeBand}
		flt, err := fp.filter()
		if err != nil {
			return nil, err
		}
		known := flt
		flt.Measures = []string{DriverPrefix + "*"}
		for i, m := range in.Measure {
			if i == 0 {
				flt.Measures = nil
			}
			if p, ok := strings.CutSuffix(m, "*"); ok {
				flt.Measures = append(flt.Measures, DriverPrefix+p+"*")
			} else {
				flt.Measures = append(flt.Measures, DriverPrefix+m+".*")
			}
		}
		r, rf, release, err := s.runResults(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		defer release()
		if err := checkKnown(ctx, r.ID, rf, known); err != nil {
			return nil, err
		}
		out := &driversOutput{Body: Drivers{RunID: r.ID, AreaCode: in.Area, Year: in.Year, Items: []DriverGroup{}}}
		type gkey struct{ measure, sex, band string }
		groups := map[gkey]int{}
		totals := map[int]float64{}
		n := 0
		err = rf.Scan(ctx, flt, datasets.ScanOptions{}, func(_ int64, row forecast.ResultRow) bool {
			n++
			if n > maxDriverRows {
				return false
			}
			measure, part, ok := splitDriver(row.Measure)
			if !ok {
				return true
			}
			out.Body.AreaName = row.AreaName
			k := gkey{measure, row.Sex, row.AgeBand}
			i, ok := groups[k]
			if !ok {
				i = len(out.Body.Items)
				groups[k] = i
				out.Body.Items = append(out.Body.Items, DriverGroup{Measure: measure, Unit: row.Unit, Sex: row.Sex, AgeBand: row.AgeBand, Parts: []DriverPart{}})
			}
			if part == DriverTotalPart {
				totals[i] = row.Mean
				return true
			}
			out.Body.Items[i].Parts = append(out.Body.Items[i].Parts, DriverPart{Part: part, Mean: row.Mean, P10: row.P10, P50: row.P50, P90: row.P90})
			return true
		})
		if err != nil {
			return nil, err
		}
		if n > maxDriverRows {
			return nil, huma.Error422UnprocessableEntity(fmt.Sprintf("more than %d driver rows match; choose fewer measures", maxDriverRows),
				&huma.ErrorDetail{Location: "query.measure", Message: "too broad"})
		}
		for i := range out.Body.Items {
			g := &out.Body.Items[i]
			sum := 0.0
			for _, p := range g.Parts {
				sum += p.Mean
			}
			g.Total = sum
			if t, ok := totals[i]; ok {
				g.Total = t
			}
			g.Residual = g.Total - sum
			if math.Abs(g.Residual) < 1e-9*max(1, math.Abs(g.Total)) {
				g.Residual = 0
			}
		}
		return out, nil
	})
}

// splitDriver splits "driver.<measure>.<part>" into measure and part (the text after the last
// dot).
func splitDriver(name string) (measure, part string, ok bool) {
	rest, ok := strings.CutPrefix(name, DriverPrefix)
	if !ok {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, '.')
	if i <= 0 || i == len(rest)-1 {
		return "", "", false
	}
	return rest[:i], rest[i+1:], true
}

// MarshalJSON implements json.Marshaler. Result pages are the API's hottest answer, so they are
// written directly rather than by reflection; the output is what encoding/json would write for
// the struct (NaN and infinities, which stored results never hold, become null).
func (p ResultsPage) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64+len(p.Items)*400)
	b = append(b, `{"run_id":`...)
	b = appendJSONString(b, p.RunID)
	if p.DataYears != "" {
		b = append(b, `,"data_years":`...)
		b = appendJSONString(b, p.DataYears)
	}
	b = append(b, `,"items":[`...)
	for i := range p.Items {
		if i > 0 {
			b = append(b, ',')
		}
		b = p.Items[i].appendJSON(b)
	}
	b = append(b, ']')
	if p.NextCursor != "" {
		b = append(b, `,"next_cursor":`...)
		b = appendJSONString(b, p.NextCursor)
	}
	return append(b, '}'), nil
}

func (r *ResultRow) appendJSON(b []byte) []byte {
	for _, f := range [...]struct{ key, val string }{{`{"scenario_id":`, r.ScenarioID}, {`,"run_id":`, r.RunID},
		{`,"area_code":`, r.AreaCode}, {`,"area_name":`, r.AreaName}} {
		b = append(b, f.key...)
		b = appendJSONString(b, f.val)
	}
	b = append(b, `,"year":`...)
	b = strconv.AppendInt(b, int64(r.Year), 10)
	for _, f := range [...]struct{ key, val string }{{`,"measure":`, r.Measure}, {`,"unit":`, r.Unit},
		{`,"sex":`, r.Sex}, {`,"age_band":`, r.AgeBand}} {
		b = append(b, f.key...)
		b = appendJSONString(b, f.val)
	}
	for _, f := range [...]struct {
		key string
		val float64
	}{{`,"mean":`, r.Mean}, {`,"p10":`, r.P10}, {`,"p50":`, r.P50}, {`,"p90":`, r.P90}} {
		b = append(b, f.key...)
		b = appendJSONFloat(b, f.val)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string: plain printable ASCII is copied, anything else
// goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONFloat appends v exactly as encoding/json does (null for values JSON cannot hold).
func appendJSONFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	format := byte('f')
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, v, format, -1, 64)
	if format == 'e' { // e-09 → e-9, as encoding/json writes it
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
