"""GET /v1/consent/check without Flask's request machinery, for the requests where nothing can go wrong.

Applications ask before every email or SMS, so this is the one route whose cost per request decides how many
servers a sender needs. For a request that carries a key accepted in the last few seconds (the
authenticator's cache) whose role holds the route's scope, and plain query parameters that the route's
schema accepts as they are, this middleware calls the same service function as the Flask view
(`compliance.consent.ledger.check`) and writes the body the view would write. Everything else (no key, a key not
in the cache, a missing scope, parameters that need decoding or validation messages, any error from the
service) goes to Flask untouched, which answers it with its full checks, audit entries and problem+json.
Nothing is decided here that the view does not decide; tests compare both paths response by response.
"""

from __future__ import annotations

import re
from typing import Any

from api.auth import bearer_token
from api.routing import plain_query_spec, plain_query_valid
from api.v1.consent import CheckQuery, check_one, decision_body
from api.wsgi import REQUEST_ID_KEY
from compliance.access.authentication import authenticator
from compliance.consent import ledger as consent

PATH = "/v1/consent/check"
# Parameters made only of these characters need no percent-decoding, so splitting the query string gives
# exactly what werkzeug's parser gives; anything else (an email with %40, a "+") takes the Flask path.
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~=&-]*\Z")


class FastCheck:
    """WSGI middleware answering well-formed, recently authenticated single consent checks directly."""

    def __init__(self, wsgi_app, flask_app, services, connections):
        self.wsgi_app = wsgi_app
        self.services = services
        self.connections = connections
        self.scope = check_one.operation.scope
        self.spec = plain_query_spec(CheckQuery)
        if self.spec is None:
            raise RuntimeError("CheckQuery must stay a plain-string schema for the fast consent check")
        self.dumps = flask_app.json.dumps
        self.served = 0  # requests answered here (tests check both paths are exercised)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == "GET":
            body = self.answer(environ)
            if body is not None:
                self.served += 1
                start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
                return [body]
        return self.wsgi_app(environ, start_response)

    def answer(self, environ: dict[str, Any]) -> bytes | None:
        """The response body for a request this path may answer, else None (Flask answers it)."""
        secret = bearer_token(environ.get("HTTP_AUTHORIZATION", ""))
        if secret is None:
            return None
        query = self.query(environ.get("QUERY_STRING", ""))
        if query is None:
            return None
        auth = authenticator(self.services)
        actor = auth.recently_accepted(secret, channel="api", request_id=environ.get(REQUEST_ID_KEY))
        if actor is None or not actor.can(self.scope):
            return None
        self.connections.open()
        try:
            decision = consent.check(self.services, actor, **query)
        except Exception as exc:  # noqa: BLE001 - Flask runs the request again and answers the error properly
            self.connections.release(exc)
            return None
        self.connections.release()
        # jsonify's output for a non-debug app: the provider's dumps, compact, and a newline.
        return (self.dumps(decision_body(decision), separators=(",", ":")) + "\n").encode()

    def query(self, text: str) -> dict[str, str] | None:
        """The query parameters when they are plain, unrepeated and valid for the route's schema, else None."""
        if not text or not _PLAIN_QUERY.match(text):
            return None
        args: dict[str, str] = {}
        for pair in text.split("&"):
            name, equals, value = pair.partition("=")
            if not equals or not value or name in args:
                return None
            args[name] = value
        return args if plain_query_valid(self.spec, args) else None
