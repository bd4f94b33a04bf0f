"""The flask-cors settings a project's code sets (reviewer.web.corsconfig)."""

from __future__ import annotations

import ast

from reviewer.web.corsconfig import ANY, FALSE, LISTED, TRUE, UNKNOWN, collect_settings


def test_cors_settings_of_every_form_are_read_and_classified() -> None:
    code = (
        "import os\n"
        'CORS_ORIGINS = ["http://localhost", "https://*.example.com"]\n'
        "CORS_SUPPORTS_CREDENTIALS = AUTH_REQUIRED\n"
        "class ProdConfig:\n"
        '    CORS_ORIGINS = "*"\n'
        "def init(app, config):\n"
        '    app.config["CORS_ORIGINS"] = os.environ.get("ORIGINS")\n'
        "    app.config.update(CORS_SUPPORTS_CREDENTIALS=True)\n"
        '    config.update({"CORS_ORIGINS": [".*"]})\n'
        '    config.setdefault("CORS_SUPPORTS_CREDENTIALS", False)\n'
        '    app.config["SECRET_KEY"] = "x"\n'
        "    CORS_ORIGINS = 'local only, not config'\n"
    )
    assert collect_settings(ast.parse(code)) == [
        (2, "CORS_ORIGINS", LISTED),
        (3, "CORS_SUPPORTS_CREDENTIALS", UNKNOWN),
        (5, "CORS_ORIGINS", ANY),
        (7, "CORS_ORIGINS", UNKNOWN),
        (8, "CORS_SUPPORTS_CREDENTIALS", TRUE),
        (9, "CORS_ORIGINS", ANY),
        (10, "CORS_SUPPORTS_CREDENTIALS", FALSE),
    ]
