// Package defaultdata embeds carecast's default dataset: canonical Parquet files built by
// `carecast datasets build` (package convert) from the real ONS and NHS Digital data in
// ../shared/data/raw, published under the Open Government Licence v3.
//
// Contains public sector information licensed under the Open Government Licence v3.0
// (Office for National Statistics; NHS Digital / NHS England).
package defaultdata

import (
	"embed"
	"io/fs"
	"sync"

	"github.com/carecast/carecast/datasets"
)

//go:embed *.parquet projections/*.parquet
var files embed.FS

// FS returns the embedded dataset directory: one "<kind>.parquet" per kind.
func FS() fs.FS { return files }

// Load reads and validates the embedded default dataset. It is loaded once; later calls return
// the same *Bundle, which callers must treat as read-only.
func Load() (*datasets.Bundle, error) {
	once.Do(func() { bundle, loadErr = datasets.LoadFS(files, datasets.ReadOptions{}) })
	return bundle, loadErr
}

var (
	once    sync.Once
	bundle  *datasets.Bundle
	loadErr error
)
