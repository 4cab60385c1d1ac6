"""Reading contact files: streaming CSV and JSON readers and header aliases in English, Russian, Ukrainian."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

# Canonical column -> accepted header spellings (compared case-insensitively, spaces/underscores/dashes folded).
ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": (
        "external_id",
        "id",
        "customer_id",
        "client_id",
        "crm_id",
        "код клиента",
        "id клиента",
        "идентификатор",
        "код",
        "номер клиента",
        "код клієнта",
        "ідентифікатор",
    ),
    "full_name": (
        "full_name",
        "name",
        "fio",
        "фио",
        "ф.и.о.",
        "полное имя",
        "клиент",
        "піб",
        "п.і.б.",
        "повне ім'я",
        "контакт",
    ),
    "first_name": ("first_name", "firstname", "given_name", "имя", "ім'я", "імя", "ім’я"),
    "last_name": ("last_name", "lastname", "surname", "family_name", "фамилия", "прізвище"),
    "middle_name": ("middle_name", "patronymic", "отчество", "по батькові", "по-батькові"),
    "email": (
        "email",
        "e-mail",
        "mail",
        "email_address",
        "эл. почта",
        "электронная почта",
        "почта",
        "емейл",
        "имейл",
        "електронна пошта",
        "пошта",
    ),
    "email_2": ("email_2", "email2", "second_email", "доп. email", "другой email"),
    "phone": (
        "phone",
        "phone_number",
        "mobile",
        "tel",
        "telephone",
        "телефон",
        "мобильный",
        "моб. телефон",
        "номер телефона",
        "мобільний",
        "номер телефону",
    ),
    "phone_2": (
        "phone_2",
        "phone2",
        "landline",
        "work_phone",
        "рабочий телефон",
        "доп. телефон",
        "домашний телефон",
        "робочий телефон",
    ),
    "birth_date": (
        "birth_date",
        "birthdate",
        "date_of_birth",
        "dob",
        "birthday",
        "дата рождения",
        "день рождения",
        "дата народження",
    ),
    "gender": ("gender", "sex", "пол", "стать"),
    "street": ("street", "address", "address_line", "улица", "адрес", "вулиця", "адреса"),
    "city": ("city", "town", "город", "населенный пункт", "місто"),
    "region": ("region", "state", "province", "регион", "область", "край", "регіон"),
    "postcode": ("postcode", "postal_code", "zip", "zip_code", "индекс", "почтовый индекс", "поштовий індекс"),
    "country": ("country", "страна", "країна"),
    "company": (
        "company",
        "organisation",
        "organization",
        "employer",
        "компания",
        "организация",
        "компанія",
        "організація",
    ),
    "position": ("position", "job_title", "title", "role", "должность", "посада"),
    "notes": (
        "notes",
        "note",
        "comment",
        "hobbies",
        "interests",
        "заметки",
        "комментарий",
        "хобби",
        "примечание",
        "нотатки",
        "коментар",
        "хобі",
    ),
    "kind": ("kind", "type", "тип"),
    "source": ("source", "источник", "джерело"),
    "telegram": ("telegram", "tg", "телеграм"),
    "whatsapp": ("whatsapp", "вотсап", "ватсап"),
    "viber": ("viber", "вайбер"),
    "instagram": ("instagram", "insta", "инстаграм", "інстаграм"),
    "vk": ("vk", "вконтакте"),
    "created_at": ("created_at", "created", "дата создания", "дата регистрации"),
}


def _fold(header: str) -> str:
    text = header.strip().lower().replace("ё", "е")
    return re.sub(r"[\s_\-]+", " ", text)


_LOOKUP = {_fold(alias): canon for canon, names in ALIASES.items() for alias in names}


@lru_cache(maxsize=4096)
def canonical_header(header: str) -> str | None:
    """The canonical column a header means, or None when it is not known."""
    return _LOOKUP.get(_fold(header))


def map_headers(headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map file headers to canonical names; return (mapping, unknown headers kept as custom attributes)."""
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        canon = canonical_header(header or "")
        if canon and canon not in mapping.values():
            mapping[header] = canon
        elif header:
            unknown.append(header)
    return mapping, unknown


def csv_headers(path: Path) -> list[str]:
    """The header row of a CSV file (empty for an empty file)."""
    rows = read_csv(path)
    try:
        first = next(rows)
    except StopIteration:
        with Path(path).open("r", encoding="utf-8-sig", newline="") as fh:
            line = fh.readline()
        return [h.strip() for h in re.split(r"[,;\t]", line) if h.strip()]
    finally:
        rows.close()
    return list(first.keys())


def read_csv(path: Path) -> Iterator[dict[str, Any]]:
    """Yield rows of a CSV file one at a time (UTF-8 with or without BOM; comma, semicolon or tab)."""
    with Path(path).open("r", encoding="utf-8-sig", newline="") as fh:
        sample = fh.read(64 * 1024)
        fh.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        yield from csv.DictReader(fh, dialect=dialect)


def _iter_json_array(fh: io.TextIOBase, chunk_size: int = 1 << 16) -> Iterator[Any]:
    """Decode the items of a top-level JSON array incrementally so memory stays flat."""
    decoder = json.JSONDecoder()
    buf = ""
    pos = 0
    started = False
    eof = False
    while True:
        if not eof and len(buf) - pos < chunk_size:
            data = fh.read(chunk_size)
            eof = not data
            buf = buf[pos:] + data
            pos = 0
        while pos < len(buf) and buf[pos] in " \t\r\n,":
            pos += 1
        if not started:
            if pos < len(buf):
                if buf[pos] != "[":
                    raise ValueError("a JSON file must hold an array of objects or one object per line")
                started, pos = True, pos + 1
            elif eof:
                return
            continue
        if pos < len(buf) and buf[pos] == "]":
            return
        if pos >= len(buf):
            if eof:
                raise ValueError("the JSON array is not closed")
            continue
        try:
            item, end = decoder.raw_decode(buf, pos)
        except json.JSONDecodeError:
            if eof:
                raise
            # The item straddles the chunk boundary: read more and retry.
            data = fh.read(chunk_size)
            eof = not data
            buf = buf[pos:] + data
            pos = 0
            continue
        pos = end
        yield item


def read_json(path: Path) -> Iterator[Any]:
    """Yield the items of a JSON array file or a JSON Lines file, streaming."""
    with Path(path).open("r", encoding="utf-8-sig") as fh:
        head = fh.read(1)
        while head and head.isspace():
            head = fh.read(1)
        fh.seek(0)
        if head == "[":
            yield from _iter_json_array(fh)
            return
        for line in fh:
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    yield _BadLine()


class _BadLine(dict):
    """Placeholder for a JSON Lines row that does not parse (reported as row.json)."""


def is_bad_line(row: Any) -> bool:
    """True for a JSON Lines row that could not be parsed."""
    return isinstance(row, _BadLine)


def read_rows(path: Path, fmt: str | None = None) -> Iterator[dict[str, Any]]:
    """Rows of a CSV or JSON file as dicts, streaming; the format comes from the option or the extension."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt in ("csv", "txt", "tsv"):
        return read_csv(path)
    if fmt in ("json", "jsonl", "ndjson"):
        return read_json(path)
    raise ValueError(f"unknown file format {fmt!r}: use --format csv or --format json")
