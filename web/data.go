package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/carecast/carecast/forecast"
)

// CSVHeader is the header of the CSV downloads of chart data: the tidy long table of docs/design.md
// §8.
var CSVHeader = []string{"scenario_id", "run_id", "area_code", "area_name", "year", "measure", "unit", "sex", "age_band", "mean", "p10", "p50", "p90"}

// filterFromQuery reads the filter parameters the results API takes: area, measure, sex and
// age_band (each repeatable or comma-separated), year_from and year_to.
func filterFromQuery(r *http.Request) ResultFilter {
	q := r.URL.Query()
	list := func(k string) []string {
		var out []string
		for _, v := range q[k] {
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" && len(out) < 100 {
					out = append(out, p)
				}
			}
		}
		return out
	}
	f := ResultFilter{Areas: list("area"), Measures: list("measure"), Sexes: list("sex"), AgeBands: list("age_band")}
	f.YearFrom, _ = strconv.Atoi(q.Get("year_from"))
	f.YearTo, _ = strconv.Atoi(q.Get("year_to"))
	return f
}

// filterQuery writes a filter as the query parameters filterFromQuery reads.
func filterQuery(f ResultFilter) url.Values {
	v := url.Values{}
	if len(f.Areas) > 0 {
		v.Set("area", strings.Join(f.Areas, ","))
	}
	if len(f.Measures) > 0 {
		v.Set("measure", strings.Join(f.Measures, ","))
	}
	if len(f.Sexes) > 0 {
		v.Set("sex", strings.Join(f.Sexes, ","))
	}
	if len(f.AgeBands) > 0 {
		v.Set("age_band", strings.Join(f.AgeBands, ","))
	}
	if f.YearFrom != 0 {
		v.Set("year_from", strconv.Itoa(f.YearFrom))
	}
	if f.YearTo != 0 {
		v.Set("year_to", strconv.Itoa(f.YearTo))
	}
	return v
}

// writeCSV answers with the rows that pass flt as a CSV attachment.
func writeCSV(w http.ResponseWriter, filename string, rows []forecast.ResultRow, flt ResultFilter) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFilename(filename)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write(CSVHeader)
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, r := range rows {
		if !flt.Match(r) {
			continue
		}
		cw.Write([]string{r.ScenarioID, r.RunID, r.AreaCode, r.AreaName, strconv.Itoa(r.Year), r.Measure, r.Unit, r.Sex, r.AgeBand,
			num(r.Mean), num(r.P10), num(r.P50), num(r.P90)})
	}
	cw.Flush()
}

// safeFilename keeps letters, digits, dots, dashes and underscores.
func safeFilename(s string) string {
	var b strings.Builder
	for _, c := range s {
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
