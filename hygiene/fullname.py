"""Splitting a whole name typed into one field ("ФИО") into last, first and middle name."""

from __future__ import annotations

import re

_PATRONYMIC = re.compile(
    r"(ович|евич|ьич|овна|евна|ична|инична|ич|ovich|evich|ovna|evna|ichna|ivna|yovych|ovych|ivna)$", re.IGNORECASE
)


def is_patronymic(token: str) -> bool:
    """True when a token looks like a Russian or Ukrainian patronymic (Иванович, Ivanovna, Петрівна)."""
    token = token.strip()
    return len(token) > 4 and bool(_PATRONYMIC.search(token) or token.lower().endswith(("івна", "ївна", "йович")))


def split_full_name(text: str) -> dict[str, str | None]:
    """Split "Петров Александр Иванович", "Александр Иванович Петров" or "John Smith" into parts."""
    tokens = [t for t in re.split(r"\s+", text.replace(",", " ").strip()) if t]
    out: dict[str, str | None] = {"first_name": None, "last_name": None, "middle_name": None}
    if not tokens:
        return out
    if len(tokens) == 1:
        out["first_name"] = tokens[0]
        return out
    patronymic = [i for i, t in enumerate(tokens) if is_patronymic(t)]
    if len(tokens) >= 3 and patronymic:
        i = patronymic[-1]
        out["middle_name"] = tokens[i]
        rest = tokens[:i] + tokens[i + 1 :]
        if i == len(tokens) - 1:
            # "Фамилия Имя Отчество" is the official Russian order; "Имя Отчество Фамилия" puts it in the middle.
            out["last_name"], out["first_name"] = rest[0], " ".join(rest[1:])
        else:
            out["first_name"], out["last_name"] = " ".join(rest[:-1]), rest[-1]
        return out
    if (
        len(tokens) == 2
        and any(t[0].isalpha() and "\u0400" <= t[0] <= "\u04ff" for t in tokens)
        and _surname(tokens[0])
    ):
        out["last_name"], out["first_name"] = tokens
        return out
    out["first_name"], out["last_name"] = " ".join(tokens[:-1]), tokens[-1]
    return out


_SURNAME_END = (
    "ов",
    "ев",
    "ёв",
    "ин",
    "ын",
    "ова",
    "ева",
    "ёва",
    "ина",
    "ына",
    "ский",
    "ская",
    "цкий",
    "цкая",
    "енко",
    "ук",
    "юк",
    "чук",
    "ко",
    "ян",
    "швили",
    "дзе",
)


def _surname(token: str) -> bool:
    return token.lower().endswith(_SURNAME_END)
