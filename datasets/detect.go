package datasets

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// DetectKind works out a file's kind from its column names: the kind whose canonical columns
// match the file's most closely (all present, fewest extra). It reads only the footer, after
// the same safety checks as Read.
func DetectKind(data []byte) (k Kind, err error) {
	if err := checkFooter(data); err != nil {
		return "", err
	}
	defer func() {
		if p := recover(); p != nil {
			k, err = "", fmt.Errorf("%w: %v", errCorrupt, p)
		}
	}()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return "", fmt.Errorf("%w: %v", errCorrupt, err)
	}
	have := map[string]bool{}
	var names []string
	for _, c := range f.Root().Columns() {
		have[c.Name()] = true
		names = append(names, c.Name())
	}
	best, bestMissing := Kind(""), 1<<30
	for _, kind := range Kinds {
		missing := 0
		for _, s := range specs[kind] {
			if !have[s.name] {
				missing++
			}
		}
		extra := len(have) - (len(specs[kind]) - missing)
		score := missing*100 + extra
		if score < bestMissing {
			best, bestMissing = kind, score
		}
	}
	if bestMissing >= 100 {
		return "", fmt.Errorf("the columns (%s) match no dataset kind exactly; closest is %s — pass --kind", strings.Join(names, ", "), best)
	}
	return best, nil
}
