package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/carecast/carecast/store"

	"github.com/jackc/pgx/v5"
)

// TestFiles: a file of 2.5 chunks reads back byte for byte; a Put of the same name replaces
// it whole; Delete removes by prefix; a missing file is store.ErrNotFound; and content damaged
// in the database is refused by its recorded hash.
func TestFiles(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	f := s.Files()
	big := make([]byte, 5*ChunkSize/2)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	if err := f.Put(ctx, "runs/run_a/results.parquet", bytes.NewReader(big)); err != nil {
		t.Fatal(err)
	}
	var chunks int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM file_chunks WHERE name = 'runs/run_a/results.parquet'`).Scan(&chunks); err != nil || chunks != 3 {
		t.Errorf("%d chunks (%v), want 3 for 2.5 × ChunkSize", chunks, err)
	}
	var got bytes.Buffer
	if err := f.Get(ctx, "runs/run_a/results.parquet", &got); err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got.Bytes()) != sha256.Sum256(big) {
		t.Fatalf("read back %d bytes, different from the %d written", got.Len(), len(big))
	}

	// Replacing with a shorter file leaves none of the longer one behind.
	if err := f.Put(ctx, "runs/run_a/results.parquet", strings.NewReader("short")); err != nil {
		t.Fatal(err)
	}
	got.Reset()
	if err := f.Get(ctx, "runs/run_a/results.parquet", &got); err != nil || got.String() != "short" {
		t.Fatalf("after replacing: %q, %v", got.String(), err)
	}
	// An empty file is a file.
	if err := f.Put(ctx, "runs/run_a/empty.csv", strings.NewReader("")); err != nil {
		t.Fatal(err)
	}
	got.Reset()
	if err := f.Get(ctx, "runs/run_a/empty.csv", &got); err != nil || got.Len() != 0 {
		t.Fatalf("empty file: %d bytes, %v", got.Len(), err)
	}

	if err := f.Put(ctx, "runs/run_ab/results.parquet", strings.NewReader("other run")); err != nil {
		t.Fatal(err)
	}
	if err := f.Delete(ctx, "runs/run_a/"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"runs/run_a/results.parquet", "runs/run_a/empty.csv", "runs/run_nothing"} {
		if err := f.Get(ctx, name, io.Discard); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get %s after delete: %v, want ErrNotFound", name, err)
		}
	}
	got.Reset()
	if err := f.Get(ctx, "runs/run_ab/results.parquet", &got); err != nil || got.String() != "other run" {
		t.Errorf("a file outside the prefix: %q, %v", got.String(), err)
	}
	if err := f.Delete(ctx, ""); err == nil {
		t.Error("Delete of every file (empty prefix) was accepted")
	}

	if _, err := s.db.Exec(ctx, `UPDATE file_chunks SET data = 'other' WHERE name = 'runs/run_ab/results.parquet'`); err != nil {
		t.Fatal(err)
	}
	if err := f.Get(ctx, "runs/run_ab/results.parquet", io.Discard); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged content: %v, want an error saying so", err)
	}
}

// failingReader returns n bytes, then an error.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errors.New("connection reset")
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

// TestFilesPutFailureKeepsOld: a Put whose reader fails part way stores nothing: the file of
// that name is still the one before.
func TestFilesPutFailureKeepsOld(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	f := s.Files()
	if err := f.Put(ctx, "uploads/x.parquet", strings.NewReader("version one")); err != nil {
		t.Fatal(err)
	}
	err := f.Put(ctx, "uploads/x.parquet", &failingReader{n: ChunkSize + 10})
	if err == nil || !strings.Contains(err.Error(), "connection reset") || !strings.Contains(err.Error(), "uploads/x.parquet") {
		t.Fatalf("Put from a failing reader: %v, want the reader's error naming the file", err)
	}
	var got bytes.Buffer
	if err := f.Get(ctx, "uploads/x.parquet", &got); err != nil || got.String() != "version one" {
		t.Errorf("after the failed Put: %q, %v", got.String(), err)
	}
}

// TestCreateRunTx: the function given runs in the run's transaction — its writes commit with
// the run, and its error rolls the run back.
func TestCreateRunTx(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	org, err := s.EnsureOrg(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	sc, err := s.CreateScenario(ctx, store.Scenario{ID: store.NewID("scn"), OrgID: org.ID, Name: "x", Document: []byte(`{}`), Created: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(ctx, `CREATE TABLE side (run_id text)`); err != nil {
		t.Fatal(err)
	}
	run := func() store.Run {
		return store.Run{ID: store.NewID("run"), OrgID: org.ID, ScenarioID: sc.ID, ScenarioVersion: 1, Created: now}
	}
	ok := run()
	if _, err := s.CreateRunTx(ctx, ok, 0, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO side VALUES ($1)`, ok.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	bad := run()
	_, err = s.CreateRunTx(ctx, bad, 0, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO side VALUES ($1)`, bad.ID); err != nil {
			return err
		}
		return errors.New("queue refused the job")
	})
	if err == nil || !strings.Contains(err.Error(), "queue refused the job") {
		t.Fatalf("CreateRunTx with a failing function: %v", err)
	}
	if _, err := s.RunByID(ctx, bad.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rolled-back run: %v, want ErrNotFound", err)
	}
	var ids []string
	rows, _ := s.db.Query(ctx, `SELECT run_id FROM side`)
	ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(ids) != 1 || ids[0] != ok.ID {
		t.Errorf("side table holds %v (%v), want only %s", ids, err, ok.ID)
	}
}
