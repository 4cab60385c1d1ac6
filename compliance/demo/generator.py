"""Synthetic customer bases with ground truth: Russian, Ukrainian and English people and B2B contacts, the way
real CRMs hold them — formatting variants, transliterations, diminutives, typos, true duplicates — and the hard
negatives that fool matchers: relatives sharing an address and landline, colleagues sharing a switchboard, namesakes.

Deterministic for a seed. Names come from Faker's locale data, sampled into pools once so that a million rows
take seconds, not minutes. `truth` maps each row's external_id to the real person it describes.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from faker import Faker

COLUMNS = (
    "external_id",
    "kind",
    "full_name",
    "first_name",
    "last_name",
    "middle_name",
    "email",
    "phone",
    "phone_2",
    "birth_date",
    "gender",
    "street",
    "city",
    "region",
    "postcode",
    "country",
    "company",
    "position",
    "notes",
    "telegram",
    "whatsapp",
    "viber",
    "instagram",
    "source",
    "created_at",
)
LOCALES = (("ru", 0.55, "ru_RU", "RU"), ("uk", 0.25, "uk_UA", "UA"), ("en", 0.20, "en_GB", "GB"))
SOURCES = ("shop", "crm", "pos", "landing", "import_2019")
CURRENCY = {"RU": "RUB", "UA": "UAH", "GB": "GBP", "US": "USD"}
HOBBIES = (
    "рыбалка",
    "йога",
    "шахматы",
    "бег",
    "фотография",
    "вязание",
    "футбол",
    "кулинария",
    "hiking",
    "reading",
    "садоводство",
    "риболовля",
    "велоспорт",
    "театр",
)
SUMMARIES = (
    "вопрос о доставке",
    "возврат товара",
    "question about an order",
    "уточнение размера",
    "жалоба на курьера",
    "консультація",
)
CATEGORIES = ("electronics", "clothing", "home", "books", "beauty", "sport", "kids", "grocery")
POSITIONS = {
    "ru": ("менеджер по закупкам", "директор", "бухгалтер", "инженер", "руководитель отдела"),
    "uk": ("менеджер", "директор", "бухгалтер", "інженер", "керівник відділу"),
    "en": ("procurement manager", "director", "accountant", "engineer", "head of sales"),
}
MAIL = {
    "ru": ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru"),
    "uk": ("ukr.net", "gmail.com", "i.ua"),
    "en": ("gmail.com", "outlook.com", "yahoo.co.uk", "hotmail.com"),
}
CITY_VARIANTS = {
    "Санкт-Петербург": ("СПб", "St Petersburg", "Питер", "г. Санкт-Петербург"),
    "Москва": ("Moscow", "г. Москва", "москва"),
    "Київ": ("Киев", "Kyiv", "Kiev"),
    "Новосибирск": ("Novosibirsk", "г. Новосибирск"),
    "Екатеринбург": ("Ekaterinburg", "Екб"),
    "Харків": ("Харьков", "Kharkiv"),
    "Одеса": ("Одесса", "Odesa"),
    "London": ("london", "London, UK"),
}
CITIES = {
    "ru": (
        ("Москва", "Москва", "101"),
        ("Санкт-Петербург", "Санкт-Петербург", "190"),
        ("Новосибирск", "Новосибирская обл.", "630"),
        ("Екатеринбург", "Свердловская обл.", "620"),
        ("Казань", "Республика Татарстан", "420"),
    ),
    "uk": (
        ("Київ", "Київська обл.", "01"),
        ("Харків", "Харківська обл.", "61"),
        ("Одеса", "Одеська обл.", "65"),
        ("Львів", "Львівська обл.", "79"),
    ),
    "en": (
        ("London", "Greater London", "SW1"),
        ("Manchester", "Greater Manchester", "M1"),
        ("Leeds", "West Yorkshire", "LS1"),
    ),
}
DIMINUTIVES = {
    "Александр": ("Саша", "Шура"),
    "Алексей": ("Лёша", "Алёша"),
    "Дмитрий": ("Дима",),
    "Иван": ("Ваня",),
    "Евгений": ("Женя",),
    "Евгения": ("Женя",),
    "Наталья": ("Наташа",),
    "Екатерина": ("Катя",),
    "Михаил": ("Миша",),
    "Сергей": ("Серёжа",),
    "Николай": ("Коля",),
    "Владимир": ("Володя",),
    "Татьяна": ("Таня",),
    "Ольга": ("Оля",),
    "Мария": ("Маша",),
    "Анна": ("Аня",),
    "Елена": ("Лена",),
    "Олександр": ("Саша",),
    "Микола": ("Коля",),
    "Анастасия": ("Настя",),
    "Юлия": ("Юля",),
    "Павел": ("Паша",),
    "Андрей": ("Андрюша",),
    "William": ("Bill",),
    "Robert": ("Bob",),
    "Elizabeth": ("Liz",),
    "Margaret": ("Maggie",),
    "James": ("Jim",),
    "Thomas": ("Tom",),
}
_CYR = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "і": "i",
    "ї": "yi",
    "є": "ye",
    "ґ": "g",
    "'": "",
    "’": "",
}
_ALT = {"kh": "h", "ks": "x", "yu": "iu", "ya": "ia", "y": "i", "zh": "j"}


def translit(text: str, rnd: random.Random | None = None) -> str:
    """Latin spelling of a Cyrillic name; with rnd, one of several common schemes (Aleksandr/Alexander)."""
    out = []
    for ch in text:
        low = ch.lower()
        rep = _CYR.get(low, ch)
        out.append(rep.capitalize() if ch.isupper() and rep else rep)
    latin = "".join(out)
    if rnd is not None:
        for old, new in _ALT.items():
            if old in latin and rnd.random() < 0.35:
                latin = latin.replace(old, new)
    return latin


@dataclass
class Person:
    """One real person (or B2B contact) behind one or more rows."""

    key: str
    lang: str
    country: str
    gender: str
    first: str
    last: str
    middle: str
    birth: date | None
    email: str
    phone: str
    landline: str
    city: str
    region: str
    postcode: str
    street: str
    kind: str = "person"
    company: str = ""
    position: str = ""
    telegram: str = ""
    extra: dict = field(default_factory=dict)


class _Pools:
    """Names, streets and companies sampled from Faker once per locale."""

    def __init__(self, seed: int):
        self.data: dict[str, dict[str, list[str]]] = {}
        for lang, _, locale, _ in LOCALES:
            fake = Faker(locale)
            fake.seed_instance(seed * 7919 + len(lang))
            pools: dict[str, list[str]] = {}
            pools["first_m"] = sorted({fake.first_name_male() for _ in range(400)})
            pools["first_f"] = sorted({fake.first_name_female() for _ in range(400)})
            pools["last_m"] = sorted({fake.last_name_male() for _ in range(800)})
            pools["last_f"] = sorted({fake.last_name_female() for _ in range(800)})
            if lang != "en":
                pools["middle_m"] = sorted({fake.middle_name_male() for _ in range(300)})
                pools["middle_f"] = sorted({fake.middle_name_female() for _ in range(300)})
            pools["street"] = sorted({fake.street_name() for _ in range(400)})
            pools["company"] = sorted({fake.company() for _ in range(300)})
            self.data[lang] = pools


def _phone(rnd: random.Random, country: str, mobile: bool = True) -> str:
    if country == "RU":
        return (
            f"+7{rnd.choice('9') if mobile else rnd.choice('48')}{rnd.randrange(10**9):09d}"
            if mobile
            else f"+7495{rnd.randrange(10**7):07d}"
        )
    if country == "UA":
        return (
            f"+380{rnd.choice(('50', '66', '67', '97', '93', '63'))}{rnd.randrange(10**7):07d}"
            if mobile
            else f"+38044{rnd.randrange(10**7):07d}"
        )
    return f"+447{rnd.randrange(100, 1000)}{rnd.randrange(10**6):06d}" if mobile else f"+4420{rnd.randrange(10**8):08d}"


def _format_phone(rnd: random.Random, e164: str) -> str:
    """The same number the way people type it."""
    if e164.startswith("+7") and len(e164) == 12:
        d = e164[2:]
        return rnd.choice(
            (
                e164,
                f"8{d}",
                f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
                f"8 {d[:3]} {d[3:6]} {d[6:8]} {d[8:]}",
                f"7{d}",
                f"8-{d[:3]}-{d[3:6]}-{d[6:8]}-{d[8:]}",
            )
        )
    if e164.startswith("+380"):
        d = e164[4:]
        return rnd.choice((e164, f"0{d}", f"+38 (0{d[:2]}) {d[2:5]}-{d[5:7]}-{d[7:]}", f"380{d}"))
    if e164.startswith("+44"):
        d = e164[3:]
        return rnd.choice((e164, f"0{d}", f"+44 {d[:4]} {d[4:]}", f"0{d[:4]} {d[4:]}"))
    return e164


def _email_for(rnd: random.Random, first: str, last: str, lang: str, domain: str | None = None) -> str:
    f, lst = translit(first).lower(), translit(last).lower()
    local = rnd.choice(
        (
            f"{f}.{lst}",
            f"{f}{lst}",
            f"{f[:1]}.{lst}",
            f"{lst}.{f}",
            f"{f}_{lst}{rnd.randrange(100)}",
            f"{lst}{rnd.randrange(1960, 2005)}",
        )
    )
    local = "".join(ch for ch in local if ch.isalnum() or ch in "._")
    return f"{local}@{domain or rnd.choice(MAIL[lang])}"


class Generator:
    """Stateful generator of rows; keeps a bounded pool of recent people to duplicate and to relate."""

    def __init__(self, seed: int, now: datetime | None):
        self.rnd = random.Random(seed)
        self.pools = _Pools(seed).data
        self.now = (now or datetime(2026, 11, 1, tzinfo=UTC)).replace(tzinfo=None)
        self.people = 0
        self.recent: list[Person] = []
        self.rows = 0
        self.colleagues: list[Person] = []

    # -- people ---------------------------------------------------------------------------------------------
    def new_person(self, lang: str | None = None, like: Person | None = None, relation: str = "") -> Person:
        rnd = self.rnd
        if lang is None:
            pick, acc = rnd.random(), 0.0
            for code, share, _, _ in LOCALES:
                acc += share
                if pick <= acc:
                    lang = code
                    break
            else:
                lang = "ru"
        country = {"ru": "RU", "uk": "UA", "en": "GB"}[lang]
        pools = self.pools[lang]
        gender = rnd.choice(("male", "female"))
        g = "m" if gender == "male" else "f"
        first = rnd.choice(pools[f"first_{g}"])
        last = rnd.choice(pools[f"last_{g}"])
        middle = rnd.choice(pools[f"middle_{g}"]) if lang != "en" else ""
        birth = date(1950, 1, 1) + timedelta(days=rnd.randrange(365 * 55))
        city, region, pc = rnd.choice(CITIES[lang])
        postcode = (
            f"{pc}{rnd.randrange(10 ** (6 - len(pc))):0{6 - len(pc)}d}"
            if lang == "ru"
            else (
                f"{pc}{rnd.randrange(1000):03d}"
                if lang == "uk"
                else f"{pc} {rnd.randrange(1, 10)}{rnd.choice('ABDEFG')}{rnd.choice('HJLNPQ')}"
            )
        )
        street = (
            f"{'ул.' if lang == 'ru' else 'вул.' if lang == 'uk' else ''} {rnd.choice(pools['street'])}, "
            f"{rnd.randrange(1, 150)}, кв. {rnd.randrange(1, 300)}"
            if lang != "en"
            else f"{rnd.randrange(1, 200)} {rnd.choice(pools['street'])}"
        )
        self.people += 1
        person = Person(
            key=f"p{self.people:07d}",
            lang=lang,
            country=country,
            gender=gender,
            first=first,
            last=last,
            middle=middle,
            birth=birth,
            email=_email_for(rnd, first, last, lang),
            phone=_phone(rnd, country),
            landline=_phone(rnd, country, mobile=False),
            city=city,
            region=region,
            postcode=postcode,
            street=street.strip(),
        )
        if rnd.random() < 0.3:
            person.telegram = "@" + translit(first).lower() + translit(last).lower()[:4] + str(rnd.randrange(99))
        if like is not None and relation:
            self._relate(person, like, relation)
        elif rnd.random() < 0.15:
            self._make_b2b(person)
        return person

    def _make_b2b(self, person: Person, company_of: Person | None = None) -> None:
        rnd = self.rnd
        person.kind = "b2b"
        if company_of is not None:
            person.company = company_of.company
            domain = company_of.email.split("@")[1]
            person.landline = company_of.landline  # the office switchboard
            person.city, person.region, person.postcode, person.street = (
                company_of.city,
                company_of.region,
                company_of.postcode,
                company_of.street,
            )
        else:
            person.company = rnd.choice(self.pools[person.lang]["company"])
            slug = "".join(ch for ch in translit(person.company).lower() if ch.isalnum())[:12] or "company"
            domain = f"{slug}.{'ru' if person.lang == 'ru' else 'ua' if person.lang == 'uk' else 'co.uk'}"
        person.position = rnd.choice(POSITIONS[person.lang])
        person.email = _email_for(rnd, person.first, person.last, person.lang, domain)

    def _relate(self, person: Person, other: Person, relation: str) -> None:
        """A different real person who looks alike: the matcher must keep them apart."""
        rnd = self.rnd
        person.lang, person.country = other.lang, other.country
        if relation in ("son", "spouse"):
            person.street, person.city, person.region, person.postcode = (
                other.street,
                other.city,
                other.region,
                other.postcode,
            )
            person.landline = other.landline
            if relation == "son":
                person.gender, person.first, person.last = other.gender, other.first, other.last
                if other.lang == "ru" and other.gender == "male":
                    # The son's patronymic is his father's first name: Аким -> Акимович, Андрей -> Андреевич.
                    name = other.first
                    person.middle = (
                        name[:-1] + "евич"
                        if name.endswith("й")
                        else (name + "ович" if name[-1] not in "аяьеиоуыэю" else person.middle)
                    )
                person.birth = (other.birth + timedelta(days=365 * rnd.randrange(22, 35))) if other.birth else None
            else:
                female = other.gender == "male"
                person.gender = "female" if female else "male"
                g = "f" if female else "m"
                person.first = rnd.choice(self.pools[other.lang][f"first_{g}"])
                base = other.last
                if other.lang != "en":
                    base = (
                        base + "а"
                        if female and base.endswith(("ов", "ев", "ин"))
                        else (base[:-1] if not female and base.endswith(("ова", "ева", "ина")) else base)
                    )
                person.last = base
            person.email = _email_for(rnd, person.first, person.last, person.lang)
        elif relation == "colleague":
            person.first = rnd.choice(self.pools[other.lang][f"first_{'m' if person.gender == 'male' else 'f'}"])
            self._make_b2b(person, company_of=other)
        elif relation == "namesake":
            person.first, person.last, person.gender = other.first, other.last, other.gender
            person.middle = (
                rnd.choice(self.pools[other.lang][f"middle_{'m' if person.gender == 'male' else 'f'}"])
                if other.lang != "en"
                else ""
            )

    # -- rows -----------------------------------------------------------------------------------------------
    def base_row(self, p: Person) -> dict[str, str]:
        rnd = self.rnd
        self.rows += 1
        created = self.now - timedelta(days=rnd.randrange(1, 2000))
        row = {c: "" for c in COLUMNS}
        row.update(
            external_id=f"crm-{self.rows:07d}",
            kind=p.kind,
            first_name=p.first,
            last_name=p.last,
            middle_name=p.middle if rnd.random() < 0.7 else "",
            email=p.email,
            phone=_format_phone(rnd, p.phone),
            birth_date=p.birth.isoformat() if p.birth and rnd.random() < 0.85 else "",
            gender=rnd.choice({"male": ("male", "м", "M", "муж"), "female": ("female", "ж", "F", "жен")}[p.gender])
            if rnd.random() < 0.6
            else "",
            street=p.street,
            city=p.city,
            region=p.region,
            postcode=p.postcode,
            country=p.country,
            company=p.company,
            position=p.position,
            telegram=p.telegram,
            notes=rnd.choice(HOBBIES) if rnd.random() < 0.3 else "",
            source=rnd.choice(SOURCES),
            created_at=created.isoformat(timespec="seconds") + "Z",
        )
        if p.kind == "b2b" or rnd.random() < 0.1:
            row["phone_2"] = _format_phone(rnd, p.landline)
        if rnd.random() < 0.2 and p.lang != "en":
            row["whatsapp"] = p.phone
        return row

    def duplicate_row(self, p: Person) -> dict[str, str]:
        """Another record of the same person, typed elsewhere: several variants, two strong attributes kept."""
        rnd = self.rnd
        row = self.base_row(p)
        keep = rnd.sample(("email", "phone", "birth"), 2)
        if "email" not in keep:
            row["email"] = rnd.choice((_email_for(rnd, p.first, p.last, p.lang), ""))
        else:
            local, domain = p.email.split("@")
            row["email"] = rnd.choice(
                (
                    p.email,
                    p.email.upper(),
                    f"  {p.email} ",
                    local.replace(".", "") + "@" + domain if domain == "gmail.com" else p.email,
                )
            )
        if "phone" not in keep:
            row["phone"] = rnd.choice(("", _format_phone(rnd, _phone(rnd, p.country))))
        if "birth" in keep and p.birth:
            row["birth_date"] = rnd.choice((p.birth.isoformat(), p.birth.strftime("%d.%m.%Y")))
        elif p.birth and rnd.random() < 0.3 and p.birth.day <= 12:
            row["birth_date"] = date(p.birth.year, p.birth.day, p.birth.month).isoformat()  # day/month swapped
        variants = rnd.sample(
            ("translit", "diminutive", "order", "full_name", "yo", "typo", "city"), rnd.randrange(1, 4)
        )
        first, last = p.first, p.last
        if "translit" in variants and p.lang != "en":
            first, last = translit(first, rnd), translit(last, rnd)
            row["middle_name"] = ""
        if "diminutive" in variants and first in DIMINUTIVES:
            first = rnd.choice(DIMINUTIVES[first])
        if "yo" in variants:
            first, last = first.replace("ё", "е"), last.replace("ё", "е")
        if "typo" in variants and len(last) > 4:
            i = rnd.randrange(1, len(last) - 1)
            last = last[:i] + last[i + 1] + last[i] + last[i + 2 :]
        row["first_name"], row["last_name"] = first, last
        if "order" in variants:
            row["first_name"], row["last_name"] = last, first
        if "full_name" in variants:
            parts = [last, first, p.middle] if p.middle and rnd.random() < 0.6 else [first, last]
            row["full_name"] = " ".join(x for x in parts if x)
            row["first_name"] = row["last_name"] = row["middle_name"] = ""
        if "city" in variants and p.city in CITY_VARIANTS:
            row["city"] = rnd.choice(CITY_VARIANTS[p.city])
        if p.street.startswith("ул. ") and rnd.random() < 0.5:
            row["street"] = "улица " + p.street[4:]
        return row

    def spoil(self, row: dict[str, str]) -> None:
        """Bad contacts as found in real bases (the row must still land, flagged)."""
        rnd = self.rnd
        roll = rnd.random()
        if roll < 0.03 and row["email"]:
            local = row["email"].split("@")[0].strip()
            row["email"] = rnd.choice((local, f"{local}@@mail.ru", f"{local}@mail", f"{local} @mail.ru"))
        elif roll < 0.06 and row["phone"]:
            row["phone"] = rnd.choice(("12345", "8912", "тел. нет", "+7 (999) 12"))
        elif roll < 0.075:
            row["email"], row["phone"], row["phone_2"], row["telegram"], row["whatsapp"] = "", "", "", "", ""

    def rows_iter(self, customers: int) -> Iterator[tuple[dict[str, str], str]]:
        """Yield (row, person key) for `customers` rows."""
        rnd = self.rnd
        produced = 0
        while produced < customers:
            roll = rnd.random()
            if self.recent and roll < 0.12:
                person = rnd.choice(self.recent)
                row = self.duplicate_row(person)
            elif self.recent and roll < 0.16:
                other = rnd.choice(self.recent)
                relation = (
                    rnd.choice(("son", "spouse", "colleague", "namesake")) if other.kind == "person" else "colleague"
                )
                person = self.new_person(like=other, relation=relation)
                row = self.base_row(person)
                self._remember(person)
            else:
                person = self.new_person()
                row = self.base_row(person)
                self._remember(person)
            self.spoil(row)
            produced += 1
            yield row, person.key

    def _remember(self, person: Person) -> None:
        self.recent.append(person)
        if len(self.recent) > 5000:  # bounded, so memory stays flat on huge runs
            self.recent.pop(self.rnd.randrange(len(self.recent)))

    def activity(self, row: dict[str, str]) -> tuple[list[dict], list[dict]]:
        """Purchases and interactions of one row."""
        rnd = self.rnd
        ext = row["external_id"]
        purchases, interactions = [], []
        profile = rnd.random()
        count = 0 if profile < 0.3 else rnd.randrange(1, 6) if profile < 0.85 else rnd.randrange(6, 30)
        dormant = rnd.random() < 0.15
        currency = CURRENCY.get(row["country"], "EUR")
        scale = {"RUB": 1, "UAH": 0.45, "GBP": 0.011, "USD": 0.011, "EUR": 0.01}[currency]
        for _ in range(count):
            days = rnd.randrange(400, 1000) if dormant else rnd.randrange(1, 1000)
            amount = round(rnd.lognormvariate(8, 0.9) * scale, 2)
            purchases.append(
                {
                    "external_id": ext,
                    "amount": f"{max(amount, 1):.2f}",
                    "currency": currency,
                    "purchased_at": (self.now - timedelta(days=days)).isoformat(timespec="seconds") + "Z",
                    "category": rnd.choice(CATEGORIES),
                    "status": rnd.choices(("paid", "refunded", "cancelled"), (0.9, 0.06, 0.04))[0],
                }
            )
        for _ in range(rnd.randrange(0, 6)):
            channel = rnd.choice(("email", "sms", "phone", "telegram", "whatsapp", "web", "store"))
            interactions.append(
                {
                    "external_id": ext,
                    "channel": channel,
                    "kind": rnd.choice(("support", "newsletter_open", "call", "visit", "chat")),
                    "occurred_at": (self.now - timedelta(days=rnd.randrange(1, 700))).isoformat(timespec="seconds")
                    + "Z",
                    "summary": rnd.choice(
                        (
                            "вопрос о доставке",
                            "возврат товара",
                            "question about an order",
                            "уточнение размера",
                            "жалоба на курьера",
                            "консультація",
                        )
                    ),
                }
            )
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
    rows, purchases, interactions, truth = [], [], [], {}
    for row, key in gen.rows_iter(customers):
        rows.append(row)
        truth[row["external_id"]] = key
    activity = random.Random(seed + 1)
    gen.rnd = activity  # activity draws from its own stream so rows stay identical to iter_rows
    for row in rows:
        p, i = gen.activity(row)
        purchases += p
        interactions += i
    return DemoBase(rows=rows, purchases=purchases, interactions=interactions, truth=truth)


def write_rows_csv(rows: list[dict], path: Path) -> None:
    """Write rows as a UTF-8 CSV with the demo columns."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({k: row.get(k, "") for k in COLUMNS} for row in rows)


def write_truth(truth: dict[str, str], path: Path) -> None:
    """Write the ground truth as CSV (external_id, person)."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["external_id", "person"])
        writer.writerows(sorted(truth.items()))
