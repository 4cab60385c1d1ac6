"""Synthetic customer bases with ground truth: Russian, Ukrainian and English people and B2B contacts, the way
real CRMs hold them — formatting variants, transliterations, diminutives, typos, true duplicates — and the hard
negatives that fool matchers: relatives sharing an address and landline, colleagues sharing a switchboard, namesakes.

Deterministic for a seed. Names come from Faker's locale data, read once per seed, so a million rows take
about a minute and constant memory. `truth` maps each row's external_id to the real person it describes.
"""

from __future__ import annotations

import csv
import heapq
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from faker import Faker

from compliance.demo import variants as v
from hygiene.profile import CHANNELS, flat_columns

# Columns of a demo import file: the profile's flat columns, a second phone, four messengers, provenance.
COLUMNS = (
    "external_id",
    "kind",
    "full_name",
    *flat_columns(("email", "phone", "phone_2")),
    *CHANNELS[:4],
    "source",
    "created_at",
)
# A fixed reference time keeps output identical across days for the same seed; callers pass their clock.
DEFAULT_NOW = datetime(2026, 11, 1, tzinfo=UTC)
SOURCES = ("shop", "crm", "pos", "landing", "import_2019")
STRONG = ("email", "phone", "birth", "name_city")
DUPLICATE_SHARE = 0.09  # people who get 1-3 extra records: ~12% of all rows end up being duplicates
RELATED_SHARE = 0.05  # rows that are a look-alike of someone already generated (hard negatives)
BAD_EMAIL, BAD_PHONE, NO_CONTACT = 0.035, 0.035, 0.012  # per eligible row; a few rows are protected
DUPLICATE_HORIZON = 2000  # duplicates land within this many rows of the original: bounded pending state
RECENT = 5000  # people kept for look-alikes; bounded so that memory stays flat


@dataclass(frozen=True, slots=True)
class Place:
    """A city with its region and a postcode prefix."""

    city: str
    region: str
    postcode: str


@dataclass(frozen=True, slots=True)
class Locale:
    """A market: language, country and where its customers live."""

    lang: str
    country: str
    weight: float
    faker: str
    places: tuple[Place, ...]


LOCALES = (
    Locale(
        "ru",
        "RU",
        0.50,
        "ru_RU",
        (
            Place("Москва", "Москва", "1"),
            Place("Санкт-Петербург", "Санкт-Петербург", "19"),
            Place("Новосибирск", "Новосибирская обл.", "630"),
            Place("Екатеринбург", "Свердловская обл.", "620"),
            Place("Казань", "Республика Татарстан", "420"),
        ),
    ),
    Locale("ru", "KZ", 0.03, "ru_RU", (Place("Алматы", "Алматы", "050"), Place("Астана", "Астана", "010"))),
    Locale("ru", "BY", 0.02, "ru_RU", (Place("Минск", "Минск", "220"), Place("Гомель", "Гомельская обл.", "246"))),
    Locale(
        "uk",
        "UA",
        0.25,
        "uk_UA",
        (
            Place("Київ", "Київська обл.", "0"),
            Place("Харків", "Харківська обл.", "61"),
            Place("Одеса", "Одеська обл.", "65"),
            Place("Львів", "Львівська обл.", "79"),
        ),
    ),
    Locale(
        "en",
        "GB",
        0.12,
        "en_GB",
        (Place("London", "Greater London", "SW1"), Place("Manchester", "Greater Manchester", "M1")),
    ),
    Locale("en", "US", 0.08, "en_US", (Place("New York", "NY", "100"), Place("Chicago", "IL", "606"))),
)
MAIL = {
    "ru": ("mail.ru", "yandex.ru", "gmail.com", "gmail.com", "bk.ru", "inbox.ru"),
    "uk": ("ukr.net", "gmail.com", "gmail.com", "i.ua"),
    "en": ("gmail.com", "gmail.com", "outlook.com", "yahoo.com", "hotmail.co.uk"),
}
TLD = {"RU": "ru", "KZ": "kz", "BY": "by", "UA": "com.ua", "GB": "co.uk", "US": "com"}
POSITIONS = {
    "ru": ("менеджер по закупкам", "директор", "бухгалтер", "инженер", "руководитель отдела"),
    "uk": ("менеджер", "директор", "бухгалтер", "інженер", "керівник відділу"),
    "en": ("procurement manager", "director", "accountant", "engineer", "head of sales"),
}
HOBBIES = {
    "ru": ("рыбалка", "йога", "шахматы", "бег", "фотография", "вязание", "футбол", "театр", "любит кофе"),
    "uk": ("риболовля", "йога", "велоспорт", "театр", "кулінарія", "садівництво"),
    "en": ("hiking", "reading", "cycling", "gardening", "football", "prefers calls after 6pm"),
}
GENDER_CODES = {
    "male": ("male", "м", "M", "муж"),
    "female": ("female", "ж", "F", "жен"),
    "en_male": ("male", "M", "m"),
    "en_female": ("female", "F", "f"),
}
IDENTITY = ("full_name", "first_name", "last_name", "middle_name", "email", "phone", "birth_date", "city", "street")


@dataclass(slots=True)
class Person:
    """One real person (or B2B contact) behind one or more rows."""

    key: str
    loc: Locale
    gender: str
    first: str
    last: str
    middle: str
    birth: date
    email: str
    phone: str  # mobile, E.164
    landline: str  # home line or office switchboard, E.164
    place: Place
    postcode: str
    street: str
    kind: str = "person"
    company: str = ""
    position: str = ""
    telegram: str = ""
    instagram: str = ""
    anchors: tuple[str, ...] = ()  # strong attributes every record of this person keeps
    first_row: tuple[str, ...] = ()  # identity fields of the first record, so a duplicate can differ from it


@lru_cache(maxsize=4)
def _pools(seed: int) -> dict[str, dict[str, tuple[str, ...]]]:
    """Names from Faker's locale tables; streets and companies sampled from seeded Faker instances."""
    from faker.providers.person import en_GB, en_US, ru_RU, uk_UA

    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for code, module in (("ru_RU", ru_RU), ("uk_UA", uk_UA), ("en_GB", en_GB), ("en_US", en_US)):
        prov = module.Provider
        fake = Faker(code)
        fake.seed_instance(seed)
        pools = {
            "first_m": tuple(prov.first_names_male),
            "first_f": tuple(prov.first_names_female),
            # Russian tables are parallel (Смирнов/Смирнова): the index gives the other form of a surname.
            "last_m": tuple(getattr(prov, "last_names_male", prov.last_names)),
            "last_f": tuple(getattr(prov, "last_names_female", prov.last_names)),
            "middle_m": tuple(getattr(prov, "middle_names_male", ())),
            "middle_f": tuple(getattr(prov, "middle_names_female", ())),
            "company": tuple(sorted({fake.company() for _ in range(300)})),
        }
        street = fake.street_title if code == "ru_RU" else fake.street_name
        pools["street"] = tuple(sorted({street() for _ in range(400)}))
        out[code] = pools
    return out


def patronymic(father: str, lang: str) -> str:
    """The middle name a father's first name gives his son (Андрей -> Андреевич, Микола -> Миколайович)."""
    if lang == "uk":
        if father.endswith("а"):
            return father[:-1] + "айович"
        if father.endswith("о"):
            return father[:-1] + "ович"
        return father + "ович"
    if father.endswith("ий"):
        return father[:-1] + "евич"
    if father.endswith(("й", "ь")):
        return father[:-1] + "евич"
    if father.endswith("а"):
        return father[:-1] + "ич"
    return father + "ович"


class Generator:
    """Stateful row generator; keeps bounded state (recent people, scheduled duplicates)."""

    def __init__(self, seed: int, now: datetime | None):
        self.rnd = random.Random(seed)
        self.pools = _pools(seed)
        now = now or DEFAULT_NOW
        self.now = (now.astimezone(UTC) if now.tzinfo else now).replace(tzinfo=None)
        self.people = 0
        self.rows = 0
        self.recent: list[Person] = []
        self.offices: list[Person] = []
        self.pending: list[tuple[int, int, Person]] = []  # (row index, tiebreak, person) min-heap
        self._weights = [loc.weight for loc in LOCALES]

    # -- people ---------------------------------------------------------------------------------------------
    def _name(self, loc: Locale, part: str, g: str) -> str:
        pool = self.pools[loc.faker][f"{part}_{g}"]
        if part == "first" and self.rnd.random() < 0.4:
            return self.rnd.choice(v.POPULAR[loc.lang][g])
        return self.rnd.choice(pool) if pool else ""

    def _phone(self, country: str, mobile: bool = True) -> str:
        r = self.rnd
        if country == "RU":
            return (
                f"+79{r.randrange(10**9):09d}"
                if mobile
                else f"+7{r.choice(('495', '812', '383'))}{r.randrange(2 * 10**6, 10**7)}"
            )
        if country == "KZ":
            return (
                f"+77{r.choice(('01', '05', '07', '47', '77'))}{r.randrange(10**7):07d}"
                if mobile
                else f"+7727{r.choice('23')}{r.randrange(10**6):06d}"
            )
        if country == "BY":
            return (
                f"+375{r.choice(('29', '33', '44'))}{r.randrange(10**6, 10**7)}"
                if mobile
                else f"+37517{r.randrange(2 * 10**6, 10**7)}"
            )
        if country == "UA":
            return (
                f"+380{r.choice(('50', '66', '67', '97', '93', '63'))}{r.randrange(10**7):07d}"
                if mobile
                else f"+38044{r.randrange(2 * 10**6, 10**7)}"
            )
        if country == "GB":
            return (
                f"+447{r.choice('45789')}{r.randrange(10**8):08d}"
                if mobile
                else f"+4420{r.choice('378')}{r.randrange(10**7):07d}"
            )
        return (
            f"+1{r.choice(('212', '312', '415', '617', '646', '773'))}{r.randrange(200, 1000)}{r.randrange(10**4):04d}"
        )

    def _email(self, first: str, last: str, lang: str, domain: str | None = None) -> str:
        r = self.rnd
        f, lst = v.email_local(first, last)
        local = r.choice(
            (
                f"{f}.{lst}",
                f"{f}.{lst}",
                f"{f}{lst}",
                f"{f[:1]}.{lst}",
                f"{lst}.{f}",
                f"{f}_{lst}{r.randrange(100)}",
                f"{lst}{r.randrange(1960, 2005)}",
            )
        )
        return f"{local}@{domain or r.choice(MAIL[lang])}"

    def _address(self, loc: Locale, place: Place) -> tuple[str, str]:
        r = self.rnd
        street = r.choice(self.pools[loc.faker]["street"])
        if loc.lang == "ru":
            kind = r.choice(("ул. ", "ул. ", "пр-т "))
            return f"{kind}{street}, д. {r.randrange(1, 150)}, кв. {r.randrange(1, 300)}", place.postcode.ljust(6, "0")[
                :3
            ] + f"{r.randrange(1000):03d}"
        if loc.lang == "uk":
            return (
                f"вул. {street}, {r.randrange(1, 150)}, кв. {r.randrange(1, 300)}",
                place.postcode + f"{r.randrange(10 ** (5 - len(place.postcode))):0{5 - len(place.postcode)}d}",
            )
        if loc.country == "US":
            return f"{r.randrange(1, 9000)} {street}", place.postcode + f"{r.randrange(100):02d}"
        return (
            f"{r.randrange(1, 200)} {street}",
            f"{place.postcode} {r.randrange(1, 10)}{r.choice('ABDEFG')}{r.choice('HJLNPQ')}",
        )

    def new_person(self, loc: Locale | None = None, gender: str | None = None) -> Person:
        """A fresh person of a market drawn by the locale mix."""
        r = self.rnd
        loc = loc or r.choices(LOCALES, self._weights)[0]
        gender = gender or r.choice(("male", "female"))
        g = gender[0]
        first, middle = self._name(loc, "first", g), self._name(loc, "middle", g)
        last = self._name(loc, "last", g)
        place = r.choice(loc.places)
        street, postcode = self._address(loc, place)
        self.people += 1
        person = Person(
            key=f"p{self.people:07d}",
            loc=loc,
            gender=gender,
            first=first,
            last=last,
            middle=middle,
            birth=date(1950, 1, 1) + timedelta(days=r.randrange(365 * 55)),
            email=self._email(first, last, loc.lang),
            phone=self._phone(loc.country),
            landline=self._phone(loc.country, mobile=False),
            place=place,
            postcode=postcode,
            street=street,
        )
        handle = "".join(v.email_local(first, last))
        if r.random() < 0.3:
            person.telegram = f"@{handle[:14]}{r.randrange(99)}"
        if r.random() < 0.15:
            person.instagram = f"@{handle[:10]}_{r.randrange(1000)}"
        return person

    def _make_b2b(self, person: Person, office: Person | None = None) -> None:
        """Turn a person into a company contact; with an office, a colleague sharing domain and switchboard."""
        r = self.rnd
        person.kind = "b2b"
        if office is not None:
            person.company, person.landline = office.company, office.landline
            person.place, person.postcode, person.street = office.place, office.postcode, office.street
            domain = office.email.split("@")[1]
        else:
            person.company = r.choice(self.pools[person.loc.faker]["company"])
            slug = "".join(ch for ch in v.translit(person.company).lower() if ch.isalnum())[:14] or "company"
            domain = f"{slug}.{TLD[person.loc.country]}"
        person.position = r.choice(POSITIONS[person.loc.lang])
        person.email = self._email(person.first, person.last, person.loc.lang, domain)

    def _female_surname(self, last: str, loc: Locale) -> str:
        males = self.pools[loc.faker]["last_m"]
        if loc.lang == "ru" and last in males:
            return self.pools[loc.faker]["last_f"][males.index(last)]
        if last.endswith(("ський", "цький")):
            return last[:-2] + "ка"
        return last + "а" if last.endswith(("ов", "ев", "ин", "ів")) else last

    def _male_surname(self, last: str, loc: Locale) -> str:
        females = self.pools[loc.faker]["last_f"]
        if loc.lang == "ru" and last in females:
            return self.pools[loc.faker]["last_m"][females.index(last)]
        if last.endswith(("ська", "цька")):
            return last[:-2] + "кий"
        return last[:-1] if last.endswith(("ова", "ева", "іна")) else last

    def look_alike(self, other: Person) -> Person:
        """A different real person who resembles `other`: the matcher must keep them apart."""
        r = self.rnd
        loc = other.loc
        if other.kind == "b2b":
            relation = "colleague"
        else:
            relation = r.choice(
                ("son", "spouse", "namesake", "colleague") if loc.lang != "en" else ("son", "spouse", "namesake")
            )
        if relation == "colleague":
            office = other if other.kind == "b2b" else (r.choice(self.offices) if self.offices else None)
            person = self.new_person(office.loc if office else loc)
            self._make_b2b(person, office)
            return person
        if relation == "namesake":
            # Same name, different person: another city, birth date, patronymic and contacts.
            person = self.new_person(loc, other.gender)
            person.first, person.last = other.first, other.last
            if len(loc.places) > 1:
                person.place = r.choice([p for p in loc.places if p != other.place])
                person.street, person.postcode = self._address(loc, person.place)
            person.email = self._email(person.first, person.last, loc.lang)
            return person
        if relation == "son" and other.gender == "male":
            # Father and son: same first name and surname, same flat and home phone, a generation apart.
            person = self.new_person(loc, "male")
            person.first, person.last = other.first, other.last
            older = other.birth.year < 1980
            person.birth = other.birth + timedelta(
                days=365 * r.randrange(22, 32) * (1 if older else -1) + r.randrange(-100, 100)
            )
            if older and loc.lang != "en":
                person.middle = patronymic(other.first, loc.lang)
            person.email = self._email(person.first, person.last, loc.lang)
        else:
            # Spouses: same address and landline, opposite gender, the surname in its gendered form.
            gender = "female" if other.gender == "male" else "male"
            person = self.new_person(loc, gender)
            person.last = self._female_surname(other.last, loc) if gender == "female" else other.last
            if gender == "male":
                person.last = self._male_surname(other.last, loc)
            person.birth = other.birth + timedelta(days=r.randrange(-2500, 2500))
            person.email = self._email(person.first, person.last, loc.lang)
        person.place, person.postcode, person.street, person.landline = (
            other.place,
            other.postcode,
            other.street,
            other.landline,
        )
        return person

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


PRICE = {"RUB": (2500, 10), "UAH": (900, 5), "EUR": (40, 0.01), "USD": (45, 0.01), "GBP": (35, 0.01)}
CURRENCIES = {
    "RU": (("RUB",), (1,)),
    "KZ": (("RUB", "USD"), (0.7, 0.3)),
    "BY": (("RUB", "USD", "EUR"), (0.6, 0.2, 0.2)),
    "UA": (("UAH", "EUR", "USD"), (0.85, 0.1, 0.05)),
    "GB": (("GBP", "EUR"), (0.9, 0.1)),
    "US": (("USD",), (1,)),
}
CATEGORIES = ("electronics", "clothing", "home", "books", "beauty", "sport", "kids", "grocery")
SUMMARIES = {
    "ru": ("вопрос о доставке", "возврат товара", "уточнение размера", "жалоба на курьера", "статус заказа"),
    "uk": ("питання щодо доставки", "повернення товару", "консультація", "статус замовлення"),
    "en": ("question about an order", "return request", "delivery delay", "size exchange"),
}
# Which interaction kinds make sense on which channel (no "call" by e-mail).
CHANNEL_KINDS = {
    "email": ("support", "newsletter_open", "newsletter_open"),
    "sms": ("support",),
    "phone": ("call", "support"),
    "telegram": ("chat", "support"),
    "whatsapp": ("chat", "support"),
    "web": ("chat", "visit", "support"),
    "store": ("visit", "support"),
}
YEAR = 365 * 86400


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


def _purchases(row: dict[str, str], r: random.Random, now: datetime) -> list[dict]:
    """0-20 purchases over three years; leads have none, VIPs many, dormant customers none in the last year."""
    profile = r.choices(("lead", "regular", "vip", "dormant"), (0.2, 0.62, 0.05, 0.13))[0]
    count = {
        "lead": 0,
        "regular": min(20, int(r.expovariate(1 / 5))),
        "vip": r.randrange(30, 120),
        "dormant": r.randrange(1, 8),
    }
    currencies, weights = CURRENCIES[row["country"]]
    currency = r.choices(currencies, weights)[0]
    median, step = PRICE[currency]
    out = []
    for _ in range(count[profile]):
        ago = r.randrange(YEAR + 86400, 3 * YEAR) if profile == "dormant" else r.randrange(3600, 3 * YEAR)
        amount = max(step, round(r.lognormvariate(0, 0.9) * median * (1.8 if profile == "vip" else 1) / step) * step)
        if step < 1 and r.random() < 0.6:
            amount = int(amount) + 0.99  # shelf prices end in .99
        out.append(
            {
                "external_id": row["external_id"],
                "amount": f"{amount:.2f}",
                "currency": currency,
                "purchased_at": _iso(now - timedelta(seconds=ago)),
                "category": r.choice(CATEGORIES),
                "status": r.choices(("paid", "refunded", "cancelled"), (0.9, 0.06, 0.04))[0],
            }
        )
    return out


def _interactions(row: dict[str, str], r: random.Random, now: datetime) -> list[dict]:
    """0-10 contacts on channels the row actually has."""
    channels = ["web", "store"]
    channels += ["email"] if row["email"] else []
    channels += ["sms", "phone"] if row["phone"] else []
    channels += [c for c in ("telegram", "whatsapp") if row[c]]
    lang = "en" if row["country"] in ("GB", "US") else "uk" if row["country"] == "UA" else "ru"
    out = []
    for _ in range(r.choices(range(11), (20, 18, 15, 12, 9, 7, 6, 5, 4, 2, 2))[0]):
        channel = r.choice(channels)
        out.append(
            {
                "external_id": row["external_id"],
                "channel": channel,
                "kind": r.choice(CHANNEL_KINDS[channel]),
                "occurred_at": _iso(now - timedelta(seconds=r.randrange(600, 2 * YEAR))),
                "summary": r.choice(SUMMARIES[lang]),
            }
        )
    return out


def activity(rows: Iterable[dict[str, str]], r: random.Random, now: datetime) -> tuple[list[dict], list[dict]]:
    """Purchases and interactions for rows."""
    purchases: list[dict] = []
    interactions: list[dict] = []
    for row in rows:
        purchases += _purchases(row, r, now)
        interactions += _interactions(row, r, now)
    return purchases, interactions


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


def write_rows_csv(rows: Iterable[dict], path: Path | str) -> None:
    """Write rows as a UTF-8 CSV with the demo columns."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({k: row.get(k, "") for k in COLUMNS} for row in rows)


def write_truth(truth: dict[str, str], path: Path | str) -> None:
    """Write the ground truth as CSV (external_id, person)."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["external_id", "person"])
        writer.writerows(sorted(truth.items()))
