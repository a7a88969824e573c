package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
)

// EngineRunner runs scenarios with the forecast engine and stores each run's results as a
// Parquet result file (datasets.ResultWriter) with its provenance. A run with Monte Carlo draws
// also stores its central projection (the scenario run without draws, every input at its
// central value) as CentralFileName beside it, for comparisons with deterministic runs.
type EngineRunner struct {
	Engine    *engine.Engine
	Scenarios *ScenarioSchema
}

// ResultFile is the name of a run's result table inside its directory.
const ResultFile = "results.parquet"

// Run parses the scenario, runs it, and writes the tidy result table with its drivers.
func (r *EngineRunner) Run(ctx context.Context, spec RunSpec, progress func(done, total int)) (RunOutput, error) {
	sc, err := r.Scenarios.Parse(spec.Scenario)
	if err != nil {
		return RunOutput{}, PublicError(err)
	}
	if spec.Seed != nil {
		sc.Uncertainty.Seed = *spec.Seed
	}
	res, err := r.Engine.Run(ctx, sc, engine.RunOptions{ScenarioID: spec.ScenarioID, RunID: spec.RunID, Version: spec.Version}, progress)
	var se forecast.ScenarioError
	if errors.As(err, &se) {
		return RunOutput{}, PublicError(err)
	}
	if err != nil {
		return RunOutput{}, err
	}
	seed := sc.Uncertainty.Seed
	prov := datasets.RunProvenance(res.Provenance)
	prov.Scenario, prov.ScenarioVersion = spec.Scenario, spec.ScenarioVersion
	path := filepath.Join(spec.Dir, ResultFile)
	hashes := map[string]string{}
	if err := writeResultFile(path, prov, res.Rows(), spec.DataDir, hashes); err != nil {
		return RunOutput{}, err
	}
	if sc.Uncertainty.Draws > 0 {
		// The central projection beside the draws, so that comparisons can set it against
		// deterministic runs: the same statistic (see CentralFileName).
		central := sc
		central.Uncertainty.Draws = 0
		cres, err := r.Engine.Run(ctx, central, engine.RunOptions{ScenarioID: spec.ScenarioID, RunID: spec.RunID, Version: spec.Version}, nil)
		if err != nil {
			return RunOutput{}, fmt.Errorf("central projection: %w", err)
		}
		if err := writeResultFile(filepath.Join(spec.Dir, CentralFileName), prov, cres.Rows(), spec.DataDir, hashes); err != nil {
			return RunOutput{}, fmt.Errorf("central projection: %w", err)
		}
	}
	rel, err := filepath.Rel(spec.DataDir, path)
	if err != nil {
		return RunOutput{}, err
	}
	full, err := json.Marshal(res.Provenance)
	if err != nil {
		return RunOutput{}, err
	}
	return RunOutput{ResultPath: rel, ResultHashes: hashes, Provenance: full, Seed: &seed}, nil
}

// writeResultFile writes rows as a result file at path with its provenance, synced to disk,
// and records the SHA-256 of the bytes written in hashes under the file's path relative to
// dataDir (see RunOutput.ResultHashes).
func writeResultFile(path string, prov datasets.Provenance, rows iter.Seq[forecast.ResultRow], dataDir string, hashes map[string]string) error {
	rel, err := filepath.Rel(dataDir, path)
	if err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	h := sha256.New()
	w := datasets.NewResultWriter(io.MultiWriter(f, h), prov)
	for row := range rows {
		if err := w.Write(row); err != nil {
			f.Close()
			return fmt.Errorf("writing results: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		f.Close()
		return fmt.Errorf("writing results: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("writing results: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	hashes[filepath.ToSlash(rel)] = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return nil
}
