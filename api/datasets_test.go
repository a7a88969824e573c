package api

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carecast/carecast/store"
)

func uploadPath(kind, name string) string {
	return "/v1/datasets?kind=" + kind + "&name=" + url.QueryEscape(name)
}

// files returns the files under the data directory's dir (relative paths).
func files(t *testing.T, ts *testServer, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(ts.cfg.DataDir, dir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(ts.cfg.DataDir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func TestDatasets(t *testing.T) {
	ts := newTestServer(t, true)
	planner, admin := ts.key("alpha", store.RolePlanner), ts.key("alpha", store.RoleAdmin)
	content := "area_code,year,count\nE08000009,2024,235000\nE08000019,2024,556000\n"

	r := want(t, ts.do("POST", uploadPath("population", "trafford pop.csv"), planner, content, "Content-Type", "text/csv"), http.StatusCreated)
	var d Dataset
	r.json(t, &d)
	sum := sha256.Sum256([]byte(content))
	if r.header.Get("Location") != d.URL || d.Kind != "population" || d.Name != "trafford pop.csv" || d.Builtin ||
		d.Size != int64(len(content)) || d.ContentHash != "sha256:"+hex.EncodeToString(sum[:]) || d.Summary.Rows != 2 {
		t.Fatalf("uploaded %+v", d)
	}
	stored := files(t, ts, "uploads")
	if len(stored) != 1 || !strings.HasSuffix(stored[0], d.ID+".csv") {
		t.Fatalf("stored files %v", stored)
	}
	if b, _ := os.ReadFile(filepath.Join(ts.cfg.DataDir, stored[0])); string(b) != content {
		t.Errorf("stored content %q", b)
	}
	var got Dataset
	want(t, ts.do("GET", "/v1/datasets/"+d.ID, ts.key("alpha", store.RoleViewer), nil), http.StatusOK).json(t, &got)
	if got.ID != d.ID || got.ContentHash != d.ContentHash || got.Summary.Rows != 2 {
		t.Errorf("described %+v", got)
	}

	// Built-in datasets: listed first (for every organisation), describable, not deletable.
	var page Page[Dataset]
	want(t, ts.do("GET", "/v1/datasets", ts.key("beta", store.RoleViewer), nil), http.StatusOK).json(t, &page)
	if len(page.Items) != 1 || !page.Items[0].Builtin || page.Items[0].ID != "builtin_population" {
		t.Errorf("beta lists %+v", page.Items)
	}
	want(t, ts.do("GET", "/v1/datasets", planner, nil), http.StatusOK).json(t, &page)
	if len(page.Items) != 2 || page.Items[1].ID != d.ID {
		t.Errorf("alpha lists %+v", page.Items)
	}
	want(t, ts.do("GET", "/v1/datasets/builtin_population", ts.key("beta", store.RoleViewer), nil), http.StatusOK)
	want(t, ts.do("GET", "/v1/datasets/builtin_mortality", planner, nil), http.StatusNotFound)
	want(t, ts.do("DELETE", "/v1/datasets/builtin_population", admin, nil), http.StatusForbidden)

	// Invalid files: every problem listed, nothing stored.
	bad := "area_code,year,count\nE08000009,2024\nok,1,2\nE1,2,3,4\n"
	p := want(t, ts.do("POST", uploadPath("population", "bad.csv"), planner, bad), http.StatusUnprocessableEntity).problem(t)
	if len(p.Errors) != 2 || p.Errors[0].Location != "body: row 2" || p.Errors[1].Location != "body: row 4" {
		t.Errorf("invalid upload problems %+v", p)
	}
	want(t, ts.do("POST", uploadPath("population", "empty.csv"), planner, ""), http.StatusUnprocessableEntity)
	want(t, ts.do("POST", uploadPath("households", "x.csv"), planner, content), http.StatusUnprocessableEntity)
	want(t, ts.do("POST", "/v1/datasets?kind=population", planner, content), http.StatusUnprocessableEntity)
	want(t, ts.do("POST", uploadPath("population", "../etc/passwd"), planner, content), http.StatusUnprocessableEntity)
	want(t, ts.do("POST", uploadPath("population", "x.csv"), ts.key("alpha", store.RoleViewer), content), http.StatusForbidden)

	// Too large: refused by Content-Length at once, and by counting when the length is unknown.
	big := "area_code,year,count\n" + strings.Repeat("E08000009,2024,1\n", int(ts.cfg.MaxUploadBytes)/17+1)
	want(t, ts.do("POST", uploadPath("population", "big.csv"), planner, big), http.StatusRequestEntityTooLarge)
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(big))
		pw.Close()
	}()
	want(t, ts.do("POST", uploadPath("population", "big.csv"), planner, pr), http.StatusRequestEntityTooLarge)
	if got := files(t, ts, "uploads"); len(got) != 1 {
		t.Errorf("after refused uploads: %v", got)
	}
	if got := files(t, ts, "tmp"); len(got) != 0 {
		t.Errorf("temporary files left: %v", got)
	}

	// Delete: admins only; record and file go.
	want(t, ts.do("DELETE", "/v1/datasets/"+d.ID, planner, nil), http.StatusForbidden)
	want(t, ts.do("DELETE", "/v1/datasets/"+d.ID, admin, nil), http.StatusNoContent)
	want(t, ts.do("GET", "/v1/datasets/"+d.ID, admin, nil), http.StatusNotFound)
	want(t, ts.do("DELETE", "/v1/datasets/"+d.ID, admin, nil), http.StatusNotFound)
	if got := files(t, ts, "uploads"); len(got) != 0 {
		t.Errorf("files after delete: %v", got)
	}
}

// TestStartupSweep: a restart removes temporary uploads and upload files with no record.
func TestStartupSweep(t *testing.T) {
	cfg := testConfig(t)
	for _, p := range []string{"tmp/upload-123.csv", "uploads/org_x/dst_orphan.csv"} {
		os.MkdirAll(filepath.Join(cfg.DataDir, filepath.Dir(p)), 0o750)
		os.WriteFile(filepath.Join(cfg.DataDir, p), []byte("x"), 0o640)
	}
	st, err := OpenStore(t.Context(), cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := NewService(t.Context(), cfg, testDeps(), st, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(t.Context())
	for _, p := range []string{"tmp/upload-123.csv", "uploads/org_x/dst_orphan.csv"} {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, p)); !os.IsNotExist(err) {
			t.Errorf("%s survived the start: %v", p, err)
		}
	}
}
