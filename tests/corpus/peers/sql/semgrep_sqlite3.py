"""sqlite3 at module level with values read from `input()`, re-expressed in our own code from
semgrep-rules' python/lang/security/audit/sqli/sqlite3-sqli.py (semgrep-rules' own licence:
nothing copied; `# ruleid:` positive, `# ok:` negative)."""

import sqlite3

conn = sqlite3.connect("shop.db")
cur = conn.cursor()

member_id = input("Member id: ")
nick = input("Nickname: ")

cur.execute("SELECT * FROM members WHERE id = " + member_id)  # expect: SQL001 sqlite3-sqli +
cur.execute("SELECT * FROM members WHERE nick = '%s'" % nick)  # expect: SQL001 sqlite3-sqli %
cur.execute(f"SELECT * FROM members WHERE nick = '{nick}'")  # expect: SQL001 sqlite3-sqli f-string
cur.execute("SELECT * FROM members WHERE nick = '{}'".format(nick))  # expect: SQL001 sqlite3-sqli format
cur.execute("SELECT * FROM members WHERE id = ?", (member_id,))  # ok: SQL001 sqlite3-sqli bound id
cur.execute("SELECT * FROM members WHERE nick = ?", (nick,))  # ok: SQL001 sqlite3-sqli bound nick
