package service

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

// ResultFile is the name of a run's result table inside its directory.
const ResultFile = "results.parquet"

// CentralFileName is the name of a run's central projection beside its result file: the
// scenario run without draws, every input at its central value. Only runs with Monte Carlo
// draws have one; a deterministic run's result file is its own central projection.
const CentralFileName = "central.parquet"

// RunSpec is what a Runner is asked to run.
type RunSpec struct {
	RunID           string
	OrgID           string
	ScenarioID      string
	ScenarioVersion int
	// Scenario is the scenario document exactly as stored (already accepted by the
	// ScenarioValidator).
	Scenario json.RawMessage
	// Seed overrides the scenario document's seed when not nil.
	Seed *int64
	// Uploads are the organisation's uploaded datasets the scenario names, by ID (see
	// Carecast.ForScenario).
	Uploads map[string]Upload
	// DataDir is the server's data directory (absolute).
	DataDir string
	// Dir is an empty directory under DataDir (absolute) reserved for this run's results.
	Dir string
	// Version is the software version, for provenance.
	Version string
}

// RunOutput is what a successful run produced.
type RunOutput struct {
	// ResultPath is the result file (or directory), relative to RunSpec.DataDir and inside
	// RunSpec.Dir.
	ResultPath string
	// ResultHashes are the SHA-256 hashes of the result files written, computed while writing
	// them: "sha256:" followed by 64 lower-case hex digits, by file path relative to
	// RunSpec.DataDir (slash-separated). The server records them with the run and checks each
	// file against its hash when it opens it, so a damaged file is refused instead of read. A
	// file without an entry is read unchecked.
	ResultHashes map[string]string
	// Provenance is a JSON object recording what the run used: dataset content hashes,
	// software version, seed, scenario version.
	Provenance json.RawMessage
	// Seed is the seed the run used, if any (recorded with the run).
	Seed *int64
}

// Run parses the scenario document, runs it, and writes the tidy result table with its drivers
// and provenance (Provenance) under spec.Dir. A run with Monte Carlo draws also stores its
// central projection as CentralFileName beside it, for comparisons with deterministic runs.
// It is the one path from a stored scenario to stored results, for the API and the pages.
func (c *Carecast) Run(ctx context.Context, spec RunSpec, progress func(done, total int)) (RunOutput, error) {
	sc, on, err := c.Parse(spec.Scenario, spec.Uploads)
	if err != nil {
		return RunOutput{}, PublicError(err)
	}
	if spec.Seed != nil {
		sc.Uncertainty.Seed = *spec.Seed
	}

	res, err := on.Engine.Run(ctx, sc, engine.RunOptions{ScenarioID: spec.ScenarioID, RunID: spec.RunID, Version: spec.Version, Checked: true}, progress)
	var se forecast.ScenarioError
	if errors.As(err, &se) {
		return RunOutput{}, PublicError(err)
	}
	if err != nil {
		return RunOutput{}, err
	}
	return c.writeRun(ctx, on, sc, spec, res.Provenance, res.Rows())
}

// writeRun writes a run's result file (rows, with the run's provenance) under spec.Dir and,
// for a run with draws, its central projection beside it, and returns the run's output.
func (c *Carecast) writeRun(ctx context.Context, on *Carecast, sc forecast.Scenario, spec RunSpec, eprov engine.Provenance, rows iter.Seq[forecast.ResultRow]) (RunOutput, error) {
	seed := sc.Uncertainty.Seed
	prov := datasets.RunProvenance(eprov)
	prov.Scenario, prov.ScenarioVersion = spec.Scenario, spec.ScenarioVersion
	path := filepath.Join(spec.Dir, ResultFile)
	hashes := map[string]string{}
	if err := writeResultFile(path, prov, rows, spec.DataDir, hashes); err != nil {
		return RunOutput{}, err
	}
	if sc.Uncertainty.Draws > 0 {
		// The central projection beside the draws, so that comparisons can set it against
		// deterministic runs: the same statistic (see CentralFileName).
		central := sc
		central.Uncertainty.Draws = 0
		cres, err := on.Engine.Run(ctx, central, engine.RunOptions{ScenarioID: spec.ScenarioID, RunID: spec.RunID, Version: spec.Version, Checked: true}, nil)
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
	full, err := json.Marshal(eprov)
	if err != nil {
		return RunOutput{}, err
	}
	return RunOutput{ResultPath: rel, ResultHashes: hashes, Provenance: full, Seed: &seed}, nil
}

var _ SplitRunner = (*Carecast)(nil)

// Split implements SplitRunner: the parts of engine.Engine.Split. A scenario that does not
// parse is left whole (its run reports the problem).
func (c *Carecast) Split(spec RunSpec, maxParts int) ([][]string, error) {
	sc, on, err := c.Parse(spec.Scenario, spec.Uploads)
	if err != nil {
		return nil, nil
	}
	split, err := on.Engine.Split(sc, maxParts)
	if err != nil || split == nil {
		return nil, nil
	}
	return split.Parts, nil
}

// RunPart implements SplitRunner: the scenario over areas, its rows written as a result file.
func (c *Carecast) RunPart(ctx context.Context, spec RunSpec, areas []string, path string, progress func(done, total int)) error {
	sc, on, err := c.Parse(spec.Scenario, spec.Uploads)
	if err != nil {
		return PublicError(err)
	}
	if spec.Seed != nil {
		sc.Uncertainty.Seed = *spec.Seed
	}
	sc.Areas = areas
	res, err := on.Engine.Run(ctx, sc, engine.RunOptions{ScenarioID: spec.ScenarioID, RunID: spec.RunID, Version: spec.Version, Checked: true}, progress)
	var se forecast.ScenarioError
	if errors.As(err, &se) {
		return PublicError(err)
	}
	if err != nil {
		return err
	}
	return writeResultFile(path, datasets.RunProvenance(res.Provenance), res.Rows(), spec.DataDir, map[string]string{})
}

// Merge implements SplitRunner: the parts' rows area by area in the whole run's order
// (engine.Split.Order), with the whole run's provenance (engine.Engine.Describe), written as
// Run writes them: the same bytes.
func (c *Carecast) Merge(ctx context.Context, spec RunSpec, parts []string) (RunOutput, error) {
	sc, on, err := c.Parse(spec.Scenario, spec.Uploads)
	if err != nil {
		return RunOutput{}, PublicError(err)
	}
	if spec.Seed != nil {
		sc.Uncertainty.Seed = *spec.Seed
	}
	split, err := on.Engine.Split(sc, len(parts))
	if err != nil {
		return RunOutput{}, err
	}
	if split == nil {
		return RunOutput{}, errors.New("merge: the run's scenario cannot execute in parts")
	}
	prov, err := on.Engine.Describe(sc)
	if err != nil {
		return RunOutput{}, err
	}
	prov.ScenarioID, prov.RunID, prov.Version = spec.ScenarioID, spec.RunID, spec.Version
	files := make([]*datasets.ResultFile, len(parts))
	for i, p := range parts {
		if files[i], err = datasets.OpenResultFile(p, datasets.ResultOptions{Name: fmt.Sprintf("part %d", i)}); err != nil {
			return RunOutput{}, fmt.Errorf("merge: %w", err)
		}
		defer files[i].Close()
	}
	var mergeErr error
	rows := func(yield func(forecast.ResultRow) bool) {
		type cursor struct {
			next func() (forecast.ResultRow, error, bool)
			stop func()
			row  forecast.ResultRow
			ok   bool
		}
		cs := make([]*cursor, len(files))
		advance := func(c *cursor) bool {
			var err error
			c.row, err, c.ok = c.next()
			if err != nil {
				mergeErr, c.ok = err, false
				return false
			}
			return true
		}
		for i, f := range files {
			seq := func(yield func(forecast.ResultRow, error) bool) {
				err := f.Scan(ctx, forecast.ResultFilter{}, datasets.ScanOptions{Uncached: true}, func(_ int64, row forecast.ResultRow) bool {
					return yield(row, nil)
				})
				if err != nil {
					yield(forecast.ResultRow{}, err)
				}
			}
			next, stop := iter.Pull2(seq)
			defer stop()
			cs[i] = &cursor{next: next, stop: stop}
			if !advance(cs[i]) {
				return
			}
		}
		for _, area := range split.Order {
			var c *cursor
			for _, x := range cs {
				if x.ok && x.row.AreaCode == area {
					c = x
					break
				}
			}
			if c == nil {
				mergeErr = fmt.Errorf("merge: no part has the rows of %s", area)
				return
			}
			for c.ok && c.row.AreaCode == area {
				if !yield(c.row) || !advance(c) {
					return
				}
			}
		}
		for i, c := range cs {
			if c.ok {
				mergeErr = fmt.Errorf("merge: part %d has rows of %s, not an area of the run or out of order", i, c.row.AreaCode)
				return
			}
		}
	}
	out, err := c.writeRun(ctx, on, sc, spec, prov, rows)
	if err == nil && mergeErr != nil {
		err = mergeErr
	}
	return out, err
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

// PublicError marks err's message as safe to show to API clients (for example a Runner's
// explanation of why a scenario cannot run). errors.Is and errors.As see through it.
func PublicError(err error) error {
	if err == nil {
		return nil
	}
	return &publicError{err}
}

type publicError struct{ err error }

func (e *publicError) Error() string { return e.err.Error() }
func (e *publicError) Unwrap() error { return e.err }

// PublicMessage returns err's message if some error in its chain was made by PublicError.
func PublicMessage(err error) (string, bool) {
	var p *publicError
	if errors.As(err, &p) {
		return p.Error(), true
	}
	return "", false
}
