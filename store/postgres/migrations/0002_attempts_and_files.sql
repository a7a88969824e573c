-- 2: how many times each run was taken to execute (store.Run.Attempt; 1 for runs started
-- before), and the files shared by every machine of a deployment (postgres.Files): result
-- files and uploads, by their path relative to the data directory, in chunks of at most 1 MiB
-- so that neither writing nor reading one holds a whole file in memory.

ALTER TABLE runs ADD COLUMN attempt integer NOT NULL DEFAULT 0 CHECK (attempt >= 0);
UPDATE runs SET attempt = 1 WHERE started IS NOT NULL;
CREATE INDEX runs_running ON runs(org_id) WHERE status = 'running';

CREATE TABLE files (
	name    text PRIMARY KEY,
	size    bigint NOT NULL CHECK (size >= 0),
	sha256  bytea NOT NULL CHECK (length(sha256) = 32),
	written timestamptz NOT NULL
);

CREATE TABLE file_chunks (
	name text NOT NULL REFERENCES files(name) ON DELETE CASCADE,
	n    integer NOT NULL CHECK (n >= 0),
	data bytea NOT NULL,
	PRIMARY KEY (name, n)
);
