ALTER TABLE accounts ADD COLUMN currency CHAR(3);

UPDATE accounts SET currency = 'EUR';

ALTER TABLE accounts ALTER COLUMN currency SET NOT NULL;
