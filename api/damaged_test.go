package api

import (
	"bytes"
	"encoding/binary"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/carecast/carecast/service"
	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/web"
)

// hashRE is a SHA-256 hash as runs record them.
var hashRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// withRealRunnerAndPages is withRealRunner with the web pages served too.
func withRealRunnerAndPages(t *testing.T) serverOpt {
	e, err := realEngine()
	if err != nil {
		t.Fatal(err)
	}
	base := withRealRunner(t)
	return func(c *Config, d *Deps) {
		base(c, d)
		d.Web = &web.Deps{Projector: defaultCarecast(t), Areas: e.Inputs().Areas, Catalog: e.Inputs()}
	}
}

// flipFooterByte changes one byte of the Parquet footer of the file at path (the Thrift file
// metadata before the trailing length and "PAR1"): the last byte of the last copy of needle
// in it, so that the footer still decodes and only a value in it changes. It returns the
// byte's offset.
func flipFooterByte(t *testing.T, path string, needle string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 12 || string(b[len(b)-4:]) != "PAR1" {
		t.Fatalf("%s is not a Parquet file", path)
	}
	n := int(binary.LittleEndian.Uint32(b[len(b)-8:]))
	start := len(b) - 8 - n
	i := bytes.LastIndex(b[start:len(b)-8], []byte(needle))
	if i < 0 {
		t.Fatalf("%q is not in the footer of %s", needle, path)
	}
	off := start + i + len(needle) - 1
	b[off] ^= 0x01 // '9' ↔ '8'
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return off
}

// TestDamagedResultFile changes one byte in the footer of a run's result file on disk (the
// area code in a column chunk's statistics), then reads the run's results filtered by that
// area, exports them, and opens its results page. Before result files were checked against
// the hash recorded when they were written, the results and the export answered 200 with rows
// read through the damaged footer (checked: with the check disabled this test fails on the
// first request, status 200). Now each answers 500 with a detail naming the damage and what
// recreates the file, and the pages say so.
func TestDamagedResultFile(t *testing.T) {
	ts := newTestServer(t, true, withRealRunnerAndPages(t))
	planner, viewer := ts.key("alpha", store.RolePlanner), ts.key("alpha", store.RoleViewer)
	run := ts.succeededRun(planner, `{"name": "Baseline", "areas": ["E08000019"], "horizon": 2030}`)
	other := ts.succeededRun(planner, `{"name": "Other", "areas": ["E08000019"], "horizon": 2030}`)

	org, err := ts.st.OrgByName(t.Context(), "alpha")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := ts.st.GetRun(t.Context(), org.ID, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	rel := "runs/" + run.ID + "/" + service.ResultFile
	if !hashRE.MatchString(stored.ResultHashes[rel]) {
		t.Fatalf("run %s recorded hashes %v, want one for %s", run.ID, stored.ResultHashes, rel)
	}

	results := "/v1/runs/" + run.ID + "/results?area=E08000019&year_from=2030&year_to=2030&limit=50"
	flipFooterByte(t, filepath.Join(ts.cfg.DataDir, filepath.FromSlash(rel)), "E08000019")

	for _, p := range []string{results, "/v1/runs/" + run.ID + "/results/export?format=csv&area=E08000019"} {
		pr := want(t, ts.do(http.MethodGet, p, viewer, nil), http.StatusInternalServerError).problem(t)
		if pr.Status != http.StatusInternalServerError || !strings.Contains(pr.Detail, "result file of run "+run.ID) ||
			!strings.Contains(pr.Detail, "damaged") || !strings.Contains(pr.Detail, "hash mismatch") ||
			!strings.Contains(pr.Detail, "run the scenario again") {
			t.Errorf("%s: problem %+v", p, pr)
		}
	}
	page := ts.do(http.MethodGet, "/runs/"+run.ID+"?area=E08000019", "", nil, "Cookie", web.CookieName+"="+viewer)
	if body := string(want(t, page, http.StatusInternalServerError).body); !strings.Contains(body, "Results damaged") ||
		!strings.Contains(body, "run "+run.ID) || !strings.Contains(body, "Run the scenario again") {
		t.Errorf("results page:\n%s", body)
	}
	csv := ts.do(http.MethodGet, "/runs/"+run.ID+"/data.csv?area=E08000019", "", nil, "Cookie", web.CookieName+"="+viewer)
	want(t, csv, http.StatusInternalServerError)

	// Another run's intact file still reads.
	if rows := ts.pageAll(viewer, "/v1/runs/"+other.ID+"/results?area=E08000019&year_from=2030&year_to=2030&limit=50"); len(rows) == 0 {
		t.Error("the intact run has no rows")
	}
}
