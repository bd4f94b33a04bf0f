CREATE TABLE accounts (
    id SERIAL PRIMARY KEY,
    owner_name VARCHAR(120) NOT NULL,
    email VARCHAR(255),
    balance_cents BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL DEFAULT now()
);
