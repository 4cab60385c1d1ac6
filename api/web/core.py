"""The web blueprint's plumbing: session -> Actor before authentication, CSRF, HTML errors, rendering."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from api import problems
from api.auth import bearer
from api.routing import PUBLIC, Operation, ScopedBlueprint
from api.web import i18n, session
from compliance.access.actor import Actor
from compliance.access.actors import session_actor
from compliance.errors import ConsentryError, Unauthenticated

bp = ScopedBlueprint("web", __name__, url_prefix="/web")
HTML = "text/html"
TAGS = ("web",)


class CsrfRefused(ConsentryError):
    """A form came without the token of this session (or from another site)."""

    code, status = "csrf", 400


def page(scope: str, summary: str, errors: tuple[int, ...] = (401, 403), content_type: str = HTML) -> Operation:
    """The Operation of an HTML page, a form action or a download."""
    return Operation(scope, summary, content_type=content_type, tags=TAGS, errors=errors)


def svc():
    """The services of this app."""
    return current_app.extensions["consentry"]


def actor() -> Actor | None:
    """The signed-in (or bearer-authenticated) actor, if any."""
    return g.get("actor")


def _operation() -> Operation:
    return current_app.view_functions[request.endpoint].operation


def load_session() -> None:
    """App-level hook run before authentication, for the web blueprint only: session cookie -> g.actor, CSRF."""
    if request.blueprint != bp.name:
        return
    services = svc()
    # An explicit Authorization header wins: the request is the API client's, the cookie is ignored.
    raw = None if bearer() is not None else request.cookies.get(session.COOKIE)
    data = session.load(services, raw)
    g.web_session, g.web_dirty, g.web_clear = data, False, bool(raw) and data is None
    # Ambient credentials (the cookie) need the token; a bearer header cannot be sent cross-site. Public forms
    # (sign-in, sign-out, language) always need it (no login CSRF); other forms only when signed in by the
    # session, else authentication answers 401.
    needs_token = request.method == "POST" and bearer() is None and (_operation().public or (data or {}).get("pid"))
    if needs_token and not session.csrf_ok(services, data, request.form.get(session.CSRF_FIELD)):
        raise CsrfRefused(
            "the form is missing this session's CSRF token: reload the page and send it again",
            errors=[{"field": "csrf_token", "code": "csrf"}],
        )
    if data is not None and data.get("pid"):
        found = session_actor(services, data["pid"], channel="web", request_id=g.request_id)
        if found is None:
            g.web_session, g.web_dirty = session.new(lang=data.get("lang")), True  # signed out by revocation
        else:
            g.actor = found
    g.lang = i18n.negotiate()


def ensure_session() -> dict:
    """This request's session, creating an anonymous one (for the sign-in form's CSRF token) if needed."""
    if g.get("web_session") is None:
        g.web_session, g.web_dirty = session.new(), True
    return g.web_session


def replace_session(data: dict | None) -> None:
    """Start a new session (sign-in, language) or end it (None: sign-out)."""
    g.web_session = data
    g.web_dirty = data is not None
    g.web_clear = data is None


@bp.after_request
def _write_cookie(response):
    if g.get("web_dirty") and g.get("web_session") is not None:
        session.set_cookie(response, svc(), g.web_session)
    elif g.get("web_clear"):
        session.clear_cookie(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response


@bp.context_processor
def _context():
    current = actor()
    data = g.get("web_session")
    return {
        "_": i18n.gettext,
        "lang": g.get("lang", i18n.DEFAULT),
        "languages": i18n.LANGUAGES,
        "current": current,
        "can": (lambda scope: current is not None and current.can(scope)),
        "csrf_token": session.csrf_token(svc(), data) if data else "",
        "csrf_field": session.CSRF_FIELD,
        "request_id": g.get("request_id", ""),
        "endpoints": current_app.view_functions,
        "here": request.path if request.method == "GET" else "/web/",
        "message": i18n.gettext("Done.") if request.args.get("done") else None,
    }


def render(template: str, http_status: int = 200, /, **values):
    """Render a page of the blueprint (a session is created if the page has forms and none exists)."""
    ensure_session()
    return render_template(f"web/{template}", **values), http_status, {"Content-Type": "text/html; charset=utf-8"}


def safe_next(target: str | None) -> str:
    """A local page to return to after sign-in: only paths of the admin pages (no open redirects)."""
    if target and target.startswith("/web/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/web/"


def see_other(location: str):
    """Post/redirect/get."""
    return redirect(location, code=303)


def wants_html() -> bool:
    """Browsers get HTML error pages; API clients and tools get problem+json."""
    best = request.accept_mimetypes.best_match(["application/problem+json", "text/html"])
    return best == "text/html"


@bp.errorhandler(ConsentryError)
def _domain_error(exc: ConsentryError):
    if not wants_html():
        headers = {"WWW-Authenticate": 'Bearer realm="consentry"'} if exc.status == 401 else None
        return problems.problem(
            exc.status, exc.code.replace("_", " "), exc.message, code=exc.code, errors=exc.errors, headers=headers
        )
    if isinstance(exc, Unauthenticated):
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return render("sign_in.html", 401, next=safe_next(target), notice=i18n.gettext("Sign in to continue."))
    return error_page(exc.status, exc.code, exc.message, exc.errors)


def error_page(status: int, code: str, detail: str, fields: list | None = None):
    """An HTML error page: a title by status, the code and message (never submitted values)."""
    titles = {401: "Sign in to continue.", 403: "Access denied", 404: "Not found", 400: "The action was refused"}
    title = titles.get(status, "The action was refused" if status < 500 else "Something went wrong")
    if code == "csrf":
        detail = i18n.gettext("The form expired or was not sent from this site. Reload the page and try again.")
    elif status == 403:
        detail = i18n.gettext("Your role does not allow this page or action.")
    elif status == 404:
        detail = i18n.gettext("Nothing exists at this address.")
    return render("error.html", status, title=i18n.gettext(title), code=code, detail=detail, fields=fields or [])


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if not wants_html():
        return problems.problem(
            exc.code or 500, exc.name, exc.description, code=(exc.name or "error").lower().replace(" ", "_")
        )
    status = exc.code or 500
    return error_page(status, (exc.name or "error").lower().replace(" ", "_"), exc.description if status < 500 else "")


def install(app) -> None:
    """Run load_session before the authentication hook (app-level hooks run before blueprint ones)."""
    funcs = app.before_request_funcs.setdefault(None, [])
    names = [getattr(f, "__name__", "") for f in funcs]
    at = names.index("_authenticate") if "_authenticate" in names else len(funcs)
    funcs.insert(at, load_session)


bp.record_once(lambda state: install(state.app))
__all__ = ["PUBLIC", "bp", "page", "render", "svc"]
