// Package postgres implements store.Store on PostgreSQL (github.com/jackc/pgx/v5), for servers
// that share one database or want it managed apart from the data directory. It passes the same
// conformance suite (store/storetest) as store/sqlite and behaves the same way for every
// method, down to the cursors it issues and the errors it returns.
//
// Concurrency: every write is one transaction at PostgreSQL's default isolation, READ
// COMMITTED, made safe by row locks taken before the checks they protect:
//   - CreateKey and CreateRun lock the organisation's row (SELECT … FOR NO KEY UPDATE) before
//     counting its keys or unfinished runs, so concurrent callers count one after another and
//     the limits hold exactly;
//   - CreateRun takes a share lock on the scenario's row, and UpdateScenario and DeleteScenario
//     lock it for update, so a run cannot be created for a scenario being deleted and versions
//     are numbered 1, 2, … with no gaps or duplicates;
//   - run transitions are UPDATEs conditional on the run's status, which PostgreSQL re-checks
//     after waiting for a concurrent change.
//
// A transaction that PostgreSQL aborts as a deadlock or serialization failure (SQLSTATE 40P01,
// 40001) is retried a few times; with the locks above neither is expected.
//
// A write refused for want of disk space (SQLSTATE 53100, disk_full) returns an error wrapping
// store.ErrDiskFull; like every write error, it means nothing was written.
//
// Text columns hold exactly the bytes given, with two limits SQLite does not have: PostgreSQL
// text cannot hold a NUL byte, and in a UTF8 database it must be valid UTF-8. Scenario documents
// and the other JSON fields reach the store already checked, so neither arises in practice.
//
// Migrations are the SQL files in migrations/, embedded in the binary, applied in order at Open
// in one transaction under an advisory lock (so servers starting at once do not race) and
// recorded in the schema_migrations table; Open refuses a database written by a newer carecast.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/carecast/carecast/store"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is a store.Store backed by one PostgreSQL database.
type Store struct {
	db *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Open connects to the PostgreSQL database that url names (postgres://user:password@host:port/
// database?…, or a key=value connection string, as pgx accepts; pool_max_conns and the other
// pgxpool parameters are honoured), applies pending migrations and returns the store. The
// database must exist. Errors name the host and database but never the password.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors quote the connection string (with the password redacted only as
		// far as it can tell where the password is): say only that it was bad.
		return nil, errors.New("database URL: not a PostgreSQL URL or key=value connection string, or has an invalid setting")
	}
	where := fmt.Sprintf("database %s on %s", cfg.ConnConfig.Database, cfg.ConnConfig.Host)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	s := &Store{db: pool}
	if err := migrate(ctx, pool, migrations); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return s, nil
}

// maxAttempts is how many times tx tries a transaction PostgreSQL aborted as a deadlock or
// serialization failure.
const maxAttempts = 5

// tx runs f in one transaction and commits it, retrying the whole transaction when PostgreSQL
// aborts it as a deadlock or serialization failure. Every write goes through it, so it is where
// disk_full becomes store.ErrDiskFull. f may run more than once, so it must not change anything
// outside the transaction except by assigning the results it returns on success.
func (s *Store) tx(ctx context.Context, f func(pgx.Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = pgx.BeginTxFunc(ctx, s.db, pgx.TxOptions{}, f)
		if !retryable(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(attempt) * 5 * time.Millisecond)
	}
	return diskFull(err)
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// diskFull wraps a disk_full error (SQLSTATE 53100) with store.ErrDiskFull and returns every
// other error as it is.
func diskFull(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "53100" {
		return fmt.Errorf("%w: %w", store.ErrDiskFull, err)
	}
	return err
}

// Pool returns the store's connection pool, for the job queue (package cluster), whose tables
// live in the same database.
func (s *Store) Pool() *pgxpool.Pool { return s.db }

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// Close implements store.Store. It waits for connections in use to be returned.
func (s *Store) Close() error {
	s.db.Close()
	return nil
}

// ts is how a time is written: UTC, truncated to microseconds (PostgreSQL's precision, and
// store/sqlite's).
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// utcPtr returns *p in UTC (pgx reads timestamptz in the local zone), or nil.
func utcPtr(p *time.Time) *time.Time {
	if p == nil {
		return nil
	}
	t := p.UTC()
	return &t
}

// trim cuts a page fetched with limit+1 rows to limit and returns the next cursor.
func trim[T any](items []T, seqs []int64, limit int) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	return items[:limit], store.EncodeCursor(seqs[limit-1])
}

// EnsureOrg implements store.Store.
func (s *Store) EnsureOrg(ctx context.Context, name string) (store.Org, error) {
	if o, err := s.OrgByName(ctx, name); err == nil || !errors.Is(err, store.ErrNotFound) {
		return o, err
	}
	o := store.Org{ID: store.NewID("org"), Name: name, Created: ts(time.Now())}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO orgs (id, name, created) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
			o.ID, o.Name, o.Created)
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
	err := s.db.QueryRow(ctx, `SELECT id, name, created FROM orgs WHERE name = $1`, name).Scan(&o.ID, &o.Name, &o.Created)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Org{}, fmt.Errorf("organisation %q: %w", name, store.ErrNotFound)
	}
	o.Created = o.Created.UTC()
	return o, err
}

// lockOrg locks the organisation's row until tx ends, so that limits counted after it hold
// against concurrent callers. FOR NO KEY UPDATE does not block inserts that merely reference
// the row (their foreign-key checks take FOR KEY SHARE). A missing organisation locks nothing;
// the insert that follows then fails its foreign key, as in store/sqlite.
func lockOrg(ctx context.Context, tx pgx.Tx, orgID string) error {
	_, err := tx.Exec(ctx, `SELECT 1 FROM orgs WHERE id = $1 FOR NO KEY UPDATE`, orgID)
	return err
}

// CreateKey implements store.Store.
func (s *Store) CreateKey(ctx context.Context, k store.Key, maxPerOrg int) error {
	if !k.Role.Valid() {
		return fmt.Errorf("key role %q: want viewer, planner or admin", k.Role)
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		if maxPerOrg > 0 {
			if err := lockOrg(ctx, tx, k.OrgID); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM api_keys WHERE org_id = $1`, k.OrgID).Scan(&n); err != nil {
				return err
			}
			if n >= maxPerOrg {
				return fmt.Errorf("organisation has %d API keys (limit %d): %w", n, maxPerOrg, store.ErrTooManyKeys)
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO api_keys (id, org_id, name, role, hash, created) VALUES ($1, $2, $3, $4, $5, $6)`,
			k.ID, k.OrgID, k.Name, string(k.Role), k.Hash[:], ts(k.Created))
		return err
	})
}

const keyCols = `k.id, k.org_id, o.name, k.name, k.role, k.hash, k.created`

func scanKey(row pgx.Row) (store.Key, error) {
	var k store.Key
	var role string
	var hash []byte
	if err := row.Scan(&k.ID, &k.OrgID, &k.OrgName, &k.Name, &role, &hash, &k.Created); err != nil {
		return store.Key{}, err
	}
	k.Role = store.Role(role)
	copy(k.Hash[:], hash)
	k.Created = k.Created.UTC()
	return k, nil
}

// KeyByHash implements store.Store.
func (s *Store) KeyByHash(ctx context.Context, hash [32]byte) (store.Key, error) {
	k, err := scanKey(s.db.QueryRow(ctx, `SELECT `+keyCols+` FROM api_keys k JOIN orgs o ON o.id = k.org_id WHERE k.hash = $1`, hash[:]))
	if errors.Is(err, pgx.ErrNoRows) {
		return k, fmt.Errorf("api key: %w", store.ErrNotFound)
	}
	return k, err
}

// ListKeys implements store.Store. Keys created at the same microsecond are in ID order, by
// bytes (COLLATE "C"), as in store/sqlite.
func (s *Store) ListKeys(ctx context.Context, orgID string) ([]store.Key, error) {
	rows, err := s.db.Query(ctx, `SELECT `+keyCols+` FROM api_keys k JOIN orgs o ON o.id = k.org_id
		WHERE k.org_id = $1 ORDER BY k.created, k.id COLLATE "C"`, orgID)
	if err != nil {
		return nil, err
	}
	return nilIfEmpty(pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Key, error) { return scanKey(r) }))
}

// DeleteKey implements store.Store.
func (s *Store) DeleteKey(ctx context.Context, orgID, id string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM api_keys WHERE id = $1 AND org_id = $2`, id, orgID)
		if err != nil {
			return err
		}
		return affectedOne(tag, "api key "+id)
	})
}

// CountKeys implements store.Store.
func (s *Store) CountKeys(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM api_keys`).Scan(&n)
	return n, err
}

// nilIfEmpty returns nil for an empty list, as store/sqlite does (pgx.CollectRows returns an
// empty slice).
func nilIfEmpty[T any](items []T, err error) ([]T, error) {
	if len(items) == 0 {
		return nil, err
	}
	return items, err
}

func affectedOne(tag pgconn.CommandTag, what string) error {
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

// hashesText encodes result hashes as a JSON object ({} for none).
func hashesText(h map[string]string) string {
	if len(h) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(h) // a map of strings always encodes
	return string(b)
}

func jsonOrEmpty(b json.RawMessage) string {
	if len(b) == 0 {
		return "{}"
	}
	return string(b)
}

// CreateDataset implements store.Store.
func (s *Store) CreateDataset(ctx context.Context, d store.Dataset) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO datasets (id, org_id, kind, name, content_hash, size, path, summary, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			d.ID, d.OrgID, d.Kind, d.Name, d.ContentHash, d.Size, d.Path, jsonOrEmpty(d.Summary), ts(d.Created))
		return err
	})
}

const datasetCols = `seq, id, org_id, kind, name, content_hash, size, path, summary, created`

func scanDataset(row pgx.Row) (store.Dataset, int64, error) {
	var d store.Dataset
	var seq int64
	var summary string
	if err := row.Scan(&seq, &d.ID, &d.OrgID, &d.Kind, &d.Name, &d.ContentHash, &d.Size, &d.Path, &summary, &d.Created); err != nil {
		return store.Dataset{}, 0, err
	}
	d.Summary = json.RawMessage(summary)
	d.Created = d.Created.UTC()
	return d, seq, nil
}

// GetDataset implements store.Store.
func (s *Store) GetDataset(ctx context.Context, orgID, id string) (store.Dataset, error) {
	d, _, err := scanDataset(s.db.QueryRow(ctx, `SELECT `+datasetCols+` FROM datasets WHERE id = $1 AND org_id = $2`, id, orgID))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, fmt.Errorf("dataset %s: %w", id, store.ErrNotFound)
	}
	return d, err
}

// seqRow is an item of a list and its seq, the position a cursor names.
type seqRow[T any] struct {
	item T
	seq  int64
}

// listPage runs a list query fetching limit+1 rows, scanning each with scan, and returns the
// page and the next cursor.
func listPage[T any](ctx context.Context, db *pgxpool.Pool, limit int, scan func(pgx.Row) (T, int64, error), q string, args ...any) ([]T, string, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (seqRow[T], error) {
		item, seq, err := scan(r)
		return seqRow[T]{item, seq}, err
	})
	if err != nil {
		return nil, "", err
	}
	var items []T
	seqs := make([]int64, 0, len(got))
	for _, g := range got {
		items, seqs = append(items, g.item), append(seqs, g.seq)
	}
	items, next := trim(items, seqs, limit)
	return items, next, nil
}

// ListDatasets implements store.Store.
func (s *Store) ListDatasets(ctx context.Context, orgID string, p store.Page) ([]store.Dataset, string, error) {
	before, limit, err := store.PageArgs(p)
	if err != nil {
		return nil, "", err
	}
	return listPage(ctx, s.db, limit, scanDataset,
		`SELECT `+datasetCols+` FROM datasets WHERE org_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`, orgID, before, limit+1)
}

// DeleteDataset implements store.Store.
func (s *Store) DeleteDataset(ctx context.Context, orgID, id string) (store.Dataset, error) {
	var d store.Dataset
	err := s.tx(ctx, func(tx pgx.Tx) error {
		got, _, err := scanDataset(tx.QueryRow(ctx, `DELETE FROM datasets WHERE id = $1 AND org_id = $2 RETURNING `+datasetCols, id, orgID))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("dataset %s: %w", id, store.ErrNotFound)
		}
		d = got
		return err
	})
	return d, err
}

// DatasetPaths implements store.Store.
func (s *Store) DatasetPaths(ctx context.Context) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT path FROM datasets`)
	if err != nil {
		return nil, err
	}
	return nilIfEmpty(pgx.CollectRows(rows, pgx.RowTo[string]))
}

// CreateScenario implements store.Store.
func (s *Store) CreateScenario(ctx context.Context, sc store.Scenario) (store.Scenario, error) {
	created := ts(sc.Created)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO scenarios (id, org_id, latest_version, created) VALUES ($1, $2, 1, $3)`,
			sc.ID, sc.OrgID, created); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO scenario_versions (scenario_id, version, name, document, created) VALUES ($1, 1, $2, $3, $4)`,
			sc.ID, sc.Name, string(sc.Document), created)
		return err
	})
	if err != nil {
		return store.Scenario{}, fmt.Errorf("create scenario: %w", err)
	}
	return s.GetScenario(ctx, sc.OrgID, sc.ID, 1)
}

const scenarioCols = `s.seq, s.id, s.org_id, v.name, v.version, s.latest_version, v.document, s.created, v.created`

func scanScenario(row pgx.Row) (store.Scenario, int64, error) {
	var out store.Scenario
	var seq int64
	var doc string
	if err := row.Scan(&seq, &out.ID, &out.OrgID, &out.Name, &out.Version, &out.Latest, &doc, &out.Created, &out.Updated); err != nil {
		return store.Scenario{}, 0, err
	}
	out.Document = json.RawMessage(doc)
	out.Created, out.Updated = out.Created.UTC(), out.Updated.UTC()
	return out, seq, nil
}

// GetScenario implements store.Store.
func (s *Store) GetScenario(ctx context.Context, orgID, id string, version int) (store.Scenario, error) {
	q := `SELECT ` + scenarioCols + ` FROM scenarios s JOIN scenario_versions v ON v.scenario_id = s.id
		WHERE s.id = $1 AND s.org_id = $2 AND s.deleted IS NULL AND v.version = `
	args := []any{id, orgID}
	if version > 0 {
		q += `$3`
		args = append(args, version)
	} else {
		q += `s.latest_version`
	}
	out, _, err := scanScenario(s.db.QueryRow(ctx, q, args...))
	if errors.Is(err, pgx.ErrNoRows) {
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
	return listPage(ctx, s.db, limit, scanScenario, `SELECT `+scenarioCols+` FROM scenarios s
		JOIN scenario_versions v ON v.scenario_id = s.id AND v.version = s.latest_version
		WHERE s.org_id = $1 AND s.deleted IS NULL AND s.seq < $2 ORDER BY s.seq DESC LIMIT $3`, orgID, before, limit+1)
}

// UpdateScenario implements store.Store.
func (s *Store) UpdateScenario(ctx context.Context, orgID, id, name string, doc json.RawMessage, ifVersion int, at time.Time) (store.Scenario, error) {
	var version int
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var latest int
		err := tx.QueryRow(ctx, `SELECT latest_version FROM scenarios WHERE id = $1 AND org_id = $2 AND deleted IS NULL FOR NO KEY UPDATE`,
			id, orgID).Scan(&latest)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("scenario %s: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if ifVersion > 0 && ifVersion != latest {
			return fmt.Errorf("scenario %s is at version %d, not %d: %w", id, latest, ifVersion, store.ErrVersionMismatch)
		}
		version = latest + 1
		if _, err := tx.Exec(ctx, `INSERT INTO scenario_versions (scenario_id, version, name, document, created) VALUES ($1, $2, $3, $4, $5)`,
			id, version, name, string(doc), ts(at)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE scenarios SET latest_version = $1 WHERE id = $2`, version, id)
		return err
	})
	if err != nil {
		return store.Scenario{}, err
	}
	return s.GetScenario(ctx, orgID, id, version)
}

// DeleteScenario implements store.Store.
func (s *Store) DeleteScenario(ctx context.Context, orgID, id string, at time.Time) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `SELECT 1 FROM scenarios WHERE id = $1 AND org_id = $2 AND deleted IS NULL FOR NO KEY UPDATE`, id, orgID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("scenario %s: %w", id, store.ErrNotFound)
		}
		// Under the lock no new run of the scenario can be created (CreateRun share-locks the
		// row), and this statement sees every run committed before it.
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM runs WHERE scenario_id = $1 AND status IN ('queued', 'running')`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("scenario %s has %d unfinished runs: %w", id, n, store.ErrConflict)
		}
		_, err = tx.Exec(ctx, `UPDATE scenarios SET deleted = $1 WHERE id = $2`, ts(at), id)
		return err
	})
}

const runCols = `seq, id, org_id, scenario_id, scenario_version, status, progress, error, cancel_requested, seed, attempt, result_path, result_hashes, provenance, created, started, finished`

func scanRun(row pgx.Row) (store.Run, int64, error) {
	var r store.Run
	var seq int64
	var status, hashes, prov string
	if err := row.Scan(&seq, &r.ID, &r.OrgID, &r.ScenarioID, &r.ScenarioVersion, &status, &r.Progress, &r.Error,
		&r.CancelRequested, &r.Seed, &r.Attempt, &r.ResultPath, &hashes, &prov, &r.Created, &r.Started, &r.Finished); err != nil {
		return store.Run{}, 0, err
	}
	r.Status = store.RunStatus(status)
	r.Provenance = json.RawMessage(prov)
	r.Created, r.Started, r.Finished = r.Created.UTC(), utcPtr(r.Started), utcPtr(r.Finished)
	if hashes != "{}" && hashes != "" {
		if err := json.Unmarshal([]byte(hashes), &r.ResultHashes); err != nil {
			return r, seq, fmt.Errorf("run %s: result hashes: %w", r.ID, err)
		}
	}
	return r, seq, nil
}

// CreateRun implements store.Store.
func (s *Store) CreateRun(ctx context.Context, r store.Run, maxUnfinished int) (store.Run, error) {
	return s.CreateRunTx(ctx, r, maxUnfinished, nil)
}

// CreateRunTx is CreateRun with also, when not nil, called inside the same transaction after
// the run's row is inserted: the job queue inserts the run's job there, so that the run and
// its job are committed together or not at all. An error from also rolls back the run. also
// may be called more than once (the transaction is retried after a deadlock), so it must
// change nothing outside tx.
func (s *Store) CreateRunTx(ctx context.Context, r store.Run, maxUnfinished int, also func(context.Context, pgx.Tx) error) (store.Run, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// The share lock on the scenario keeps DeleteScenario from hiding it before this run
		// is committed.
		tag, err := tx.Exec(ctx, `SELECT 1 FROM scenarios s JOIN scenario_versions v ON v.scenario_id = s.id
			WHERE s.id = $1 AND s.org_id = $2 AND s.deleted IS NULL AND v.version = $3 FOR SHARE OF s`,
			r.ScenarioID, r.OrgID, r.ScenarioVersion)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("scenario %s version %d: %w", r.ScenarioID, r.ScenarioVersion, store.ErrNotFound)
		}
		if maxUnfinished > 0 {
			if err := lockOrg(ctx, tx, r.OrgID); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM runs WHERE org_id = $1 AND status IN ('queued', 'running')`, r.OrgID).Scan(&n); err != nil {
				return err
			}
			if n >= maxUnfinished {
				return fmt.Errorf("organisation has %d unfinished runs (limit %d): %w", n, maxUnfinished, store.ErrTooManyRuns)
			}
		}
		if _, err = tx.Exec(ctx, `INSERT INTO runs (id, org_id, scenario_id, scenario_version, status, seed, created) VALUES ($1, $2, $3, $4, 'queued', $5, $6)`,
			r.ID, r.OrgID, r.ScenarioID, r.ScenarioVersion, r.Seed, ts(r.Created)); err != nil {
			return err
		}
		if also != nil {
			return also(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return store.Run{}, err
	}
	return s.RunByID(ctx, r.ID)
}

// GetRun implements store.Store.
func (s *Store) GetRun(ctx context.Context, orgID, id string) (store.Run, error) {
	r, _, err := scanRun(s.db.QueryRow(ctx, `SELECT `+runCols+` FROM runs WHERE id = $1 AND org_id = $2`, id, orgID))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("run %s: %w", id, store.ErrNotFound)
	}
	return r, err
}

// RunByID implements store.Store.
func (s *Store) RunByID(ctx context.Context, id string) (store.Run, error) {
	return getRun(ctx, s.db, id)
}

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func getRun(ctx context.Context, q queryRower, id string) (store.Run, error) {
	r, _, err := scanRun(q.QueryRow(ctx, `SELECT `+runCols+` FROM runs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
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
	var q strings.Builder
	args := []any{orgID, before}
	q.WriteString(`SELECT ` + runCols + ` FROM runs WHERE org_id = $1 AND seq < $2`)
	if f.ScenarioID != "" {
		args = append(args, f.ScenarioID)
		fmt.Fprintf(&q, ` AND scenario_id = $%d`, len(args))
	}
	if f.Status != "" {
		args = append(args, string(f.Status))
		fmt.Fprintf(&q, ` AND status = $%d`, len(args))
	}
	args = append(args, limit+1)
	fmt.Fprintf(&q, ` ORDER BY seq DESC LIMIT $%d`, len(args))
	return listPage(ctx, s.db, limit, scanRun, q.String(), args...)
}

// transition runs upd (which must be conditional on the run's status) in a transaction and
// returns the run as it is afterwards; ErrConflict if upd changed nothing, ErrNotFound if there
// is no such run.
func (s *Store) transition(ctx context.Context, id, what string, upd string, args ...any) (store.Run, error) {
	var r store.Run
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, upd, args...)
		if err != nil {
			return err
		}
		cur, err := getRun(ctx, tx, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
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
		`UPDATE runs SET status = 'running', attempt = 1, started = $1 WHERE id = $2 AND status = 'queued'`, ts(at), id)
}

// TakeRun implements store.Store. It locks the run's row, then (to take a queued run under a
// limit) the organisation's row before counting its running runs, so concurrent TakeRuns of one
// organisation count one after another and the limit holds on every worker.
func (s *Store) TakeRun(ctx context.Context, id string, attempt, maxRunning int, at time.Time) (store.Run, error) {
	if attempt < 1 {
		return store.Run{}, fmt.Errorf("take run %s at attempt %d: attempts count from 1", id, attempt)
	}
	var r store.Run
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var orgID, status string
		var cur int
		err := tx.QueryRow(ctx, `SELECT org_id, status, attempt FROM runs WHERE id = $1 FOR UPDATE`, id).Scan(&orgID, &status, &cur)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("run %s: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		switch {
		case store.RunStatus(status) == store.RunQueued:
			if maxRunning > 0 {
				if err := lockOrg(ctx, tx, orgID); err != nil {
					return err
				}
				var n int
				if err := tx.QueryRow(ctx, runningCount, orgID).Scan(&n); err != nil {
					return err
				}
				if n >= maxRunning {
					return fmt.Errorf("run %s: organisation has %d running runs (limit %d): %w", id, n, maxRunning, store.ErrBusy)
				}
			}
			_, err = tx.Exec(ctx, `UPDATE runs SET status = 'running', attempt = $1, progress = 0, started = $2 WHERE id = $3`, attempt, ts(at), id)
		case store.RunStatus(status) == store.RunRunning && cur < attempt:
			_, err = tx.Exec(ctx, `UPDATE runs SET attempt = $1, progress = 0 WHERE id = $2`, attempt, id)
		default:
			return fmt.Errorf("run %s is %s at attempt %d, cannot take it at attempt %d: %w", id, status, cur, attempt, store.ErrConflict)
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
		`UPDATE runs SET progress = $1 WHERE id = $2 AND status = 'running'`, progress, id)
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
		`UPDATE runs SET status = $1, error = $2, result_path = $3, result_hashes = $4, provenance = $5, seed = coalesce($6, seed),
		 finished = $7, progress = `+progress+` WHERE id = $8 AND status = 'running' AND ($9 = 0 OR attempt = $9)`,
		string(o.Status), o.Error, o.ResultPath, hashesText(o.ResultHashes), jsonOrEmpty(o.Provenance), o.Seed, ts(o.At), id, o.Attempt)
}

// CancelRun implements store.Store.
func (s *Store) CancelRun(ctx context.Context, orgID, id, reason string, at time.Time) (store.Run, error) {
	var r store.Run
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM runs WHERE id = $1 AND org_id = $2 FOR UPDATE`, id, orgID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("run %s: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		switch store.RunStatus(status) {
		case store.RunQueued:
			_, err = tx.Exec(ctx, `UPDATE runs SET status = 'cancelled', error = $1, cancel_requested = true, finished = $2 WHERE id = $3`,
				reason, ts(at), id)
		case store.RunRunning:
			_, err = tx.Exec(ctx, `UPDATE runs SET cancel_requested = true WHERE id = $1`, id)
		default:
			return fmt.Errorf("run %s has already %s: %w", id, status, store.ErrConflict)
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
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE runs SET status = 'failed', error = $1, finished = $2
			WHERE status IN ('queued', 'running') RETURNING id`, msg, ts(at))
		if err != nil {
			return err
		}
		ids, err = nilIfEmpty(pgx.CollectRows(rows, pgx.RowTo[string]))
		return err
	})
	return ids, err
}
