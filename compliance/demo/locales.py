"""Demo tables: columns, shares, locales with their places and name pools, and the Person a row describes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

from faker import Faker

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
def name_pools(seed: int) -> dict[str, dict[str, tuple[str, ...]]]:
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
