package forecast

import (
	"fmt"
	"math"
	"strings"
)

// Profile is the time profile of a lever: how the fraction of its full effect grows between
// the lever's start and end years. The zero value is Linear.
//
// Every profile is 0 before the start year and 1 in the end year and after it. Between them
// the profiles are driven by the share of the ramp completed,
//
//	f(t) = (t − start + 1) / (end − start + 1),  start ≤ t ≤ end,
//
// so that each of the n = end − start + 1 years of the ramp is counted: the start year already
// has the first 1/n of the effect and the end year has all of it. A lever whose effect is a
// cumulative quantity (dwellings completed) therefore spreads it over exactly the years
// start..end, and a lever with start == end is a step in that year whatever its profile.
type Profile uint8

const (
	// Linear grows by equal steps: f.
	Linear Profile = iota
	// Step reaches the full effect in the start year: 1 from start onwards.
	Step
	// FrontLoaded gets most of the effect early: 1 − (1 − f)².
	FrontLoaded
	// BackLoaded gets most of the effect late: f².
	BackLoaded
)

// NumProfiles is the number of defined profiles; valid values are 0..NumProfiles-1.
const NumProfiles = 4

var profileNames = [NumProfiles]string{"linear", "step", "front-loaded", "back-loaded"}

// String returns the spelling used in scenarios: "linear", "step", "front-loaded" or
// "back-loaded".
func (p Profile) String() string {
	if int(p) < len(profileNames) {
		return profileNames[p]
	}
	return fmt.Sprintf("Profile(%d)", uint8(p))
}

// ParseProfile reads the spelling returned by String, also accepting underscores for hyphens
// ("front_loaded", as JSON documents spell it), and returns an error for anything else.
func ParseProfile(s string) (Profile, error) {
	for i, n := range profileNames {
		if strings.ReplaceAll(s, "_", "-") == n {
			return Profile(i), nil
		}
	}
	return 0, fmt.Errorf("profile %q: want linear, step, front-loaded or back-loaded", s)
}

// Fraction returns the fraction of the full effect, in [0, 1], that a lever running from
// year start to year end (both inclusive) has reached in year: 0 before start, 1 from end
// onwards, and the profile's curve in between (see Profile).
//
// Fraction panics if end < start or p is not a defined profile: scenario readers must check
// both (CheckWindow) before the model runs.
func (p Profile) Fraction(year, start, end int) float64 {
	if end < start {
		panic(fmt.Sprintf("forecast: profile window %d..%d ends before it starts", start, end))
	}
	if p >= NumProfiles {
		panic(fmt.Sprintf("forecast: undefined profile %d", uint8(p)))
	}
	switch {
	case year < start:
		return 0
	case year >= end:
		return 1
	}
	f := float64(year-start+1) / float64(end-start+1)
	switch p {
	case Step:
		return 1
	case FrontLoaded:
		return 1 - (1-f)*(1-f)
	case BackLoaded:
		return f * f
	}
	return f
}

// Increment returns Fraction(year) − Fraction(year−1): the share of a cumulative effect that
// arrives in year. Increments over all years sum to 1. It panics as Fraction does.
func (p Profile) Increment(year, start, end int) float64 {
	return p.Fraction(year, start, end) - p.Fraction(year-1, start, end)
}

// CheckWindow returns an error unless p is a defined profile and start ≤ end. It is the check
// a scenario reader makes before calling Fraction.
func CheckWindow(p Profile, start, end int) error {
	if p >= NumProfiles {
		return fmt.Errorf("profile %d: undefined", uint8(p))
	}
	if end < start {
		return fmt.Errorf("lever window %d..%d: end year before start year", start, end)
	}
	return nil
}

// Lever is a scenario lever: a value reached in full by year End, growing from year Start
// along Profile. The value's unit is set by the lever that uses it.
type Lever struct {
	Value      float64
	Start, End int
	Profile    Profile
}

// At returns the part of Value in effect in year: Value × Profile.Fraction(year, Start, End).
// A zero Lever is zero in every year. It panics if the lever is invalid (see Check).
func (l Lever) At(year int) float64 {
	if l.Value == 0 {
		return 0
	}
	return l.Value * l.Profile.Fraction(year, l.Start, l.End)
}

// Cumulative returns the factor that a lever whose Value is an annual rate (percent a year)
// has built up by year, counting from a projection's base year:
//
//	Π (1 + At(z)/100) over the years z = base+1 .. year,
//
// and 1 when year ≤ base. The profile shapes the annual rate, not the cumulative effect: End is
// the year the rate is reached in full, after which it keeps compounding at Value a year. For
// example Value −1 from 2025, linear, reached in full by 2045 gives a factor of about 0.969
// (−3.1%) by 2035, while the same rate reached in full by 2026 gives about 0.900 (−10.0%).
//
// The engine compounds the annual-rate levers (prevalence_trend, service_trend,
// unit_cost_growth, and mortality_improvement in package population) with this function, so a
// figure printed from it is the engine's. It
// multiplies the years in order, base+1 first. It panics if the lever is invalid (see Check).
func (l Lever) Cumulative(base, year int) float64 {
	f := 1.0
	for z := base + 1; z <= year; z++ {
		f *= 1 + l.At(z)/100
	}
	return f
}

// Check returns an error if the lever's value is not finite, its window ends before it starts
// or its profile is undefined.
func (l Lever) Check() error {
	if math.IsNaN(l.Value) || math.IsInf(l.Value, 0) {
		return fmt.Errorf("lever value %v: not a finite number", l.Value)
	}
	return CheckWindow(l.Profile, l.Start, l.End)
}
