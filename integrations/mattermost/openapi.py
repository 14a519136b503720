"""Request validation against the official Mattermost API v4 OpenAPI document.

The document is data that lives outside the project (``../shared/mattermost/openapi-v4.yaml``
from the repository root, or ``$CONSORTIA_MATTERMOST_SPEC``). It is loaded once per path
and per process. Only individual requests are validated (path, method, required query
parameters, JSON request body, required multipart fields): the whole document is never
validated, because it carries a known upstream defect (duplicate operationId).
"""

from __future__ import annotations

import copy
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

__all__ = [
    "SPEC_ENV_VAR",
    "SPEC_ERRATA",
    "OpenAPISpec",
    "PathMatcher",
    "RouteMatch",
    "SpecCheck",
    "find_spec_path",
    "load_spec_document",
]

SPEC_ENV_VAR = "CONSORTIA_MATTERMOST_SPEC"
_SPEC_RELATIVE = Path("..") / "shared" / "mattermost" / "openapi-v4.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DOC_CACHE: dict[str, dict] = {}
_SPEC_CACHE: dict[tuple[str, bool], "OpenAPISpec"] = {}
_CACHE_LOCK = threading.Lock()

# Places where the June 2023 document contradicts the real server. The real server
# decodes ``props`` of a post patch/update into a JSON object (model.PostPatch.Props is
# a map) and rejects a string, while the document types it as ``string``. Applied only
# when ``OpenAPISpec(errata=True)`` (the default).
SPEC_ERRATA: dict[tuple[str, str], dict[str, Any]] = {
    ("put", "/api/v4/posts/{post_id}/patch"): {"props": {"type": "object"}},
    ("put", "/api/v4/posts/{post_id}"): {"props": {"type": "object"}},
}


def find_spec_path() -> Path | None:
    """Locate the OpenAPI document: ``$CONSORTIA_MATTERMOST_SPEC``, else
    ``<repo root>/../shared/mattermost/openapi-v4.yaml`` (repo root = the nearest parent
    directory of this file holding ``pyproject.toml``), else None."""
    env = os.environ.get(SPEC_ENV_VAR)
    if env:
        p = Path(env).expanduser()
        return p if p.is_file() else None
    here = Path(__file__).resolve().parent
    for parent in (here, *here.parents):
        if (parent / "pyproject.toml").is_file():
            candidate = (parent / _SPEC_RELATIVE).resolve()
            if candidate.is_file():
                return candidate
    return None


def load_spec_document(path: str | Path) -> dict:
    """Parse the YAML document once per resolved path (module-wide cache)."""
    key = str(Path(path).resolve())
    with _CACHE_LOCK:
        doc = _DOC_CACHE.get(key)
        if doc is None:
            with open(key, "rb") as fh:
                doc = yaml.load(fh, Loader=_Loader)
            if not isinstance(doc, dict) or "paths" not in doc:
                raise ValueError(f"{key} is not an OpenAPI document")
            _DOC_CACHE[key] = doc
        return doc


# --------------------------------------------------------------------------- routing


@dataclass(frozen=True)
class RouteMatch:
    template: str
    params: dict[str, str]


class PathMatcher:
    """Match concrete paths against ``/a/{b}/c`` templates, preferring literal segments
    over templated ones (compared segment by segment, left to right)."""

    _PARAM = re.compile(r"^\{([^}/]+)\}$")

    def __init__(self, templates: Iterable[str] = ()):
        self._by_len: dict[int, list[tuple[str, tuple]]] = {}
        for t in templates:
            self.add(t)

    def add(self, template: str) -> None:
        segs = tuple(template.strip("/").split("/"))
        parsed = []
        for s in segs:
            m = self._PARAM.match(s)
            parsed.append((True, m.group(1)) if m else (False, s))
        self._by_len.setdefault(len(segs), []).append((template, tuple(parsed)))

    def match(self, path: str) -> RouteMatch | None:
        segs = path.strip("/").split("/")
        best: tuple[tuple, RouteMatch] | None = None
        for template, parsed in self._by_len.get(len(segs), ()):
            params: dict[str, str] = {}
            rank = []
            for seg, (is_param, name) in zip(segs, parsed):
                if is_param:
                    if seg == "":
                        break
                    params[name] = seg
                    rank.append(1)
                elif seg == name:
                    rank.append(0)
                else:
                    break
            else:
                key = tuple(rank)
                if best is None or key < best[0]:
                    best = (key, RouteMatch(template, params))
        return best[1] if best else None


# --------------------------------------------------------------------------- schemas


def _resolve_refs(node: Any, doc: dict, stack: tuple[str, ...] = ()) -> Any:
    """Inline local ``$ref``s (``#/...``). A recursive reference becomes ``{}``."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#/") or ref in stack:
                return {}
            target: Any = doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                target = target[part]
            return _resolve_refs(target, doc, stack + (ref,))
        return {k: _resolve_refs(v, doc, stack) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_refs(v, doc, stack) for v in node]
    return node


_BOOL_WORDS = {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}


@dataclass
class _Operation:
    method: str
    template: str
    parameters: list[dict]
    body_required: bool = False
    json_schema: dict | None = None
    multipart_schema: dict | None = None
    other_content: bool = False
    _validator: Any = None

    def validator(self):
        if self._validator is None and self.json_schema is not None:
            from openapi_schema_validator import OAS30Validator

            self._validator = OAS30Validator(self.json_schema)
        return self._validator


@dataclass
class SpecCheck:
    """Outcome of checking one request. ``status`` is the HTTP status the real server
    would answer for the first problem found (404 unknown path, 405 method not allowed,
    400 bad parameters or body), 0 when the request is acceptable."""

    status: int = 0
    errors: list[str] = field(default_factory=list)
    template: str | None = None
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class OpenAPISpec:
    """The Mattermost API v4 document, as a request validator.

    Use :meth:`load` to share one instance per path in the process."""

    def __init__(self, path: str | Path, *, errata: bool = True):
        self.path = Path(path).resolve()
        self.errata = errata
        self.document = load_spec_document(self.path)
        self._paths: dict[str, dict] = self.document.get("paths") or {}
        self._matcher = PathMatcher(self._paths.keys())
        self._ops: dict[tuple[str, str], _Operation] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path | None = None, *, errata: bool = True) -> "OpenAPISpec":
        if path is None:
            path = find_spec_path()
            if path is None:
                raise FileNotFoundError(
                    f"Mattermost OpenAPI document not found (set ${SPEC_ENV_VAR} or place it "
                    f"at <repo>/{_SPEC_RELATIVE.as_posix()})"
                )
        key = (str(Path(path).resolve()), errata)
        with _CACHE_LOCK:
            spec = _SPEC_CACHE.get(key)
        if spec is None:
            spec = cls(path, errata=errata)
            with _CACHE_LOCK:
                spec = _SPEC_CACHE.setdefault(key, spec)
        return spec

    # -- lookup

    @property
    def templates(self) -> list[str]:
        return list(self._paths)

    def match(self, path: str) -> RouteMatch | None:
        """The path template serving ``path`` (query string ignored)."""
        return self._matcher.match(path.split("?", 1)[0])

    def methods(self, template: str) -> list[str]:
        item = self._paths.get(template) or {}
        return [m.upper() for m in HTTP_METHODS if m in item]

    def operation(self, method: str, template: str) -> _Operation | None:
        method = method.lower()
        key = (method, template)
        with self._lock:
            op = self._ops.get(key)
            if op is not None:
                return op
            item = self._paths.get(template) or {}
            raw = item.get(method)
            if raw is None:
                return None
            params = []
            seen = set()
            for p in list(raw.get("parameters") or []) + list(item.get("parameters") or []):
                p = _resolve_refs(p, self.document)
                k = (p.get("name"), p.get("in"))
                if k not in seen:
                    seen.add(k)
                    params.append(p)
            op = _Operation(method, template, params)
            rb = raw.get("requestBody")
            if rb:
                rb = _resolve_refs(rb, self.document)
                op.body_required = bool(rb.get("required"))
                content = rb.get("content") or {}
                if "application/json" in content:
                    schema = copy.deepcopy((content["application/json"] or {}).get("schema") or {})
                    if self.errata and key in SPEC_ERRATA and isinstance(schema.get("properties"), dict):
                        schema["properties"].update(copy.deepcopy(SPEC_ERRATA[key]))
                    op.json_schema = schema
                if "multipart/form-data" in content:
                    op.multipart_schema = (content["multipart/form-data"] or {}).get("schema") or {}
                op.other_content = not (set(content) & {"application/json", "multipart/form-data"})
            self._ops[key] = op
            return op

    # -- validation

    def check(
        self,
        method: str,
        path: str,
        query: dict | None = None,
        json_body: Any = None,
        *,
        content_type: str | None = None,
        form_fields: Iterable[str] | None = None,
        has_body: bool | None = None,
    ) -> SpecCheck:
        """Check one request. ``json_body`` is the decoded JSON body (None when absent);
        for a multipart request pass ``content_type='multipart/form-data'`` and the names
        of the form fields and files present in ``form_fields``."""
        result = SpecCheck()
        path = path.split("?", 1)[0]
        m = self.match(path)
        if m is None:
            result.status = 404
            result.errors.append(f"unknown path: {path}")
            return result
        result.template = m.template
        result.path_params = dict(m.params)
        op = self.operation(method, m.template)
        if op is None:
            result.status = 405
            result.errors.append(
                f"method {method.upper()} not allowed for {m.template} "
                f"(allowed: {', '.join(self.methods(m.template))})"
            )
            return result

        query = query or {}
        for p in op.parameters:
            loc, name = p.get("in"), p.get("name")
            if loc == "query":
                if name not in query:
                    if p.get("required"):
                        result.errors.append(f"missing required query parameter: {name}")
                    continue
                value = query[name]
                if isinstance(value, (list, tuple)):
                    value = value[0] if value else ""
                ptype = (p.get("schema") or {}).get("type")
                if ptype == "integer" and not re.fullmatch(r"-?\d+", str(value)):
                    result.errors.append(f"query parameter {name} must be an integer, got {value!r}")
                elif ptype == "boolean" and str(value) not in _BOOL_WORDS and str(value) != "":
                    result.errors.append(f"query parameter {name} must be a boolean, got {value!r}")
            elif loc == "path" and name in m.params and not m.params[name]:
                result.errors.append(f"empty path parameter: {name}")

        ctype = (content_type or "").split(";", 1)[0].strip().lower()
        if ctype == "multipart/form-data" or (op.multipart_schema is not None and op.json_schema is None):
            if op.multipart_schema is not None:
                present = set(form_fields or ())
                for name in op.multipart_schema.get("required") or ():
                    if name not in present:
                        result.errors.append(f"missing required form field: {name}")
            elif op.json_schema is not None:
                result.errors.append("request body must be application/json")
        elif op.json_schema is not None:
            absent = json_body is None and (has_body is None or not has_body)
            if absent:
                if op.body_required:
                    result.errors.append("missing required request body")
            else:
                validator = op.validator()
                for err in sorted(validator.iter_errors(json_body), key=lambda e: list(e.absolute_path)):
                    where = "/".join(str(x) for x in err.absolute_path) or "<body>"
                    result.errors.append(f"request body invalid at {where}: {err.message}")
        if result.errors:
            result.status = 400
        return result

    def validate(self, method: str, path: str, query: dict | None = None, json_body: Any = None) -> list[str]:
        """Error strings for a request (empty list when the document accepts it)."""
        return self.check(method, path, query, json_body).errors
