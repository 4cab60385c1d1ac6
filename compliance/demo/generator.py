"""Synthetic customer bases with ground truth: Russian, Ukrainian and English people and B2B contacts, the way
real CRMs hold them — formatting variants, transliterations, diminutives, typos, true duplicates — and the hard
negatives that fool matchers: relatives sharing an address and landline, colleagues sharing a switchboard, namesakes.

Deterministic for a seed. Names come from Faker's locale data, read once per seed, so a million rows take
about a minute and constant memory. `truth` maps each row's external_id to the real person it describes.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from compliance.demo import variants as v
from compliance.demo.activity import activity
from compliance.demo.locales import (
    BAD_EMAIL,
    BAD_PHONE,
    COLUMNS,
    DUPLICATE_HORIZON,
    DUPLICATE_SHARE,
    GENDER_CODES,
    HOBBIES,
    IDENTITY,
    NO_CONTACT,
    RECENT,
    RELATED_SHARE,
    SOURCES,
    STRONG,
    Person,
)
from compliance.demo.people import People


class Generator(People):
    """Stateful row generator; keeps bounded state (recent people, scheduled duplicates)."""

    # -- rows -----------------------------------------------------------------------------------------------
    def base_row(self, p: Person, *, complete: bool = False) -> dict[str, str]:
        """A record of the person as one system holds it; `complete` keeps every strong attribute."""
        r = self.rnd
        self.rows += 1
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            external_id=f"crm-{self.rows:07d}",
            kind=p.kind,
            first_name=p.first,
            last_name=p.last,
            middle_name=p.middle if r.random() < 0.7 else "",
            email=p.email,
            phone=v.format_phone(p.phone, r),
            birth_date=p.birth.isoformat() if complete or r.random() < 0.85 else "",
            gender=r.choice(GENDER_CODES[("en_" if p.loc.lang == "en" else "") + p.gender]) if r.random() < 0.6 else "",
            street=p.street,
            city=p.place.city,
            region=p.place.region if r.random() < 0.7 else "",
            postcode=p.postcode if r.random() < 0.8 else "",
            country=p.loc.country,
            company=p.company,
            position=p.position,
            telegram=p.telegram,
            instagram=p.instagram,
            notes=r.choice(HOBBIES[p.loc.lang]) if r.random() < 0.25 else "",
            source=r.choice(SOURCES),
            created_at=(self.now - timedelta(seconds=r.randrange(60, 6 * 365 * 86400))).isoformat(timespec="seconds")
            + "Z",
        )
        if r.random() < 0.06:
            # Some systems have a single name field, surname first: "Петров Александр Иванович".
            row["full_name"] = " ".join(x for x in (p.last, p.first, row["middle_name"]) if x)
            row["first_name"] = row["last_name"] = row["middle_name"] = ""
        if p.kind == "b2b" or r.random() < 0.1:
            row["phone_2"] = v.format_phone(p.landline, r) + (
                f" доб. {r.randrange(100, 999)}" if p.kind == "b2b" and p.loc.lang == "ru" and r.random() < 0.2 else ""
            )
        if p.loc.lang != "en" and r.random() < 0.2:
            row[r.choice(("whatsapp", "viber"))] = p.phone
        elif p.loc.lang == "en" and r.random() < 0.1:
            row["whatsapp"] = p.phone
        return row

    def duplicate_row(self, p: Person) -> dict[str, str]:
        """Another record of the same person typed elsewhere: several variants, the two anchors kept."""
        r = self.rnd
        row = self.base_row(p, complete=True)
        keep = p.anchors
        if "email" in keep:
            row["email"] = v.email_variant(p.email, r) if r.random() < 0.6 else p.email
        else:
            row["email"] = r.choice(("", self._email(p.first, p.last, p.loc.lang), p.email))
        if "phone" not in keep:
            row["phone"] = r.choice(("", v.format_phone(self._phone(p.loc.country), r), row["phone"]))
        if "birth" in keep:
            row["birth_date"] = v.date_variant(p.birth, r, same=True)
        else:
            row["birth_date"] = r.choice(("", v.date_variant(p.birth, r, same=False), row["birth_date"]))
        self._vary_name(p, row, strict="name_city" in keep)
        if r.random() < 0.35:
            row["city"] = v.city_variant(p.place.city, r)
        if r.random() < 0.4:
            row["street"] = v.street_variant(p.street, r)
        if tuple(row[k] for k in IDENTITY) == p.first_row:
            # Same text as the first record by chance: move the name between the single and the split fields.
            if row["full_name"]:
                row["first_name"], row["last_name"], row["full_name"] = p.first, p.last, ""
            else:
                row["full_name"] = f"{p.last} {p.first}"
                row["first_name"] = row["last_name"] = row["middle_name"] = ""
        return row

    def _vary_name(self, p: Person, row: dict[str, str], *, strict: bool) -> None:
        """Rewrite the name: transliteration, diminutive, order, ё->е, typo (not when the name is an anchor)."""
        r = self.rnd
        options = ["translit", "diminutive", "order", "full_name", "yo", "russified", "middle"]
        if not strict:
            options.append("typo")
        chosen = r.sample(options, r.randrange(1, 4))
        first, last, middle = p.first, p.last, row["middle_name"] or (p.middle if r.random() < 0.3 else "")
        if "russified" in chosen and first in v.RUSSIFIED:
            first = v.RUSSIFIED[first]
        if "diminutive" in chosen and first in v.DIMINUTIVES:
            first = r.choice(v.DIMINUTIVES[first])
        if "yo" in chosen:
            first, last = v.no_yo(first), v.no_yo(last)
        if "middle" in chosen:
            middle = "" if middle else p.middle  # patronymic present in one system, absent in another
        if "translit" in chosen and p.loc.lang != "en":
            first, last = v.latin_name(first, r, p.loc.lang), v.latin_name(last, r, p.loc.lang)
            middle = v.latin_name(middle, r, p.loc.lang) if r.random() < 0.3 else ""
        if "typo" in chosen:
            last = v.typo(last, r)
        if (first, last) == (p.first, p.last) and "order" not in chosen and "full_name" not in chosen:
            chosen.append("order")  # a duplicate must differ textually in the name as well
        row["full_name"], row["first_name"], row["last_name"], row["middle_name"] = "", first, last, middle
        if "order" in chosen:
            row["first_name"], row["last_name"] = last, first
        if "full_name" in chosen:
            parts = (last, first, middle) if r.random() < 0.7 else (first, middle, last)
            row["full_name"] = " ".join(x for x in parts if x)
            row["first_name"] = row["last_name"] = row["middle_name"] = ""

    def spoil(self, row: dict[str, str], protect: Iterable[str]) -> None:
        """Bad contacts as found in real bases; protected strong attributes stay intact."""
        r = self.rnd
        roll = r.random()
        if roll < BAD_EMAIL:
            if row["email"] and "email" not in protect:
                local, _, domain = row["email"].strip().partition("@")
                row["email"] = r.choice(
                    (
                        local,
                        f"{local}@@{domain}",
                        f"{local}@{domain.split('.')[0]}",
                        f"{local}@{domain.replace('.', ',')}",
                    )
                )
        elif roll < BAD_EMAIL + BAD_PHONE:
            if row["phone"] and "phone" not in protect:
                row["phone"] = r.choice(("12345", "8912", "тел. нет", "+7 (999) 12", "89l2345б78", "0"))
        elif roll < BAD_EMAIL + BAD_PHONE + NO_CONTACT and not protect:
            for key in ("email", "phone", "phone_2", "telegram", "whatsapp", "viber", "instagram"):
                row[key] = ""  # postal-only: a paper form or an old loyalty card

    def _schedule_duplicates(self, person: Person) -> None:
        r = self.rnd
        extra = r.choices((1, 2, 3), (0.6, 0.28, 0.12))[0]
        # Anchors: two strong attributes all this person's records share (postal-only people have no email).
        person.anchors = tuple(r.sample(STRONG, 2))
        for _ in range(extra):
            heapq.heappush(self.pending, (self.rows + r.randrange(1, DUPLICATE_HORIZON), self.people * 4 + _, person))

    def _remember(self, person: Person) -> None:
        for pool, cap in ((self.recent, RECENT), (self.offices, RECENT // 5)):
            if pool is self.offices and person.kind != "b2b":
                continue
            pool.append(person)
            if len(pool) > cap:
                pool[self.rnd.randrange(cap)] = pool.pop()

    def rows_iter(self, customers: int) -> Iterator[tuple[dict[str, str], str]]:
        """Yield (row, person key) for `customers` rows."""
        r = self.rnd
        for _ in range(customers):
            if self.pending and self.pending[0][0] <= self.rows:
                person = heapq.heappop(self.pending)[2]
                row = self.duplicate_row(person)
                self.spoil(row, person.anchors)
                yield row, person.key
                continue
            if self.recent and r.random() < RELATED_SHARE:
                person = self.look_alike(r.choice(self.recent))
            else:
                person = self.new_person()
                if r.random() < 0.15:
                    self._make_b2b(person)
            if r.random() < DUPLICATE_SHARE:
                self._schedule_duplicates(person)
            row = self.base_row(person, complete=bool(person.anchors))
            self.spoil(row, STRONG if person.anchors else ())
            if person.anchors:
                person.first_row = tuple(row[k] for k in IDENTITY)
            self._remember(person)
            yield row, person.key


@dataclass(frozen=True)
class DemoBase:
    """A generated base: rows to import, their purchases and interactions, and the ground truth."""

    rows: list[dict]
    purchases: list[dict]
    interactions: list[dict]
    truth: dict[str, str]


def iter_rows(customers: int, seed: int = 0, now: datetime | None = None) -> Iterator[tuple[dict, str]]:
    """Stream (row, person key) pairs; memory stays flat for any number of rows."""
    yield from Generator(seed, now).rows_iter(customers)


def generate(customers: int, seed: int = 0, now: datetime | None = None) -> DemoBase:
    """A whole demo base held in memory (rows, purchases, interactions, truth)."""
    gen = Generator(seed, now)
    rows, truth = [], {}
    for row, key in gen.rows_iter(customers):
        rows.append(row)
        truth[row["external_id"]] = key
    # Activity draws from its own stream so that rows stay identical to iter_rows for the same seed.
    purchases, interactions = activity(rows, random.Random(f"activity:{seed}"), gen.now)
    return DemoBase(rows=rows, purchases=purchases, interactions=interactions, truth=truth)
