package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/store/storetest"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "carecast.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// TestPragmas checks the settings the durability argument in the package doc depends on, on
// both the writer and the reader connections.
func TestPragmas(t *testing.T) {
	s := openTemp(t)
	check := func(label string, q func(string) (string, error)) {
		for pragma, want := range map[string]string{
			"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000",
		} {
			got, err := q("PRAGMA " + pragma)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.EqualFold(got, want) {
				t.Errorf("%s: %s = %s, want %s", label, pragma, got, want)
			}
		}
	}
	check("writer", func(q string) (v string, err error) { err = s.w.QueryRowContext(t.Context(), q).Scan(&v); return })
	check("reader", func(q string) (v string, err error) { err = s.r.QueryRowContext(t.Context(), q).Scan(&v); return })
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "carecast.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	org, err := s.EnsureOrg(t.Context(), "trafford")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.OrgByName(t.Context(), "trafford")
	if err != nil || got != org {
		t.Fatalf("after reopen: %+v, %v; want %+v", got, err, org)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "carecast.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(t.Context(), "PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(t.Context(), path)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema: %v", err)
	}
}

func TestOpenMissingDir(t *testing.T) {
	_, err := Open(t.Context(), filepath.Join(t.TempDir(), "no", "such", "carecast.db"))
	if err == nil {
		t.Fatal("Open in a missing directory succeeded")
	}
}

func TestIDs(t *testing.T) {
	id := store.NewID("run")
	if !store.ValidID("run", id) || store.ValidID("scn", id) || store.ValidID("run", id+"x") || store.ValidID("run", "run_"+strings.Repeat("A", 26)) {
		t.Errorf("ValidID disagrees with NewID: %s", id)
	}
}

// TestUpgradeKeepsRunsWithoutHashes opens a database of schema version 1 (before result hashes
// were recorded) holding a succeeded run: the run reads back with its result path and no
// hashes, so its file is read unchecked; and (migration 3) at attempt 1, as every run that
// started before attempts were counted.
func TestUpgradeKeepsRunsWithoutHashes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "carecast.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		migrations[0],
		`PRAGMA user_version = 1`,
		`INSERT INTO orgs (id, name, created) VALUES ('org_1', 'trafford', '2025-01-01T00:00:00.000000Z')`,
		`INSERT INTO scenarios (id, org_id, latest_version, created) VALUES ('scn_1', 'org_1', 1, '2025-01-01T00:00:00.000000Z')`,
		`INSERT INTO scenario_versions (scenario_id, version, name, document, created) VALUES ('scn_1', 1, 'x', '{}', '2025-01-01T00:00:00.000000Z')`,
		`INSERT INTO runs (id, org_id, scenario_id, scenario_version, status, progress, result_path, created, started, finished)
		 VALUES ('run_1', 'org_1', 'scn_1', 1, 'succeeded', 1, 'runs/run_1/results.parquet', '2025-01-01T00:00:00.000000Z',
		 '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:01.000000Z')`,
	} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.GetRun(t.Context(), "org_1", "run_1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != store.RunSucceeded || r.ResultPath != "runs/run_1/results.parquet" || r.ResultHashes != nil || r.Attempt != 1 {
		t.Fatalf("upgraded run: %+v", r)
	}
}

// TestDiskFull: a write refused because the database cannot grow (SQLITE_FULL, here from a
// page limit rather than a full disk) is store.ErrDiskFull, and writes nothing.
func TestDiskFull(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	org, err := s.EnsureOrg(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := s.w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA max_page_count = "+strconv.Itoa(pages+20)); err != nil {
		t.Fatal(err)
	}
	doc := json.RawMessage(`{"pad":"` + strings.Repeat("x", 16<<10) + `"}`)
	n := 0
	for ; ; n++ {
		if n == 100 {
			t.Fatal("100 scenarios of 16 KiB in 20 pages")
		}
		_, err = s.CreateScenario(ctx, store.Scenario{ID: store.NewID("scn"), OrgID: org.ID, Name: "s", Document: doc,
			Created: time.Now().UTC().Truncate(time.Microsecond)})
		if err != nil {
			break
		}
	}
	t.Logf("%d scenarios created, then: %v", n, err)
	if !errors.Is(err, store.ErrDiskFull) {
		t.Fatalf("error %v, want store.ErrDiskFull", err)
	}
	list, _, err := s.ListScenarios(ctx, org.ID, store.Page{Limit: 1000})
	if err != nil || len(list) != n {
		t.Errorf("%d scenarios listed (%v), %d created", len(list), err, n)
	}
}
