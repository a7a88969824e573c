package service

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/store"
)

// The features statistical neighbours are chosen on, in the order Features.Values holds them.
const (
	FeatureShare65 = "share_65_plus"        // share of the population aged 65 and over, 0..1
	FeatureShare75 = "share_75_plus"        // share aged 75 and over, 0..1
	FeatureShare85 = "share_85_plus"        // share aged 85 and over, 0..1
	FeatureIMD     = "imd_average_score"    // Index of Multiple Deprivation 2019, average score
	FeatureIDAOPI  = "idaopi_average_score" // Income Deprivation Affecting Older People 2019, average score
)

// NeighbourFeatures lists the features in Features.Values order.
var NeighbourFeatures = []string{FeatureShare65, FeatureShare75, FeatureShare85, FeatureIMD, FeatureIDAOPI}

// DefaultNeighbours is how many neighbours a council has unless asked for another number (CIPFA's
// nearest-neighbour model gives 15; carecast's pages show 10).
const DefaultNeighbours = 10

// Features are one council's values of NeighbourFeatures; a value the data does not have is NaN
// (IDAOPI is published for the councils of April 2019 only).
type Features struct {
	Code, Name string
	Values     []float64 // in NeighbourFeatures order
}

// Has reports whether f has feature i (an index into NeighbourFeatures).
func (f *Features) Has(i int) bool { return !math.IsNaN(f.Values[i]) }

// Neighbour is one statistical neighbour of a council: its features and its distance (see
// NearestNeighbours) from the council.
type Neighbour struct {
	Features
	Distance float64
	// Compared lists the features the distance was measured on (those both councils have).
	Compared []string
}

// NeighbourSet is a council's statistical neighbours, nearest first.
type NeighbourSet struct {
	Council    Features
	BaseYear   int
	Neighbours []Neighbour
	// Method says, in words, how the neighbours are chosen and what the data lacks.
	Method string
	// Missing lists the council's own features the data does not have, with why.
	Missing []string
}

// NearestNeighbours returns, for each council of all, its k nearest others: the Euclidean
// distance between the councils' standardised features (z-scores: each feature less its mean
// over all, divided by its standard deviation over all, both over the councils that have it).
// A pair is compared on the features both have; the sum of squares is scaled by (number of
// features ÷ number compared) so that distances over fewer features stay comparable. Ties are
// broken by code, so the answer is deterministic. A council is never its own neighbour. all is
// not modified. It panics if a council's Values do not have len(NeighbourFeatures) entries.
func NearestNeighbours(all []Features, k int) map[string][]Neighbour {
	nf := len(NeighbourFeatures)
	z := make([][]float64, len(all))
	for i := range all {
		if len(all[i].Values) != nf {
			panic(fmt.Sprintf("service.NearestNeighbours: %s has %d features, want %d", all[i].Code, len(all[i].Values), nf))
		}
		z[i] = make([]float64, nf)
	}
	for f := range nf {
		var sum, n float64
		for i := range all {
			if all[i].Has(f) {
				sum += all[i].Values[f]
				n++
			}
		}
		mean := sum / n
		var ss float64
		for i := range all {
			if all[i].Has(f) {
				ss += (all[i].Values[f] - mean) * (all[i].Values[f] - mean)
			}
		}
		sd := math.Sqrt(ss / n)
		for i := range all {
			switch {
			case !all[i].Has(f):
				z[i][f] = math.NaN()
			case sd > 0:
				z[i][f] = (all[i].Values[f] - mean) / sd
			}
		}
	}
	out := make(map[string][]Neighbour, len(all))
	for i := range all {
		var ns []Neighbour
		for j := range all {
			if i == j || all[i].Code == all[j].Code {
				continue
			}
			var ss float64
			var compared []string
			for f := range nf {
				if math.IsNaN(z[i][f]) || math.IsNaN(z[j][f]) {
					continue
				}
				d := z[i][f] - z[j][f]
				ss += d * d
				compared = append(compared, NeighbourFeatures[f])
			}
			if len(compared) == 0 {
				continue
			}
			ns = append(ns, Neighbour{Features: all[j], Distance: math.Sqrt(ss * float64(nf) / float64(len(compared))), Compared: compared})
		}
		slices.SortFunc(ns, func(a, b Neighbour) int {
			return cmp.Or(cmp.Compare(a.Distance, b.Distance), strings.Compare(a.Code, b.Code))
		})
		out[all[i].Code] = ns[:min(k, len(ns))]
	}
	return out
}

// NeighbourMethod says how Carecast.Neighbours chooses neighbours, for the API and the pages.
const NeighbourMethod = "Statistical neighbours are the councils most alike on five features, each standardised " +
	"across the 153 councils with social services responsibilities (a z-score: less the mean, divided by the " +
	"standard deviation): the shares of the population aged 65 and over, 75 and over and 85 and over in the base " +
	"year (ONS mid-year estimates), the Index of Multiple Deprivation 2019 average score, and the Income " +
	"Deprivation Affecting Older People (IDAOPI) 2019 average score. The distance is the Euclidean distance between " +
	"two councils' z-scores; the nearest come first, ties in code order. IDAOPI is published for the councils of " +
	"April 2019 only, so a council formed since (Buckinghamshire, the Northamptonshires, Cumberland, Westmorland " +
	"and Furness, North Yorkshire, Somerset) is compared on the other four features, deprivation by the IMD alone, " +
	"with the distance scaled up by √(5 ÷ 4) to stay comparable. The data has no land area or rural–urban " +
	"classification, so population density and rurality are not used: neighbours alike in age and deprivation " +
	"may differ in how rural they are. CIPFA's nearest-neighbour model uses many more features."

// councilFeatures are the features of every council in force, computed once per Carecast.
type councilFeatures struct {
	once sync.Once
	all  []Features
	near map[string][]Neighbour // the nearest 30 of each
	err  error
	year int
}

// maxNeighbours is the most neighbours Carecast.Neighbours returns.
const maxNeighbours = 30

func (c *Carecast) neighbourData() (*councilFeatures, error) {
	cf := &c.features
	cf.once.Do(func() {
		cf.year = forecast.DefaultBaseYear
		in := c.Inputs
		pop := func(code string) (total, p65, p75, p85 float64, ok bool) {
			p := in.Estimates[code][cf.year]
			if p == nil {
				return 0, 0, 0, 0, false
			}
			for s := range p {
				for x, v := range p[s] {
					total += v
					if x >= 65 {
						p65 += v
					}
					if x >= 75 {
						p75 += v
					}
					if x >= 85 {
						p85 += v
					}
				}
			}
			return total, p65, p75, p85, true
		}
		for _, a := range in.Areas {
			if !a.IsCouncil() || a.ValidTo != "" {
				continue
			}
			var t, p65, p75, p85 float64
			if tt, a65, a75, a85, ok := pop(a.Code); ok {
				t, p65, p75, p85 = tt, a65, a75, a85
			} else {
				for _, d := range in.Areas {
					if d.Parent == a.Code && d.ValidTo == "" && d.IsDistrict() {
						if tt, a65, a75, a85, ok := pop(d.Code); ok {
							t, p65, p75, p85 = t+tt, p65+a65, p75+a75, p85+a85
						}
					}
				}
			}
			if !(t > 0) {
				cf.err = fmt.Errorf("statistical neighbours: no mid-%d population of %s (%s)", cf.year, a.Name, a.Code)
				return
			}
			f := Features{Code: a.Code, Name: a.Name, Values: []float64{p65 / t, p75 / t, p85 / t, math.NaN(), math.NaN()}}
			if d, ok := a.DeprivationOf(FeatureIMD); ok {
				f.Values[3] = d.Value
			} else {
				cf.err = fmt.Errorf("statistical neighbours: no IMD score of %s (%s)", a.Name, a.Code)
				return
			}
			if d, ok := a.DeprivationOf(FeatureIDAOPI); ok {
				f.Values[4] = d.Value
			}
			cf.all = append(cf.all, f)
		}
		slices.SortFunc(cf.all, func(a, b Features) int { return strings.Compare(a.Code, b.Code) })
		cf.near = NearestNeighbours(cf.all, maxNeighbours)
	})
	return cf, cf.err
}

// Neighbours returns the k nearest statistical neighbours (1..30; 0 means DefaultNeighbours) of
// the council with the given code, as NearestNeighbours chooses them on the features of every
// council in force at forecast.DefaultBaseYear (NeighbourMethod says which). It returns an error
// wrapping store.ErrNotFound for a code that is not an area, and a PublicError for an area that
// is not a council in force or a k out of range.
func (c *Carecast) Neighbours(code string, k int) (*NeighbourSet, error) {
	if k == 0 {
		k = DefaultNeighbours
	}
	if k < 1 || k > maxNeighbours {
		return nil, PublicError(fmt.Errorf("the number of neighbours must be 1 to %d", maxNeighbours))
	}
	cf, err := c.neighbourData()
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(cf.all, func(f Features) bool { return f.Code == code })
	if i < 0 {
		for _, a := range c.Inputs.Areas {
			if a.Code == code {
				return nil, PublicError(fmt.Errorf("%s (%s) is not a council with social services responsibilities in force: "+
					"statistical neighbours are chosen among councils", a.Name, code))
			}
		}
		return nil, fmt.Errorf("area %s: %w", code, store.ErrNotFound)
	}
	set := &NeighbourSet{Council: cf.all[i], BaseYear: cf.year, Neighbours: slices.Clone(cf.near[code][:k]), Method: NeighbourMethod}
	if !set.Council.Has(4) {
		set.Missing = append(set.Missing, FeatureIDAOPI+": not published for this council (the Indices of Deprivation 2019 "+
			"give it for the councils of April 2019); compared on deprivation by the IMD alone")
	}
	return set, nil
}
