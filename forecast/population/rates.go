package population

import (
	"fmt"
	"math"

	"github.com/carecast/carecast/forecast"
)

// Rates are the demographic assumptions for one area and one year: the period from mid-year t
// to mid-year t+1, labelled t as ONS labels "2018 - 2019" as 2018. Every age is the age at
// last birthday; all rates are per person (not per 1,000 or per 100,000).
type Rates struct {
	// Q[s][x] is the probability that a person of sex s aged x at mid-year t dies before
	// mid-year t+1 (ONS's q(x+½)); Q[s][MaxAge] is that probability for the open group
	// MaxAge and over (see OpenQ). Values in [0, 1].
	Q [forecast.NumSexes][NumAges]float64

	// QBirth[s] is the probability that a baby of sex s born during the period dies before
	// mid-year t+1 (ONS's "Birth" row). Values in [0, 1].
	QBirth [forecast.NumSexes]float64

	// Fertility[x] is births per woman per year to women aged x. The women exposed are the
	// mean of the women aged x at mid-year t and at mid-year t+1. Values ≥ 0; Fertility[0] is 0.
	Fertility [NumAges]float64

	// MaleBirths is the share of births that are boys, in (0, 1); ONS's 2018-based
	// projections use 105 boys per 100 girls, 1.05/2.05.
	MaleBirths float64

	// Migration[s][x] is net migration (in minus out) during the period of people of sex s
	// aged x when they move, persons per year; Migration[s][MaxAge] counts movers aged
	// MaxAge and over. Any finite value.
	Migration [forecast.NumSexes][NumAges]float64
}

// Check returns an error naming the first rate outside its range (see the field comments).
func (r *Rates) Check() error {
	for s := range r.Q {
		for x, q := range r.Q[s] {
			if !(q >= 0 && q <= 1) {
				return fmt.Errorf("death probability %v age %d = %v, want a number in [0, 1]", forecast.Sex(s), x, q)
			}
		}
		if q := r.QBirth[s]; !(q >= 0 && q <= 1) {
			return fmt.Errorf("death probability at birth %v = %v, want a number in [0, 1]", forecast.Sex(s), q)
		}
		for x, m := range r.Migration[s] {
			if math.IsNaN(m) || math.IsInf(m, 0) {
				return fmt.Errorf("net migration %v age %d = %v, want a finite number", forecast.Sex(s), x, m)
			}
		}
	}
	if r.Fertility[0] != 0 {
		return fmt.Errorf("fertility age 0 = %v, want 0", r.Fertility[0])
	}
	for x, f := range r.Fertility {
		if !(f >= 0) || math.IsInf(f, 0) {
			return fmt.Errorf("fertility age %d = %v, want a finite number ≥ 0", x, f)
		}
	}
	if !(r.MaleBirths > 0 && r.MaleBirths < 1) {
		return fmt.Errorf("male share of births = %v, want a number in (0, 1)", r.MaleBirths)
	}
	return nil
}

// OpenQ returns the one-year probability of death of an open age group whose members die at
// the single-year probabilities q (q[0] for the group's first age, and the last element for
// every age beyond), assuming the group has the age structure of a stationary population:
// deaths divided by persons, Σ l(x)q(x) / Σ l(x) with l(x+1) = l(x)(1 − q(x)).
// ONS publishes q up to age 125; OpenQ(q[105:126]) gives Rates.Q[s][MaxAge].
//
// OpenQ panics if q is empty and returns NaN if a probability is outside [0, 1].
func OpenQ(q []float64) float64 {
	if len(q) == 0 {
		panic("population: OpenQ of no ages")
	}
	l, deaths, persons := 1.0, 0.0, 0.0
	for i, qx := range q {
		if !(qx >= 0 && qx <= 1) {
			return math.NaN()
		}
		if i == len(q)-1 {
			// Beyond the last age the group dies at a constant rate: a geometric tail
			// with l/qx persons of whom l die in all, that is qx of them a year.
			if qx == 0 {
				return 0 // an immortal tail outnumbers everyone
			}
			deaths += l
			persons += l / qx
			break
		}
		deaths += l * qx
		persons += l
		l *= 1 - qx
	}
	return deaths / persons
}

// LifeExpectancy returns the period expectation of life, in years, at the age of q[0] for
// people who die at the single-year probabilities q, the last of which applies to every
// older age. Those who die in a year live half of it. LifeExpectancy panics if q is empty and
// returns NaN if a probability is outside [0, 1], or +Inf if the last one is 0.
func LifeExpectancy(q []float64) float64 {
	if len(q) == 0 {
		panic("population: LifeExpectancy of no ages")
	}
	l, e := 1.0, 0.0
	for i, qx := range q {
		if !(qx >= 0 && qx <= 1) {
			return math.NaN()
		}
		if i == len(q)-1 {
			if qx == 0 {
				return math.Inf(1)
			}
			return e + l/qx*(1-qx/2)
		}
		e += l * (1 - qx/2)
		l *= 1 - qx
	}
	return e
}

// LifeExpectancyFactor returns the factor k by which the probabilities q (each capped at 1)
// must be multiplied for LifeExpectancy to equal e, in years. It is the tool for carrying a
// year's death rates to another year whose life expectancy is known, for example ONS's past
// period expectations of life, when calibrating on a window before the first year of a
// projection's assumptions.
//
// LifeExpectancyFactor returns an error if q fails LifeExpectancy or e is out of reach
// (k outside [1e-3, 1e3]).
func LifeExpectancyFactor(q []float64, e float64) (float64, error) {
	scaled := make([]float64, len(q))
	at := func(k float64) float64 {
		for i, v := range q {
			scaled[i] = min(k*v, 1)
		}
		return LifeExpectancy(scaled)
	}
	lo, hi := math.Log(1e-3), math.Log(1e3)
	if e0 := at(1); math.IsNaN(e0) {
		return 0, fmt.Errorf("life expectancy: death probabilities outside [0, 1]")
	}
	if !(at(math.Exp(lo)) >= e && at(math.Exp(hi)) <= e) {
		return 0, fmt.Errorf("life expectancy %v years: out of reach of these death rates", e)
	}
	for range 100 {
		mid := (lo + hi) / 2
		if at(math.Exp(mid)) > e {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Exp((lo + hi) / 2), nil
}
