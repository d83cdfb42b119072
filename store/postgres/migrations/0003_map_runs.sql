-- Distributed Map runs: a Map Run and its items, each item run by a child
-- execution that names it.

CREATE TABLE map_runs (
    arn               TEXT PRIMARY KEY,
    execution_id      BIGINT NOT NULL,
    execution_arn     TEXT NOT NULL,
    machine_arn       TEXT NOT NULL,
    state_name        TEXT NOT NULL,
    token             TEXT NOT NULL,
    status            TEXT NOT NULL,
    max_concurrency   INTEGER NOT NULL,
    tolerated_count   BIGINT NOT NULL,
    tolerated_percent DOUBLE PRECISION NOT NULL,
    child_type        TEXT NOT NULL,
    spec              BYTEA NOT NULL,
    loaded            BOOLEAN NOT NULL DEFAULT FALSE,
    total             BIGINT NOT NULL DEFAULT 0,
    error             TEXT NOT NULL DEFAULT '',
    cause             TEXT NOT NULL DEFAULT '',
    start_ms          BIGINT NOT NULL,
    stop_ms           BIGINT NOT NULL DEFAULT 0,
    redrive_count     INTEGER NOT NULL DEFAULT 0,
    redrive_ms        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX map_runs_execution ON map_runs (execution_arn, arn);

CREATE TABLE map_items (
    run        TEXT NOT NULL,
    idx        BIGINT NOT NULL,
    input      TEXT NOT NULL,
    items      INTEGER NOT NULL DEFAULT 1,
    status     TEXT NOT NULL,
    child      TEXT NOT NULL DEFAULT '',
    output     TEXT,
    error      TEXT NOT NULL DEFAULT '',
    cause      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run, idx)
);
CREATE INDEX map_items_status ON map_items (run, status, idx);

ALTER TABLE executions ADD COLUMN map_run TEXT NOT NULL DEFAULT '';
ALTER TABLE executions ADD COLUMN map_item BIGINT NOT NULL DEFAULT 0;
CREATE INDEX executions_map_run ON executions (map_run, start_ms DESC, id DESC) WHERE map_run <> '';
