"""City aliases (abbreviations, old names, Ukrainian and English spellings) -> one canonical name.

Only names whose spellings do not fold together by transliteration need listing; "Казань"/"Kazan"
already match through the Latin skeleton.
"""

from __future__ import annotations

CITY_ALIASES: dict[str, tuple[str, ...]] = {
    "Москва": ("Мск", "Msk", "Moscow", "Moskva", "Moskau", "г. Москва"),
    "Санкт-Петербург": ("СПб", "С.-Петербург", "С-Петербург", "Питер", "Петербург", "Ленинград", "SPb",
                        "St Petersburg", "St. Petersburg", "Saint Petersburg", "Saint-Petersburg",
                        "Sankt-Peterburg", "Petersburg", "Leningrad", "Санкт-Петербург"),
    "Нижний Новгород": ("Н. Новгород", "Н.Новгород", "Нижний", "ННовгород", "Nizhny Novgorod",
                        "Nizhniy Novgorod", "N. Novgorod", "Горький"),
    "Екатеринбург": ("Екб", "Ебург", "Свердловск", "Yekaterinburg", "Ekaterinburg"),
    "Новосибирск": ("Нск", "Новосиб", "Novosibirsk"),
    "Ростов-на-Дону": ("Ростов", "Rostov-on-Don", "Rostov-na-Donu", "Rostov"),
    "Великий Новгород": ("Новгород", "Veliky Novgorod"),
    "Киев": ("Київ", "Kyiv", "Kiev", "Kyjiv"),
    "Харьков": ("Харків", "Kharkiv", "Kharkov"),
    "Одесса": ("Одеса", "Odesa", "Odessa"),
    "Днепр": ("Дніпро", "Днепропетровск", "Дніпропетровськ", "Dnipro", "Dnepr", "Dnipropetrovsk"),
    "Львов": ("Львів", "Lviv", "Lvov", "Lwow", "Lemberg"),
    "Запорожье": ("Запоріжжя", "Zaporizhzhia", "Zaporozhye", "Zaporizhia"),
    "Николаев": ("Миколаїв", "Mykolaiv", "Nikolaev"),
    "Кривой Рог": ("Кривий Ріг", "Kryvyi Rih", "Krivoy Rog"),
    "Ивано-Франковск": ("Івано-Франківськ", "Ivano-Frankivsk", "Франик"),
    "Винница": ("Вінниця", "Vinnytsia", "Vinnitsa"),
    "Чернигов": ("Чернігів", "Chernihiv", "Chernigov"),
    "Ровно": ("Рівне", "Rivne"),
    "Минск": ("Мінск", "Minsk"),
    "Алматы": ("Алма-Ата", "Almaty", "Alma-Ata"),
    "Лондон": ("London",),
    "Нью-Йорк": ("New York", "NYC", "New York City", "NY"),
}

# Words that mark a settlement type and carry no identity ("г. Москва", "city of London").
CITY_PREFIXES: tuple[str, ...] = ("г", "гор", "город", "м", "місто", "city", "пгт", "смт", "с", "село", "пос",
                                  "посёлок", "поселок", "дер", "деревня")

# Street-type words and abbreviations dropped before comparing street addresses.
STREET_WORDS: tuple[str, ...] = (
    "ул", "улица", "вул", "вулиця", "пр", "пр-т", "просп", "проспект", "пр-кт", "пер", "переулок", "пров",
    "провулок", "ш", "шоссе", "шосе", "б-р", "бул", "бульвар", "наб", "набережная", "набережна", "пл", "площадь",
    "площа", "проезд", "туп", "тупик", "д", "дом", "буд", "будинок", "к", "корп", "корпус", "стр", "строение",
    "кв", "квартира", "оф", "офис", "офіс", "street", "st", "str", "road", "rd", "avenue", "ave", "av", "lane",
    "ln", "boulevard", "blvd", "apt", "apartment", "flat", "unit", "suite", "ste", "house", "bldg", "building",
    "ulitsa", "ul", "prospekt", "pr-t", "pereulok", "per", "dom", "kv", "vul", "vulytsia",
)
