package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// project runs `carecast project args…` through the command dispatcher.
func project(t *testing.T, args ...string) (code int, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	code = run(context.Background(), append([]string{"project"}, args...), &out, &errs)
	return code, errs.String()
}

// readResultCSV reads an output table: its header and rows.
func readResultCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 2 {
		t.Fatalf("%s: %d records", path, len(recs))
	}
	return recs[0], recs[1:]
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestProjectBaseline runs the baseline for a unitary and a county from the command line and
// compares every row of the CSV with the engine's own result for the same scenario.
func TestProjectBaseline(t *testing.T) {
	out := filepath.Join(t.TempDir(), "baseline.csv")
	code, stderr := project(t, "--areas", "E06000001, E10000014", "--from", "2022", "--to", "2025", "--out", out, "--run-id", "r1")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "wrote ") || strings.Contains(stderr, "\r") {
		t.Errorf("stderr %q: want a summary and no progress bar when not on a terminal", stderr)
	}
	head, rows := readResultCSV(t, out)
	if got := strings.Join(head, ","); got != "scenario_id,run_id,area_code,area_name,year,measure,unit,sex,age_band,mean,p10,p50,p90" {
		t.Fatalf("header %s", got)
	}

	b, err := defaultdata.Load()
	if err != nil {
		t.Fatal(err)
	}
	in, err := datasets.EngineInputs(b)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(in)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Run(context.Background(), forecast.Scenario{Name: "baseline", Areas: []string{"E06000001", "E10000014"}, Horizon: 2025},
		engine.RunOptions{ScenarioID: "baseline", RunID: "r1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	areas, measures := map[string]bool{}, map[string]bool{}
	for want := range r.Rows() {
		if i >= len(rows) {
			t.Fatalf("the CSV has %d rows, the engine more", len(rows))
		}
		got := rows[i]
		i++
		w := []string{want.ScenarioID, want.RunID, want.AreaCode, want.AreaName, strconv.Itoa(want.Year), want.Measure, want.Unit, want.Sex, want.AgeBand}
		if strings.Join(got[:9], "|") != strings.Join(w, "|") {
			t.Fatalf("row %d: %v, engine %v", i, got[:9], w)
		}
		if num(t, got[9]) != want.Mean || got[9] != got[10] || got[9] != got[11] || got[9] != got[12] {
			t.Fatalf("row %d: values %v, engine mean %v (deterministic: p10 = p50 = p90 = mean)", i, got[9:], want.Mean)
		}
		areas[want.AreaCode] = true
		measures[forecast.Family(want.Measure)] = true
	}
	if i != len(rows) {
		t.Errorf("the CSV has %d rows, the engine %d", len(rows), i)
	}
	if len(areas) != 2 || len(measures) != 7 { // six families and the drivers
		t.Errorf("areas %v, families %v", areas, measures)
	}
}

// TestProjectScenarioFile runs a scenario document with levers and draws; flags override it.
func TestProjectScenarioFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "fewer-admissions.json")
	doc := `{
  "name": "Fewer care home admissions",
  "areas": ["E08000019"],
  "horizon": 2040,
  "levers": [
    {"type": "admission_avoidance", "value": 10, "low": 5, "high": 15, "start": 2023, "end": 2027},
    {"type": "prevalence_trend", "measure": "dementia", "value": -1, "start": 2023, "end": 2030, "profile": "front_loaded"}
  ],
  "uncertainty": {"draws": 40, "seed": 7}
}`
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	code, stderr := project(t, "--scenario", file, "--to", "2030", "--no-drivers", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, rows := readResultCSV(t, out)
	ranged := 0
	for _, r := range rows {
		if r[0] != "fewer-admissions" || !strings.HasPrefix(r[1], "local-") || r[2] != "E08000019" {
			t.Fatalf("row %v", r)
		}
		if y, _ := strconv.Atoi(r[4]); y < 2022 || y > 2030 {
			t.Fatalf("year %d outside 2022-2030 (--to overrides the horizon)", y)
		}
		if strings.HasPrefix(r[5], "driver.") {
			t.Fatalf("driver row with --no-drivers: %v", r)
		}
		p10, p50, p90 := num(t, r[10]), num(t, r[11]), num(t, r[12])
		if !(p10 <= p50 && p50 <= p90) {
			t.Errorf("row %v: quantiles out of order", r)
		}
		if p90 > p10 {
			ranged++
		}
	}
	if ranged == 0 {
		t.Error("no row has a range with 40 draws")
	}
}

// TestProjectBadInput: bad scenarios and files exit 1 with messages that say what and where,
// and leave no output file; usage errors exit 2.
func TestProjectBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, doc string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	out := filepath.Join(dir, "out.csv")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"scenario problems", []string{"--scenario", write("bad.json", `{"name": "", "base_year": 2019, "areas": ["E10000002", "E06999999"],
			"levers": [{"type": "shift_residential_to_home_care", "value": 120, "start": 2030, "end": 2025}]}`), "--out", out}, exitFail,
			[]string{"bad.json: invalid scenario (6 problems)", "  name: a scenario needs a name", "  base_year: 2019 has no single-year estimate",
				"  areas[0]: area E10000002 (Buckinghamshire) ended on 2020-03-31; use E06000060", "  areas[1]: area E06999999 is not in the areas table",
				"  levers[0].end: end 2025 is before start 2030", "  levers[0].value: must be within 0..100 (% of residential residents); got 120"}},
		{"bad area on the command line", []string{"--areas", "E08000019", "--areas", "E12000099", "--out", out}, exitFail,
			[]string{"command line: invalid scenario (1 problems)", "  areas[1]: area E12000099 is not in the areas table"}},
		{"syntax", []string{"--scenario", write("syntax.json", "{\n  \"name\": \"x\",\n  \"areas\": [\"E08000019\",]\n}"), "--out", out}, exitFail,
			[]string{"syntax.json:3:25: invalid JSON: invalid character ']'"}},
		{"type", []string{"--scenario", write("type.json", "{\"name\": \"x\",\n \"levers\": [{\"type\": \"eligibility_change\", \"value\": \"ten\"}]}"), "--out", out}, exitFail,
			[]string{"type.json:2:", "levers.value: a JSON string cannot be float64"}},
		{"unknown field", []string{"--scenario", write("field.json", `{"name": "x", "levers": [{"type": "migration", "vaule": 5}]}`), "--out", out}, exitFail,
			[]string{`field.json: json: unknown field "vaule"`}},
		{"empty", []string{"--scenario", write("empty.json", ""), "--out", out}, exitFail, []string{"empty.json: empty file"}},
		{"missing file", []string{"--scenario", filepath.Join(dir, "nope.json"), "--out", out}, exitFail, []string{"nope.json: no such file"}},
		{"no out", []string{"--areas", "E08000019"}, exitUsage, []string{"--out is required"}},
		{"unknown extension", []string{"--areas", "E08000019", "--out", filepath.Join(dir, "out.txt")}, exitUsage, []string{`unknown extension ".txt"`}},
		{"argument", []string{"--out", out, "extra"}, exitUsage, []string{`unexpected argument "extra"`}},
		{"unknown flag", []string{"--bogus", "--out", out}, exitUsage, []string{"flag provided but not defined: -bogus"}},
		{"negative draws", []string{"--draws", "-1", "--out", out}, exitUsage, []string{"--draws -1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := project(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written", out)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
	if code, _ := project(t, "-h"); code != exitOK {
		t.Errorf("-h exits %d", code)
	}
}

// TestProjectProgressBar: on a terminal the run draws a progress bar ending at 100%.
func TestProjectProgressBar(t *testing.T) {
	old := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = old }()
	out := filepath.Join(t.TempDir(), "p.csv")
	code, stderr := project(t, "--areas", "E08000019", "--to", "2023", "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "\r[") || !strings.Contains(stderr, "] 100% 2/2\n") {
		t.Errorf("no progress bar in %q", stderr)
	}
}

// TestProjectFormats writes the same baseline in every format and reads each back with the
// project's own readers: the same rows, with the provenance where the format keeps it.
func TestProjectFormats(t *testing.T) {
	dir := t.TempDir()
	var want []forecast.ResultRow
	for _, ext := range []string{".csv", ".parquet", ".arrow", ".xlsx", ".ndjson"} {
		out := filepath.Join(dir, "baseline"+ext)
		if code, _, errOut := runCLI(t, "project", "--areas", "E06000001", "--to", "2030", "--no-drivers", "--out", out); code != exitOK {
			t.Fatalf("%s: exit %d: %s", ext, code, errOut)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		format := map[string]datasets.ExportFormat{".csv": datasets.FormatCSV, ".parquet": datasets.FormatParquet,
			".arrow": datasets.FormatArrow, ".xlsx": datasets.FormatXLSX, ".ndjson": datasets.FormatJSON}[ext]
		var got []forecast.ResultRow
		err = datasets.ReadExport(t.Context(), format, f, 0, func(r forecast.ResultRow) error { got = append(got, r); return nil })
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		// Excel keeps one sheet per measure family, so compare in a fixed order.
		slices.SortFunc(got, func(a, b forecast.ResultRow) int {
			return cmp.Or(cmp.Compare(a.AreaCode, b.AreaCode), cmp.Compare(a.Year, b.Year), cmp.Compare(a.Measure, b.Measure),
				cmp.Compare(a.Sex, b.Sex), cmp.Compare(a.AgeBand, b.AgeBand))
		})
		if want == nil {
			want = got
			if len(want) == 0 {
				t.Fatal("no rows")
			}
			continue
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d rows, csv had %d", ext, len(got), len(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			// Excel keeps 15 significant digits.
			if g.AreaCode != w.AreaCode || g.Year != w.Year || g.Measure != w.Measure || g.Sex != w.Sex || g.AgeBand != w.AgeBand ||
				math.Abs(g.Mean-w.Mean) > 1e-12*math.Abs(w.Mean) {
				t.Fatalf("%s row %d: %+v, csv %+v", ext, i, g, w)
			}
		}
	}
}

// TestProjectHelpListsWritableFormats checks the help against the code: every extension that
// outputFormat accepts and newRowWriter can write is named in `project -h`, and the help no
// longer says a format is unavailable (it once claimed Parquet and xlsx were, while both worked).
func TestProjectHelpListsWritableFormats(t *testing.T) {
	var stdout, stderr bytes.Buffer
	run(context.Background(), []string{"project", "-h"}, &stdout, &stderr)
	help := stdout.String() + stderr.String()
	if strings.Contains(help, "not available") {
		t.Errorf("project -h still says a format is not available:\n%s", help)
	}
	for ext, f := range formatByExt {
		if !formatAvailable(f) {
			t.Errorf("format %s (%s) is mapped but cannot be written", f, ext)
			continue
		}
		if !strings.Contains(help, ext) {
			t.Errorf("project -h does not name %s, which the code writes as %s:\n%s", ext, f, help)
		}
	}
}
