package population

import (
	"slices"
	"strings"
	"testing"

	"github.com/carecast/carecast/forecast"
)

// fullCells returns every cell for years first..last with Count = year + age/100 (+0.5 for males),
// so each cell's value says where it belongs.
func fullCells(first, last int) []Cell {
	var cs []Cell
	for y := first; y <= last; y++ {
		for s := range forecast.Sex(forecast.NumSexes) {
			for x := range forecast.NumAges {
				cs = append(cs, Cell{y, s, x, float64(y) + float64(x)/100 + 0.5*float64(s)})
			}
		}
	}
	return cs
}

func TestNewSupplied(t *testing.T) {
	cells := fullCells(2020, 2045)
	s, err := NewSupplied("E08000019", 2021, 2043, cells)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Years) != 23 || s.First != 2021 {
		t.Fatalf("horizon %d+%d, want 2021+23", s.First, len(s.Years))
	}
	if got := s.At(2030)[forecast.Male][90]; got != 2030+0.9+0.5 {
		t.Errorf("2030 male 90+ = %v, want 2031.4", got)
	}
	if s.At(2044) != nil || s.At(2020) != nil {
		t.Error("At outside the horizon is not nil")
	}
}

func TestNewSuppliedErrors(t *testing.T) {
	drop := func(cs []Cell, f func(c Cell) bool) []Cell {
		var out []Cell
		for _, c := range cs {
			if !f(c) {
				out = append(out, c)
			}
		}
		return out
	}
	full := fullCells(2021, 2025)
	cases := []struct {
		name  string
		cells []Cell
		want  []string // substrings of the error
	}{
		{"missing year", drop(full, func(c Cell) bool { return c.Year == 2023 }), []string{"E09000001", "2023 (all)"}},
		{"missing sex", drop(full, func(c Cell) bool { return c.Year == 2022 && c.Sex == forecast.Male }), []string{"2022 male (all ages)"}},
		{"missing ages", drop(full, func(c Cell) bool { return c.Year == 2024 && c.Sex == forecast.Female && (c.Age >= 85 || c.Age == 3) }),
			[]string{"2024 female age 3", "2024 female ages 85-90"}},
		{"many gaps", drop(full, func(c Cell) bool { return c.Age%2 == 1 && c.Year == 2021 }), []string{"2021 female age 1", "and 82 more"}},
		{"duplicate", append(slices.Clone(full), Cell{2022, forecast.Female, 40, 1}), []string{"2022 female age 40 appears more than once"}},
		{"negative", append(drop(full, func(c Cell) bool { return c.Year == 2021 && c.Age == 5 }), Cell{2021, forecast.Male, 5, -1}), []string{"count -1"}},
		{"age", append(slices.Clone(full), Cell{2022, forecast.Female, 91, 1}), []string{"age 91 outside 0..90"}},
		{"sex", append(slices.Clone(full), Cell{2022, 2, 40, 1}), []string{"sex Sex(2)"}},
	}
	for _, c := range cases {
		_, err := NewSupplied("E09000001", 2021, 2025, c.cells)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", c.name, err, w)
			}
		}
	}
}
