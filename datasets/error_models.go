package datasets

import (
	"context"
	"fmt"
	"math"

	"github.com/carecast/carecast/forecast/backtest"
	"github.com/carecast/carecast/forecast/engine"
)

// popErrorBands maps single years of age to the back-test's age bands, finest first; ages not
// covered take "all".
var popErrorBands = []struct {
	from, to int
	band     string
}{{0, 17, "0-17"}, {18, 59, "18-64"}, {60, 64, "60-64"}, {65, 74, "65-74"}, {75, 84, "75-84"}, {85, 89, "85+"}, {90, 90, "90+"}}

// RunBacktests runs carecast's back-tests on the bundle with the default options, as
// `carecast backtest` does: the population back-tests, then, when the bundle has service
// activity, the rolling-origin back-test of council service use (nil without), with, when it
// has an activity history, the history back-test of 65+ service use (ServiceReport.History).
func RunBacktests(ctx context.Context, b *Bundle) (*backtest.Report, *backtest.ServiceReport, error) {
	d, err := BacktestData(b)
	if err != nil {
		return nil, nil, err
	}
	rep, err := backtest.Population(ctx, d, backtest.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("population back-test: %w", err)
	}
	if hasPrincipal(b) {
		known, out, err := Contest2018Data(b)
		if err != nil {
			return nil, nil, err
		}
		if rep.Contest2018, err = backtest.Contest2018Scores(ctx, known, out, backtest.Contest2018Options); err != nil {
			return nil, nil, err
		}
	}
	if len(b.ServiceActivity) == 0 {
		return rep, nil, nil
	}
	sd, err := ServiceBacktestData(b)
	if err != nil {
		return nil, nil, err
	}
	svc, err := backtest.Services(ctx, sd, backtest.ServiceOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("service back-test: %w", err)
	}
	if len(b.ActivityHistory) > 0 {
		hd, err := HistoryBacktestData(b)
		if err != nil {
			return nil, nil, err
		}
		if svc.History, err = backtest.History(ctx, hd, nil); err != nil {
			return nil, nil, err
		}
	}
	return rep, svc, nil
}

// UseBacktestErrorModels sets in's Uncertainty so that the engine, on its first Monte Carlo
// run, builds its error models (ErrorModels) from the reports that backtests returns: the
// recipe the server, the CLI and the tests share. backtests is called at most once per engine
// (the engine caches what Uncertainty gives); it should itself cache the reports when other
// users need them too.
func UseBacktestErrorModels(in *engine.Inputs, backtests func() (*backtest.Report, *backtest.ServiceReport, error)) {
	in.Uncertainty = func() (*engine.ErrorModels, error) {
		rep, svc, err := backtests()
		if err != nil {
			return nil, err
		}
		return ErrorModels(rep, svc)
	}
}

// ErrorModels turns back-test reports (RunBacktests) into the error models the engine's Monte
// Carlo uses to widen its ranges: the district population error model fitted on the
// projections from 2011, and the widening of service-use intervals fitted on the rolling-origin
// back-test of council activity (none when svc is nil).
func ErrorModels(rep *backtest.Report, svc *backtest.ServiceReport) (*engine.ErrorModels, error) {
	if rep == nil || rep.Errors == nil {
		return nil, fmt.Errorf("population back-test: no error model")
	}
	em := &engine.ErrorModels{PopRef: rep.Errors.RefHorizon, PopPower: rep.Errors.Power, ServiceTau: map[string]float64{},
		Source: "carecast back-tests: " + rep.Errors.Source}
	for _, pb := range popErrorBands {
		nat, loc, ok := rep.Errors.Components(pb.band, rep.Errors.RefHorizon)
		if !ok {
			if nat, loc, ok = rep.Errors.Components("all", rep.Errors.RefHorizon); !ok {
				return nil, fmt.Errorf("population error model has no band %s nor all ages", pb.band)
			}
		}
		em.PopBands = append(em.PopBands, engine.PopBandError{From: pb.from, To: pb.to, National: nat, Local: loc})
	}
	if svc != nil {
		em.ServicePower = svc.Widening.Power
		for _, t := range svc.Widening.Taus {
			if !math.IsNaN(t.Tau) {
				em.ServiceTau[t.Measure+"|"+t.AgeBand] = t.Tau
			}
		}
		// The history back-test's τ, fitted on 2011-12 to 2022-23 with the trend the engine
		// uses, replaces the PSS-EX1 one for the services the engine trends (same Power).
		if h := svc.History; h != nil && h.Power == em.ServicePower {
			for _, s := range h.Engine {
				if tau, ok := h.Taus[s]; ok && !math.IsNaN(tau) {
					em.ServiceTau["service."+s+"|65+"] = tau
				}
			}
		}
	}
	return em, nil
}
