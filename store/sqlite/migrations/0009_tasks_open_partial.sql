-- tasks_open holds only the tasks that are not closed: recovery and expiry
-- scans look for open ones alone (TasksOpen), and closed tasks, which every
-- answer makes and which are never asked for this way, no longer cost an
-- index insert each (and their number no longer grows the index).
DROP INDEX IF EXISTS tasks_open;
CREATE INDEX tasks_open ON tasks (kind, status, token) WHERE status <> 'closed';
