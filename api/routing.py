"""Routes that declare their scope: a view without an Operation cannot be registered (deny by default).

Each Operation also carries its marshmallow schemas, so one declaration drives validation, output
shaping and the OpenAPI document.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, g, request
from marshmallow import RAISE, Schema, ValidationError, fields, missing, validate

from compliance.errors import ConsentryError, Invalid

PUBLIC = "public"


class RouteWithoutScope(RuntimeError):
    """A view was registered without declaring the scope it needs."""


class UnsupportedMediaType(ConsentryError):
    code, status = "unsupported_media_type", 415


@dataclass(frozen=True)
class Operation:
    """What a route needs and accepts, and what it returns."""

    scope: str
    summary: str
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    many: bool = False
    paginated: bool = False
    status: int = 200
    tags: tuple[str, ...] = ()
    also_needs: tuple[str, ...] = ()  # scopes checked by the service for some inputs (documented)
    content_type: str = "application/json"
    errors: tuple[int, ...] = field(default=(400, 401, 403, 404, 415, 422))

    @property
    def public(self) -> bool:
        """True for routes that need no key (health, OpenAPI, docs)."""
        return self.scope == PUBLIC


_local = threading.local()


def schema_instance(schema: type[Schema]) -> Schema:
    """One instance per schema class and thread: instantiating a marshmallow schema deep-copies its fields."""
    cache = getattr(_local, "schemas", None)
    if cache is None:
        cache = _local.schemas = {}
    found = cache.get(schema)
    if found is None:
        found = cache[schema] = schema()
    return found


_PLAIN: dict[type, dict[str, tuple[bool, int, float]] | None] = {}


def plain_query_spec(schema: type[Schema]) -> dict[str, tuple[bool, int, float]] | None:
    """{field: (required, min length, max length)} when a query schema only holds plain length-limited
    strings (no hooks, renames, defaults or other validators) and refuses unknown fields; else None."""
    if schema in _PLAIN:
        return _PLAIN[schema]
    inst = schema_instance(schema)
    spec: dict[str, tuple[bool, int, float]] | None = {}
    if inst.unknown != RAISE or any(inst._hooks.values()):
        spec = None
    for name, item in inst.fields.items():
        plain = (
            type(item) is fields.String
            and item.data_key is None
            and item.attribute is None
            and item.load_default is missing
            and not item.dump_only
            and all(type(v) is validate.Length and v.equal is None for v in item.validators)
        )
        if spec is None or not plain:
            spec = None
            break
        low = max([v.min for v in item.validators if v.min is not None], default=0)
        high = min([v.max for v in item.validators if v.max is not None], default=float("inf"))
        spec[name] = (item.required, low, high)
    _PLAIN[schema] = spec
    return spec


def plain_query_valid(spec: dict[str, tuple[bool, int, float]], args: dict[str, str]) -> bool:
    """True when schema.load would accept these arguments unchanged (else it runs and reports the errors)."""
    for name, value in args.items():
        limits = spec.get(name)
        if limits is None or not limits[1] <= len(value) <= limits[2]:
            return False
    return all(name in args for name, (required, _, _) in spec.items() if required)


def validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    """marshmallow messages as [{field, code, message}] without the submitted values."""
    out: list[dict[str, str]] = []

    def walk(prefix: str, messages: Any) -> None:
        if isinstance(messages, dict):
            for key, value in messages.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        elif isinstance(messages, list):
            for message in messages:
                if isinstance(message, dict | list):
                    walk(prefix, message)
                else:
                    text = str(message)
                    code = (
                        "unknown_field" if text == "Unknown field." else "required" if "required" in text else "invalid"
                    )
                    out.append({"field": prefix or "body", "code": code, "message": text})

    walk("", exc.messages)
    return out


def _load_body(schema: type[Schema]) -> Any:
    if not request.mimetype or request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            "send the body as application/json", errors=[{"field": "Content-Type", "code": "content_type"}]
        )
    data = request.get_json(silent=True)
    if data is None:
        raise Invalid("the body is not valid JSON", errors=[{"field": "body", "code": "json"}])
    try:
        return schema_instance(schema).load(data)
    except ValidationError as exc:
        raise Invalid("the request has invalid fields", errors=validation_errors(exc)) from None


def _load_query(schema: type[Schema]) -> Any:
    args = request.args.to_dict()
    spec = plain_query_spec(schema)
    if spec is not None and plain_query_valid(spec, args):
        return args  # what schema.load returns for valid plain strings, without its per-call cost
    try:
        return schema_instance(schema).load(args)
    except ValidationError as exc:
        raise Invalid("the query has invalid parameters", errors=validation_errors(exc)) from None


class ScopedBlueprint(Blueprint):
    """A blueprint whose every view must carry an Operation."""

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **options):
        if view_func is None or not isinstance(getattr(view_func, "operation", None), Operation):
            raise RouteWithoutScope(f"route {rule} in blueprint {self.name} does not declare a scope")
        return super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)

    def operation(self, rule: str, method: str, op: Operation) -> Callable:
        """Register a view for one method with its Operation; the view gets `body`/`query` when declared."""

        def decorator(view: Callable) -> Callable:
            @functools.wraps(view)
            def wrapper(**kwargs):
                if op.body is not None:
                    kwargs["body"] = _load_body(op.body)
                if op.query is not None:
                    kwargs["query"] = _load_query(op.query)
                return view(**kwargs)

            wrapper.operation = op  # type: ignore[attr-defined]
            self.add_url_rule(rule, view.__name__, wrapper, methods=[method])
            return wrapper

        return decorator


def current_actor():
    """The authenticated Actor of this request."""
    return g.actor


def check_registry(app) -> None:
    """Refuse to start if any registered endpoint lacks an Operation (e.g. added with app.route)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions.get(rule.endpoint)
        if not isinstance(getattr(view, "operation", None), Operation):
            raise RouteWithoutScope(f"route {rule.rule} ({rule.endpoint}) does not declare a scope")
