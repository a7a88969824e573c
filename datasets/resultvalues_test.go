package datasets

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/carecast/carecast/forecast"
)

// distinct returns the sorted distinct values of key over rows.
func distinct[T string | int](rows []forecast.ResultRow, key func(forecast.ResultRow) T) []T {
	var out []T
	for _, r := range rows {
		out = append(out, key(r))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestResultValues(t *testing.T) {
	// 3 × ResultRowGroupRows rows: row groups with one area and groups with several, measures
	// that change inside a group, and every year, sex and band in every group.
	rows := synthResults(3*ResultRowGroupRows+100, 7)
	rf := openResults(t, writeResults(t, rows, testProvenance()), nil)
	v, err := rf.Values(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := ResultValues{
		Areas:    distinct(rows, func(r forecast.ResultRow) string { return r.AreaCode }),
		Measures: distinct(rows, func(r forecast.ResultRow) string { return r.Measure }),
		Sexes:    distinct(rows, func(r forecast.ResultRow) string { return r.Sex }),
		AgeBands: distinct(rows, func(r forecast.ResultRow) string { return r.AgeBand }),
		Years:    distinct(rows, func(r forecast.ResultRow) int { return r.Year }),
	}
	for _, c := range []struct {
		name      string
		got, want []string
	}{{"areas", v.Areas, want.Areas}, {"measures", v.Measures, want.Measures}, {"sexes", v.Sexes, want.Sexes},
		{"age bands", v.AgeBands, want.AgeBands}} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if !slices.Equal(v.Years, want.Years) {
		t.Errorf("years = %v, want %v", v.Years, want.Years)
	}
	// Worked out once: the second call returns the same summary without reading.
	decodes := rf.decodes.Load()
	if v2, _ := rf.Values(context.Background()); v2 != v || rf.decodes.Load() != decodes {
		t.Error("Values worked the summary out again")
	}

	for _, tt := range []struct {
		name    string
		flt     ResultFilter
		unknown []string // field=value
	}{
		{"everything", ResultFilter{}, nil},
		{"known values", ResultFilter{Areas: []string{"E06000001"}, Measures: []string{"need.dementia", "driver.*", "*"},
			Sexes: []string{"all"}, AgeBands: []string{"85+"}, YearFrom: 2030, YearTo: 2030}, nil},
		{"open year range overlapping", ResultFilter{YearFrom: 2050}, nil},
		{"mistyped measure", ResultFilter{Measures: []string{"need.dementa"}}, []string{"measure=need.dementa"}},
		{"unknown family", ResultFilter{Measures: []string{"ned.*", "need.*"}}, []string{"measure=ned.*"}},
		{"unknown area, sex and band", ResultFilter{Areas: []string{"E06000001", "E09999999"}, Sexes: []string{"persons"},
			AgeBands: []string{"65+"}}, []string{"area=E09999999", "sex=persons", "age_band=65+"}},
		{"years outside", ResultFilter{YearFrom: 2060, YearTo: 2070}, []string{"year_from=2060-2070"}},
		{"years before", ResultFilter{YearTo: 2000}, []string{"year_to=-2000"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Check(tt.flt)
			var ue *UnknownValuesError
			if tt.unknown == nil {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if !errors.As(err, &ue) {
				t.Fatalf("Check = %v, want an *UnknownValuesError", err)
			}
			var got []string
			for _, u := range ue.Unknown {
				got = append(got, u.Field+"="+u.Value)
				if len(u.Known) == 0 {
					t.Errorf("%s: no known values", u.Field)
				}
			}
			if !slices.Equal(got, tt.unknown) {
				t.Errorf("unknown = %v, want %v", got, tt.unknown)
			}
		})
	}
	if e := v.Check(ResultFilter{YearFrom: 2060}).(*UnknownValuesError); e.Unknown[0].Known[0] != strconv.Itoa(want.Years[0]) {
		t.Errorf("known years = %v", e.Unknown[0].Known)
	}
}
