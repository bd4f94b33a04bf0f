"""Application factories: CORS and debug switches (SEC005, SEC006)."""
import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from flask import Flask
from flask_cors import CORS, cross_origin
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as StarletteCORS
from werkzeug.serving import run_simple


def bad_sec005_fastapi_star_credentials(app: FastAPI):
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_methods=["*"])


def bad_sec005_regex_any(app: FastAPI):
    app.add_middleware(CORSMiddleware, allow_origin_regex=".*", allow_credentials=True)


def bad_sec005_starlette_middleware_list():
    return Starlette(middleware=[Middleware(StarletteCORS, allow_origins=["*"], allow_credentials=True)])


def bad_sec005_flask_cors_default_origins(app: Flask):
    CORS(app, supports_credentials=True)


def bad_sec005_flask_cors_star(app: Flask):
    CORS(app, origins="*", supports_credentials=True)


def bad_sec005_cross_origin_decorator():
    return cross_origin(supports_credentials=True)


def ok_sec005_public_api(app: FastAPI):
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])


def ok_sec005_explicit_origins(app: FastAPI, settings):
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True)


def ok_sec005_flask_cors_list(app: Flask):
    CORS(app, origins=["https://app.example.com"], supports_credentials=True)


def ok_sec005_flask_cors_resources(app: Flask):
    CORS(app, resources={r"/api/*": {"origins": ["https://app.example.com"]}}, supports_credentials=True)


def ok_sec005_star_without_credentials(app: FastAPI):
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=False)


def bad_sec006_fastapi_debug():
    return FastAPI(title="Orders", debug=True)


def bad_sec006_starlette_debug(routes):
    return Starlette(debug=True, routes=routes)


def bad_sec006_flask_run_debug():
    app = Flask(__name__)
    app.run(host="0.0.0.0", port=5000, debug=True)


def bad_sec006_flask_config_debug(app: Flask):
    app.config["DEBUG"] = True


def bad_sec006_run_simple_debugger(app):
    run_simple("0.0.0.0", 8000, app, use_debugger=True, use_reloader=True)


def ok_sec006_debug_from_env():
    return FastAPI(debug=os.environ.get("APP_DEBUG") == "1")


def ok_sec006_debug_false():
    return FastAPI(debug=False)


def ok_sec006_flask_run_without_debug(app: Flask):
    app.run(host="127.0.0.1", port=5000)


def ok_sec006_job_runner(job):
    job.run(debug=True)
