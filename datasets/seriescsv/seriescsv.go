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
	rows := 0
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
		ps := strings.TrimSpace(rec[col["period"]])
		period, err := strconv.Atoi(ps)
		if err != nil {
			return nil, &RowError{Row: line, SeriesID: id, Column: "period", Err: fmt.Errorf("%w: %q", ErrNotInteger, ps)}
		}
		vs := strings.TrimSpace(rec[col["value"]])
		v, err := strconv.ParseFloat(vs, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, &RowError{Row: line, SeriesID: id, Column: "value", Err: fmt.Errorf("%w: %q", ErrNotNumber, vs)}
		}
		i, ok := seen[id]
		if ok && i != len(out)-1 {
			return nil, &RowError{Row: line, SeriesID: id, Err: fmt.Errorf("%w: it starts at row %d and other series come between", ErrNotContiguous, out[i].Row)}
		}
		if !ok {
			seen[id] = len(out)
			out = append(out, Series{ID: id, Start: period, Values: []float64{v}, Row: line})
			continue
		}
		s := &out[i]
		last := s.End()
		switch {
		case period == last:
			return nil, &RowError{Row: line, SeriesID: id, Column: "period", Err: fmt.Errorf("%w %d", ErrDuplicate, period)}
		case period < last:
			return nil, &RowError{Row: line, SeriesID: id, Column: "period", Err: fmt.Errorf("%w: %d after %d", ErrUnsorted, period, last)}
		case period > last+1:
			return nil, &RowError{Row: line, SeriesID: id, Column: "period", Err: fmt.Errorf("%w: %d follows %d", ErrGap, period, last)}
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
