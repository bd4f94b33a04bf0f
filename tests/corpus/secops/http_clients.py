"""Outbound calls and retry policies (OPS001, OPS002)."""
import functools
import http.client
import smtplib
import urllib.request

import aiohttp
import backoff
import httpx
import requests
from requests.adapters import HTTPAdapter
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential, wait_random_exponential
from urllib3.util.retry import Retry

PAYMENTS_URL = "https://payments.example.com/v1/charges"


def bad_ops001_requests_post(payload):
    return requests.post(PAYMENTS_URL, json=payload)


def bad_ops001_requests_get_params(currency):
    return requests.get("https://fx.example.com/latest", params={"base": currency}).json()


def bad_ops001_timeout_none(url):
    return requests.get(url, timeout=None)


def bad_ops001_session(url, payload):
    session = requests.Session()
    return session.post(url, json=payload)


def bad_ops001_with_session(url):
    with requests.Session() as s:
        return s.get(url)


def bad_ops001_requests_request(method, url):
    return requests.request(method, url, headers={"Accept": "application/json"})


def bad_ops001_urlopen(url):
    return urllib.request.urlopen(url).read()


def bad_ops001_http_client():
    conn = http.client.HTTPSConnection("api.example.com")
    conn.request("GET", "/status")
    return conn.getresponse()


def bad_ops001_smtp(message):
    with smtplib.SMTP("mail.internal", 587) as smtp:
        smtp.send_message(message)


def bad_ops001_httpx_no_timeout():
    return httpx.Client(base_url="https://api.example.com", timeout=None)


def bad_ops001_httpx_timeout_object():
    return httpx.AsyncClient(timeout=httpx.Timeout(None))


def ok_ops001_requests_timeout(payload):
    return requests.post(PAYMENTS_URL, json=payload, timeout=(3.05, 10))


def ok_ops001_httpx_default():
    return httpx.Client(base_url="https://api.example.com")


def ok_ops001_kwargs_forwarded(url, **kwargs):
    return requests.get(url, **kwargs)


def ok_ops001_urlopen_timeout(url):
    return urllib.request.urlopen(url, timeout=5).read()


def ok_ops001_smtp_timeout(message):
    with smtplib.SMTP("mail.internal", 587, timeout=10) as smtp:
        smtp.send_message(message)


def ok_ops001_dict_get(cache, key):
    return cache.get(key)


def ok_ops001_session_with_timeout(url):
    session = requests.Session()
    return session.get(url, timeout=5)


@retry
def bad_ops002_bare_retry():
    return requests.get("https://rates.example.com", timeout=5).json()


@retry(wait=wait_exponential(max=10))
def bad_ops002_no_stop():
    return requests.get("https://rates.example.com", timeout=5).json()


@retry(stop=stop_after_attempt(5))
def bad_ops002_no_wait():
    return requests.get("https://rates.example.com", timeout=5).json()


@backoff.on_exception(backoff.expo, requests.RequestException)
def bad_ops002_backoff_unbounded():
    return requests.get("https://rates.example.com", timeout=5)


def bad_ops002_urllib3_retries_post(session):
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=5, backoff_factor=0.3, allowed_methods=["GET", "POST"])))


def bad_ops002_urllib3_every_method(session):
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=3, allowed_methods=None)))


@retry(stop=stop_after_attempt(5), wait=wait_random_exponential(multiplier=0.5, max=10),
       retry=retry_if_exception_type(requests.ConnectionError))
def ok_ops002_bounded_backoff():
    return requests.get("https://rates.example.com", timeout=5).json()


@backoff.on_exception(backoff.expo, requests.RequestException, max_tries=4)
def ok_ops002_backoff_bounded():
    return requests.get("https://rates.example.com", timeout=5)


def ok_ops002_urllib3_default_methods(session):
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=5, backoff_factor=0.3)))


def ok_ops002_aiohttp_session():
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))


def bad_ops001_annotated_session(session: requests.Session, url):
    return session.get(url).json()


def bad_ops001_retry_adapter_is_no_timeout(url):
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5)))
    return session.get(url)


def ok_ops001_session_request_given_a_default(url):
    session = requests.Session()
    session.request = functools.partial(session.request, timeout=10)
    return session.get(url)


def ok_ops001_untyped_session_parameter(session, url):
    return session.get(url)
