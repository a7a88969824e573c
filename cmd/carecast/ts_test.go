package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestTSForecast runs `carecast ts forecast` end to end on real series and compares the
// output with testdata/ts/forecast.golden.csv (numbers to a relative 1e-9).
func TestTSForecast(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.csv")
	var stdout, stderr bytes.Buffer
	code := runTS(context.Background(), []string{"forecast", "--method", "auto", "--horizon", "5",
		"--level", "80", "--level", "95", "--input", "testdata/ts/input.csv", "--output", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "11 series") || !strings.Contains(stderr.String(), "1 too short") {
		t.Errorf("summary %q", stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	golden := "testdata/ts/forecast.golden.csv"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	g, w := readAll(t, got), readAll(t, want)
	if len(g) != len(w) {
		t.Fatalf("%d rows, golden %d", len(g), len(w))
	}
	if strings.Join(g[0], ",") != "series_id,period,mean,lo80,hi80,lo95,hi95,note" {
		t.Errorf("header %v", g[0])
	}
	for i := range g {
		for j := range g[i] {
			if g[i][j] == w[i][j] {
				continue
			}
			a, errA := strconv.ParseFloat(g[i][j], 64)
			b, errB := strconv.ParseFloat(w[i][j], 64)
			if errA != nil || errB != nil || math.Abs(a-b) > 1e-9*math.Abs(b) {
				t.Errorf("row %d column %d: %q, golden %q", i+1, j+1, g[i][j], w[i][j])
			}
		}
	}
	// The five-year series falls back to naive and says so on each of its rows.
	for _, r := range g[1:] {
		if r[0] == "cumbria_home_care_65plus" {
			if r[7] != "auto needs at least 7 observations, series has 5: used naive" || r[2] != "2525" {
				t.Errorf("fallback row %v", r)
			}
		} else if r[7] != "" {
			t.Errorf("unexpected note %v", r)
		}
	}
	if g[1][0] != "E12000001" || g[1][1] != "2021" || g[5][1] != "2025" {
		t.Errorf("periods: %v … %v", g[1], g[5])
	}
}

func readAll(t *testing.T, b []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestTSForecastStdoutAndLevels(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := runTS(context.Background(), []string{"forecast", "--method", "drift", "--horizon", "2",
		"--level", "50,99.5", "--input", "testdata/ts/input.csv"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	rows := readAll(t, stdout.Bytes())
	if strings.Join(rows[0], ",") != "series_id,period,mean,lo50,hi50,lo99.5,hi99.5,note" || len(rows) != 1+11*2 {
		t.Errorf("header %v, %d rows", rows[0], len(rows))
	}
}

func TestTSForecastBadInput(t *testing.T) {
	tests := []struct {
		file string
		args []string
		want []string // substrings of the message
	}{
		{"bad_number.csv", nil, []string{"row 4", `series "E92000001"`, "column value", "not a number"}},
		{"bad_unsorted.csv", nil, []string{"row 5", `series "x"`, "not increasing"}},
		{"bad_duplicate.csv", nil, []string{"row 4", `series "x"`, "duplicate period 2002"}},
		{"bad_interleaved.csv", nil, []string{"row 6", `series "x"`, "not contiguous"}},
		{"bad_short.csv", nil, []string{"row 4", `series "lonely"`, "1 observations", "at least 2"}},
		{"bad_header.csv", nil, []string{"row 1", "series_id"}},
		{"input.csv", []string{"--no-fallback"}, []string{"cumbria_home_care_65plus", "row 102", "at least 7"}},
		{"missing.csv", nil, []string{"missing.csv", "no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.csv")
			var stdout, stderr bytes.Buffer
			args := append([]string{"forecast", "--input", filepath.Join("testdata/ts", tt.file), "--output", out}, tt.args...)
			if code := runTS(context.Background(), args, &stdout, &stderr); code != 1 {
				t.Fatalf("exit %d, want 1: %s", code, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("message %q lacks %q", stderr.String(), w)
				}
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("output written despite the error")
			}
		})
	}
}

func TestTSUsage(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"backcast"},
		{"forecast"}, // no --input
		{"forecast", "--input", "x.csv", "--method", "prophet"},
		{"forecast", "--input", "x.csv", "--horizon", "0"},
		{"forecast", "--input", "x.csv", "--level", "100"},
		{"forecast", "--input", "x.csv", "--bogus"},
		{"forecast", "--input", "x.csv", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := runTS(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := runTS(context.Background(), []string{"forecast", "-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "--horizon") && !strings.Contains(stderr.String(), "-horizon") {
		t.Errorf("-h: exit %d, %q", code, stderr.String())
	}
}

func TestTSCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	if code := runTS(ctx, []string{"forecast", "--input", "testdata/ts/input.csv"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "canceled") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

// TestTSForecastFinancialYearsAndGaps runs testdata/ts/pssex1_b1_65plus.csv: B1 (supported
// residents 65+ in residential and nursing care at 31 March) for Cumbria, Kent, Leeds and
// Sheffield, 2009-10 to 2013-14, as published by NHS Digital (PSS-EX1), with Kent's 2010-11
// figure published as "..". Expected drift forecasts are by hand: last + h × (last − first)/4;
// Cumbria 1,745 + (1,745 − 2,015)/4 = 1,677.5; Kent, its 2010-11 filled with (4,770 + 4,330)/2,
// 4,165 + (4,165 − 4,770)/4 = 4,013.75 (interpolation leaves first and last as they are).
func TestTSForecastFinancialYearsAndGaps(t *testing.T) {
	in := "testdata/ts/pssex1_b1_65plus.csv"
	run := func(extra ...string) (int, [][]string, string) {
		var stdout, stderr bytes.Buffer
		args := append([]string{"forecast", "--method", "drift", "--horizon", "2", "--input", in}, extra...)
		code := runTS(context.Background(), args, &stdout, &stderr)
		var rows [][]string
		if stdout.Len() > 0 {
			rows = readAll(t, stdout.Bytes())
		}
		return code, rows, stderr.String()
	}
	byID := func(rows [][]string) map[string][]string {
		m := map[string][]string{}
		for _, r := range rows[1:] {
			if _, ok := m[r[0]]; !ok {
				m[r[0]] = r
			}
		}
		return m
	}

	// Default: Kent is skipped and named; the other three are forecast; exit 3.
	code, rows, msg := run()
	if code != exitPartial {
		t.Fatalf("exit %d, want %d: %s", code, exitPartial, msg)
	}
	got := byID(rows)
	if len(got) != 3 || got["Kent"] != nil || got["Cumbria"][1] != "2014" || got["Cumbria"][2] != "1677.5" {
		t.Errorf("forecasts %v", got)
	}
	for _, w := range []string{`skipped 1 series`, `"Kent" (row 7): missing 2010/11`, "--fill linear", "2014 = 2014/15"} {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q lacks %q", msg, w)
		}
	}

	// --fill linear: Kent is forecast from the interpolated series and the note says so.
	code, rows, msg = run("--fill", "linear")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	got = byID(rows)
	if k := got["Kent"]; len(got) != 4 || k == nil || k[2] != "4013.75" || k[7] != "filled 2010/11 by linear interpolation" {
		t.Errorf("Kent %v", k)
	}
	if got["Cumbria"][7] != "" || !strings.Contains(msg, "1 with missing values filled") {
		t.Errorf("Cumbria %v; message %q", got["Cumbria"], msg)
	}
}

// TestTSForecastMissingEdgeCases: a period left out is a gap like "NA"; a series with no known
// value is skipped even with --fill; a file where every series is skipped is an error (exit 1,
// nothing written); a fill that leaves a series too short still fails as too short.
func TestTSForecastMissingEdgeCases(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("series_id,period,value\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, body string
		args       []string
		code       int
		want       []string
	}{
		{"skipped period", "x,2001,1\nx,2002,2\nx,2003,3\nx,2005,5\ny,2001,1\ny,2002,2\n", nil, exitPartial, []string{`"x" (row 2): missing 2004`}},
		{"skipped period filled", "x,2001,1\nx,2002,2\nx,2003,3\nx,2005,5\n", []string{"--fill", "linear"}, 0, []string{"1 with missing values filled"}},
		{"all missing", "x,2001,NA\nx,2002,..\n", []string{"--fill", "linear"}, exitFail, []string{"no series to forecast", `"x" (row 2): no known value`}},
		{"every series gappy", "x,2001,1\nx,2002,\nx,2003,3\n", nil, exitFail, []string{"no series to forecast", `"x" (row 2): missing 2002`}},
		{"too short after fill", "x,2001,NA\nx,2002,7\nx,2003,x\n", []string{"--fill", "linear"}, exitFail, []string{`series "x"`, "1 observations"}},
		{"bad fill", "x,2001,1\n", []string{"--fill", "spline"}, exitUsage, []string{"--fill"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "out.csv")
			os.Remove(out)
			var stdout, stderr bytes.Buffer
			args := append([]string{"forecast", "--method", "naive", "--input", write("in.csv", tt.body), "--output", out}, tt.args...)
			if code := runTS(context.Background(), args, &stdout, &stderr); code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("message %q lacks %q", stderr.String(), w)
				}
			}
			_, err := os.Stat(out)
			if written := err == nil; written != (tt.code == 0 || tt.code == exitPartial) {
				t.Errorf("output written: %v", written)
			}
		})
	}
}
