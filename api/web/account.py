"""Start page, sign-in with an API key, sign-out and the language switch."""

from __future__ import annotations

from flask import current_app, g, request

from api.web import i18n, session
from api.web.core import PUBLIC, actor, bp, page, render, replace_session, safe_next, see_other, svc, wants_html
from compliance.access.authentication import authenticator
from compliance.audit.actions import AuditAction
from compliance.errors import Invalid, Unauthenticated

# What the start page offers, by scope: (scope, endpoint, title, description)
SECTIONS = [
    ("requests:read", "web.requests_queue", "Requests", "Data-subject requests: queue, deadlines and actions."),
    ("hygiene:read", "web.candidates", "Merge review", "Pairs of records that may be the same person."),
    ("hygiene:read", "web.issues", "Validation issues", "Problems found in contact data."),
    ("hygiene:read", "web.quality", "Quality report", "Duplicate rate and invalid contacts over runs."),
    ("audit:read", "web.audit", "Audit", "Latest audit entries and chain verification."),
]


def sections() -> list[tuple[str, str, str, str]]:
    """The sections whose pages this app registered."""
    return [s for s in SECTIONS if s[1] in current_app.view_functions]


@bp.operation("/", "GET", page(PUBLIC, "Admin pages: start page (sign-in when there is no session)", errors=()))
def home():
    if actor() is None:
        return see_other("/web/sign-in")
    return render("home.html", sections=sections())


@bp.operation("/sign-in", "GET", page(PUBLIC, "Admin pages: the sign-in form", errors=()))
def sign_in_form():
    notice = i18n.gettext("You are signed out.") if request.args.get("signed_out") else None
    return render("sign_in.html", next=safe_next(request.args.get("next")), notice=notice)


@bp.operation(
    "/sign-in", "POST", page(PUBLIC, "Admin pages: sign in with an API key (form; sets the session cookie)", (400, 401))
)
def sign_in():
    services = svc()
    target = safe_next(request.form.get("next"))
    key = (request.form.get("api_key") or "").strip()
    if not key:
        if not wants_html():
            raise Invalid("type the API key", errors=[{"field": "api_key", "code": "required"}])
        return render("sign_in.html", 422, next=target, error=i18n.gettext("Sign-in failed: the key is not valid."))
    try:
        found = authenticator(services).authenticate(key, channel="web", request_id=g.request_id)
    except Unauthenticated as exc:
        code = exc.errors[0]["code"] if exc.errors else "key"
        services.audit.record(
            "anonymous",
            AuditAction.AUTH_FAILED,
            "web.sign_in",
            outcome="denied",
            details={"reason": code, "method": "POST", "channel": "web"},
            request_id=g.request_id,
        )
        if not wants_html():
            raise Unauthenticated("the API key is not valid", errors=[{"field": "api_key", "code": code}]) from None
        return render("sign_in.html", 401, next=target, error=i18n.gettext("Sign-in failed: the key is not valid."))
    lang = (g.web_session or {}).get("lang")
    replace_session(session.new(found.principal_id, lang))  # a new session id: no fixation
    g.actor = found
    return see_other(target)


@bp.operation("/sign-out", "POST", page(PUBLIC, "Admin pages: sign out (form; clears the session)", (400,)))
def sign_out():
    lang = (g.get("web_session") or {}).get("lang")
    replace_session(session.new(lang=lang) if lang else None)
    g.actor = None
    return see_other("/web/sign-in?signed_out=1")


@bp.operation("/language", "POST", page(PUBLIC, "Admin pages: switch the interface language (form)", (400,)))
def language():
    chosen = request.form.get("lang")
    data = dict(g.get("web_session") or session.new())
    if chosen in i18n.LANGUAGES:
        data["lang"] = chosen
    replace_session(data)
    return see_other(safe_next(request.form.get("next")))
