package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// Read decodes a Parquet or CSV file (see ReadOptions.Format) of kind KindOf[T]() from data
// and validates it; a CSV file's header names the canonical columns (Columns), and its rows go
// through the same checks as a Parquet file's. It returns every
// problem found (up to opts.MaxProblems) as a *ValidationError; the rows are returned only when
// there are none. Read never panics and never modifies data.
func Read[T Record](data []byte, opts ReadOptions) ([]T, error) {
	k := KindOf[T]()
	t, err := readTable(data, specs[k], opts)
	if err != nil {
		return nil, err
	}
	c := &checker{t: t, r: &reporter{file: opts.name(), max: opts.maxProblems()}, opts: opts}
	c.r.seed(t)
	rows := decode[T](t, c)
	if err := c.r.err(); err != nil {
		return nil, err
	}
	return rows, nil
}

// ReadFile reads and validates the Parquet file at path, refusing files larger than
// opts.MaxBytes before reading them. Problems are named after the file's base name unless
// opts.Name is set.
func ReadFile[T Record](path string, opts ReadOptions) ([]T, error) {
	data, err := readFileCapped(path, &opts)
	if err != nil {
		return nil, err
	}
	return Read[T](data, opts)
}

func readFileCapped(path string, opts *ReadOptions) ([]byte, error) {
	if opts.Name == "" {
		opts.Name = path
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening dataset: %w", err)
	}
	defer fh.Close()
	if st, err := fh.Stat(); err == nil && st.Size() > opts.maxBytes() {
		return nil, &ValidationError{File: opts.Name, Problems: []Problem{{File: opts.Name, Rule: RuleTooLarge,
			Message: fmt.Sprintf("file is %d bytes, larger than the %d-byte limit", st.Size(), opts.maxBytes())}}}
	}
	return readAllCapped(fh, opts.maxBytes(), opts.Name)
}

// rowGroupRows is the row-group size used when writing: large enough for good compression,
// small enough that readers can stream.
const rowGroupRows = 64 * 1024

// Write writes rows as a Parquet file of kind KindOf[T]() to w. Output is deterministic: the
// same rows give the same bytes. Write does not validate; read the file back to do that.
func Write[T Record](w io.Writer, rows []T) error {
	return writeWith(w, rows, &snappy.Codec{}) // cheap to verify and to decode; see verifyPayload
}

// writeCompact writes rows as Write does but compressed with zstd, for the large files kept
// in the binary (projections, ProjectionsDir): about half the size of snappy's, slower to
// write, and still deterministic.
func writeCompact[T Record](w io.Writer, rows []T) error {
	return writeWith(w, rows, &zstd.Codec{Level: zstd.SpeedBetterCompression})
}

func writeWith[T Record](w io.Writer, rows []T, codec compress.Codec) error {
	pw := parquet.NewGenericWriter[T](w,
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		parquet.Compression(codec),
		parquet.CreatedBy("carecast", "1", ""),
	)
	if _, err := pw.Write(rows); err != nil {
		return fmt.Errorf("writing %s rows: %w", KindOf[T](), err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("writing %s footer: %w", KindOf[T](), err)
	}
	return nil
}

// WriteFile writes rows to path (see Write), replacing it atomically.
func WriteFile[T Record](path string, rows []T) error {
	return writeFileAtomic(path, func(w io.Writer) error { return Write(w, rows) })
}

// writeFileAtomic writes a file through write into a temporary file in the same folder, synced
// and then renamed over path, so that path is either the old file or the whole new one.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(dirOf(path), ".carecast-*"+filepath.Ext(path))
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = write(tmp); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1]
		}
	}
	return "."
}

// ContentHash is the SHA-256 of a file's bytes, hex encoded, recorded with every dataset a run
// uses so that any number can be traced to its inputs.
func ContentHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Validate reads data as a dataset of kind k and returns its summary, or every problem found.
func Validate(k Kind, data []byte, opts ReadOptions) (Summary, error) {
	switch k {
	case KindAreas:
		return validateAs[Area](data, opts)
	case KindPopulation:
		return validateAs[Population](data, opts)
	case KindPopulationOldest:
		return validateAs[PopulationOldest](data, opts)
	case KindPopulationTotals:
		return validateAs[PopulationTotal](data, opts)
	case KindMortality:
		return validateAs[Mortality](data, opts)
	case KindFertility:
		return validateAs[Fertility](data, opts)
	case KindMigration:
		return validateAs[Migration](data, opts)
	case KindLifeExpectancy:
		return validateAs[LifeExpectancy](data, opts)
	case KindPrevalence:
		return validateAs[Prevalence](data, opts)
	case KindServiceActivity:
		return validateAs[ServiceActivity](data, opts)
	case KindUnitCosts:
		return validateAs[UnitCost](data, opts)
	case KindSupply:
		return validateAs[Supply](data, opts)
	case KindDeprivation:
		return validateAs[Deprivation](data, opts)
	case KindActivityHistory:
		return validateAs[ActivityHistory](data, opts)
	case KindTopicRates:
		return validateAs[TopicRate](data, opts)
	}
	_, err := ParseKind(string(k))
	return Summary{}, err
}

// ValidateFile reads the file at path as kind k (see Validate).
func ValidateFile(k Kind, path string, opts ReadOptions) (Summary, error) {
	data, err := readFileCapped(path, &opts)
	if err != nil {
		return Summary{}, err
	}
	return Validate(k, data, opts)
}

func validateAs[T Record](data []byte, opts ReadOptions) (Summary, error) {
	rows, err := Read[T](data, opts)
	if err != nil {
		return Summary{}, err
	}
	if len(rows) == 0 {
		return Summary{}, &ValidationError{File: opts.name(), Problems: []Problem{{File: opts.name(), Rule: RuleNoRows, Message: "the file has the right columns but no rows"}}}
	}
	sum := Summarize(rows)
	sum.File = opts.name()
	sum.Bytes = int64(len(data))
	sum.ContentHash = ContentHash(data)
	return sum, nil
}

// IsValidation reports whether err carries validation problems (as opposed to an I/O failure).
func IsValidation(err error) (*ValidationError, bool) {
	var ve *ValidationError
	ok := errors.As(err, &ve)
	return ve, ok
}
