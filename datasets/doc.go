// Package datasets holds carecast's canonical datasets: their Parquet schemas, validated readers
// and deterministic writers, conversion to Arrow record batches, and the default dataset built
// from real ONS and NHS Digital data and embedded in the binary.
//
// Every dataset kind (see Kind) is a tidy, long Parquet file with a fixed set of columns and a
// `source` column naming its publisher and edition; the same table may be given as CSV with
// the canonical columns as its header (see InputFormat), read into the same table and checked
// by the same rules. Readers check everything a user could get
// wrong and report each problem with the file, row, column and rule (see Problem): missing or
// renamed columns, wrong types, nulls, negative counts, rates outside [0,1], ages outside their
// range, duplicate keys, gaps (an area-year missing an age or a sex), unknown area codes, files
// larger than a configured cap, and corrupt or truncated files.
//
// Readers never panic and never allocate more than a fixed multiple of the file's size, whatever
// its bytes: the Parquet footer and page headers are checked against the file before the Parquet
// library is allowed to act on them, and the number of rows a file may claim is capped in
// proportion to its size (see ReadOptions).
//
// Result tables (forecast.ResultRow: the tidy long table of docs/design.md §8) are written
// by ResultWriter as Parquet in row groups of ResultRowGroupRows rows, with the run's
// Provenance in the key-value metadata, and read by ResultFile one row group at a time:
// Scan and Page filter by area, years, measure (a trailing * selects a prefix), sex and age
// band, skip row groups by their statistics, and may share a ResultCache of decoded groups.
// Values gives the file's distinct areas, measures, sexes, age bands and years, worked out
// once per ResultFile from footer statistics and column dictionaries, and ResultValues.Check
// names the values of a filter that the file lacks (an *UnknownValuesError), so that a
// mistyped filter can be refused instead of answering nothing. NewExporter streams the same
// table as CSV, Parquet, an Arrow IPC stream, an Excel workbook (a sheet per measure family,
// then driver and other sheets when such rows exist, and a provenance sheet) or
// newline-delimited JSON, optionally with Disclosure control (counts rounded, by default to 5,
// and small counts suppressed: empty in CSV and Excel, null elsewhere, NaN when read back);
// ReadExport reads each format back. ToArrow and ToArrowBatches turn canonical dataset rows
// into Arrow record batches.
//
// A council runs on its own data through Bundle.With, which validates an upload against the
// bundle's areas and returns a new bundle with the upload merged in (population kinds, by
// kind, variant, area and year) or in place of the kind (every other kind), listed in Files
// for provenance. ScenarioCoverage works out what a scenario needs of a kind and Covers says,
// as a *CoverageError, exactly what a dataset lacks, so that a scenario can be refused when it
// is checked rather than fail in its run.
//
// Conventions shared with package forecast: single years of age 0..90 where 90 means "90 and
// over" (population_oldest carries 90..105, 105 meaning "105 and over"); sexes "female" and
// "male" ("all" where a table publishes persons only); rates per person per year; years are
// calendar years for mid-year stocks and the first year of a financial year for activity.
package datasets
