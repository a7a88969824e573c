package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// facesScenario is one scenario with draws, a seed and a lever with an interval: Bristol to
// 2035, 200 draws, seed 7 (the case that once gave p10 = p90 = 541,996 from the CLI and
// 490,851–604,677 from the API, because the CLI built its engine without the error models).
const facesScenario = `{"name": "Bristol, home care +1%/yr", "areas": ["E06000023"], "horizon": 2035,
  "uncertainty": {"draws": 200, "seed": 7},
  "levers": [{"type": "service_trend", "service": "home_care", "value": 1, "low": 0, "high": 2, "start": 2025, "end": 2030}]}`

// cellKey names one cell of a result table.
type cellKey struct{ area, year, measure, sex, band string }

// readCells reads a tidy result CSV (docs/design.md §8 columns) into its mean, p10, p50 and
// p90 by cell, parsed as numbers so that formatting does not matter but every bit does.
func readCells(t *testing.T, name string, data []byte) map[cellKey][4]float64 {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("%s: %v (%d lines): %.300s", name, err, len(recs), data)
	}
	h := map[string]int{}
	for i, c := range recs[0] {
		h[c] = i
	}
	out := map[cellKey][4]float64{}
	for _, r := range recs[1:] {
		var v [4]float64
		for i, c := range []string{"mean", "p10", "p50", "p90"} {
			if v[i], err = strconv.ParseFloat(r[h[c]], 64); err != nil {
				t.Fatalf("%s: %s %q: %v", name, c, r[h[c]], err)
			}
		}
		out[cellKey{r[h["area_code"]], r[h["year"]], r[h["measure"]], r[h["sex"]], r[h["age_band"]]}] = v
	}
	return out
}

// TestEveryFaceGivesTheSameNumbers runs one scenario document, with draws and a seed, through
// the CLI (carecast project) and a real server on loopback (POST /v1/runs), and reads the
// server's run back through the API's export and the pages' CSV download: every cell's mean,
// p10, p50 and p90 must be bit-identical on all three. The fourth face, the notebooks, is
// checked the same way by the notebooks' test: notebook 01 saves the 200-draw need table it read
// from the API and its scenario, and `carecast project` on that file must give the same cells.
func TestEveryFaceGivesTheSameNumbers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 200 draws twice; skipped with -short")
	}
	dir := t.TempDir()
	scPath, outPath := filepath.Join(dir, "scenario.json"), filepath.Join(dir, "cli.csv")
	if err := os.WriteFile(scPath, []byte(facesScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "project", "--scenario", scPath, "--out", outPath); code != exitOK {
		t.Fatalf("carecast project: exit %d: %s", code, errOut)
	}
	cliData, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	cli := readCells(t, "CLI", cliData)

	base := startLoopbackServer(t)
	get := func(path string) []byte {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %.500s", path, res.StatusCode, b)
		}
		return b
	}
	post := func(path, body string, status int, v any) {
		t.Helper()
		res, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != status {
			t.Fatalf("POST %s: %d %.500s", path, res.StatusCode, b)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	var sc struct{ ID string }
	post("/v1/scenarios", facesScenario, http.StatusCreated, &sc)
	var run struct{ ID, Status, Error string }
	post("/v1/runs", fmt.Sprintf(`{"scenario_id": %q}`, sc.ID), http.StatusAccepted, &run)
	deadline := time.Now().Add(3 * time.Minute)
	for run.Status != "succeeded" {
		if run.Status == "failed" || run.Status == "cancelled" || time.Now().After(deadline) {
			t.Fatalf("run %s: %s %s", run.ID, run.Status, run.Error)
		}
		time.Sleep(100 * time.Millisecond)
		if err := json.Unmarshal(get("/v1/runs/"+run.ID), &run); err != nil {
			t.Fatal(err)
		}
	}
	faces := map[string]map[cellKey][4]float64{
		"API export": readCells(t, "API export", get("/v1/runs/"+run.ID+"/results/export?format=csv")),
		"page CSV":   readCells(t, "page CSV", get("/runs/"+run.ID+"/data.csv?area=E06000023")),
	}
	for name, got := range faces {
		if len(got) < 1000 || len(got) != len(cli) {
			t.Errorf("%s has %d cells, the CLI %d", name, len(got), len(cli))
		}
		diff := 0
		for k, want := range cli {
			if g, ok := got[k]; !ok || g != want {
				if diff++; diff <= 5 {
					t.Errorf("%s %v: %v, the CLI %v", name, k, g, want)
				}
			}
		}
		if diff > 0 {
			t.Errorf("%s: %d of %d cells differ from the CLI", name, diff, len(cli))
		}
	}
	// The ranges are real: the population's 80% range in 2035 is wide, not a point.
	pop := cli[cellKey{"E06000023", "2035", "population", "all", "all"}]
	if !(pop[3]-pop[1] > 0.05*pop[0]) {
		t.Errorf("Bristol's 2035 population range %v–%v around %v: the error models are not in use", pop[1], pop[3], pop[0])
	}
	t.Logf("%d cells equal on the CLI, the API and the pages; Bristol 2035 population %.0f (%.0f–%.0f)", len(cli), pop[0], pop[1], pop[3])
}

// startLoopbackServer runs `carecast serve` on a free loopback port (no API keys are needed
// on loopback) with a fresh data directory until the test ends, and returns its base URL.
func startLoopbackServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var out, logs syncBuffer
	go func() { done <- runServe(ctx, []string{"--addr", addr, "--data-dir", t.TempDir()}, &out, &logs) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exit %d\n%s", code, logs.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return "http://" + addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
