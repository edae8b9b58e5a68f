"""docs/openapi.json against the router: every JSON API route is
documented (with request and response schemas and examples), nothing
else is, and the document is served at GET /webhooks/openapi.json."""

import json
import os
import re
import subprocess

from hltest import api

HERE = os.path.dirname(os.path.abspath(__file__))
DOC = os.path.join(HERE, "..", "..", "docs", "openapi.json")
FCGI = os.path.join(os.path.dirname(os.environ.get("HL_CTL", "")), "..", "web", "hookline.fcgi")


def _router_routes():
    out = subprocess.run([FCGI, "--routes"], capture_output=True, text=True, check=True).stdout
    routes = set()
    for line in out.splitlines():
        method, pattern, auth = line.split()[:3]
        if pattern.startswith("/webhooks") and auth in ("api", "none"):
            # "{*slug}" (any segment) is the path parameter "slug".
            routes.add((method.lower(), re.sub(r"{\*(\w+)}", r"{\1}", pattern)))
    return routes


def _doc():
    with open(DOC) as f:
        return json.load(f)


def test_router_and_document_list_the_same_routes():
    doc = _doc()
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    routes = _router_routes()
    assert routes, "hookline.fcgi --routes printed no API route"
    assert routes - documented == set(), "in the router, not in docs/openapi.json: %s" % sorted(routes - documented)
    assert documented - routes == set(), "in docs/openapi.json, not in the router: %s" % sorted(documented - routes)


def test_every_operation_has_schemas_and_examples():
    doc = _doc()
    assert doc["openapi"].startswith("3.0"), doc["openapi"]
    for path, ops in doc["paths"].items():
        params = set(re.findall(r"{(\w+)}", path))
        for method, op in ops.items():
            where = "%s %s" % (method.upper(), path)
            assert op.get("summary"), where
            declared = {p["name"] for p in op.get("parameters", []) if p.get("in") == "path"}
            assert declared == params, (where, declared)
            ok = [c for c in op["responses"] if c.startswith("2")]
            assert ok, where
            for code in ok:
                content = op["responses"][code].get("content")
                if code != "204":
                    media = content["application/json"]
                    assert "schema" in media and "example" in media, (where, code)
            if method in ("post", "put") or "requestBody" in op:
                if "requestBody" in op:
                    media = op["requestBody"]["content"]["application/json"]
                    assert "schema" in media and "example" in media, where


def test_document_is_served():
    r = api("GET", "/webhooks/openapi.json", key=None)
    assert r.status == 200, r
    assert r.body == _doc(), "served document differs from docs/openapi.json"
