package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/carecast/carecast/store"
	"github.com/carecast/carecast/store/postgres/pgtest"
	"github.com/carecast/carecast/store/storetest"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openTemp opens a store on a new empty database of t's own.
func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	url := pgtest.Database(t)
	s, err := Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

func TestConformance(t *testing.T) {
	pgtest.Require(t)
	storetest.Run(t, func(t *testing.T) store.Store { s, _ := openTemp(t); return s })
}

// TestTimesAreUTC: times written in another zone read back in UTC, truncated to microseconds,
// equal (==, not only Equal) to what store/sqlite returns.
func TestTimesAreUTC(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	org, err := s.EnsureOrg(ctx, "trafford")
	if err != nil {
		t.Fatal(err)
	}
	paris := time.FixedZone("CEST", 2*3600)
	at := time.Date(2025, 6, 1, 11, 0, 0, 123456789, paris)
	k := store.Key{ID: store.NewID("key"), OrgID: org.ID, Name: "x", Role: store.RoleViewer, Hash: [32]byte{5}, Created: at}
	if err := s.CreateKey(ctx, k, 0); err != nil {
		t.Fatal(err)
	}
	got, err := s.KeyByHash(ctx, k.Hash)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2025, 6, 1, 9, 0, 0, 123456000, time.UTC)
	if got.Created != want {
		t.Errorf("created = %v (%s), want %v", got.Created, got.Created.Location(), want)
	}
	if org.Created.Location() != time.UTC || org.Created.Nanosecond()%1000 != 0 {
		t.Errorf("organisation created %v: want UTC, whole microseconds", org.Created)
	}
}

func TestReopenKeepsData(t *testing.T) {
	s, url := openTemp(t)
	org, err := s.EnsureOrg(t.Context(), "trafford")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.OrgByName(t.Context(), "trafford")
	if err != nil || got != org {
		t.Fatalf("after reopen: %+v, %v; want %+v", got, err, org)
	}
	var n int
	if err := s2.db.QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != SchemaVersion() {
		t.Errorf("schema_migrations has %d rows (%v), want %d", n, err, SchemaVersion())
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	s, url := openTemp(t)
	if _, err := s.db.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (999, 'future')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(t.Context(), url)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema: %v", err)
	}
}

func TestRefusesForeignSchema(t *testing.T) {
	s, url := openTemp(t)
	if _, err := s.db.Exec(t.Context(), `UPDATE schema_migrations SET name = 'other' WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(t.Context(), url)
	if err == nil || !strings.Contains(err.Error(), "not a carecast database") {
		t.Fatalf("Open of a database with another migration 1: %v", err)
	}
}

// TestMigrationsAddAndRollBack applies a later migration to a database at version 1, then
// checks that a failing migration leaves nothing behind: neither its tables nor its record.
func TestMigrationsAddAndRollBack(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	more := append(migrations[:len(migrations):len(migrations)],
		migration{Version: len(migrations) + 1, Name: "extra", SQL: `CREATE TABLE extra (x int); INSERT INTO extra VALUES (1);`})
	for range 2 { // the second time is a no-op
		if err := migrate(ctx, s.db, more); err != nil {
			t.Fatal(err)
		}
	}
	var x int
	if err := s.db.QueryRow(ctx, `SELECT x FROM extra`).Scan(&x); err != nil || x != 1 {
		t.Fatalf("extra migration: %d, %v", x, err)
	}
	broken := append(more[:len(more):len(more)],
		migration{Version: len(more) + 1, Name: "broken", SQL: `CREATE TABLE half (x int); SELECT no_such_function();`})
	if err := migrate(ctx, s.db, broken); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("broken migration: %v", err)
	}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'half'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the broken migration's table exists (%d, %v)", n, err)
	}
	if err := s.db.QueryRow(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&n); err != nil || n != len(more) {
		t.Errorf("schema version %d (%v) after the broken migration, want %d", n, err, len(more))
	}
}

// TestConcurrentOpen starts several stores on one new database at once, as servers starting
// together would: the advisory lock lets one apply the migrations and the others find them
// applied.
func TestConcurrentOpen(t *testing.T) {
	url := pgtest.Database(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	stores := make([]*Store, n)
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("store %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	var count, maxV int
	if err := stores[0].db.QueryRow(t.Context(), `SELECT count(*), max(version) FROM schema_migrations`).Scan(&count, &maxV); err != nil {
		t.Fatal(err)
	}
	if count != SchemaVersion() || maxV != SchemaVersion() {
		t.Errorf("schema_migrations: %d rows up to version %d, want %d", count, maxV, SchemaVersion())
	}
}

func TestLoadMigrations(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files []string
		want  string // "" for no error, else part of it
	}{
		{"ok", []string{"0001_init.sql", "0002_more.sql"}, ""},
		{"gap", []string{"0001_init.sql", "0003_more.sql"}, "want 2"},
		{"no number", []string{"init.sql"}, "NNNN_name"},
		{"short number", []string{"1_init.sql"}, "NNNN_name"},
		{"none", nil, "no migrations"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tt.files {
				fsys["migrations/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			m, err := loadMigrations(fsys)
			if tt.want == "" {
				if err != nil || len(m) != len(tt.files) {
					t.Fatalf("%d migrations, %v", len(m), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if SchemaVersion() < 1 || migrations[0].Name != "init" {
		t.Errorf("embedded migrations: %d, first %q", SchemaVersion(), migrations[0].Name)
	}
}

// TestOpenErrorsHideThePassword: neither a URL that does not parse nor a server that does not
// answer gives an error quoting the password.
func TestOpenErrorsHideThePassword(t *testing.T) {
	for _, url := range []string{
		"postgres://carecast:s3cret@[bad/x",
		"postgres://carecast:s3cret@/carecast?host=" + t.TempDir() + "&connect_timeout=2",
	} {
		_, err := Open(context.Background(), url)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q): %v (must fail without quoting the password)", url, err)
		}
	}
}

func TestClosedStoreFails(t *testing.T) {
	s, _ := openTemp(t)
	s.Close()
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping after Close succeeded")
	}
}

func TestDiskFullMapping(t *testing.T) {
	// A PostgreSQL server cannot be made to run out of disk here cheaply (tablespaces on a
	// small file system need root and a mount): check the mapping of the error it would send.
	full := fmt.Errorf("insert: %w", &pgconn.PgError{Code: "53100", Message: "could not extend file"})
	if err := diskFull(full); !errors.Is(err, store.ErrDiskFull) {
		t.Errorf("disk_full maps to %v", err)
	}
	if err := diskFull(&pgconn.PgError{Code: "23505"}); errors.Is(err, store.ErrDiskFull) {
		t.Error("a unique violation maps to ErrDiskFull")
	}
}
