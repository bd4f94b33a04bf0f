"""PyJWT decodes with signature checking turned off or the `none` algorithm, re-expressed in
our own code from semgrep-rules' python/jwt/security/unverified-jwt-decode.py and
jwt-none-alg.py (semgrep-rules' own licence: nothing copied; `# ruleid:` positive, `# ok:`
negative). As in the first file, every case sits in one function."""

import jwt


def checks(session_token, signing_key):
    jwt.decode(session_token, signing_key, options={"verify_signature": False})  # expect: SEC001 unverified-jwt-decode literal options

    settings = {"verify_signature": False}
    jwt.decode(session_token, signing_key, options=settings)  # expect: SEC001 unverified-jwt-decode options variable

    off = False
    settings2 = {"verify_signature": off}
    jwt.decode(session_token, signing_key, options=settings2)  # expect: SEC001 unverified-jwt-decode flag variable

    jwt.decode(session_token, signing_key, options={"verify_signature": True})  # ok: SEC001 unverified-jwt-decode literal True

    settings = {"verify_signature": True}
    jwt.decode(session_token, signing_key, options=settings)  # ok: SEC001 unverified-jwt-decode options variable True

    off = True
    settings2 = {"verify_signature": off}
    jwt.decode(session_token, signing_key, options=settings2)  # ok: SEC001 unverified-jwt-decode flag variable True

    jwt.decode(session_token, signing_key)  # ok: SEC001 unverified-jwt-decode default


def unsigned_token():
    token = jwt.encode({"role": "reader"}, None, algorithm="none")
    return token


def accept_none(session_token):
    jwt.decode(session_token, None, algorithms=["none"])  # expect: SEC001 jwt-none-alg bad2
    return session_token


def signed_token(signing_key):
    token = jwt.encode({"role": "reader"}, signing_key, algorithm="HS256")  # ok: SEC001 jwt-none-alg ok
    return token
