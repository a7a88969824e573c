// Package datasets holds carecast's canonical datasets: their Parquet schemas, validated readers
// and deterministic writers, conversion to Arrow record batches, and the default dataset built
// from real ONS and NHS Digital data and embedded in the binary.
//
// Every dataset kind (see Kind) is a tidy, long Parquet file with a fixed set of columns and a
// `source` column naming its publisher and edition. Readers check everything a user could get
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
// Conventions shared with package forecast: single years of age 0..90 where 90 means "90 and
// over" (population_oldest carries 90..105, 105 meaning "105 and over"); sexes "female" and
// "male" ("all" where a table publishes persons only); rates per person per year; years are
// calendar years for mid-year stocks and the first year of a financial year for activity.
package datasets
