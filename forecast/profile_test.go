package forecast

import (
	"fmt"
	"math"
	"testing"
)

// The expected fractions are worked by hand from the formulas in the Profile doc comment for a
// window 2025..2028 (n = 4, so f = 1/4, 2/4, 3/4, 1 in 2025..2028).
func TestProfileFraction(t *testing.T) {
	const start, end = 2025, 2028
	years := []int{2023, 2024, 2025, 2026, 2027, 2028, 2029, 2040}
	want := map[Profile][]float64{
		Linear:      {0, 0, 0.25, 0.5, 0.75, 1, 1, 1},
		Step:        {0, 0, 1, 1, 1, 1, 1, 1},
		FrontLoaded: {0, 0, 1 - 0.75*0.75, 1 - 0.5*0.5, 1 - 0.25*0.25, 1, 1, 1},
		BackLoaded:  {0, 0, 0.25 * 0.25, 0.5 * 0.5, 0.75 * 0.75, 1, 1, 1},
	}
	for p, w := range want {
		for i, y := range years {
			if got := p.Fraction(y, start, end); got != w[i] {
				t.Errorf("%v.Fraction(%d, %d, %d) = %v, want %v", p, y, start, end, got, w[i])
			}
		}
	}
}

func TestProfileProperties(t *testing.T) {
	for p := range Profile(NumProfiles) {
		for _, w := range [][2]int{{2020, 2020}, {2020, 2021}, {2020, 2030}, {2019, 2043}} {
			prev, sum := 0.0, 0.0
			for y := w[0] - 3; y <= w[1]+3; y++ {
				f := p.Fraction(y, w[0], w[1])
				if f < prev || f < 0 || f > 1 {
					t.Errorf("%v window %v: Fraction(%d) = %v after %v: not monotone in [0,1]", p, w, y, f, prev)
				}
				sum += p.Increment(y, w[0], w[1])
				prev = f
			}
			if p.Fraction(w[0]-1, w[0], w[1]) != 0 || p.Fraction(w[1], w[0], w[1]) != 1 {
				t.Errorf("%v window %v: not 0 before start and 1 at end", p, w)
			}
			if math.Abs(sum-1) > 1e-15 {
				t.Errorf("%v window %v: increments sum to %v, want 1", p, w, sum)
			}
		}
	}
}

func TestProfileFractionPanics(t *testing.T) {
	for _, c := range []struct {
		p          Profile
		start, end int
	}{{Linear, 2030, 2029}, {Profile(NumProfiles), 2020, 2030}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Fraction(%v, %d, %d) did not panic", c.p, c.start, c.end)
				}
			}()
			c.p.Fraction(2025, c.start, c.end)
		}()
		if CheckWindow(c.p, c.start, c.end) == nil {
			t.Errorf("CheckWindow(%v, %d, %d) = nil, want an error", c.p, c.start, c.end)
		}
	}
}

func TestParseProfile(t *testing.T) {
	for p := range Profile(NumProfiles) {
		got, err := ParseProfile(p.String())
		if err != nil || got != p {
			t.Errorf("ParseProfile(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := ParseProfile("exponential"); err == nil {
		t.Error("ParseProfile(exponential): no error")
	}
}

func TestLever(t *testing.T) {
	l := Lever{Value: -2, Start: 2025, End: 2026, Profile: Linear}
	if got := l.At(2025); got != -1 {
		t.Errorf("At(2025) = %v, want -1", got)
	}
	if err := (Lever{Value: math.NaN()}).Check(); err == nil {
		t.Error("NaN lever passed Check")
	}
	if err := (Lever{Value: 1, Start: 2030, End: 2020}).Check(); err == nil {
		t.Error("backwards lever passed Check")
	}
	if got := (Lever{}).At(2030); got != 0 {
		t.Errorf("zero Lever At = %v", got)
	}
}

func ExampleProfile_Fraction() {
	for y := 2024; y <= 2029; y++ {
		fmt.Printf("%d linear %.2f front %.4f back %.4f\n", y,
			Linear.Fraction(y, 2025, 2028), FrontLoaded.Fraction(y, 2025, 2028), BackLoaded.Fraction(y, 2025, 2028))
	}
	// Output:
	// 2024 linear 0.00 front 0.0000 back 0.0000
	// 2025 linear 0.25 front 0.4375 back 0.0625
	// 2026 linear 0.50 front 0.7500 back 0.2500
	// 2027 linear 0.75 front 0.9375 back 0.5625
	// 2028 linear 1.00 front 1.0000 back 1.0000
	// 2029 linear 1.00 front 1.0000 back 1.0000
}
