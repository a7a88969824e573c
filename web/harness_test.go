package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carecast/carecast/api"
	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/forecast/engine"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/store/sqlite"
	"github.com/carecast/carecast/web"
)

// Sheffield is the council the tests plan for.
const Sheffield = "E08000019"

var (
	engOnce sync.Once
	eng     *engine.Engine
	engIn   *engine.Inputs
	engErr  error
)

// testEngine returns the forecast engine on the default data as carecast serve runs it
// (service.Default, with the back-test error models).
func testEngine(t testing.TB) (*engine.Engine, *engine.Inputs) {
	t.Helper()
	engOnce.Do(func() {
		cc, err := service.Default()
		if err != nil {
			engErr = err
			return
		}
		eng, engIn = cc.Engine, cc.Inputs
	})
	if engErr != nil {
		t.Fatal(engErr)
	}
	return eng, engIn
}

// defaultCarecast is carecast on the default data, whose engine testEngine returns.
func defaultCarecast(t testing.TB) *service.Carecast {
	t.Helper()
	cc, err := service.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cc
}

// engineRunner is an api.Runner that runs the real engine and keeps each run's rows in
// memory; it is also the pages' ResultsSource. It writes the result file as well, which the
// downloads read through service.Service.Export.
type engineRunner struct {
	e       *engine.Engine
	mu      sync.Mutex
	results map[string][]forecast.ResultRow
	// central holds the central projection of runs with draws (as api.EngineRunner stores it).
	central map[string][]forecast.ResultRow
	// pause, when set, holds every run until it is closed (to see the progress page).
	pause chan struct{}
}

func (r *engineRunner) Run(ctx context.Context, spec api.RunSpec, progress func(done, total int)) (api.RunOutput, error) {
	var sc forecast.Scenario
	if err := json.Unmarshal(spec.Scenario, &sc); err != nil {
		return api.RunOutput{}, err
	}
	if spec.Seed != nil {
		sc.Uncertainty.Seed = *spec.Seed
	}
	if r.pause != nil {
		progress(1, 4)
		select {
		case <-r.pause:
		case <-ctx.Done():
			return api.RunOutput{}, ctx.Err()
		}
	}
	res, err := r.e.Run(ctx, sc, engine.RunOptions{ScenarioID: spec.ScenarioID, RunID: spec.RunID, Version: spec.Version}, progress)
	var se forecast.ScenarioError
	if errors.As(err, &se) {
		return api.RunOutput{}, api.PublicError(err)
	}
	if err != nil {
		return api.RunOutput{}, err
	}
	var rows []forecast.ResultRow
	for row := range res.Rows() {
		rows = append(rows, row)
	}
	var central []forecast.ResultRow
	if sc.Uncertainty.Draws > 0 {
		c := sc
		c.Uncertainty.Draws = 0
		cres, err := r.e.Run(ctx, c, engine.RunOptions{ScenarioID: spec.ScenarioID, RunID: spec.RunID, Version: spec.Version}, nil)
		if err != nil {
			return api.RunOutput{}, err
		}
		for row := range cres.Rows() {
			central = append(central, row)
		}
	}
	r.mu.Lock()
	r.results[spec.RunID] = rows
	if central != nil {
		r.central[spec.RunID] = central
	}
	r.mu.Unlock()
	// The result file too, for the downloads (service.Service.Export reads it).
	path := filepath.Join(spec.Dir, service.ResultFile)
	f, err := os.Create(path)
	if err != nil {
		return api.RunOutput{}, err
	}
	rp := datasets.RunProvenance(res.Provenance)
	rp.Scenario, rp.ScenarioVersion = spec.Scenario, spec.ScenarioVersion
	rw := datasets.NewResultWriter(f, rp)
	for _, row := range rows {
		if err := rw.Write(row); err != nil {
			f.Close()
			return api.RunOutput{}, err
		}
	}
	if err := rw.Close(); err != nil {
		f.Close()
		return api.RunOutput{}, err
	}
	if err := f.Close(); err != nil {
		return api.RunOutput{}, err
	}
	rel, _ := filepath.Rel(spec.DataDir, path)
	prov, _ := json.Marshal(res.Provenance)
	return api.RunOutput{ResultPath: rel, Provenance: prov, Seed: &sc.Uncertainty.Seed}, nil
}

// Rows implements web.ResultsSource.
func (r *engineRunner) Rows(_ context.Context, run store.Run, f web.ResultFilter) ([]forecast.ResultRow, error) {
	r.mu.Lock()
	all := r.results[run.ID]
	r.mu.Unlock()
	return match(all, f), nil
}

// Central implements web.ResultsSource: a run's central projection, its results when it had
// no draws.
func (r *engineRunner) Central(_ context.Context, run store.Run, f web.ResultFilter) ([]forecast.ResultRow, error) {
	r.mu.Lock()
	all, ok := r.central[run.ID]
	if !ok {
		all = r.results[run.ID]
	}
	r.mu.Unlock()
	return match(all, f), nil
}

// Check implements web.ResultsSource with datasets.ResultValues.Check on the run's rows.
func (r *engineRunner) Check(_ context.Context, run store.Run, f web.ResultFilter) error {
	r.mu.Lock()
	all := r.results[run.ID]
	r.mu.Unlock()
	sets := [4]map[string]bool{{}, {}, {}, {}}
	years := map[int]bool{}
	for _, row := range all {
		for i, s := range []string{row.AreaCode, row.Measure, row.Sex, row.AgeBand} {
			sets[i][s] = true
		}
		years[row.Year] = true
	}
	list := func(m map[string]bool) []string { return slices.Sorted(maps.Keys(m)) }
	v := datasets.ResultValues{Areas: list(sets[0]), Measures: list(sets[1]), Sexes: list(sets[2]), AgeBands: list(sets[3]),
		Years: slices.Sorted(maps.Keys(years))}
	if err := v.Check(datasets.ResultFilter(f)); err != nil {
		return &web.UnknownValueError{Detail: err.Error()}
	}
	return nil
}

func match(all []forecast.ResultRow, f web.ResultFilter) []forecast.ResultRow {
	var out []forecast.ResultRow
	for _, row := range all {
		if f.Match(row) {
			out = append(out, row)
		}
	}
	return out
}

// validator checks scenario documents as the engine will: strict JSON into
// forecast.Scenario, then Check on the data.
type validator struct{ in *engine.Inputs }

func (validator) Schema() []byte { return []byte(`{"type":"object"}`) }

func (v validator) Validate(doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var sc forecast.Scenario
	if err := dec.Decode(&sc); err != nil {
		return err
	}
	sc = sc.WithDefaults()
	return sc.Check(v.in)
}

// server is carecast serving the API and the pages on a loopback listener.
type server struct {
	t      testing.TB
	URL    string
	svc    *api.Service
	st     store.Store
	runner *engineRunner
	// keys by role, when started with keys (organisation "Sheffield City Council").
	keys map[store.Role]string
}

// startServer starts a server, open (no keys) or with keys.
func startServer(t testing.TB, withKeys bool) *server {
	t.Helper()
	e, in := testEngine(t)
	dir := t.TempDir()
	cfg := api.DefaultConfig()
	cfg.DataDir = dir
	cfg.Workers = 1
	cfg.RateLimit, cfg.RateBurst = 1000, 1000
	cfg.OrgRateLimit, cfg.OrgRateBurst = 1000, 1000
	cfg.AnonRateLimit, cfg.AnonRateBurst = 1000, 1000
	cfg.RunTimeout = time.Minute
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, api.DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, runner: &engineRunner{e: e, results: map[string][]forecast.ResultRow{},
		central: map[string][]forecast.ResultRow{}}, keys: map[store.Role]string{}}
	if withKeys {
		for _, role := range []store.Role{store.RoleViewer, store.RolePlanner} {
			_, secret, err := service.CreateKey(context.Background(), st, "Sheffield City Council", role, string(role))
			if err != nil {
				t.Fatal(err)
			}
			s.keys[role] = secret
		}
	}
	cc := defaultCarecast(t)
	deps := api.Deps{Runner: s.runner, Scenarios: validator{in}, Version: "test", Areas: in.Areas, Projector: cc, Neighbours: cc,
		Web: &web.Deps{Results: s.runner, Projector: cc, Neighbours: cc, Accuracy: cc, Areas: in.Areas, Catalog: in, Topics: cc, Assumptions: cc}}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s.st = st
	s.svc, err = api.NewService(context.Background(), cfg, deps, st, logger)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	hs.Config = s.svc.HTTPServer()
	hs.Start()
	s.URL = hs.URL
	t.Cleanup(func() {
		s.svc.Drain()
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.svc.Close(ctx)
		st.Close()
	})
	return s
}

// client is a browser-like HTTP client: a cookie jar, no automatic redirects.
type client struct {
	t   testing.TB
	s   *server
	hc  *http.Client
	jar *cookiejar.Jar
}

func (s *server) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: s.t, s: s, jar: jar, hc: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (c *client) get(path string) page {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.s.URL+path, nil)
	return c.do(req)
}

// post sends a form as a browser on this site would (same-origin).
func (c *client) post(path string, form url.Values) page {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", c.s.URL)
	return c.do(req)
}

// waitRun polls a run until it is final and returns its status.
func (c *client) waitRun(id string) string {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		p := c.get("/runs/" + id + "/status")
		var st struct{ Status string }
		if err := json.Unmarshal([]byte(p.body), &st); err != nil {
			c.t.Fatalf("status of %s: %d %s", id, p.status, p.body)
		}
		switch st.Status {
		case "succeeded", "failed", "cancelled":
			return st.Status
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("run %s did not finish", id)
	return ""
}

// project runs a scenario on the engine directly, for expected numbers.
func project(t testing.TB, sc forecast.Scenario) *engine.Result {
	t.Helper()
	e, _ := testEngine(t)
	r, err := e.Run(context.Background(), sc, engine.RunOptions{NoDrivers: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// centralValue is one 2035-style cell of sc's central projection (every input at its central
// value, no draws): what the comparison page compares.
func centralValue(t testing.TB, sc forecast.Scenario, area string, year int, measure, band string) float64 {
	t.Helper()
	sc.Uncertainty.Draws = 0
	v, ok := project(t, sc).Value(area, year, measure, "all", band)
	if !ok {
		t.Fatalf("no central %s %d %s %s", area, year, measure, band)
	}
	return v
}
