-- Distributed Map runs: a Map Run and its items, each item run by a child
-- execution that names it.

CREATE TABLE map_runs (
    arn               TEXT PRIMARY KEY,
    execution_id      INTEGER NOT NULL,
    execution_arn     TEXT NOT NULL,
    machine_arn       TEXT NOT NULL,
    state_name        TEXT NOT NULL,
    token             TEXT NOT NULL,
    status            TEXT NOT NULL,
    max_concurrency   INTEGER NOT NULL,
    tolerated_count   INTEGER NOT NULL,
    tolerated_percent REAL NOT NULL,
    child_type        TEXT NOT NULL,
    spec              BLOB NOT NULL,
    loaded            INTEGER NOT NULL DEFAULT 0,
    total             INTEGER NOT NULL DEFAULT 0,
    error             TEXT NOT NULL DEFAULT '',
    cause             TEXT NOT NULL DEFAULT '',
    start_ms          INTEGER NOT NULL,
    stop_ms           INTEGER NOT NULL DEFAULT 0,
    redrive_count     INTEGER NOT NULL DEFAULT 0,
    redrive_ms        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX map_runs_execution ON map_runs (execution_arn, arn);

CREATE TABLE map_items (
    run        TEXT NOT NULL,
    idx        INTEGER NOT NULL,
    input      TEXT NOT NULL,
    items      INTEGER NOT NULL DEFAULT 1,
    status     TEXT NOT NULL,
    child      TEXT NOT NULL DEFAULT '',
    output     TEXT,
    error      TEXT NOT NULL DEFAULT '',
    cause      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run, idx)
) WITHOUT ROWID;
CREATE INDEX map_items_status ON map_items (run, status, idx);

ALTER TABLE executions ADD COLUMN map_run TEXT NOT NULL DEFAULT '';
ALTER TABLE executions ADD COLUMN map_item INTEGER NOT NULL DEFAULT 0;
CREATE INDEX executions_map_run ON executions (map_run, start_ms DESC, id DESC) WHERE map_run <> '';
