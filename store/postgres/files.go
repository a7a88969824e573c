package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carecast/carecast/store"
)

// ChunkSize is the most bytes one row of file_chunks holds, and so about the most memory Put
// or Get holds for a file's content whatever its size.
const ChunkSize = 1 << 20

// Files keeps files in the database, for the machines of a deployment that share no disk:
// each file is a row of files (its size, SHA-256 and when it was written) and its content
// rows of file_chunks of at most ChunkSize bytes. Safe for concurrent use.
type Files struct {
	db *pgxpool.Pool
}

// Files returns the file store in s's database.
func (s *Store) Files() *Files { return &Files{db: s.db} }

// Put stores everything read from r under name, replacing any file of that name, in one
// transaction: readers see the old file or the whole new one, never part of it.
func (f *Files) Put(ctx context.Context, name string, r io.Reader) error {
	if name == "" {
		return errors.New("put file: empty name")
	}
	err := pgx.BeginTxFunc(ctx, f.db, pgx.TxOptions{}, func(tx pgx.Tx) error {
		// The row is written first (locking the name against a concurrent Put) and its size
		// and hash filled in once the content is in.
		if _, err := tx.Exec(ctx, `INSERT INTO files (name, size, sha256, written) VALUES ($1, 0, $2, $3)
			ON CONFLICT (name) DO UPDATE SET size = 0`, name, make([]byte, 32), ts(time.Now())); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM file_chunks WHERE name = $1`, name); err != nil {
			return err
		}
		h := sha256.New()
		buf := make([]byte, ChunkSize)
		var size int64
		for n := 0; ; n++ {
			k, err := io.ReadFull(r, buf)
			if k > 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO file_chunks (name, n, data) VALUES ($1, $2, $3)`, name, n, buf[:k]); err != nil {
					return err
				}
				h.Write(buf[:k])
				size += int64(k)
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("read: %w", err)
			}
		}
		_, err := tx.Exec(ctx, `UPDATE files SET size = $1, sha256 = $2, written = $3 WHERE name = $4`, size, h.Sum(nil), ts(time.Now()), name)
		return err
	})
	if err != nil {
		return fmt.Errorf("put file %s: %w", name, diskFull(err))
	}
	return nil
}

// Get writes the file called name to w, a chunk at a time, and checks it against the size
// and SHA-256 recorded when it was written; an error wrapping store.ErrNotFound if there is no
// such file. It reads in one REPEATABLE READ transaction, so a Put of the same name meanwhile
// does not mix two versions.
func (f *Files) Get(ctx context.Context, name string, w io.Writer) error {
	err := pgx.BeginTxFunc(ctx, f.db, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var size int64
		var sum []byte
		err := tx.QueryRow(ctx, `SELECT size, sha256 FROM files WHERE name = $1`, name).Scan(&size, &sum)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT data FROM file_chunks WHERE name = $1 ORDER BY n`, name)
		if err != nil {
			return err
		}
		defer rows.Close()
		h := sha256.New()
		var got int64
		var data []byte
		for rows.Next() {
			if err := rows.Scan(&data); err != nil {
				return err
			}
			if _, err := w.Write(data); err != nil {
				return fmt.Errorf("write: %w", err)
			}
			h.Write(data)
			got += int64(len(data))
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if got != size || string(h.Sum(nil)) != string(sum) {
			return fmt.Errorf("stored content (%d bytes) does not match its record (%d bytes, sha256 %x): damaged", got, size, sum)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("get file %s: %w", name, err)
	}
	return nil
}

// Delete removes every file whose name starts with prefix, content and all, in one
// transaction. An empty prefix is refused rather than taken to mean every file.
func (f *Files) Delete(ctx context.Context, prefix string) error {
	if prefix == "" {
		return errors.New("delete files: empty prefix")
	}
	if _, err := f.db.Exec(ctx, `DELETE FROM files WHERE starts_with(name, $1)`, prefix); err != nil {
		return fmt.Errorf("delete files %s*: %w", prefix, diskFull(err))
	}
	return nil
}
