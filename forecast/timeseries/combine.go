package timeseries

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// combination is the equal-weight average of the ETS, ARIMA and Theta forecasts. Its forecast
// distribution is the equal-weight mixture of theirs (a linear opinion pool), so an interval
// covers both each model's uncertainty and their disagreement.
//
// If one or two of the three models cannot be estimated, the others are combined and the
// forecast's Fallback says which were left out; if none can, fitting fails.
type combination struct {
	parts  []predictor
	fit    []float64
	failed []string
}

func fitCombination(y []float64, m int) (*combination, error) {
	c := &combination{}
	var errs []error
	if e, err := fitETSAuto(y, m); err == nil {
		c.parts = append(c.parts, e)
	} else {
		c.failed = append(c.failed, fmt.Sprintf("ets (%v)", err))
		errs = append(errs, err)
	}
	if a, err := fitAutoARIMA(y, m); err == nil {
		c.parts = append(c.parts, a)
	} else {
		c.failed = append(c.failed, fmt.Sprintf("arima (%v)", err))
		errs = append(errs, err)
	}
	if t, err := fitTheta(y, m); err == nil {
		c.parts = append(c.parts, t)
	} else {
		c.failed = append(c.failed, fmt.Sprintf("theta (%v)", err))
		errs = append(errs, err)
	}
	if len(c.parts) == 0 {
		return nil, fmt.Errorf("auto: %w", errors.Join(errs...))
	}
	c.fit = make([]float64, len(y))
	for i := range c.fit {
		s := 0.0
		for _, p := range c.parts {
			s += p.fitted()[i]
		}
		c.fit[i] = s / float64(len(c.parts))
	}
	return c, nil
}

func (c *combination) predict(h int, opts Options) ([]float64, []marginal) {
	k := len(c.parts)
	mean := make([]float64, h)
	comps := make([][]marginal, k)
	for i, p := range c.parts {
		mu, d := p.predict(h, opts)
		for j := range mean {
			mean[j] += mu[j] / float64(k)
		}
		comps[i] = d
	}
	dist := make([]marginal, h)
	for j := range dist {
		mx := make(mixture, k)
		for i := range comps {
			mx[i] = comps[i][j]
		}
		dist[j] = mx
	}
	return mean, dist
}

func (c *combination) describe() string {
	names := make([]string, len(c.parts))
	for i, p := range c.parts {
		names[i] = p.describe()
	}
	return fmt.Sprintf("mean of %s", strings.Join(names, "; "))
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
