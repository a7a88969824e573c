package population

import (
	"fmt"
	"math"

	"github.com/carecast/carecast/forecast"
)

// Model is a cohort-component projection model: a run of yearly Rates (national, or an area's
// own) from a first year. A Model is immutable and safe for concurrent use; one Model serves
// every area that shares its rates, each area adding its own Local adjustments.
type Model struct {
	first  int
	rates  []Rates
	fertLo int // first age with any fertility in any year
	fertHi int // last age with any fertility in any year; fertHi < fertLo if none
}

// NewModel returns a Model whose rates[i] are the assumptions for the period from mid-year
// first+i to first+i+1. The rates are copied.
//
// NewModel returns an error if rates is empty or a year's rates fail Rates.Check.
func NewModel(first int, rates []Rates) (*Model, error) {
	if len(rates) == 0 {
		return nil, fmt.Errorf("population model from %d: no years of rates", first)
	}
	m := &Model{first: first, rates: make([]Rates, len(rates)), fertLo: NumAges, fertHi: -1}
	for i := range rates {
		if err := rates[i].Check(); err != nil {
			return nil, fmt.Errorf("rates for %d-%d: %w", first+i, first+i+1, err)
		}
		m.rates[i] = rates[i]
		for x, f := range rates[i].Fertility {
			if f > 0 {
				m.fertLo = min(m.fertLo, x)
				m.fertHi = max(m.fertHi, x)
			}
		}
	}
	return m, nil
}

// Years returns the first and last year of the periods the model has rates for: it can project
// from any base year in first..last up to mid-year last+1.
func (m *Model) Years() (first, last int) { return m.first, m.first + len(m.rates) - 1 }

// Rates returns the rates for the period from mid-year year to year+1. The result must not
// be modified. Rates panics if the model has no rates for year.
func (m *Model) Rates(year int) *Rates {
	if year < m.first || year >= m.first+len(m.rates) {
		panic(fmt.Sprintf("population: no rates for %d (model has %d..%d)", year, m.first, m.first+len(m.rates)-1))
	}
	return &m.rates[year-m.first]
}

// Local holds what makes one area's projection its own when it shares a Model's rates.
// The zero Local is not valid; start from National.
type Local struct {
	// Mortality[s] multiplies the death probabilities Q and QBirth of sex s (results are
	// capped at 1); 1 leaves the model's rates unchanged. Must be > 0.
	Mortality [forecast.NumSexes]float64

	// Fertility multiplies the model's fertility rates; 1 leaves them unchanged. Must be ≥ 0.
	Fertility float64

	// Migration, if not nil, is the area's net migration by sex and age at moving, persons
	// per year, used in every year instead of the model's Rates.Migration.
	Migration *[forecast.NumSexes][NumAges]float64
}

// National is the Local that leaves a Model's rates as they are.
var National = Local{Mortality: [forecast.NumSexes]float64{1, 1}, Fertility: 1}

// Check returns an error if a factor is out of range or not finite or a migration count is not
// finite.
func (l *Local) Check() error {
	for s, f := range l.Mortality {
		if !(f > 0) || math.IsInf(f, 0) {
			return fmt.Errorf("%v mortality factor %v: want a finite number > 0", forecast.Sex(s), f)
		}
	}
	if !(l.Fertility >= 0) || math.IsInf(l.Fertility, 0) {
		return fmt.Errorf("fertility factor %v: want a finite number ≥ 0", l.Fertility)
	}
	if l.Migration != nil {
		for s := range l.Migration {
			for x, v := range l.Migration[s] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("net migration %v age %d = %v, want a finite number", forecast.Sex(s), x, v)
				}
			}
		}
	}
	return nil
}

var noMigrants [forecast.NumSexes][NumAges]float64

// ProjectTo projects base, the population at mid-year baseYear, and writes the population at
// mid-years baseYear, baseYear+1, …, baseYear+len(dst)−1 into dst[0], dst[1], …. loc adjusts the
// model's rates for the area (nil means National) and lev applies a scenario's levers (nil means
// none). Each year runs the ONS 2018-based national projection's accounting (see the package
// documentation). Only dst is written; ProjectTo allocates nothing, and the same inputs give
// the same numbers bit for bit.
//
// ProjectTo returns an error if base, loc or lev fail their Check, or if the model has no
// rates for a year of the horizon. It panics if dst is empty.
func (m *Model) ProjectTo(dst []Pop, baseYear int, base *Pop, loc *Local, lev *Levers) error {
	if len(dst) == 0 {
		panic("population: ProjectTo with an empty destination")
	}
	if err := base.Check(); err != nil {
		return fmt.Errorf("base population %d: %w", baseYear, err)
	}
	if loc == nil {
		loc = &National
	} else if err := loc.Check(); err != nil {
		return fmt.Errorf("local adjustments: %w", err)
	}
	if lev == nil {
		lev = &Levers{}
	} else if err := lev.Check(); err != nil {
		return fmt.Errorf("levers: %w", err)
	}
	n := len(dst) - 1
	if first, last := m.Years(); n > 0 && (baseYear < first || baseYear+n-1 > last) {
		return fmt.Errorf("projection %d-%d needs rates for %d..%d; the model has %d..%d",
			baseYear, baseYear+n, baseYear, baseYear+n-1, first, last)
	}
	dst[0] = *base
	m.project(dst, baseYear, loc, lev)
	return nil
}

// project runs the yearly steps into dst[1:], dst[0] holding the base. Inputs are valid.
func (m *Model) project(dst []Pop, baseYear int, loc *Local, lev *Levers) {
	kq := 1.0 // cumulative mortality lever multiplier: lev.MortalityChange.Cumulative
	levers := lev.active()
	var extra [forecast.NumSexes][NumAges]float64
	for i := 1; i < len(dst); i++ {
		t := baseYear + i - 1 // period t..t+1, lever year t+1
		r := &m.rates[t-m.first]
		ms := 1.0
		ex := &noMigrants
		if levers {
			kq = lev.MortalityChange.Cumulative(baseYear, t+1)
			ms = 1 + lev.MigrationChange.At(t+1)/100
			if dwellingsTo(&extra, lev.Dwellings, t+1) {
				ex = &extra
			}
		}
		mig := &r.Migration
		if loc.Migration != nil {
			mig = loc.Migration
		}
		step(&dst[i], &dst[i-1], r, mig, ex, loc, kq, ms, m.fertLo, m.fertHi)
	}
}

// dwellingsTo writes the migrants that ds bring in year y into dst by sex and single year of
// age at moving and reports whether there are any.
func dwellingsTo(dst *[forecast.NumSexes][NumAges]float64, ds []Dwellings, y int) bool {
	found := false
	for i := range ds {
		d := &ds[i]
		inc := d.Profile.Increment(y, d.Start, d.End)
		if inc == 0 || d.Homes == 0 || d.PersonsPerHome == 0 {
			continue
		}
		if !found {
			*dst = noMigrants
			found = true
		}
		people := d.Homes * d.PersonsPerHome * inc
		for s := range d.Shares {
			for x, sh := range d.Shares[s] {
				dst[s][x] += people * sh
			}
		}
	}
	return found
}

// step projects one year: from pop at mid-year t to next at mid-year t+1.
//
// For a cohort aged x at t (x < MaxAge−1), with q = Q[x] and migrants counted by age at moving
// M, the cohort's net migrants are c = (M[x] + M[x+1])/2 (half of them move before their
// birthday, half after) and
//
//	next[x+1] = pop[x]·(1 − q) + c·(1 − q/2).
//
// The open group gathers the cohorts MaxAge−1 and MaxAge. Births are fertility × the mean of
// women at t and t+1; newborns die at QBirth and half the movers aged 0 are born during the
// year (they are not exposed to mortality, as in ONS's accounts).
func step(next, pop *Pop, r *Rates, mig, extra *[forecast.NumSexes][NumAges]float64,
	loc *Local, kq, ms float64, fertLo, fertHi int) {
	for s := range pop {
		mq := loc.Mortality[s] * kq
		q := &r.Q[s]
		M := &mig[s]
		E := &extra[s]
		P := &pop[s]
		N := &next[s]
		mPrev := M[0]*ms + E[0]
		for x := 0; x < MaxAge-1; x++ {
			qx := min(q[x]*mq, 1)
			mNext := M[x+1]*ms + E[x+1]
			c := 0.5 * (mPrev + mNext)
			N[x+1] = max(P[x]*(1-qx)+c*(1-0.5*qx), 0)
			mPrev = mNext
		}
		q1 := min(q[MaxAge-1]*mq, 1)
		q2 := min(q[MaxAge]*mq, 1)
		mOpen := M[MaxAge]*ms + E[MaxAge]
		N[MaxAge] = max(P[MaxAge-1]*(1-q1)+P[MaxAge]*(1-q2)+0.5*mPrev*(1-0.5*q1)+mOpen*(1-0.5*q2), 0)
	}
	var births float64
	f := forecast.Female
	for x := fertLo; x <= fertHi; x++ {
		births += r.Fertility[x] * (pop[f][x] + next[f][x])
	}
	births *= 0.5 * loc.Fertility
	for s := range pop {
		share := r.MaleBirths
		if forecast.Sex(s) == forecast.Female {
			share = 1 - share
		}
		qb := min(r.QBirth[s]*loc.Mortality[s]*kq, 1)
		m0 := mig[s][0]*ms + extra[s][0]
		next[s][0] = max(births*share*(1-qb)+0.5*m0, 0)
	}
}
