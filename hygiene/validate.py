"""Record validation: issues with stable codes and, where safe, the normalised value that fixes them.

Issues never carry the value itself (codes and messages may be logged or shown to people without
PII clearance). Nothing is dropped: a value that cannot be fixed safely is reported, not removed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from hygiene.identifiers import email_key
from hygiene.names import is_patronymic, parse_name, patronymic_gender, surname_form
from hygiene.normalise import (
    email_domain_typo,
    email_problem,
    normalise_birth_date,
    normalise_city,
    normalise_country,
    normalise_email,
    normalise_gender,
    normalise_name,
    normalise_postcode,
    parse_date,
)
from hygiene.phones import phone_key, phone_problem, phone_type, valid_phone
from hygiene.profile import NAME_FIELDS

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in one field; `fix` is the safe normalised value or None when none is safe."""

    field: str
    code: str
    severity: str
    fix: Any = None
    message: str = ""


def _text(record: Mapping[str, Any], field: str) -> str | None:
    value = record.get(field)
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _name_issues(record: Mapping[str, Any]) -> list[Issue]:
    issues = []
    for field in NAME_FIELDS:
        raw = _text(record, field)
        if raw is None:
            continue
        fixed = normalise_name(raw)
        if re.sub(r"\s+", " ", raw.strip()) != raw:
            issues.append(Issue(field, "name.whitespace", "info", fixed, "extra spaces around or inside the name"))
        elif fixed != raw:
            code = "name.mixed_script" if fixed.lower() != raw.lower() else "name.case"
            issues.append(Issue(field, code, "info", fixed, "name is not in proper case or mixes alphabets"))
        if re.search(r"[\d@#$%^&*_=+<>{}\[\]|\\/]", raw):
            issues.append(Issue(field, "name.characters", "warning", None, "name contains digits or symbols"))
    parsed = parse_name(_text(record, "first_name"), _text(record, "last_name"), _text(record, "middle_name"))
    original = tuple(normalise_name(_text(record, f)) or None for f in NAME_FIELDS)
    if tuple(normalise_name(p) or None for p in (parsed.first, parsed.last, parsed.middle)) != original:
        issues.append(
            Issue(
                "first_name",
                "name.unsplit",
                "warning",
                None,
                "a full name or patronymic sits in one field; split it into last, first, middle",
            )
        )
    return issues


def _email_issues(record: Mapping[str, Any]) -> list[Issue]:
    issues, seen = [], set()
    for i, raw in enumerate(record.get("emails") or []):
        field = f"emails[{i}]"
        code = email_problem(raw)
        if code:
            issues.append(Issue(field, code, "error", None, "not a valid email address"))
            continue
        if email_domain_typo(raw):
            issues.append(Issue(field, "email.domain_typo", "warning", None, "the domain looks misspelt"))
        fixed = normalise_email(raw)
        if fixed != raw:
            issues.append(Issue(field, "email.format", "info", fixed, "email is not in normalised form"))
        key = email_key(fixed)
        if key in seen:
            issues.append(Issue(field, "email.duplicate", "info", None, "the same email is listed twice"))
        seen.add(key)
    return issues


def _phone_issues(record: Mapping[str, Any], region: str) -> list[Issue]:
    issues, seen = [], set()
    for i, raw in enumerate(record.get("phones") or []):
        field = f"phones[{i}]"
        code = phone_problem(raw, region) if str(raw or "").strip() else "phone.empty"
        if code:
            issues.append(Issue(field, code, "error", None, "not a valid phone number"))
            continue
        fixed = valid_phone(raw, region)
        if fixed != raw:
            issues.append(Issue(field, "phone.format", "info", fixed, "phone is not in E.164 form"))
        kind = phone_type(raw, region)
        if kind not in ("mobile", "fixed_line_or_mobile"):
            issues.append(
                Issue(
                    field, "phone.not_mobile", "info", None, "not a mobile number: SMS and messengers will not reach it"
                )
            )
        key = phone_key(fixed, region)
        if key in seen:
            issues.append(Issue(field, "phone.duplicate", "info", None, "the same phone is listed twice"))
        seen.add(key)
    return issues


def _birth_date_issues(record: Mapping[str, Any], today: date | None) -> list[Issue]:
    raw = _text(record, "birth_date")
    if raw is None:
        return []
    parsed = parse_date(raw)
    if parsed is None:
        return [Issue("birth_date", "birth_date.format", "error", None, "use YYYY-MM-DD")]
    fixed = normalise_birth_date(raw, today)
    if fixed is None:
        return [
            Issue("birth_date", "birth_date.implausible", "error", None, "birth date is before 1900 or in the future")
        ]
    if fixed == raw.strip():
        return []
    # "7/3/1985" could be read month-first; only unambiguous rewrites are safe fixes.
    ambiguous = "/" in raw and parsed.day <= 12 and parsed.month <= 12 and parsed.day != parsed.month
    return [
        Issue(
            "birth_date",
            "birth_date.format",
            "warning" if ambiguous else "info",
            None if ambiguous else fixed,
            "birth date is not in YYYY-MM-DD form",
        )
    ]


def _gender_issues(record: Mapping[str, Any], parsed_middle: str | None, last: str | None) -> list[Issue]:
    raw = _text(record, "gender")
    issues = []
    gender = normalise_gender(raw) if raw else None
    if raw is not None and gender is None:
        issues.append(Issue("gender", "gender.unknown", "warning", None, "use male, female or other"))
    elif raw is not None and gender != raw:
        issues.append(Issue("gender", "gender.format", "info", gender, "gender is not in canonical form"))
    implied = patronymic_gender(parsed_middle) or surname_form(last)[1]
    if gender in ("male", "female") and implied and implied != gender:
        issues.append(
            Issue(
                "gender",
                "gender.name_mismatch",
                "warning",
                None,
                "gender disagrees with the patronymic or surname form",
            )
        )
    return issues


def _place_issues(record: Mapping[str, Any]) -> list[Issue]:
    issues = []
    raw_country = _text(record, "country")
    country = normalise_country(raw_country) if raw_country else None
    if raw_country is not None and country is None:
        issues.append(Issue("country", "country.unknown", "warning", None, "use an ISO 3166 alpha-2 code"))
    elif raw_country is not None and country != raw_country:
        issues.append(Issue("country", "country.format", "info", country, "use an ISO 3166 alpha-2 code"))
    raw_post = _text(record, "postcode")
    if raw_post is not None:
        fixed = normalise_postcode(raw_post, country)
        if fixed is None:
            issues.append(
                Issue("postcode", "postcode.format", "warning", None, "postcode does not match the country's format")
            )
        elif fixed != raw_post:
            issues.append(Issue("postcode", "postcode.format", "info", fixed, "postcode is not in canonical form"))
    raw_city = _text(record, "city")
    if raw_city is not None:
        fixed_city = normalise_city(raw_city)
        if fixed_city and fixed_city != raw_city:
            issues.append(Issue("city", "city.format", "info", fixed_city, "city is not in canonical form"))
    return issues


def validate_record(record: Mapping[str, Any], default_region: str = "RU", today: date | None = None) -> list[Issue]:
    """All issues of one plain record; phones without a country code are read in `default_region`."""
    region = (normalise_country(_text(record, "country")) or default_region).upper()
    parsed = parse_name(_text(record, "first_name"), _text(record, "last_name"), _text(record, "middle_name"))
    issues = [
        *_name_issues(record),
        *_email_issues(record),
        *_phone_issues(record, region),
        *_birth_date_issues(record, today),
        *_gender_issues(record, parsed.middle, parsed.last),
        *_place_issues(record),
    ]
    if parsed.first and is_patronymic(parsed.first):
        issues.append(
            Issue("first_name", "name.patronymic_as_first", "warning", None, "the first name looks like a patronymic")
        )
    if not (record.get("emails") or record.get("phones") or any((record.get("channels") or {}).values())):
        issues.append(Issue("record", "record.no_contact", "info", None, "no email, phone or messenger"))
    return issues


def safe_fixes(record: Mapping[str, Any], default_region: str = "RU", today: date | None = None) -> dict[str, Any]:
    """Field -> corrected value for fixes that cannot change meaning (list fields returned whole)."""
    fixes: dict[str, Any] = {}
    for issue in validate_record(record, default_region, today):
        if issue.fix is None:
            continue
        match = re.fullmatch(r"(\w+)\[(\d+)\]", issue.field)
        if match:
            name, index = match.group(1), int(match.group(2))
            values = fixes.setdefault(name, list(record.get(name) or []))
            values[index] = issue.fix
        else:
            fixes[issue.field] = issue.fix
    return fixes
