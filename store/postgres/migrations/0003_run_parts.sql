-- 3: the parts of runs executed in parts on several workers (postgres.Store.TakePart): the
-- scenario areas of each part, whether it is queued, running (at which attempt of its job)
-- or done, and its progress. A run without parts executes whole.

CREATE TABLE run_parts (
	run_id   text NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	n        integer NOT NULL CHECK (n >= 0),
	areas    text[] NOT NULL,
	state    text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done')),
	attempt  integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
	progress double precision NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
	PRIMARY KEY (run_id, n)
);
CREATE INDEX run_parts_running ON run_parts(run_id) WHERE state = 'running';
