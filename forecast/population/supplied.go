package population

import (
	"fmt"
	"math"
	"strings"

	"github.com/carecast/carecast/forecast"
)

// Cell is one count of a supplied population table: persons of one sex and single year of age
// (0..90, 90 = 90 and over) in one area at mid-year Year.
type Cell struct {
	Year  int
	Sex   forecast.Sex
	Age   int
	Count float64
}

// Supplied is an official projection used as it is: one area's population at every mid-year
// of a horizon.
type Supplied struct {
	Area  string
	First int     // first mid-year of the horizon
	Years []Pop90 // Years[i] is the population at mid-year First+i
}

// maxMissing bounds how many gaps an error from NewSupplied lists.
const maxMissing = 8

// NewSupplied builds the supplied projection of area for mid-years first..last from cells,
// which may cover other years (they are ignored) and come in any order. cells is not modified.
//
// NewSupplied returns an error if a cell for a year in the horizon has an age outside 0..90, a
// sex that is not Female or Male, a count that is negative or not finite, or repeats another
// cell; or if any year of the horizon lacks a sex or an age. The coverage error names the area
// and what is missing, as whole years, whole sexes or runs of ages ("2031 male ages 85-90"),
// listing the first few gaps and how many there are in all. It panics if last < first.
func NewSupplied(area string, first, last int, cells []Cell) (*Supplied, error) {
	if last < first {
		panic(fmt.Sprintf("population: supplied horizon %d..%d ends before it starts", first, last))
	}
	n := last - first + 1
	s := &Supplied{Area: area, First: first, Years: make([]Pop90, n)}
	seen := make([][forecast.NumSexes][forecast.NumAges]bool, n)
	for i, c := range cells {
		if c.Year < first || c.Year > last {
			continue
		}
		if c.Sex >= forecast.NumSexes {
			return nil, fmt.Errorf("area %s cell %d (%d): sex %v is not female or male", area, i, c.Year, c.Sex)
		}
		if c.Age < 0 || c.Age > forecast.OpenAge {
			return nil, fmt.Errorf("area %s cell %d (%d %v): age %d outside 0..%d", area, i, c.Year, c.Sex, c.Age, forecast.OpenAge)
		}
		if !(c.Count >= 0) || math.IsInf(c.Count, 0) {
			return nil, fmt.Errorf("area %s cell %d (%d %v age %d): count %v is not a finite number ≥ 0", area, i, c.Year, c.Sex, c.Age, c.Count)
		}
		y := c.Year - first
		if seen[y][c.Sex][c.Age] {
			return nil, fmt.Errorf("area %s: %d %v age %d appears more than once", area, c.Year, c.Sex, c.Age)
		}
		seen[y][c.Sex][c.Age] = true
		s.Years[y][c.Sex][c.Age] = c.Count
	}
	var gaps []string
	count := 0
	add := func(g string) {
		count++
		if len(gaps) < maxMissing {
			gaps = append(gaps, g)
		}
	}
	for y := range seen {
		year := first + y
		if seen[y] == ([forecast.NumSexes][forecast.NumAges]bool{}) {
			add(fmt.Sprintf("%d (all)", year))
			continue
		}
		for sx := range seen[y] {
			runs := missingRuns(seen[y][sx][:])
			switch {
			case len(runs) == 0:
			case len(runs) == 1 && runs[0] == [2]int{0, forecast.OpenAge}:
				add(fmt.Sprintf("%d %v (all ages)", year, forecast.Sex(sx)))
			default:
				for _, r := range runs {
					if r[0] == r[1] {
						add(fmt.Sprintf("%d %v age %d", year, forecast.Sex(sx), r[0]))
					} else {
						add(fmt.Sprintf("%d %v ages %d-%d", year, forecast.Sex(sx), r[0], r[1]))
					}
				}
			}
		}
	}
	if count > 0 {
		more := ""
		if count > len(gaps) {
			more = fmt.Sprintf(" and %d more", count-len(gaps))
		}
		return nil, fmt.Errorf("area %s: supplied population for %d-%d is missing %s%s",
			area, first, last, strings.Join(gaps, ", "), more)
	}
	return s, nil
}

// missingRuns returns the runs of consecutive indices where have is false.
func missingRuns(have []bool) [][2]int {
	var runs [][2]int
	for x := 0; x < len(have); x++ {
		if have[x] {
			continue
		}
		lo := x
		for x+1 < len(have) && !have[x+1] {
			x++
		}
		runs = append(runs, [2]int{lo, x})
	}
	return runs
}

// At returns the population at mid-year year, or nil if year is outside the horizon. The
// result must not be modified.
func (s *Supplied) At(year int) *Pop90 {
	if year < s.First || year >= s.First+len(s.Years) {
		return nil
	}
	return &s.Years[year-s.First]
}
