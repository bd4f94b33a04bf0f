def drain(cur):
    last = 0
    while True:
        cur.execute("SELECT id FROM jobs WHERE id > %s ORDER BY id LIMIT 100", (last,))
        rows = cur.fetchall()
        if not rows:
            break
        last = rows[-1][0]
