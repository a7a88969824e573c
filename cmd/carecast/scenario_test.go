package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScenarioSchema(t *testing.T) {
	code, out, _ := runCLI(t, "scenario", "schema")
	var doc map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &doc) != nil {
		t.Fatalf("exit %d, output not JSON", code)
	}
	props, _ := doc["properties"].(map[string]any)
	for _, p := range []string{"name", "base_year", "horizon", "levers", "uncertainty"} {
		if props[p] == nil {
			t.Errorf("schema lacks property %s", p)
		}
	}
}

func TestScenarioValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"name": "Shift 10% to home care", "areas": ["E08000019"],
		"levers": [{"type": "shift_residential_to_home_care", "value": 10, "low": 5, "high": 15, "start": 2025, "end": 2030}]}`), 0o644)
	if code, out, errOut := runCLI(t, "scenario", "validate", good); code != exitOK || !strings.Contains(out, `valid scenario "Shift 10% to home care", 2022–2045, 1 levers`) {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	// Every problem at once, schema and data alike, each with its JSON path.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name": "", "base_year": 2019, "areas": ["E06000028"],
		"levers": [{"type": "prevalence_trend", "measure": "nope", "value": -1, "start": 2030, "end": 2025, "profile": "zigzag"}], "bogus": 1}`), 0o644)
	code, _, errOut := runCLI(t, "scenario", "validate", bad)
	if code != exitFail {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"name: expected length >= 1", "levers[0].profile:", "bogus: unexpected property",
		"base_year: 2019 has no single-year estimate", "areas[0]: area E06000028 (Bournemouth) ended on 2019-03-31; use E06000058",
		"levers[0].end: end 2025 is before start 2030", "levers[0].measure: prevalence_trend needs a known measure"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("missing %q in\n%s", want, errOut)
		}
	}
	for _, args := range [][]string{{"scenario"}, {"scenario", "validate"}, {"scenario", "schema", "x"}, {"scenario", "nope"}} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d", args, code)
		}
	}
}
