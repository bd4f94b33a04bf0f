"""PyJWT decodes at module level, re-expressed from CodeQL's
python/ql/test/experimental/query-tests/Security/CWE-347/pyjwt.py (github/codeql, MIT; lines
with `Alert[py/jwt-missing-verification]` positive, the `good` ones negative). Names are our own."""

import jwt

jwt.decode(bearer, "secret", "HS256")  # ok: SEC001 pyjwt.py:19
jwt.decode(bearer, verify=False)  # expect: SEC001 pyjwt.py:22
jwt.decode(bearer, signing_key, options={"verify_signature": False})  # expect: SEC001 pyjwt.py:23
jwt.decode(bearer, verify=True)  # ok: SEC001 pyjwt.py:26
jwt.decode(bearer, signing_key, options={"verify_signature": True})  # ok: SEC001 pyjwt.py:27


def caller_decides(verify):
    jwt.decode(bearer, signing_key, verify)  # ok: SEC001 pyjwt.py:31 (no alert expected)
