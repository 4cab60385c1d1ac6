"""Hard Russian/Ukrainian/English duplicate-detection cases with known truth, for measuring the duplicate matcher.

The generator invents customers the way the architecture description tells the domain: bases typed by people into
forms, CRMs and spreadsheets, about 60% Russian, 25% Ukrainian and 15% English. About a third of the people get one to
three extra records that differ the way such records really differ: transliteration by several schemes, Ukrainian vs
Russian name forms, diminutives, ё/е, swapped or merged name fields, initials, typos, a missing patronymic, birth-date
slips, another phone or address of the same person, gmail dots, +tags and domain aliases, city spellings, street
formatting, a maiden vs married surname, fields missing at random. A quarter of the people sit in "lookalike" groups of
distinct people that must not be merged: a father and son with one name, a mother and daughter, spouses, twins,
colleagues behind one company domain and office phone, namesakes.

It was written from the architecture description alone, independently of hygiene/ (the matcher) and compliance/demo/
(the demo generator), so that its cases do not mirror the matcher's own rules.

Run:
    .venv/bin/python bench/hardcases.py                          # summary for 4000 people, seed 0
    .venv/bin/python bench/hardcases.py --people 20000 --seed 3 --out /tmp/hc.jsonl   # + /tmp/hc.jsonl.truth.json

From Python, ``records, pairs = generate(4000, seed=0)``: ``pairs`` holds every pair of records of one person as a
frozenset of two record ids. Records follow the plain-record shape of bench/dedupe.py: missing values are left out,
phones are already E.164 (the matcher normalises formatting before this point), names are raw as typed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import combinations
from pathlib import Path

DUP_SHARE = 0.35  # persons with 1-3 extra records
LOOKALIKE_SHARE = 0.25  # persons inside a group of distinct lookalikes
MAIDEN_SHARE = 0.06  # of a woman's extra records: about 3% of all extra records
CULTURES = ("ru", "ua", "en")
CULTURE_WEIGHTS = (60, 25, 15)
SOURCES = ("crm", "shop", "events", "support", "newsletter", "import", "mobile_app")
CASES = ("as_is", "lower", "upper")

# ------------------------------------------------------------------------------------------------------ name tables


def _words(text: str) -> list[str]:
    """Whitespace-separated items of a compact table."""
    return text.split()


# Items are "Name=RussianForm:dim,dim": the Russian form only for Ukrainian names, then diminutives as people type them.

RU_MALE = """Александр:Саша,Шура,Саня Алексей:Лёша,Алёша Анатолий:Толя Андрей:Андрюша Антон:Тоша Аркадий:Аркаша
Артём:Тёма Борис:Боря Вадим:Вадик Валерий:Валера Василий:Вася Виктор:Витя Виталий:Виталик Владимир:Вова,Володя
Владислав:Влад,Слава Вячеслав:Слава Геннадий:Гена Георгий:Жора,Гоша Глеб Григорий:Гриша Даниил:Даня Денис
Дмитрий:Дима,Митя Евгений:Женя Егор Иван:Ваня Игорь Илья:Илюша Кирилл Константин:Костя Лев:Лёва Леонид:Лёня
Максим:Макс Матвей:Мотя Михаил:Миша Никита Николай:Коля Олег Павел:Паша Пётр:Петя Роман:Рома Руслан Семён:Сёма
Сергей:Серёжа,Серж Станислав:Стас Степан:Стёпа Тимофей:Тима Фёдор:Федя Юрий:Юра Ярослав:Ярик,Слава"""

RU_FEMALE = """Александра:Саша,Шура Алина Алла Алёна Анастасия:Настя Анна:Аня Валентина:Валя Валерия:Лера Вера
Вероника:Ника Виктория:Вика Галина:Галя Дарья:Даша Диана Евгения:Женя Екатерина:Катя Елена:Лена Елизавета:Лиза Жанна
Зинаида:Зина Инна Ирина:Ира Карина Кристина Ксения:Ксюша Лариса:Лара Любовь:Люба Людмила:Люда,Мила Маргарита:Рита
Марина Мария:Маша Надежда:Надя Наталья:Наташа Нина Оксана:Ксана Ольга:Оля Полина:Поля Светлана:Света Софья:Соня
Тамара:Тома Татьяна:Таня Ульяна:Уля Юлия:Юля Яна"""

UA_MALE = """Олександр=Александр:Сашко,Саша Олексій=Алексей:Льоша,Олесь Андрій=Андрей:Андрійко Анатолій=Анатолий:Толік
Богдан=Богдан:Бодя Василь=Василий:Васько Віктор=Виктор:Вітя Віталій=Виталий:Віталік Володимир=Владимир:Вова,Володя
Григорій=Григорий:Гриць Денис=Денис Дмитро=Дмитрий:Діма Євген=Евгений:Женя Іван=Иван:Івась,Ваня Ігор=Игорь
Максим=Максим:Макс Микола=Николай:Коля Михайло=Михаил:Михась,Міша Назар=Назар Остап=Остап Павло=Павел:Павлик
Петро=Пётр:Петрик Роман=Роман:Рома Сергій=Сергей:Сергійко Степан=Степан:Стьопа Тарас=Тарас:Тарасик Юрій=Юрий:Юра
Ярослав=Ярослав:Ярик,Слава"""

UA_FEMALE = """Оксана=Оксана:Ксеня Наталія=Наталья:Наталка,Наташа Юлія=Юлия:Юля Олена=Елена:Оленка,Лена Ольга=Ольга:Оля
Ірина=Ирина:Іра Тетяна=Татьяна:Таня Світлана=Светлана:Світланка Людмила=Людмила:Люда Галина=Галина:Галя
Марія=Мария:Марійка,Маруся Катерина=Екатерина:Катя Ганна=Анна:Ганя Анна=Анна:Аня Валентина=Валентина:Валя
Вікторія=Виктория:Віка Анастасія=Анастасия:Настя Дарина=Дарья:Даринка Софія=Софья:Соня Христина=Кристина:Христя
Лариса=Лариса Надія=Надежда:Надя Любов=Любовь:Люба Віра=Вера Леся=Леся Богдана=Богдана Зоряна=Зоряна
Соломія=Соломия:Соля Яна=Яна"""

EN_MALE = """Robert:Bob,Rob,Bobby William:Bill,Will,Billy Michael:Mike,Mick James:Jim,Jimmy John:Johnny,Jack
Richard:Rick,Rich,Dick Thomas:Tom,Tommy Charles:Charlie,Chuck Joseph:Joe Daniel:Dan,Danny Matthew:Matt Anthony:Tony
Christopher:Chris Andrew:Andy,Drew Edward:Ed,Ted,Eddie David:Dave Steven:Steve Benjamin:Ben Samuel:Sam Patrick:Pat
Jonathan:Jon Nicholas:Nick Alexander:Alex Peter:Pete Henry:Harry,Hank George Oliver:Ollie"""

EN_FEMALE = """Elizabeth:Liz,Beth,Lizzie Katherine:Kate,Kathy,Katie Margaret:Maggie,Peggy,Meg Jennifer:Jen,Jenny
Patricia:Pat,Trish Susan:Sue Rebecca:Becky Deborah:Debbie Victoria:Vicky,Tori Alexandra:Alex,Sandra Christine:Chris
Samantha:Sam Jessica:Jess Emily:Em Sarah Emma Olivia:Liv Charlotte:Charlie Abigail:Abby Amanda:Mandy Rachel Laura
Hannah Lucy Jacqueline:Jackie Helen Caroline:Carrie"""

# English-style spellings people pick for a Cyrillic first name instead of any formal scheme.
INFORMAL_SPEC = """Александр:Alexander,Alexandr,Alex Алексей:Alexey,Alexei,Alex Андрей:Andrey,Andrei,Andrew
Дмитрий:Dmitry,Dmitri,Dimitri Евгений:Evgeny,Yevgeny,Eugene Сергей:Sergey,Sergei Михаил:Mikhail,Michael
Николай:Nikolay,Nikolai Пётр:Pyotr,Peter Юрий:Yuri,Yury Павел:Pavel,Paul Фёдор:Fedor,Fyodor Артём:Artem,Artyom
Семён:Semyon,Semen Георгий:Georgy,George Григорий:Grigory Анатолий:Anatoly Василий:Vasily Виталий:Vitaly
Валерий:Valery Геннадий:Gennady Аркадий:Arkady Тимофей:Timofey Матвей:Matvey Елена:Elena,Yelena,Helen
Екатерина:Ekaterina,Yekaterina,Katerina Мария:Maria,Mariya Наталья:Natalia,Natalya,Natalie Татьяна:Tatiana,Tatyana
Юлия:Yulia,Julia Ксения:Ksenia,Xenia Анастасия:Anastasia Дарья:Daria,Darya Софья:Sofia,Sophia Евгения:Evgenia,Eugenia
Алёна:Alena,Alyona Виктория:Victoria Олександр:Oleksandr,Olexandr,Alexander Олексій:Oleksiy,Alexey Андрій:Andriy
Сергій:Serhiy,Sergiy Юрій:Yuriy Дмитро:Dmytro Микола:Mykola Наталія:Nataliya,Natalia Юлія:Yuliya,Julia Олена:Olena
Тетяна:Tetyana Катерина:Kateryna Марія:Mariya,Maria Євген:Yevhen,Eugene"""

# Surnames in their male (dictionary) form; women get -ова/-ская etc. from _gendered().
RU_SURNAMES = _words("""Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов
Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров
Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв
Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов
Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов
Карпов Власов Мельников Денисов Журавлёв Пономарёв Щербаков Ерёмин Аксёнов Вишневский Островский Покровский
Успенский Троицкий Толстой Черных Седых""")

UA_SURNAMES = _words("""Шевченко Коваленко Бондаренко Ткаченко Кравченко Олійник Шевчук Коваль Поліщук Бойко
Ткачук Марченко Мельник Мороз Лисенко Руденко Савченко Петренко Клименко Павленко Левченко Харченко Іваненко
Кузьменко Гриценко Литвиненко Ковальчук Романюк Гнатюк Мартинюк Павлюк Кравчук Савчук Онищенко Яковенко Зінченко
Ковальський Левицький Вишневський Соколовський Лозинський Бондар Гончаренко Данилюк Пономаренко Костенко Марчук""")

# Russian spellings that letter-by-letter conversion would miss (Ukrainian и is often Russian ы).
UA_RU_SURNAME = {"Олійник": "Олейник", "Лисенко": "Лысенко", "Мартинюк": "Мартынюк"}

EN_SURNAMES = _words("""Smith Jones Williams Brown Taylor Davies Evans Wilson Thomas Johnson Roberts Robinson
Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin
Cooper Hill Ward Morris Moore Clark King Baker Harrison Morgan Allen Scott Mitchell Kelly Cook Carter Murphy
Miller O'Brien O'Connor McDonald MacLeod""")

# ------------------------------------------------------------------------------------------------------ places
# country weight postcode-range landline-areas forms... (the first form is the canonical one)
CITY_SPEC = """RU 30 101-129 495,499 Москва|Moscow|г. Москва|Moskva|москва
RU 20 190-199 812 Санкт-Петербург|СПб|St Petersburg|Питер|г. Санкт-Петербург|Saint Petersburg|С.-Петербург
RU 6 630-633 383 Новосибирск|Novosibirsk|г. Новосибирск
RU 6 620-624 343 Екатеринбург|Екб|Yekaterinburg|Ekaterinburg|г. Екатеринбург
RU 5 420-420 843 Казань|Kazan|г. Казань
RU 5 603-603 831 Нижний Новгород|Н. Новгород|Nizhny Novgorod|Нижний|г. Н.Новгород
RU 4 443-443 846 Самара|Samara|г. Самара
RU 4 344-344 863 Ростов-на-Дону|Ростов|Rostov-on-Don|Ростов на Дону
RU 4 350-350 861 Краснодар|Krasnodar|г. Краснодар
RU 3 454-454 351 Челябинск|Chelyabinsk|г. Челябинск
RU 3 614-614 342 Пермь|Perm|г. Пермь
RU 3 394-394 473 Воронеж|Voronezh|г. Воронеж
UA 35 01-04 44 Київ|Киев|Kyiv|Kiev|м. Київ|г. Киев
UA 15 61-61 57 Харків|Харьков|Kharkiv|Kharkov|м. Харків
UA 12 65-65 48 Одеса|Одесса|Odesa|Odessa
UA 12 49-49 56 Дніпро|Днепр|Dnipro|Dnepr|Днепропетровск
UA 14 79-79 32 Львів|Львов|Lviv|Lvov
UA 8 69-69 61 Запоріжжя|Запорожье|Zaporizhzhia|Zaporozhye
GB 40 SW20,SE28,N22,E18,W14,NW11 20 London|london|LONDON|London, UK
GB 12 M40 161 Manchester|manchester|Manchester, UK
GB 10 B99 121 Birmingham|birmingham|B'ham
GB 8 LS29 113 Leeds|leeds
GB 8 EH17 131 Edinburgh|edinburgh|Edinburgh, Scotland
GB 6 BS16 117 Bristol|bristol
US 30 100-104 212,646,917 New York|NYC|New York City|new york|New York, NY
US 15 021-021 617 Boston|boston|Boston, MA
US 15 606-606 312 Chicago|chicago|Chicago, IL
US 12 941-941 415 San Francisco|SF|San Francisco, CA
US 10 981-981 206 Seattle|seattle|Seattle, WA"""

RU_STREET_SPEC = """ул:Ленина,Мира,Советская,Гагарина,Пушкина,Садовая,Лесная,Центральная,Школьная,Молодёжная,Кирова,
Чехова,Октябрьская,Комсомольская,Профсоюзная,Гоголя,Лермонтова,Маяковского,Строителей,Победы,Заводская,Калинина,Свердлова,
Куйбышева,Тверская пр:Ленинский,Невский,Мира,Победы,Космонавтов пер:Почтовый,Школьный,Садовый б:Цветной,Приморский
ш:Энтузиастов,Варшавское"""
# abbreviation, full word, Latin word, terse abbreviation
RU_STREET_TYPES = {
    "ул": ("ул.", "улица", "ulitsa", "ул"),
    "пр": ("пр-т", "проспект", "prospekt", "пр"),
    "пер": ("пер.", "переулок", "pereulok", "пер"),
    "б": ("б-р", "бульвар", "bulvar", "б-р"),
    "ш": ("ш.", "шоссе", "shosse", "ш"),
}
UA_STREET_SPEC = """вул:Шевченка=Шевченко,Франка=Франко,Лесі_Українки=Леси_Украинки,Грушевського=Грушевского,
Сагайдачного=Сагайдачного,Соборна=Соборная,Садова=Садовая,Київська=Киевская,Зелена=Зелёная,Центральна=Центральная,
Шкільна=Школьная,Гоголя=Гоголя,Пушкінська=Пушкинская,Набережна=Набережная просп:Незалежності=Независимости,
Перемоги=Победы,Миру=Мира пров:Тихий=Тихий,Садовий=Садовый бульв:Шевченка=Шевченко"""
# Ukrainian abbreviation, full word, Latin abbreviation, Russian abbreviation
UA_STREET_TYPES = {
    "вул": ("вул.", "вулиця", "vul.", "ул."),
    "просп": ("просп.", "проспект", "prosp.", "пр-т"),
    "пров": ("пров.", "провулок", "prov.", "пер."),
    "бульв": ("бульв.", "бульвар", "bulv.", "б-р"),
}
EN_STREET_SPEC = """Baker:Street High:Street Station:Road Church:Lane Park:Avenue Victoria:Road Green:Lane Manor:Close
Kings:Road Queens:Drive Mill:Lane Elm:Grove Oak:Avenue Maple:Drive Main:Street Cedar:Crescent Lake:Way Hill:Road
Pine:Place Washington:Street"""
EN_ABBR = {
    "Street": "St",
    "Road": "Rd",
    "Lane": "Ln",
    "Avenue": "Ave",
    "Drive": "Dr",
    "Close": "Cl",
    "Grove": "Gr",
    "Crescent": "Cres",
    "Way": "Way",
    "Place": "Pl",
}
# How often each street format (see _street_text) is the one a person's first record uses.
STREET_FORMAT_WEIGHTS = {
    "RU": (40, 20, 5, 10, 10, 15),
    "UA": (40, 15, 10, 5, 15, 15),
    "GB": (50, 25, 10, 15),
    "US": (50, 25, 10, 15),
}

# ------------------------------------------------------------------------------------------------------ contacts
MAIL_SPEC = {
    "ru": "gmail.com:25 yandex.ru:25 mail.ru:25 rambler.ru:5 bk.ru:5 list.ru:5 inbox.ru:5 ya.ru:5",
    "ua": "gmail.com:40 ukr.net:35 i.ua:10 meta.ua:5 outlook.com:5 yahoo.com:5",
    "en": "gmail.com:35 outlook.com:15 hotmail.co.uk:10 hotmail.com:5 yahoo.com:10 yahoo.co.uk:5 icloud.com:10 "
    "btinternet.com:5 aol.com:5",
}
COMPANIES = {
    "ru": (
        "romashka.ru",
        "vektor-m.ru",
        "stroyinvest.ru",
        "tehnoprom.com",
        "uralmash-service.ru",
        "sibtrans.ru",
        "alfa-consult.ru",
        "gazstroy.ru",
    ),
    "ua": ("agrotech.ua", "kyivsoft.com.ua", "dniprostal.com.ua", "lvivit.ua", "chumak-trade.ua"),
    "en": ("acme.co.uk", "brightwave.com", "northgate.co.uk", "bluefin.io", "harbourlaw.co.uk", "maplecorp.com"),
}
# One mailbox under several domain names.
ALIASES = (("yandex.ru", "ya.ru", "yandex.com", "yandex.ua", "yandex.by", "narod.ru"), ("gmail.com", "googlemail.com"))
GMAIL = {"gmail.com", "googlemail.com"}
PLUS_OK = GMAIL | {
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "icloud.com",
    "yandex.ru",
    "ya.ru",
    "yandex.com",
    "yandex.ua",
    "yandex.by",
}
PLUS_TAGS = ("shop", "news", "crm", "promo", "2024", "events", "spam")
NICKS = ("sunny", "kotik", "zaya", "lisa", "wolf", "darkstar", "smile", "bars", "tigra", "angel", "lucky", "moon")
CC = {"RU": "7", "UA": "380", "GB": "44", "US": "1"}
NATIONAL_DIGITS = {"RU": 10, "UA": 9, "GB": 10, "US": 10}
UA_MOBILE = ("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99")


def _table(spec: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """Parse 'Name=Other:a,b' items (other form and list optional) into (name, other or name, items)."""
    rows = []
    for item in spec.split():
        head, _, rest = item.partition(":")
        name, _, other = head.partition("=")
        items = tuple(x.replace("_", " ") for x in rest.split(",") if x)
        rows.append((name.replace("_", " "), (other or name).replace("_", " "), items))
    return rows


_FIRST_TABLES = {
    ("ru", "male"): _table(RU_MALE),
    ("ru", "female"): _table(RU_FEMALE),
    ("ua", "male"): _table(UA_MALE),
    ("ua", "female"): _table(UA_FEMALE),
    ("en", "male"): _table(EN_MALE),
    ("en", "female"): _table(EN_FEMALE),
}
FIRST = {key: tuple(row[0] for row in rows) for key, rows in _FIRST_TABLES.items()}
UA_TO_RU = {row[0]: row[1] for key in (("ua", "male"), ("ua", "female")) for row in _FIRST_TABLES[key]}
DIMS: dict[str, tuple[str, ...]] = {}
for _rows in _FIRST_TABLES.values():
    for _name, _, _dims in _rows:
        DIMS[_name] = tuple(dict.fromkeys(DIMS.get(_name, ()) + _dims))
INFORMAL = {name: forms for name, _, forms in _table(INFORMAL_SPEC)}
SURNAMES = {"ru": RU_SURNAMES, "ua": UA_SURNAMES, "en": EN_SURNAMES}
RU_STREETS = [(kind, name) for kind, _, names in _table(RU_STREET_SPEC.replace(",\n", ",")) for name in names]
UA_STREETS = [
    (kind, ua, ru)
    for kind, _, pairs in _table(UA_STREET_SPEC.replace(",\n", ","))
    for ua, _, ru in (pair.partition("=") for pair in pairs)
]
EN_STREETS = [(name, forms[0]) for name, _, forms in _table(EN_STREET_SPEC)]
MAIL_DOMAINS = {
    culture: ([d.split(":")[0] for d in spec.split()], [int(d.split(":")[1]) for d in spec.split()])
    for culture, spec in MAIL_SPEC.items()
}


@dataclass(frozen=True)
class City:
    country: str
    weight: int
    pc: str
    areas: tuple[str, ...]
    forms: tuple[str, ...]


CITIES = [
    City(c, int(w), pc, tuple(areas.split(",")), tuple(forms.split("|")))
    for c, w, pc, areas, forms in (line.split(" ", 4) for line in CITY_SPEC.splitlines())
]
CITY_BY_COUNTRY: dict[str, tuple[list[int], list[int]]] = {}
for _i, _city in enumerate(CITIES):
    _idx, _w = CITY_BY_COUNTRY.setdefault(_city.country, ([], []))
    _idx.append(_i)
    _w.append(_city.weight)


@dataclass
class Person:
    culture: str  # ru | ua | en
    gender: str
    first: str  # native script and language
    surname: str  # family surname, male (dictionary) form
    last: str  # this person's own form of it (Петрова)
    father: str | None  # father's first name: the source of the patronymic (None for English people)
    birth: date | None  # None: nobody ever typed it
    pid: int = -1
    city: int = 0
    country: str = ""
    postcode: str = ""
    address: tuple[int, int, int | None, int | None] = (0, 0, None, None)  # street, house, block, flat
    phones: list[str] = field(default_factory=list)  # the one the person gives first comes first
    emails: list[str] = field(default_factory=list)
    married: str | None = None  # surname taken on marriage, shown on later records
    group: int | None = None  # lookalike group


# ------------------------------------------------------------------------------------------------------ language


def ru_patronymic(father: str, gender: str) -> str:
    """Russian patronymic from a father's Russian first name."""
    special = {
        "Пётр": "Петров",
        "Павел": "Павлов",
        "Лев": "Львов",
        "Михаил": "Михайлов",
        "Дмитрий": "Дмитриев",
        "Георгий": "Георгиев",
    }
    if father in ("Илья", "Никита"):
        stem = father[:-1]
        return stem + ("ич" if gender == "male" else "инична" if father == "Илья" else "ична")
    if father in special:
        stem = special[father]
    elif father.endswith("ий"):
        stem = father[:-2] + "ьев"  # Юрий -> Юрьевич
    elif father.endswith(("ей", "ай", "ь")):
        stem = father[:-1] + "ев"  # Сергей -> Сергеевич, Николай -> Николаевич, Игорь -> Игоревич
    else:
        stem = father + "ов"
    return stem + ("ич" if gender == "male" else "на")


def ua_patronymic(father: str, gender: str) -> str:
    """Ukrainian patronymic (-ович / -івна) from a father's Ukrainian first name."""
    male = gender == "male"
    if father == "Микола":
        return "Миколайович" if male else "Миколаївна"
    if father == "Григорій":
        return "Григорович" if male else "Григорівна"
    if father.endswith("ій"):
        return father + "ович" if male else father[:-1] + "ївна"  # Андрій -> Андрійович, Андріївна
    if father.endswith("о"):
        return father[:-1] + ("ович" if male else "івна")  # Петро -> Петрович, Петрівна
    if father.endswith("ь"):
        return father + "ович" if male else father[:-1] + "івна"  # Василь -> Васильович, Василівна
    return father + ("ович" if male else "івна")


def _gendered(surname: str, culture: str, gender: str) -> str:
    """A woman's form of a surname: Петров -> Петрова, Вишневский -> Вишневская; -енко, -ук and English stay."""
    if gender == "male" or culture == "en":
        return surname
    if culture == "ua":
        return surname[:-2] + "а" if surname.endswith(("ський", "цький")) else surname
    if surname.endswith(("ий", "ой", "ый")):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


_UA_LETTERS_TO_RU = str.maketrans(
    {"і": "и", "ї": "и", "є": "е", "ґ": "г", "І": "И", "Ї": "И", "Є": "Е", "Ґ": "Г", "'": "", "’": ""}
)


def _russify(surname: str) -> str:
    """The Russian spelling of a Ukrainian surname (Ковальська -> Ковальская, Поліщук -> Полищук)."""
    if surname in UA_RU_SURNAME:
        return UA_RU_SURNAME[surname]
    for ua, ru in (("ський", "ский"), ("цький", "цкий"), ("ська", "ская"), ("цька", "цкая")):
        if surname.endswith(ua):
            surname = surname[: -len(ua)] + ru
    return surname.translate(_UA_LETTERS_TO_RU)


_RU = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_GOST = dict(
    zip(_RU, _words("a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y - e iu ia"), strict=True)
)
_BGN = dict(
    zip(_RU, _words("a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"), strict=True)
)
_UA = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'’"
_UA_NAT = dict(
    zip(_UA, _words("a b v h g d e ie zh z y i i i k l m n o p r s t u f kh ts ch sh shch - iu ia - -"), strict=True)
)
_UA_NAT_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_SYLLABLE_START = set("аеёиоуыэюяіїєьъй")


def translit(text: str, scheme: str, rng: random.Random) -> str:
    """Cyrillic text in Latin letters by one scheme: gost, bgn, informal, ua_national or ua_informal."""
    low = text.lower()
    # Informal writers are consistent within a word but not with each other.
    kh = "kh" if rng.random() < 0.8 else "h"
    yo = rng.choice(("yo", "e"))
    ia = rng.choice(("ya", "a"))
    h = "h" if rng.random() < 0.7 else "g"
    out = []
    for i, ch in enumerate(low):
        prev = low[i - 1] if i else " "
        initial = not prev.isalpha() and prev not in "'’"
        fresh = initial or prev in _SYLLABLE_START
        if scheme == "gost":  # GOST 2006 = ICAO 9303, the Russian passport scheme since 2013
            lat = _GOST.get(ch, ch)
        elif scheme in ("bgn", "informal"):
            lat = _BGN.get(ch, ch)
            if ch in "её":
                lat = "ye" if fresh else "e"
            if scheme == "informal":
                if ch == "х":
                    lat = kh
                elif ch == "ё":
                    lat = "yo" if fresh else yo
                elif ch == "е" and initial:
                    lat = rng.choice(("e", "ye"))
                elif ch == "я" and prev == "и":
                    lat = ia
        else:  # Ukrainian national system (2010); Russian-only letters fall back to GOST
            lat = _UA_NAT.get(ch, _GOST.get(ch, ch))
            if initial and ch in _UA_NAT_INITIAL:
                lat = _UA_NAT_INITIAL[ch]
            if ch == "г" and prev == "з":
                lat = "gh"  # зг -> zgh, so that it is not read as ж
            if scheme == "ua_informal":
                lat = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu"}.get(ch, lat)
                if ch == "я":
                    lat = ia if prev == "і" else "ya"
                elif ch == "г":
                    lat = h
        out.append("" if lat == "-" else lat)
    word = "".join(out)
    if scheme in ("informal", "ua_informal"):
        end = rng.choice(("iy", "y", "i", "ii"))
        word = re.sub(r"iy\b", end, word)  # Dmitriy / Dmitry / Dmitri / Dmitrii
        if rng.random() < 0.4:
            word = word.replace("ks", "x")  # Alexandr, Alexey
    return " ".join("-".join(p[:1].upper() + p[1:] for p in w.split("-")) for w in word.split(" "))


def _latin_name(rng: random.Random, name: str, scheme: str) -> str:
    """A first name in Latin letters: informal writers often use an English-style spelling."""
    if scheme in ("informal", "ua_informal") and name in INFORMAL and rng.random() < 0.6:
        return rng.choice(INFORMAL[name])
    return translit(name, scheme, rng)


def _keyboard(rows: str) -> dict[str, str]:
    near = {}
    for row in rows.split():
        for i, ch in enumerate(row):
            near[ch] = row[max(0, i - 1) : i] + row[i + 1 : i + 2]
    return near


_NEAR = {
    "ru": _keyboard("йцукенгшщзхъ фывапролджэ ячсмитьбю"),
    "ua": _keyboard("йцукенгшщзхї фівапролджє ячсмитьбю"),
    "lat": _keyboard("qwertyuiop asdfghjkl zxcvbnm"),
}


def _typo(rng: random.Random, word: str) -> str:
    """One keyboard slip: a letter doubled or a neighbour key inserted, a letter dropped or replaced, two swapped."""
    low = word.lower()
    if any(c in "іїєґ" for c in low):
        near = _NEAR["ua"]
    elif any("а" <= c <= "я" or c == "ё" for c in low):
        near = _NEAR["ru"]
    else:
        near = _NEAR["lat"]
    spots = [i for i, c in enumerate(word) if c.isalpha()][1:]  # the first letter is seldom the mistyped one
    for _ in range(12):
        if not spots:
            break
        i = rng.choice(spots)
        ch = word[i]
        pick = rng.choice(near.get(ch.lower()) or ch.lower())
        pick = pick.upper() if ch.isupper() else pick
        op = rng.choice(("insert", "delete", "substitute", "transpose"))
        if op == "insert":
            new = word[:i] + rng.choice((ch, pick)) + word[i:]
        elif op == "delete" and len(spots) >= 3:
            new = word[:i] + word[i + 1 :]
        elif op == "substitute":
            new = word[:i] + pick + word[i + 1 :]
        elif op == "transpose" and word[i - 1].isalpha():
            new = word[: i - 1] + ch + word[i - 1] + word[i + 1 :]
        else:
            continue
        if new != word:
            return new
    return word + word[-1:]


def _plain_e(text: str | None) -> str | None:
    return text.replace("ё", "е").replace("Ё", "Е") if text else text


def _slug(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum())


# ------------------------------------------------------------------------------------------------------ people


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _random_date(rng: random.Random, lo: int, hi: int) -> date:
    start = date(lo, 1, 1).toordinal()
    return date.fromordinal(rng.randint(start, date(hi, 12, 31).toordinal()))


def _years_later(rng: random.Random, born: date, lo: int, hi: int) -> date:
    year = born.year + rng.randint(lo, max(lo, min(hi, 2005 - born.year)))
    return _random_date(rng, min(year, 2005), min(year, 2005))


def _postcode(rng: random.Random, city: City) -> str:
    if city.country == "GB":
        spec = rng.choice(city.pc.split(","))
        area = spec.rstrip("0123456789")
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        inward = f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
        return f"{area}{rng.randint(1, int(spec[len(area) :]))} {inward}"
    lo, hi = city.pc.split("-")
    tail = 2 if city.country == "US" else 3
    return f"{rng.randint(int(lo), int(hi)):0{len(lo)}d}{_digits(rng, tail)}"


def _address(rng: random.Random, country: str, home: bool = True) -> tuple[int, int, int | None, int | None]:
    if country in ("RU", "UA"):
        street = rng.randrange(len(RU_STREETS if country == "RU" else UA_STREETS))
        block = rng.randint(1, 4) if rng.random() < 0.15 else None
        flat = rng.randint(1, 250) if home and rng.random() < 0.8 else None
        return street, rng.randint(1, 120), block, flat
    flat = rng.randint(1, 40) if home and rng.random() < (0.2 if country == "GB" else 0.3) else None
    return rng.randrange(len(EN_STREETS)), rng.randint(1, 200 if country == "GB" else 9999), None, flat


def _settle(rng: random.Random, p: Person, city: int | None = None, home: bool = True) -> None:
    """Give a person a city, postcode and street address (a home, or an office when home is False)."""
    if city is None:
        country = {"ru": "RU", "ua": "UA"}.get(p.culture) or ("GB" if rng.random() < 0.7 else "US")
        idx, weights = CITY_BY_COUNTRY[country]
        city = rng.choices(idx, weights)[0]
    p.city = city
    p.country = CITIES[city].country
    p.postcode = _postcode(rng, CITIES[city])
    p.address = _address(rng, p.country, home)


def _share_place(dst: Person, src: Person) -> None:
    dst.city, dst.country, dst.postcode, dst.address = src.city, src.country, src.postcode, src.address


def _mobile(rng: random.Random, p: Person) -> str:
    c = p.country
    if c == "RU":
        nat = "9" + _digits(rng, 9)
    elif c == "UA":
        nat = rng.choice(UA_MOBILE) + _digits(rng, 7)
    elif c == "GB":
        nat = "7" + str(rng.randint(1, 9)) + _digits(rng, 8)
    else:
        nat = rng.choice(CITIES[p.city].areas) + str(rng.randint(2, 9)) + _digits(rng, 6)
    return f"+{CC[c]}{nat}"


def _landline(rng: random.Random, city_idx: int) -> str:
    city = CITIES[city_idx]
    area = rng.choice(city.areas)
    rest = NATIONAL_DIGITS[city.country] - len(area) - 1
    return f"+{CC[city.country]}{area}{rng.randint(2, 9)}{_digits(rng, rest)}"


def _latin_parts(rng: random.Random, p: Person, nickname: bool = False) -> tuple[str, str]:
    """First name and surname as the person spells them in an email address."""
    first = rng.choice(DIMS[p.first]) if nickname and DIMS.get(p.first) else p.first
    if p.culture == "en":
        return _slug(first), _slug(p.last)
    schemes = ("gost", "bgn", "informal", "informal") if p.culture == "ru" else ("ua_national", "ua_informal")
    scheme = rng.choice(schemes)
    return _slug(_latin_name(rng, first, scheme)), _slug(translit(p.last, scheme, rng))


def _domain(rng: random.Random, culture: str, avoid: str = "") -> str:
    names, weights = MAIL_DOMAINS[culture]
    for _ in range(10):
        domain = rng.choices(names, weights)[0]
        if domain != avoid:
            return domain
    return "gmail.com" if avoid != "gmail.com" else "outlook.com"


def _personal_emails(rng: random.Random, p: Person) -> list[str]:
    """No, one or two private addresses built from the name (or a nickname) at the culture's usual providers."""
    if rng.random() < 0.12:
        return []
    out: list[str] = []
    for _ in range(2 if rng.random() < 0.3 else 1):
        domain = _domain(rng, p.culture, avoid=out[0].split("@")[1] if out else "")
        f, last = _latin_parts(rng, p, nickname=rng.random() < 0.12)
        yy = f"{p.birth.year % 100:02d}" if p.birth else str(rng.randint(1, 99))
        yyyy = str(p.birth.year) if p.birth else str(rng.randint(1970, 2005))
        for attempt in range(6):
            if rng.random() < 0.1:
                local = rng.choice(NICKS) + str(rng.randint(1, 2005))
            else:
                local = rng.choice(
                    (
                        f"{f}.{last}",
                        f"{f}{last}",
                        f"{f[0]}.{last}",
                        f"{f[0]}{last}",
                        f"{last}.{f}",
                        f"{f}_{last}",
                        f"{last}{yy}",
                        f"{f}.{last}{yy}",
                        f"{last}.{f[0]}",
                        f"{f}{last}{yyyy}",
                        f"{f}{yy}",
                    )
                )
            if attempt == 5:
                local += str(rng.randint(2, 9999))
            email = _claim(rng, f"{local}@{domain}")
            if email:
                out.append(email)
                break
    return out


def _claim(rng: random.Random, email: str) -> str | None:
    """Reserve an address for one person: distinct people share a mailbox only where a group says so."""
    taken = rng.taken if isinstance(rng, _Rng) else set()
    if email in taken:
        return None
    taken.add(email)
    return email


def _work_email(rng: random.Random, p: Person, domain: str, taken: set[str]) -> str:
    f, last = _latin_parts(rng, p)
    for local in (rng.choice((f"{f}.{last}", f"{f[0]}.{last}", f"{f[0]}{last}", last)), f"{f}.{last}", f"{f}{last}"):
        if local not in taken and _claim(rng, f"{local}@{domain}"):
            break
    else:
        local = f"{f}.{last}{len(taken) + 1}"  # two Ivan Petrovs in one company: the second one gets a number
        _claim(rng, f"{local}@{domain}")
    taken.add(local)
    return f"{local}@{domain}"


def _family_email(rng: random.Random, p: Person) -> str:
    _, last = _latin_parts(rng, p)
    if p.culture == "en":
        local = rng.choice((f"the{last}s", f"{last}.family", f"{last}family"))
    else:
        local = rng.choice((f"{last}y", f"{last}.family", f"semya.{last}", f"{last}{rng.randint(55, 99)}"))
    domain = _domain(rng, p.culture)
    return _claim(rng, f"{local}@{domain}") or _claim(rng, f"{local}{rng.randint(2, 9999)}@{domain}") or ""


def _new_person(rng: random.Random, culture: str, gender: str | None = None, born: tuple[int, int] = (1940, 2005)):
    """A person with a name, a father's name and a birth date; place and contacts come later."""
    gender = gender or rng.choice(("male", "female"))
    surname = rng.choice(SURNAMES[culture])
    p = Person(
        culture=culture,
        gender=gender,
        first=rng.choice(FIRST[culture, gender]),
        surname=surname,
        last=_gendered(surname, culture, gender),
        father=rng.choice(FIRST[culture, "male"]) if culture != "en" else None,
        birth=_random_date(rng, *born),
    )
    _settle(rng, p)
    return p


def _finish(
    rng: random.Random,
    p: Person,
    *,
    home: str | None = None,
    family_email: str | None = None,
    office: str | None = None,
    work_email: str | None = None,
) -> Person:
    """Phones and emails: a mobile, maybe a second SIM or a landline; shared home/office numbers and addresses."""
    phones = [_mobile(rng, p)] if rng.random() < 0.95 else []
    if rng.random() < 0.12:
        phones.append(_mobile(rng, p))
    if home is None and rng.random() < 0.3:
        home = _landline(rng, p.city)
    for shared, first_share in ((home, 0.4), (office, 0.6)):
        if shared:
            phones.insert(0 if rng.random() < first_share else len(phones), shared)
    emails = _personal_emails(rng, p)
    for shared, first_share in ((work_email, 0.75), (family_email, 0.45)):
        if shared:
            emails.insert(0 if rng.random() < first_share else len(emails), shared)
    if not phones and not emails:
        phones.append(_mobile(rng, p))
    p.phones, p.emails = phones, emails
    return p


def _other_first(rng: random.Random, culture: str, gender: str, avoid: str, initial: str = "") -> str:
    names = [n for n in FIRST[culture, gender] if n != avoid and n.startswith(initial)]
    return rng.choice(names or [n for n in FIRST[culture, gender] if n != avoid])


# ------------------------------------------------------------------------------------------------------ lookalikes


def _father_son(rng, culture, room):
    dad = _new_person(rng, culture, "male", born=(1940, 1978))
    son = _new_person(rng, culture, "male")
    son.first, son.surname, son.last = dad.first, dad.surname, dad.last
    son.father = dad.first if culture != "en" else None  # son's patronymic is the father's first name
    son.birth = _years_later(rng, dad.birth, 25, 35)
    _share_place(son, dad)
    home = _landline(rng, dad.city)
    family = _family_email(rng, dad) if rng.random() < 0.4 else None
    return [_finish(rng, q, home=home, family_email=family) for q in (dad, son)]


def _mother_daughter(rng, culture, room):
    mom = _new_person(rng, culture, "female", born=(1940, 1982))
    girl = _new_person(rng, culture, "female")
    girl.first = _other_first(rng, culture, "female", mom.first)
    girl.surname, girl.last = mom.surname, mom.last
    girl.birth = _years_later(rng, mom.birth, 20, 35)
    _share_place(girl, mom)
    home = _landline(rng, mom.city)
    family = _family_email(rng, mom) if rng.random() < 0.3 else None
    return [_finish(rng, q, home=home, family_email=family) for q in (mom, girl)]


def _spouses(rng, culture, room):
    man = _new_person(rng, culture, "male", born=(1945, 2000))
    wife = _new_person(rng, culture, "female")
    wife.surname, wife.last = man.surname, _gendered(man.surname, culture, "female")
    wife.birth = _random_date(rng, max(1940, man.birth.year - 8), min(2005, man.birth.year + 4))
    _share_place(wife, man)
    home = _landline(rng, man.city)
    family = _family_email(rng, man) if rng.random() < 0.35 else None
    return [_finish(rng, q, home=home, family_email=family) for q in (man, wife)]


def _twins(rng, culture, room):
    a = _new_person(rng, culture, born=(1945, 2005))
    b = _new_person(rng, culture)
    b.first = _other_first(rng, culture, b.gender, a.first, a.first[0] if rng.random() < 0.4 else "")
    b.surname, b.last = a.surname, _gendered(a.surname, culture, b.gender)
    b.father, b.birth = a.father, a.birth
    _share_place(b, a)
    home = _landline(rng, a.city) if rng.random() < 0.7 else None
    return [_finish(rng, q, home=home) for q in (a, b)]


def _colleagues(rng, culture, room):
    domain = rng.choice(COMPANIES[culture])
    office = _new_person(rng, culture)
    _settle(rng, office, home=False)
    phone = _landline(rng, office.city)
    taken: set[str] = set()
    people = []
    for _ in range(min(room, rng.choices((2, 3, 4, 5), (40, 30, 20, 10))[0])):
        p = _new_person(rng, culture, born=(1955, 2003))
        _share_place(p, office)  # B2B records carry the office address, not the home one
        people.append(_finish(rng, p, office=phone, work_email=_work_email(rng, p, domain, taken)))
    return people


def _namesakes(rng, culture, room):
    a = _new_person(rng, culture)
    same_city, same_father, no_birth = rng.random() < 0.5, rng.random() < 0.3, rng.random() < 0.35
    people = [a]
    for _ in range(min(room, rng.choice((2, 2, 3))) - 1):
        b = _new_person(rng, culture, a.gender)
        b.first, b.surname, b.last = a.first, a.surname, a.last
        if same_father:
            b.father = a.father
        if same_city:
            _settle(rng, b, city=a.city)
        people.append(b)
    for p in people:
        if no_birth:
            p.birth = None  # only contact data tells these apart
        _finish(rng, p)
    return people


LOOKALIKES = {
    "father_son": (20, _father_son),
    "mother_daughter": (15, _mother_daughter),
    "spouses": (20, _spouses),
    "twins": (10, _twins),
    "colleagues": (20, _colleagues),
    "namesakes": (15, _namesakes),
}


# ------------------------------------------------------------------------------------------------------ records


def _moment(rng: random.Random, after: str | None = None) -> str:
    start = datetime.fromisoformat(after) + timedelta(days=30) if after else datetime(2017, 1, 1)
    end = min(start + timedelta(days=540), datetime(2025, 12, 31)) if after else datetime(2025, 6, 30)
    span = max(1, int((end - start).total_seconds()))
    return (start + timedelta(seconds=rng.randrange(span))).isoformat(timespec="seconds")


def _base_spec(rng: random.Random, p: Person) -> dict:
    """How the person's first record is typed; duplicates copy it and change a few things."""
    cyr = p.culture != "en"
    return {
        "lang": "ru" if p.culture == "ua" and rng.random() < 0.2 else "native",  # Russian-speaking Ukraine
        "first": "full",
        "dim": 0,
        "middle": cyr and rng.random() < 0.7,
        "yo": rng.random() < 0.5,  # many people type е for ё
        "script": "cyr" if cyr else "lat",
        "married": False,
        "typo": None,
        "case": rng.choices(CASES, (92, 4, 4))[0],
        "layout": "normal",
        "fio_order": "lfm",
        "birth": p.birth.isoformat() if p.birth and rng.random() < 0.88 else None,
        "gender": rng.random() < 0.8,
        "emails": p.emails[:1] + (p.emails[1:2] if rng.random() < 0.15 else []),
        "phones": p.phones[:1] + (p.phones[1:2] if rng.random() < 0.2 else []),
        "city_form": 0 if rng.random() < 0.7 else rng.randrange(len(CITIES[p.city].forms)),
        "postcode": "ok" if rng.random() < 0.85 else "missing",
        "street_fmt": rng.choices(range(len(STREET_FORMAT_WEIGHTS[p.country])), STREET_FORMAT_WEIGHTS[p.country])[0],
        "drop": [],
        "touched": [],
        "source": rng.choice(SOURCES),
        "updated_at": _moment(rng),
    }


def _own_names(p: Person, spec: dict) -> tuple[str, str | None, str]:
    """First name, patronymic and surname in the record's language, before script, initials and slips."""
    as_ru = p.culture == "ua" and spec["lang"] == "ru"
    first = UA_TO_RU.get(p.first, p.first) if as_ru else p.first
    last = p.married if spec["married"] and p.married else p.last
    if as_ru:
        last = _russify(last)
    middle = None
    if spec["middle"] and p.father:
        if as_ru or p.culture == "ru":
            middle = ru_patronymic(UA_TO_RU.get(p.father, p.father), p.gender)
        else:
            middle = ua_patronymic(p.father, p.gender)
    if spec["first"] == "dim" and DIMS.get(first):
        first = DIMS[first][spec["dim"] % len(DIMS[first])]
    return first, middle, last


def _typed_names(rng: random.Random, p: Person, spec: dict) -> tuple[str | None, str | None, str | None]:
    first, middle, last = _own_names(p, spec)
    if not spec["yo"]:
        first, middle, last = _plain_e(first), _plain_e(middle), _plain_e(last)
    scheme = spec["script"]
    if scheme not in ("cyr", "lat"):
        first, last = _latin_name(rng, first, scheme), translit(last, scheme, rng)
        middle = translit(middle, scheme, rng) if middle else None
    initials = spec["first"] in ("init1", "init2")
    if initials:
        letters = [first[0]] + ([middle[0]] if spec["first"] == "init2" and middle else [])
        first, middle = rng.choice((".", ". ")).join(letters) + ".", None
    if spec["typo"] == "first" and not initials:
        first = _typo(rng, first)
    elif spec["typo"]:
        last = _typo(rng, last)
    if spec["layout"] == "swap":
        first, last = last, first
    elif spec["layout"] in ("fio_last", "fio_first"):
        order = spec["fio_order"]
        if order == "l,fm":
            full = f"{last}, " + " ".join(x for x in (first, middle) if x)
        else:
            full = " ".join(x for x in ((last, first, middle) if order == "lfm" else (first, middle, last)) if x)
        first, middle, last = (None, None, full) if spec["layout"] == "fio_last" else (full, None, None)
    if spec["case"] != "as_is":
        change = str.upper if spec["case"] == "upper" else str.lower
        first, middle, last = (change(x) if x else x for x in (first, middle, last))
    return first, middle, last


def _street_text(rng: random.Random, p: Person, fmt: int) -> str:
    """The address line in one of the ways people type it (format numbers differ per country)."""
    idx, house, b, f = p.address
    if p.country == "RU":
        kind, name = RU_STREETS[idx]
        abbr, full, latin, terse = RU_STREET_TYPES[kind]
        if fmt == 0:
            return f"{abbr} {name}, д. {house}" + (f", корп. {b}" if b else "") + (f", кв. {f}" if f else "")
        if fmt == 1:
            head = "" if kind == "ул" else f"{terse} "
            return f"{head}{name} {house}" + (f"к{b}" if b else "") + (f"-{f}" if f else "")
        if fmt == 2:
            return f"{latin} {translit(name, 'bgn', rng)} {house}" + (f" k{b}" if b else "") + (f" kv {f}" if f else "")
        if fmt == 3:
            return f"{full} {name}, дом {house}" + (f", корпус {b}" if b else "") + (f", квартира {f}" if f else "")
        if fmt == 4:
            return f"{terse} {name} д{house}" + (f" к{b}" if b else "") + (f" кв{f}" if f else "")
        sep = "" if abbr.endswith(".") else " "
        return f"{abbr}{sep}{name}, {house}" + (f"/{b}" if b else "") + (f"-{f}" if f else "")
    if p.country == "UA":
        kind, ua, ru = UA_STREETS[idx]
        abbr, full, latin, ru_abbr = UA_STREET_TYPES[kind]
        block, flat = (f", корп. {b}" if b else ""), (f", кв. {f}" if f else "")
        if fmt == 0:
            return f"{abbr} {ua}, {house}{block}{flat}"
        if fmt == 1:
            return f"{abbr} {ua} {house}" + (f"к{b}" if b else "") + (f"/{f}" if f else "")
        if fmt == 2:
            return f"{full} {ua}, буд. {house}{block}{flat}"
        if fmt == 3:
            ua_lat = translit(ua, "ua_national", rng)
            return f"{latin} {ua_lat} {house}" + (f" k{b}" if b else "") + (f", kv. {f}" if f else "")
        if fmt == 4:
            return f"{ru_abbr} {ru}, д. {house}{block}{flat}"  # typed in Russian
        return f"{ua} {house}" + (f"/{b}" if b else "") + (f"-{f}" if f else "")
    name, suffix = EN_STREETS[idx]
    abbr = EN_ABBR[suffix]
    if p.country == "GB":
        if fmt == 0:
            return (f"Flat {f}, " if f else "") + f"{house} {name} {suffix}"
        if fmt == 1:
            return (f"Flat {f} " if f else "") + f"{house} {name} {abbr}"
        if fmt == 2:
            return ((f"flat {f}, " if f else "") + f"{house} {name} {abbr}.").lower()
        return f"{f}/{house} {name} {suffix}" if f else f"{house}, {name} {suffix}"
    if fmt == 0:
        return f"{house} {name} {suffix}" + (f" Apt {f}" if f else "")
    if fmt == 1:
        return f"{house} {name} {abbr}." + (f", Apt. {f}" if f else "")
    if fmt == 2:
        return f"{house} {name} {abbr}" + (f" #{f}" if f else "")
    return (f"{house} {name} {abbr}" + (f" APT {f}" if f else "")).upper()


def _render(rng: random.Random, p: Person, spec: dict) -> dict:
    """A plain record from a person and a typing spec (missing values left out)."""
    first, middle, last = _typed_names(rng, p, spec)
    postcode = None if spec["postcode"] == "missing" else p.postcode
    if postcode and spec["postcode"] == "format":
        postcode = rng.choice((postcode.lower(), postcode.replace(" ", "")))
    rec = {
        "first_name": first,
        "last_name": last,
        "middle_name": middle,
        "birth_date": spec["birth"],
        "gender": p.gender if spec["gender"] else None,
        "emails": list(spec["emails"]),
        "phones": list(spec["phones"]),
        "city": CITIES[p.city].forms[spec["city_form"]],
        "postcode": postcode,
        "street": _street_text(rng, p, spec["street_fmt"]),
        "country": p.country,
        "kind": "person",
        "source": spec["source"],
        "updated_at": spec["updated_at"],
    }
    for key in spec["drop"]:
        rec[key] = None
    return {k: v for k, v in rec.items() if v not in (None, "", [])}


# ------------------------------------------------------------------------------------------------------ variants
# Each takes (rng, person, spec), changes the spec and returns a label, or returns None (spec untouched) when it does
# not apply to this record.


def _free(spec: dict, name: str) -> bool:
    return name not in spec["drop"]


def _v_translit(rng, p, spec):
    if p.culture == "en" or spec["script"] != "cyr":
        return None
    if p.culture == "ru" or spec["lang"] == "ru":
        schemes, weights = ("gost", "bgn", "informal"), (3, 2, 3)
    else:
        schemes, weights = ("ua_national", "ua_informal"), (3, 2)
    spec["script"] = rng.choices(schemes, weights)[0]
    if rng.random() < 0.5:
        spec["middle"] = False  # passports and foreign shops rarely carry a patronymic
    return f"translit:{spec['script']}"


def _v_ua_ru(rng, p, spec):
    if p.culture != "ua" or spec["script"] != "cyr":
        return None
    before = _own_names(p, spec)
    spec["lang"] = "ru" if spec["lang"] == "native" else "native"
    if _own_names(p, spec) == before:  # Тарас Бойко is the same in both languages
        spec["lang"] = "ru" if spec["lang"] == "native" else "native"
        return None
    return "ua_ru_form:" + ("ru" if spec["lang"] == "ru" else "uk")


def _v_diminutive(rng, p, spec):
    if spec["first"] != "full" or not DIMS.get(_own_names(p, spec)[0]):
        return None
    spec["first"], spec["dim"] = "dim", rng.randrange(6)
    if rng.random() < 0.6:
        spec["middle"] = False  # "Саша Иванович" is rare
    return "diminutive"


def _v_yo(rng, p, spec):
    if spec["script"] != "cyr" or not any(x and "ё" in x for x in _own_names(p, spec)):
        return None
    spec["yo"] = not spec["yo"]
    return "yo_e:" + ("ё" if spec["yo"] else "е")


def _v_swap(rng, p, spec):
    if spec["layout"] != "normal":
        return None
    spec["layout"] = "swap"
    return "swap_fields"


def _v_fio(rng, p, spec):
    if spec["layout"] != "normal":
        return None
    spec["layout"] = rng.choice(("fio_last", "fio_first"))
    if p.culture == "en":
        spec["fio_order"] = rng.choices(("fml", "lfm", "l,fm"), (70, 10, 20))[0]
    else:
        spec["fio_order"] = rng.choices(("lfm", "fml"), (80, 20))[0]
        spec["middle"] = spec["middle"] or rng.random() < 0.5  # a full ФИО is usually typed in full
    return "one_field_fio:" + spec["layout"][4:]


def _v_initials(rng, p, spec):
    if spec["first"] != "full" or spec["typo"] == "first":
        return None
    spec["first"] = "init2" if spec["middle"] and rng.random() < 0.6 else "init1"
    return "initials:" + ("two" if spec["first"] == "init2" else "one")


def _v_typo(rng, p, spec):
    if spec["typo"]:
        return None
    spec["typo"] = "last" if spec["first"] != "full" or rng.random() < 0.6 else "first"
    return "typo:" + spec["typo"]


def _v_patronymic(rng, p, spec):
    if p.father is None or spec["first"] in ("init1", "init2") or not _free(spec, "middle_name"):
        return None
    spec["middle"] = not spec["middle"]
    spec["touched"].append("middle_name")
    return "patronymic:" + ("added" if spec["middle"] else "missing")


def _v_birth(rng, p, spec):
    if not spec["birth"] or not _free(spec, "birth_date"):
        return None
    born = date.fromisoformat(spec["birth"])
    kinds = ["year", "day"] + (["missing"] if spec["emails"] or spec["phones"] else [])
    if born.day <= 12 and born.month <= 12 and born.day != born.month:
        kinds += ["day_month_swap"] * 2
    kind = rng.choice(kinds)
    new: date | None = None
    if kind == "day_month_swap":
        new = date(born.year, born.day, born.month)
    elif kind == "year":
        for _ in range(10):
            pos = rng.choice((2, 3))  # the decade or the last digit: 1985 -> 1975 / 1986
            digits = str(born.year)
            year = int(digits[:pos] + rng.choice([d for d in "0123456789" if d != digits[pos]]) + digits[pos + 1 :])
            if year <= 2010:
                try:
                    new = born.replace(year=year)
                    break
                except ValueError:  # 29 February
                    continue
    elif kind == "day":
        for _ in range(10):
            digits = f"{born.day:02d}"
            pos = rng.randrange(2)
            day = int(digits[:pos] + rng.choice("0123456789") + digits[pos + 1 :])
            try:
                if day != born.day:
                    new = born.replace(day=day)
                    break
            except ValueError:
                continue
    if kind != "missing" and new is None:
        return None
    spec["birth"] = new.isoformat() if new else None
    spec["touched"].append("birth_date")
    return f"birth_date:{kind}"


def _v_phone(rng, p, spec):
    cur = spec["phones"]
    others = [x for x in p.phones if x not in cur]
    kinds = ["missing"] if cur and (spec["emails"] or spec["birth"]) else []
    kinds += (["second", "other"] if cur else ["other"]) if others else []
    if not kinds:
        return None
    kind = rng.choice(kinds)
    if kind == "missing":
        spec["phones"] = []
    elif kind == "second":
        spec["phones"] = cur + [rng.choice(others)]
    else:
        spec["phones"] = [rng.choice(others)]
    return f"phone:{kind}"


def _v_email(rng, p, spec):
    cur = spec["emails"]
    if not cur:
        return None
    local, domain = cur[0].split("@")
    others = [e for e in p.emails if e not in cur]
    kinds = ["upper"] + (["missing"] if spec["phones"] or spec["birth"] else [])
    kinds += ["gmail_dots"] * 2 if domain in GMAIL else []
    kinds += ["plus_tag"] if domain in PLUS_OK else []
    kinds += ["domain_alias"] if any(domain in group for group in ALIASES) else []
    kinds += ["other_address", "second"] if others else []
    kind = rng.choice(kinds)
    if kind == "missing":
        spec["emails"] = []
        return "email:missing"
    if kind == "other_address":
        spec["emails"] = [rng.choice(others)]
    elif kind == "second":
        spec["emails"] = cur + [rng.choice(others)]
    else:
        if kind == "gmail_dots":
            if "." in local:
                local = local.replace(".", "")
            else:
                i = rng.randrange(1, len(local)) if len(local) > 1 else 1
                local = local[:i] + "." + local[i:]
        elif kind == "plus_tag":
            local = f"{local}+{rng.choice(PLUS_TAGS)}"
        elif kind == "domain_alias":
            group = next(g for g in ALIASES if domain in g)
            domain = rng.choice([d for d in group if d != domain])
        elif rng.random() < 0.5:
            local, domain = local.upper(), domain.upper()
        else:
            local = ".".join(part[:1].upper() + part[1:] for part in local.split("."))
            domain = domain[:1].upper() + domain[1:]
        spec["emails"] = [f"{local}@{domain}"] + cur[1:]
    return f"email:{kind}"


def _v_city(rng, p, spec):
    forms = CITIES[p.city].forms
    if not _free(spec, "city") or len(forms) < 2:
        return None
    spec["city_form"] = rng.choice([i for i in range(len(forms)) if i != spec["city_form"]])
    spec["touched"].append("city")
    return "city"


def _v_postcode(rng, p, spec):
    if spec["postcode"] != "ok" or not _free(spec, "postcode"):
        return None
    spec["postcode"] = rng.choice(("missing", "format")) if p.country == "GB" else "missing"
    spec["touched"].append("postcode")
    return f"postcode:{spec['postcode']}"


def _v_street(rng, p, spec):
    if not _free(spec, "street"):
        return None
    count = len(STREET_FORMAT_WEIGHTS[p.country])
    spec["street_fmt"] = rng.choice([i for i in range(count) if i != spec["street_fmt"]])
    spec["touched"].append("street")
    return "street_format"


def _v_missing(rng, p, spec):
    present = ["city", "street", "country"] + (["gender"] if spec["gender"] else [])
    present += ["postcode"] if spec["postcode"] != "missing" else []
    present += ["birth_date"] if spec["birth"] and (spec["emails"] or spec["phones"]) else []
    if spec["middle"] and spec["layout"] in ("normal", "swap") and spec["first"] not in ("init1", "init2"):
        present.append("middle_name")
    present = [f for f in present if f not in spec["touched"] and f not in spec["drop"]]
    if not present:
        return None
    spec["drop"] += rng.sample(present, min(len(present), rng.choice((1, 1, 2))))
    return "missing_fields"


def _v_case(rng, p, spec):
    spec["case"] = rng.choice([c for c in CASES if c != spec["case"]])
    return f"case:{spec['case']}"


VARIANTS = (
    ("translit", 3.0, _v_translit),
    ("ua_ru_form", 2.5, _v_ua_ru),
    ("diminutive", 2.5, _v_diminutive),
    ("yo_e", 2.0, _v_yo),
    ("swap_fields", 1.2, _v_swap),
    ("one_field_fio", 1.2, _v_fio),
    ("initials", 1.0, _v_initials),
    ("typo", 2.5, _v_typo),
    ("patronymic", 1.5, _v_patronymic),
    ("birth_date", 2.0, _v_birth),
    ("phone", 2.0, _v_phone),
    ("email", 2.5, _v_email),
    ("city", 1.5, _v_city),
    ("postcode", 1.0, _v_postcode),
    ("street_format", 1.5, _v_street),
    ("missing_fields", 1.2, _v_missing),
    ("case", 0.8, _v_case),
)
# Pairs that would undo or blur each other on one record.
CONFLICTS = {
    frozenset(pair)
    for pair in (
        ("translit", "yo_e"),
        ("diminutive", "initials"),
        ("swap_fields", "one_field_fio"),
        ("initials", "patronymic"),
        ("diminutive", "patronymic"),
        ("translit", "ua_ru_form"),
    )
}


def _duplicate(rng: random.Random, p: Person, base: dict) -> tuple[dict, list[str]]:
    """Another record of the same person: the first record's spec with one to three variants applied."""
    spec = {k: list(v) if isinstance(v, list) else v for k, v in base.items()}
    spec["drop"], spec["touched"] = [], []
    spec["source"], spec["updated_at"] = rng.choice(SOURCES), _moment(rng)
    labels = []
    if p.gender == "female" and (p.birth is None or p.birth.year < 2003) and rng.random() < MAIDEN_SHARE:
        if p.married is None:
            surname = rng.choice([s for s in SURNAMES[p.culture] if s != p.surname])
            p.married = _gendered(surname, p.culture, "female")
        spec["married"] = True
        spec["updated_at"] = _moment(rng, after=base["updated_at"])  # the married name is the newer one
        labels.append("maiden_name")
    want = rng.choices((1, 2, 3), (45, 35, 20))[0]
    # Weighted order without replacement (Efraimidis-Spirakis keys), then the first applicable ones.
    order = sorted(VARIANTS, key=lambda v: rng.random() ** (1.0 / v[1]), reverse=True)
    used: list[str] = []
    for name, _weight, fn in order:
        if len(used) == want:
            break
        if any(frozenset((name, u)) in CONFLICTS for u in used):
            continue
        label = fn(rng, p, spec)
        if label:
            used.append(name)
            labels.append(label)
    return spec, labels


# ------------------------------------------------------------------------------------------------------ assembly


def _people(rng: random.Random, people: int) -> tuple[list[Person], Counter, Counter]:
    persons: list[Person] = []
    groups: Counter = Counter()
    members: Counter = Counter()
    kinds = list(LOOKALIKES)
    weights = [LOOKALIKES[k][0] for k in kinds]

    def add(p: Person, group: int | None = None) -> None:
        p.pid, p.group = len(persons), group
        persons.append(p)

    target = round(people * LOOKALIKE_SHARE)
    while len(persons) < target and people - len(persons) >= 2:
        kind = rng.choices(kinds, weights)[0]
        culture = rng.choices(CULTURES, CULTURE_WEIGHTS)[0]
        group = LOOKALIKES[kind][1](rng, culture, people - len(persons))
        gid = sum(groups.values())
        for p in group:
            add(p, gid)
        groups[kind] += 1
        members[kind] += len(group)
    while len(persons) < people:
        add(_finish(rng, _new_person(rng, rng.choices(CULTURES, CULTURE_WEIGHTS)[0])))
    return persons, groups, members


class _Rng(random.Random):
    """The seeded generator, carrying the email addresses already given out in this build."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.taken: set[str] = set()


def _build(people: int, seed: int) -> tuple[list[dict], set[frozenset[str]], dict]:
    rng = _Rng(seed)
    persons, groups, members = _people(rng, people)
    drafts: list[tuple[int, dict]] = []
    variants: Counter = Counter()
    with_dups = 0
    for p in persons:
        base = _base_spec(rng, p)
        specs = [base]
        if rng.random() < DUP_SHARE:
            with_dups += 1
            for _ in range(rng.choices((1, 2, 3), (60, 28, 12))[0]):
                spec, labels = _duplicate(rng, p, base)
                specs.append(spec)
                variants.update(labels)
        drafts += [(p.pid, _render(rng, p, spec)) for spec in specs]
    ids: set[str] = set()
    records, by_person = [], defaultdict(list)
    for pid, rec in drafts:
        rid = f"hc_{rng.getrandbits(40):010x}"
        while rid in ids:
            rid = f"hc_{rng.getrandbits(40):010x}"
        ids.add(rid)
        records.append({"id": rid, **rec})
        by_person[pid].append(rid)
    rng.shuffle(records)
    pairs = {frozenset(pair) for rids in by_person.values() for pair in combinations(rids, 2)}
    by_group = defaultdict(list)
    for p in persons:
        if p.group is not None:
            by_group[p.group].append(len(by_person[p.pid]))
    negatives = sum(a * b for sizes in by_group.values() for a, b in combinations(sizes, 2))
    stats = {
        "persons": len(persons),
        "with_dups": with_dups,
        "variants": variants,
        "groups": groups,
        "members": members,
        "negative_pairs": negatives,
    }
    return records, pairs, stats


def generate(people: int = 4000, seed: int = 0) -> tuple[list[dict], set[frozenset[str]]]:
    """Records (shuffled, opaque ids) and the set of true duplicate pairs, deterministic in (people, seed)."""
    records, pairs, _ = _build(people, seed)
    return records, pairs


def summary(people: int = 4000, seed: int = 0) -> str:
    """A text summary of one generated set: sizes, duplicate share, variant and lookalike counts."""
    records, pairs, stats = _build(people, seed)
    n = stats["persons"]
    in_groups = sum(stats["members"].values())
    lines = [
        f"records                {len(records)}",
        f"persons                {n}",
        f"true pairs             {len(pairs)}",
        f"persons with dups      {stats['with_dups']} ({stats['with_dups'] / n:.1%})",
        f"extra records          {len(records) - n}",
        f"lookalike persons      {in_groups} ({in_groups / n:.1%}) in {sum(stats['groups'].values())} groups",
        f"hard-negative pairs    {stats['negative_pairs']} (record pairs of distinct people in one lookalike group)",
        "variant kinds (per extra record, 1-3 each):",
    ]
    lines += [f"  {k:<28} {v}" for k, v in sorted(stats["variants"].items())]
    lines.append("lookalike kinds:")
    lines += [f"  {k:<28} groups {stats['groups'][k]:<5} persons {stats['members'][k]}" for k in LOOKALIKES]
    return "\n".join(lines)


def main() -> None:
    """Command line: write records and truth with --out, otherwise print a summary."""
    parser = argparse.ArgumentParser(description="Hard RU/UA/EN duplicate-detection cases with known truth.")
    parser.add_argument("--people", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="JSON-lines file for the records; truth goes to <out>.truth.json")
    args = parser.parse_args()
    if not args.out:
        print(summary(args.people, args.seed))
        return
    records, pairs = generate(args.people, args.seed)
    with args.out.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    truth = Path(f"{args.out}.truth.json")
    truth.write_text(json.dumps(sorted(sorted(pair) for pair in pairs)), encoding="utf-8")
    print(f"wrote {len(records)} records to {args.out} and {len(pairs)} true pairs to {truth}")


if __name__ == "__main__":
    main()
