"""Log statements in request paths (OPS006)."""
import logging

import structlog
from flask import current_app, request

logger = logging.getLogger(__name__)
log = structlog.get_logger()
SERVICE = "billing"


def bad_ops006_password_arg(username, password):
    logger.info("login attempt user=%s password=%s", username, password)


def bad_ops006_fstring_token(user, access_token):
    logger.debug(f"issued {access_token} for {user.id}")


def bad_ops006_authorization_header():
    current_app.logger.info("auth=%s", request.headers.get("Authorization"))


def bad_ops006_whole_headers(req):
    logger.debug("incoming headers: %s", dict(request.headers))


def bad_ops006_card_number(payment):
    logger.warning("declined card %s", payment.card_number)


def bad_ops006_extra_secret(client_secret):
    logger.info("oauth exchange", extra={"client_secret": client_secret})


def bad_ops006_structlog_cookie(cookie):
    log.info("session", cookie=cookie)


def bad_ops006_percent_format(api_key):
    logging.error("upstream rejected key %s" % api_key)


def bad_ops006_subscript(payload):
    logger.info("signup %s", payload["password"])


def ok_ops006_ids_only(user):
    logger.info("login failed", extra={"user_id": user.id, "outcome": "failed"})


def ok_ops006_token_type(token_type, token):
    logger.info("refreshed %s token of length %d", token_type, len(token))


def ok_ops006_prefix_only(token):
    logger.debug("token prefix %s", token[:4])


def ok_ops006_reset_url(password_reset_url):
    logger.info("sent reset link %s", password_reset_url)


def ok_ops006_constant(name):
    logger.info("service %s started for %s", SERVICE, name)


def ok_ops006_not_a_logger(cache, token):
    cache.info("token", token)


def ok_ops006_bool(password):
    logger.info("password provided: %s", bool(password))
