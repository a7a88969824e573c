package api

import (
	"errors"
	"fmt"
	"strings"

	"github.com/carecast/carecast/datasets"
)

// DatasetFiles validates uploaded dataset files with package datasets, checking area codes
// against the areas table of the built-in data.
type DatasetFiles struct {
	Known map[string]bool
	// MaxBytes caps a file's size (0: datasets.DefaultMaxBytes).
	MaxBytes int64
	// MaxRows caps a file's rows, checked from its footer before any row is decoded
	// (0: datasets.DefaultMaxRows).
	MaxRows int64
}

type locatedProblem struct{ p datasets.Problem }

func (l locatedProblem) Error() string { return l.p.Message + " [" + string(l.p.Rule) + "]" }

// Location names the row and column of the problem.
func (l locatedProblem) Location() string {
	var parts []string
	if l.p.Row > 0 {
		parts = append(parts, fmt.Sprintf("row %d", l.p.Row))
	}
	if l.p.Column != "" {
		parts = append(parts, "column "+l.p.Column)
	}
	if len(parts) == 0 {
		return "file"
	}
	return strings.Join(parts, ", ")
}

// Validate reads the file at path as a dataset of kind and summarises it, or lists every
// problem with its row and column.
func (d DatasetFiles) Validate(kind, path string) (Summary, error) {
	k, err := datasets.ParseKind(kind)
	if err != nil {
		return Summary{}, err
	}
	opts := datasets.ReadOptions{Name: "upload", MaxBytes: d.MaxBytes, MaxRows: d.MaxRows}
	if k != datasets.KindAreas {
		opts.KnownAreas = d.Known
	}
	sum, err := datasets.ValidateFile(k, path, opts)
	if ve, ok := datasets.IsValidation(err); ok {
		errs := make([]error, len(ve.Problems))
		for i, p := range ve.Problems {
			errs[i] = locatedProblem{p}
		}
		return Summary{}, errors.Join(errs...)
	}
	if err != nil {
		return Summary{}, err
	}
	return summaryOf(sum), nil
}

func summaryOf(s datasets.Summary) Summary {
	desc := fmt.Sprintf("%d areas", s.Areas)
	if s.Years > 0 {
		desc += fmt.Sprintf(", years %d–%d", s.YearFrom, s.YearTo)
	}
	if s.AgeTo > 0 {
		desc += fmt.Sprintf(", ages %d–%d", s.AgeFrom, s.AgeTo)
	}
	return Summary{Rows: int64(s.Rows), Columns: datasets.Columns(s.Kind), Sources: s.Sources, Description: desc}
}

// BuiltinDatasets describes the files of a loaded bundle for the datasets API.
func BuiltinDatasets(b *datasets.Bundle) []BuiltinDataset {
	var out []BuiltinDataset
	for _, f := range b.Files {
		out = append(out, BuiltinDataset{Kind: string(f.Kind), Name: "default/" + f.File, ContentHash: "sha256:" + f.ContentHash,
			Size: f.Bytes, Summary: summaryOf(f)})
	}
	return out
}
