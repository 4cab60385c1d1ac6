"""Role x route rows for the admin pages (api/web). HTML pages answer 401 without a session or key and 403
without the scope, like the JSON API; public pages (sign-in, sign-out, language) refuse forms without a
CSRF token with 400. A domain's pages are listed only when its services (and so its pages) exist."""

from __future__ import annotations

ALL = {"admin", "dpo", "steward", "analyst", "app"}
AUDIT = {"admin", "dpo"}
REQ_READ = {"admin", "dpo", "steward"}
REQ_MANAGE = {"admin", "dpo"}
HYG_READ = {"admin", "dpo", "steward"}
HYG_MERGE = {"admin", "steward"}

ROWS: dict = {
    ("GET", "/web/"): "public",
    ("GET", "/web/sign-in"): "public",
    ("POST", "/web/sign-in"): "public",
    ("POST", "/web/sign-out"): "public",
    ("POST", "/web/language"): "public",
    ("GET", "/web/audit"): AUDIT,
}


# Every page module is part of the build (api/web/__init__.py imports them explicitly).
DPO = QUALITY = STEWARD = True

if DPO:
    ROWS.update(
        {
            ("GET", "/web/requests"): REQ_READ,
            ("GET", "/web/requests/<request_id>"): REQ_READ,
            ("POST", "/web/requests/<request_id>/verify"): REQ_MANAGE,
            ("POST", "/web/requests/<request_id>/extend"): REQ_MANAGE,
            ("POST", "/web/requests/<request_id>/approve"): REQ_MANAGE,
            ("POST", "/web/requests/<request_id>/reject"): REQ_MANAGE,
            ("POST", "/web/requests/<request_id>/process"): REQ_MANAGE,
            ("GET", "/web/requests/<request_id>/export"): REQ_MANAGE,
            ("GET", "/web/requests/<request_id>/certificate"): REQ_MANAGE,
        }
    )

if STEWARD:
    ROWS.update(
        {
            ("GET", "/web/hygiene/candidates"): HYG_READ,
            ("POST", "/web/hygiene/candidates/<candidate_id>/merge"): HYG_MERGE,
            ("POST", "/web/hygiene/candidates/<candidate_id>/reject"): HYG_MERGE,
            ("POST", "/web/hygiene/merges/<merge_id>/undo"): HYG_MERGE,
        }
    )

if QUALITY:
    ROWS.update({("GET", "/web/hygiene/issues"): HYG_READ, ("GET", "/web/hygiene/report"): HYG_READ})


def sample_fixtures(svc) -> dict[str, str]:
    """Ids for the pages' path parameters (unknown ids are fine: the scope is checked before the lookup)."""
    return {
        "request_id": "req_aaaaaaaaaaaaaaaa",
        "candidate_id": "cand_aaaaaaaaaaaaaaaa",
        "merge_id": "mrg_aaaaaaaaaaaaaaaa",
    }


SAMPLE_BODIES: dict = {}
