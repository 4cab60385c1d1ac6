"""Purposes of processing from policies/purposes.yaml: typed, validated at start-up."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from compliance.policy.loader import PolicyError

BASES = ("consent", "contract", "legitimate_interest", "legal_obligation")
MODELS = ("consent", "opt_out")
CHANNELS = ("email", "sms", "phone", "messenger", "post", "web")
REGIMES = ("gdpr", "ccpa", "ru152", "lgpd")


@dataclass(frozen=True)
class Purpose:
    id: str
    title: str
    description: str
    legal_basis: str
    model: str
    channels: tuple[str, ...]
    regimes: tuple[str, ...]
    default: str
    expiry_months: int | None
    double_opt_in: bool
    marketing: bool
    notice: str
    recipients: tuple[str, ...]
    minimum_age: int | None

    @property
    def notice_version(self) -> str:
        """SHA-256 of the notice text: the default notice version of events."""
        return hashlib.sha256(self.notice.encode("utf-8")).hexdigest()

    @property
    def needs_consent(self) -> bool:
        """True when nothing is allowed before a grant."""
        return self.model == "consent" and self.legal_basis == "consent"


def check_policy(data: dict[str, Any]) -> None:
    """Validate purposes.yaml (raises PolicyError naming the purpose and key); listed in compliance.services."""
    parse(data)


def parse(data: dict[str, Any]) -> dict[str, Purpose]:
    """Purposes by id."""
    items = data.get("purposes")
    if not isinstance(items, dict) or not items:
        raise PolicyError("purposes.yaml: 'purposes' must map purpose ids to their definitions")
    out = {}
    for pid, spec in items.items():
        where = f"purposes.yaml: purposes.{pid}"
        if not isinstance(spec, dict):
            raise PolicyError(f"{where} must be a mapping")
        if not str(pid).replace("_", "").isalnum():
            raise PolicyError(f"{where}: purpose ids use letters, digits and underscores")
        basis = spec.get("legal_basis")
        if basis not in BASES:
            raise PolicyError(f"{where}.legal_basis must be one of {', '.join(BASES)}")
        model = spec.get("model", "consent")
        if model not in MODELS:
            raise PolicyError(f"{where}.model must be consent or opt_out")
        channels = spec.get("channels")
        if not isinstance(channels, list) or not channels or any(c not in CHANNELS for c in channels):
            raise PolicyError(f"{where}.channels must list channels among {', '.join(CHANNELS)}")
        regimes = spec.get("regimes", list(REGIMES))
        if any(r not in REGIMES for r in regimes):
            raise PolicyError(f"{where}.regimes must be among {', '.join(REGIMES)}")
        default = spec.get("default", "none")
        if default not in ("none", "granted"):
            raise PolicyError(f"{where}.default must be none or granted")
        if default == "granted" and basis == "consent" and model == "consent":
            raise PolicyError(f"{where}.default cannot be granted when the legal basis is consent")
        expiry = spec.get("expiry_months")
        if expiry is not None and (not isinstance(expiry, int) or expiry <= 0):
            raise PolicyError(f"{where}.expiry_months must be a positive whole number")
        age = spec.get("minimum_age")
        if age is not None and (not isinstance(age, int) or not 0 < age < 30):
            raise PolicyError(f"{where}.minimum_age must be a whole number of years")
        if not spec.get("notice"):
            raise PolicyError(f"{where}.notice (the text shown to people) is required")
        out[str(pid)] = Purpose(
            id=str(pid),
            title=str(spec.get("title", pid)),
            description=str(spec.get("description", "")),
            legal_basis=basis,
            model=model,
            channels=tuple(channels),
            regimes=tuple(regimes),
            default=default,
            expiry_months=expiry,
            double_opt_in=bool(spec.get("double_opt_in", False)),
            marketing=bool(spec.get("marketing", False)),
            notice=str(spec["notice"]),
            recipients=tuple(spec.get("recipients") or ()),
            minimum_age=age,
        )
    if "sale_sharing" in out and out["sale_sharing"].model != "opt_out":
        raise PolicyError("purposes.yaml: purposes.sale_sharing must use model opt_out (CCPA)")
    return out


def purposes_of(svc) -> dict[str, Purpose]:
    """The instance's purposes (parsed once per loaded policies)."""
    return svc.policies.parsed("purposes", parse)
