package datasets

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// ResultValues are the distinct values of the columns a ResultFilter selects on, in one result
// file: what a filter can name and find. Lists are sorted and hold each value once.
type ResultValues struct {
	Areas    []string // GSS area codes
	Measures []string // measure names, drivers ("driver.<measure>.<part>") included
	Sexes    []string // female, male, all
	AgeBands []string // e.g. 65-74, 85+, all
	Years    []int    // calendar (or first financial) years
}

// Values returns the distinct areas, measures, sexes, age bands and years of the file. It is
// worked out once per ResultFile and kept: a row group whose footer statistics say a column
// holds one value is not read for it, and a dictionary-encoded column chunk is read only as far
// as its dictionary, so the cost is a small part of one scan. It returns ctx's error if ctx is
// done first (and tries again next time), and a *ValidationError if the file is corrupt.
func (f *ResultFile) Values(ctx context.Context) (*ResultValues, error) {
	f.valuesMu.Lock()
	defer f.valuesMu.Unlock()
	if f.values != nil {
		return f.values, nil
	}
	v, err := f.readValues(ctx)
	if err != nil {
		return nil, err
	}
	f.values = v
	return v, nil
}

func (f *ResultFile) readValues(ctx context.Context) (*ResultValues, error) {
	strCols := []int{rcArea, rcMeasure, rcSex, rcAgeBand}
	sets := make([]map[string]bool, len(strCols))
	for i := range sets {
		sets[i] = map[string]bool{}
	}
	years := map[int]bool{}
	for g := range f.groups {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		gi := &f.groups[g]
		if gi.rows == 0 {
			continue
		}
		var todo []int // string columns that need reading
		for i, col := range strCols {
			if st := gi.str[col]; st != nil && st.min == st.max {
				sets[i][st.min] = true
			} else {
				todo = append(todo, i)
			}
		}
		readYears := !(gi.yearKnown && gi.yearMin == gi.yearMax)
		if !readYears {
			years[int(gi.yearMin)] = true
		}
		if len(todo) == 0 && !readYears {
			continue
		}
		if err := f.groupValues(g, strCols, todo, sets, readYears, years); err != nil {
			return nil, err
		}
	}
	sorted := func(m map[string]bool) []string {
		out := make([]string, 0, len(m))
		for s := range m {
			out = append(out, s)
		}
		slices.Sort(out)
		return out
	}
	v := &ResultValues{Areas: sorted(sets[0]), Measures: sorted(sets[1]), Sexes: sorted(sets[2]), AgeBands: sorted(sets[3])}
	for y := range years {
		v.Years = append(v.Years, y)
	}
	slices.Sort(v.Years)
	return v, nil
}

// groupValues adds the distinct values of row group g's string columns strCols[todo] (and of
// its years, if readYears) to sets and years.
func (f *ResultFile) groupValues(g int, strCols, todo []int, sets []map[string]bool, readYears bool, years map[int]bool) (err error) {
	fileProblem := func(col, msg string) error {
		return &ValidationError{File: f.name, Problems: []Problem{{File: f.name, Column: col, Rule: RuleCorrupt, Message: msg}}}
	}
	if err := f.verify(g); err != nil {
		return fileProblem("", fmt.Sprintf("row group %d: %v", g, err))
	}
	defer func() {
		if p := recover(); p != nil {
			err = fileProblem("", fmt.Sprintf("%v: row group %d: the parquet library could not decode it: %v", errCorrupt, g, p))
		}
	}()
	chunks := f.pf.RowGroups()[g].ColumnChunks()
	buf := make([]parquet.Value, 1024)
	rows := f.groups[g].rows
	for _, i := range todo {
		col := strCols[i]
		set := sets[i]
		if err := chunkValues(chunks[f.index[col]], rows, buf, true, func(v parquet.Value) { set[string(v.ByteArray())] = true }); err != nil {
			return fileProblem(resultSpecs[col].name, fmt.Sprintf("row group %d: %v", g, err))
		}
	}
	if readYears {
		if err := chunkValues(chunks[f.index[rcYear]], rows, buf, false, func(v parquet.Value) {
			if v.Kind() == parquet.Int32 {
				years[int(v.Int32())] = true
			} else {
				years[int(v.Int64())] = true
			}
		}); err != nil {
			return fileProblem(resultSpecs[rcYear].name, fmt.Sprintf("row group %d: %v", g, err))
		}
	}
	return nil
}

// chunkValues calls add with the values of a column chunk of rows rows. With dict, a
// dictionary-encoded page contributes its dictionary (once per chunk) instead of its values.
func chunkValues(cc parquet.ColumnChunk, rows int64, buf []parquet.Value, dict bool, add func(parquet.Value)) error {
	pages := cc.Pages()
	defer pages.Close()
	var n int64
	dictDone := false
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: reading page: %v", errCorrupt, err)
		}
		if d := p.Dictionary(); dict && d != nil {
			if !dictDone {
				for k := range d.Len() {
					add(d.Index(int32(k)))
				}
				dictDone = true
			}
			n += p.NumValues()
			parquet.Release(p)
			if n > rows {
				return fmt.Errorf("%w: more values than rows", errCorrupt)
			}
			continue
		}
		vr := p.Values()
		for {
			k, err := vr.ReadValues(buf)
			n += int64(k)
			if n > rows {
				parquet.Release(p)
				return fmt.Errorf("%w: more values than rows", errCorrupt)
			}
			for _, v := range buf[:k] {
				add(v)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				parquet.Release(p)
				return fmt.Errorf("%w: decoding values: %v", errCorrupt, err)
			}
			if k == 0 {
				parquet.Release(p)
				return fmt.Errorf("%w: a page yields no values", errCorrupt)
			}
		}
		parquet.Release(p)
	}
}

// UnknownValue is one value of a filter that a result file does not have.
type UnknownValue struct {
	// Field is the filter's query parameter: area, measure, sex, age_band, or year_from and
	// year_to (for a range of years that holds none of the file's).
	Field string
	// Value is the value as given (for years, the range "2050-2060").
	Value string
	// Known are the file's values of the field, sorted (for years, every year of the file).
	Known []string
}

// UnknownValuesError reports the values of a filter that a result file does not have: a
// filter that names them would select nothing because of a typing mistake, not because the
// cells it selects are empty.
type UnknownValuesError struct {
	Unknown []UnknownValue
}

// Error names each unknown value and how many values its field has.
func (e *UnknownValuesError) Error() string {
	parts := make([]string, len(e.Unknown))
	for i, u := range e.Unknown {
		parts[i] = fmt.Sprintf("%s %q is not in the results (%d known)", u.Field, u.Value, len(u.Known))
	}
	return strings.Join(parts, "; ")
}

// Check returns an *UnknownValuesError listing every area, measure, sex and age band of flt
// that v does not hold, and the year range if it holds none of v's years; nil if every value
// is known. A measure ending in * is unknown when no measure starts with the text before the
// star ("*" alone is always known). Known values that select no row together (a known area and
// a known measure that the area lacks) pass: they select an empty result, not a mistake.
func (v *ResultValues) Check(flt ResultFilter) error {
	var out []UnknownValue
	exact := func(field string, list, known []string) {
		for _, x := range list {
			if _, ok := slices.BinarySearch(known, x); !ok {
				out = append(out, UnknownValue{Field: field, Value: x, Known: known})
			}
		}
	}
	exact("area", flt.Areas, v.Areas)
	for _, m := range flt.Measures {
		if p, ok := strings.CutSuffix(m, "*"); ok {
			i, _ := slices.BinarySearch(v.Measures, p)
			if i == len(v.Measures) || !strings.HasPrefix(v.Measures[i], p) {
				out = append(out, UnknownValue{Field: "measure", Value: m, Known: v.Measures})
			}
		} else if _, ok := slices.BinarySearch(v.Measures, m); !ok {
			out = append(out, UnknownValue{Field: "measure", Value: m, Known: v.Measures})
		}
	}
	exact("sex", flt.Sexes, v.Sexes)
	exact("age_band", flt.AgeBands, v.AgeBands)
	if (flt.YearFrom != 0 || flt.YearTo != 0) && len(v.Years) > 0 {
		in := false
		for _, y := range v.Years {
			if (flt.YearFrom == 0 || y >= flt.YearFrom) && (flt.YearTo == 0 || y <= flt.YearTo) {
				in = true
				break
			}
		}
		if !in {
			known := make([]string, len(v.Years))
			for i, y := range v.Years {
				known[i] = strconv.Itoa(y)
			}
			field, val := "year_from", strconv.Itoa(flt.YearFrom)+"-"
			switch {
			case flt.YearFrom == 0:
				field, val = "year_to", "-"+strconv.Itoa(flt.YearTo)
			case flt.YearTo != 0:
				val += strconv.Itoa(flt.YearTo)
			}
			out = append(out, UnknownValue{Field: field, Value: val, Known: known})
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &UnknownValuesError{Unknown: out}
}
