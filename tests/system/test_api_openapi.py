"""docs/openapi.json against the router: every JSON API route is
documented (with request and response schemas and examples), nothing
else is, and the document is served at GET /webhooks/openapi.json."""

import json
import os
import re
import subprocess

from apihelp import account
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


def _router_queries():
    """{(method, path): [query parameters]} of the routes whose query the
    router checks (--routes prints them as query=a,b)."""
    out = subprocess.run([FCGI, "--routes"], capture_output=True, text=True, check=True).stdout
    queries = {}
    for line in out.splitlines():
        words = line.split()
        for w in words[3:]:
            if w.startswith("query="):
                names = w[len("query="):]
                queries[(words[0].lower(), words[1])] = names.split(",") if names else []
    return queries


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


def _schema(doc, s):
    """s with $ref and allOf resolved: (properties, required, enum of each)."""
    if "$ref" in s:
        s = doc["components"]["schemas"][s["$ref"].rsplit("/", 1)[1]]
    props, required = dict(s.get("properties", {})), set(s.get("required", []))
    for part in s.get("allOf", []):
        p, r = _schema(doc, part)
        props.update(p)
        required |= r
    return props, required


def _body(doc, method, path):
    return _schema(doc, doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"])


def test_create_bodies_require_what_the_router_requires():
    doc = _doc()
    for path, member in (("/webhooks", "url"), ("/webhooks/sources", "verify")):
        _, required = _body(doc, "post", path)
        assert member in required, (path, required)
        r = api("POST", path, {})
        assert r.status == 400 and r.body["error"] == {
            "code": "missing_field", "message": "%s is required" % member, "field": member}, r
    for path in ("/webhooks/{wh}", "/webhooks/sources/{src}"):
        assert _body(doc, "put", path)[1] == set(), path


def test_bulk_retry_statuses_are_the_ones_accepted():
    doc = _doc()
    props, _ = _body(doc, "post", "/webhooks/deliveries/retry")
    statuses = props["status"]["enum"]
    _, key = account()
    with open(os.path.join(HERE, "..", "..", "docs", "api.md")) as f:
        text = f.read()
    section = text[text.index("## Replay and bulk retry"):text.index("## Audit log")]
    for status in statuses:
        assert "`%s`" % status in section, (status, section)
        r = api("POST", "/webhooks/deliveries/retry", {"status": status}, key=key)
        assert r.status == 202, (status, r)
    for status in ("sending", "paused", "nonsense"):
        assert status not in statuses
        r = api("POST", "/webhooks/deliveries/retry", {"status": status}, key=key)
        assert r.status == 422 and r.body["error"]["field"] == "status", (status, r)


def test_query_parameters_are_the_ones_the_router_takes():
    """Every API GET declares its query parameters, and the router refuses
    any other (400 unknown_parameter): the document must list the same."""
    doc = _doc()
    queries = _router_queries()
    gets = {p for m, p in _router_routes() if m == "get"}
    checked = {p for m, p in queries}
    assert gets - checked == {"/webhooks/openapi.json", "/webhooks/health"}, sorted(gets - checked)
    for (method, path), names in queries.items():
        documented = [p["name"] for p in doc["paths"][path][method].get("parameters", [])
                      if p.get("in") == "query"]
        assert sorted(documented) == sorted(names), (path, documented, names)
