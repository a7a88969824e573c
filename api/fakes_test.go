package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// fakeRunner does what the scenario document says, so each test picks its behaviour:
//
//	{"name": "…", "steps": 20, "step_ms": 5, "fail": "why", "public": true, "panic": true, "rows": 500000}
//
// It reports progress after each step, honours cancellation between steps, and on success
// writes a real result file, runs/<id>/results.parquet, with fakeResults(rows) (see
// results_test.go).
type fakeRunner struct{}

type fakeDoc struct {
	Name   string `json:"name"`
	Steps  int    `json:"steps"`
	StepMS int    `json:"step_ms"`
	Fail   string `json:"fail"`
	Public bool   `json:"public"`
	Panic  bool   `json:"panic"`
	Rows   int    `json:"rows"`
}

func (fakeRunner) Run(ctx context.Context, spec RunSpec, progress func(done, total int)) (RunOutput, error) {
	var d fakeDoc
	if err := json.Unmarshal(spec.Scenario, &d); err != nil {
		return RunOutput{}, err
	}
	for i := range d.Steps {
		select {
		case <-ctx.Done():
			return RunOutput{}, ctx.Err()
		case <-time.After(time.Duration(d.StepMS) * time.Millisecond):
		}
		progress(i+1, d.Steps)
	}
	switch {
	case d.Panic:
		panic("fake runner panics")
	case d.Fail != "" && d.Public:
		return RunOutput{}, PublicError(errors.New(d.Fail))
	case d.Fail != "":
		return RunOutput{}, errors.New(d.Fail)
	}
	seed := int64(12345)
	if spec.Seed != nil {
		seed = *spec.Seed
	}
	res := filepath.Join(spec.Dir, ResultFileName)
	if err := writeFakeResults(res, spec, d.Rows, seed); err != nil {
		return RunOutput{}, err
	}
	rel, _ := filepath.Rel(spec.DataDir, res)
	return RunOutput{ResultPath: rel, Provenance: json.RawMessage(`{"engine":"fake"}`), Seed: &seed}, nil
}

// fakeScenarios accepts objects with a string name and optional non-negative whole steps and
// step_ms; it reports every problem with a JSON Pointer.
type fakeScenarios struct{}

type locErr struct{ loc, msg string }

func (e locErr) Error() string    { return e.msg }
func (e locErr) Location() string { return e.loc }

func (fakeScenarios) Schema() []byte {
	return []byte(`{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"Fake scenario","type":"object","required":["name"]}`)
}

func (fakeScenarios) Validate(doc []byte) error {
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		return locErr{"", "the scenario must be a JSON object"}
	}
	var errs []error
	if n, ok := m["name"].(string); !ok || n == "" {
		errs = append(errs, locErr{"/name", "name is required and must be a non-empty string"})
	}
	for _, k := range []string{"steps", "step_ms"} {
		if v, ok := m[k]; ok {
			if f, ok := v.(float64); !ok || f < 0 || f != float64(int(f)) {
				errs = append(errs, locErr{"/" + k, k + " must be a whole number ≥ 0"})
			}
		}
	}
	if lv, ok := m["levers"].([]any); ok {
		for i, l := range lv {
			if _, ok := l.(map[string]any); !ok {
				errs = append(errs, locErr{fmt.Sprintf("/levers/%d", i), "a lever must be an object"})
			}
		}
	}
	return errors.Join(errs...)
}

// fakeDatasets accepts CSV files whose first line is "area_code,year,count"; every later line
// with other than three fields is a problem.
type fakeDatasets struct{}

func (fakeDatasets) Validate(kind, path string) (Summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Summary{}, err
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if lines[0] != "area_code,year,count" {
		return Summary{}, locErr{"row 1", "header must be area_code,year,count"}
	}
	var errs []error
	for i, l := range lines[1:] {
		if strings.Count(l, ",") != 2 {
			errs = append(errs, locErr{fmt.Sprintf("row %d", i+2), "want 3 fields"})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Summary{}, err
	}
	return Summary{Rows: int64(len(lines) - 1), Columns: strings.Split(lines[0], ","), Description: kind}, nil
}

func testDeps() Deps {
	return Deps{
		Runner: fakeRunner{}, Scenarios: fakeScenarios{}, Datasets: fakeDatasets{}, Version: "test",
		Builtin: []BuiltinDataset{{Kind: "population", Name: "ONS mid-year estimates", ContentHash: "sha256:00", Size: 10,
			Summary: Summary{Rows: 1}, Created: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
}
