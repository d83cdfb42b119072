-- Each revision keeps the logging and tracing configurations it was made
-- with, for DescribeStateMachineForExecution. Revisions stored before have
-- '' (the machine's current configurations are answered for them).

ALTER TABLE definitions ADD COLUMN logging TEXT NOT NULL DEFAULT '';
ALTER TABLE definitions ADD COLUMN tracing TEXT NOT NULL DEFAULT '';
