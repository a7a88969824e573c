package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/datasets/defaultdata"
	"github.com/carecast/carecast/forecast/backtest"
)

// runBacktestCmd runs the population back-tests and, where the data has service activity, the
// service back-test on the default data (or a dataset directory), prints a summary, and writes
// the table of scored forecasts and the model card if asked.
// Exit codes: 0 done, 1 bad input or a failure, 2 wrong usage.
func runBacktestCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("backtest", stderr, "backtest [--data DIR] [--out FILE.csv|FILE.parquet] [--model-card FILE.md]")
	dataDir := fs.String("data", "", "dataset directory to read (default: the embedded default data)")
	out := fs.String("out", "", "write every scored forecast to this .csv or .parquet file")
	cardPath := fs.String("model-card", "", "write the model card (Markdown) to this file")
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 0 {
		fmt.Fprintf(stderr, "carecast backtest: unexpected argument %q\n", pos[0])
		fs.Usage()
		return exitUsage
	}
	if ext := strings.ToLower(filepath.Ext(*out)); *out != "" && ext != ".csv" && ext != ".parquet" {
		fmt.Fprintf(stderr, "carecast backtest: --out %s: want a .csv or .parquet file\n", *out)
		return exitUsage
	}
	var b *datasets.Bundle
	var err error
	if *dataDir == "" {
		b, err = defaultdata.Load()
	} else {
		b, err = datasets.LoadDir(*dataDir, datasets.ReadOptions{})
	}
	if err != nil {
		if _, ok := datasets.IsValidation(err); ok {
			return reportProblems(err, stderr)
		}
		fmt.Fprintf(stderr, "carecast backtest: %v\n", err)
		return exitFail
	}
	rep, svc, err := datasets.RunBacktests(ctx, b)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			fmt.Fprintf(stderr, "carecast backtest: stopped: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stderr, "carecast backtest: %v\n", err)
		return exitFail
	}
	if err := printBacktest(stdout, rep, svc); err != nil {
		fmt.Fprintf(stderr, "carecast backtest: %v\n", err)
		return exitFail
	}
	if *out != "" {
		rows := rep.Rows
		if svc != nil {
			rows = append(slices.Clip(rows), svc.Rows...)
		}
		if err := datasets.WriteBacktestFile(*out, rows); err != nil {
			fmt.Fprintf(stderr, "carecast backtest: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "\nwrote %d scored forecasts to %s\n", len(rows), *out)
	}
	if *cardPath != "" {
		md, err := backtest.ModelCard(rep, svc)
		if err == nil {
			err = writeFileAtomic(*cardPath, md)
		}
		if err != nil {
			fmt.Fprintf(stderr, "carecast backtest: model card: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "wrote the model card to %s\n", *cardPath)
	}
	return exitOK
}

// printBacktest prints the summary of the back-tests: the contest, the 2011 origin by horizon
// and band, the contest's sensitivity, the population error model and its coverage, and (svc
// not nil) the service back-test with the coverage of its intervals.
func printBacktest(w io.Writer, rep *backtest.Report, svc *backtest.ServiceReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	pct := func(v float64) string { return fmt.Sprintf("%.2f", v) }
	sgn := func(v float64) string { return fmt.Sprintf("%+.2f", v) }
	if c := rep.Contest2018; c != nil {
		fmt.Fprintf(w, "Contest from mid-2018: districts' people by age in 2020 and 2022, from what was known in 2018, on %d districts (errors in %%)\n",
			c.Scores[0].Carecast.N)
		fmt.Fprintln(tw, "year\tband\tcarecast MAPE\tmedian\tP90\tbias\t|\tONS MAPE\tmedian\tP90\tbias\t|\tno change MAPE\tmedian\tP90\tbias\t")
		for _, s := range c.Scores {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t|\t%s\t%s\t%s\t%s\t|\t%s\t%s\t%s\t%s\t\n", s.Year, s.AgeBand,
				pct(s.Carecast.MAPE), pct(s.Carecast.MedianAPE), pct(s.Carecast.P90APE), sgn(s.Carecast.Bias),
				pct(s.ONS.MAPE), pct(s.ONS.MedianAPE), pct(s.ONS.P90APE), sgn(s.ONS.Bias),
				pct(s.Same.MAPE), pct(s.Same.MedianAPE), pct(s.Same.P90APE), sgn(s.Same.Bias))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "benchmark: %s\n", c.BenchmarkName)
		fmt.Fprintf(w, "method: migration %s; mortality %s\n\n", c.Options.Shape, c.Options.Mortality)
		fmt.Fprintln(w, "Sensitivity of the 2018 contest: carecast's MAPE (%) with one choice changed")
		head := "variant"
		for _, col := range backtest.SensitivityColumns {
			head += fmt.Sprintf("\t%s %d", col.AgeBand, col.Year)
		}
		fmt.Fprintln(tw, head+"\t")
		line := func(name string, scores []backtest.ContestScore) {
			fmt.Fprint(tw, name)
			for _, col := range backtest.SensitivityColumns {
				fmt.Fprintf(tw, "\t%s", pct(backtest.ContestMAPE(scores, col.Year, col.AgeBand)))
			}
			fmt.Fprintln(tw, "\t")
		}
		line("carecast (as above)", c.Scores)
		for _, v := range c.Sensitivity {
			line(v.Name, v.Scores)
		}
		ons := make([]backtest.ContestScore, len(c.Scores))
		for i, s := range c.Scores {
			ons[i] = s
			ons[i].Carecast = s.ONS
		}
		line("ONS (benchmark)", ons)
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if h, ok := rep.Summary(backtest.Headline); ok {
		origin := 0
		for _, r := range rep.Rows {
			if r.Backtest == backtest.Contest2016 {
				origin = r.Origin
				break
			}
		}
		fmt.Fprintf(w, "Contest: people 60+ in %d, from what was known in %d, on %d districts (errors in %%)\n",
			h.Year, origin, h.Ours.N)
		fmt.Fprintln(tw, "band\tcarecast MAPE\tmedian\tP90\tbias\tMASE\t|\tONS MAPE\tmedian\tP90\tbias\tMASE\t")
		for _, s := range rep.Summaries {
			if s.Backtest != backtest.Contest2016 || s.Level != backtest.LevelDistrict || s.Year == 0 {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t|\t%s\t%s\t%s\t%s\t%s\t\n", s.AgeBand,
				pct(s.Ours.MAPE), pct(s.Ours.MedianAPE), pct(s.Ours.P90APE), sgn(s.Ours.Bias), pct(s.Ours.MASE),
				pct(s.Benchmark.MAPE), pct(s.Benchmark.MedianAPE), pct(s.Benchmark.P90APE), sgn(s.Benchmark.Bias), pct(s.Benchmark.MASE))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "benchmark: %s\n\n", h.BenchmarkName)
	}
	fmt.Fprintln(w, "From 2011: districts (errors in %; no change = every district as in 2011)")
	fmt.Fprintln(tw, "band\tyear\tMAPE\tmedian\tP90\tbias\tMASE\tno change MAPE\tEngland\t")
	for _, s := range rep.Summaries {
		if s.Backtest != backtest.Origin2011 || s.Level != backtest.LevelDistrict || s.Year == 0 {
			continue
		}
		k := s.Key
		k.Level = backtest.LevelCountry
		e, _ := rep.Summary(k)
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.AgeBand, s.Year, pct(s.Ours.MAPE), pct(s.Ours.MedianAPE),
			pct(s.Ours.P90APE), sgn(s.Ours.Bias), pct(s.Ours.MASE), pct(s.Benchmark.MAPE), sgn(e.Ours.Bias))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Sensitivity) > 0 {
		fmt.Fprintln(w, "\nSensitivity of the contest (districts, 60+)")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "MAPE\tbias\tvariant")
		for _, s := range rep.Sensitivity {
			name := s.Name
			if s.LookAhead {
				name += " [look-ahead]"
			}
			if s.ExtraData != "" {
				name += " [uses " + s.ExtraData + "]"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", pct(s.Scores.MAPE), sgn(s.Scores.Bias), name)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if err := printPopulationErrors(w, rep); err != nil {
		return err
	}
	if svc != nil {
		return printServices(w, svc)
	}
	return nil
}

// printPopulationErrors prints the population error model and its out-of-sample coverage.
func printPopulationErrors(w io.Writer, rep *backtest.Report) error {
	m := rep.Errors
	if m == nil {
		return nil
	}
	fmt.Fprintf(w, "\nPopulation error model (districts; sd of log(projected/actual) at horizon %d, growing as (h/%d)^%.2f)\n",
		m.RefHorizon, m.RefHorizon, m.Power)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "band\tsd\tmean\tEngland\tdistrict part\t")
	for _, b := range m.Bands {
		fmt.Fprintf(tw, "%s\t%.4f\t%+.4f\t%.4f\t%.4f\t\n", b.AgeBand, b.SD, b.Mean, b.National, b.Local)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Coverage) == 0 {
		return nil
	}
	fmt.Fprintln(w, "Coverage of its 80% intervals out of sample: the 2016 contest, districts, 2020")
	fmt.Fprintln(tw, "band\tdistricts\tcarecast (h from 2011 base)\tcarecast (h from 2016)\tONS (h from 2016)\t")
	for _, c := range rep.Coverage {
		fmt.Fprintf(tw, "%s\t%d\t%.1f%% (h=%d)\t%.1f%% (h=%d)\t%.1f%%\t\n", c.AgeBand, c.N, 100*c.Ours, c.BaseHorizon,
			100*c.OursOrigin, c.OriginHorizon, 100*c.Benchmark)
	}
	return tw.Flush()
}

// printServices prints the service back-test: accuracy by measure, age group and horizon, and
// the coverage of the engine's and of the widened 80% intervals.
func printServices(w io.Writer, svc *backtest.ServiceReport) error {
	pct := func(v float64) string { return fmt.Sprintf("%.2f", v) }
	if h := svc.History; h != nil {
		if err := printHistory(w, h); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nServices: rolling origins, %d forecasts of councils' activity (errors in %%; naive = the activity at the origin)\n", svc.Cells)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "measure\tband\th\tN\tMAPE\tmedian\tbias\tMASE\t|\tnaive MAPE\tmedian\tbias\tMASE\t|\t80% coverage\twidened\t")
	for _, s := range svc.Summaries {
		m, b, h := s.Measure, s.AgeBand, fmt.Sprint(s.Horizon)
		if m == "" {
			m, b = "all services", "all"
		}
		if s.Horizon == 0 {
			h = "all"
		}
		c, _ := backtest.CoverageOf(svc.Coverage, s.Measure, s.AgeBand, s.Horizon)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%+.2f\t%s\t|\t%s\t%s\t%+.2f\t%s\t|\t%.1f%%\t%.1f%%\t\n", m, b, h, s.Ours.N,
			pct(s.Ours.MAPE), pct(s.Ours.MedianAPE), s.Ours.Bias, pct(s.Ours.MASE),
			pct(s.Benchmark.MAPE), pct(s.Benchmark.MedianAPE), s.Benchmark.Bias, pct(s.Benchmark.MASE),
			100*c.Engine, 100*c.Widened)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "Widening of the engine's intervals: multiplier sd = sqrt(cv² + τ²·h)")
	for _, t := range svc.Widening.Taus {
		fmt.Fprintf(tw, "%s\t%s\tτ = %.4f\t\n", t.Measure, t.AgeBand, t.Tau)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "Coverage of 80% intervals, every service: engine / widened in sample / widened out of sample (τ fitted before the last year, scored on it)")
	for _, c := range svc.Coverage {
		if c.Measure != "" {
			continue
		}
		h := fmt.Sprint(c.Horizon)
		if c.Horizon == 0 {
			h = "all"
		}
		fmt.Fprintf(tw, "h = %s\t%d\t%.1f%%\t%.1f%%\t%.1f%% (%d)\t\n", h, c.N, 100*c.Engine, 100*c.Widened, 100*c.OutOfSample, c.OutOfSampleN)
	}
	return tw.Flush()
}

// printHistory prints the history back-test of 65+ service use: each method's MAPE and MASE
// by service and horizon, and the out-of-sample coverage of carecast's 80% intervals.
func printHistory(w io.Writer, h *backtest.HistoryReport) error {
	f := func(v float64) string { return fmt.Sprintf("%.2f", v) }
	fmt.Fprintf(w, "\nServices 65+ over the activity history: rolling origins, %d forecasts of councils' use (MAPE in %%; a forecast never crosses the 2014-15 definition break)\n", len(h.Rows))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "service\th\tN"
	for _, m := range backtest.HistoryMethods {
		head += "\t|\t" + m + " MAPE\tMASE"
	}
	fmt.Fprintln(tw, head+"\t|\t80% coverage\t")
	for _, svc := range append(backtest.HistoryServices(), "") {
		for hz := 1; hz <= backtest.HistoryMaxHorizon+1; hz++ {
			hh := hz % (backtest.HistoryMaxHorizon + 1)
			ours, ok := h.Score(svc, hh, backtest.HistoryCarecast)
			if !ok {
				continue
			}
			name, hs := svc, fmt.Sprint(hh)
			if svc == "" {
				name = "all"
			}
			if hh == 0 {
				hs = "all"
			}
			line := fmt.Sprintf("%s\t%s\t%d", name, hs, ours.N)
			for _, m := range backtest.HistoryMethods {
				s, _ := h.Score(svc, hh, m)
				line += "\t|\t" + f(s.MAPE) + "\t" + f(s.MASE)
			}
			cov := "-"
			for _, c := range h.Coverage {
				if c.Service == svc && c.Horizon == hh {
					cov = fmt.Sprintf("%.1f%%", 100*c.Coverage)
				}
			}
			fmt.Fprintln(tw, line+"\t|\t"+cov+"\t")
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, svc := range backtest.HistoryServices() {
		o, ok := h.Selected[svc]
		switch {
		case ok && slices.Contains(h.Engine, svc):
			fmt.Fprintf(w, "%s: the engine's trend settings (chosen on every year): %s; interval τ = %.4f\n", svc, o, h.Taus[svc])
		case ok:
			fmt.Fprintf(w, "%s: scored on PSS-EX1 years only; no series reaches the history's last year, so the engine holds its rate\n", svc)
		}
	}
	fmt.Fprintln(w, "Sensitivity: carecast's MAPE / MASE, horizons pooled, had one candidate been used at every origin")
	for _, v := range h.Sensitivity {
		line := v.Name
		for _, s := range v.Scores {
			if s.Horizon == 0 {
				name := s.Service
				if name == "" {
					name = "all"
				}
				line += fmt.Sprintf("\t%s %s / %s", name, f(s.MAPE), f(s.MASE))
			}
		}
		fmt.Fprintln(tw, line+"\t")
	}
	return tw.Flush()
}

// writeFileAtomic writes data to path through a temporary file in the same folder.
func writeFileAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".carecast-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
