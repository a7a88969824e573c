package timeseries

import (
	"fmt"
	"strings"
)

// Method names a forecasting method. The values are the spellings used on the command line
// and in outputs.
type Method string

// The forecasting methods. Each is described in the package documentation.
const (
	Naive  Method = "naive"  // random walk: the last observation, carried forward
	Drift  Method = "drift"  // random walk with drift: the line through the first and last observations
	SES    Method = "ses"    // simple exponential smoothing, ETS(A,N,N)
	Holt   Method = "holt"   // Holt's linear trend, ETS(A,A,N)
	Damped Method = "damped" // damped trend, ETS(A,Ad,N)
	ETS    Method = "ets"    // automatic ETS chosen by AICc
	Theta  Method = "theta"  // the Theta method of Assimakopoulos and Nikolopoulos (SES with drift)
	ARIMA  Method = "arima"  // automatic ARIMA (Hyndman–Khandakar stepwise search)
	Auto   Method = "auto"   // combination of ETS, ARIMA, Theta and damped trend, its rule chosen by validation
)

// Methods returns every method in a fixed order, simplest first.
func Methods() []Method {
	return []Method{Naive, Drift, SES, Holt, Damped, ETS, Theta, ARIMA, Auto}
}

// ParseMethod returns the Method spelled s (case-insensitive, surrounding space ignored), or an
// error wrapping ErrUnknownMethod.
func ParseMethod(s string) (Method, error) {
	m := Method(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range Methods() {
		if m == k {
			return m, nil
		}
	}
	return "", fmt.Errorf("%w %q (want one of naive, drift, ses, holt, damped, ets, theta, arima, auto)", ErrUnknownMethod, s)
}

// MinLength returns the fewest observations method m needs to be fitted as asked (with
// prediction intervals) to a series with seasonal period 1. Shorter series either fall back to
// the naive method or fail with a *ShortError, as Options.NoFallback says.
//
// The thresholds follow R's forecast package: a state-space smoothing model is estimated by
// maximum likelihood only when the series has more than four observations beyond the
// parameters it estimates (ets() switches to ad-hoc Holt–Winters below that).
func (m Method) MinLength() int {
	switch m {
	case Naive:
		return 2 // one residual for the variance
	case Drift:
		return 3 // two differences for slope and variance
	case SES, ETS, Theta, ARIMA, Auto:
		return 7 // alpha and l0, plus 4, plus 1
	case Holt:
		return 9 // alpha, beta, l0, b0, plus 4, plus 1
	case Damped:
		return 10 // alpha, beta, phi, l0, b0, plus 4, plus 1
	}
	return 0
}
