-- timers_due served the search for due timers by due time, which looks by
-- claim_ms (timers_claim) since 0002; every timer armed and cancelled (each
-- Task state arms its timeout) still paid for it.
DROP INDEX IF EXISTS timers_due;
