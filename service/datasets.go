package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/carecast/carecast/store"
)

// DatasetValidator checks an uploaded dataset file.
type DatasetValidator interface {
	// Validate reads the file at path (a temporary file; do not keep the path) as a dataset
	// of the given kind and returns a summary of it, or an error listing every problem in the
	// same form as ScenarioValidator.Validate, where each problem's Location names the row
	// and column (e.g. "row 12, column age").
	Validate(kind string, path string) (Summary, error)
}

// Summary describes a valid dataset file; it is stored with the upload and shown to users.
type Summary struct {
	Rows    int64    `json:"rows" doc:"Number of data rows."`
	Columns []string `json:"columns,omitempty" doc:"Column names, in file order."`
	// Sources are the publishers and editions named in the file's source column.
	Sources []string `json:"sources,omitempty" doc:"Publishers and editions named in the source column."`
	// Description is free text, e.g. the areas and years covered.
	Description string `json:"description,omitempty" doc:"What the file covers, e.g. areas and years."`
}

// Errors of AddDataset.
var (
	// ErrUploadTooLarge: the file is larger than the limit.
	ErrUploadTooLarge = errors.New("the file is larger than the upload limit")
	// ErrUploadEmpty: the file is empty.
	ErrUploadEmpty = errors.New("the file is empty")
)

// ReceiveError is AddDataset's error when reading the file failed before its end (the client
// went away, a body limit was hit); Err is the reader's error.
type ReceiveError struct{ Err error }

func (e *ReceiveError) Error() string { return "receiving the upload: " + e.Err.Error() }
func (e *ReceiveError) Unwrap() error { return e.Err }

// InvalidDataset is a file the dataset validator refused as a dataset of Kind; Err lists the
// problems (see Problems).
type InvalidDataset struct {
	Kind string
	Err  error
}

func (e *InvalidDataset) Error() string { return "invalid " + e.Kind + " dataset: " + e.Err.Error() }

// AddDataset streams body (at most limit bytes) to tmp/, validates it as a dataset of kind,
// renames it into uploads/ and commits the record of the organisation's upload named name. The
// file is fsynced, and so are the directories, before the commit, so an added dataset survives
// a crash; a crash before the commit leaves a file that the next start removes. On any error
// nothing is stored: ErrUploadTooLarge, ErrUploadEmpty, a *ReceiveError, an *InvalidDataset,
// an error wrapping syscall.ENOSPC when the disk is full, ctx's error, or the store's.
func (s *Service) AddDataset(ctx context.Context, orgID, kind, name string, body io.Reader, limit int64) (store.Dataset, error) {
	ext := fileExt(name)
	tmp, err := os.CreateTemp(filepath.Join(s.dataDir, "tmp"), "upload-*"+ext)
	if err != nil {
		return store.Dataset{}, err
	}
	tmpPath := tmp.Name()
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmpPath)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(body, limit+1))
	if err != nil {
		if errors.Is(err, syscall.ENOSPC) {
			return store.Dataset{}, err // the deferred cleanup removes the partial file
		}
		return store.Dataset{}, &ReceiveError{err}
	}
	if n > limit {
		return store.Dataset{}, ErrUploadTooLarge
	}
	if n == 0 {
		return store.Dataset{}, ErrUploadEmpty
	}
	if err := tmp.Sync(); err != nil {
		return store.Dataset{}, err
	}
	if err := tmp.Close(); err != nil {
		return store.Dataset{}, err
	}

	sum, err := s.datasets.Validate(kind, tmpPath)
	if err != nil {
		return store.Dataset{}, &InvalidDataset{Kind: kind, Err: err}
	}

	id := store.NewID("dst")
	dir := filepath.Join(s.dataDir, "uploads", orgID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return store.Dataset{}, err
	}
	final := filepath.Join(dir, id+ext)
	if err := os.Rename(tmpPath, final); err != nil {
		return store.Dataset{}, err
	}
	keep = true
	if err := errors.Join(syncDir(dir), syncDir(filepath.Dir(tmpPath))); err != nil {
		os.Remove(final)
		return store.Dataset{}, err
	}
	rel, err := s.relPath(final)
	if err != nil {
		os.Remove(final)
		return store.Dataset{}, err
	}
	summary, err := json.Marshal(sum)
	if err != nil {
		os.Remove(final)
		return store.Dataset{}, fmt.Errorf("dataset summary: %w", err)
	}
	d := store.Dataset{ID: id, OrgID: orgID, Kind: kind, Name: name,
		ContentHash: "sha256:" + hex.EncodeToString(h.Sum(nil)), Size: n, Path: rel,
		Summary: summary, Created: time.Now().UTC().Truncate(time.Microsecond)}
	if s.Shared() {
		if err := s.putFile(context.WithoutCancel(ctx), filepath.ToSlash(rel)); err != nil {
			os.Remove(final)
			return store.Dataset{}, err
		}
	}
	if err := s.st.CreateDataset(context.WithoutCancel(ctx), d); err != nil {
		os.Remove(final)
		if s.Shared() {
			s.files.Delete(context.WithoutCancel(ctx), filepath.ToSlash(rel))
		}
		return store.Dataset{}, err
	}
	return d, nil
}

// DeleteDataset deletes the organisation's upload: its record, then its file (a file that
// cannot be removed is logged and swept at the next start). It returns the deleted record.
func (s *Service) DeleteDataset(ctx context.Context, orgID, id string) (store.Dataset, error) {
	d, err := s.st.DeleteDataset(ctx, orgID, id)
	if err != nil {
		return d, err
	}
	if p, err := s.path(d.Path); err == nil {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			// The record is gone; the file is swept at the next start.
			s.log.Warn("remove deleted dataset file", "path", d.Path, "err", err)
		}
	}
	if s.Shared() {
		// Other machines' local copies are caches: with the record gone nothing reads them.
		if err := s.files.Delete(context.WithoutCancel(ctx), filepath.ToSlash(d.Path)); err != nil {
			s.log.Warn("remove deleted dataset from the shared files", "path", d.Path, "err", err)
		}
	}
	return d, nil
}

// ListDatasets lists the organisation's uploads, newest first, and the cursor of the next page.
func (s *Service) ListDatasets(ctx context.Context, orgID string, pg store.Page) ([]store.Dataset, string, error) {
	return s.st.ListDatasets(ctx, orgID, pg)
}

// Dataset returns the organisation's upload id (store.ErrNotFound if it has none).
func (s *Service) Dataset(ctx context.Context, orgID, id string) (store.Dataset, error) {
	return s.st.GetDataset(ctx, orgID, id)
}

// syncDir fsyncs a directory so a rename or create in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// fileExt returns the extension of a user-supplied file name if it is one carecast knows, else "".
func fileExt(name string) string {
	ext := strings.ToLower(filepath.Ext(name))
	switch ext {
	case ".parquet", ".csv", ".json", ".xlsx", ".arrow":
		return ext
	}
	return ""
}
