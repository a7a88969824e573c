package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carecast/carecast/store"
)

// A run executed in parts (a split run) has one row in run_parts for each part: the scenario
// areas it runs, its state (queued, running at an attempt of its job, or done) and progress.
// Each part is taken by one job (TakePart), the way TakeRun takes a whole run, and the job that
// finishes the last part merges the parts into the run's results and finishes the run
// (FinishRun, with Outcome.Attempt 0: the run has no single attempt).

// CreatePartsTx records the parts of run id, in order, in tx: the transaction that inserts
// the run (CreateRunTx's also).
func CreatePartsTx(ctx context.Context, tx pgx.Tx, id string, parts [][]string) error {
	for n, areas := range parts {
		if _, err := tx.Exec(ctx, `INSERT INTO run_parts (run_id, n, areas) VALUES ($1, $2, $3)`, id, n, areas); err != nil {
			return fmt.Errorf("record part %d of run %s: %w", n, id, err)
		}
	}
	return nil
}

// runningCount counts the org's runs running on every worker: each whole run, and each
// running part of a split run. The caller holds the org's lock (lockOrg).
const runningCount = `SELECT
	(SELECT count(*) FROM runs r WHERE r.org_id = $1 AND r.status = 'running'
		AND NOT EXISTS (SELECT 1 FROM run_parts p WHERE p.run_id = r.id)) +
	(SELECT count(*) FROM run_parts p JOIN runs r ON r.id = p.run_id
		WHERE r.org_id = $1 AND r.status = 'running' AND p.state = 'running')`

// TakePart takes part n of run id for the attempt'th attempt of the part's job, at time at,
// and returns the run (running) and the part. It is TakeRun for one part:
//   - a queued part starts, unless the organisation already has maxRunning runs or parts
//     running (when maxRunning > 0; ErrBusy, nothing changed); the run starts with its first
//     part (Attempt 1);
//   - a part running at a lower attempt (its worker died) is taken over: its progress goes
//     back to 0, and the run's Attempt becomes the highest of its parts';
//   - a part already done, of a run still running whose every part is done, returns Merge
//     true: the job that finished the last part stopped before merging, and this attempt
//     merges;
//   - anything else (the run final: cancelled or failed; the part done or running at this
//     attempt or a later one) is ErrConflict: nothing is left for this job to do.
func (s *Store) TakePart(ctx context.Context, id string, n, attempt, maxRunning int, at time.Time) (r store.Run, part store.Part, err error) {
	if attempt < 1 {
		return r, part, fmt.Errorf("take part %d of run %s at attempt %d: attempts count from 1", n, id, attempt)
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		part = store.Part{N: n}
		var orgID, status string
		err := tx.QueryRow(ctx, `SELECT org_id, status FROM runs WHERE id = $1 FOR UPDATE`, id).Scan(&orgID, &status)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("run %s: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if st := store.RunStatus(status); st.Final() {
			return fmt.Errorf("run %s is %s: %w", id, st, store.ErrConflict)
		}
		var state string
		var cur int
		err = tx.QueryRow(ctx, `SELECT state, attempt, areas FROM run_parts WHERE run_id = $1 AND n = $2`, id, n).Scan(&state, &cur, &part.Areas)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("part %d of run %s: %w", n, id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		switch {
		case state == "queued":
			if maxRunning > 0 {
				if err := lockOrg(ctx, tx, orgID); err != nil {
					return err
				}
				var running int
				if err := tx.QueryRow(ctx, runningCount, orgID).Scan(&running); err != nil {
					return err
				}
				if running >= maxRunning {
					return fmt.Errorf("part %d of run %s: organisation has %d running runs and parts (limit %d): %w", n, id, running, maxRunning, store.ErrBusy)
				}
			}
			_, err = tx.Exec(ctx, `UPDATE run_parts SET state = 'running', attempt = $1, progress = 0 WHERE run_id = $2 AND n = $3`, attempt, id, n)
		case state == "running" && cur < attempt:
			_, err = tx.Exec(ctx, `UPDATE run_parts SET attempt = $1, progress = 0 WHERE run_id = $2 AND n = $3`, attempt, id, n)
		case state == "done" && status == string(store.RunRunning):
			var left int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM run_parts WHERE run_id = $1 AND state <> 'done'`, id).Scan(&left); err != nil {
				return err
			}
			if left > 0 {
				return fmt.Errorf("part %d of run %s is done: %w", n, id, store.ErrConflict)
			}
			part.Merge = true
		default:
			return fmt.Errorf("part %d of run %s is %s at attempt %d, cannot take it at attempt %d: %w", n, id, state, cur, attempt, store.ErrConflict)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE runs SET status = 'running', started = coalesce(started, $1),
			attempt = greatest(attempt, $2) WHERE id = $3`, ts(at), attempt, id); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM run_parts WHERE run_id = $1`, id).Scan(&part.Of); err != nil {
			return err
		}
		r, err = getRun(ctx, tx, id)
		return err
	})
	return r, part, err
}

// SetPartProgress records the progress of part n of run id, running at attempt, and sets the
// run's progress to the mean of its parts'. ErrConflict if the part is not running at that
// attempt.
func (s *Store) SetPartProgress(ctx context.Context, id string, n, attempt int, progress float64) error {
	progress = min(max(progress, 0), 1)
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE run_parts SET progress = $1 WHERE run_id = $2 AND n = $3 AND state = 'running' AND attempt = $4`, progress, id, n, attempt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("progress of part %d of run %s at attempt %d: %w", n, id, attempt, store.ErrConflict)
		}
		return updateRunProgress(ctx, tx, id)
	})
}

func updateRunProgress(ctx context.Context, tx pgx.Tx, id string) error {
	_, err := tx.Exec(ctx, `UPDATE runs SET progress = least(1, (SELECT avg(progress) FROM run_parts WHERE run_id = $1))
		WHERE id = $1 AND status = 'running'`, id)
	return err
}

// FinishPart records part n of run id, running at attempt, as done, and returns how many of
// the run's parts are not done: 0 tells the caller it finished the last and merges. Parts
// finishing at once are serialised on the run's row, so exactly one of them sees 0.
// ErrConflict if the run is final or the part is not running at that attempt.
func (s *Store) FinishPart(ctx context.Context, id string, n, attempt int) (left int, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM runs WHERE id = $1 FOR UPDATE`, id).Scan(&status); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("run %s: %w", id, store.ErrNotFound)
			}
			return err
		}
		if status != string(store.RunRunning) {
			return fmt.Errorf("run %s is %s: %w", id, status, store.ErrConflict)
		}
		tag, err := tx.Exec(ctx, `UPDATE run_parts SET state = 'done', progress = 1 WHERE run_id = $1 AND n = $2 AND state = 'running' AND attempt = $3`, id, n, attempt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("finish part %d of run %s at attempt %d: %w", n, id, attempt, store.ErrConflict)
		}
		if err := updateRunProgress(ctx, tx, id); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM run_parts WHERE run_id = $1 AND state <> 'done'`, id).Scan(&left)
	})
	return left, err
}
