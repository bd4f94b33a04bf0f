"""SQL built by string formatting and run at module level, re-expressed from bandit's
examples/sql_statements.py and examples/sql_multiline_statements.py (bandit 1.9.4, Apache-2.0;
bandit's tests/functional/test_functional.py counts its findings on them). Names are our own;
each labelled line cites the example line it re-expresses."""

import sqlalchemy

# string formatting into quoted literals, run directly
cursor.execute("SELECT * FROM parcels WHERE code = '%s'" % parcel_code)  # expect: SQL001 sql_statements.py:17
cursor.execute("INSERT INTO parcels VALUES ('x', 'y', '%s')" % weight)  # expect: SQL001 sql_statements.py:18
cursor.execute("INSERT INTO parcels VALUES('x', 'y', '%s')" % weight)  # expect: SQL001 sql_statements.py:19
cursor.execute("DELETE FROM parcels WHERE code = '%s'" % parcel_code)  # expect: SQL001 sql_statements.py:20
cursor.execute("UPDATE parcels SET weight = 'y' WHERE code = '%s'" % parcel_code)  # expect: SQL001 sql_statements.py:21
cursor.execute("SELECT * FROM parcels WHERE code = '" + parcel_code + "'")  # expect: SQL001 sql_statements.py:23
cursor.execute("SELECT * FROM parcels WHERE code = '{}'".format(parcel_code))  # expect: SQL001 sql_statements.py:24
cursor.execute("SELECT * FROM parcels WHERE code = '[CODE]'".replace("[CODE]", parcel_code))  # expect: SQL001 sql_statements.py:25

# f-strings that put names into the statement
cursor.execute(f"SELECT {column} FROM parcels WHERE code = 1")  # expect: SQL001 sql_statements.py:28
cursor.execute(f"SELECT {left + right} FROM parcels WHERE code = 1")  # expect: SQL001 sql_statements.py:29
cursor.execute(f"INSERT INTO {table} VALUES (1)")  # expect: SQL001 sql_statements.py:30
cursor.execute(f"INSERT INTO {table} VALUES(1)")  # expect: SQL001 sql_statements.py:31
cursor.execute(f"UPDATE {table} SET code = 1")  # expect: SQL001 sql_statements.py:32

# the value goes as a parameter (the quotes are the caller's mistake, not an injection)
cursor.execute("SELECT * FROM parcels WHERE code = '%s'", parcel_code)  # ok: SQL001 sql_statements.py:35
cursor.execute("INSERT INTO parcels VALUES ('x', 'y', '%s')", weight)  # ok: SQL001 sql_statements.py:36
cursor.execute("INSERT INTO parcels VALUES('x', 'y', '%s')", weight)  # ok: SQL001 sql_statements.py:37
cursor.execute("DELETE FROM parcels WHERE code = '%s'", parcel_code)  # ok: SQL001 sql_statements.py:38
cursor.execute("UPDATE parcels SET weight = 'y' WHERE code = '%s'", parcel_code)  # ok: SQL001 sql_statements.py:39

# SQL words in text that is no SQL
options = [("server_list", _("Select from running hosts"))]  # ok: SQL001 sql_statements.py:50
print("delete from the queue as the first step")  # ok: SQL001 sql_statements.py:51

# multi-line statements
cursor.execute("""SELECT *
FROM parcels WHERE code = '%s'""" % parcel_code)  # expect: SQL001 sql_multiline_statements.py:30
cursor.execute("""INSERT INTO parcels
VALUES ('x', 'y', '%s')""" % weight)  # expect: SQL001 sql_multiline_statements.py:33
cursor.execute("""DELETE FROM parcels
WHERE code = '%s'""" % parcel_code)  # expect: SQL001 sql_multiline_statements.py:35
cursor.execute("""UPDATE parcels
SET weight = 'y'
WHERE code = '%s'""" % parcel_code)  # expect: SQL001 sql_multiline_statements.py:37
cursor.execute("""SELECT *
FROM parcels
WHERE code = '""" + parcel_code + "'")  # expect: SQL001 sql_multiline_statements.py:41
cursor.execute("""SELECT *
FROM parcels
WHERE code = '{}'""".format(parcel_code))  # expect: SQL001 sql_multiline_statements.py:44
cursor.execute(f"""
SELECT
    {column}
FROM parcels
WHERE code = 1""")  # expect: SQL001 sql_multiline_statements.py:69
cursor.execute(f"""
SELECT
    {left + right}
FROM parcels
WHERE code = 1""")  # expect: SQL001 sql_multiline_statements.py:75
cursor.execute(f"""
INSERT INTO
    {table}
VALUES (1)""")  # expect: SQL001 sql_multiline_statements.py:81
cursor.execute(f"""
UPDATE {table}
SET code = 1""")  # expect: SQL001 sql_multiline_statements.py:85
cursor.execute("SELECT "
               f"{column} "
               "FROM parcels "
               "WHERE code = 1"
               )  # expect: SQL001 sql_multiline_statements.py:90
cursor.execute("INSERT INTO "
               f"{table} "
               "VALUES (1)")  # expect: SQL001 sql_multiline_statements.py:95
cursor.execute(f"UPDATE {table} "
               "SET code = 1")  # expect: SQL001 sql_multiline_statements.py:98
cursor.execute("""SELECT *
FROM parcels
WHERE code = '%s'""", parcel_code)  # ok: SQL001 sql_multiline_statements.py:102
cursor.execute("""INSERT INTO parcels
VALUES ('x', 'y', '%s')""", weight)  # ok: SQL001 sql_multiline_statements.py:105
cursor.execute("""DELETE FROM parcels
WHERE code = '%s'""", parcel_code)  # ok: SQL001 sql_multiline_statements.py:107
cursor.execute("""UPDATE parcels
SET weight = 'y'
WHERE code = '%s'""", parcel_code)  # ok: SQL001 sql_multiline_statements.py:109
