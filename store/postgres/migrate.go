package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles are the schema changes: migrations/NNNN_name.sql, numbered from 0001 with no
// gaps. Never edit a file that has shipped: add the next number.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one schema change: it brings the schema from version Version-1 to Version.
type migration struct {
	Version int
	Name    string // the file name without its number and extension, e.g. "init"
	SQL     string
}

// migrations are the embedded schema changes in order; loadMigrations checked them at init.
var migrations = mustLoadMigrations(migrationFiles)

func mustLoadMigrations(fsys fs.FS) []migration {
	m, err := loadMigrations(fsys)
	if err != nil {
		panic("store/postgres: embedded migrations: " + err.Error()) // a broken build, not a data problem
	}
	return m
}

// loadMigrations reads migrations/*.sql from fsys and checks they are numbered 1, 2, … with no
// gaps or duplicates.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	// fs.Glob returns names in lexical order, which is numeric order for zero-padded numbers.
	var out []migration
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".sql")
		num, label, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 || label == "" {
			return nil, fmt.Errorf("%s: want NNNN_name.sql", name)
		}
		if v != len(out)+1 {
			return nil, fmt.Errorf("%s: version %d, want %d", name, v, len(out)+1)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{Version: v, Name: label, SQL: string(b)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no migrations")
	}
	return out, nil
}

// SchemaVersion is the schema version this package writes.
func SchemaVersion() int { return len(migrations) }

// migrationLock is the key of the transaction-level advisory lock that migrate holds, so that
// servers starting at once against one database apply each migration exactly once. Advisory
// locks are per database, so other databases on the same server do not wait for it.
const migrationLock int64 = 0x6361726563617374 // "carecast" in ASCII

// migrate applies the migrations that schema_migrations does not list, all in one transaction
// under migrationLock: either every pending migration is applied and recorded or none is. It
// refuses a database whose schema is newer than migs, or whose recorded migrations do not match
// migs by version and name.
func migrate(ctx context.Context, pool *pgxpool.Pool, migs []migration) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY,
			name    text NOT NULL,
			applied timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
		if err != nil {
			return err
		}
		applied, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
			Version int
			Name    string
		}])
		if err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		for i, a := range applied {
			if a.Version > len(migs) {
				return fmt.Errorf("schema version %d is newer than this carecast knows (%d): use a newer carecast", a.Version, len(migs))
			}
			if a.Version != i+1 || a.Name != migs[i].Name {
				return fmt.Errorf("schema_migrations lists migration %d %q where this carecast has %d %q: not a carecast database, or a damaged one",
					a.Version, a.Name, i+1, migs[i].Name)
			}
		}
		for _, m := range migs[len(applied):] {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return fmt.Errorf("record migration %d: %w", m.Version, err)
			}
		}
		return nil
	})
}
