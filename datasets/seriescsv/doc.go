// Package seriescsv reads and writes the CSV files of `carecast ts forecast`: a long table of
// series (series_id, period, value) in, a long table of forecasts out.
//
// Input rules, each checked with an error naming the row (the file's line number; the header is
// row 1), the series and the column:
//   - the header names the columns series_id, period and value (any order, any case; other
//     columns are ignored);
//   - period is an integer, or a financial year written 2014/15, 2014-15, 2014/2015 or
//     2014-2015, read as the year it starts (2014) and flagged on the Series (FinancialYear);
//   - value is a finite number or a missing-value marker: empty, NA, N/A, NaN, ".." or "x"
//     (any case); anything else is an error;
//   - the rows of a series are contiguous and its periods increase (no duplicates, no going
//     back); a period the file skips is a missing value, up to MaxGap in a row;
//   - the file has at most MaxRows data rows (and values, counting skipped periods).
//
// Missing values are NaN in Series.Values; Series.Missing lists their periods, and
// Series.FillLinear interpolates between known values. Deciding what to do with an incomplete
// series is the caller's (the CLI skips it, or fills it when asked).
//
// Reading never modifies anything on error: Read returns either every series or an error.
package seriescsv
