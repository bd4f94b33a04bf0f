CREATE TABLE entries (
    id BIGSERIAL PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    amount_cents BIGINT NOT NULL,
    memo TEXT NOT NULL DEFAULT '',
    posted_at TIMESTAMP NOT NULL DEFAULT now()
);

CREATE INDEX entries_account_id_idx ON entries (account_id);
