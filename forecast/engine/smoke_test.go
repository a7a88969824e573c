package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

func TestSmoke(t *testing.T) {
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
	start := time.Now()
	if err := e.Warm(2021); err != nil {
		t.Fatal(err)
	}
	t.Logf("warm %v", time.Since(start))
	start = time.Now()
	r, err := e.Run(context.Background(), forecast.Scenario{Name: "baseline"}, engine.RunOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("run %v", time.Since(start))
	for _, m := range r.Measures() {
		for _, y := range []int{2021, 2030, 2045} {
			band := m.Bands[len(m.Bands)-1]
			v, _ := r.Value("E92000001", y, m.Name, "all", band)
			v2, _ := r.Value("E08000019", y, m.Name, "all", band)
			t.Logf("%-32s %s %d England %14.0f Sheffield %12.0f", m.Name, band, y, v, v2)
		}
	}
	t.Log(r.Provenance.Notes)
	t.Log(r.Provenance.Evidence)
}
