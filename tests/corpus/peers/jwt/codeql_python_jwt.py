"""python_jwt's `process_jwt` reads a token without checking it; `verify_jwt` checks it.
Re-expressed from CodeQL's python/ql/test/experimental/query-tests/Security/CWE-347/python_jwt.py
(github/codeql, MIT; the expected output reports the token of the `bad` function only)."""

import python_jwt


def verified(bearer):
    python_jwt.process_jwt(bearer)  # ok: SEC001 python_jwt.py:7
    python_jwt.verify_jwt(bearer, "secret", "HS256")


def unverified(bearer):
    python_jwt.process_jwt(bearer)  # expect: SEC001 python_jwt.py:13
