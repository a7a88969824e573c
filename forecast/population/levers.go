package population

import (
	"fmt"
	"math"

	"github.com/carecast/carecast/forecast"
)

// Levers are a scenario's changes to one area's population projection. The zero value changes
// nothing.
//
// A lever's year y means the period that ends at mid-year y (mid-year y−1 to mid-year y), so
// the population of mid-year y is the first to show a lever that starts in year y. Years up to
// and including the projection's base year are part of the base estimate: a lever's effect in
// those years is ignored.
type Levers struct {
	// MortalityChange is an extra annual change in death probabilities, percent per year,
	// compounding: −1 makes every Q and QBirth fall by a further 1% a year. The value in
	// year y is MortalityChange.At(y), so death probabilities in year y are multiplied by
	// Π (1 + MortalityChange.At(z)/100) over the years z from the base year + 1 to y, that
	// is MortalityChange.Cumulative(base, y) (capped at 1). Value must exceed −100.
	MortalityChange forecast.Lever

	// MigrationChange is a percent change to the area's net migration (all ages and both
	// sexes): net migration in year y is multiplied by 1 + MigrationChange.At(y)/100. A
	// factor k is MigrationChange k·100 − 100: −100 removes net migration, +50 makes it half
	// as large again. It does not scale Dwellings. Value must be at least −100.
	MigrationChange forecast.Lever

	// Dwellings bring new residents; each entry adds its own.
	Dwellings []Dwellings
}

// Dwellings is a housing development that brings residents who are new to the area.
// Homes × PersonsPerHome people arrive in all, spread over the years Start..End by Profile:
// Homes × PersonsPerHome × Profile.Increment(y, Start, End) in year y (a linear profile brings
// the same number every year, a step brings them all in year Start). They are added to net
// migration with the age and sex mix Shares, so like other migrants they are exposed to half
// a year's mortality in the year they arrive.
type Dwellings struct {
	Homes          float64 // dwellings completed and occupied over Start..End, ≥ 0
	PersonsPerHome float64 // new residents per dwelling, ≥ 0
	Start, End     int
	Profile        forecast.Profile

	// Shares is the share of the new residents in each sex and age at moving (90 = 90 and
	// over); shares are ≥ 0 and sum to 1 (within 1e-9).
	Shares Pop90
}

// Check returns an error describing the first invalid lever: a value that is not finite or out
// of range, a window that ends before it starts, an undefined profile, or dwelling shares
// that are negative or do not sum to 1.
func (l *Levers) Check() error {
	if err := l.MortalityChange.Check(); err != nil {
		return fmt.Errorf("mortality change: %w", err)
	}
	if l.MortalityChange.Value <= -100 {
		return fmt.Errorf("mortality change %v%% a year: want more than -100", l.MortalityChange.Value)
	}
	if err := l.MigrationChange.Check(); err != nil {
		return fmt.Errorf("migration change: %w", err)
	}
	if l.MigrationChange.Value < -100 {
		return fmt.Errorf("migration change %v%%: want at least -100", l.MigrationChange.Value)
	}
	for i := range l.Dwellings {
		if err := l.Dwellings[i].check(); err != nil {
			return fmt.Errorf("dwellings %d: %w", i, err)
		}
	}
	return nil
}

func (d *Dwellings) check() error {
	if !(d.Homes >= 0) || math.IsInf(d.Homes, 0) {
		return fmt.Errorf("homes %v: want a finite number ≥ 0", d.Homes)
	}
	if !(d.PersonsPerHome >= 0) || math.IsInf(d.PersonsPerHome, 0) {
		return fmt.Errorf("persons per home %v: want a finite number ≥ 0", d.PersonsPerHome)
	}
	if err := forecast.CheckWindow(d.Profile, d.Start, d.End); err != nil {
		return err
	}
	if err := d.Shares.Check(); err != nil {
		return fmt.Errorf("shares: %w", err)
	}
	if sum := d.Shares.Total(); math.Abs(sum-1) > 1e-9 {
		return fmt.Errorf("shares sum to %v, want 1", sum)
	}
	return nil
}

// active reports whether any lever can change a projection.
func (l *Levers) active() bool {
	return l.MortalityChange.Value != 0 || l.MigrationChange.Value != 0 || len(l.Dwellings) > 0
}
