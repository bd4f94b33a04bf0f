"""JWT handling in FastAPI / Flask services (SEC001, SEC002)."""
from datetime import datetime, timedelta, timezone

import jwt
from jose import jwt as jose_jwt

PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----..."
SIGNING_KEY_ENV = "JWT_SIGNING_KEY"
NO_VERIFY = {"verify_signature": False}


def bad_sec001_verify_signature_false(token):
    claims = jwt.decode(token, options={"verify_signature": False})
    return claims["sub"]


def bad_sec001_options_variable(token):
    options = {"verify_signature": False, "verify_aud": False}
    return jwt.decode(token, options=options)["sub"]


def bad_sec001_pyjwt1_verify_false(token, key):
    return jwt.decode(token, key, verify=False)


def bad_sec001_alg_from_header(token, keys):
    header = jwt.get_unverified_header(token)
    return jwt.decode(token, keys[header["kid"]], algorithms=[header["alg"]])


def bad_sec001_none_algorithm(token, key):
    return jwt.decode(token, key, algorithms=["HS256", "none"])


def bad_sec001_jose_unverified_claims(token, users):
    claims = jose_jwt.get_unverified_claims(token)
    return users.get(claims["sub"])


def ok_sec001_verified_rs256(token):
    return jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"], audience="api", issuer="https://id.example.com")


def ok_sec001_kid_lookup_then_verify(token, jwks):
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.decode(token, jwks[kid], algorithms=["RS256"], audience="api")


def ok_sec001_jose_verified(token, key):
    return jose_jwt.decode(token, key, algorithms=["HS256"])


def bad_sec001_unverified_claims_returned_beside_verified(access_token, refresh_token, key):
    refresh = jwt.decode(refresh_token, key, algorithms=["HS256"])
    claims = jwt.decode(access_token, options={"verify_signature": False})
    return {"user": claims["sub"], "refresh_expires": refresh["exp"]}


def bad_sec001_unverified_beside_verified(token, key):
    jwt.decode(token, key, options={"verify_signature": True})
    jwt.decode(token, key, options={"verify_signature": False})


def bad_sec001_options_flag_variable(token, key):
    check = False
    options = {"verify_signature": check}
    return jwt.decode(token, key, options=options)


def bad_sec001_unverified_user_stored(request, token, key):
    claims = jwt.decode(token, options={"verify_signature": False})
    request.user_id = claims["sub"]
    return jwt.decode(token, key, algorithms=["HS256"])


def ok_sec001_issuer_picks_key_then_verify(token, jwks_for_issuer):
    unverified = jwt.decode(token, options={"verify_signature": False})
    issuer = unverified["iss"]
    key = jwks_for_issuer(issuer).get_signing_key_from_jwt(token).key
    return jwt.decode(token, key, algorithms=["RS256"], audience="api", issuer=issuer)


def _verify_google_token(token):
    return jwt.decode(token, GOOGLE_KEYS, algorithms=["RS256"], audience="app")


def ok_sec001_issuer_routes_token(token, key):
    claims = jwt.decode(token, options={"verify_signature": False})
    if claims.get("iss") == "accounts.google.com":
        return _verify_google_token(token)
    return jwt.decode(token, key, algorithms=["HS256"])


def ok_sec001_decode_other_library(payload, codec):
    return codec.decode(payload, options={"verify_signature": False})


def bad_sec002_no_exp(user, secret):
    return jwt.encode({"sub": str(user.id), "role": user.role}, secret, algorithm="HS256")


def bad_sec002_payload_variable_without_exp(user, secret):
    payload = {"sub": str(user.id), "iat": datetime.now(timezone.utc)}
    return jwt.encode(payload, secret, algorithm="HS256")


def bad_sec002_verify_exp_false(token, key):
    return jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False})


def bad_sec002_jose_no_exp(user, key):
    return jose_jwt.encode({"sub": user.email}, key, algorithm="HS256")


def ok_sec002_with_exp(user, secret):
    now = datetime.now(timezone.utc)
    return jwt.encode({"sub": str(user.id), "iat": now, "exp": now + timedelta(minutes=15)}, secret, algorithm="HS256")


def ok_sec002_exp_added_later(user, secret):
    claims = {"sub": str(user.id)}
    claims["exp"] = datetime.now(timezone.utc) + timedelta(minutes=10)
    return jwt.encode(claims, secret, algorithm="HS256")


def ok_sec002_payload_from_helper(user, secret, build_claims):
    return jwt.encode(build_claims(user), secret, algorithm="HS256")


def ok_sec002_merged_payload(user, secret, base):
    return jwt.encode({**base, "sub": str(user.id)}, secret, algorithm="HS256")
