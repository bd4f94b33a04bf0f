ALTER TABLE entries ADD COLUMN reconciled BOOLEAN NOT NULL;

ALTER TABLE accounts ADD COLUMN reconciled_at TIMESTAMP;

ALTER TABLE accounts RENAME COLUMN owner_name TO holder_name;

CREATE INDEX entries_posted_at_idx ON entries (posted_at);
