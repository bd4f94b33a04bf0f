def load(conn, rows):
    cur = conn.cursor()
    for row in rows:
        cur.execute("INSERT INTO events (kind, payload) VALUES (%s, %s)", (row["kind"], row["payload"]))  # expect: ORM003
    conn.commit()
