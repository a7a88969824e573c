package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/carecast/carecast/datasets/seriescsv"
	"github.com/carecast/carecast/forecast/timeseries"
)

const tsUsage = `usage: carecast ts forecast --input in.csv [--output out.csv] [--method METHOD]
                             [--horizon H] [--level L]... [--period M] [--seed N] [--no-fallback]
                             [--fill none|linear]

Forecasts every series of in.csv (columns series_id,period,value; the rows of a series
contiguous, periods increasing) for the H periods after it ends, and writes
series_id,period,mean,lo<L>,hi<L>,…,note to out.csv (standard output if omitted).

A period is an integer or a financial year (2014/15, 2014-15, 2014/2015 or 2014-2015); a
financial year is read, and written out, as the year it starts (2014/15 is 2014).

A value may be missing: empty, NA, N/A, NaN, .. or x, or a period left out. A series with a
missing value is skipped and named on standard error with its missing periods; the other
series are still forecast. With --fill linear, missing values between two known ones are
interpolated on a straight line instead, and missing values before the first or after the last
known value are dropped; the note column says which periods were filled or dropped.

note also says when a series was too short for METHOD and the naive method was used instead.

Methods: naive, drift, ses, holt, damped, ets, theta, arima, auto (the mean of ets, arima and
theta, the mean of those and damped, or the median of the four, whichever forecast the series'
last 3 observations best).

Exit status: 0 every series forecast; 3 partial: some series skipped for missing values (the
others written; standard error lists the skipped); 1 bad input or nothing to forecast (the
message names the series and row); 2 usage.

Flags:
`

// levelsFlag collects repeated --level flags.
type levelsFlag []float64

func (l *levelsFlag) String() string {
	s := make([]string, len(*l))
	for i, v := range *l {
		s[i] = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strings.Join(s, ",")
}

func (l *levelsFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(part), "%")), 64)
		if err != nil || !(v > 0 && v < 100) {
			return fmt.Errorf("level %q: want a percentage between 0 and 100, e.g. 80", part)
		}
		*l = append(*l, v)
	}
	return nil
}

// runTS runs `carecast ts …`; args are the arguments after "ts". It returns the exit status.
func runTS(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "forecast" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, tsUsage)
			return exitOK
		}
		fmt.Fprint(stderr, tsUsage)
		if len(args) > 0 {
			fmt.Fprintf(stderr, "\ncarecast ts: unknown command %q\n", args[0])
		}
		return exitUsage
	}
	fs := flag.NewFlagSet("carecast ts forecast", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tsUsage)
		fs.PrintDefaults()
	}
	method := fs.String("method", "auto", "forecasting `method`")
	horizon := fs.Int("horizon", 5, "number of periods to forecast")
	var levels levelsFlag
	fs.Var(&levels, "level", "prediction interval `level` in percent; repeat for several (default 80 and 95)")
	input := fs.String("input", "", "input CSV `file` (series_id,period,value)")
	output := fs.String("output", "-", "output CSV `file`; - for standard output")
	period := fs.Int("period", 1, "observations per seasonal cycle (1 for annual data, 4 quarterly, 12 monthly)")
	seed := fs.Uint64("seed", 0, "seed for simulated intervals")
	noFallback := fs.Bool("no-fallback", false, "fail on a series too short for the method instead of using the naive method")
	fill := fs.String("fill", "none", "what to do with a series with missing values: none (skip it) or linear (interpolate)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "carecast ts forecast: "+format+"\n", a...)
		fmt.Fprintf(stderr, "run 'carecast ts forecast -h' for usage\n")
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usage("unexpected argument %q", fs.Arg(0))
	}
	m, err := timeseries.ParseMethod(*method)
	if err != nil {
		return usage("%v", err)
	}
	if *horizon < 1 {
		return usage("--horizon %d: want at least 1", *horizon)
	}
	if *period < 1 {
		return usage("--period %d: want at least 1", *period)
	}
	if *input == "" {
		return usage("--input is required")
	}
	if *fill != "none" && *fill != "linear" {
		return usage("--fill %q: want none or linear", *fill)
	}
	if len(levels) == 0 {
		levels = levelsFlag(timeseries.DefaultLevels)
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "carecast ts forecast: "+format+"\n", a...)
		return exitFail
	}

	f, err := os.Open(*input)
	if err != nil {
		return fail("%v", err)
	}
	series, err := seriescsv.Read(f)
	f.Close()
	if err != nil {
		return fail("%s: %v", *input, err)
	}
	need := timeseries.Naive.MinLength()
	if *noFallback {
		need = m.MinLength()
	}
	// Series with missing values: skipped, or filled when asked.
	var kept []seriescsv.Series
	var notes []string // per kept series: what filling did, if anything
	var skipped []string
	fy := false
	for _, s := range series {
		fy = fy || s.FinancialYear
		missing := s.Missing()
		if len(missing) == 0 {
			kept, notes = append(kept, s), append(notes, "")
			continue
		}
		if *fill == "none" {
			skipped = append(skipped, fmt.Sprintf("%q (row %d): missing %s", s.ID, s.Row, periodList(missing, s.FinancialYear)))
			continue
		}
		f, interp, dropped := s.FillLinear()
		var note []string
		if len(interp) > 0 {
			note = append(note, "filled "+periodList(interp, s.FinancialYear)+" by linear interpolation")
		}
		if len(dropped) > 0 {
			note = append(note, "dropped missing "+periodList(dropped, s.FinancialYear))
		}
		if len(f.Values) == 0 {
			skipped = append(skipped, fmt.Sprintf("%q (row %d): no known value", s.ID, s.Row))
			continue
		}
		kept, notes = append(kept, f), append(notes, strings.Join(note, "; "))
	}
	if len(kept) == 0 {
		return fail("%s: no series to forecast: every series has missing values: %s", *input, strings.Join(skipped, "; "))
	}
	ys := make([][]float64, len(kept))
	for i, s := range kept {
		if len(s.Values) < need {
			return fail("%s: row %d, series %q: %d observations, %s needs at least %d", *input, s.Row, s.ID, len(s.Values), m, need)
		}
		ys[i] = s.Values
	}
	series = kept
	opts := timeseries.Options{Period: *period, Seed: *seed, NoFallback: *noFallback}
	fcs, err := timeseries.ForecastMany(ctx, ys, m, *horizon, levels, opts)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fail("%v", ctxErr)
		}
		var se *timeseries.SeriesError
		if errors.As(err, &se) {
			s := series[se.Index]
			return fail("%s: row %d, series %q: %v", *input, s.Row, s.ID, se.Err)
		}
		return fail("%v", err)
	}
	out := make([]seriescsv.Output, len(series))
	fellBack := 0
	for i, s := range series {
		if fcs[i].Fallback != "" {
			fellBack++
		}
		if notes[i] != "" {
			fcs[i].Fallback = strings.Join(nonEmpty(notes[i], fcs[i].Fallback), "; ")
		}
		out[i] = seriescsv.Output{ID: s.ID, Start: s.End() + 1, Forecast: fcs[i]}
	}
	if err := writeOutput(*output, stdout, out); err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stderr, "carecast ts forecast: %d series, %s, %d periods ahead", len(series), m, *horizon)
	if fellBack > 0 {
		fmt.Fprintf(stderr, "; %d too short, forecast with naive (see the note column)", fellBack)
	}
	if filled := len(notes) - countEmpty(notes); filled > 0 {
		fmt.Fprintf(stderr, "; %d with missing values filled by linear interpolation (see the note column)", filled)
	}
	if fy {
		fmt.Fprint(stderr, "; periods are financial years, written as the year each starts (2014 = 2014/15)")
	}
	fmt.Fprintln(stderr)
	if len(skipped) > 0 {
		fmt.Fprintf(stderr, "carecast ts forecast: partial: skipped %d series with missing values (use --fill linear to interpolate):\n", len(skipped))
		for _, s := range skipped {
			fmt.Fprintf(stderr, "  %s\n", s)
		}
		return exitPartial
	}
	return exitOK
}

// periodList writes periods for a message: "2010, 2011", or as financial years "2010/11".
func periodList(periods []int, fy bool) string {
	s := make([]string, len(periods))
	for i, p := range periods {
		if fy {
			s[i] = fmt.Sprintf("%d/%02d", p, (p+1)%100)
		} else {
			s[i] = strconv.Itoa(p)
		}
	}
	return strings.Join(s, ", ")
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func countEmpty(ss []string) int {
	n := 0
	for _, s := range ss {
		if s == "" {
			n++
		}
	}
	return n
}

// writeOutput writes to standard output for "-", else to a temporary file renamed over path
// once complete, so a failed run never leaves a partial file.
func writeOutput(path string, stdout io.Writer, out []seriescsv.Output) error {
	if path == "-" {
		return seriescsv.Write(stdout, out)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := seriescsv.Write(tmp, out); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
