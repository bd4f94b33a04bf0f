def emails(cur, user_ids):
    rows = []
    for uid in user_ids:
        cur.execute("SELECT email FROM users WHERE id = %s", (uid,))  # expect: ORM002
        rows.append(cur.fetchone())
    return rows
