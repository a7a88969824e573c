package datasets

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// DetectKind works out a file's kind from its column names: the kind whose canonical columns
// match the file's most closely (all present, fewest extra). It reads only a Parquet file's
// footer, after the same safety checks as Read, or a CSV file's header (see InputAuto).
func DetectKind(data []byte) (k Kind, err error) {
	if formatOf(data, ReadOptions{}) == InputCSV {
		names, err := csvHeader(data)
		if err != nil {
			return "", err
		}
		return detectFromNames(data, names)
	}
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
	var names []string
	for _, c := range f.Root().Columns() {
		names = append(names, c.Name())
	}
	return detectFromNames(data, names)
}

// detectFromNames picks the kind for a file with the given columns (see DetectKind).
func detectFromNames(data []byte, names []string) (Kind, error) {
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	var best []Kind
	bestScore := 1 << 30
	for _, kind := range Kinds {
		missing := 0
		for _, s := range specs[kind] {
			if !have[s.name] {
				missing++
			}
		}
		extra := len(have) - (len(specs[kind]) - missing)
		switch score := missing*100 + extra; {
		case score < bestScore:
			best, bestScore = []Kind{kind}, score
		case score == bestScore:
			best = append(best, kind)
		}
	}
	if bestScore >= 100 {
		return "", fmt.Errorf("the columns (%s) match no dataset kind exactly; closest is %s — pass --kind", clip(strings.Join(names, ", "), maxMessage), best[0])
	}
	// Kinds with the same columns (population and population_oldest) are told apart by their
	// contents: the first that validates wins.
	if len(best) > 1 {
		for _, k := range best {
			if _, err := Validate(k, data, ReadOptions{MaxProblems: 1}); err == nil {
				return k, nil
			}
		}
	}
	return best[0], nil
}
