-- tasks_activity served the claim of an activity's oldest scheduled task in a
-- transaction of its own, which the engine no longer makes (a claim is a
-- guarded update in the committer's batch, found through
-- tasks_activity_queue); every task insert and status change still paid for it.
DROP INDEX IF EXISTS tasks_activity;
