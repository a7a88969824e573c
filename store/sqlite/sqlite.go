// Package sqlite implements store.Store on an embedded SQLite database (modernc.org/sqlite, pure
// Go).
//
// Durability: the database runs in WAL mode with synchronous=FULL, so a transaction is fsynced
// to the write-ahead log before its commit returns. synchronous=NORMAL would already survive a
// killed process (the WAL is in the OS page cache), but a power cut or kernel panic could lose
// the last commits; carecast's write rate is small (scenarios, runs, throttled progress), so
// it pays the extra fsync per commit and an acknowledged write survives both.
//
// Concurrency: writes go through one connection (so they queue in Go rather than fail with
// SQLITE_BUSY) and begin IMMEDIATE transactions; reads use a separate pool of connections and,
// thanks to WAL, never wait for the writer. Every connection sets busy_timeout and
// foreign_keys.
//
// A write that the database cannot make for want of space (SQLITE_FULL: a full disk, or a
// max_page_count reached) returns an error wrapping store.ErrDiskFull; like every write error,
// it means nothing was written.
//
// Migrations are SQL scripts in this package, applied in order at Open and tracked in
// PRAGMA user_version; Open refuses a database written by a newer carecast.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/carecast/carecast/store"

	"modernc.org/sqlite" // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// timeFormat is how times are stored: fixed width, so text order is time order.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// Store is a store.Store backed by one SQLite database file.
type Store struct {
	w *sql.DB // one connection, IMMEDIATE transactions: every write
	r *sql.DB // a pool: every read
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the SQLite database at path, applies pending migrations and
// returns the store. The directory must exist.
func Open(ctx context.Context, path string) (*Store, error) {
	dsn := func(txlock string) string {
		q := url.Values{}
		q.Set("_txlock", txlock)
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		return "file:" + path + "?" + q.Encode()
	}
	w, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn("deferred"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	s := &Store{w: w, r: r}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return s, nil
}

// SchemaVersion is the schema version this package writes.
func SchemaVersion() int { return len(migrations) }

func (s *Store) migrate(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	var v int
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this carecast knows (%d): use a newer carecast", v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(v+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
	return nil
}

// tx runs f in one IMMEDIATE write transaction and commits it. Every write goes through it,
// so it is where SQLITE_FULL becomes store.ErrDiskFull.
func (s *Store) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return diskFull(err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return diskFull(err)
	}
	return diskFull(tx.Commit())
}

// diskFull wraps an SQLITE_FULL error ("database or disk is full", any extended code) with
// store.ErrDiskFull and returns every other error as it is.
func diskFull(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL {
		return fmt.Errorf("%w: %w", store.ErrDiskFull, err)
	}
	return err
}

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close implements store.Store.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) { return time.Parse(timeFormat, s) }

func parseTimePtr(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	return &t, err
}

// EnsureOrg implements store.Store.
func (s *Store) EnsureOrg(ctx context.Context, name string) (store.Org, error) {
	if o, err := s.OrgByName(ctx, name); err == nil || !errors.Is(err, store.ErrNotFound) {
		return o, err
	}
	o := store.Org{ID: store.NewID("org"), Name: name, Created: time.Now().UTC().Truncate(time.Microsecond)}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO orgs (id, name, created) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			o.ID, o.Name, fmtTime(o.Created))
		return err
	})
	if err != nil {
		return store.Org{}, fmt.Errorf("create organisation %q: %w", name, err)
	}
	return s.OrgByName(ctx, name)
}

// OrgByName implements store.Store.
func (s *Store) OrgByName(ctx context.Context, name string) (store.Org, error) {
	var o store.Org
	var created string
	err := s.r.QueryRowContext(ctx, `SELECT id, name, created FROM orgs WHERE name = ?`, name).Scan(&o.ID, &o.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("organisation %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return o, err
	}
	o.Created, err = parseTime(created)
	return o, err
}

// CreateKey implements store.Store.
func (s *Store) CreateKey(ctx context.Context, k store.Key, maxPerOrg int) error {
	if !k.Role.Valid() {
		return fmt.Errorf("key role %q: want viewer, planner or admin", k.Role)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if maxPerOrg > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM api_keys WHERE org_id = ?`, k.OrgID).Scan(&n); err != nil {
				return err
			}
			if n >= maxPerOrg {
				return fmt.Errorf("organisation has %d API keys (limit %d): %w", n, maxPerOrg, store.ErrTooManyKeys)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, org_id, name, role, hash, created) VALUES (?, ?, ?, ?, ?, ?)`,
			k.ID, k.OrgID, k.Name, string(k.Role), k.Hash[:], fmtTime(k.Created))
		return err
	})
}

const keyCols = `k.id, k.org_id, o.name, k.name, k.role, k.hash, k.created`

func scanKey(sc interface{ Scan(...any) error }) (store.Key, error) {
	var k store.Key
	var role, created string
	var hash []byte
	if err := sc.Scan(&k.ID, &k.OrgID, &k.OrgName, &k.Name, &role, &hash, &created); err != nil {
		return k, err
	}
	k.Role = store.Role(role)
	copy(k.Hash[:], hash)
	var err error
	k.Created, err = parseTime(created)
	return k, err
}

// KeyByHash implements store.Store.
func (s *Store) KeyByHash(ctx context.Context, hash [32]byte) (store.Key, error) {
	k, err := scanKey(s.r.QueryRowContext(ctx, `SELECT `+keyCols+` FROM api_keys k JOIN orgs o ON o.id = k.org_id WHERE k.hash = ?`, hash[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return k, fmt.Errorf("api key: %w", store.ErrNotFound)
	}
	return k, err
}

// ListKeys implements store.Store.
func (s *Store) ListKeys(ctx context.Context, orgID string) ([]store.Key, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+keyCols+` FROM api_keys k JOIN orgs o ON o.id = k.org_id WHERE k.org_id = ? ORDER BY k.created, k.id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// DeleteKey implements store.Store.
func (s *Store) DeleteKey(ctx context.Context, orgID, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM api_keys WHERE id = ? AND org_id = ?`, id, orgID)
		if err != nil {
			return err
		}
		return affectedOne(res, "api key "+id)
	})
}

// CountKeys implements store.Store.
func (s *Store) CountKeys(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM api_keys`).Scan(&n)
	return n, err
}

func affectedOne(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

// mustHashes encodes result hashes as a JSON object ({} for none).
func mustHashes(h map[string]string) []byte {
	if len(h) == 0 {
		return []byte("{}")
	}
	b, _ := json.Marshal(h) // a map of strings always encodes
	return b
}

func jsonOrEmpty(b json.RawMessage) string {
	if len(b) == 0 {
		return "{}"
	}
	return string(b)
}

// CreateDataset implements store.Store.
func (s *Store) CreateDataset(ctx context.Context, d store.Dataset) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO datasets (id, org_id, kind, name, content_hash, size, path, summary, created)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, d.OrgID, d.Kind, d.Name, d.ContentHash, d.Size, d.Path, jsonOrEmpty(d.Summary), fmtTime(d.Created))
		return err
	})
}

const datasetCols = `seq, id, org_id, kind, name, content_hash, size, path, summary, created`

func scanDataset(sc interface{ Scan(...any) error }) (store.Dataset, int64, error) {
	var d store.Dataset
	var seq int64
	var summary, created string
	if err := sc.Scan(&seq, &d.ID, &d.OrgID, &d.Kind, &d.Name, &d.ContentHash, &d.Size, &d.Path, &summary, &created); err != nil {
		return d, 0, err
	}
	d.Summary = json.RawMessage(summary)
	var err error
	d.Created, err = parseTime(created)
	return d, seq, err
}

// GetDataset implements store.Store.
func (s *Store) GetDataset(ctx context.Context, orgID, id string) (store.Dataset, error) {
	d, _, err := scanDataset(s.r.QueryRowContext(ctx, `SELECT `+datasetCols+` FROM datasets WHERE id = ? AND org_id = ?`, id, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("dataset %s: %w", id, store.ErrNotFound)
	}
	return d, err
}

// ListDatasets implements store.Store.
func (s *Store) ListDatasets(ctx context.Context, orgID string, p store.Page) ([]store.Dataset, string, error) {
	before, limit, err := store.PageArgs(p)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+datasetCols+` FROM datasets WHERE org_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, orgID, before, limit+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []store.Dataset
	var seqs []int64
	for rows.Next() {
		d, seq, err := scanDataset(rows)
		if err != nil {
			return nil, "", err
		}
		out, seqs = append(out, d), append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := trim(out, seqs, limit)
	return out, next, nil
}

// trim cuts a page fetched with limit+1 rows to limit and returns the next cursor.
func trim[T any](items []T, seqs []int64, limit int) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	return items[:limit], store.EncodeCursor(seqs[limit-1])
}

// DeleteDataset implements store.Store.
func (s *Store) DeleteDataset(ctx context.Context, orgID, id string) (store.Dataset, error) {
	var d store.Dataset
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		d, _, err = scanDataset(tx.QueryRowContext(ctx, `SELECT `+datasetCols+` FROM datasets WHERE id = ? AND org_id = ?`, id, orgID))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("dataset %s: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM datasets WHERE id = ?`, id)
		return err
	})
	return d, err
}

// DatasetPaths implements store.Store.
func (s *Store) DatasetPaths(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT path FROM datasets`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CreateScenario implements store.Store.
func (s *Store) CreateScenario(ctx context.Context, sc store.Scenario) (store.Scenario, error) {
	created := fmtTime(sc.Created)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO scenarios (id, org_id, latest_version, created) VALUES (?, ?, 1, ?)`,
			sc.ID, sc.OrgID, created); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO scenario_versions (scenario_id, version, name, document, created) VALUES (?, 1, ?, ?, ?)`,
			sc.ID, sc.Name, string(sc.Document), created)
		return err
	})
	if err != nil {
		return store.Scenario{}, fmt.Errorf("create scenario: %w", err)
	}
	return s.GetScenario(ctx, sc.OrgID, sc.ID, 1)
}

const scenarioCols = `s.seq, s.id, s.org_id, v.name, v.version, s.latest_version, v.document, s.created, v.created`

func scanScenario(sc interface{ Scan(...any) error }) (store.Scenario, int64, error) {
	var out store.Scenario
	var seq int64
	var doc, created, updated string
	if err := sc.Scan(&seq, &out.ID, &out.OrgID, &out.Name, &out.Version, &out.Latest, &doc, &created, &updated); err != nil {
		return out, 0, err
	}
	out.Document = json.RawMessage(doc)
	var err1, err2 error
	out.Created, err1 = parseTime(created)
	out.Updated, err2 = parseTime(updated)
	return out, seq, errors.Join(err1, err2)
}

// GetScenario implements store.Store.
func (s *Store) GetScenario(ctx context.Context, orgID, id string, version int) (store.Scenario, error) {
	q := `SELECT ` + scenarioCols + ` FROM scenarios s JOIN scenario_versions v ON v.scenario_id = s.id
		WHERE s.id = ? AND s.org_id = ? AND s.deleted IS NULL AND v.version = `
	args := []any{id, orgID}
	if version > 0 {
		q += `?`
		args = append(args, version)
	} else {
		q += `s.latest_version`
	}
	out, _, err := scanScenario(s.r.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		if version > 0 {
			return out, fmt.Errorf("scenario %s version %d: %w", id, version, store.ErrNotFound)
		}
		return out, fmt.Errorf("scenario %s: %w", id, store.ErrNotFound)
	}
	return out, err
}

// ListScenarios implements store.Store.
func (s *Store) ListScenarios(ctx context.Context, orgID string, p store.Page) ([]store.Scenario, string, error) {
	before, limit, err := store.PageArgs(p)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+scenarioCols+` FROM scenarios s
		JOIN scenario_versions v ON v.scenario_id = s.id AND v.version = s.latest_version
		WHERE s.org_id = ? AND s.deleted IS NULL AND s.seq < ? ORDER BY s.seq DESC LIMIT ?`, orgID, before, limit+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []store.Scenario
	var seqs []int64
	for rows.Next() {
		sc, seq, err := scanScenario(rows)
		if err != nil {
			return nil, "", err
		}
		out, seqs = append(out, sc), append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := trim(out, seqs, limit)
	return out, next, nil
}

// UpdateScenario implements store.Store.
func (s *Store) UpdateScenario(ctx context.Context, orgID, id, name string, doc json.RawMessage, ifVersion int, at time.Time) (store.Scenario, error) {
	var version int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var latest int
		err := tx.QueryRowContext(ctx, `SELECT latest_version FROM scenarios WHERE id = ? AND org_id = ? AND deleted IS NULL`, id, orgID).Scan(&latest)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("scenario %s: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if ifVersion > 0 && ifVersion != latest {
			return fmt.Errorf("scenario %s is at version %d, not %d: %w", id, latest, ifVersion, store.ErrVersionMismatch)
		}
		version = latest + 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO scenario_versions (scenario_id, version, name, document, created) VALUES (?, ?, ?, ?, ?)`,
			id, version, name, string(doc), fmtTime(at)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE scenarios SET latest_version = ? WHERE id = ?`, version, id)
		return err
	})
	if err != nil {
		return store.Scenario{}, err
	}
	return s.GetScenario(ctx, orgID, id, version)
}

// DeleteScenario implements store.Store.
func (s *Store) DeleteScenario(ctx context.Context, orgID, id string, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM scenarios WHERE id = ? AND org_id = ? AND deleted IS NULL`, id, orgID).Scan(&n)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("scenario %s: %w", id, store.ErrNotFound)
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM runs WHERE scenario_id = ? AND status IN ('queued', 'running')`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("scenario %s has %d unfinished runs: %w", id, n, store.ErrConflict)
		}
		_, err = tx.ExecContext(ctx, `UPDATE scenarios SET deleted = ? WHERE id = ?`, fmtTime(at), id)
		return err
	})
}

const runCols = `seq, id, org_id, scenario_id, scenario_version, status, progress, error, cancel_requested, seed, attempt, result_path, result_hashes, provenance, created, started, finished`

func scanRun(sc interface{ Scan(...any) error }) (store.Run, int64, error) {
	var r store.Run
	var seq int64
	var status, hashes, prov, created string
	var seed sql.NullInt64
	var started, finished sql.NullString
	if err := sc.Scan(&seq, &r.ID, &r.OrgID, &r.ScenarioID, &r.ScenarioVersion, &status, &r.Progress, &r.Error,
		&r.CancelRequested, &seed, &r.Attempt, &r.ResultPath, &hashes, &prov, &created, &started, &finished); err != nil {
		return r, 0, err
	}
	r.Status = store.RunStatus(status)
	r.Provenance = json.RawMessage(prov)
	if seed.Valid {
		r.Seed = &seed.Int64
	}
	var err0, err1, err2, err3 error
	if hashes != "{}" && hashes != "" {
		if err0 = json.Unmarshal([]byte(hashes), &r.ResultHashes); err0 != nil {
			err0 = fmt.Errorf("run %s: result hashes: %w", r.ID, err0)
		}
	}
	r.Created, err1 = parseTime(created)
	r.Started, err2 = parseTimePtr(started)
	r.Finished, err3 = parseTimePtr(finished)
	return r, seq, errors.Join(err0, err1, err2, err3)
}

func nullSeed(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// CreateRun implements store.Store.
func (s *Store) CreateRun(ctx context.Context, r store.Run, maxUnfinished int) (store.Run, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM scenarios s JOIN scenario_versions v ON v.scenario_id = s.id
			WHERE s.id = ? AND s.org_id = ? AND s.deleted IS NULL AND v.version = ?`, r.ScenarioID, r.OrgID, r.ScenarioVersion).Scan(&n)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("scenario %s version %d: %w", r.ScenarioID, r.ScenarioVersion, store.ErrNotFound)
		}
		if maxUnfinished > 0 {
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM runs WHERE org_id = ? AND status IN ('queued', 'running')`, r.OrgID).Scan(&n); err != nil {
				return err
			}
			if n >= maxUnfinished {
				return fmt.Errorf("organisation has %d unfinished runs (limit %d): %w", n, maxUnfinished, store.ErrTooManyRuns)
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO runs (id, org_id, scenario_id, scenario_version, status, seed, created) VALUES (?, ?, ?, ?, 'queued', ?, ?)`,
			r.ID, r.OrgID, r.ScenarioID, r.ScenarioVersion, nullSeed(r.Seed), fmtTime(r.Created))
		return err
	})
	if err != nil {
		return store.Run{}, err
	}
	return s.RunByID(ctx, r.ID)
}

// GetRun implements store.Store.
func (s *Store) GetRun(ctx context.Context, orgID, id string) (store.Run, error) {
	r, _, err := scanRun(s.r.QueryRowContext(ctx, `SELECT `+runCols+` FROM runs WHERE id = ? AND org_id = ?`, id, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("run %s: %w", id, store.ErrNotFound)
	}
	return r, err
}

// RunByID implements store.Store.
func (s *Store) RunByID(ctx context.Context, id string) (store.Run, error) {
	return getRun(ctx, s.r, id)
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getRun(ctx context.Context, q queryRower, id string) (store.Run, error) {
	r, _, err := scanRun(q.QueryRowContext(ctx, `SELECT `+runCols+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("run %s: %w", id, store.ErrNotFound)
	}
	return r, err
}

// ListRuns implements store.Store.
func (s *Store) ListRuns(ctx context.Context, orgID string, f store.RunFilter, p store.Page) ([]store.Run, string, error) {
	before, limit, err := store.PageArgs(p)
	if err != nil {
		return nil, "", err
	}
	q := `SELECT ` + runCols + ` FROM runs WHERE org_id = ? AND seq < ?`
	args := []any{orgID, before}
	if f.ScenarioID != "" {
		q += ` AND scenario_id = ?`
		args = append(args, f.ScenarioID)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	q += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []store.Run
	var seqs []int64
	for rows.Next() {
		r, seq, err := scanRun(rows)
		if err != nil {
			return nil, "", err
		}
		out, seqs = append(out, r), append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := trim(out, seqs, limit)
	return out, next, nil
}

// transition runs upd (which must be conditional on the run's status) in a transaction and
// returns the run as it is afterwards; ErrConflict if upd changed nothing.
func (s *Store) transition(ctx context.Context, id, what string, upd string, args ...any) (store.Run, error) {
	var r store.Run
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, upd, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		cur, err := getRun(ctx, tx, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("run %s is %s, cannot %s: %w", id, cur.Status, what, store.ErrConflict)
		}
		r = cur
		return nil
	})
	return r, err
}

// StartRun implements store.Store.
func (s *Store) StartRun(ctx context.Context, id string, at time.Time) (store.Run, error) {
	return s.transition(ctx, id, "start",
		`UPDATE runs SET status = 'running', attempt = 1, started = ? WHERE id = ? AND status = 'queued'`, fmtTime(at), id)
}

// TakeRun implements store.Store. The write transaction is IMMEDIATE, so the count of running
// runs and the change cannot interleave with another TakeRun.
func (s *Store) TakeRun(ctx context.Context, id string, attempt, maxRunning int, at time.Time) (store.Run, error) {
	if attempt < 1 {
		return store.Run{}, fmt.Errorf("take run %s at attempt %d: attempts count from 1", id, attempt)
	}
	var r store.Run
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := getRun(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case cur.Status == store.RunQueued:
			if maxRunning > 0 {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM runs WHERE org_id = ? AND status = 'running'`, cur.OrgID).Scan(&n); err != nil {
					return err
				}
				if n >= maxRunning {
					return fmt.Errorf("run %s: organisation has %d running runs (limit %d): %w", id, n, maxRunning, store.ErrBusy)
				}
			}
			_, err = tx.ExecContext(ctx, `UPDATE runs SET status = 'running', attempt = ?, progress = 0, started = ? WHERE id = ?`, attempt, fmtTime(at), id)
		case cur.Status == store.RunRunning && cur.Attempt < attempt:
			_, err = tx.ExecContext(ctx, `UPDATE runs SET attempt = ?, progress = 0 WHERE id = ?`, attempt, id)
		default:
			return fmt.Errorf("run %s is %s at attempt %d, cannot take it at attempt %d: %w", id, cur.Status, cur.Attempt, attempt, store.ErrConflict)
		}
		if err != nil {
			return err
		}
		r, err = getRun(ctx, tx, id)
		return err
	})
	return r, err
}

// SetRunProgress implements store.Store.
func (s *Store) SetRunProgress(ctx context.Context, id string, progress float64) error {
	progress = min(max(progress, 0), 1)
	_, err := s.transition(ctx, id, "record progress",
		`UPDATE runs SET progress = ? WHERE id = ? AND status = 'running'`, progress, id)
	return err
}

// FinishRun implements store.Store.
func (s *Store) FinishRun(ctx context.Context, id string, o store.Outcome) (store.Run, error) {
	if !o.Status.Final() {
		return store.Run{}, fmt.Errorf("finish run %s with status %q: not a final status", id, o.Status)
	}
	progress := "progress"
	if o.Status == store.RunSucceeded {
		progress = "1"
	}
	return s.transition(ctx, id, "finish",
		`UPDATE runs SET status = ?, error = ?, result_path = ?, result_hashes = ?, provenance = ?, seed = coalesce(?, seed), finished = ?, progress = `+progress+`
		 WHERE id = ? AND status = 'running' AND (? = 0 OR attempt = ?)`,
		string(o.Status), o.Error, o.ResultPath, string(mustHashes(o.ResultHashes)), jsonOrEmpty(o.Provenance), nullSeed(o.Seed), fmtTime(o.At), id, o.Attempt, o.Attempt)
}

// CancelRun implements store.Store.
func (s *Store) CancelRun(ctx context.Context, orgID, id, reason string, at time.Time) (store.Run, error) {
	var r store.Run
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, _, err := scanRun(tx.QueryRowContext(ctx, `SELECT `+runCols+` FROM runs WHERE id = ? AND org_id = ?`, id, orgID))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("run %s: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		switch cur.Status {
		case store.RunQueued:
			_, err = tx.ExecContext(ctx, `UPDATE runs SET status = 'cancelled', error = ?, cancel_requested = 1, finished = ? WHERE id = ?`,
				reason, fmtTime(at), id)
		case store.RunRunning:
			_, err = tx.ExecContext(ctx, `UPDATE runs SET cancel_requested = 1 WHERE id = ?`, id)
		default:
			return fmt.Errorf("run %s has already %s: %w", id, cur.Status, store.ErrConflict)
		}
		if err != nil {
			return err
		}
		r, err = getRun(ctx, tx, id)
		return err
	})
	return r, err
}

// FailUnfinishedRuns implements store.Store.
func (s *Store) FailUnfinishedRuns(ctx context.Context, msg string, at time.Time) ([]string, error) {
	var ids []string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE runs SET status = 'failed', error = ?, finished = ?
			WHERE status IN ('queued', 'running') RETURNING id`, msg, fmtTime(at))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	return ids, err
}
