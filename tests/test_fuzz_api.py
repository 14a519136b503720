"""Property-based fuzzing of the JSON API, driven by its own OpenAPI document (PRODUCT.md §6).

Every operation that ``GET /api/v1/openapi.json`` declares is called on the service
served on loopback with generated input: schema-valid bodies (generated from the document's schemas),
schema-valid bodies with one field replaced by any JSON value, any JSON at all, and
bytes that are not JSON; path and query parameters of any text, numbers beyond
limits, and missing or wrong tokens. Whatever comes in:

- the service never answers 5xx;
- every 4xx is a JSON object with an ``error`` code, and a 400 for a JSON object says
  what is wrong field by field;
- every 2xx is JSON matching the response schema the document declares;
- what an answer says was saved can be read back (nothing lost).

Bounded and derandomised, so CI is reproducible.
"""
from __future__ import annotations

import copy
import json
import os
from urllib.parse import quote

import pytest
import requests

hypothesis = pytest.importorskip("hypothesis")
jsonschema = pytest.importorskip("jsonschema")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import API_TOKEN

# CONSORTIA_FUZZ_EXAMPLES=2000 CONSORTIA_FUZZ_RANDOM=1 for a deeper, non-reproducible hunt.
FUZZ = settings(max_examples=int(os.environ.get("CONSORTIA_FUZZ_EXAMPLES") or 40), deadline=None,
                derandomize=not os.environ.get("CONSORTIA_FUZZ_RANDOM"), database=None,
                suppress_health_check=list(HealthCheck))

# Any JSON value, small.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)
# Names that exist once the test has seeded its data: users, consortiums, a foundation.
KNOWN = st.sampled_from(["ines", "@samir", "lea", "alimentation-durable", "mobilite", "FondationX", "fondationx"])
NASTY_TEXT = st.one_of(
    KNOWN,
    st.text(max_size=80),
    st.sampled_from(["", " ", "0", "-1", "99999999999999999999", "1e309", "NaN", "null", "true", "%00", "\x00",
                     "../../etc/passwd", "'; DROP TABLE consortium; --", "@channel", "<script>", "é" * 300,
                     "a" * 5000, "\u202e", "\ud7ff", "🙂", "=cmd|' /C calc'!A0", "31/02/2025", "--consortium x"]),
)


def _resolve(node, components: dict):
    """The OpenAPI schema as plain JSON Schema: $refs inlined, ``nullable`` as a null type."""
    if isinstance(node, list):
        return [_resolve(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _resolve(components[node["$ref"].rsplit("/", 1)[-1]], components)
    out = {key: _resolve(value, components) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def _operations(spec: dict) -> list[dict]:
    components = spec.get("components", {}).get("schemas", {})
    ops = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            body = (op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema"))
            responses = {}
            for status, response in op.get("responses", {}).items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if schema is not None:
                    responses[int(status)] = _resolve(schema, components)
            ops.append({"path": path, "method": method.upper(), "parameters": op.get("parameters", []),
                        "body": _resolve(body, components) if body else None, "responses": responses})
    return ops


def from_schema(schema: dict):
    """Values valid for the (small) JSON Schema subset the document uses."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kinds = schema.get("type", "string")
    if isinstance(kinds, list):
        return st.one_of([from_schema(dict(schema, type=kind)) for kind in kinds])
    if kinds == "null":
        return st.none()
    if kinds == "boolean":
        return st.booleans()
    if kinds == "integer":
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if kinds == "array":
        return st.lists(from_schema(schema.get("items", {})), max_size=4)
    if kinds == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: from_schema(v) for k, v in properties.items() if k in required},
            optional={k: from_schema(v) for k, v in properties.items() if k not in required})
    return st.one_of(KNOWN, st.from_regex(r"\A[a-z][a-z0-9-]{2,30}\Z"), st.text(max_size=40))


def _param_value(param: dict):
    kind = param.get("schema", {}).get("type")
    if kind == "integer":
        return st.one_of(st.integers(min_value=-10**20, max_value=10**20).map(str), NASTY_TEXT)
    if kind == "boolean":
        return st.one_of(st.sampled_from(["true", "false", "1", "0", "oui", "yes"]), NASTY_TEXT)
    if "enum" in param.get("schema", {}):
        return st.one_of(st.sampled_from(param["schema"]["enum"]), NASTY_TEXT)
    return NASTY_TEXT


def _body(schema: dict | None):
    if schema is None:
        return st.just(None)
    valid = from_schema(schema)

    @st.composite
    def one_field_wrong(draw):
        body = dict(draw(valid))
        key = draw(st.sampled_from(sorted(schema.get("properties", {})) or ["x"]))
        body[key] = draw(JSON)
        return body

    return st.one_of(
        valid.map(lambda body: ("json", body)),
        one_field_wrong().map(lambda body: ("json", body)),
        JSON.map(lambda body: ("json", body)),
        st.binary(max_size=200).map(lambda raw: ("raw", raw)),
    )


def _request(op: dict):
    path_params = {p["name"]: NASTY_TEXT for p in op["parameters"] if p["in"] == "path"}
    query_params = {p["name"]: _param_value(p) for p in op["parameters"] if p["in"] == "query"}
    return st.fixed_dictionaries({
        "path": st.fixed_dictionaries(path_params),
        "query": st.fixed_dictionaries({}, optional=query_params),
        "body": _body(op["body"]),
        "auth": st.sampled_from(["good"] * 8 + ["none", "wrong"]),
    })


def _send(base: str, op: dict, call: dict) -> tuple[requests.Response, object]:
    path = op["path"]
    for name, value in call["path"].items():
        path = path.replace("{" + name + "}", quote(value, safe="") or "%20")
    headers = {"Accept-Language": "en"}
    if call["auth"] == "good":
        headers["Authorization"] = f"Bearer {API_TOKEN}"
    elif call["auth"] == "wrong":
        headers["Authorization"] = "Bearer nope"
    data, sent = None, None
    body = call["body"]
    if body is not None:
        kind, sent = body
        if kind == "json":
            data = json.dumps(sent).encode()
        else:
            data = sent
        headers["Content-Type"] = "application/json"
    response = requests.request(op["method"], f"{base}/api/v1{path}", params=call["query"], data=data,
                                headers=headers, timeout=30)
    return response, sent


def _check(op: dict, call: dict, response: requests.Response, sent, base: str) -> None:
    where = f"{op['method']} {op['path']} {call!r:.500} -> {response.status_code} {response.text[:500]}"
    assert response.status_code < 500, where
    assert "Traceback" not in response.text, where
    if response.status_code >= 400:
        assert response.headers.get("Content-Type", "").startswith("application/json"), where
        body = response.json()
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], where
        if response.status_code == 400 and isinstance(sent, dict):
            fields = body.get("fields")
            assert isinstance(fields, dict) and fields, where
            assert all(isinstance(v, str) and v.strip() for v in fields.values()), where
        if response.status_code == 400 and not isinstance(sent, dict) and "fields" not in body:
            assert isinstance(body.get("message"), str) and body["message"], where
        return
    body = response.json()
    schema = op["responses"].get(response.status_code)
    if schema is not None:
        jsonschema.validate(body, schema)
    # What the answer says was saved can be read back.
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    if op["method"] == "POST" and op["path"] == "/consortia":
        again = requests.get(f"{base}/api/v1/consortia/{quote(body['slug'], safe='')}", headers=headers, timeout=30)
        assert again.status_code == 200 and again.json()["name"] == body["name"], where
    if op["method"] == "POST" and op["path"] == "/foundations":
        again = requests.get(f"{base}/api/v1/foundations/{quote(body['short_name'], safe='')}", headers=headers,
                             timeout=30)
        assert again.status_code == 200 and again.json()["short_name"] == body["short_name"], where
        assert set(sent.get("representatives") or []) <= set(again.json()["representatives"]) | {
            u.lstrip("@").lower() for u in sent.get("representatives") or []}, where


@pytest.fixture
def api(net):
    spec = requests.get(f"{net.server.url}/api/v1/openapi.json", timeout=10)
    assert spec.status_code == 200
    return net, _operations(spec.json())


def test_the_document_declares_every_api_operation(api):
    _net, ops = api
    declared = {(op["method"], op["path"]) for op in ops}
    assert {("POST", "/consortia"), ("GET", "/consortia"), ("GET", "/consortia/{slug}"),
            ("POST", "/foundations"), ("GET", "/dialogues")} <= declared


def test_no_input_makes_the_api_fail(api):
    net, ops = api
    base = net.server.url
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    # Some data for the readers to walk through.
    for name in ("Alimentation durable", "Mobilité"):
        assert requests.post(f"{base}/api/v1/consortia", json={"name": name, "members": ["ines"]}, headers=auth,
                             timeout=30).status_code == 201
    assert requests.post(f"{base}/api/v1/foundations", json={"short_name": "FondationX", "name": "Fondation X"},
                         headers=auth, timeout=30).status_code == 201

    def fuzz(op: dict):
        @FUZZ
        @given(call=_request(op))
        def run(call):
            response, sent = _send(base, op, call)
            _check(op, copy.deepcopy(call), response, sent, base)

        run()

    for op in ops:  # each operation gets its own bounded run
        fuzz(op)


@pytest.mark.parametrize("method,path", [
    ("DELETE", "/consortia"), ("PUT", "/foundations"), ("PATCH", "/consortia/x"), ("GET", "/nothing-here"),
    ("POST", "/consortia/x/roles"), ("GET", "/consortia/x/y/z"),
])
def test_unknown_routes_and_methods_answer_json(net, method, path):
    response = requests.request(method, f"{net.server.url}/api/v1{path}",
                                headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10)
    assert response.status_code in (404, 405)
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"] in ("not_found", "method_not_allowed")


def test_a_body_over_the_size_limit_answers_json_413(net):
    response = requests.post(f"{net.server.url}/api/v1/consortia", data=b"{" + b" " * (3 * 1024 * 1024) + b"}",
                             headers={"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"},
                             timeout=30)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


# --- regressions found by the fuzzing above ----------------------------------------------------

def test_bug_a_slug_made_of_a_slash_answered_an_html_404(net):
    response = requests.get(f"{net.server.url}/api/v1/consortia/%2F", headers={"Authorization": f"Bearer {API_TOKEN}"},
                            timeout=10)
    assert response.status_code == 404 and response.json() == {"error": "not_found"}


@pytest.mark.parametrize("body,field", [
    ({"short_name": "FondationY", "kind": [None]}, "kind"),
    ({"short_name": ["FondationY"]}, "short_name"),
    ({"short_name": "FondationY", "representatives": [{"a": 1}]}, "representatives"),
    ({"name": "Mobilité", "members": [["ines"]]}, "members"),
])
def test_bug_a_list_or_object_in_a_text_field_was_echoed_as_python(net, body, field):
    path = "/foundations" if "short_name" in body else "/consortia"
    response = requests.post(f"{net.server.url}/api/v1{path}", json=body,
                             headers={"Authorization": f"Bearer {API_TOKEN}", "Accept-Language": "en"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["fields"][field] == "Text expected."


@pytest.mark.parametrize("path", ["/consortia", "/dialogues"])
def test_bug_an_offset_beyond_64_bits_was_a_500(net, path):
    response = requests.get(f"{net.server.url}/api/v1{path}", params={"offset": "9223372036854775808"},
                            headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10)
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_bug_a_slug_already_taken_was_a_500(net):
    auth = {"Authorization": f"Bearer {API_TOKEN}", "Accept-Language": "en"}
    first = requests.post(f"{net.server.url}/api/v1/consortia", json={"name": "Alimentation durable"}, headers=auth,
                          timeout=10)
    assert first.status_code == 201
    response = requests.post(f"{net.server.url}/api/v1/consortia",
                             json={"name": "Another one", "slug": first.json()["slug"]}, headers=auth, timeout=10)
    assert response.status_code == 409
    assert response.json()["error"] == "conflict" and "Alimentation durable" in response.json()["fields"]["slug"]
    # Nothing lost, nothing half-made.
    again = requests.get(f"{net.server.url}/api/v1/consortia/{first.json()['slug']}", headers=auth, timeout=10)
    assert again.json()["name"] == "Alimentation durable"
    assert requests.get(f"{net.server.url}/api/v1/consortia", headers=auth, timeout=10).json()["total"] == 1
