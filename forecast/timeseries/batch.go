package timeseries

import (
	"context"
	"errors"
	"runtime"
	"sync"
)

// SeriesSeed returns the seed ForecastMany gives series i of a batch seeded with seed, so that
// one series can be re-run alone with the same simulated intervals.
func SeriesSeed(seed uint64, i int) uint64 {
	// splitmix64 of seed + i·golden gamma: well-spread, distinct seeds for nearby indices.
	z := seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// ForecastMany fits method to every series and forecasts h periods at levels, using
// opts.Workers goroutines. Forecast i equals
//
//	Fit(series[i], method, o).Forecast(h, levels)
//
// with o = opts except o.Seed = SeriesSeed(opts.Seed, i), so results do not depend on the
// number of workers or on GOMAXPROCS. Series are not modified.
//
// A series that fails leaves a zero Forecast at its index; the returned error then joins one
// *SeriesError per failed series, in index order. If ctx is cancelled, ForecastMany stops
// starting new series and returns ctx.Err() (joined with any series errors).
//
// Like Model.Forecast, it panics if h < 1 or a level is outside (0, 100).
func ForecastMany(ctx context.Context, series [][]float64, method Method, h int, levels []float64, opts Options) ([]Forecast, error) {
	checkHorizon(h, levels)
	out := make([]Forecast, len(series))
	errs := make([]error, len(series))
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(series))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				o := opts
				o.Seed = SeriesSeed(opts.Seed, i)
				m, err := Fit(series[i], method, o)
				if err != nil {
					errs[i] = &SeriesError{Index: i, Err: err}
					continue
				}
				out[i] = m.Forecast(h, levels)
			}
		}()
	}
	var ctxErr error
feed:
	for i := range series {
		select {
		case jobs <- i:
		case <-ctx.Done():
			ctxErr = ctx.Err()
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if ctxErr != nil {
		return out, errors.Join(append([]error{ctxErr}, errs...)...)
	}
	return out, errors.Join(errs...)
}
