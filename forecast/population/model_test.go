package population

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/carecast/carecast/forecast"
)

const (
	F = forecast.Female
	M = forecast.Male
)

// tinyCase is a population with people at a few ages and rates that are zero elsewhere.
func tinyCase(t *testing.T) (*Model, Pop) {
	var r Rates
	r.Q[F][30] = 0.1
	r.Q[M][60] = 0.02
	r.Q[F][MaxAge-1] = 0.4
	r.Q[F][MaxAge] = 0.5
	r.QBirth = [2]float64{0.01, 0.02}
	r.Fertility[30] = 0.5
	r.MaleBirths = 0.5
	r.Migration[F][30] = 10
	r.Migration[F][31] = 20
	m, err := NewModel(2020, []Rates{r, r})
	if err != nil {
		t.Fatal(err)
	}
	var p Pop
	p[F][30] = 1000
	p[M][60] = 500
	p[F][MaxAge-1] = 10
	p[F][MaxAge] = 5
	return m, p
}

// TestTinyByHand checks one year of a tiny case against numbers worked by hand from the
// accounting in the package documentation:
//
//	female 30: nobody aged 29; migrants (M29+M30)/2 = 5, no mortality      →   5
//	female 31: 1000·(1−0.1) + (M30+M31)/2·(1−0.1/2) = 900 + 15·0.95       → 914.25
//	female 32: migrants (M31+M32)/2 = 10                                   →  10
//	female 105+: 10·(1−0.4) + 5·(1−0.5)                                    →   8.5
//	births: 0.5 × women aged 30, mean of 1000 (2020) and 5 (2021) = 251.25, half boys
//	female 0: 125.625·(1−0.01) = 124.36875;  male 0: 125.625·(1−0.02) = 123.1125
//	male 61: 500·(1−0.02)                                                  → 490
func TestTinyByHand(t *testing.T) {
	m, p := tinyCase(t)
	out := make([]Pop, 2)
	if err := m.ProjectTo(out, 2020, &p, nil, nil); err != nil {
		t.Fatal(err)
	}
	var want Pop
	want[F][30] = 5
	want[F][31] = 914.25
	want[F][32] = 10
	want[F][MaxAge] = 8.5
	want[F][0] = 124.36875
	want[M][0] = 123.1125
	want[M][61] = 490
	for s := range want {
		for x := range want[s] {
			if math.Abs(out[1][s][x]-want[s][x]) > 1e-9 {
				t.Errorf("%v age %d: got %v, want %v", forecast.Sex(s), x, out[1][s][x], want[s][x])
			}
		}
	}
	if out[0] != p {
		t.Error("dst[0] is not the base")
	}
}

// nppRates returns the NPP 2018 rates with migration removed when closed is set.
func nppModel(t *testing.T, closed bool) (*Model, *npp) {
	d := loadNPP(t)
	m := d.model(t, 2018, 2060)
	if !closed {
		return m, d
	}
	rs := make([]Rates, len(m.rates))
	copy(rs, m.rates)
	for i := range rs {
		rs[i].Migration = [2][NumAges]float64{}
	}
	c, err := NewModel(2018, rs)
	if err != nil {
		t.Fatal(err)
	}
	return c, d
}

func project(t testing.TB, m *Model, base *Pop, loc *Local, lev *Levers, years int) []Pop {
	t.Helper()
	out := make([]Pop, years+1)
	if err := m.ProjectTo(out, 2018, base, loc, lev); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestZeroLeversIdentical(t *testing.T) {
	m, d := nppModel(t, false)
	a := project(t, m, &d.pop[0], nil, nil, 25)
	b := project(t, m, &d.pop[0], &National, &Levers{
		MortalityChange: forecast.Lever{Start: 2020, End: 2030},
		MigrationChange: forecast.Lever{Start: 2020, End: 2030, Profile: forecast.Step},
		Dwellings:       []Dwellings{{Homes: 0, PersonsPerHome: 2.4, Start: 2020, End: 2025, Shares: shares(30, 31)}},
	}, 25)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("year %d differs with zero levers", 2018+i)
		}
	}
}

func TestMigrationScaleZero(t *testing.T) {
	m, d := nppModel(t, false)
	closed, _ := nppModel(t, true)
	lev := &Levers{MigrationChange: forecast.Lever{Value: -100, Start: 2019, End: 2019, Profile: forecast.Step}}
	a := project(t, m, &d.pop[0], nil, lev, 25)
	b := project(t, closed, &d.pop[0], nil, nil, 25)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("year %d: migration change -100%% differs from a closed population", 2018+i)
		}
	}
	// Half the migration, linear 2019..2020: 2019 has factor 0.75, then 0.5.
	half := &Levers{MigrationChange: forecast.Lever{Value: -50, Start: 2019, End: 2020}}
	c := project(t, m, &d.pop[0], nil, half, 1)
	var loc Local = National
	var mig [2][NumAges]float64
	for s := range mig {
		for x := range mig[s] {
			mig[s][x] = 0.75 * m.Rates(2018).Migration[s][x]
		}
	}
	loc.Migration = &mig
	e := project(t, m, &d.pop[0], &loc, nil, 1)
	if !closeAll(&c[1], &e[1], 1e-12) {
		t.Error("migration change -50% linear over 2019-2020 is not 0.75 × migration in 2019")
	}
}

// shares puts a dwelling's residents half at female age xf and half at male age xm.
func shares(xf, xm int) Pop90 {
	var s Pop90
	s[F][xf] = 0.5
	s[M][xm] = 0.5
	return s
}

func TestDwellings(t *testing.T) {
	// With no mortality, the people the dwellings bring are all there in the year they come:
	// 1,000 homes × 2.5 persons over 2021-2025, linear: 500 people a year.
	var r Rates
	r.MaleBirths = 0.5
	m, err := NewModel(2020, []Rates{r, r, r, r, r, r, r})
	if err != nil {
		t.Fatal(err)
	}
	var base Pop
	base[F][40] = 100
	lev := &Levers{Dwellings: []Dwellings{{Homes: 1000, PersonsPerHome: 2.5, Start: 2021, End: 2025, Shares: shares(30, 31)}}}
	out := make([]Pop, 8)
	if err := m.ProjectTo(out, 2020, &base, nil, lev); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(out); i++ {
		want := 100 + 500*float64(min(i, 5))
		if got := out[i].Total(); math.Abs(got-want) > 1e-9 {
			t.Errorf("%d: total %v, want %v", 2020+i, got, want)
		}
	}

	// With ONS mortality, the first year's arrivals lose half a year of mortality and no more:
	// step of 400 homes × 2 persons in 2019, all women moving at 80, half of whom are
	// the cohort aged 79 at mid-2018 and half the cohort aged 80.
	mod, d := nppModel(t, false)
	var s Pop90
	s[F][80] = 1
	lev = &Levers{Dwellings: []Dwellings{{Homes: 400, PersonsPerHome: 2, Start: 2019, End: 2019, Profile: forecast.Step, Shares: s}}}
	a := project(t, mod, &d.pop[0], nil, nil, 1)
	b := project(t, mod, &d.pop[0], nil, lev, 1)
	q := mod.Rates(2018).Q[F]
	want := 400 * (1 - q[79]/2) // 400 of them join the cohort aged 79
	if got := b[1][F][80] - a[1][F][80]; math.Abs(got-want) > 1e-6 {
		t.Errorf("women 80 gained %v, want %v", got, want)
	}
	want = 400 * (1 - q[80]/2)
	if got := b[1][F][81] - a[1][F][81]; math.Abs(got-want) > 1e-6 {
		t.Errorf("women 81 gained %v, want %v", got, want)
	}
}

func TestMortalityChange(t *testing.T) {
	// −1% a year from 2019, step: death probabilities in the period ending in 2018+k are
	// 0.99^k times ONS's. Compare with a model whose rates are scaled by hand.
	m, d := nppModel(t, false)
	rs := make([]Rates, 25)
	for k := range rs {
		rs[k] = *m.Rates(2018 + k)
		f := math.Pow(0.99, float64(k+1))
		for s := range rs[k].Q {
			for x := range rs[k].Q[s] {
				rs[k].Q[s][x] *= f
			}
			rs[k].QBirth[s] *= f
		}
	}
	scaled, err := NewModel(2018, rs)
	if err != nil {
		t.Fatal(err)
	}
	lev := &Levers{MortalityChange: forecast.Lever{Value: -1, Start: 2019, End: 2019, Profile: forecast.Step}}
	a := project(t, m, &d.pop[0], nil, lev, 25)
	b := project(t, scaled, &d.pop[0], nil, nil, 25)
	base := project(t, m, &d.pop[0], nil, nil, 25)
	for i := range a {
		if !closeAll(&a[i], &b[i], 1e-10) {
			t.Errorf("%d: mortality lever differs from rates scaled by 0.99^k", 2018+i)
		}
	}
	if a[25].Total() <= base[25].Total() {
		t.Error("falling death rates did not raise the population")
	}
	t.Logf("-1%%/yr extra mortality improvement adds %.0f people aged 85+ by 2043", sum85(&a[25])-sum85(&base[25]))
}

func sum85(p *Pop) float64 {
	var t float64
	for s := range p {
		for x := 85; x <= MaxAge; x++ {
			t += p[s][x]
		}
	}
	return t
}

func closeAll(a, b *Pop, rel float64) bool {
	for s := range a {
		for x := range a[s] {
			if math.Abs(a[s][x]-b[s][x]) > rel*max(1, math.Abs(b[s][x])) {
				return false
			}
		}
	}
	return true
}

func randomPop(r *rand.Rand, scale float64) Pop {
	var p Pop
	for s := range p {
		for x := range p[s] {
			p[s][x] = scale * r.Float64() * math.Exp(-float64(x)/40)
		}
	}
	return p
}

// Properties of the accounting, on ONS's rates and seeded random populations.
func TestProperties(t *testing.T) {
	m, _ := nppModel(t, false)
	closed, _ := nppModel(t, true)
	rng := rand.New(rand.NewPCG(1, 2))

	t.Run("linear without migration", func(t *testing.T) {
		a, b := randomPop(rng, 1000), randomPop(rng, 500)
		var ab, a3 Pop
		for s := range a {
			for x := range a[s] {
				ab[s][x] = a[s][x] + b[s][x]
				a3[s][x] = 3 * a[s][x]
			}
		}
		pa, pb := project(t, closed, &a, nil, nil, 25), project(t, closed, &b, nil, nil, 25)
		pab, pa3 := project(t, closed, &ab, nil, nil, 25), project(t, closed, &a3, nil, nil, 25)
		for i := range pa {
			var sum, triple Pop
			for s := range sum {
				for x := range sum[s] {
					sum[s][x] = pa[i][s][x] + pb[i][s][x]
					triple[s][x] = 3 * pa[i][s][x]
				}
			}
			if !closeAll(&pab[i], &sum, 1e-12) || !closeAll(&pa3[i], &triple, 1e-12) {
				t.Fatalf("%d: projection is not linear in the base", 2018+i)
			}
		}
	})

	t.Run("areas add up", func(t *testing.T) {
		// Two areas with their own migration project to the sum of the projection of their
		// sum with the summed migration (no cohort runs out of people).
		a, b := randomPop(rng, 5000), randomPop(rng, 3000)
		var ma, mb, mab [2][NumAges]float64
		var ab Pop
		for s := range a {
			for x := range a[s] {
				if x < 80 {
					ma[s][x] = 20 * (rng.Float64() - 0.3)
					mb[s][x] = 10 * (rng.Float64() - 0.3)
				}
				mab[s][x] = ma[s][x] + mb[s][x]
				ab[s][x] = a[s][x] + b[s][x]
			}
		}
		la, lb, lab := National, National, National
		la.Migration, lb.Migration, lab.Migration = &ma, &mb, &mab
		pa, pb, pab := project(t, m, &a, &la, nil, 25), project(t, m, &b, &lb, nil, 25), project(t, m, &ab, &lab, nil, 25)
		for i := range pa {
			var sum Pop
			for s := range sum {
				for x := range sum[s] {
					sum[s][x] = pa[i][s][x] + pb[i][s][x]
				}
			}
			if !closeAll(&pab[i], &sum, 1e-9) {
				t.Fatalf("%d: areas do not add up", 2018+i)
			}
		}
	})

	t.Run("closed and immortal ages by one year", func(t *testing.T) {
		var r Rates
		r.MaleBirths = 0.5
		z, err := NewModel(2018, []Rates{r, r, r})
		if err != nil {
			t.Fatal(err)
		}
		p := randomPop(rng, 100)
		out := project(t, z, &p, nil, nil, 3)
		for s := range p {
			for x := 3; x < MaxAge; x++ {
				if out[3][s][x] != p[s][x-3] {
					t.Fatalf("%v age %d: %v, want %v", forecast.Sex(s), x, out[3][s][x], p[s][x-3])
				}
			}
		}
		if math.Abs(out[3].Total()-p.Total()) > 1e-9 {
			t.Error("closed immortal population changed size")
		}
	})

	t.Run("deaths reduce, never below zero", func(t *testing.T) {
		p := randomPop(rng, 1000)
		out := project(t, closed, &p, &Local{Mortality: [2]float64{3, 3}, Fertility: 0}, nil, 25)
		for i := 1; i < len(out); i++ {
			if out[i].Total() > out[i-1].Total() {
				t.Fatalf("%d: childless closed population grew", 2018+i)
			}
			if err := out[i].Check(); err != nil {
				t.Fatal(err)
			}
		}
		// Net emigration larger than a cohort empties it rather than making it negative.
		var mig [2][NumAges]float64
		for s := range mig {
			for x := range mig[s] {
				mig[s][x] = -1e6
			}
		}
		loc := National
		loc.Migration = &mig
		out = project(t, m, &p, &loc, nil, 3)
		if out[3].Total() != 0 {
			t.Errorf("massive emigration left %v people", out[3].Total())
		}
	})

	t.Run("higher mortality, fewer people", func(t *testing.T) {
		p := randomPop(rng, 1000)
		lo := project(t, m, &p, &Local{Mortality: [2]float64{0.9, 0.9}, Fertility: 1}, nil, 25)
		hi := project(t, m, &p, &Local{Mortality: [2]float64{1.1, 1.1}, Fertility: 1}, nil, 25)
		for s := range lo[25] {
			for x := 1; x < NumAges; x++ {
				if hi[25][s][x] > lo[25][s][x] {
					t.Fatalf("%v age %d: more people with higher mortality", forecast.Sex(s), x)
				}
			}
		}
	})
}

func TestInputsUnchangedAndDeterministic(t *testing.T) {
	m, d := nppModel(t, false)
	base := d.pop[0]
	var mig [2][NumAges]float64
	mig[F][25] = 100
	loc := Local{Mortality: [2]float64{1.1, 0.9}, Fertility: 1.2, Migration: &mig}
	lev := Levers{
		MortalityChange: forecast.Lever{Value: -1, Start: 2020, End: 2030, Profile: forecast.FrontLoaded},
		Dwellings:       []Dwellings{{Homes: 100, PersonsPerHome: 2, Start: 2020, End: 2022, Shares: shares(30, 32)}},
	}
	rates0 := *m.Rates(2020)
	locCopy, migCopy, dw := loc, mig, lev.Dwellings[0]
	first := project(t, m, &base, &loc, &lev, 25)
	if base != d.pop[0] || loc != locCopy || mig != migCopy || lev.Dwellings[0] != dw || *m.Rates(2020) != rates0 {
		t.Fatal("ProjectTo modified an input")
	}
	// Many goroutines, same numbers bit for bit (run with -race).
	var wg sync.WaitGroup
	results := make([][]Pop, 4)
	for g := range results {
		wg.Go(func() {
			out := make([]Pop, 26)
			if err := m.ProjectTo(out, 2018, &base, &loc, &lev); err != nil {
				t.Error(err)
			}
			results[g] = out
		})
	}
	wg.Wait()
	for g := range results {
		for i := range first {
			if results[g][i] != first[i] {
				t.Fatalf("goroutine %d year %d differs", g, 2018+i)
			}
		}
	}
}

func TestProjectToAllocs(t *testing.T) {
	m, d := nppModel(t, false)
	out := make([]Pop, 26)
	var mig [2][NumAges]float64
	loc := Local{Mortality: [2]float64{1.1, 0.9}, Fertility: 1.2, Migration: &mig}
	lev := Levers{
		MortalityChange: forecast.Lever{Value: -1, Start: 2020, End: 2030},
		MigrationChange: forecast.Lever{Value: 10, Start: 2020, End: 2030},
		Dwellings:       []Dwellings{{Homes: 100, PersonsPerHome: 2, Start: 2020, End: 2022, Shares: shares(30, 32)}},
	}
	allocs := testing.AllocsPerRun(20, func() {
		if err := m.ProjectTo(out, 2018, &d.pop[0], &loc, &lev); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ProjectTo allocates %v times per run, want 0", allocs)
	}
}

func TestProjectToErrors(t *testing.T) {
	m, p := tinyCase(t)
	out := make([]Pop, 4)
	if err := m.ProjectTo(out, 2020, &p, nil, nil); err == nil {
		t.Error("no error for a horizon beyond the model's rates")
	}
	bad := p
	bad[F][3] = -1
	if err := m.ProjectTo(out[:2], 2020, &bad, nil, nil); err == nil {
		t.Error("no error for a negative base count")
	}
	if err := m.ProjectTo(out[:2], 2020, &p, &Local{}, nil); err == nil {
		t.Error("no error for a zero Local")
	}
	lev := &Levers{Dwellings: []Dwellings{{Homes: 1, PersonsPerHome: 1, Start: 2021, End: 2021, Shares: Pop90{}}}}
	if err := m.ProjectTo(out[:2], 2020, &p, nil, lev); err == nil {
		t.Error("no error for dwelling shares that do not sum to 1")
	}
	lev = &Levers{MortalityChange: forecast.Lever{Value: -100}}
	if err := m.ProjectTo(out[:2], 2020, &p, nil, lev); err == nil {
		t.Error("no error for a -100% mortality change")
	}
	var r Rates
	r.Q[F][3] = 1.5
	r.MaleBirths = 0.5
	if _, err := NewModel(2020, []Rates{r}); err == nil {
		t.Error("no error for a probability above 1")
	}
}

func TestSplitCollapse(t *testing.T) {
	d := loadNPP(t)
	var p90 Pop90
	CollapseTo(&p90, &d.pop[10])
	var split Pop
	if err := SplitOpenTo(&split, &p90, &d.pop[0]); err != nil {
		t.Fatal(err)
	}
	var back Pop90
	CollapseTo(&back, &split)
	for s := range back {
		for x := range back[s] {
			if math.Abs(back[s][x]-p90[s][x]) > 1e-9*p90[s][x] {
				t.Errorf("%v age %d: %v after split and collapse, want %v", forecast.Sex(s), x, back[s][x], p90[s][x])
			}
		}
	}
	var empty Pop
	if err := SplitOpenTo(&split, &p90, &empty); err == nil {
		t.Error("no error splitting by an empty reference")
	}
}

func ExampleModel_ProjectTo() {
	// A toy world: 1,000 women aged 30 who have 0.5 children a year each at 30 and 31, nobody
	// dies before 105, and 10 homes of 2 people aged 35 are built in the year to mid-2027.
	// In 2026-27 the women are 31 at the start and 32 at the end: the mean of women aged 31
	// is 500, so 250 babies. Real use passes ONS's rates (see TestReproduceNPP2018).
	var r Rates
	r.Fertility[30], r.Fertility[31] = 0.5, 0.5
	r.MaleBirths = 1.05 / 2.05
	r.Q[forecast.Female][MaxAge], r.Q[forecast.Male][MaxAge] = 0.5, 0.5
	m, err := NewModel(2025, []Rates{r, r})
	if err != nil {
		fmt.Println(err)
		return
	}
	var base Pop
	base[forecast.Female][30] = 1000
	out := make([]Pop, 3) // 2025, 2026, 2027
	lev := &Levers{Dwellings: []Dwellings{{
		Homes: 10, PersonsPerHome: 2, Start: 2027, End: 2027, Profile: forecast.Step,
		Shares: Pop90{forecast.Female: {35: 0.5}, forecast.Male: {35: 0.5}},
	}}}
	if err := m.ProjectTo(out, 2025, &base, nil, lev); err != nil {
		fmt.Println(err)
		return
	}
	for i, p := range out {
		fmt.Printf("%d: %.1f people, %.1f aged 0\n", 2025+i, p.Total(), p[0][0]+p[1][0])
	}
	// Output:
	// 2025: 1000.0 people, 0.0 aged 0
	// 2026: 1500.0 people, 500.0 aged 0
	// 2027: 1770.0 people, 250.0 aged 0
}
