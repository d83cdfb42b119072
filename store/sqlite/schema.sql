-- The schema that migrations/ make, as SQLite keeps it: a new database is
-- made with this script. Written by go test ./store/sqlite -run TestSchema -update;
-- do not edit: add a migration instead.

CREATE TABLE state_machines (
    arn         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    status      TEXT NOT NULL,
    role_arn    TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    logging     TEXT NOT NULL DEFAULT '',
    tracing     TEXT NOT NULL DEFAULT '',
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL
, versions_published INTEGER NOT NULL DEFAULT 0, encryption TEXT NOT NULL DEFAULT '');

CREATE TABLE definitions (
    revision_id TEXT PRIMARY KEY,
    machine_arn TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
, logging TEXT NOT NULL DEFAULT '', tracing TEXT NOT NULL DEFAULT '');

CREATE TABLE activities (
    arn        TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE tags (
    resource_arn TEXT NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (resource_arn, key)
) WITHOUT ROWID;

CREATE TABLE executions (
    id            INTEGER PRIMARY KEY,
    arn           TEXT NOT NULL UNIQUE,
    machine_arn   TEXT NOT NULL,
    name          TEXT NOT NULL,
    revision_id   TEXT NOT NULL,
    status        TEXT NOT NULL,
    input         TEXT NOT NULL,
    output        TEXT,
    error         TEXT NOT NULL DEFAULT '',
    cause         TEXT NOT NULL DEFAULT '',
    start_ms      INTEGER NOT NULL,
    stop_ms       INTEGER NOT NULL DEFAULT 0,
    state         BLOB,
    version       INTEGER NOT NULL,
    last_event_id INTEGER NOT NULL,
    trace_header  TEXT NOT NULL DEFAULT '',
    parent        TEXT NOT NULL DEFAULT '', parent_waits TEXT NOT NULL DEFAULT '', map_run TEXT NOT NULL DEFAULT '', map_item INTEGER NOT NULL DEFAULT 0, version_arn TEXT NOT NULL DEFAULT '', alias_arn TEXT NOT NULL DEFAULT '', redrive_count INTEGER NOT NULL DEFAULT 0, redrive_ms INTEGER NOT NULL DEFAULT 0, redrive_token TEXT NOT NULL DEFAULT '',
    UNIQUE (machine_arn, name)
);

CREATE INDEX executions_newest ON executions (start_ms DESC, id DESC);

CREATE INDEX executions_machine ON executions (machine_arn, start_ms DESC, id DESC);

CREATE INDEX executions_running ON executions (status, id);

CREATE TABLE timers (
    execution_id INTEGER NOT NULL,
    timer_id     INTEGER NOT NULL,
    due_ms       INTEGER NOT NULL, claim_ms INTEGER NOT NULL DEFAULT 0, owner TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (execution_id, timer_id)
) WITHOUT ROWID;

CREATE INDEX timers_claim ON timers (claim_ms);

CREATE TABLE nodes (
    id       TEXT PRIMARY KEY,
    lease_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX timers_owner ON timers (owner) WHERE owner <> '';

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

CREATE INDEX executions_map_run ON executions (map_run, start_ms DESC, id DESC) WHERE map_run <> '';

CREATE TABLE machine_versions (
    arn         TEXT PRIMARY KEY,
    machine_arn TEXT NOT NULL,
    version     INTEGER NOT NULL,
    revision_id TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    role_arn    TEXT NOT NULL,
    logging     TEXT NOT NULL DEFAULT '',
    tracing     TEXT NOT NULL DEFAULT '',
    created_ms  INTEGER NOT NULL,
    UNIQUE (machine_arn, version)
);

CREATE TABLE machine_aliases (
    arn         TEXT PRIMARY KEY,
    machine_arn TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    UNIQUE (machine_arn, name)
);

CREATE TABLE alias_routes (
    alias_arn   TEXT NOT NULL,
    position    INTEGER NOT NULL,
    version_arn TEXT NOT NULL,
    weight      INTEGER NOT NULL,
    PRIMARY KEY (alias_arn, position)
) WITHOUT ROWID;

CREATE INDEX alias_routes_version ON alias_routes (version_arn);

CREATE INDEX executions_version ON executions (version_arn, start_ms DESC, id DESC) WHERE version_arn <> '';

CREATE INDEX executions_alias ON executions (alias_arn, start_ms DESC, id DESC) WHERE alias_arn <> '';

CREATE TABLE "tasks" (
    token         TEXT PRIMARY KEY,
    execution_id  INTEGER NOT NULL,
    task_id       INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    activity_arn  TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    dispatch      BLOB NOT NULL,
    worker        TEXT NOT NULL DEFAULT '',
    created_ms    INTEGER NOT NULL,
    closed_reason TEXT NOT NULL DEFAULT '',
    owner         TEXT NOT NULL DEFAULT '',
    child         TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE INDEX tasks_pending ON tasks (owner) WHERE status = 'pending';

CREATE INDEX tasks_activity_queue ON tasks (activity_arn, execution_id, created_ms, token) WHERE status = 'scheduled';

CREATE INDEX tasks_open ON tasks (kind, status, token) WHERE status <> 'closed';

CREATE TABLE "history" (
    seq          INTEGER PRIMARY KEY,
    execution_id INTEGER NOT NULL,
    first_id     INTEGER NOT NULL,
    last_id      INTEGER NOT NULL,
    events       BLOB NOT NULL
);

CREATE UNIQUE INDEX history_execution ON history (execution_id, first_id);
