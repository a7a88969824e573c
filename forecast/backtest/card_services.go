package backtest

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// share formats a share 0..1 as a percentage with one decimal, "–" for NaN.
func share(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.1f", 100*v)
}

// measureLabel names a service measure for the card: "home care" for service.home_care.
func measureLabel(measure string) string {
	if measure == "" {
		return "every service"
	}
	_, name, _ := strings.Cut(measure, ".")
	return strings.ReplaceAll(name, "_", " ")
}

// ranges writes the population error model and its coverage.
func (c *card) ranges() {
	m := c.r.Errors
	if m == nil {
		return
	}
	c.p("### Ranges of the population: an error model and its coverage")
	c.p("")
	c.p("The engine's Monte Carlo does not draw the population: the data holds no ONS variants. Its")
	c.p("ranges are to come from an empirical model of the projection's error (PopulationErrorModel),")
	c.p("fitted on the back-test from 2011: the log error log(projected / actual) of a district's people")
	c.p("in an age band, h years after the single-year estimate the projection starts from, is taken to")
	c.p("spread around zero with standard deviation SD(band, h), and the 80% interval is the projection")
	c.p("times exp(±1.2816 SD). SD at 9 years is, for each band, the 80th percentile of the districts'")
	c.p("absolute log errors in 2020 over 1.2816 (robust to the few districts with very large errors;")
	c.p("the errors' bias is part of the spread, not removed). It grows with the horizon as the all-age")
	c.p("errors of 2012-2020 did: SD(band, h) = SD(band, 9) × (h / 9)^%.2f, the power fitted by least", m.Power)
	c.p("squares on the logs; beyond 9 years it is an extrapolation (marked *).")
	c.p("")
	hs := []int{1, 5, m.RefHorizon, 15, 25}
	head, rule := "| age band |", "|---|"
	for _, h := range hs {
		star := ""
		if h > m.RefHorizon {
			star = "*"
		}
		unit := "years"
		if h == 1 {
			unit = "year"
		}
		head += fmt.Sprintf(" SD at %d %s%s, %% |", h, unit, star)
		rule += "---:|"
	}
	c.p("%s mean error at %d years, %% | England at %d years, %% |", head, m.RefHorizon, m.RefHorizon)
	c.p("%s---:|---:|", rule)
	for _, b := range m.Bands {
		line := "| " + b.AgeBand + " |"
		for _, h := range hs {
			s, _ := m.SD(b.AgeBand, h)
			line += " " + num(100*s) + " |"
		}
		c.p("%s %s | %s |", line, signed(100*b.Mean), signed(100*signedNational(c.r, b.AgeBand, m.RefHorizon)))
	}
	c.p("")
	c.p("(Log errors × 100 are close to percentage errors at these sizes.) England's error is the sum")
	c.p("of districts': where it is a large part of the spread (the oldest ages, whose 2020 error is")
	c.p("mostly the mortality assumption), a Monte Carlo must draw a component common to every district")
	c.p("(BandError.National and Local), or ranges of counties, regions and England come out too narrow.")
	c.p("")
	c.p("How well the power law fits the all-age errors, and the in-sample coverage of its intervals:")
	c.p("")
	c.p("| horizon | observed SD, % | model SD, % | coverage of 80% intervals, % |")
	c.p("|---:|---:|---:|---:|")
	for _, h := range m.AllAges {
		c.p("| %d | %s | %s | %s |", h.Horizon, num(100*h.SD), num(100*h.Model), share(h.Coverage))
	}
	c.p("")
	if len(c.r.Coverage) == 0 {
		return
	}
	cv := c.r.Coverage[0]
	for _, v := range c.r.Coverage {
		if v.AgeBand == Headline.AgeBand {
			cv = v
		}
	}
	c.p("**Out of sample: the 2016 contest.** The model, fitted on the 2011 back-test alone, puts an 80%")
	c.p("interval around each district's projection of 2020. carecast's contest projection starts from")
	c.p("the mid-2011 estimates (%d years before 2020) and knows the totals to 2016; ONS's starts from", cv.BaseHorizon)
	c.p("its own mid-2016 estimates (%d years).", cv.OriginHorizon)
	c.p("")
	c.p("| age band | districts | carecast, horizon from its 2011 base, % | carecast, horizon from 2016, % | ONS 2016-based, horizon from 2016, % |")
	c.p("|---|---:|---:|---:|---:|")
	for _, v := range c.r.Coverage {
		c.p("| %s | %d | %s | %s | %s |", v.AgeBand, v.N, share(v.Ours), share(v.OursOrigin), share(v.Benchmark))
	}
	c.p("")
	c.p("Counted from the estimate the projection starts from, the intervals hold %s%% of carecast's", share(cv.Ours))
	c.p("districts for people %s (80%% wanted); counted from 2016 they are too narrow (%s%%): knowing", cv.AgeBand, share(cv.OursOrigin))
	c.p("later totals does not make an old age structure new. Around ONS's projection, which starts from")
	c.p("a recent estimate with measured migration, they hold %s%%: the model is conservative for a", share(cv.Benchmark))
	c.p("projection calibrated on two estimates, as carecast's is in use. The horizon to use is the")
	c.p("number of years since the single-year estimate the projection starts from.")
	c.p("")
}

// signedNational returns England's log error of band at horizon h in the 2011 back-test.
func signedNational(r *Report, band string, h int) float64 {
	for i := range r.Rows {
		x := &r.Rows[i]
		if x.Backtest == Origin2011 && x.Level == LevelCountry && x.AgeBand == band && x.Horizon == h && x.Sex == "all" {
			return math.Log(x.Forecast / x.Actual)
		}
	}
	return math.NaN()
}

// services writes the service back-test and the coverage of its intervals.
func (c *card) services() error {
	s := c.svc
	if s == nil {
		return nil
	}
	if s.History != nil {
		c.history(s.History)
	}
	all, ok := s.Summary(ServiceKey("", "", 0))
	if !ok {
		return fmt.Errorf("model card: the service report has no pooled summary")
	}
	maxH := 0
	for _, x := range s.Summaries {
		maxH = max(maxH, x.Horizon)
	}
	c.p("### Services: projecting councils' activity from every year 2009-10 to 2012-13")
	c.p("")
	c.p("From each financial year (the origin) carecast's method projects every later year's activity")
	c.p("of every council, service and age group reported at the origin and in the year, knowing only")
	c.p("the activity up to the origin and the year's population: %d forecasts in all, at horizons of", s.Cells)
	c.p("1 to %d years. The benchmark is no change: the activity at the origin carried forward. Both are", maxH)
	c.p("scored on the same forecasts (%d with an outturn other than zero). MASE divides each error by", all.Ours.N)
	c.p("the council's mean absolute year-on-year change of the activity up to the origin; %d forecasts", s.PooledScale)
	c.p("whose council had fewer than two changes by then use a pooled scale (all councils' changes")
	c.p("relative to their level, times the council's level at the origin), %d of them computed from", s.LookAheadScale)
	c.p("later years because no council had a change before the origin. The scale changes neither")
	c.p("forecast, only the yardstick.")
	c.p("")
	c.p("| service | age | forecasts | carecast MAPE, % | no change MAPE, % | carecast median, % | no change median, % | carecast bias, % | no change bias, % | carecast MASE | no change MASE |")
	c.p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	wins, groups := 0, 0
	for _, x := range s.Summaries {
		if x.Horizon != 0 {
			continue
		}
		band := x.AgeBand
		if x.Measure == "" {
			band = "18+"
		} else {
			groups++
			if x.Ours.MAPE < x.Benchmark.MAPE {
				wins++
			}
		}
		c.p("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |", measureLabel(x.Measure), band, x.Ours.N,
			num(x.Ours.MAPE), num(x.Benchmark.MAPE), num(x.Ours.MedianAPE), num(x.Benchmark.MedianAPE),
			signed(x.Ours.Bias), signed(x.Benchmark.Bias), num(x.Ours.MASE), num(x.Benchmark.MASE))
	}
	c.p("")
	if all.Ours.MAPE < all.Benchmark.MAPE {
		c.p("carecast's method beats no change on MAPE overall (%s%% against %s%%), and in %d of %d", num(all.Ours.MAPE), num(all.Benchmark.MAPE), wins, groups)
		c.p("services and age groups.")
	} else {
		c.p("**No change is the more accurate**: its MAPE is %s%% against carecast's %s%% over every service,", num(all.Benchmark.MAPE), num(all.Ours.MAPE))
		c.p("and carecast's method wins in %d of %d services and age groups. Both are biased upwards: activity", wins, groups)
		c.p("fell in 2009-2013 while population and need grew, and holding the use rate carries the growth")
		c.p("of population and need into activity (carecast's bias %s%%, no change's %s%%). Averaging the", signed(all.Ours.Bias), signed(all.Benchmark.Bias))
		c.p("rate over three years also lags a falling rate:")
	}
	c.p("")
	c.p("| variant | MAPE, % | median, % | bias, % | MASE |")
	c.p("|---|---:|---:|---:|---:|")
	method := "65+ by the engine's need drivers"
	if s.Options.PerHead {
		method = "65+ per head"
	}
	c.p("| the method (mean rate of the latest %d years; %s) | %s | %s | %s | %s |", s.Options.BaseYears, method,
		num(all.Ours.MAPE), num(all.Ours.MedianAPE), signed(all.Ours.Bias), num(all.Ours.MASE))
	for _, v := range s.Sensitivity {
		c.p("| %s | %s | %s | %s | %s |", v.Name, num(v.Ours.MAPE), num(v.Ours.MedianAPE), signed(v.Ours.Bias), num(v.Ours.MASE))
	}
	c.p("| no change | %s | %s | %s | %s |", num(all.Benchmark.MAPE), num(all.Benchmark.MedianAPE), signed(all.Benchmark.Bias), num(all.Benchmark.MASE))
	c.p("")
	c.drivers()
	c.p("By horizon, every service together:")
	c.p("")
	c.p("| horizon | forecasts | carecast MAPE, % | no change MAPE, % | carecast median, % | no change median, % | carecast MASE | no change MASE |")
	c.p("|---:|---:|---:|---:|---:|---:|---:|---:|")
	for h := 1; h <= maxH; h++ {
		x, ok := s.Summary(ServiceKey("", "", h))
		if !ok {
			return fmt.Errorf("model card: no service summary at horizon %d", h)
		}
		c.p("| %d | %d | %s | %s | %s | %s | %s | %s |", h, x.Ours.N, num(x.Ours.MAPE), num(x.Benchmark.MAPE),
			num(x.Ours.MedianAPE), num(x.Benchmark.MedianAPE), num(x.Ours.MASE), num(x.Benchmark.MASE))
	}
	c.p("")
	c.p("MAPE by service and horizon, carecast / no change, %:")
	c.p("")
	head, rule := "| service | age |", "|---|---|"
	for h := 1; h <= maxH; h++ {
		head += fmt.Sprintf(" %d |", h)
		rule += "---:|"
	}
	c.p("%s", head)
	c.p("%s", rule)
	for _, x := range s.Summaries {
		if x.Horizon != 0 || x.Measure == "" {
			continue
		}
		line := fmt.Sprintf("| %s | %s |", measureLabel(x.Measure), x.AgeBand)
		for h := 1; h <= maxH; h++ {
			if y, ok := s.Summary(ServiceKey(x.Measure, x.AgeBand, h)); ok {
				line += fmt.Sprintf(" %s / %s |", num(y.Ours.MAPE), num(y.Benchmark.MAPE))
			} else {
				line += " |"
			}
		}
		c.p("%s", line)
	}
	c.p("")
	return c.serviceCoverage()
}

// drivers writes what the need drivers are worth: the method's scores against those of 65+ by
// need alone, for every service and for the services whose drivers are not need alone.
func (c *card) drivers() {
	s := c.svc
	i := slices.IndexFunc(s.Sensitivity, func(v ServiceSensitivity) bool { return v.Name == SensitivityNeedAlone })
	if i < 0 || s.Drivers == nil {
		return
	}
	alone := &s.Sensitivity[i]
	c.p("What the dementia drivers are worth. For people 65+ the method shares each service's users")
	c.p("among need measures as the engine does by default (forecast.DefaultServiceDrivers):")
	c.p("%s.", driversText(s.Drivers, nil))
	c.p("Each driver's rate is its share times the mean over the base years of users over the people")
	c.p("65+ with its measure, and the forecast is the sum of the rates times those people in the")
	c.p("year. Against 65+ by need alone (the engine's default before the drivers), on the same")
	c.p("forecasts:")
	c.p("")
	c.p("| service | age | forecasts | need alone MAPE, % | drivers MAPE, % | need alone MASE | drivers MASE | need alone bias, % | drivers bias, % | no change MAPE, % |")
	c.p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	row := func(label, band string, a, d Summary) {
		c.p("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |", label, band, d.Ours.N, num(a.Ours.MAPE), num(d.Ours.MAPE),
			num(a.Ours.MASE), num(d.Ours.MASE), signed(a.Ours.Bias), signed(d.Ours.Bias), num(d.Benchmark.MAPE))
	}
	if all, ok := s.Summary(ServiceKey("", "", 0)); ok {
		row(measureLabel(""), "18+", Summary{Ours: alone.Ours}, all)
	}
	for k, ds := range s.Drivers {
		if len(ds) == 1 || k >= len(ServiceMeasures) {
			continue // need alone in both
		}
		a, okA := alone.Summary(ServiceMeasures[k], "65+")
		d, okD := s.Summary(ServiceKey(ServiceMeasures[k], "65+", 0))
		if okA && okD {
			row(measureLabel(ServiceMeasures[k]), "65+", a, d)
		}
	}
	if a, ok := alone.Summary(MeasureHomeCareHours, "18+"); ok {
		if d, ok := s.Summary(ServiceKey(MeasureHomeCareHours, "18+", 0)); ok {
			row("home-care hours a week (clients 65+ by the drivers)", "18+", a, d)
		}
	}
	c.p("")
}

// serviceCoverage writes the coverage of the service intervals and the widening.
func (c *card) serviceCoverage() error {
	s := c.svc
	c.p("### Ranges of service use: coverage of 80% intervals")
	c.p("")
	c.p("The engine's interval is the projection times a normal multiplier with the council's")
	c.p("coefficient of variation (CV) of its rates in the base years, the same at every horizon. The")
	c.p("back-test computes it from the years up to the origin only, exactly (the 10th and 90th")
	c.p("percentiles of the multiplier, not Monte Carlo draws). Widened, the multiplier's standard")
	c.p("deviation at horizon h is sqrt(CV² + τ² h): the use rate wanders as a random walk with yearly")
	c.p("spread τ, fitted per service and age group as the 80th percentile of the τ each forecast needs")
	c.p("to hold its outturn. Out of sample, τ is fitted on the forecasts of the years to 2012-13 and")
	c.p("scored on those of 2013-14.")
	c.p("")
	c.p("| horizon | forecasts | engine's intervals, % | widened, in sample, % | widened, out of sample, % (forecasts) |")
	c.p("|---|---:|---:|---:|---:|")
	for _, v := range s.Coverage {
		if v.Measure != "" {
			continue
		}
		h := fmt.Sprint(v.Horizon)
		if v.Horizon == 0 {
			h = "all"
		}
		c.p("| %s | %d | %s | %s | %s (%d) |", h, v.N, share(v.Engine), share(v.Widened), share(v.OutOfSample), v.OutOfSampleN)
	}
	c.p("")
	c.p("| service | age | τ, % a year | engine's intervals, % | widened, in sample, % | widened, out of sample, % |")
	c.p("|---|---|---:|---:|---:|---:|")
	for _, t := range s.Widening.Taus {
		v, ok := CoverageOf(s.Coverage, t.Measure, t.AgeBand, 0)
		if !ok {
			return fmt.Errorf("model card: no coverage of %s %s", t.Measure, t.AgeBand)
		}
		c.p("| %s | %s | %s | %s | %s | %s |", measureLabel(t.Measure), t.AgeBand, num(100*t.Tau), share(v.Engine), share(v.Widened), share(v.OutOfSample))
	}
	c.p("")
	v, _ := CoverageOf(s.Coverage, "", "", 0)
	c.p("The engine's intervals hold %s%% of outturns where 80%% are wanted, and fewer the longer the", share(v.Engine))
	c.p("horizon: a CV from at most three years measures the noise around a rate, not how far the rate")
	c.p("moves. Widened with τ the intervals hold %s%% out of sample, close to 80%% at every horizon.", share(v.OutOfSample))
	c.p("The recommendation is to widen the engine's service multiplier so (ServiceWidening.SD). Other")
	c.p("growths of the added variance with the horizon cover unevenly (every service, in sample / out of")
	c.p("sample, %):")
	c.p("")
	maxH := 0
	for _, v := range s.Coverage {
		maxH = max(maxH, v.Horizon)
	}
	head, rule := "| added variance grows as |", "|---|"
	for h := 1; h <= maxH; h++ {
		head += fmt.Sprintf(" %d |", h)
		rule += "---:|"
	}
	c.p("%s", head)
	c.p("%s", rule)
	alts := append([]WideningAlternative{{Power: s.Widening.Power, Coverage: s.Coverage}}, s.Alternatives...)
	slices.SortStableFunc(alts, func(a, b WideningAlternative) int { return cmp.Compare(a.Power, b.Power) })
	for _, a := range alts {
		line := fmt.Sprintf("| h^%g", a.Power)
		if a.Power == s.Widening.Power {
			line += " (recommended)"
		}
		line += " |"
		for h := 1; h <= maxH; h++ {
			v, ok := CoverageOf(a.Coverage, "", "", h)
			if !ok {
				return fmt.Errorf("model card: no coverage at horizon %d with power %g", h, a.Power)
			}
			line += fmt.Sprintf(" %s / %s |", share(v.Widened), share(v.OutOfSample))
		}
		c.p("%s", line)
	}
	c.p("")
	c.p("Beyond %d years the widening is an extrapolation: at 25 years the multiplier's standard deviation", maxH)
	c.p("for care-home residents 65+ with the least CV is %s%%.", num(100*s.Widening.SD(MeasureResidential, "65+", MinServiceCV, 25)))
	c.p("")
	return nil
}

// history writes the history back-test of 65+ residential and nursing use.
func (c *card) history(h *HistoryReport) {
	c.p("### Services: councils' care homes and home care for people 65+, 2011-12 to 2022-23")
	c.p("")
	c.p("From every financial year with a use rate (the origin), each method forecasts each council's")
	c.p("use 1 to %d years ahead within the same series: %d forecasts. A series is one council, service and", HistoryMaxHorizon, len(h.Rows))
	c.p("definition, so no forecast crosses the 2014-15 change from PSS-EX1 to ASC-FR. carecast's method")
	c.p("is the engine's: the council's use rate per person 65+ at the origin, times people 65+ in the")
	c.p("year, times the trend of its use rate (its own mean change shrunk towards the national median")
	c.p("change by empirical Bayes), with the window chosen at each origin from the scores of earlier")
	c.p("origins. Benchmarks: no change (the use at the origin), and rates that follow demography (the")
	c.p("origin's rate times people 65+). Errors in %; MASE divides by the council's mean yearly change.")
	c.p("")
	c.p("| service | h | N | carecast MAPE | MASE | no change MAPE | MASE | demography MAPE | MASE | 80% coverage, % |")
	c.p("|---|---|---|---|---|---|---|---|---|---|")
	for _, svc := range append(HistoryServices(), "") {
		for hz := 1; hz <= HistoryMaxHorizon+1; hz++ {
			hh := hz % (HistoryMaxHorizon + 1)
			ours, ok := h.Score(svc, hh, HistoryCarecast)
			if !ok {
				continue
			}
			nc, _ := h.Score(svc, hh, HistoryNoChange)
			dm, _ := h.Score(svc, hh, HistoryDemography)
			name, hs := svc, fmt.Sprint(hh)
			if svc == "" {
				name = "all"
			}
			if hh == 0 {
				hs = "all"
			}
			cov := "–"
			for _, x := range h.Coverage {
				if x.Service == svc && x.Horizon == hh {
					cov = share(x.Coverage)
				}
			}
			c.p("| %s | %s | %d | %s | %.3f | %s | %.3f | %s | %.3f | %s |", name, hs, ours.N, num(ours.MAPE), ours.MASE,
				num(nc.MAPE), nc.MASE, num(dm.MAPE), dm.MASE, cov)
		}
	}
	c.p("")
	var lose []string
	for _, svc := range HistoryServices() {
		for hh := 1; hh <= HistoryMaxHorizon; hh++ {
			ours, ok := h.Score(svc, hh, HistoryCarecast)
			nc, _ := h.Score(svc, hh, HistoryNoChange)
			if ok && (ours.MAPE >= nc.MAPE || ours.MASE >= nc.MASE) {
				lose = append(lose, fmt.Sprintf("%s at %s (MAPE %s against %s, MASE %.3f against %.3f)", svc, years(hh), num(ours.MAPE), num(nc.MAPE), ours.MASE, nc.MASE))
			}
		}
	}
	if len(lose) == 0 {
		c.p("carecast beats no change at every horizon in MAPE and MASE.")
	} else {
		c.p("carecast beats no change except for %s.", strings.Join(lose, "; "))
	}
	c.p("Holding use rates (demography alone) does worst: rates have fallen. Intervals are the engine's,")
	c.p("widened with the horizon by τ fitted on four fifths of the councils and scored on the other")
	var taus []string
	for _, svc := range HistoryServices() {
		if t, ok := h.Taus[svc]; ok {
			taus = append(taus, fmt.Sprintf("%s %.4f", svc, t))
		}
	}
	c.p("fifth; the Monte Carlo uses the τ fitted on all of them (%s).", strings.Join(taus, ", "))
	c.p("Home care is scored on PSS-EX1 clients 65+ alone (2011-12 to 2013-14: the populations start")
	c.p("at mid-2011 and SALT's community support that follows is another measure), so from two origins")
	c.p("with at most one yearly change to take a trend from; no home-care series reaches 2022-23, so the")
	c.p("engine takes no trend for it. Day care is not scored.")
	c.p("")
}

// years returns "1 year", "2 years", ….
func years(h int) string {
	if h == 1 {
		return "1 year"
	}
	return fmt.Sprintf("%d years", h)
}
