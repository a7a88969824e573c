package population

import (
	"fmt"
	"math"
	"testing"

	"github.com/carecast/carecast/forecast"
)

// ageGroup is an inclusive range of single years in a Pop90 (90 = 90+).
type ageGroup struct {
	name   string
	lo, hi int
}

var checkGroups = []ageGroup{
	{"total", 0, 90}, {"0-17", 0, 17}, {"18-64", 18, 64}, {"65-84", 65, 84}, {"85+", 85, 90}, {"90+", 90, 90},
}

func (g ageGroup) sum(p *Pop90, s int) float64 {
	var t float64
	for x := g.lo; x <= g.hi; x++ {
		t += p[s][x]
	}
	return t
}

func pctErr(got, want float64) float64 { return 100 * (got - want) / want }

// TestReproduceNPP2018 is the headline test: run on ONS's own 2018-based assumptions from the
// 2018 base, the model reproduces ONS's published principal projection for England, 2019-2043.
// The expected numbers are ONS's published population (npp2018_england_principal_population.csv);
// the tolerances are the contract in the brief: 0.05% for totals and broad groups, 0.5% for
// each single year of age 0..90 (90 = 90+), by sex.
func TestReproduceNPP2018(t *testing.T) {
	d := loadNPP(t)
	const base, end = 2018, 2043
	m := d.model(t, base, end-1)
	out := make([]Pop, end-base+1)
	if err := m.ProjectTo(out, base, &d.pop[0], nil, nil); err != nil {
		t.Fatal(err)
	}
	worstGroup := map[string]float64{}
	worstSingle := 0.0
	worstAt := ""
	for i := 1; i < len(out); i++ {
		y := base + i
		var got, want Pop90
		CollapseTo(&got, &out[i])
		CollapseTo(&want, &d.pop[y-d.first])
		for s := range forecast.NumSexes {
			for _, g := range checkGroups {
				e := pctErr(g.sum(&got, s), g.sum(&want, s))
				worstGroup[g.name] = max(worstGroup[g.name], math.Abs(e))
				if math.Abs(e) > 0.05 {
					t.Errorf("%d %v %s: got %.0f, ONS %.0f (%+.4f%%)", y, forecast.Sex(s), g.name, g.sum(&got, s), g.sum(&want, s), e)
				}
			}
			for x := range forecast.NumAges {
				e := pctErr(got[s][x], want[s][x])
				if math.Abs(e) > worstSingle {
					worstSingle, worstAt = math.Abs(e), fmt.Sprintf("%d %v age %d", y, forecast.Sex(s), x)
				}
				if math.Abs(e) > 0.5 {
					t.Errorf("%d %v age %d: got %.0f, ONS %.0f (%+.3f%%)", y, forecast.Sex(s), x, got[s][x], want[s][x], e)
				}
			}
		}
	}
	for _, g := range checkGroups {
		t.Logf("max |error| %-5s %.4f%%", g.name, worstGroup[g.name])
	}
	t.Logf("max |error| single year %.4f%% (%s)", worstSingle, worstAt)
}

// TestNPP2018Components checks the model's timing conventions against ONS's own projected
// births and deaths (npp2018_england_principal_births.csv, _deaths.csv) for each year
// 2018-19 … 2042-43, rebuilding them from ONS's published populations so that projection error
// does not enter: births = Σ fertility × mean of women at t and t+1; deaths at age x =
// q(x)·(P(x) + c/2) with c = (M(x) + M(x+1))/2; deaths at birth = QBirth × births × sex share.
// ONS rounds to whole people, so the tolerance is 0.1% or 2 people.
func TestNPP2018Components(t *testing.T) {
	d := loadNPP(t)
	for y := 2018; y < 2043; y++ {
		i := y - d.first
		r, p0, p1 := &d.rates[i], &d.pop[i], &d.pop[i+1]
		var births float64
		for x, f := range r.Fertility {
			births += f * (p0[forecast.Female][x] + p1[forecast.Female][x]) / 2
		}
		check := func(what string, got, want float64) {
			if math.Abs(got-want) > max(2, 0.001*want) {
				t.Errorf("%d %s: model %.1f, ONS %.0f", y, what, got, want)
			}
		}
		check("births", births, d.births[i])
		for s := range forecast.NumSexes {
			share := r.MaleBirths
			if forecast.Sex(s) == forecast.Female {
				share = 1 - share
			}
			check(fmt.Sprintf("%v deaths at birth", forecast.Sex(s)), r.QBirth[s]*births*share, d.deathsBirth[i][s])
			M := &r.Migration[s]
			for x := 0; x < MaxAge-1; x++ {
				c := (M[x] + M[x+1]) / 2
				check(fmt.Sprintf("%v deaths age %d", forecast.Sex(s), x), r.Q[s][x]*(p0[s][x]+c/2), d.deaths[i][s][x])
			}
		}
	}
}
