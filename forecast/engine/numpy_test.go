package engine_test

import (
	"context"
	"flag"
	"testing"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

var numpyDir = flag.String("numpy.dir", "", "write the England deterministic chain's inputs and results as .npy files into this directory (bench/numpy_compare.sh)")

// TestNumpyInputs writes, with -numpy.dir, the inputs and results of the run
// BenchmarkEnglandDeterministic/drivers=false times, for bench/numpy_chain.py.
func TestNumpyInputs(t *testing.T) {
	if *numpyDir == "" {
		t.Skip("no -numpy.dir")
	}
	_, _, e := realData(t)
	r, err := e.Run(context.Background(), forecast.Scenario{Name: "baseline"}, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := engine.WriteNumpyInputs(r, *numpyDir); err != nil {
		t.Fatal(err)
	}
}
