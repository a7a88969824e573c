package api

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carecast/carecast/datasets"
	"github.com/carecast/carecast/store"
)

// withRealDatasets validates uploads with package datasets, as `carecast serve` does, under the
// default upload size limit.
func withRealDatasets(maxRows int64) serverOpt {
	return func(c *Config, d *Deps) {
		c.MaxUploadBytes = DefaultConfig().MaxUploadBytes
		d.Datasets = DatasetFiles{Known: map[string]bool{"E08000019": true}, MaxBytes: c.MaxUploadBytes, MaxRows: maxRows}
	}
}

// The hostile files of datasets/testdata, uploaded to a real server: the row-count bomb (1.7 MB
// claiming 2,097,152 rows) is refused from its footer with a problem naming the limit, the
// dictionary bomb (a 256 KiB area code in 300 rows) answers problems that quote 64 characters
// of it, and neither leaves a file or a record behind.
func TestUploadBombsRefused(t *testing.T) {
	ts := newTestServer(t, true, withRealDatasets(0))
	planner := ts.key("alpha", store.RolePlanner)
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("..", "datasets", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}

	r := want(t, ts.do("POST", uploadPath("population", "rows.parquet"), planner, read("bomb_rows.parquet")), http.StatusUnprocessableEntity)
	p := r.problem(t)
	if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "2097152 rows, more than the 1048576-row limit") ||
		!strings.Contains(p.Errors[0].Message, string(datasets.RuleTooManyRows)) {
		t.Fatalf("row bomb: %s", r.body)
	}

	r = want(t, ts.do("POST", uploadPath("population", "dict.parquet"), planner, read("bomb_dict.parquet")), http.StatusUnprocessableEntity)
	p = r.problem(t)
	if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, "… (262144 bytes) is not a GSS area code") {
		t.Fatalf("dictionary bomb: %.2000s", r.body)
	}
	// 100 problems quoting the whole code would be 25 MiB; quoted short they are a few KiB.
	if len(r.body) > 64<<10 {
		t.Errorf("dictionary bomb answered %d bytes", len(r.body))
	}
	if got := files(t, ts, "uploads"); len(got) != 0 {
		t.Errorf("refused uploads left files: %v", got)
	}
	if got := files(t, ts, "tmp"); len(got) != 0 {
		t.Errorf("refused uploads left temporary files: %v", got)
	}

	// The cap is the server's setting: raised above the bomb's rows, the same file is decoded
	// and refused for what its rows say (every row repeats the first).
	ts = newTestServer(t, true, withRealDatasets(4<<20))
	planner = ts.key("alpha", store.RolePlanner)
	r = want(t, ts.do("POST", uploadPath("population", "rows.parquet"), planner, read("bomb_rows.parquet")), http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.body), "duplicate key") {
		t.Fatalf("row bomb under a raised cap: %.1000s", r.body)
	}
}
