package backtest

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/population"
)

// synthServices returns a council A with 1,000 people aged 18-64 and 200 aged 65+ in mid-2011
// and 1,900 and 290 in mid-2020 (so 1,100 and 210 in 2012, and 2009-2011 as 2011), half of the
// 65+ in need: need 100 in 2009-2011 and 105 in 2012. Its activity, 2009-10 to 2012-13:
// residential care 65+ of 10, 12, 11 and 8 residents (weeks ÷ 52); home care clients 18-64 of
// 50 and 60 and 65+ of 30 and 20 in 2011 and 2012, with 400 and 500 hours a week. Council B
// reports nursing care in 2012 only (no origin: no rows).
func synthServices() *ServiceData {
	p11, p20 := new(population.Pop90), new(population.Pop90)
	p11[forecast.Female][30], p11[forecast.Female][70] = 1000, 200
	p20[forecast.Female][30], p20[forecast.Female][70] = 1900, 290
	var need [forecast.NumSexes][forecast.NumAges]float64
	for s := range need {
		for x := 65; x <= forecast.OpenAge; x++ {
			need[s][x] = 0.5
		}
	}
	d := &ServiceData{
		Councils:   []Council{{"A", "Council A"}, {"B", "Council B"}},
		Population: map[string]map[int]*population.Pop90{"A": {2011: p11, 2020: p20}, "B": {2011: p11}},
		Needs:      map[string]NeedSchedule{"need": {Rate: need, Evidence: 2014}}, NeedMeasure: "need",
	}
	add := func(area string, y int, svc, band, measure string, v float64) {
		d.Activity = append(d.Activity, Activity{Area: area, Year: y, Service: svc, AgeBand: band, Measure: measure, Value: v})
	}
	for i, v := range []float64{10, 12, 11, 8} {
		add("A", 2009+i, "residential", "65+", "weeks", 52*v)
	}
	add("A", 2011, "home_care", "18-64", "clients", 50)
	add("A", 2012, "home_care", "18-64", "clients", 60)
	add("A", 2011, "home_care", "65+", "clients", 30)
	add("A", 2012, "home_care", "65+", "clients", 20)
	add("A", 2011, "home_care", "18+", "hours", 52*400)
	add("A", 2012, "home_care", "18+", "hours", 52*500)
	add("B", 2012, "nursing", "65+", "weeks", 520)
	return d
}

// TestServicesHandComputed checks every forecast of the synthetic council against values
// worked out by hand from the engine's rules:
//
//   - residential 65+, rates 0.10, 0.12, 0.11 per person in need in 2009-2011: from 2009 the
//     base rate is 0.10 (CV 2%, one year); from 2010 the mean of 0.10 and 0.12, 0.11, with
//     sample sd 0.0141421 (CV 0.128565); from 2011 the mean of three, 0.11, sd 0.01 (CV
//     0.090909). Forecasts: 10 for 2010 and 2011 and 10.5 for 2012 from 2009; 11 and 11.55
//     from 2010; 11.55 from 2011.
//   - MASE scale: from 2011 the council's own, (|12 − 10| + |11 − 12|) / 2 = 1.5; from 2010
//     pooled on the changes to 2010, 2/10 of the level 12 = 2.4; from 2009 no council has a
//     change before the origin, so every change counts: (2 + 1 + 3) / (10 + 12 + 11) of 10.
//   - home care from 2011 (no 18-64 clients before): 50/1,000 per head and 30/100 per person in
//     need, so 55 and 31.5 in 2012; hours: 400 / 80 = 5 hours per client, 5 × 86.5 = 432.5, its
//     sd 5 × hypot(0.02 × 55, 0.02 × 31.5).
func TestServicesHandComputed(t *testing.T) {
	rep, err := Services(context.Background(), synthServices(), ServiceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		measure, band    string
		origin, year     int
		forecast, actual float64
		naive, cv, scale float64
	}
	sd1 := math.Sqrt(0.0002) / 0.11
	wants := []want{
		{MeasureResidential, "65+", 2009, 2010, 10, 12, 10, 0.02, 10 * 6.0 / 33},
		{MeasureResidential, "65+", 2009, 2011, 10, 11, 10, 0.02, 10 * 6.0 / 33},
		{MeasureResidential, "65+", 2009, 2012, 10.5, 8, 10, 0.02, 10 * 6.0 / 33},
		{MeasureResidential, "65+", 2010, 2011, 11, 11, 12, sd1, 2.4},
		{MeasureResidential, "65+", 2010, 2012, 11.55, 8, 12, sd1, 2.4},
		{MeasureResidential, "65+", 2011, 2012, 11.55, 8, 11, 0.01 / 0.11, 1.5},
		{MeasureHomeCare, "18-64", 2011, 2012, 55, 60, 50, 0.02, 10},
		{MeasureHomeCare, "65+", 2011, 2012, 31.5, 20, 30, 0.02, 10},
		{MeasureHomeCareHours, "18+", 2011, 2012, 432.5, 500, 400, 5 * math.Hypot(0.02*55, 0.02*31.5) / 432.5, 100},
	}
	if len(rep.Rows) != len(wants) {
		t.Fatalf("%d rows, want %d: %+v", len(rep.Rows), len(wants), rep.Rows)
	}
	for i, w := range wants {
		r := rep.Rows[i]
		if r.Measure != w.measure || r.AgeBand != w.band || r.Origin != w.origin || r.Year != w.year || r.Horizon != w.year-w.origin ||
			r.Area != "A" || r.AreaName != "Council A" || r.Level != LevelCouncil || r.BenchmarkName != NaiveName {
			t.Fatalf("row %d: %+v, want %+v", i, r, w)
		}
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"forecast", r.Forecast, w.forecast}, {"actual", r.Actual, w.actual}, {"naive", r.Benchmark, w.naive},
			{"scale", r.Scale, w.scale}, {"lo", r.Lo, w.forecast * (1 - Z80*w.cv)}, {"hi", r.Hi, w.forecast * (1 + Z80*w.cv)},
			{"level", r.IntervalLevel, 0.8},
		} {
			if !near(c.got, c.want, 1e-9*math.Max(1, math.Abs(c.want))) {
				t.Errorf("row %d (%s %s %d→%d) %s = %.12g, want %.12g", i, w.measure, w.band, w.origin, w.year, c.name, c.got, c.want)
			}
		}
	}
	// Horizon 1 of residential 65+: carecast errs by −2/12, 0 and +3.55/8; no change by
	// −2/12, +1/11 and +3/8.
	s, ok := rep.Summary(ServiceKey(MeasureResidential, "65+", 1))
	if !ok || !s.Paired || s.Ours.N != 3 {
		t.Fatalf("summary %+v", s)
	}
	if want := 100 * (2.0/12 + 0 + 3.55/8) / 3; !near(s.Ours.MAPE, want, 1e-9) {
		t.Errorf("MAPE %v, want %v", s.Ours.MAPE, want)
	}
	if want := 100 * (2.0/12 + 1.0/11 + 3.0/8) / 3; !near(s.Benchmark.MAPE, want, 1e-9) {
		t.Errorf("naive MAPE %v, want %v", s.Benchmark.MAPE, want)
	}
	// Every service together leaves out the hours (a capacity measure): 8 forecasts.
	if all, _ := rep.Summary(ServiceKey("", "", 0)); all.Ours.N != 8 || !all.Paired {
		t.Errorf("pooled: %+v", all)
	}
	// Scales: residential from 2009 (3 rows) and 2010 (2), home care (2) and hours (1) pooled;
	// those of 2009 and of home care and hours computed from later years.
	if rep.PooledScale != 8 || rep.LookAheadScale != 6 {
		t.Errorf("pooled scales %d (look-ahead %d), want 8 (6)", rep.PooledScale, rep.LookAheadScale)
	}
}

func TestServicesDeterministic(t *testing.T) {
	d := synthServices()
	a, err := Services(context.Background(), d, ServiceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Services(context.Background(), d, ServiceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !sameServiceReport(a, b) {
		t.Error("a second run differs")
	}
}

// sameServiceReport compares two reports bit for bit.
func sameServiceReport(a, b *ServiceReport) bool {
	same := func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }
	if len(a.Rows) != len(b.Rows) || len(a.Summaries) != len(b.Summaries) || len(a.Coverage) != len(b.Coverage) ||
		len(a.Widening.Taus) != len(b.Widening.Taus) || strings.Join(a.Notes, "\n") != strings.Join(b.Notes, "\n") {
		return false
	}
	for i := range a.Rows {
		r, s := &a.Rows[i], &b.Rows[i]
		if r.Area != s.Area || r.Measure != s.Measure || r.AgeBand != s.AgeBand || r.Origin != s.Origin || r.Year != s.Year ||
			!same(r.Forecast, s.Forecast) || !same(r.Actual, s.Actual) || !same(r.Benchmark, s.Benchmark) ||
			!same(r.Lo, s.Lo) || !same(r.Hi, s.Hi) || !same(r.Scale, s.Scale) {
			return false
		}
	}
	for i := range a.Summaries {
		if a.Summaries[i].Key != b.Summaries[i].Key || !same(a.Summaries[i].Ours.MAPE, b.Summaries[i].Ours.MAPE) ||
			!same(a.Summaries[i].Benchmark.MASE, b.Summaries[i].Benchmark.MASE) {
			return false
		}
	}
	for i := range a.Coverage {
		if a.Coverage[i] != b.Coverage[i] && !(math.IsNaN(a.Coverage[i].OutOfSample) && math.IsNaN(b.Coverage[i].OutOfSample)) {
			return false
		}
	}
	for i := range a.Widening.Taus {
		if a.Widening.Taus[i] != b.Widening.Taus[i] {
			return false
		}
	}
	return true
}

func TestServicesErrors(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		change func(d *ServiceData)
		opt    ServiceOptions
		msg    string
	}{
		{"no need", func(d *ServiceData) { d.Needs = nil }, ServiceOptions{}, "no need schedule"},
		{"driver without a schedule", func(d *ServiceData) {}, ServiceOptions{Drivers: []forecast.ServiceDriver{{Service: "nursing", Measure: "dementia", Share: 0.5}}},
			`nursing is driven by "dementia", which has no need schedule`},
		{"no population", func(d *ServiceData) { delete(d.Population, "B") }, ServiceOptions{}, "no population for council B"},
		{"duplicate", func(d *ServiceData) { d.Activity = append(d.Activity, d.Activity[0]) }, ServiceOptions{}, "given twice"},
		{"negative", func(d *ServiceData) { d.Activity[0].Value = -1 }, ServiceOptions{}, "not a finite number"},
		{"gap", func(d *ServiceData) {
			d.Activity = append(d.Activity, Activity{Area: "A", Year: 2015, Service: "meals", AgeBand: "65+", Measure: "clients", Value: 1})
		}, ServiceOptions{}, "have a gap"},
		{"one year", func(d *ServiceData) { d.Activity = d.Activity[:1] }, ServiceOptions{}, "at least two years"},
	} {
		d := synthServices()
		c.change(d)
		if _, err := Services(ctx, d, c.opt); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.msg)
		}
	}
	// Per head needs no schedule.
	d := synthServices()
	d.Needs = nil
	if _, err := Services(ctx, d, ServiceOptions{PerHead: true}); err != nil {
		t.Errorf("per head without a schedule: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Services(cancelled, synthServices(), ServiceOptions{}); err == nil {
		t.Error("a cancelled context gave no error")
	}
}

// TestInterpolate checks the engine's rule: linear between estimates, the nearest outside.
func TestInterpolate(t *testing.T) {
	a, b := new(population.Pop90), new(population.Pop90)
	a[0][0], b[0][0] = 100, 190
	est := map[int]*population.Pop90{2011: a, 2020: b}
	for y, want := range map[int]float64{2009: 100, 2011: 100, 2012: 110, 2019: 180, 2020: 190, 2030: 190} {
		if got := interpolate(est, y); got[0][0] != want {
			t.Errorf("%d: %v, want %v", y, got[0][0], want)
		}
	}
}

// synthDrivers is synthServices with people aged 85 too (100 in mid-2011, 280 in mid-2020, so
// 120 in 2012 and 140 in 2013, beside 210 and 220 aged 70), a dementia schedule (10% at 70,
// 40% at 85) and 9 residents 65+ in 2013-14: need (half of 65+) is 150, 150, 150, 165, 180 in
// 2009-2013 and dementia 60, 60, 60, 69, 78.
func synthDrivers() *ServiceData {
	d := synthServices()
	p11, p20 := *d.Population["A"][2011], *d.Population["A"][2020]
	p11[forecast.Female][85], p20[forecast.Female][85] = 100, 280
	d.Population["A"] = map[int]*population.Pop90{2011: &p11, 2020: &p20}
	var dem [forecast.NumSexes][forecast.NumAges]float64
	dem[forecast.Female][70], dem[forecast.Female][85] = 0.1, 0.4
	d.Needs["dementia"] = NeedSchedule{Rate: dem, Evidence: 2011}
	d.Activity = append(d.Activity, Activity{Area: "A", Year: 2013, Service: "residential", AgeBand: "65+", Measure: "weeks", Value: 52 * 9})
	return d
}

// TestServicesDrivers checks the engine's drivers by hand on synthDrivers with two base years:
// residential 65+ is 70% dementia and 30% need (forecast.DefaultServiceDrivers), so from 2012-13
// (base years 2011 and 2012, 11 and 8 residents) the rate of dementia is the mean of 0.7 × 11/60
// and 0.7 × 8/69, that of need the mean of 0.3 × 11/150 and 0.3 × 8/165, and the forecast of
// 2013-14 is the first times 78 plus the second times 180, 11.4593 (by need alone 10.9636). Its
// CV is that of the yearly rates over the weighted need, 11/87 and 8/97.8. Home care 65+ from
// 2011 is 60% dementia: 0.6 × 30/60 × 69 + 0.4 × 30/150 × 165 = 33.9. A dementia schedule that
// nobody has gives its share to need: the forecasts are need alone's.
func TestServicesDrivers(t *testing.T) {
	ctx := context.Background()
	opt := ServiceOptions{BaseYears: 2}
	rep, err := Services(ctx, synthDrivers(), opt)
	if err != nil {
		t.Fatal(err)
	}
	find := func(rep *ServiceReport, measure, band string, origin, year int) Row {
		t.Helper()
		for _, r := range rep.Rows {
			if r.Area == "A" && r.Measure == measure && r.AgeBand == band && r.Origin == origin && r.Year == year {
				return r
			}
		}
		t.Fatalf("no row %s %s %d→%d", measure, band, origin, year)
		return Row{}
	}
	rDem := (0.7*11/60 + 0.7*8/69) / 2
	rNeed := (0.3*11/150 + 0.3*8/165) / 2
	want := rDem*78 + rNeed*180
	u1, u2 := 11/87.0, 8/97.8
	mean := (u1 + u2) / 2
	cv := math.Sqrt((u1-mean)*(u1-mean)+(u2-mean)*(u2-mean)) / mean
	r := find(rep, MeasureResidential, "65+", 2012, 2013)
	if !near(r.Forecast, want, 1e-9) || !near(r.Forecast, 11.459308, 1e-6) || r.Actual != 9 || r.Benchmark != 8 {
		t.Errorf("residential 2012→2013: forecast %.12g, want %.12g; actual %v, naive %v", r.Forecast, want, r.Actual, r.Benchmark)
	}
	if !near(r.Hi, want*(1+Z80*cv), 1e-9) || !near(r.Lo, want*(1-Z80*cv), 1e-9) {
		t.Errorf("residential 2012→2013: interval %v-%v, want CV %v", r.Lo, r.Hi, cv)
	}
	if r := find(rep, MeasureHomeCare, "65+", 2011, 2012); !near(r.Forecast, 33.9, 1e-9) {
		t.Errorf("home care 65+ 2011→2012: %.12g, want 33.9", r.Forecast)
	}
	if r := find(rep, MeasureResidential, "65+", 2010, 2012); !near(r.Forecast, 11*(0.7*69.0/60+0.3*165.0/150), 1e-9) {
		t.Errorf("residential 2010→2012: %.12g, want %.12g", r.Forecast, 11*(0.7*69.0/60+0.3*165.0/150))
	}
	if got := rep.Drivers[0]; len(got) != 2 || got[0].Measure != "dementia" || got[0].Share != 0.7 || got[1].Measure != "need" {
		t.Errorf("residential drivers %+v", got)
	}

	alone, err := Services(ctx, synthDrivers(), ServiceOptions{BaseYears: 2, Drivers: NeedAlone("need")})
	if err != nil {
		t.Fatal(err)
	}
	wantAlone := (11.0/150 + 8.0/165) / 2 * 180
	if r := find(alone, MeasureResidential, "65+", 2012, 2013); !near(r.Forecast, wantAlone, 1e-9) || !near(wantAlone, 10.963636, 1e-6) {
		t.Errorf("need alone 2012→2013: %.12g, want %.12g", r.Forecast, wantAlone)
	}
	// The report's sensitivity "by need alone" is that run.
	i := slices.IndexFunc(rep.Sensitivity, func(v ServiceSensitivity) bool { return v.Name == SensitivityNeedAlone })
	a, _ := alone.Summary(ServiceKey("", "", 0))
	if i < 0 || rep.Sensitivity[i].Ours != a.Ours {
		t.Errorf("sensitivity by need alone %+v, want %+v", rep.Sensitivity, a.Ours)
	} else if s, ok := rep.Sensitivity[i].Summary(MeasureResidential, "65+"); !ok || s.Ours.N != 10 {
		t.Errorf("sensitivity by need alone, residential 65+: %+v", s)
	}

	// Nobody with dementia: its share goes to need, every year.
	d := synthDrivers()
	d.Needs["dementia"] = NeedSchedule{Evidence: 2011}
	none, err := Services(ctx, d, ServiceOptions{BaseYears: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range none.Rows {
		if a, b := none.Rows[i].Forecast, alone.Rows[i].Forecast; !near(a, b, 1e-12*b) {
			t.Errorf("no dementia, row %d: %v, by need alone %v", i, a, b)
		}
	}

	// Without a dementia schedule the defaults fall back to need alone, with a note.
	{
		d := synthDrivers()
		delete(d.Needs, "dementia")
		fb, err := Services(ctx, d, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(fb.Notes, func(n string) bool {
			return strings.Contains(n, "the default share of dementia for residential cannot be used")
		}) {
			t.Errorf("no note of the fallback: %q", fb.Notes)
		}
		if r := find(fb, MeasureResidential, "65+", 2012, 2013); !near(r.Forecast, wantAlone, 1e-9) {
			t.Errorf("fallback 2012→2013: %v, want %v", r.Forecast, wantAlone)
		}
	}
}
