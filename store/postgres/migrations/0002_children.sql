-- Child executions are the engine's own (states:startExecution): a child
-- records how its parent waits for it, and the parent's task the child it
-- started. A timer's claim names its node, so that the node releases its own
-- claims when it starts again instead of waiting for their leases to end.

ALTER TABLE executions ADD COLUMN parent_waits TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN child TEXT NOT NULL DEFAULT '';
ALTER TABLE timers ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX timers_owner ON timers (owner) WHERE owner <> '';
