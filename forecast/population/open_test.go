package population

import (
	"math"
	"testing"

	"github.com/carecast/carecast/forecast"
)

// oneGroupModel returns a copy of m whose death probabilities at 90..MaxAge all equal q90(y, s):
// with the whole 90+ group put at age 90, the single years 90..MaxAge then sum to exactly what
// a model with one open group 90+ would give.
func oneGroupModel(t *testing.T, m *Model, q90 func(r *Rates, s int) float64) *Model {
	first, last := m.Years()
	rs := make([]Rates, 0, last-first+1)
	for y := first; y <= last; y++ {
		r := *m.Rates(y)
		for s := range r.Q {
			v := q90(&r, s)
			for x := forecast.OpenAge; x <= MaxAge; x++ {
				r.Q[s][x] = v
			}
		}
		rs = append(rs, r)
	}
	g, err := NewModel(first, rs)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestOpenGroupGain shows what splitting 90+ into single years gains. England's 2018 base is
// collapsed to 90+ (as local estimates are), projected to 2043 on ONS's assumptions four ways,
// and each year's 90+ by sex is scored against ONS's published 90+:
//
//   - split by the NPP single-year structure of 2018 (the nearest year: exact here) and of 2028
//     (a structure ten years off, as a stress test), projected by single year, collapsed;
//   - one open group 90+ with the death probability of a stationary population aged 90+ under
//     each year's q(90..125) (OpenQ), or with each year's q(90..105+) weighted by the base
//     year's 90+ age structure (what a one-group model fitted to the base year would use).
func TestOpenGroupGain(t *testing.T) {
	d := loadNPP(t)
	const base, end = 2018, 2043
	m := d.model(t, base, end-1)
	var base90 Pop90
	CollapseTo(&base90, &d.pop[0])

	// One group: all 90+ at age 90.
	var lumped Pop
	for s := range base90 {
		copy(lumped[s][:], base90[s][:])
	}
	w := d.pop[0] // base-year structure for the weighted one-group q
	methods := []struct {
		name  string
		model *Model
		start Pop
		limit float64 // asserted bound on max |error| of 90+, percent
	}{
		{"split by 2018 NPP structure", m, split(t, &base90, &d.pop[0]), 0.05},
		{"split by 2028 NPP structure", m, split(t, &base90, &d.pop[2028-d.first]), 1},
		{"one group, stationary q", oneGroupModel(t, m, func(r *Rates, s int) float64 {
			return OpenQ(r.Q[s][forecast.OpenAge:])
		}), lumped, math.Inf(1)},
		{"one group, base-weighted q", oneGroupModel(t, m, func(r *Rates, s int) float64 {
			var dq, p float64
			for x := forecast.OpenAge; x <= MaxAge; x++ {
				dq += r.Q[s][x] * w[s][x]
				p += w[s][x]
			}
			return dq / p
		}), lumped, math.Inf(1)},
	}
	worst := make([]float64, len(methods))
	for i, me := range methods {
		out := make([]Pop, end-base+1)
		if err := me.model.ProjectTo(out, base, &me.start, nil, nil); err != nil {
			t.Fatal(err)
		}
		var e2043 [forecast.NumSexes]float64
		for k := 1; k < len(out); k++ {
			var got, want Pop90
			CollapseTo(&got, &out[k])
			CollapseTo(&want, &d.pop[base+k-d.first])
			for s := range got {
				e := pctErr(got[s][forecast.OpenAge], want[s][forecast.OpenAge])
				worst[i] = max(worst[i], math.Abs(e))
				if base+k == end {
					e2043[s] = e
				}
			}
		}
		t.Logf("%-28s 90+ max |error| 2019-2043 %6.3f%%; 2043 female %+6.3f%% male %+6.3f%%",
			me.name, worst[i], e2043[forecast.Female], e2043[forecast.Male])
		if worst[i] > me.limit {
			t.Errorf("%s: 90+ error %.3f%% above %.3f%%", me.name, worst[i], me.limit)
		}
	}
	if worst[0] >= worst[2] || worst[0] >= worst[3] {
		t.Errorf("splitting 90+ (%.3f%%) is no better than one group (%.3f%%, %.3f%%)", worst[0], worst[2], worst[3])
	}
}

func split(t *testing.T, p *Pop90, ref *Pop) Pop {
	var out Pop
	if err := SplitOpenTo(&out, p, ref); err != nil {
		t.Fatal(err)
	}
	return out
}
