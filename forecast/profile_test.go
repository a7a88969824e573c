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

// The expected factors are worked by hand. −1% a year from 2025, linear, rate reached in full
// by 2045: the window has n = 21 years, so the rate in year 2024+j is −j/21 % (j = 1..21) and
//
//	Cumulative(2021, 2035) = Π_{j=1}^{11} (1 − j/2100)
//	  = (1 − 1/2100)(1 − 2/2100)(1 − 3/2100) … (1 − 11/2100) ≈ 0.969004 (−3.10%),
//
// the years 2022..2024 contributing (1 + 0) each. Reached in full by 2026 (n = 2): −0.5% in
// 2025, then −1% in each of 2026..2035, so Cumulative(2021, 2035) = 0.995 × 0.99^10 ≈ 0.899860.
func TestLeverCumulative(t *testing.T) {
	slow := Lever{Value: -1, Start: 2025, End: 2045, Profile: Linear}
	want := 1.0
	for j := 1; j <= 11; j++ {
		want *= 1 - float64(j)/2100
	}
	if got := slow.Cumulative(2021, 2035); math.Abs(got-want) > 1e-15 || math.Abs(got-0.9690044271) > 1e-10 {
		t.Errorf("−1%%/yr linear 2025..2045: Cumulative(2021, 2035) = %.12f, want %.12f", got, want)
	}
	fast := Lever{Value: -1, Start: 2025, End: 2026, Profile: Linear}
	if got, want := fast.Cumulative(2021, 2035), 0.995*math.Pow(0.99, 10); math.Abs(got-want) > 1e-15 {
		t.Errorf("−1%%/yr linear 2025..2026: Cumulative(2021, 2035) = %.12f, want %.12f", got, want)
	}
	for _, y := range []int{2000, 2021, 2024} {
		if got := slow.Cumulative(2021, y); got != 1 {
			t.Errorf("Cumulative(2021, %d) = %v before the lever starts, want 1", y, got)
		}
	}
	// A step lever compounds its full rate from the start year: (1.02)^(y − start + 1).
	step := Lever{Value: 2, Start: 2023, End: 2030, Profile: Step}
	if got, want := step.Cumulative(2021, 2030), math.Pow(1.02, 8); math.Abs(got-want) > 1e-12 {
		t.Errorf("step 2%%/yr from 2023: Cumulative(2021, 2030) = %v, want %v", got, want)
	}
	// Years at or before the base year do not count.
	if got, want := step.Cumulative(2025, 2030), math.Pow(1.02, 5); math.Abs(got-want) > 1e-12 {
		t.Errorf("step 2%%/yr from 2023, base 2025: Cumulative(2025, 2030) = %v, want %v", got, want)
	}
	if got := (Lever{}).Cumulative(2021, 2045); got != 1 {
		t.Errorf("zero Lever Cumulative = %v, want 1", got)
	}
}

func ExampleLever_Cumulative() {
	for _, end := range []int{2045, 2026} {
		l := Lever{Value: -1, Start: 2025, End: end, Profile: Linear}
		fmt.Printf("−1%% a year from 2025, reached in full by %d: %+.1f%% by 2035, %+.1f%% by 2045\n",
			end, 100*(l.Cumulative(2021, 2035)-1), 100*(l.Cumulative(2021, 2045)-1))
	}
	// Output:
	// −1% a year from 2025, reached in full by 2045: -3.1% by 2035, -10.5% by 2045
	// −1% a year from 2025, reached in full by 2026: -10.0% by 2035, -18.6% by 2045
}
