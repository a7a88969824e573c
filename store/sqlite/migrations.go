package sqlite

// migrations are the schema changes, applied in order at Open. migrations[i] brings the database
// from PRAGMA user_version i to i+1. Never edit an entry that has shipped: append a new one.
var migrations = []string{
	// 1: the first schema.
	`
CREATE TABLE orgs (
	id      TEXT PRIMARY KEY,
	name    TEXT NOT NULL UNIQUE,
	created TEXT NOT NULL
);

CREATE TABLE api_keys (
	id      TEXT PRIMARY KEY,
	org_id  TEXT NOT NULL REFERENCES orgs(id),
	name    TEXT NOT NULL,
	role    TEXT NOT NULL CHECK (role IN ('viewer', 'planner', 'admin')),
	hash    BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
	created TEXT NOT NULL
);
CREATE INDEX api_keys_org ON api_keys(org_id);

CREATE TABLE datasets (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	id           TEXT NOT NULL UNIQUE,
	org_id       TEXT NOT NULL REFERENCES orgs(id),
	kind         TEXT NOT NULL,
	name         TEXT NOT NULL,
	content_hash TEXT NOT NULL,
	size         INTEGER NOT NULL CHECK (size >= 0),
	path         TEXT NOT NULL UNIQUE,
	summary      TEXT NOT NULL DEFAULT '{}',
	created      TEXT NOT NULL
);
CREATE INDEX datasets_org_seq ON datasets(org_id, seq);

CREATE TABLE scenarios (
	seq            INTEGER PRIMARY KEY AUTOINCREMENT,
	id             TEXT NOT NULL UNIQUE,
	org_id         TEXT NOT NULL REFERENCES orgs(id),
	latest_version INTEGER NOT NULL CHECK (latest_version >= 1),
	created        TEXT NOT NULL,
	deleted        TEXT
);
CREATE INDEX scenarios_org_seq ON scenarios(org_id, seq);

CREATE TABLE scenario_versions (
	scenario_id TEXT NOT NULL REFERENCES scenarios(id),
	version     INTEGER NOT NULL CHECK (version >= 1),
	name        TEXT NOT NULL,
	document    TEXT NOT NULL,
	created     TEXT NOT NULL,
	PRIMARY KEY (scenario_id, version)
);

CREATE TABLE runs (
	seq              INTEGER PRIMARY KEY AUTOINCREMENT,
	id               TEXT NOT NULL UNIQUE,
	org_id           TEXT NOT NULL REFERENCES orgs(id),
	scenario_id      TEXT NOT NULL,
	scenario_version INTEGER NOT NULL,
	status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
	progress         REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
	error            TEXT NOT NULL DEFAULT '',
	cancel_requested INTEGER NOT NULL DEFAULT 0,
	seed             INTEGER,
	result_path      TEXT NOT NULL DEFAULT '',
	provenance       TEXT NOT NULL DEFAULT '{}',
	created          TEXT NOT NULL,
	started          TEXT,
	finished         TEXT,
	FOREIGN KEY (scenario_id, scenario_version) REFERENCES scenario_versions(scenario_id, version)
);
CREATE INDEX runs_org_seq ON runs(org_id, seq);
CREATE INDEX runs_scenario ON runs(scenario_id);
CREATE INDEX runs_unfinished ON runs(org_id) WHERE status IN ('queued', 'running');
`,
	// 2: each run's result files' SHA-256 hashes, a JSON object by path; '{}' for runs
	// finished before (their files are read unchecked).
	`ALTER TABLE runs ADD COLUMN result_hashes TEXT NOT NULL DEFAULT '{}';`,
	// 3: how many times each run was taken to execute (store.Run.Attempt): 1 for runs
	// started before.
	`ALTER TABLE runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0);
UPDATE runs SET attempt = 1 WHERE started IS NOT NULL;`,
}
