package postgres

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carecast/carecast/store"
)

// TestParts: a run of three parts taken, taken over, counted against the organisation's limit
// of running runs with its whole runs, and finished part by part, the last part's job told to
// merge; a retry after the last part asks for the merge again, and nothing is taken once the
// run is final.
func TestParts(t *testing.T) {
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
	newRun := func(parts [][]string) store.Run {
		r := store.Run{ID: store.NewID("run"), OrgID: org.ID, ScenarioID: sc.ID, ScenarioVersion: 1, Created: now}
		if _, err := s.CreateRunTx(ctx, r, 0, func(ctx context.Context, tx pgx.Tx) error {
			return CreatePartsTx(ctx, tx, r.ID, parts)
		}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	split := newRun([][]string{{"E10000016"}, {"E10000030", "E07000207"}, {"E06000060"}})
	whole := newRun(nil)
	const limit = 2

	r, part, err := s.TakePart(ctx, split.ID, 1, 1, limit, now)
	if err != nil || part.Merge || part.Of != 3 || r.Status != store.RunRunning || r.Attempt != 1 || !slices.Equal(part.Areas, []string{"E10000030", "E07000207"}) {
		t.Fatalf("take part 1: %+v %+v %v", r, part, err)
	}
	if _, _, err := s.TakePart(ctx, split.ID, 0, 1, limit, now); err != nil {
		t.Fatalf("take part 0: %v", err)
	}
	// Two parts running: the organisation is at its limit, for parts and whole runs alike.
	if _, _, err := s.TakePart(ctx, split.ID, 2, 1, limit, now); !errors.Is(err, store.ErrBusy) {
		t.Fatalf("take part 2 with two parts running, limit 2: %v, want ErrBusy", err)
	}
	if _, err := s.TakeRun(ctx, whole.ID, 1, limit, now); !errors.Is(err, store.ErrBusy) {
		t.Fatalf("take a whole run with two parts running, limit 2: %v, want ErrBusy", err)
	}
	if _, _, err := s.TakePart(ctx, split.ID, 1, 1, limit, now); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("take part 1 again at the same attempt: %v, want ErrConflict", err)
	}
	if err := s.SetPartProgress(ctx, split.ID, 1, 1, 0.6); err != nil {
		t.Fatal(err)
	}
	if left, err := s.FinishPart(ctx, split.ID, 0, 1); err != nil || left != 2 {
		t.Fatalf("finish part 0: %d left, %v; want 2", left, err)
	}
	// Progress: the mean of the parts', (1 + 0.6 + 0) / 3.
	if r, _ := s.RunByID(ctx, split.ID); r.Progress < 0.533 || r.Progress > 0.534 {
		t.Errorf("run progress %v, want 0.533", r.Progress)
	}
	if _, _, err := s.TakePart(ctx, split.ID, 2, 1, limit, now); err != nil {
		t.Fatalf("take part 2 once part 0 is done: %v", err)
	}
	// Part 1's worker died: its job's second attempt takes it over, and the run says so.
	r, _, err = s.TakePart(ctx, split.ID, 1, 2, limit, now)
	if err != nil || r.Attempt != 2 {
		t.Fatalf("take over part 1 at attempt 2: %+v, %v", r, err)
	}
	if err := s.SetPartProgress(ctx, split.ID, 1, 1, 0.9); !errors.Is(err, store.ErrConflict) {
		t.Errorf("progress from the first attempt after the takeover: %v, want ErrConflict", err)
	}
	if _, err := s.FinishPart(ctx, split.ID, 1, 1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("finish part 1 from the first attempt after the takeover: %v, want ErrConflict", err)
	}
	if left, err := s.FinishPart(ctx, split.ID, 1, 2); err != nil || left != 1 {
		t.Fatalf("finish part 1: %d left, %v; want 1", left, err)
	}
	if _, _, err := s.TakePart(ctx, split.ID, 0, 2, limit, now); !errors.Is(err, store.ErrConflict) {
		t.Errorf("take part 0, done, with part 2 running: %v, want ErrConflict", err)
	}
	if left, err := s.FinishPart(ctx, split.ID, 2, 1); err != nil || left != 0 {
		t.Fatalf("finish part 2: %d left, %v; want 0 (merge)", left, err)
	}
	// The job of the last part died before merging: its retry merges.
	if _, part, err := s.TakePart(ctx, split.ID, 2, 2, limit, now); err != nil || !part.Merge {
		t.Fatalf("retry of the last part before the merge: %+v, %v; want Merge", part, err)
	}
	if _, err := s.FinishRun(ctx, split.ID, store.Outcome{Status: store.RunSucceeded, At: now}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.TakePart(ctx, split.ID, 2, 3, limit, now); !errors.Is(err, store.ErrConflict) {
		t.Errorf("take a part of a finished run: %v, want ErrConflict", err)
	}
	// No part running now: the whole run starts.
	if _, err := s.TakeRun(ctx, whole.ID, 1, limit, now); err != nil {
		t.Errorf("take the whole run once the split run is done: %v", err)
	}
}
