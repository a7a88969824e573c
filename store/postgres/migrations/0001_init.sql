-- 1: the first schema: the same tables as store/sqlite's migrations 1 and 2, in PostgreSQL's
-- types. Times are timestamptz (microseconds, as the store contract says); documents, summaries,
-- provenance and result hashes are text, so they read back byte for byte as written (jsonb would
-- reformat them). seq columns give lists their order and cursors their positions.

CREATE TABLE orgs (
	id      text PRIMARY KEY,
	name    text NOT NULL UNIQUE,
	created timestamptz NOT NULL
);

CREATE TABLE api_keys (
	id      text PRIMARY KEY,
	org_id  text NOT NULL REFERENCES orgs(id),
	name    text NOT NULL,
	role    text NOT NULL CHECK (role IN ('viewer', 'planner', 'admin')),
	hash    bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
	created timestamptz NOT NULL
);
CREATE INDEX api_keys_org ON api_keys(org_id);

CREATE TABLE datasets (
	seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id           text NOT NULL UNIQUE,
	org_id       text NOT NULL REFERENCES orgs(id),
	kind         text NOT NULL,
	name         text NOT NULL,
	content_hash text NOT NULL,
	size         bigint NOT NULL CHECK (size >= 0),
	path         text NOT NULL UNIQUE,
	summary      text NOT NULL DEFAULT '{}',
	created      timestamptz NOT NULL
);
CREATE INDEX datasets_org_seq ON datasets(org_id, seq);

CREATE TABLE scenarios (
	seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id             text NOT NULL UNIQUE,
	org_id         text NOT NULL REFERENCES orgs(id),
	latest_version integer NOT NULL CHECK (latest_version >= 1),
	created        timestamptz NOT NULL,
	deleted        timestamptz
);
CREATE INDEX scenarios_org_seq ON scenarios(org_id, seq);

CREATE TABLE scenario_versions (
	scenario_id text NOT NULL REFERENCES scenarios(id),
	version     integer NOT NULL CHECK (version >= 1),
	name        text NOT NULL,
	document    text NOT NULL,
	created     timestamptz NOT NULL,
	PRIMARY KEY (scenario_id, version)
);

CREATE TABLE runs (
	seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id               text NOT NULL UNIQUE,
	org_id           text NOT NULL REFERENCES orgs(id),
	scenario_id      text NOT NULL,
	scenario_version integer NOT NULL,
	status           text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
	progress         double precision NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
	error            text NOT NULL DEFAULT '',
	cancel_requested boolean NOT NULL DEFAULT false,
	seed             bigint,
	result_path      text NOT NULL DEFAULT '',
	result_hashes    text NOT NULL DEFAULT '{}',
	provenance       text NOT NULL DEFAULT '{}',
	created          timestamptz NOT NULL,
	started          timestamptz,
	finished         timestamptz,
	FOREIGN KEY (scenario_id, scenario_version) REFERENCES scenario_versions(scenario_id, version)
);
CREATE INDEX runs_org_seq ON runs(org_id, seq);
CREATE INDEX runs_scenario ON runs(scenario_id);
CREATE INDEX runs_unfinished ON runs(org_id) WHERE status IN ('queued', 'running');
