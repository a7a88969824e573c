package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/carecast/carecast/forecast"
	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/web/chart"
)

// Leeds is the council whose comparators the tests read.
const Leeds = "E08000035"

// TestComparatorsPage checks the comparators page over HTTP: Leeds and its ten neighbours in
// the service's order, people 65+ as the engine projects them, the method, the area page's
// link and accuracy line, and a district's refusal.
func TestComparatorsPage(t *testing.T) {
	s := startServer(t, false)
	c := s.client()
	area := c.get("/areas/" + Leeds)
	if area.status != http.StatusOK || !strings.Contains(area.body, `href="/areas/`+Leeds+`/comparators"`) {
		t.Fatalf("area page: %d, no comparators link", area.status)
	}
	acc, err := defaultCarecast(t).Accuracy(context.Background(), Leeds)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(area.body, `id="accuracy"`) || !strings.Contains(area.body, acc.Sentence[:60]) {
		t.Errorf("area page lacks the accuracy line %q", acc.Sentence)
	}
	p := c.get("/areas/" + Leeds + "/comparators")
	if p.status != http.StatusOK {
		t.Fatalf("comparators: %d %s", p.status, p.body)
	}
	set, err := defaultCarecast(t).Neighbours(Leeds, service.DefaultNeighbours)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{Leeds}
	for _, n := range set.Neighbours {
		want = append(want, n.Code)
	}
	var got []string
	tbl := p.body[strings.Index(p.body, `id="comparators"`):]
	tbl = tbl[:strings.Index(tbl, "</table>")]
	for _, m := range regexp.MustCompile(`<tr data-area="(E\d{8})"`).FindAllStringSubmatch(tbl, -1) {
		got = append(got, m[1])
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	for _, code := range []string{Leeds, want[1]} {
		r := project(t, forecast.Scenario{Name: "Baseline", Areas: []string{code}, Uncertainty: forecast.UncertaintySpec{Draws: 200, Seed: 1}})
		v, _ := r.Value(code, 2022, "population", "all", "65+")
		if !strings.Contains(tbl, `<tr data-area="`+code+`"`) || !regexp.MustCompile(`data-area="`+code+`"[^\n]*\n<td data-col="pop65"><span class="v">`+chart.Number(v)+`</span>`).MatchString(tbl) {
			t.Errorf("%s: people 65+ should read %s", code, chart.Number(v))
		}
	}
	if !strings.Contains(p.body, "rurality") {
		t.Error("the method should say rurality is not used")
	}
	d := c.get("/areas/E07000163/comparators")
	if d.status != http.StatusOK || !strings.Contains(d.body, "is not one") {
		t.Errorf("a district's comparators: %d", d.status)
	}
}

// TestBrowserComparators walks an analyst, at 1366 and 390 px wide, from Leeds's page to its
// comparators, and checks Leeds's people 65+ there against the API's baseline.
func TestBrowserComparators(t *testing.T) {
	s := startServer(t, false)
	// The API's number: people 65+ in Leeds in the base year.
	var rows []struct {
		Year int     `json:"year"`
		Mean float64 `json:"mean"`
	}
	q := url.Values{"measure": {"population"}, "age_band": {"65+"}, "sex": {"all"}, "from": {"2022"}, "to": {"2023"}}
	resp := s.client().get("/v1/areas/" + Leeds + "/baseline?" + q.Encode())
	if resp.status != http.StatusOK || json.Unmarshal([]byte(resp.body), &rows) != nil || len(rows) != 2 || rows[0].Year != 2022 {
		t.Fatalf("API baseline: %d %s", resp.status, resp.body)
	}
	apiPop65 := chart.Number(rows[0].Mean)
	var nb struct {
		Neighbours []struct{ Code, Name string } `json:"neighbours"`
	}
	resp = s.client().get("/v1/areas/" + Leeds + "/neighbours")
	if resp.status != http.StatusOK || json.Unmarshal([]byte(resp.body), &nb) != nil || len(nb.Neighbours) != 10 {
		t.Fatalf("API neighbours: %d %s", resp.status, resp.body)
	}
	for _, width := range []int{1366, 390} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			ctx := browserCtx(t, chromedp.WindowSize(width, 900))
			do(t, ctx, chromedp.Navigate(s.URL+"/areas/"+Leeds), chromedp.WaitVisible(chromedp.CSS("#growth")))
			if got := text(t, ctx, "#accuracy"); !strings.Contains(got, "Projections like this one of people aged 65 and over") {
				t.Errorf("accuracy line %q", got)
			}
			shot(t, ctx, fmt.Sprintf("comparators-01-area-%d.png", width))
			do(t, ctx, chromedp.Click(chromedp.CSS("#comparators-link")))
			waitPath(t, ctx, "/areas/"+Leeds+"/comparators")
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#comparators")))
			if h := text(t, ctx, "h1"); h != "Leeds and its statistical neighbours" {
				t.Errorf("h1 %q", h)
			}
			if got := text(t, ctx, `#comparators tr[data-area="`+Leeds+`"] td[data-col="pop65"] .v`); got != apiPop65 {
				t.Errorf("Leeds people 65+: page %q, API %s", got, apiPop65)
			}
			names := eval[[]string](t, ctx, `[...document.querySelectorAll("#comparators tbody th a")].map(a => a.textContent)`)
			if len(names) != 11 || names[0] != "Leeds" {
				t.Fatalf("rows %v", names)
			}
			for i, n := range nb.Neighbours {
				if names[i+1] != n.Name {
					t.Errorf("row %d: page %q, API %q", i+1, names[i+1], n.Name)
				}
			}
			// The table scrolls inside its region; the page itself does not scroll sideways.
			if over := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`); over {
				t.Errorf("at %d px the page scrolls sideways", width)
			}
			checkAccessible(t, ctx, "comparators")
			shot(t, ctx, fmt.Sprintf("comparators-02-page-%d.png", width))
		})
	}
}
