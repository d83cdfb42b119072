-- The queue of an activity's scheduled tasks in the order pollers take them
-- (ActivityTasksScheduled): the earliest started execution's first, then an
-- execution's oldest, so that executions that started first finish first.
-- (Numbered after the versions migration of the lifecycle work, 0004.)

CREATE INDEX tasks_activity_queue ON tasks (activity_arn, execution_id, created_ms, token) WHERE status = 'scheduled';
