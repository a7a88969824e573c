package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/store/sqlite"
)

// testServer is a Service on a real loopback listener (httptest) with a temporary data
// directory, plus API keys for two organisations.
type testServer struct {
	t   *testing.T
	svc *Service
	st  store.Store
	srv *httptest.Server
	cfg Config
	// keys[org][role] is a secret; orgs are "alpha" and "beta".
	keys map[string]map[store.Role]string
}

type serverOpt func(*Config, *Deps)

// testConfig returns a valid configuration for tests: small limits, temporary data dir.
func testConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Workers = 2
	cfg.RateLimit = 1000
	cfg.RateBurst = 1000
	cfg.OrgRateLimit = 1000
	cfg.OrgRateBurst = 1000
	cfg.AnonRateLimit = 1000
	cfg.AnonRateBurst = 1000
	cfg.MaxUploadBytes = 1 << 16
	cfg.MaxBodyBytes = 1 << 14
	cfg.MaxPageSize = 50
	cfg.RunTimeout = 10 * time.Second
	cfg.ShutdownTimeout = 5 * time.Second
	return cfg
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// tWriter sends log lines to t.Log (shown for failing tests and with -v).
type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// newTestServer starts a server with keys (withKeys) or none (open mode on loopback).
func newTestServer(t *testing.T, withKeys bool, opts ...serverOpt) *testServer {
	t.Helper()
	return newTestServerOver(t, withKeys, nil, opts...)
}

// newTestServerOver is newTestServer with the service's store wrapped by wrap (nil: the SQLite
// store itself), for tests that make the store fail on purpose.
func newTestServerOver(t *testing.T, withKeys bool, wrap func(store.Store) store.Store, opts ...serverOpt) *testServer {
	t.Helper()
	cfg := testConfig(t)
	deps := testDeps()
	for _, o := range opts {
		o(&cfg, &deps)
	}
	st, err := sqlite.Open(t.Context(), cfg.DataDir+"/"+DatabaseFile)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, st: st, cfg: cfg, keys: map[string]map[store.Role]string{}}
	if withKeys {
		for _, org := range []string{"alpha", "beta"} {
			ts.keys[org] = map[store.Role]string{}
			for _, role := range []store.Role{store.RoleViewer, store.RolePlanner, store.RoleAdmin} {
				_, secret, err := service.CreateKey(t.Context(), st, org, role, string(role))
				if err != nil {
					t.Fatal(err)
				}
				ts.keys[org][role] = secret
			}
		}
	}
	var svcStore store.Store = st
	if wrap != nil {
		svcStore = wrap(st)
	}
	ts.svc, err = NewService(t.Context(), cfg, deps, svcStore, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ts.srv = httptest.NewUnstartedServer(nil)
	ts.srv.Config = ts.svc.HTTPServer()
	ts.srv.Start()
	t.Cleanup(func() {
		ts.svc.Drain()
		ts.srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ts.svc.Close(ctx); err != nil {
			t.Errorf("close service: %v", err)
		}
		st.Close()
	})
	return ts
}

// key returns the secret of org's key with role.
func (ts *testServer) key(org string, role store.Role) string { return ts.keys[org][role] }

type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into v (failing the test if it cannot).
func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem decodes a problem document.
func (r response) problem(t *testing.T) problemDoc {
	t.Helper()
	var p problemDoc
	r.json(t, &p)
	return p
}

type problemDoc struct {
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
	Errors   []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// do sends a request with an optional key (as Bearer) and body (JSON-encoded unless []byte or
// io.Reader).
func (ts *testServer) do(method, path, key string, body any, headers ...string) response {
	ts.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	case io.Reader:
		rd = b
	default:
		rd = bytes.NewReader(mustJSON(b))
	}
	req, err := http.NewRequest(method, ts.srv.URL+path, rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := ts.srv.Client().Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// want fails the test unless r has the status.
func want(t *testing.T, r response, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

// createScenario creates a scenario from doc with key and returns it.
func (ts *testServer) createScenario(key string, doc string) Scenario {
	ts.t.Helper()
	var sc Scenario
	want(ts.t, ts.do("POST", "/v1/scenarios", key, doc), http.StatusCreated).json(ts.t, &sc)
	return sc
}

// startRun starts a run of the scenario's latest version and returns it.
func (ts *testServer) startRun(key, ScenarioPath string) Run {
	ts.t.Helper()
	var r Run
	want(ts.t, ts.do("POST", "/v1/runs", key, map[string]any{"scenario_id": ScenarioPath}), http.StatusAccepted).json(ts.t, &r)
	return r
}

// waitRun polls the run until its status is final (or the deadline passes).
func (ts *testServer) waitRun(key, id string) Run {
	ts.t.Helper()
	return ts.waitRunWithin(key, id, 15)
}

// waitRunWithin is waitRun with a deadline of seconds.
func (ts *testServer) waitRunWithin(key, id string, seconds int) Run {
	ts.t.Helper()
	deadline := time.Now().Add(time.Duration(seconds) * time.Second)
	for {
		var r Run
		want(ts.t, ts.do("GET", "/v1/runs/"+id, key, nil), http.StatusOK).json(ts.t, &r)
		if r.Status.Final() {
			return r
		}
		if time.Now().After(deadline) {
			ts.t.Fatalf("run %s still %s", id, r.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sseEvent is one server-sent event.
type sseEvent struct {
	name string
	data string
}

// readEvents reads events from an event stream until it ends.
func readEvents(t *testing.T, body io.Reader) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.name != "" || cur.data != "" {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		}
	}
	return out
}
