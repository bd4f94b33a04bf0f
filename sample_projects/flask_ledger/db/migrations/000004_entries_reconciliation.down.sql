DROP INDEX IF EXISTS entries_posted_at_idx;

ALTER TABLE accounts RENAME COLUMN holder_name TO owner_name;

ALTER TABLE accounts DROP COLUMN IF EXISTS reconciled_at;

ALTER TABLE entries DROP COLUMN IF EXISTS reconciled;
