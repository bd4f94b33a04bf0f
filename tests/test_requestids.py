"""The request-id facts OPS008 reads (reviewer.web.requestids)."""

from __future__ import annotations

import ast

from reviewer.web.requestids import collect_request_ids


def test_a_request_id_middleware_named_where_middleware_is_loaded() -> None:
    def found(code: str) -> bool:
        return bool(collect_request_ids(ast.parse(code)))

    assert found('MW = (_Middleware(namespace="keystone.server_middleware", ep="request_id", conf={}),)\n')
    assert found('FILTERS = ["oslo_middleware:RequestId.factory"]\n')
    assert found("from oslo_middleware import request_id\n")
    assert not found('MW = (_Middleware(namespace="keystone.server_middleware", ep="cors", conf={}),)\n')
    assert not found('FIELDS = ["orders.request_id"]\nrun("request_id")\n')
