"""Downstream recipients of personal data from policies/recipients.yaml (Art. 15(1)(c), 19, 30; CCPA §7022)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compliance.policy.loader import PolicyError

ROLES = ("processor", "third_party", "controller", "service_provider")
NOTIFY_TYPES = ("erasure", "rectification", "restriction", "restriction_lifted", "objection", "opt_out")


@dataclass(frozen=True)
class Recipient:
    id: str
    title: str
    role: str
    country: str
    third_country: bool
    safeguard: str | None
    categories: tuple[str, ...]
    notify_on: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for records and bundles."""
        return {
            "id": self.id,
            "title": self.title,
            "role": self.role,
            "country": self.country,
            "third_country": self.third_country,
            "safeguard": self.safeguard,
            "categories": list(self.categories),
        }


def parse(data: dict[str, Any]) -> dict[str, Recipient]:
    """Recipients by id; PolicyError names the recipient and key."""
    items = data.get("recipients")
    if not isinstance(items, dict) or not items:
        raise PolicyError("recipients.yaml: 'recipients' must map recipient ids to their definitions")
    out = {}
    for rid, spec in items.items():
        where = f"recipients.yaml: recipients.{rid}"
        if not isinstance(spec, dict):
            raise PolicyError(f"{where} must be a mapping")
        if not str(rid).replace("_", "").isalnum():
            raise PolicyError(f"{where}: ids use letters, digits and underscores")
        if spec.get("role") not in ROLES:
            raise PolicyError(f"{where}.role must be one of {', '.join(ROLES)}")
        country = spec.get("country")
        if not isinstance(country, str) or len(country) != 2:
            raise PolicyError(f"{where}.country must be a two-letter country code")
        third = spec.get("third_country", False)
        if not isinstance(third, bool):
            raise PolicyError(f"{where}.third_country must be true or false")
        if third and not spec.get("safeguard"):
            raise PolicyError(f"{where}.safeguard is required for a transfer to a third country (Art. 44-49)")
        notify = spec.get("notify_on", [])
        if not isinstance(notify, list) or any(n not in NOTIFY_TYPES for n in notify):
            raise PolicyError(f"{where}.notify_on must list request types among {', '.join(NOTIFY_TYPES)}")
        categories = spec.get("categories", [])
        if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
            raise PolicyError(f"{where}.categories must be a list of data categories")
        out[str(rid)] = Recipient(
            id=str(rid),
            title=str(spec.get("title", rid)),
            role=spec["role"],
            country=country.upper(),
            third_country=third,
            safeguard=spec.get("safeguard"),
            categories=tuple(categories),
            notify_on=tuple(notify),
        )
    return out


def check_policy(data: dict[str, Any]) -> None:
    """Validate recipients.yaml (raises PolicyError)."""
    parse(data)


def recipients_of(svc) -> dict[str, Recipient]:
    """The instance's recipients (parsed once per loaded policies; empty without recipients.yaml)."""
    return svc.policies.parsed("recipients", _parse_if_present)


def _parse_if_present(data: dict[str, Any]) -> dict[str, Recipient]:
    return parse(data) if data else {}


def to_notify(svc, request_type: str) -> list[Recipient]:
    """Recipients that must be told about a request of this type (Art. 17(2), 19)."""
    return [r for r in recipients_of(svc).values() if request_type in r.notify_on]


def unknown_in_purposes(purposes: dict[str, Any], recipients: dict[str, Recipient]) -> list[str]:
    """Recipient ids named by purposes.yaml but missing from recipients.yaml."""
    named = {r for p in purposes.values() for r in p.recipients}
    return sorted(named - set(recipients))
