package datasets

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// ProjectionsDir is the folder of a dataset directory that holds supplied projections read on
// first use, one "<variant>.parquet" of population rows each (kind "projection"), so that
// loading the data does not pay for projections most runs never ask for.
const ProjectionsDir = "projections"

// LazyProjection is a supplied population projection of one variant kept in its own file and
// read (and validated) on first use.
type LazyProjection struct {
	Variant string
	File    string // path inside the dataset directory, e.g. "projections/principal.parquet"

	once sync.Once
	rows []Population
	err  error
	read func() ([]Population, error)
}

// NewLazyProjection holds rows already in memory (the converter's), to be written by WriteDir.
func NewLazyProjection(variant string, rows []Population) *LazyProjection {
	l := &LazyProjection{Variant: variant, File: path.Join(ProjectionsDir, variant+".parquet")}
	l.read = func() ([]Population, error) { return rows, nil }
	return l
}

// Rows reads the projection once and returns its rows, which callers must treat as read-only.
func (l *LazyProjection) Rows() ([]Population, error) {
	l.once.Do(func() { l.rows, l.err = l.read() })
	return l.rows, l.err
}

// lazyProjections finds the projection files of fsys and registers each, to be read with opts
// (and the areas known) on first use. A file's rows must all be projections of the variant its
// name gives.
func lazyProjections(fsys fs.FS, opts ReadOptions) ([]*LazyProjection, error) {
	names, err := fs.Glob(fsys, ProjectionsDir+"/*.parquet")
	if err != nil {
		return nil, fmt.Errorf("loading datasets: %w", err)
	}
	slices.Sort(names)
	out := make([]*LazyProjection, 0, len(names))
	for _, name := range names {
		l := &LazyProjection{Variant: strings.TrimSuffix(path.Base(name), ".parquet"), File: name}
		o := opts
		o.Name = name
		if o.MaxRows == 0 {
			o.MaxRows = maxProjectionRows
		}
		l.read = func() ([]Population, error) {
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("loading %s: %w", name, err)
			}
			rows, err := Read[Population](data, o)
			if err != nil {
				return nil, err
			}
			for i, r := range rows {
				if r.Kind != "projection" || r.Variant != l.Variant {
					return nil, fmt.Errorf("%s: row %d: a %s %q row in the file of projection variant %q", name, i+1, r.Kind, r.Variant, l.Variant)
				}
			}
			return rows, nil
		}
		out = append(out, l)
	}
	return out, nil
}

// maxProjectionRows bounds one projection file: every lower-tier area, county and England
// (318 areas in ONS's 2018-based projections) × 26 years × 2 sexes × 91 ages is 1.5 million
// rows; twice that leaves room for a longer projection.
const maxProjectionRows = 3 << 20
