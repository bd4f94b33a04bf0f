"""Credentials and password hashing in application code (SEC003, SEC004)."""
import hashlib
import os

import bcrypt
import jwt
import psycopg
import redis
from passlib.context import CryptContext
from sqlalchemy import create_engine


def bad_sec003_sha256_password(user, password):
    user.password_hash = hashlib.sha256(password.encode()).hexdigest()


def bad_sec003_md5_salted(user, raw_password, salt):
    user.pw = hashlib.md5((salt + raw_password).encode("utf-8")).hexdigest()


def bad_sec003_sha1_form_field(form):
    return hashlib.sha1(form["password"].encode()).hexdigest()


def bad_sec003_hashlib_new(user, new_password):
    return hashlib.new("sha512", new_password.encode()).hexdigest()


def bad_sec003_low_bcrypt_rounds(pw):
    return bcrypt.hashpw(pw, bcrypt.gensalt(rounds=4))


def bad_sec003_low_pbkdf2(password, salt):
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000)


def bad_sec003_passlib_md5_crypt():
    return CryptContext(schemes=["md5_crypt", "bcrypt"], deprecated="auto")


def ok_sec003_token_digest(api_token):
    return hashlib.sha256(api_token.encode()).hexdigest()


def ok_sec003_file_checksum(data):
    return hashlib.md5(data).hexdigest()


def ok_sec003_bcrypt_default(password):
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt())


def ok_sec003_pbkdf2_strong(password, salt):
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)


def ok_sec003_passlib_argon2():
    return CryptContext(schemes=["argon2", "md5_crypt"], deprecated="auto")


def ok_sec003_password_reset_url_digest(password_reset_url):
    return hashlib.sha256(password_reset_url.encode()).hexdigest()


def bad_sec004_connect_password():
    return psycopg.connect(host="db.internal", dbname="orders", user="orders", password="9f8Ka7r2Xq!")


def bad_sec004_engine_dsn():
    return create_engine("postgresql+psycopg://billing:Bx7-q2Lw9z@billing-db.internal:5432/billing")


def bad_sec004_jwt_literal_key(claims):
    return jwt.encode(claims, "s3cr3t-signing-key-2024", algorithm="HS256")


def bad_sec004_redis_password():
    return redis.Redis(host="cache.internal", port=6379, password="r3d1s-Pa55w0rd")


def bad_sec004_stripe_live_key(client):
    client.api_key = "sk_live_51H8xKpLz2V9qYtR3mN4bC7d"


def bad_sec004_github_token(github):
    return github.Github("ghp_8Hk2Lq9Zx3Vb7Nm4Ty6Rw1Pj5Cs0Df")


def ok_sec004_env_password():
    return psycopg.connect(host="db.internal", user="orders", password=os.environ["ORDERS_DB_PASSWORD"])


def ok_sec004_placeholder_password():
    return psycopg.connect(host="db.internal", user="orders", password="changeme")


def ok_sec004_sqlite_dsn():
    return create_engine("sqlite:///./local.db")


def ok_sec004_dsn_template(user, password, host):
    return create_engine(f"postgresql://{user}:{password}@{host}/orders")


def ok_sec004_token_url():
    return {"token_url": "https://auth.example.com/oauth/token", "password_field": "password"}


def ok_sec004_openapi_example():
    return {200: {"content": {"application/json": {"example": {"access_token": "eyJhbGciOiJIUzI1NiJ9.e30.Zm9v1"}}}}}


def ok_sec004_constant_names():
    return {"INVALID_PASSWORD": "INVALID_PASSWORD", "csrf_token_key": "csrftoken"}
