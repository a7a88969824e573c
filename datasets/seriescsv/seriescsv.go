package seriescsv

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/carecast/carecast/forecast/timeseries"
)

// MaxRows is the most data rows Read accepts.
const MaxRows = 5_000_000

// Series is one series read from a file.
type Series struct {
	ID     string    // series_id as written, surrounding space removed
	Start  int       // period of the first value
	Values []float64 // values for periods Start, Start+1, …
	Row    int       // row of the first value in the file (the header is row 1)
	// FinancialYear is true when the file wrote the series' periods as financial years
	// ("2014/15"); Start is then the first financial year's start (2014).
	FinancialYear bool
}

// Missing returns the periods whose value is missing (NaN: a missing marker such as "NA" in
// the file, or a period the file skipped), in order; nil when the series is complete.
func (s Series) Missing() []int {
	var out []int
	for i, v := range s.Values {
		if math.IsNaN(v) {
			out = append(out, s.Start+i)
		}
	}
	return out
}

// FillLinear returns the series with every missing value between two known ones replaced by
// straight-line interpolation between them, and missing values before the first or after the
// last known value dropped (the series then starts or ends at its known values: nothing is
// extrapolated). It returns the periods filled and the periods dropped. A series with no
// known value comes back empty.
func (s Series) FillLinear() (filled Series, interpolated, dropped []int) {
	first, last := -1, -1
	for i, v := range s.Values {
		if !math.IsNaN(v) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	filled = s
	if first < 0 {
		filled.Values = nil
		for i := range s.Values {
			dropped = append(dropped, s.Start+i)
		}
		return filled, nil, dropped
	}
	for i := 0; i < first; i++ {
		dropped = append(dropped, s.Start+i)
	}
	for i := last + 1; i < len(s.Values); i++ {
		dropped = append(dropped, s.Start+i)
	}
	vals := append([]float64(nil), s.Values[first:last+1]...)
	prev := 0 // index in vals of the last known value
	for i := 1; i < len(vals); i++ {
		if math.IsNaN(vals[i]) {
			continue
		}
		for j := prev + 1; j < i; j++ {
			vals[j] = vals[prev] + (vals[i]-vals[prev])*float64(j-prev)/float64(i-prev)
			interpolated = append(interpolated, s.Start+first+j)
		}
		prev = i
	}
	filled.Start = s.Start + first
	filled.Values = vals
	return filled, interpolated, dropped
}

// MaxGap is the most consecutive periods a file may skip within a series; a longer jump is
// taken for a mistyped period and rejected with ErrGap.
const MaxGap = 1000

// missingMarkers are the value cells read as a missing value (compared case-insensitively,
// surrounding space removed): empty, R's NA, the ".." of ONS and NHS Digital tables
// (not available or suppressed) and "x" (suppressed).
var missingMarkers = []string{"", "na", "n/a", "nan", "..", "x"}

// IsMissingMarker reports whether a value cell is one of the missing-value markers.
func IsMissingMarker(cell string) bool {
	c := strings.ToLower(strings.TrimSpace(cell))
	for _, m := range missingMarkers {
		if c == m {
			return true
		}
	}
	return false
}

// ParsePeriod reads a period cell: an integer ("2014"), or a financial year written
// "2014/15", "2014-15", "2014/2015" or "2014-2015", read as the year it starts (2014) with
// fy true. The second year must follow the first.
func ParsePeriod(cell string) (period int, fy bool, err error) {
	c := strings.TrimSpace(cell)
	if p, err := strconv.Atoi(c); err == nil {
		return p, false, nil
	}
	i := strings.IndexAny(c, "/-")
	if i != 4 {
		return 0, false, fmt.Errorf("%w: %q (want an integer or a financial year such as 2014/15)", ErrNotInteger, cell)
	}
	start, err1 := strconv.Atoi(c[:4])
	end := c[5:]
	n, err2 := strconv.Atoi(end)
	if err1 != nil || err2 != nil || end[0] == '+' || end[0] == '-' || (len(end) != 2 && len(end) != 4) {
		return 0, false, fmt.Errorf("%w: %q (want an integer or a financial year such as 2014/15)", ErrNotInteger, cell)
	}
	if (len(end) == 2 && n != (start+1)%100) || (len(end) == 4 && n != start+1) {
		return 0, false, fmt.Errorf("%w: %q is not a financial year (the second year must follow %d)", ErrNotInteger, cell, start)
	}
	return start, true, nil
}

// End returns the period of the last value.
func (s Series) End() int { return s.Start + len(s.Values) - 1 }

// Sentinel errors wrapped by *RowError and returned by Read.
var (
	ErrHeader        = errors.New("missing column")
	ErrNotNumber     = errors.New("not a number")
	ErrNotInteger    = errors.New("not an integer")
	ErrEmptyID       = errors.New("empty series_id")
	ErrDuplicate     = errors.New("duplicate period")
	ErrGap           = errors.New("gap in periods")
	ErrUnsorted      = errors.New("periods not increasing")
	ErrNotContiguous = errors.New("rows of the series are not contiguous")
	ErrTooMany       = errors.New("too many rows")
	ErrNoData        = errors.New("no data rows")
)

// RowError locates a problem in a file.
type RowError struct {
	Row      int    // 1-based row (line) number; the header is row 1; 0 if not row-specific
	SeriesID string // series_id of the row, if known
	Column   string // column name, if the problem is in one column
	Err      error  // one of the sentinel errors, possibly wrapped with detail
}

// Error reads: row R, series "S", column C: reason (leaving out what is unknown).
func (e *RowError) Error() string {
	var b strings.Builder
	if e.Row > 0 {
		fmt.Fprintf(&b, "row %d", e.Row)
	}
	if e.SeriesID != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "series %q", e.SeriesID)
	}
	if e.Column != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "column %s", e.Column)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *RowError) Unwrap() error { return e.Err }

// Read reads series from CSV with columns series_id, period and value (see the package
// documentation for the rules). It returns the series in file order, or a *RowError.
func Read(r io.Reader) ([]Series, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &RowError{Row: 1, Err: fmt.Errorf("%w: empty file, want header series_id,period,value", ErrHeader)}
	}
	if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{"series_id": -1, "period": -1, "value": -1}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if j, ok := col[h]; ok && j < 0 {
			col[h] = i
		}
	}
	for _, name := range []string{"series_id", "period", "value"} {
		if col[name] < 0 {
			return nil, &RowError{Row: 1, Column: name, Err: fmt.Errorf("%w %s in header %q", ErrHeader, name, strings.Join(header, ","))}
		}
	}
	need := max(col["series_id"], col["period"], col["value"]) + 1
	var out []Series
	seen := map[string]int{} // series_id -> index in out
	rows, values := 0, 0     // values counts skipped periods too
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		rows++
		values++
		if rows > MaxRows {
			return nil, &RowError{Row: line, Err: fmt.Errorf("%w: more than %d", ErrTooMany, MaxRows)}
		}
		if len(rec) < need {
			return nil, &RowError{Row: line, Err: fmt.Errorf("%w: row has %d fields, header %d", ErrHeader, len(rec), len(header))}
		}
		id := strings.TrimSpace(rec[col["series_id"]])
		if id == "" {
			return nil, &RowError{Row: line, Column: "series_id", Err: ErrEmptyID}
		}
		period, fy, err := ParsePeriod(rec[col["period"]])
		if err != nil {
			return nil, &RowError{Row: line, SeriesID: id, Column: "period", Err: err}
		}
		vs := strings.TrimSpace(rec[col["value"]])
		v := math.NaN()
		if !IsMissingMarker(vs) {
			v, err = strconv.ParseFloat(vs, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, &RowError{Row: line, SeriesID: id, Column: "value",
					Err: fmt.Errorf("%w: %q (a missing value is written empty, NA, .. or x)", ErrNotNumber, vs)}
			}
		}
		i, ok := seen[id]
		if ok && i != len(out)-1 {
			return nil, &RowError{Row: line, SeriesID: id, Err: fmt.Errorf("%w: it starts at row %d and other series come between", ErrNotContiguous, out[i].Row)}
		}
		if !ok {
			seen[id] = len(out)
			out = append(out, Series{ID: id, Start: period, Values: []float64{v}, Row: line, FinancialYear: fy})
			continue
		}
		s := &out[i]
		s.FinancialYear = s.FinancialYear || fy
		last := s.End()
		switch {
		case period == last:
			return nil, &RowError{Row: line, SeriesID: id, Column: "period", Err: fmt.Errorf("%w %d", ErrDuplicate, period)}
		case period < last:
			return nil, &RowError{Row: line, SeriesID: id, Column: "period", Err: fmt.Errorf("%w: %d after %d", ErrUnsorted, period, last)}
		case period > last+1+MaxGap:
			return nil, &RowError{Row: line, SeriesID: id, Column: "period", Err: fmt.Errorf("%w: %d follows %d, more than %d periods skipped", ErrGap, period, last, MaxGap)}
		}
		values += period - last - 1
		if values > MaxRows {
			return nil, &RowError{Row: line, Err: fmt.Errorf("%w: more than %d values, counting skipped periods", ErrTooMany, MaxRows)}
		}
		for p := last + 1; p < period; p++ { // periods the file skipped are missing values
			s.Values = append(s.Values, math.NaN())
		}
		s.Values = append(s.Values, v)
	}
	if len(out) == 0 {
		return nil, &RowError{Row: 2, Err: ErrNoData}
	}
	return out, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &RowError{Row: pe.Line, Err: pe.Err}
	}
	return err
}

// Output is the forecast of one series for writing.
type Output struct {
	ID       string              // series_id
	Start    int                 // period of the first forecast (one after the series ends)
	Forecast timeseries.Forecast // its forecast
}

// LevelName returns the column suffix of an interval level: 80 → "80", 99.5 → "99.5".
func LevelName(level float64) string { return strconv.FormatFloat(level, 'f', -1, 64) }

// Write writes forecasts as CSV with columns series_id, period, mean, then lo<L>, hi<L> for
// each interval level L (lo80, hi80, lo95, hi95 for the default levels), then note, which
// holds the forecast's Fallback (empty unless the method asked for was replaced). Every output
// must have the same levels. Numbers are written in plain decimal (no exponent), in the
// shortest form that reads back exactly.
func Write(w io.Writer, out []Output) error {
	var levels []float64
	if len(out) > 0 {
		levels = out[0].Forecast.Levels
	}
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	head := []string{"series_id", "period", "mean"}
	for _, lv := range levels {
		head = append(head, "lo"+LevelName(lv), "hi"+LevelName(lv))
	}
	head = append(head, "note")
	if err := cw.Write(head); err != nil {
		return err
	}
	rec := make([]string, len(head))
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, o := range out {
		fc := o.Forecast
		if len(fc.Levels) != len(levels) {
			return fmt.Errorf("series %q: %d interval levels, want %d", o.ID, len(fc.Levels), len(levels))
		}
		for i, lv := range fc.Levels {
			if lv != levels[i] {
				return fmt.Errorf("series %q: levels %v, want %v", o.ID, fc.Levels, levels)
			}
		}
		for j, m := range fc.Mean {
			rec = rec[:0]
			rec = append(rec, o.ID, strconv.Itoa(o.Start+j), f(m))
			for i := range levels {
				rec = append(rec, f(fc.Lower[i][j]), f(fc.Upper[i][j]))
			}
			rec = append(rec, fc.Fallback)
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}
