package timeseries

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// DefaultLevels are the prediction-interval levels, in percent, used when a caller gives none.
// Callers must not modify it.
var DefaultLevels = []float64{80, 95}

// Forecast is a point forecast with prediction intervals for the h periods after a series ends.
type Forecast struct {
	// Mean is the point forecast (the mean of the forecast distribution) for periods 1..h.
	Mean []float64
	// Levels are the interval coverages in percent, in the order asked for, e.g. [80 95].
	Levels []float64
	// Lower and Upper are the interval bounds, indexed [level][period]: Lower[i][j] is the
	// lower bound of the Levels[i]% interval for period j+1. Intervals are equal-tailed.
	Lower, Upper [][]float64
	// Method is the method that produced the forecast. It differs from the method asked for
	// only after a fallback.
	Method Method
	// Model describes the fitted model, e.g. "ETS(M,Ad,N)" or "ARIMA(0,1,1) with drift".
	Model string
	// Fallback is empty unless the method asked for could not be used; it then says which
	// method was asked for and why it was replaced.
	Fallback string
}

// Options tunes fitting and forecasting. The zero value is ready to use: annual data, seed 0,
// fallback to the naive method for series too short for the method asked for.
type Options struct {
	// Period is the number of observations per seasonal cycle (4 for quarterly, 12 for
	// monthly); 0 and 1 mean non-seasonal, as for annual data. Methods ets, theta, arima and
	// auto use it; naive, drift, ses, holt and damped are non-seasonal, as in R.
	Period int
	// Seed seeds the random source of simulated prediction intervals. The same seed gives the
	// same intervals.
	Seed uint64
	// Paths is the number of simulated sample paths for simulated intervals; 0 means 5000.
	Paths int
	// Simulate asks ETS models for simulated intervals even where analytic ones exist.
	Simulate bool
	// NoFallback makes Fit fail with a *ShortError for a series too short for the method,
	// instead of falling back to the naive method.
	NoFallback bool
	// Workers is the number of goroutines ForecastMany uses; 0 means runtime.GOMAXPROCS(0).
	// Results do not depend on it.
	Workers int
}

func (o Options) period() int {
	if o.Period < 1 {
		return 1
	}
	return o.Period
}

func (o Options) paths() int {
	if o.Paths <= 0 {
		return 5000
	}
	return o.Paths
}

// rng returns a fresh random source for a forecast; every call gives the same stream.
func (o Options) rng() *rand.Rand {
	return rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
}

// Model is a fitted forecasting model. Models are immutable and safe for concurrent use.
type Model interface {
	// Method returns the method the model implements (after any fallback).
	Method() Method
	// String describes the fitted model, e.g. "ETS(A,Ad,N)".
	String() string
	// Forecast returns point forecasts and prediction intervals for the h periods after the
	// series ends, at each level in levels (percent, each in (0, 100)); nil levels means
	// DefaultLevels. It panics if h < 1 or a level is outside (0, 100).
	Forecast(h int, levels []float64) Forecast
	// Fitted returns the one-step-ahead in-sample forecasts, one per observation; NaN where a
	// method has none (the first observation of the naive method).
	Fitted() []float64
	// Residuals returns the observations minus Fitted.
	Residuals() []float64
}

// predictor is what each concrete model implements; modelBase turns it into a Model.
type predictor interface {
	// predict returns the point forecasts and forecast distributions for periods 1..h.
	predict(h int, opts Options) (mean []float64, dist []marginal)
	describe() string
	fitted() []float64
}

// noter is implemented by predictors that could only partly do what was asked (a
// combination missing a component); the note becomes Forecast.Fallback.
type noter interface{ note() string }

// model wraps a predictor with what every Model shares.
type model struct {
	p        predictor
	method   Method
	fallback string
	y        []float64
	opts     Options
}

func (m *model) Method() Method { return m.method }
func (m *model) String() string { return m.p.describe() }

func (m *model) Fitted() []float64 { return slices.Clone(m.p.fitted()) }

func (m *model) Residuals() []float64 {
	f := m.p.fitted()
	r := make([]float64, len(m.y))
	for i := range r {
		r[i] = m.y[i] - f[i]
	}
	return r
}

func (m *model) Forecast(h int, levels []float64) Forecast {
	checkHorizon(h, levels)
	if levels == nil {
		levels = DefaultLevels
	}
	mean, dist := m.p.predict(h, m.opts)
	f := Forecast{
		Mean:     mean,
		Levels:   slices.Clone(levels),
		Method:   m.method,
		Model:    m.p.describe(),
		Fallback: m.fallback,
	}
	intervals(&f, dist)
	return f
}

// Fit fits method to the series y (oldest first). y is not modified or retained beyond the
// fitted model's own copy.
//
// Fit returns a *ValueError if y holds a NaN or infinity and a *ShortError if y is shorter
// than Naive.MinLength(). A series shorter than method.MinLength() is forecast with the naive
// method and the result's Fallback says so, unless opts.NoFallback is set, in which case Fit
// returns a *ShortError. Fit returns an error wrapping ErrUnknownMethod for a method not in
// Methods.
func Fit(y []float64, method Method, opts Options) (Model, error) {
	if method.MinLength() == 0 {
		return nil, fmt.Errorf("%w %q", ErrUnknownMethod, method)
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, &ValueError{Index: i, Value: v}
		}
	}
	y = slices.Clone(y)
	n := len(y)
	need := method.MinLength()
	var fallback string
	if n < need {
		if opts.NoFallback || n < Naive.MinLength() {
			return nil, &ShortError{Method: method, Need: need, Have: n}
		}
		fallback = fmt.Sprintf("%s needs at least %d observations, series has %d: used naive", method, need, n)
		method = Naive
	}
	p, err := fitPredictor(y, method, opts)
	if err != nil {
		return nil, err
	}
	if n, ok := p.(noter); ok && fallback == "" {
		fallback = n.note()
	}
	return &model{p: p, method: method, fallback: fallback, y: y, opts: opts}, nil
}

func fitPredictor(y []float64, method Method, opts Options) (predictor, error) {
	switch method {
	case Naive:
		return fitNaive(y), nil
	case Drift:
		return fitDrift(y), nil
	case SES:
		return fitETSFixed(y, etsSpec{err: 'A', trend: 'N', season: 'N', m: 1}, critMSE)
	case Holt:
		return fitETSFixed(y, etsSpec{err: 'A', trend: 'A', season: 'N', m: 1}, critMSE)
	case Damped:
		return fitETSFixed(y, etsSpec{err: 'A', trend: 'A', damped: true, season: 'N', m: 1}, critMSE)
	case ETS:
		return fitETSAuto(y, opts.period())
	case Theta:
		return fitTheta(y, opts.period())
	case ARIMA:
		return fitAutoARIMA(y, opts.period())
	case Auto:
		return fitCombination(y, opts.period())
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownMethod, method)
}

func checkHorizon(h int, levels []float64) {
	if h < 1 {
		panic(fmt.Sprintf("timeseries: forecast horizon %d < 1", h))
	}
	for _, lv := range levels {
		if !(lv > 0 && lv < 100) {
			panic(fmt.Sprintf("timeseries: level %v outside (0, 100)", lv))
		}
	}
}
