-- State machine versions and aliases, and the version and alias an execution
-- started on. A machine counts the versions it ever published, so that the
-- number of a deleted version is not used again.

ALTER TABLE state_machines ADD COLUMN versions_published INTEGER NOT NULL DEFAULT 0;

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

ALTER TABLE executions ADD COLUMN version_arn TEXT NOT NULL DEFAULT '';
ALTER TABLE executions ADD COLUMN alias_arn TEXT NOT NULL DEFAULT '';
CREATE INDEX executions_version ON executions (version_arn, start_ms DESC, id DESC) WHERE version_arn <> '';
CREATE INDEX executions_alias ON executions (alias_arn, start_ms DESC, id DESC) WHERE alias_arn <> '';

-- Redrives: how many, the last one's time, and its client token.
ALTER TABLE executions ADD COLUMN redrive_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN redrive_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN redrive_token TEXT NOT NULL DEFAULT '';

-- A machine's encryption configuration (JSON, "" for none).
ALTER TABLE state_machines ADD COLUMN encryption TEXT NOT NULL DEFAULT '';
