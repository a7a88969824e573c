package datasets

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
)

// ProjectionsDir is the folder of a dataset directory that holds supplied projections, one
// "<variant>.parquet" of population rows each (kind "projection"): EagerProjections are read
// with the data, the others on first use, so that loading the data does not pay for
// projections most runs never ask for.
const ProjectionsDir = "projections"

// EagerProjections are the projection variants LoadFS reads with the rest of the data, because
// every run that does not name another variant uses them.
var EagerProjections = []string{"principal"}

// LazyProjection is a supplied population projection of one variant kept in its own file and
// read (and validated) on first use, or with the data for EagerProjections.
type LazyProjection struct {
	Variant string
	File    string // path inside the dataset directory, e.g. "projections/principal.parquet"

	once sync.Once
	rows []Population
	err  error
	read func() ([]Population, error)

	cubeOnce sync.Once
	cube     *PopulationCube
	cubeErr  error
	readCube func() (*PopulationCube, error)
	stat     func() (FileStat, error)
}

// FileStat describes a dataset file without decoding its rows: its path inside the dataset
// directory, size in bytes, content hash (hex SHA-256, as Summary.ContentHash) and the row
// count its footer gives.
type FileStat struct {
	File        string
	Bytes       int64
	ContentHash string
	Rows        int64
}

// Stat returns the projection file's size, content hash and row count (read from the Parquet
// footer; no row is decoded). A projection held in memory (NewLazyProjection) has only its
// row count. It fails if the file cannot be read or is not Parquet.
func (l *LazyProjection) Stat() (FileStat, error) {
	if l.stat == nil {
		rows, err := l.Rows()
		return FileStat{File: l.File, Rows: int64(len(rows))}, err
	}
	return l.stat()
}

// NewLazyProjection holds rows already in memory (the converter's), to be written by WriteDir.
func NewLazyProjection(variant string, rows []Population) *LazyProjection {
	l := &LazyProjection{Variant: variant, File: path.Join(ProjectionsDir, variant+".parquet")}
	l.read = func() ([]Population, error) { return rows, nil }
	l.readCube = func() (*PopulationCube, error) { return NewPopulationCube(rows), nil }
	return l
}

// Rows reads the projection's records once and returns them, which callers must treat as
// read-only. Runs use Cube, which is smaller and quicker to read; Rows is for writing the file
// again and for tests.
func (l *LazyProjection) Rows() ([]Population, error) {
	l.once.Do(func() { l.rows, l.err = l.read() })
	return l.rows, l.err
}

// Cube reads the projection once, with the same checks as Rows, and returns its counts by area
// and year, which callers must treat as read-only.
func (l *LazyProjection) Cube() (*PopulationCube, error) {
	l.cubeOnce.Do(func() { l.cube, l.cubeErr = l.readCube() })
	return l.cube, l.cubeErr
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
		ofVariant := func(r *Population) error {
			if r.Kind != "projection" || r.Variant != l.Variant {
				return fmt.Errorf("a %s %q row in the file of projection variant %q", r.Kind, r.Variant, l.Variant)
			}
			return nil
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
			for i := range rows {
				if err := ofVariant(&rows[i]); err != nil {
					return nil, fmt.Errorf("%s: row %d: %w", name, i+1, err)
				}
			}
			return rows, nil
		}
		l.stat = func() (FileStat, error) {
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return FileStat{}, fmt.Errorf("loading %s: %w", name, err)
			}
			f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
			if err != nil {
				return FileStat{}, fmt.Errorf("%s: %w", name, err)
			}
			return FileStat{File: name, Bytes: int64(len(data)), ContentHash: ContentHash(data), Rows: f.NumRows()}, nil
		}
		l.readCube = func() (*PopulationCube, error) {
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("loading %s: %w", name, err)
			}
			return ReadPopulationCube(data, o, ofVariant)
		}
		out = append(out, l)
	}
	return out, nil
}

// maxProjectionRows bounds one projection file: every lower-tier area, county and England
// (318 areas in ONS's 2018-based projections) × 26 years × 2 sexes × 91 ages is 1.5 million
// rows; twice that leaves room for a longer projection.
const maxProjectionRows = 3 << 20
