// Package store defines what the carecast server keeps between requests — organisations, API
// keys, uploaded dataset metadata, versioned scenarios and runs — behind the Store interface, so
// that the embedded SQLite implementation (package store/sqlite) can be joined by others (for
// example PostgreSQL) that pass the same conformance suite (package store/storetest).
//
// Contract shared by every implementation:
//   - A method that writes returns only after the write is committed and durable; an error means
//     nothing was written.
//   - Every read or write of an organisation's things takes the organisation's ID and treats a
//     thing of another organisation exactly like a missing one (ErrNotFound), so callers cannot
//     tell the two apart.
//   - Times are UTC with microsecond precision.
//   - Lists are newest first and paged by an opaque cursor (Page).
package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// Errors returned by Store methods. Implementations wrap them with context; test with errors.Is.
var (
	// ErrNotFound means the thing does not exist, was deleted, or belongs to another
	// organisation.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the thing is in a state that forbids the change (for example a run that
	// has already finished, or a scenario with unfinished runs).
	ErrConflict = errors.New("conflict")
	// ErrVersionMismatch means an update named an expected latest version that is no longer the
	// latest.
	ErrVersionMismatch = errors.New("version mismatch")
	// ErrTooManyRuns means the organisation already has as many unfinished runs as it may.
	ErrTooManyRuns = errors.New("too many unfinished runs")
	// ErrBusy means the organisation already has as many running runs as it may (TakeRun):
	// the run stays queued, to be taken later.
	ErrBusy = errors.New("organisation's running-run limit reached")
	// ErrTooManyKeys means the organisation already has as many API keys as it may.
	ErrTooManyKeys = errors.New("too many API keys")
	// ErrBadCursor means a page cursor was not one this store issued.
	ErrBadCursor = errors.New("invalid page cursor")
	// ErrDiskFull means a write failed because the disk holding the store is full (or the
	// database reached its size limit); as with every write error, nothing was written.
	ErrDiskFull = errors.New("disk full")
)

// Role is what an API key may do. Each role includes the ones before it.
type Role string

// The roles, from least to most privileged.
const (
	// RoleViewer reads scenarios, runs and datasets.
	RoleViewer Role = "viewer"
	// RolePlanner also creates, updates and deletes scenarios, starts and cancels runs and
	// uploads datasets.
	RolePlanner Role = "planner"
	// RoleAdmin also manages API keys and deletes uploaded datasets of its organisation.
	RoleAdmin Role = "admin"
)

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// Allows reports whether a key with role r may do what needs role min.
func (r Role) Allows(min Role) bool { return r.rank() > 0 && r.rank() >= min.rank() }

func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RolePlanner:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Org is an organisation (usually a council): the unit of isolation.
type Org struct {
	ID      string
	Name    string
	Created time.Time
}

// Key is an API key's record. The secret itself is never stored: only its SHA-256 hash.
type Key struct {
	ID      string
	OrgID   string
	OrgName string // filled by reads; ignored by CreateKey
	Name    string // a label chosen by whoever created the key
	Role    Role
	Hash    [32]byte // SHA-256 of the secret
	Created time.Time
}

// Dataset is an uploaded dataset file's metadata.
type Dataset struct {
	ID          string
	OrgID       string
	Kind        string // which canonical dataset it is, e.g. "population"
	Name        string // the name given at upload
	ContentHash string // "sha256:" followed by 64 lower-case hex digits
	Size        int64  // bytes
	Path        string // file path relative to the data directory
	Summary     json.RawMessage
	Created     time.Time
}

// Scenario is one version of a scenario. Every update makes a new version; old versions stay
// readable (runs refer to them).
type Scenario struct {
	ID       string
	OrgID    string
	Name     string
	Version  int             // 1, 2, …
	Latest   int             // the scenario's latest version when read
	Document json.RawMessage // the scenario document, stored as text exactly as received
	Created  time.Time       // when the scenario (version 1) was created
	Updated  time.Time       // when this version was created
}

// RunStatus is where a run is in its life.
type RunStatus string

// Run statuses. Queued and running are unfinished; the others are final.
const (
	RunQueued    RunStatus = "queued"
	RunRunning   RunStatus = "running"
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"
	RunCancelled RunStatus = "cancelled"
)

// Final reports whether s is a status a run never leaves.
func (s RunStatus) Final() bool {
	return s == RunSucceeded || s == RunFailed || s == RunCancelled
}

// Run is one execution of one version of a scenario.
type Run struct {
	ID              string
	OrgID           string
	ScenarioID      string
	ScenarioVersion int
	Status          RunStatus
	Progress        float64 // 0..1
	Error           string  // why it failed or was cancelled; empty otherwise
	CancelRequested bool
	Seed            *int64 // the seed asked for, or (once finished) the seed used; nil if neither
	// Attempt counts the times the run was taken to execute: 0 while queued, 1 once started,
	// 2 or more when a job-queue worker took over a run whose previous worker stopped
	// (TakeRun).
	Attempt    int
	ResultPath string // relative to the data directory; empty until it succeeds
	// ResultHashes are the SHA-256 hashes ("sha256:" + 64 lower-case hex digits) of the run's
	// result files, by file path relative to the data directory, recorded when the files were
	// written. Nil for runs finished before carecast recorded them (or by a Runner that does
	// not report them): their files are read unchecked.
	ResultHashes map[string]string
	Provenance   json.RawMessage
	Created      time.Time
	Started      *time.Time
	Finished     *time.Time
}

// Part is one part of a run executed in parts on several workers (a split run, shared mode
// only: postgres.Store.TakePart).
type Part struct {
	// N numbers the part from 0; Of is how many parts the run has.
	N, Of int
	// Areas are the scenario areas the part runs, in place of the scenario's own.
	Areas []string
	// Merge says every part is done and the run's results are still to be merged from them.
	Merge bool
}

// Outcome is how a running run ended.
type Outcome struct {
	Status     RunStatus // RunSucceeded, RunFailed or RunCancelled
	Error      string
	ResultPath string
	// ResultHashes are the result files' SHA-256 hashes, as in Run.ResultHashes.
	ResultHashes map[string]string
	Provenance   json.RawMessage
	Seed         *int64 // the seed the engine used, if it reports one
	// Attempt, when above 0, is the attempt that executed the run: FinishRun refuses
	// (ErrConflict) an outcome from an attempt that no longer holds the run.
	Attempt int
	At      time.Time
}

// Page asks for one page of a list: at most Limit items after the position Cursor names ("" for
// the first page).
type Page struct {
	Limit  int
	Cursor string
}

// RunFilter narrows ListRuns.
type RunFilter struct {
	ScenarioID string    // "" for any
	Status     RunStatus // "" for any
}

// Store keeps carecast's records. Implementations are safe for concurrent use.
type Store interface {
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database. Calls after Close fail.
	Close() error

	// EnsureOrg returns the organisation called name, creating it if needed.
	EnsureOrg(ctx context.Context, name string) (Org, error)
	// OrgByName returns the organisation called name, or ErrNotFound.
	OrgByName(ctx context.Context, name string) (Org, error)

	// CreateKey stores k (ID, OrgID, Name, Role, Hash and Created must be set), unless its
	// organisation already has maxPerOrg or more keys (ErrTooManyKeys); maxPerOrg <= 0 means
	// no limit. The count and the insert are one transaction.
	CreateKey(ctx context.Context, k Key, maxPerOrg int) error
	// KeyByHash returns the key whose secret hashes to hash, or ErrNotFound.
	KeyByHash(ctx context.Context, hash [32]byte) (Key, error)
	// ListKeys returns the organisation's keys, oldest first.
	ListKeys(ctx context.Context, orgID string) ([]Key, error)
	// DeleteKey deletes one of the organisation's keys.
	DeleteKey(ctx context.Context, orgID, id string) error
	// CountKeys returns how many keys exist in all organisations.
	CountKeys(ctx context.Context) (int, error)

	// CreateDataset stores d's metadata (every field but Summary must be set).
	CreateDataset(ctx context.Context, d Dataset) error
	// GetDataset returns one of the organisation's datasets.
	GetDataset(ctx context.Context, orgID, id string) (Dataset, error)
	// ListDatasets returns a page of the organisation's datasets and the cursor of the next
	// page ("" when there is none).
	ListDatasets(ctx context.Context, orgID string, p Page) ([]Dataset, string, error)
	// DeleteDataset deletes one of the organisation's datasets and returns what it was, so the
	// caller can remove the file after the delete is committed.
	DeleteDataset(ctx context.Context, orgID, id string) (Dataset, error)
	// DatasetPaths returns the file paths of every dataset of every organisation.
	DatasetPaths(ctx context.Context) ([]string, error)

	// CreateScenario stores version 1 of a new scenario (ID, OrgID, Name, Document and Created
	// must be set) and returns it as stored.
	CreateScenario(ctx context.Context, s Scenario) (Scenario, error)
	// GetScenario returns one version of one of the organisation's scenarios; version 0 means
	// the latest.
	GetScenario(ctx context.Context, orgID, id string, version int) (Scenario, error)
	// ListScenarios returns a page of the organisation's scenarios, each at its latest
	// version, and the cursor of the next page.
	ListScenarios(ctx context.Context, orgID string, p Page) ([]Scenario, string, error)
	// UpdateScenario stores a new version of one of the organisation's scenarios. When
	// ifVersion > 0 and the latest version is not ifVersion, it writes nothing and returns
	// ErrVersionMismatch.
	UpdateScenario(ctx context.Context, orgID, id, name string, doc json.RawMessage, ifVersion int, at time.Time) (Scenario, error)
	// DeleteScenario hides one of the organisation's scenarios. Its versions stay stored for
	// the runs that refer to them. It returns ErrConflict while the scenario has unfinished
	// runs.
	DeleteScenario(ctx context.Context, orgID, id string, at time.Time) error

	// CreateRun stores a queued run of an existing scenario version of the same organisation,
	// unless the organisation already has maxUnfinished or more queued or running runs
	// (ErrTooManyRuns); maxUnfinished <= 0 means no limit.
	CreateRun(ctx context.Context, r Run, maxUnfinished int) (Run, error)
	// GetRun returns one of the organisation's runs.
	GetRun(ctx context.Context, orgID, id string) (Run, error)
	// RunByID returns any organisation's run; it is for the server's own workers.
	RunByID(ctx context.Context, id string) (Run, error)
	// ListRuns returns a page of the organisation's runs and the cursor of the next page.
	ListRuns(ctx context.Context, orgID string, f RunFilter, p Page) ([]Run, string, error)
	// StartRun moves a queued run to running at attempt 1; ErrConflict if it is no longer
	// queued.
	StartRun(ctx context.Context, id string, at time.Time) (Run, error)
	// TakeRun gives run id to the attempt'th attempt (1, 2, …) of a job-queue worker's job
	// and returns the run as taken, its progress 0:
	//   - a queued run becomes running (Started = at), unless maxRunning > 0 and its
	//     organisation already has maxRunning or more running runs (ErrBusy: it stays
	//     queued); the count and the change are atomic, so the limit holds across workers;
	//   - a running run held by an earlier attempt (whose worker stopped) is taken over
	//     (Started is kept);
	//   - otherwise (finished, or running at this attempt or a later one) ErrConflict.
	TakeRun(ctx context.Context, id string, attempt, maxRunning int, at time.Time) (Run, error)
	// SetRunProgress records the progress (0..1) of a running run; ErrConflict if it is not
	// running.
	SetRunProgress(ctx context.Context, id string, progress float64) error
	// FinishRun records how a running run ended; ErrConflict if it is not running (or, when
	// o.Attempt > 0, not running at that attempt).
	FinishRun(ctx context.Context, id string, o Outcome) (Run, error)
	// CancelRun cancels one of the organisation's runs: a queued run becomes cancelled at once;
	// a running run is flagged CancelRequested and stays running until its worker stops it.
	// ErrConflict if the run has already finished.
	CancelRun(ctx context.Context, orgID, id, reason string, at time.Time) (Run, error)
	// FailUnfinishedRuns marks every queued or running run failed with message msg and returns
	// their IDs. The server calls it at start, before any worker runs.
	FailUnfinishedRuns(ctx context.Context, msg string, at time.Time) ([]string, error)
}

// EncodeCursor returns the page cursor both stores use: base64url of "s" and the seq of the last
// item shown (the next page lists items below it).
func EncodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("s" + strconv.FormatInt(seq, 10)))
}

// DecodeCursor returns the seq a cursor names, or 0 for the first page.
func DecodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 2 || b[0] != 's' {
		return 0, ErrBadCursor
	}
	n, err := strconv.ParseInt(string(b[1:]), 10, 64)
	if err != nil || n <= 0 {
		return 0, ErrBadCursor
	}
	return n, nil
}

// PageArgs returns the upper bound on seq and the limit for page p.
func PageArgs(p Page) (int64, int, error) {
	seq, err := DecodeCursor(p.Cursor)
	if err != nil {
		return 0, 0, err
	}
	if seq == 0 {
		seq = 1<<63 - 1
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	return seq, limit, nil
}
