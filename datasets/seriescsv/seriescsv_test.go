package seriescsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast/timeseries"
)

func TestRead(t *testing.T) {
	in := "\ufeffSeries_ID, Period ,value,name\n" +
		"E92000001,2018,55977178,England\n" +
		"E92000001,2019,56286961,England\n" +
		"E92000001,2020,56550138,England\n" +
		"\"E12000001\",2019,2669941,North East\n" +
		"E12000001,2020,2680763,North East\n"
	got, err := Read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "E92000001" || got[0].Start != 2018 || got[0].End() != 2020 ||
		got[0].Values[2] != 56550138 || got[1].Row != 5 || got[1].Start != 2019 || len(got[1].Values) != 2 {
		t.Errorf("got %+v", got)
	}
}

func TestReadErrors(t *testing.T) {
	const head = "series_id,period,value\n"
	tests := []struct {
		name, in string
		want     error
		row      int
		series   string
	}{
		{"empty", "", ErrHeader, 1, ""},
		{"no value column", "series_id,period,val\na,1,2\n", ErrHeader, 1, ""},
		{"header only", head, ErrNoData, 2, ""},
		{"non-numeric", head + "a,2001,1\na,2002,n/a\n", ErrNotNumber, 3, "a"},
		{"empty value", head + "a,2001,\n", ErrNotNumber, 2, "a"},
		{"NaN", head + "a,2001,NaN\n", ErrNotNumber, 2, "a"},
		{"fractional period", head + "a,2001.5,1\n", ErrNotInteger, 2, "a"},
		{"gap", head + "a,2001,1\na,2002,1\na,2004,1\n", ErrGap, 4, "a"},
		{"duplicate", head + "a,2001,1\na,2001,2\n", ErrDuplicate, 3, "a"},
		{"unsorted", head + "a,2002,1\na,2001,2\n", ErrUnsorted, 3, "a"},
		{"not contiguous", head + "a,2001,1\nb,2001,1\na,2002,2\n", ErrNotContiguous, 4, "a"},
		{"empty id", head + " ,2001,1\n", ErrEmptyID, 2, ""},
		{"short row", head + "a,2001\n", ErrHeader, 2, ""},
		{"bad quote", head + "a,2001,\"1\n", csv.ErrQuote, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in))
			var re *RowError
			if !errors.Is(err, tt.want) || !errors.As(err, &re) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if re.Row != tt.row || re.SeriesID != tt.series {
				t.Errorf("row %d series %q, want row %d series %q (%v)", re.Row, re.SeriesID, tt.row, tt.series, err)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	fc := timeseries.Forecast{
		Mean:   []float64{10, 11.5},
		Levels: []float64{80, 99.5},
		Lower:  [][]float64{{9, 9.5}, {8, 7}},
		Upper:  [][]float64{{11, 13.5}, {12, 16}},
	}
	fb := fc
	fb.Fallback = "ets needs at least 7 observations, series has 5: used naive"
	var buf bytes.Buffer
	if err := Write(&buf, []Output{{"x", 2021, fc}, {"y,z", 2015, fb}}); err != nil {
		t.Fatal(err)
	}
	want := "series_id,period,mean,lo80,hi80,lo99.5,hi99.5,note\n" +
		"x,2021,10,9,11,8,12,\n" +
		"x,2022,11.5,9.5,13.5,7,16,\n" +
		"\"y,z\",2015,10,9,11,8,12,\"ets needs at least 7 observations, series has 5: used naive\"\n" +
		"\"y,z\",2016,11.5,9.5,13.5,7,16,\"ets needs at least 7 observations, series has 5: used naive\"\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	bad := fc
	bad.Levels = []float64{80, 95}
	if err := Write(&bytes.Buffer{}, []Output{{"x", 1, fc}, {"y", 1, bad}}); err == nil {
		t.Error("mixed levels accepted")
	}
}

// FuzzRead checks that Read never panics and that what it accepts is well formed.
func FuzzRead(f *testing.F) {
	f.Add("series_id,period,value\na,2001,1\na,2002,2\nb,1,3\n")
	f.Add("series_id,period,value\na,2001,1\na,2003,2\n")
	f.Add("value,period,series_id\n1e308,-5,\"q\"\"x\"\n")
	f.Add("series_id,period,value\n\"a\nb\",1,2\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Read(strings.NewReader(in))
		if err != nil {
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RowError", err)
			}
			return
		}
		ids := map[string]bool{}
		for _, s := range got {
			if s.ID == "" || len(s.Values) == 0 || ids[s.ID] {
				t.Fatalf("bad series %+v", s)
			}
			ids[s.ID] = true
		}
	})
}
