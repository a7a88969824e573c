package population

import (
	"math"
	"testing"
)

// Hand-worked: of 1 person, 0.5 die in the first year (living half of it) and 0.5 live it all:
// 0.75 years; the 0.5 left all die in the second year and live half of it: 0.25 years.
func TestLifeExpectancyByHand(t *testing.T) {
	if got := LifeExpectancy([]float64{0.5, 1}); got != 1 {
		t.Errorf("LifeExpectancy(0.5, 1) = %v, want 1", got)
	}
	// A constant probability q for ever: Σ (1−q)^k (1 − q/2) = (1 − q/2)/q.
	if got := LifeExpectancy([]float64{0.1}); math.Abs(got-9.5) > 1e-12 {
		t.Errorf("LifeExpectancy(0.1 for ever) = %v, want 9.5", got)
	}
	if !math.IsNaN(LifeExpectancy([]float64{1.5})) || !math.IsInf(LifeExpectancy([]float64{0}), 1) {
		t.Error("LifeExpectancy of bad or immortal rates")
	}
	if got := OpenQ([]float64{0.1}); math.Abs(got-0.1) > 1e-15 {
		t.Errorf("OpenQ of a constant 0.1 = %v", got)
	}
}

func TestLifeExpectancyFactor(t *testing.T) {
	d := loadNPP(t)
	q := d.rates[0].Q[F][65:]
	scaled := make([]float64, len(q))
	for i, v := range q {
		scaled[i] = min(1.3*v, 1)
	}
	k, err := LifeExpectancyFactor(q, LifeExpectancy(scaled))
	if err != nil || math.Abs(k-1.3) > 1e-9 {
		t.Errorf("factor %v, %v; want 1.3", k, err)
	}
	for _, e := range []float64{1e6, 0.1} {
		if _, err := LifeExpectancyFactor(q, e); err == nil {
			t.Errorf("no error for a life expectancy of %v years at 65", e)
		}
	}
}

func TestRatesCheck(t *testing.T) {
	ok := Rates{MaleBirths: 0.5}
	if err := ok.Check(); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(r *Rates){
		"q > 1":          func(r *Rates) { r.Q[M][40] = 1.01 },
		"q NaN":          func(r *Rates) { r.Q[F][40] = math.NaN() },
		"birth q < 0":    func(r *Rates) { r.QBirth[F] = -0.1 },
		"fertility < 0":  func(r *Rates) { r.Fertility[30] = -1 },
		"fertility at 0": func(r *Rates) { r.Fertility[0] = 0.1 },
		"migration Inf":  func(r *Rates) { r.Migration[M][20] = math.Inf(1) },
		"male share 1":   func(r *Rates) { r.MaleBirths = 1 },
	} {
		r := ok
		f(&r)
		if err := r.Check(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
