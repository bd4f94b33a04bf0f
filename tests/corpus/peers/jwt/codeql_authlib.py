"""authlib's decode always checks the signature against the key it is given. Re-expressed from
CodeQL's python/ql/test/experimental/query-tests/Security/CWE-347/authlib.py (github/codeql,
MIT; no decode there is reported). Names are our own."""

from authlib.jose import JsonWebToken, jwt

jwt.decode(bearer, signing_key)  # ok: SEC001 authlib.py:16
JsonWebToken().decode(bearer, signing_key)  # ok: SEC001 authlib.py:17
