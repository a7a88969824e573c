package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/store"
)

// ExportOptions choose the file an export writes.
type ExportOptions struct {
	// Format is the file format (datasets.ExportFormats).
	Format datasets.ExportFormat
	// Disclosure, when not nil, rounds and suppresses counts of people (see datasets.Disclosure).
	Disclosure *datasets.Disclosure
}

// NoResultsError is Export's error for a run that has not succeeded (or has no result file):
// there is nothing to export yet.
type NoResultsError struct {
	RunID  string
	Status store.RunStatus
}

func (e *NoResultsError) Error() string {
	return fmt.Sprintf("run %s has no results (status %s)", e.RunID, e.Status)
}

// Export is a run's results, filtered, ready to be written as one file (Service.Export). Its
// run was found, has succeeded and holds every value the filter names, so what is left can
// only fail part way through writing. Call Close when done with it.
type Export struct {
	// Run is the run exported, as the store has it.
	Run store.Run
	// Format is the file's format.
	Format datasets.ExportFormat
	// ContentType is the file's media type (datasets.ExportFormat.ContentType).
	ContentType string
	// FileName is the name to save it as: the run's ID, "-results" and the format's extension.
	FileName string

	rf      *datasets.ResultFile
	flt     datasets.ResultFilter
	opts    datasets.ExportOptions
	release func()
}

// exportBatch is how many rows are handed to an exporter at once.
const exportBatch = 1024

// Export prepares the export of p's organisation's run runID: the rows that pass f, in the
// result file's order, in opts.Format, with the run's provenance in the file's metadata
// (Parquet, Arrow) or on its provenance sheet (Excel, whose temporary files go under the data
// directory's tmp). It returns store.ErrNotFound if the organisation has no such run, a
// *NoResultsError if the run has not succeeded, a *DamagedResult if its result file is damaged,
// and an *UnknownValueError (wrapping the *datasets.UnknownValuesError) if f names a value the
// results do not hold. The API's export operation and the pages' downloads both call it, so
// they write the same bytes for the same run, filter and options.
func (s *Service) Export(ctx context.Context, p Principal, runID string, f forecast.ResultFilter, opts ExportOptions) (*Export, error) {
	r, err := s.ReadableRun(ctx, p.OrgID, runID)
	if err != nil {
		return nil, err
	}
	if r.Status != store.RunSucceeded || r.ResultPath == "" {
		return nil, &NoResultsError{RunID: r.ID, Status: r.Status}
	}
	rf, release, err := s.OpenResults(r)
	if err != nil {
		return nil, err
	}
	flt := datasets.ResultFilter(f)
	v, err := rf.Values(ctx)
	if err == nil {
		err = unknownError(r.ID, v.Check(flt))
	}
	if err != nil {
		release()
		return nil, err
	}
	eo := datasets.ExportOptions{TempDir: filepath.Join(s.dataDir, "tmp"), Disclosure: opts.Disclosure, Provenance: rf.Provenance()}
	if eo.Provenance.RunID == "" {
		eo.Provenance.RunID, eo.Provenance.ScenarioID, eo.Provenance.ScenarioVersion = r.ID, r.ScenarioID, r.ScenarioVersion
	}
	return &Export{Run: r, ContentType: opts.Format.ContentType(), FileName: r.ID + "-results" + opts.Format.Extension(),
		rf: rf, flt: flt, Format: opts.Format, opts: eo, release: release}, nil
}

// Stream writes the file to w, reading the result file without filling the cache of decoded
// row groups. An error means the file written is incomplete: a caller that has sent part of
// it must not let it pass for a whole one (an HTTP server aborts the connection).
func (e *Export) Stream(ctx context.Context, w io.Writer) error {
	ew, err := datasets.NewExporter(e.Format, w, e.opts)
	if err != nil {
		return fmt.Errorf("starting: %w", err)
	}
	batch := make([]forecast.ResultRow, 0, exportBatch)
	var werr error
	err = e.rf.Scan(ctx, e.flt, datasets.ScanOptions{Uncached: true}, func(_ int64, row forecast.ResultRow) bool {
		batch = append(batch, row)
		if len(batch) == exportBatch {
			werr = ew.Write(batch...)
			batch = batch[:0]
		}
		return werr == nil
	})
	if err == nil && werr == nil && len(batch) > 0 {
		werr = ew.Write(batch...)
	}
	if err == nil {
		err = werr
	}
	if err != nil {
		ew.Close()
		return fmt.Errorf("writing: %w", err)
	}
	if err := ew.Close(); err != nil {
		return fmt.Errorf("finishing: %w", err)
	}
	return nil
}

// Close releases the result file.
func (e *Export) Close() {
	if e.release != nil {
		e.release()
		e.release = nil
	}
}

// unknownError turns a *datasets.UnknownValuesError of run runID into an *UnknownValueError
// that wraps it; other errors pass through.
func unknownError(runID string, err error) error {
	var ue *datasets.UnknownValuesError
	if !errors.As(err, &ue) {
		return err
	}
	msgs := make([]string, len(ue.Unknown))
	for i, u := range ue.Unknown {
		msgs[i] = UnknownValueMessage(runID, u)
	}
	return &UnknownValueError{Detail: strings.Join(msgs, "; ") + ".", Values: ue}
}
