-- tasks is kept in the order of its primary key, the token, as a WITHOUT
-- ROWID table: a task's row was found through the token's index and then by
-- rowid, and every task added wrote a page of each of those two trees (1.1 of
-- the 14.9 pages a commit wrote under the activities workload was the token
-- index's). Tokens begin with their time, so new rows go to the tree's end.
CREATE TABLE tasks_by_token (
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
INSERT INTO tasks_by_token (token, execution_id, task_id, kind, activity_arn, status, dispatch, worker, created_ms, closed_reason, owner, child)
    SELECT token, execution_id, task_id, kind, activity_arn, status, dispatch, worker, created_ms, closed_reason, owner, child FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_by_token RENAME TO tasks;
CREATE INDEX tasks_pending ON tasks (owner) WHERE status = 'pending';
CREATE INDEX tasks_activity_queue ON tasks (activity_arn, execution_id, created_ms, token) WHERE status = 'scheduled';
CREATE INDEX tasks_open ON tasks (kind, status, token) WHERE status <> 'closed';
