"""python-jose decodes, re-expressed from CodeQL's
python/ql/test/experimental/query-tests/Security/CWE-347/python_jose.py (github/codeql, MIT).
Names are our own."""

from jose import jwt

jwt.decode(bearer, "secret", "HS256")  # ok: SEC001 python_jose.py:16
jwt.decode(bearer, signing_key, options={"verify_signature": False})  # expect: SEC001 python_jose.py:19
jwt.decode(bearer, signing_key, options={"verify_signature": True})  # ok: SEC001 python_jose.py:22
