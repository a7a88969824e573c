package timeseries

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The combination's models, in the order of combination.parts.
const (
	partETS = iota
	partARIMA
	partTheta
	partDamped
	nParts
)

var partNames = [nParts]string{"ets", "arima", "theta", "damped"}

// combRule is a way of combining the models' forecasts.
type combRule int

const (
	ruleMean3     combRule = iota // equal-weight mean of ETS, ARIMA and Theta
	ruleMeanAll                   // equal-weight mean of every model, damped trend included
	ruleMedianAll                 // median of every model's forecast
	nRules
)

var ruleNames = [nRules]string{"mean", "mean", "median"}

// validationOrigins is the number of forecast origins, at the end of the series, of the
// rolling-origin validation that chooses the combination rule.
const validationOrigins = 3

// combination combines the forecasts of automatic ETS, automatic ARIMA, Theta and the damped
// trend (non-seasonal series of at least Damped.MinLength() observations only). The rule, one
// of the equal-weight mean of ETS, ARIMA and Theta, the equal-weight mean of all four and the
// median of all four, is chosen for each series by rolling-origin validation inside the
// series: every model is refitted to the series up to each of its last validationOrigins
// observations (keeping at least Auto.MinLength() observations), forecasts the rest of the
// series, and the rule with the smallest sum of absolute errors over all origins and steps
// wins, ties and series too short to validate going to the mean of ETS, ARIMA and Theta.
//
// The forecast distribution is the equal-weight mixture of the combined models' distributions
// (a linear opinion pool), shifted by the difference between the median and the mean of their
// means for the median rule, so an interval covers both each model's uncertainty and their
// disagreement, and Mean is the mean of the distribution.
//
// If one or two of ETS, ARIMA and Theta cannot be estimated, the others are combined and the
// forecast's Fallback says which were left out; if none can, fitting fails.
type combination struct {
	parts  [nParts]predictor // nil where a model was not fitted
	rule   combRule
	cvErr  [nRules]float64 // validation sum of absolute errors; NaN if not validated
	fit    []float64
	failed []string
}

// fitParts fits the combination's models to y. It returns the errors of those that failed;
// the damped trend is fitted only when it can be (non-seasonal, long enough) and its failure
// is reported only then.
func fitParts(y []float64, m int) (parts [nParts]predictor, errs [nParts]error) {
	if e, err := fitETSAuto(y, m); err == nil {
		parts[partETS] = e
	} else {
		errs[partETS] = err
	}
	if a, err := fitAutoARIMA(y, m); err == nil {
		parts[partARIMA] = a
	} else {
		errs[partARIMA] = err
	}
	if t, err := fitTheta(y, m); err == nil {
		parts[partTheta] = t
	} else {
		errs[partTheta] = err
	}
	if m == 1 && len(y) >= Damped.MinLength() {
		d, err := fitETSFixed(y, etsSpec{err: 'A', trend: 'A', damped: true, season: 'N', m: 1}, critMSE)
		if err == nil {
			parts[partDamped] = d
		} else {
			errs[partDamped] = err
		}
	}
	return parts, errs
}

func fitCombination(y []float64, m int) (*combination, error) {
	c := &combination{}
	parts, perrs := fitParts(y, m)
	c.parts = parts
	var errs []error
	for i, err := range perrs {
		if err != nil {
			c.failed = append(c.failed, fmt.Sprintf("%s (%v)", partNames[i], err))
			errs = append(errs, err)
		}
	}
	if c.parts[partETS] == nil && c.parts[partARIMA] == nil && c.parts[partTheta] == nil {
		return nil, fmt.Errorf("auto: %w", errors.Join(errs...))
	}
	c.rule, c.cvErr = chooseRule(y, m, c.parts)
	fits := make([][]float64, nParts)
	for i, p := range c.parts {
		if p != nil {
			fits[i] = p.fitted()
		}
	}
	c.fit = make([]float64, len(y))
	vals := make([]float64, 0, nParts)
	for i := range c.fit {
		vals = vals[:0]
		for _, f := range c.rule.members(fits) {
			vals = append(vals, f[i])
		}
		c.fit[i] = c.rule.combine(vals)
	}
	return c, nil
}

// members returns the entries of xs (indexed by part) that rule r combines, skipping nil ones.
func (r combRule) members(xs [][]float64) [][]float64 {
	out := make([][]float64, 0, nParts)
	for i, x := range xs {
		if x == nil || (r == ruleMean3 && i == partDamped) {
			continue
		}
		out = append(out, x)
	}
	return out
}

// combine returns the mean or the median of vals (which it may reorder).
func (r combRule) combine(vals []float64) float64 {
	if r == ruleMedianAll {
		slices.Sort(vals)
		k := len(vals)
		if k%2 == 1 {
			return vals[k/2]
		}
		return (vals[k/2-1] + vals[k/2]) / 2
	}
	s := 0.0
	for _, v := range vals {
		s += v
	}
	return s / float64(len(vals))
}

// chooseRule validates each rule on the last validationOrigins origins of y (see
// combination) and returns the best, with every rule's sum of absolute errors (NaN for all if
// no origin could be used).
func chooseRule(y []float64, m int, full [nParts]predictor) (combRule, [nRules]float64) {
	var sum [nRules]float64
	used := false
	n := len(y)
	fcs := make([][]float64, nParts)
	vals := make([]float64, 0, nParts)
	for o := max(n-validationOrigins, Auto.MinLength()); o < n; o++ {
		parts, _ := fitParts(y[:o], m)
		if parts[partETS] == nil && parts[partARIMA] == nil && parts[partTheta] == nil {
			continue
		}
		h := n - o
		for i, p := range parts {
			fcs[i] = nil
			if p != nil && full[i] != nil {
				fcs[i], _ = p.predict(h, Options{})
			}
		}
		for r := range nRules {
			mem := r.members(fcs)
			for j := range h {
				vals = vals[:0]
				for _, f := range mem {
					vals = append(vals, f[j])
				}
				sum[r] += math.Abs(y[o+j] - r.combine(vals))
			}
		}
		used = true
	}
	if !used {
		for r := range sum {
			sum[r] = math.NaN()
		}
		return ruleMean3, sum
	}
	best := ruleMean3
	for r := range nRules {
		if sum[r] < sum[best] {
			best = r
		}
	}
	return best, sum
}

func (c *combination) predict(h int, opts Options) ([]float64, []marginal) {
	var mus [][]float64
	var dists [][]marginal
	for i, p := range c.parts {
		if p == nil || (c.rule == ruleMean3 && i == partDamped) {
			continue
		}
		mu, d := p.predict(h, opts)
		mus = append(mus, mu)
		dists = append(dists, d)
	}
	k := len(mus)
	mean := make([]float64, h)
	dist := make([]marginal, h)
	vals := make([]float64, k)
	for j := range mean {
		mx := make(mixture, k)
		avg := 0.0
		for i := range k {
			mx[i] = dists[i][j]
			vals[i] = mus[i][j]
			avg += vals[i] / float64(k)
		}
		mean[j] = c.rule.combine(vals)
		if c.rule == ruleMedianAll && mean[j] != avg {
			dist[j] = shifted{mx, mean[j] - avg}
		} else {
			dist[j] = mx
		}
	}
	return mean, dist
}

func (c *combination) describe() string {
	var names []string
	for i, p := range c.parts {
		if p == nil || (c.rule == ruleMean3 && i == partDamped) {
			continue
		}
		s := p.describe()
		if i == partDamped {
			s = "damped trend " + s
		}
		names = append(names, s)
	}
	s := fmt.Sprintf("%s of %s", ruleNames[c.rule], strings.Join(names, "; "))
	if !math.IsNaN(c.cvErr[0]) {
		s += fmt.Sprintf(" (rule chosen by validation on the last %d observations)", validationOrigins)
	}
	return s
}

func (c *combination) fitted() []float64 { return c.fit }

func (c *combination) note() string {
	if len(c.failed) == 0 {
		return ""
	}
	return "auto: left out " + strings.Join(c.failed, ", ") + "; combined the rest"
}

// mixture is the equal-weight mixture of its components.
type mixture []marginal

func (m mixture) cdf(x float64) float64 {
	s := 0.0
	for _, c := range m {
		s += c.cdf(x)
	}
	return s / float64(len(m))
}

// quantile inverts the mixture CDF by bisection; the answer lies between the smallest and
// largest component quantiles.
func (m mixture) quantile(p float64) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range m {
		q := c.quantile(p)
		lo = math.Min(lo, q)
		hi = math.Max(hi, q)
	}
	if lo == hi {
		return lo
	}
	for range 200 {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if m.cdf(mid) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2
}

// shifted is a distribution moved by d.
type shifted struct {
	m marginal
	d float64
}

func (s shifted) quantile(p float64) float64 { return s.m.quantile(p) + s.d }
func (s shifted) cdf(x float64) float64      { return s.m.cdf(x - s.d) }
