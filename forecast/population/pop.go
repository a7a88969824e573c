package population

import (
	"fmt"
	"math"

	"github.com/carecast/carecast/forecast"
)

// MaxAge is the last single year of age inside a projection; it stands for "105 and over".
// Projections carry single years beyond forecast.OpenAge (90) because the 90+ group, projected
// as one group, ages badly: its death rate changes as its age mix changes.
const MaxAge = 105

// NumAges is the number of single years of age 0..MaxAge inside a projection. Inputs and
// outputs of the engine use forecast.NumAges (0..90, 90 = 90+) instead; see Pop90.
const NumAges = MaxAge + 1

// Pop is one area's population at one mid-year (30 June) by sex and single year of age
// 0..MaxAge, MaxAge meaning MaxAge and over; persons. Index it [sex][age].
type Pop [forecast.NumSexes][NumAges]float64

// Pop90 is one area's population at one mid-year by sex and single year of age
// 0..forecast.OpenAge, OpenAge (90) meaning 90 and over, as in ONS estimates and projections;
// persons. Index it [sex][age].
type Pop90 [forecast.NumSexes][forecast.NumAges]float64

// Total returns the number of persons in p.
func (p *Pop) Total() float64 {
	var t float64
	for s := range p {
		for _, v := range p[s] {
			t += v
		}
	}
	return t
}

// Total returns the number of persons in p.
func (p *Pop90) Total() float64 {
	var t float64
	for s := range p {
		for _, v := range p[s] {
			t += v
		}
	}
	return t
}

// Check returns an error naming the first count in p that is negative or not finite.
func (p *Pop90) Check() error {
	for s := range p {
		for x, v := range p[s] {
			if !(v >= 0) || math.IsInf(v, 0) {
				return fmt.Errorf("%v age %d: count %v is not a finite number ≥ 0", forecast.Sex(s), x, v)
			}
		}
	}
	return nil
}

// Check returns an error naming the first count in p that is negative or not finite.
func (p *Pop) Check() error {
	for s := range p {
		for x, v := range p[s] {
			if !(v >= 0) || math.IsInf(v, 0) {
				return fmt.Errorf("%v age %d: count %v is not a finite number ≥ 0", forecast.Sex(s), x, v)
			}
		}
	}
	return nil
}

// CollapseTo writes src into dst with the single years OpenAge..MaxAge summed into the open
// group 90+.
func CollapseTo(dst *Pop90, src *Pop) {
	for s := range src {
		copy(dst[s][:forecast.OpenAge], src[s][:forecast.OpenAge])
		var open float64
		for _, v := range src[s][forecast.OpenAge:] {
			open += v
		}
		dst[s][forecast.OpenAge] = open
	}
}

// SplitOpenTo writes src into dst with each sex's open group 90+ split into single years
// 90..MaxAge in proportion to ref's single years 90..MaxAge (ref's ages below 90 are not used).
// A good reference is the national single-year population at 90..105+ of the nearest year, for
// example ONS's national population projection. Ages 0..89 are copied. CollapseTo undoes
// SplitOpenTo up to rounding.
//
// SplitOpenTo returns an error if src fails Check, if a reference count at 90..MaxAge is
// negative or not finite, or if a sex with people aged 90+ in src has none in ref.
func SplitOpenTo(dst *Pop, src *Pop90, ref *Pop) error {
	if err := src.Check(); err != nil {
		return fmt.Errorf("population to split: %w", err)
	}
	for s := range src {
		var w float64
		for x := forecast.OpenAge; x <= MaxAge; x++ {
			v := ref[s][x]
			if !(v >= 0) || math.IsInf(v, 0) {
				return fmt.Errorf("reference %v age %d: count %v is not a finite number ≥ 0", forecast.Sex(s), x, v)
			}
			w += v
		}
		open := src[s][forecast.OpenAge]
		if w == 0 && open > 0 {
			return fmt.Errorf("reference has no %v aged %d+ to split %v people by", forecast.Sex(s), forecast.OpenAge, open)
		}
		copy(dst[s][:forecast.OpenAge], src[s][:forecast.OpenAge])
		for x := forecast.OpenAge; x <= MaxAge; x++ {
			if open == 0 {
				dst[s][x] = 0
				continue
			}
			dst[s][x] = open * (ref[s][x] / w)
		}
	}
	return nil
}
