package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/carecast/carecast/api"
	"github.com/carecast/carecast/store/sqlite"
	"github.com/carecast/carecast/web"
	"github.com/carecast/carecast/web/chart"
)

// WestSussex is the council whose POPPI counts carecast's topic tables are checked against.
const WestSussex = "E10000032"

// startTopicServer is carecast serve's API and pages with the topics wired in as
// cmd/carecast wires them (api.Deps.Topics and web.Deps.Topics, the default data's
// service.Carecast), so the pages and GET /v1/topics answer from one server.
func startTopicServer(t *testing.T) string {
	t.Helper()
	_, in := testEngine(t)
	cc := defaultCarecast(t)
	dir := t.TempDir()
	cfg := api.DefaultConfig()
	cfg.DataDir = dir
	cfg.Workers = 1
	cfg.RateLimit, cfg.RateBurst = 1000, 1000
	cfg.OrgRateLimit, cfg.OrgRateBurst = 1000, 1000
	cfg.AnonRateLimit, cfg.AnonRateBurst = 1000, 1000
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, api.DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	deps := api.Deps{Version: "test", Areas: in.Areas, Projector: cc, Neighbours: cc, Topics: cc,
		Web: &web.Deps{Projector: cc, Neighbours: cc, Accuracy: cc, Areas: in.Areas, Catalog: in, Topics: cc}}
	svc, err := api.NewService(context.Background(), cfg, deps, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	hs.Config = svc.HTTPServer()
	hs.Start()
	t.Cleanup(func() {
		svc.Drain()
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		svc.Close(ctx)
		st.Close()
	})
	return hs.URL
}

// fetch is GET url's status, Content-Type and body.
func fetch(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, b
}

// apiTopic is GET /v1/topics/{topic}'s JSON answer.
type apiTopic struct {
	Studies []string `json:"studies"`
	Rows    []struct {
		Area  string   `json:"area_code"`
		Year  int      `json:"year"`
		Band  string   `json:"age_band"`
		Sex   string   `json:"sex"`
		Count *float64 `json:"count"`
		Lo    *float64 `json:"lo"`
		Hi    *float64 `json:"hi"`
	} `json:"rows"`
}

func getTopic(t *testing.T, base, path string) apiTopic {
	t.Helper()
	code, _, b := fetch(t, base+path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %.300s", path, code, b)
	}
	var v apiTopic
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return v
}

// pageCell is one cell of #topic-table as the page shows it.
type pageCell struct {
	Band, Year, Text, Count, Lo, Hi string
}

func pageCells(t *testing.T, ctx context.Context) []pageCell {
	t.Helper()
	return eval[[]pageCell](t, ctx, `[...document.querySelectorAll("#topic-table tbody td")].map(td => ({
		Band: td.closest("tr").dataset.band, Year: td.dataset.year, Text: td.textContent.trim().replace(/\s+/g, " "),
		Count: td.dataset.count || "", Lo: td.dataset.lo || "", Hi: td.dataset.hi || ""}))`)
}

// sameFloat reports whether the page's attribute s is exactly v.
func sameFloat(s string, v float64) bool {
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && f == v
}

// checkTopicTable compares every cell of the page's table (sex all) with the API's rows for
// the same years: the exact count (data-count), the figure shown (chart.Number) and, where the
// API has one, the range.
func checkTopicTable(t *testing.T, ctx context.Context, want apiTopic, years []int, withRange bool) {
	t.Helper()
	cells := pageCells(t, ctx)
	type key struct {
		band string
		year int
	}
	rows := map[key]int{}
	for i, r := range want.Rows {
		if r.Sex == "all" {
			rows[key{r.Band, r.Year}] = i
		}
	}
	if len(cells) != len(rows) || len(cells) == 0 {
		t.Fatalf("the page has %d cells, the API %d rows for all people", len(cells), len(rows))
	}
	seenYears := map[int]bool{}
	ranges := 0
	for _, c := range cells {
		y, _ := strconv.Atoi(c.Year)
		seenYears[y] = true
		i, ok := rows[key{c.Band, y}]
		if !ok {
			t.Errorf("page cell %s %s is not in the API's answer", c.Band, c.Year)
			continue
		}
		r := want.Rows[i]
		if r.Count == nil {
			if c.Text != "no rate" {
				t.Errorf("%s %s: page %q, the API has no count", c.Band, c.Year, c.Text)
			}
			continue
		}
		shown := chart.Number(*r.Count)
		if r.Lo != nil {
			shown += " (" + chart.Number(*r.Lo) + "–" + chart.Number(*r.Hi) + ")"
			ranges++
			if !sameFloat(c.Lo, *r.Lo) || !sameFloat(c.Hi, *r.Hi) {
				t.Errorf("%s %s: page range %s–%s, API %v–%v", c.Band, c.Year, c.Lo, c.Hi, *r.Lo, *r.Hi)
			}
		}
		if c.Text != shown || !sameFloat(c.Count, *r.Count) {
			t.Errorf("%s %s: page %q (count %s), API %q (count %v)", c.Band, c.Year, c.Text, c.Count, shown, *r.Count)
		}
	}
	for _, y := range years {
		if !seenYears[y] {
			t.Errorf("the page has no column for %d", y)
		}
	}
	if len(seenYears) != len(years) {
		t.Errorf("the page shows %d years, want %d", len(seenYears), len(years))
	}
	if withRange && ranges != len(cells) {
		t.Errorf("%d of %d cells show a range", ranges, len(cells))
	}
	if !withRange && ranges != 0 {
		t.Errorf("%d cells show a range the rates do not have", ranges)
	}
}

// noSideways checks that the page does not scroll sideways and that a table wider than the
// window sits in its own scroll region with its row headings sticky.
func noSideways(t *testing.T, ctx context.Context, page string, w int64) {
	t.Helper()
	bad := eval[[]string](t, ctx, `(() => {
		const out = [], vw = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth > vw) out.push("the page is " + document.documentElement.scrollWidth + " wide in a " + vw + " window");
		for (const tb of document.querySelectorAll("table")) {
			const r = tb.getBoundingClientRect();
			if (r.left >= -0.5 && r.right <= vw + 0.5) continue;
			const sc = tb.closest(".table-wrap");
			if (!sc || getComputedStyle(sc).overflowX !== "auto") { out.push((tb.id || "a table") + " is wider than the window and in no scroll region"); continue; }
			const sr = sc.getBoundingClientRect();
			if (sr.left < -0.5 || sr.right > vw + 0.5) out.push((tb.id || "a table") + "'s scroll region is wider than the window");
			const first = tb.querySelector("tbody tr > :first-child");
			if (first && getComputedStyle(first).position !== "sticky") out.push((tb.id || "a table") + " scrolls but its first column is not sticky");
		}
		return out;
	})()`)
	for _, b := range bad {
		t.Errorf("%s at %d px: %s", page, w, b)
	}
}

// TestBrowserTopicTable is issue 14's topic walk in a real browser, at a laptop's width (1366
// CSS pixels) and a phone's (390): a planner opens the topics list, follows falls, chooses West
// Sussex and 2018 to 2030 in the form, and reads a table whose every figure is the one GET
// /v1/topics/falls answers for those years, with the study named under it; the CFAS II
// dementia table shows ranges; at 390 px the page never scrolls sideways (the tables scroll in
// their own regions). The Excel link downloads a workbook whose first sheet has the API's
// cells, and the CSV link the API's CSV byte for byte.
func TestBrowserTopicTable(t *testing.T) {
	ctx := browserCtx(t)
	base := startTopicServer(t)
	dl := filepath.Join(outDir(t), "downloads-topics")
	downloads := allowDownloads(t, ctx, dl)

	years := []int{}
	for y := 2018; y <= 2030; y++ {
		years = append(years, y)
	}
	falls := getTopic(t, base, "/v1/topics/falls?area="+WestSussex+"&from=2018&to=2030")
	cfas := getTopic(t, base, "/v1/topics/dementia_cfas2?area="+WestSussex+"&from=2018&to=2030")

	for _, w := range []int64{1366, 390} {
		do(t, ctx, chromedp.EmulateViewport(w, 900))

		// 1. The topics list, from the navigation.
		do(t, ctx, chromedp.Navigate(base+"/"))
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`nav a[href="/topics"]`)), chromedp.Click(chromedp.CSS(`nav a[href="/topics"]`)))
		waitPath(t, ctx, "/topics")
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#topics-table")))
		if got := text(t, ctx, `#topics-table tr:has(a[href="/topics/falls"]) td:last-child`); got != strings.Join(falls.Studies, "; ") {
			t.Errorf("the list names falls' study %q, the API %q", got, falls.Studies)
		}
		checkAccessible(t, ctx, "topics")
		noSideways(t, ctx, "topics", w)
		shot(t, ctx, fmt.Sprintf("topics-list-%d.png", w))

		// 2. Falls, then West Sussex and 2018 to 2030 in the form.
		do(t, ctx, chromedp.Click(chromedp.CSS(`#topics-table a[href="/topics/falls"]`)))
		waitPath(t, ctx, "/topics/falls")
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#area")),
			chromedp.SetValue(chromedp.CSS("#area"), WestSussex),
			chromedp.SetValue(chromedp.CSS("#from"), "2018"),
			chromedp.SetValue(chromedp.CSS("#to"), "2030"),
			chromedp.Click(chromedp.CSS(`form[aria-label="Council and years"] button[type=submit]`)))
		deadline := time.Now().Add(20 * time.Second)
		// Poll through the navigation the submit starts: an evaluation may meet the page as it
		// goes, so an error is another try, not a failure.
		for time.Now().Before(deadline) {
			q, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === "complete" ? location.search : ""`))
			if err == nil && strings.Contains(q, "area="+WestSussex) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		waitPath(t, ctx, "/topics/falls")
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#topic-table")))
		if got := text(t, ctx, "#topic-caption"); !strings.Contains(got, "West Sussex, all people, 2018 to 2030") {
			t.Errorf("falls caption %q", got)
		}
		checkTopicTable(t, ctx, falls, years, false)
		if got, want := text(t, ctx, "p.studies"), "Study: "+strings.Join(falls.Studies, "; ")+"."; got != want {
			t.Errorf("under the table %q, want %q", got, want)
		}
		if !eval[bool](t, ctx, `document.querySelector("#topic-table").nextElementSibling === null &&
			document.querySelector("#topic-table").parentElement.nextElementSibling.matches("p.studies")`) {
			t.Error("the study is not named right under the table")
		}
		checkAccessible(t, ctx, "falls")
		noSideways(t, ctx, "falls", w)
		shot(t, ctx, fmt.Sprintf("topic-falls-west-sussex-%d.png", w))
		if w == 390 {
			// The table scrolls in its own region, its age bands staying in view.
			// (13 years must not fit a phone: a table that does not scroll fails too.)
			if !headingsStay(t, ctx, "topic-table", true) {
				t.Error("at 390 px the falls table does not scroll in its region with its age bands in view")
			}
			viewShot(t, ctx, "#topic-table", "topic-falls-table-scrolled-390.png")
		}

		// 3. The downloads, followed from the page's links.
		xlsxHref := eval[string](t, ctx, `document.querySelector('a[href*="/data.xlsx"]').href`)
		csvHref := eval[string](t, ctx, `document.querySelector('a[href*="/data.csv?area=`+WestSussex+`"]').href`)
		if w == 1366 {
			do(t, ctx, chromedp.Click(chromedp.CSS(`a[href*="/data.xlsx"]`)))
			xb := []byte(waitDownload(t, downloads, dl))
			code, h, direct := fetch(t, xlsxHref)
			if code != http.StatusOK || h.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
				!strings.HasSuffix(h.Get("Content-Disposition"), `.xlsx"`) {
				t.Errorf("Excel link: %d, Content-Type %q, Content-Disposition %q", code, h.Get("Content-Type"), h.Get("Content-Disposition"))
			}
			if !bytes.Equal(direct[:2], []byte("PK")) || !bytes.Equal(xb[:2], []byte("PK")) {
				t.Error("the Excel download is not a zip (xlsx) file")
			}
			checkWorkbook(t, xb, falls)

			do(t, ctx, chromedp.Click(chromedp.CSS(`a[href*="/data.csv?area=`+WestSussex+`"]`)))
			csv := waitDownload(t, downloads, dl)
			code, h, _ = fetch(t, csvHref)
			if code != http.StatusOK || h.Get("Content-Type") != "text/csv; charset=utf-8" {
				t.Errorf("CSV link: %d, Content-Type %q", code, h.Get("Content-Type"))
			}
			_, _, apiCSV := fetch(t, base+"/v1/topics/falls?area="+WestSussex+"&from=2018&to=2030&format=csv")
			if csv != string(apiCSV) {
				t.Errorf("the page's CSV and the API's differ:\npage %.400s\nAPI  %.400s", csv, apiCSV)
			}
		}

		// 4. CFAS II dementia: rates with intervals, so every cell has its range.
		do(t, ctx, chromedp.Navigate(base+"/topics/dementia_cfas2?area="+WestSussex+"&from=2018&to=2030"))
		waitPath(t, ctx, "/topics/dementia_cfas2")
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#topic-table")))
		if got := text(t, ctx, "#topic-caption"); !strings.HasSuffix(got, "(range in brackets)") {
			t.Errorf("CFAS II caption %q", got)
		}
		checkTopicTable(t, ctx, cfas, years, true)
		if got, want := text(t, ctx, "p.studies"), "Study: "+strings.Join(cfas.Studies, "; ")+"."; got != want {
			t.Errorf("under the CFAS II table %q, want %q", got, want)
		}
		checkAccessible(t, ctx, "dementia_cfas2")
		noSideways(t, ctx, "dementia_cfas2", w)
		shot(t, ctx, fmt.Sprintf("topic-dementia-cfas2-west-sussex-%d.png", w))
	}
}

// checkWorkbook opens the download with excelize and checks that its first sheet is the
// table: the download's columns, then one row per API row with the same numbers (to Excel's
// 15 significant digits).
func checkWorkbook(t *testing.T, b []byte, want apiTopic) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the Excel download does not open: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) < 2 || sheets[0] != "topic" || sheets[1] != "about" {
		t.Fatalf("workbook sheets %q", sheets)
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want.Rows)+1 {
		t.Fatalf("the sheet has %d rows, the API %d (+ header)", len(rows), len(want.Rows))
	}
	if got := strings.Join(rows[0], ","); !strings.HasPrefix(got, "area_code,area_name,year,topic,age_band,sex,count,lo,hi,") {
		t.Errorf("sheet header %q", got)
	}
	cellOf := func(r []string, i int) string {
		if i < len(r) {
			return r[i]
		}
		return ""
	}
	// Excel keeps 15 significant digits, and excelize (v2.11) writes a float by cutting it
	// there, not rounding: the sheet's number is the API's within one unit of the 15th digit.
	same := func(s string, p *float64) bool {
		if p == nil {
			return s == ""
		}
		f, err := strconv.ParseFloat(s, 64)
		return err == nil && math.Abs(f-*p) <= 1e-14*math.Abs(*p)
	}
	for i, r := range want.Rows {
		row := rows[i+1]
		if cellOf(row, 0) != r.Area || cellOf(row, 2) != strconv.Itoa(r.Year) || cellOf(row, 3) != "falls" || cellOf(row, 4) != r.Band ||
			cellOf(row, 5) != r.Sex || !same(cellOf(row, 6), r.Count) || !same(cellOf(row, 7), r.Lo) || !same(cellOf(row, 8), r.Hi) {
			t.Errorf("sheet row %d %q, API row %+v", i+2, row, r)
		}
	}
}
