"""SQL in the scanned project: where it reaches a database (sinks), lifting it out of Python,
lexing it on sqlglot's tokenizer, and the SQL001 fix."""
