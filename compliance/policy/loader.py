"""Policy files (YAML data reviewed like code): the one loader, validation through an explicit table, typed access.

Every policy file is read here and only here. Which function validates which file is decided by the caller
(compliance.services.POLICY_CHECKS, at the assembly level), so that this package stays below the domains whose
rules the files hold. Typed views of a file (purposes, recipients, the hygiene policy, the schedule) are parsed
once per loaded instance through :meth:`Policies.parsed`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

import policies

# The shipped policies are a package of their own so that a built wheel carries them (no source checkout needed).
SHIPPED = policies.FOLDER


T = TypeVar("T")
Check = Callable[[dict[str, Any]], Any]


class PolicyError(Exception):
    """A policy file is missing, malformed or inconsistent; the message names the file and key."""


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class Policies:
    """Every policy file of an instance, parsed and validated."""

    folder: Path
    raw: dict[str, dict[str, Any]]
    roles: dict[str, Role] = field(default_factory=dict)
    scopes: dict[str, str] = field(default_factory=dict)
    _typed: dict[tuple[str, Callable], Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def get(self, name: str) -> dict[str, Any]:
        """The parsed content of one policy file (without .yaml), or an empty dict."""
        return self.raw.get(name, {})

    def parsed(self, name: str, parse: Callable[[dict[str, Any]], T]) -> T:
        """The typed form of one policy file, ``parse(content)``, computed once per loaded policies."""
        key = (name, parse)
        try:
            return self._typed[key]
        except KeyError:
            # Two threads may both parse on first use: both get equal values, one of them is kept.
            return self._typed.setdefault(key, parse(self.get(name)))

    @property
    def default_region(self) -> str:
        """Region for phone numbers written without a country code."""
        return str(self.get("controller").get("default_region", "RU")).upper()

    @property
    def controller(self) -> dict[str, Any]:
        """The controller's identity and contact (Kantara piiControllers, Art. 30)."""
        return dict(self.get("controller").get("controller", {}))

    def role(self, name: str) -> Role:
        """A role by name; PolicyError if the policy does not define it."""
        try:
            return self.roles[name]
        except KeyError:
            raise PolicyError(f"roles.yaml: unknown role {name!r} (known: {', '.join(sorted(self.roles))})") from None


def _expand_scopes(patterns: list[str], known: dict[str, str], where: str) -> frozenset[str]:
    out: set[str] = set()
    for pattern in patterns:
        if pattern == "*":
            out |= set(known)
        elif pattern.endswith(":*"):
            prefix = pattern[:-1]
            matched = {s for s in known if s.startswith(prefix)}
            if not matched:
                raise PolicyError(f"{where}: scope pattern {pattern!r} matches no known scope")
            out |= matched
        elif pattern in known:
            out.add(pattern)
        else:
            raise PolicyError(f"{where}: unknown scope {pattern!r}")
    return frozenset(out)


def _check_roles(data: dict[str, Any]) -> tuple[dict[str, Role], dict[str, str]]:
    scopes = data.get("scopes")
    roles = data.get("roles")
    if not isinstance(scopes, dict) or not scopes:
        raise PolicyError("roles.yaml: 'scopes' must map each scope to a description")
    if not isinstance(roles, dict) or not roles:
        raise PolicyError("roles.yaml: 'roles' must define at least one role")
    for scope in scopes:
        if not isinstance(scope, str) or scope.count(":") != 1:
            raise PolicyError(f"roles.yaml: scope {scope!r} must look like resource:action")
    out = {}
    for name, spec in roles.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("scopes"), list):
            raise PolicyError(f"roles.yaml: roles.{name}.scopes must be a list")
        out[name] = Role(
            str(name),
            str(spec.get("description", "")),
            _expand_scopes(spec["scopes"], scopes, f"roles.yaml: roles.{name}"),
        )
    return out, {str(k): str(v) for k, v in scopes.items()}


def check_segments(data: dict[str, Any]) -> None:
    """Validate segments.yaml: currencies and rates, lifecycle thresholds, RFM thresholds in order."""
    rates = data.get("rates", {})
    base = data.get("base_currency")
    if not base or base not in rates:
        raise PolicyError("segments.yaml: base_currency must be one of the currencies in 'rates'")
    for cur, rate in rates.items():
        if not isinstance(rate, int | float) or rate <= 0:
            raise PolicyError(f"segments.yaml: rates.{cur} must be a positive number")
    life = data.get("lifecycle", {})
    for key in ("dormant_after_months", "vip_min_lifetime_value", "regular_min_purchases_12m"):
        if not isinstance(life.get(key), int | float) or life[key] <= 0:
            raise PolicyError(f"segments.yaml: lifecycle.{key} must be a positive number")
    rfm = data.get("rfm", {})
    for key in ("recency_days", "frequency", "monetary"):
        values = rfm.get(key)
        if not isinstance(values, list) or len(values) != 4:
            raise PolicyError(f"segments.yaml: rfm.{key} must list 4 thresholds")
    if rfm["recency_days"] != sorted(rfm["recency_days"], reverse=True):
        raise PolicyError("segments.yaml: rfm.recency_days must decrease (fewer days scores higher)")
    for key in ("frequency", "monetary"):
        if rfm[key] != sorted(rfm[key]):
            raise PolicyError(f"segments.yaml: rfm.{key} must increase")


def check_controller(data: dict[str, Any]) -> None:
    """Validate controller.yaml: the default phone region and the controller's name."""
    region = data.get("default_region")
    if not isinstance(region, str) or len(region) != 2:
        raise PolicyError("controller.yaml: default_region must be a two-letter country code")
    if not isinstance(data.get("controller"), dict) or not data["controller"].get("name"):
        raise PolicyError("controller.yaml: controller.name is required")


REQUIRED = ("roles", "segments", "controller")


def load_policies(folder: Path, checks: Mapping[str, Check]) -> Policies:
    """Read every *.yaml file of a policy folder and validate each with ``checks[file name]`` (roles.yaml here)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PolicyError(f"policy folder {folder} not found; run `consentry init` or set CONSENTRY_POLICIES")
    raw: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            raise PolicyError(f"{path.name}{where}: not valid YAML") from None
        if not isinstance(data, dict):
            raise PolicyError(f"{path.name}: must be a mapping at the top level")
        raw[path.stem] = data
    for name in REQUIRED:
        if name not in raw:
            raise PolicyError(f"{name}.yaml missing from {folder}")
    for name, check in checks.items():
        if name in raw:
            check(raw[name])
    roles, scopes = _check_roles(raw["roles"])
    return Policies(folder=folder, raw=raw, roles=roles, scopes=scopes)


def copy_shipped(dest: Path) -> list[str]:
    """Copy the shipped policy files that the destination does not have yet; return their names."""
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for path in sorted(SHIPPED.glob("*.yaml")):
        target = dest / path.name
        if not target.exists():
            shutil.copyfile(path, target)
            copied.append(path.name)
    return copied
