package timeseries

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them, so callers can test with
// errors.Is.
var (
	// ErrTooShort means the series has fewer observations than the method needs.
	ErrTooShort = errors.New("series too short")
	// ErrBadValue means the series holds a NaN or an infinity.
	ErrBadValue = errors.New("series has a non-finite value")
	// ErrUnknownMethod means a method name is not one of Methods.
	ErrUnknownMethod = errors.New("unknown forecasting method")
	// ErrNoModel means no candidate model could be estimated (every fit failed numerically).
	ErrNoModel = errors.New("no model could be estimated")
)

// ShortError reports a series too short for a method. It wraps ErrTooShort.
type ShortError struct {
	Method Method // the method asked for
	Need   int    // observations the method needs
	Have   int    // observations the series has
}

// Error says which method needed how many observations.
func (e *ShortError) Error() string {
	return fmt.Sprintf("%s needs at least %d observations, series has %d: %v", e.Method, e.Need, e.Have, ErrTooShort)
}

// Unwrap returns ErrTooShort.
func (e *ShortError) Unwrap() error { return ErrTooShort }

// ValueError reports a non-finite observation. It wraps ErrBadValue.
type ValueError struct {
	Index int     // 0-based position in the series
	Value float64 // the offending value
}

// Error names the observation (1-based) and its value.
func (e *ValueError) Error() string {
	return fmt.Sprintf("observation %d is %v: %v", e.Index+1, e.Value, ErrBadValue)
}

// Unwrap returns ErrBadValue.
func (e *ValueError) Unwrap() error { return ErrBadValue }

// SeriesError reports the failure of one series in a batch (see ForecastMany).
type SeriesError struct {
	Index int   // 0-based position of the series in the batch
	Err   error // why it failed
}

// Error names the series' index and the reason.
func (e *SeriesError) Error() string { return fmt.Sprintf("series %d: %v", e.Index, e.Err) }

// Unwrap returns the underlying error.
func (e *SeriesError) Unwrap() error { return e.Err }
