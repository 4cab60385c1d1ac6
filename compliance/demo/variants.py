"""How one real value gets typed differently in different systems: transliteration schemes, diminutives, typos,
phone, email, city, street and date formats. Pure functions of their arguments and a `random.Random`."""

from __future__ import annotations

import random
from datetime import date

# Letter tables of the schemes people actually use; the differences (kh/h, iu/yu/ju, y/i) are what a matcher
# must absorb. "passport" is the ICAO table on Russian passports since 2013, "gost" the older BGN-like one,
# "informal" how people spell themselves in e-mail addresses, "ua" the Ukrainian national table of 2010.
_BASE = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya i yi ye g".split(),  # noqa: SIM905
        strict=True,
    )
)
_BASE["ъ"] = _BASE["ь"] = ""
SCHEMES: dict[str, dict[str, str]] = {
    "gost": _BASE,
    "passport": _BASE | {"й": "i", "ю": "iu", "я": "ia", "ъ": "ie"},
    "informal": _BASE | {"х": "h", "ж": "j", "ю": "ju", "я": "ja", "й": "j", "ё": "yo", "ц": "c", "щ": "sch"},
    "ua": _BASE | {"г": "h", "и": "y", "і": "i", "ї": "i", "є": "ie", "й": "i", "ю": "iu", "я": "ia", "щ": "shch"},
}
# Anglicised spellings that no letter table produces (Alexander, not Aleksandr).
ENGLISH_FORMS = {
    "Александр": ("Alexander", "Alexandr"),
    "Алексей": ("Alexey", "Alexei"),
    "Евгений": ("Eugene", "Yevgeny", "Evgeny"),
    "Евгения": ("Eugenia", "Evgenia"),
    "Наталья": ("Natalia", "Natalya", "Nataliya"),
    "Юлия": ("Julia", "Yulia"),
    "Мария": ("Maria", "Mariya"),
    "Екатерина": ("Ekaterina", "Yekaterina", "Katerina"),
    "Елена": ("Elena", "Yelena", "Helen"),
    "Михаил": ("Mikhail", "Michael"),
    "Олександр": ("Oleksandr", "Alexander"),
    "Сергій": ("Serhii", "Sergiy"),
    "Андрій": ("Andrii", "Andriy"),
    "Дмитро": ("Dmytro", "Dmitro"),
}
DIMINUTIVES = {
    # Russian
    "Александр": ("Саша", "Шура"),
    "Александра": ("Саша",),
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
    "Владимир": ("Володя", "Вова"),
    "Татьяна": ("Таня",),
    "Ольга": ("Оля",),
    "Мария": ("Маша",),
    "Анна": ("Аня",),
    "Елена": ("Лена",),
    "Анастасия": ("Настя",),
    "Юлия": ("Юля",),
    "Павел": ("Паша",),
    "Андрей": ("Андрюша",),
    "Светлана": ("Света",),
    # Ukrainian
    "Олександр": ("Сашко", "Саша"),
    "Микола": ("Коля", "Миколка"),
    "Іван": ("Івась", "Ваня"),
    "Дмитро": ("Діма",),
    "Андрій": ("Андрійко",),
    "Олена": ("Оленка",),
    "Наталія": ("Наталка",),
    "Катерина": ("Катя",),
    "Тетяна": ("Таня",),
    "Володимир": ("Вова",),
    # English
    "William": ("Bill",),
    "Robert": ("Bob",),
    "Elizabeth": ("Liz",),
    "Margaret": ("Maggie",),
    "James": ("Jim",),
    "Thomas": ("Tom",),
    "Michael": ("Mike",),
    "Christopher": ("Chris",),
    "Daniel": ("Dan",),
    "Jennifer": ("Jen",),
}
# Ukrainian people are often registered under the Russian form of their name in Russian-language systems.
RUSSIFIED = {
    "Олександр": "Александр",
    "Микола": "Николай",
    "Сергій": "Сергей",
    "Андрій": "Андрей",
    "Дмитро": "Дмитрий",
    "Іван": "Иван",
    "Володимир": "Владимир",
    "Олена": "Елена",
    "Наталія": "Наталья",
    "Тетяна": "Татьяна",
    "Катерина": "Екатерина",
}
# Popular names (all present in Faker's locale data) drawn more often: real name frequencies are skewed, and
# that is what produces namesakes and gives the diminutive variants something to work on.
POPULAR = {
    "ru": {
        "m": ("Александр", "Алексей", "Дмитрий", "Иван", "Сергей", "Андрей", "Михаил", "Евгений", "Владимир"),
        "f": ("Наталья", "Екатерина", "Елена", "Татьяна", "Ольга", "Мария", "Анна", "Юлия", "Анастасия"),
    },
    "uk": {
        "m": ("Олександр", "Сергій", "Андрій", "Дмитро", "Іван", "Володимир"),
        "f": ("Олена", "Наталія", "Ольга", "Тетяна"),
    },
    "en": {"m": ("David", "Thomas", "John", "Christopher"), "f": ("Elizabeth", "Margaret", "Jennifer")},
}
CITY_VARIANTS = {
    "Санкт-Петербург": ("СПб", "St Petersburg", "Питер", "г. Санкт-Петербург", "С.-Петербург"),
    "Москва": ("Moscow", "г. Москва", "москва", "МОСКВА"),
    "Новосибирск": ("Novosibirsk", "г. Новосибирск"),
    "Екатеринбург": ("Ekaterinburg", "Екб", "Yekaterinburg"),
    "Казань": ("Kazan", "г. Казань"),
    "Київ": ("Киев", "Kyiv", "Kiev", "м. Київ"),
    "Харків": ("Харьков", "Kharkiv"),
    "Одеса": ("Одесса", "Odesa", "Odessa"),
    "Львів": ("Львов", "Lviv"),
    "Алматы": ("Алма-Ата", "Almaty"),
    "Астана": ("Astana", "Нур-Султан"),
    "Минск": ("Minsk", "Мінск", "г. Минск"),
    "London": ("london", "London, UK", "LONDON"),
    "Manchester": ("manchester",),
    "New York": ("NYC", "New York City", "new york"),
    "Chicago": ("chicago", "Chicago, IL"),
}
_STREET_FORMS = (
    ("ул. ", ("улица ", "ул.", "ул ")),
    ("пр-т ", ("проспект ", "пр. ")),
    ("вул. ", ("вулиця ", "вул.")),
)
_EN_STREET = ((" Street", " St"), (" Road", " Rd"), (" Avenue", " Ave"), (" Lane", " Ln"))
_UA_INITIAL = {"ю": "yu", "я": "ya", "ї": "yi", "й": "y"}
_NEIGHBOURS = {"а": "о", "о": "а", "е": "и", "и": "е", "a": "o", "o": "a", "e": "i", "i": "e", "н": "м", "n": "m"}


def translit(text: str, scheme: str = "gost") -> str:
    """Latin spelling of Cyrillic text under one of SCHEMES."""
    table = SCHEMES[scheme]
    out = []
    for i, ch in enumerate(text):
        low = ch.lower()
        rep = table.get(low, ch if low not in "ʼ'’" else "")
        # Word-initial е/є/ю/я get a y in most schemes (Yevgeny, Yulia); passport tables keep e.
        if scheme != "passport" and low in "еє" and (i == 0 or not text[i - 1].isalpha()):
            rep = "ye"
        if scheme == "ua" and low in _UA_INITIAL and (i == 0 or not text[i - 1].isalpha()):
            rep = _UA_INITIAL[low]
        out.append(rep.capitalize() if ch.isupper() and rep else rep)
    return "".join(out)


def latin_name(name: str, rnd: random.Random, lang: str) -> str:
    """A Latin spelling of a name as some system holds it: an anglicised form or one of the schemes."""
    if not name or name.isascii():
        return name
    if name in ENGLISH_FORMS and rnd.random() < 0.5:
        return rnd.choice(ENGLISH_FORMS[name])
    scheme = rnd.choice(("ua", "ua", "passport")) if lang == "uk" else rnd.choice(("gost", "passport", "informal"))
    return translit(name, scheme)


def email_local(first: str, last: str) -> tuple[str, str]:
    """Lower-case Latin parts for an e-mail address (the informal spelling people pick for themselves)."""
    clean = lambda s: "".join(ch for ch in translit(s, "gost").lower() if ch.isalnum())  # noqa: E731
    return clean(first), clean(last)


def typo(word: str, rnd: random.Random) -> str:
    """One-character slip: a transposition, a dropped, doubled or neighbouring letter (first letter kept)."""
    if len(word) < 4:
        return word
    i = rnd.randrange(1, len(word) - 1)
    kind = rnd.randrange(4)
    if kind == 0 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    swap = _NEIGHBOURS.get(word[i].lower())
    return word[:i] + swap + word[i + 1 :] if swap else word[:i] + word[i] + word[i:]


def no_yo(text: str) -> str:
    """ё written as е, as most keyboards and forms do."""
    return text.replace("ё", "е").replace("Ё", "Е")


def format_phone(e164: str, rnd: random.Random) -> str:
    """The same number the way people type it in that country."""
    if e164.startswith("+7") and len(e164) == 12:
        d = e164[2:]
        return rnd.choice(
            (
                e164,
                f"8{d}",
                f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
                f"8 {d[:3]} {d[3:6]} {d[6:8]} {d[8:]}",
                f"8 ({d[:3]}) {d[3:]}",
                f"8-{d[:3]}-{d[3:6]}-{d[6:8]}-{d[8:]}",
            )
        )
    if e164.startswith("+380"):
        d = e164[4:]
        return rnd.choice((e164, f"0{d}", f"+38 (0{d[:2]}) {d[2:5]}-{d[5:7]}-{d[7:]}", f"+380 {d[:2]} {d[2:]}"))
    if e164.startswith("+375"):
        d = e164[4:]
        return rnd.choice((e164, f"+375 ({d[:2]}) {d[2:5]}-{d[5:7]}-{d[7:]}", f"+375{d[:2]} {d[2:]}"))
    if e164.startswith("+44"):
        d = e164[3:]
        return rnd.choice((e164, f"0{d}", f"+44 {d[:4]} {d[4:]}", f"0{d[:4]} {d[4:]}"))
    if e164.startswith("+1"):
        d = e164[2:]
        return rnd.choice((e164, f"({d[:3]}) {d[3:6]}-{d[6:]}", f"{d[:3]}-{d[3:6]}-{d[6:]}", f"1{d}"))
    return e164


def email_variant(email: str, rnd: random.Random) -> str:
    """The same mailbox typed differently: case, stray spaces, gmail's ignored dots."""
    local, _, domain = email.partition("@")
    options = [email.upper(), f"  {email} ", email.capitalize(), f"{email} "]
    if domain == "gmail.com" and "." in local:
        options += [local.replace(".", "") + "@" + domain] * 3
    return rnd.choice(options)


def city_variant(city: str, rnd: random.Random) -> str:
    """Another spelling of the same city (СПб, Питер, St Petersburg)."""
    return rnd.choice(CITY_VARIANTS[city]) if city in CITY_VARIANTS else city


def street_variant(street: str, rnd: random.Random) -> str:
    """The same address with the street type written out or abbreviated differently."""
    for short, longs in _STREET_FORMS:
        if street.startswith(short):
            return rnd.choice(longs) + street[len(short) :]
    for long, short in _EN_STREET:
        if long in street:
            return street.replace(long, short)
    return street.replace(", кв. ", ", кв.") if ", кв. " in street else street


def date_variant(day: date, rnd: random.Random, *, same: bool) -> str:
    """A birth date as typed: the same date in another format, or (same=False) day and month swapped."""
    if not same and day.day <= 12 and day.day != day.month:
        return date(day.year, day.day, day.month).isoformat()
    return rnd.choice((day.isoformat(), day.strftime("%d.%m.%Y"), day.strftime("%d/%m/%Y")))
