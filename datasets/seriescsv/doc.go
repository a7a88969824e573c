// Package seriescsv reads and writes the CSV files of `carecast ts forecast`: a long table of
// series (series_id, period, value) in, a long table of forecasts out.
//
// Input rules, each checked with an error naming the row (the file's line number; the header is
// row 1), the series and the column:
//   - the header names the columns series_id, period and value (any order, any case; other
//     columns are ignored);
//   - period is an integer and value a finite number;
//   - the rows of a series are contiguous, and its periods increase by exactly one from row to
//     row (no gaps, no duplicates, no going back);
//   - the file has at most MaxRows data rows.
//
// Reading never modifies anything on error: Read returns either every series or an error.
package seriescsv
