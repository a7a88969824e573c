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
		{"non-numeric", head + "a,2001,1\na,2002,abc\n", ErrNotNumber, 3, "a"},
		{"Inf", head + "a,2001,Inf\n", ErrNotNumber, 2, "a"},
		{"not a financial year", head + "a,2014/16,1\n", ErrNotInteger, 2, "a"},
		{"period word", head + "a,FY14,1\n", ErrNotInteger, 2, "a"},
		{"gap too long", head + "a,2001,1\na,3003,1\n", ErrGap, 3, "a"},
		{"fractional period", head + "a,2001.5,1\n", ErrNotInteger, 2, "a"},
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

// TestReadFinancialYearsAndGaps reads B1 (supported residents 65+ in residential and nursing
// care at 31 March) for Kent from NHS Digital's PSS-EX1 activity files, 2009-10 to 2013-14
// (../shared/data/raw/nhsd_asc_activity/pssex1_cassr_activity_2009-10_to_2013-14_long.csv), whose
// 2010-11 figure was published as "..": the periods are read as the financial years' starts and
// the ".." as a missing value; FillLinear puts it halfway between 4,770 and 4,330 = 4,550.
func TestReadFinancialYearsAndGaps(t *testing.T) {
	in := "series_id,period,value\n" +
		"Kent,2009-10,4770\nKent,2010-11,..\nKent,2011/12,4330\nKent,2012/2013,4585\nKent,2013-2014,4165\n" +
		"b,2019,NA\nb,2020,1\nb,2021,x\nb,2023,4\nb,2024,\n"
	got, err := Read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	kent, b := got[0], got[1]
	if kent.Start != 2009 || kent.End() != 2013 || !kent.FinancialYear || b.FinancialYear {
		t.Fatalf("Kent %+v, b %+v", kent, b)
	}
	if m := kent.Missing(); len(m) != 1 || m[0] != 2010 {
		t.Errorf("Kent missing %v, want [2010]", m)
	}
	f, interp, dropped := kent.FillLinear()
	if f.Values[1] != 4550 || len(interp) != 1 || interp[0] != 2010 || len(dropped) != 0 || kent.Values[1] == kent.Values[1] {
		t.Errorf("Kent filled %v (%v, %v); the original must keep its NaN: %v", f.Values, interp, dropped, kent.Values)
	}
	// b: 2019 NA (leading, dropped), 2020 1, 2021 x and 2022 skipped (interpolated 2 and 3),
	// 2023 4, 2024 empty (trailing, dropped).
	if m := b.Missing(); len(m) != 4 || m[0] != 2019 || m[1] != 2021 || m[2] != 2022 || m[3] != 2024 {
		t.Errorf("b missing %v", m)
	}
	f, interp, dropped = b.FillLinear()
	if f.Start != 2020 || len(f.Values) != 4 || f.Values[1] != 2 || f.Values[2] != 3 || f.Values[3] != 4 ||
		len(interp) != 2 || len(dropped) != 2 || dropped[0] != 2019 || dropped[1] != 2024 {
		t.Errorf("b filled start %d %v, interpolated %v, dropped %v", f.Start, f.Values, interp, dropped)
	}
}

func TestParsePeriod(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
		fy   bool
		ok   bool
	}{
		{"2014", 2014, false, true}, {" 2014/15 ", 2014, true, true}, {"2014-15", 2014, true, true},
		{"2014/2015", 2014, true, true}, {"2014-2015", 2014, true, true}, {"2099/00", 2099, true, true},
		{"-3", -3, false, true}, {"2014/16", 0, false, false}, {"2014/2016", 0, false, false},
		{"2014/5", 0, false, false}, {"2014/+5", 0, false, false}, {"14/15", 0, false, false}, {"2014/", 0, false, false},
	} {
		got, fy, err := ParsePeriod(tt.in)
		if (err == nil) != tt.ok || got != tt.want || fy != tt.fy {
			t.Errorf("ParsePeriod(%q) = %d, %v, %v", tt.in, got, fy, err)
		}
	}
}
