def load(cur, rows):
    cur.executemany("INSERT INTO events (kind) VALUES (%s)", [(r["kind"],) for r in rows])
