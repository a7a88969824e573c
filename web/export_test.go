package web_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/carecast/carecast/store"
)

// TestDownloadIsTheAPIExport checks that a page download and the API's export of the same run
// with the same filter are the same file, byte for byte (both are service.Service.Export).
func TestDownloadIsTheAPIExport(t *testing.T) {
	s := startServer(t, true)
	key := s.keys[store.RolePlanner]
	c := s.client()
	c.post("/login", url.Values{"key": {key}, "next": {"/"}})
	p := c.post("/scenarios", url.Values{"area": {Sheffield}, "draws": {"20"}, "shift_value": {"10"}, "shift_start": {"2023"}, "shift_end": {"2027"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("planner save: %d\n%s", p.status, p.body)
	}
	runID := strings.TrimPrefix(p.header.Get("Location"), "/runs/")
	if st := c.waitRun(runID); st != "succeeded" {
		t.Fatalf("run %s", st)
	}
	for _, q := range []string{
		"format=csv",
		"format=parquet",
		"format=csv&area=" + Sheffield + "&measure=need.*,capacity.home_care_hours&year_from=2025&year_to=2035&sex=all",
		"format=parquet&area=" + Sheffield + "&measure=need.*,capacity.home_care_hours&year_from=2025&year_to=2035&sex=all",
		"format=csv&disclosure=true&round=10&suppress_below=50&measure=service.*",
		"format=parquet&disclosure=true&measure=service.*",
	} {
		page := c.get("/runs/" + runID + "/export?" + q)
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/v1/runs/"+runID+"/results/export?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if page.status != http.StatusOK || resp.StatusCode != http.StatusOK {
			t.Errorf("%s: page %d, API %d %.200s", q, page.status, resp.StatusCode, body)
			continue
		}
		if len(body) < 100 || !bytes.Equal([]byte(page.body), body) {
			t.Errorf("%s: page download (%d bytes) and API export (%d bytes) differ", q, len(page.body), len(body))
		}
		for _, h := range []string{"Content-Type", "Content-Disposition", "Cache-Control", "X-Content-Type-Options"} {
			if page.header.Get(h) != resp.Header.Get(h) {
				t.Errorf("%s: %s: page %q, API %q", q, h, page.header.Get(h), resp.Header.Get(h))
			}
		}
	}
}

// TestEventsAreTheAPIEvents checks that the progress page's event stream of a finished run is
// the API's, byte for byte (both are service.Service.RunEvents with the API's Run at the end).
func TestEventsAreTheAPIEvents(t *testing.T) {
	s := startServer(t, true)
	key := s.keys[store.RolePlanner]
	c := s.client()
	c.post("/login", url.Values{"key": {key}, "next": {"/"}})
	p := c.post("/scenarios", url.Values{"area": {Sheffield}, "draws": {"0"}, "shift_value": {"10"}, "shift_start": {"2023"}, "shift_end": {"2027"}})
	runID := strings.TrimPrefix(p.header.Get("Location"), "/runs/")
	if st := c.waitRun(runID); st != "succeeded" {
		t.Fatalf("run %s", st)
	}
	page := c.get("/runs/" + runID + "/events")
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/v1/runs/"+runID+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if page.status != http.StatusOK || resp.StatusCode != http.StatusOK || page.body != string(body) ||
		!strings.Contains(page.body, "event: end\ndata: {") {
		t.Errorf("page %d:\n%s\nAPI %d:\n%s", page.status, page.body, resp.StatusCode, body)
	}
	if page.header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("Content-Type %q", page.header.Get("Content-Type"))
	}
	// Another organisation's run, or none, is not found.
	if e := c.get("/runs/run_aaaaaaaaaaaaaaaaaaaaaaaaaa/events"); e.status != http.StatusNotFound {
		t.Errorf("events of a missing run: %d", e.status)
	}
}
