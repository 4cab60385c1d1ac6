"""Cyrillic -> Latin transliteration (several national schemes) and spelling-independent name keys.

Two keys serve matching: `skeleton` is a lower-case Latin form on which every common transliteration
of a name converges ("Юлия", "Yulia", "Julia", "Iuliia" -> "iulia"), good for fuzzy comparison;
`phonetic_key` drops vowels after the first letter and devoices the end, for blocking.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from types import MappingProxyType

_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ы": "y", "э": "e", "ю": "yu", "я": "ya",
    "ъ": "", "ь": "", "й": "y", "ё": "yo", "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}

# Scheme tables only list the letters that differ from _COMMON.
_SCHEMES: dict[str, dict[str, str]] = {
    # ISO 9:1995 / GOST 7.79-2000 system A: one Latin letter (with diacritics) per Cyrillic letter.
    "iso9": {"ж": "ž", "й": "j", "х": "h", "ц": "c", "ч": "č", "ш": "š", "щ": "ŝ", "ъ": "ʺ", "ь": "ʹ",
             "э": "è", "ю": "û", "я": "â", "ё": "ë", "є": "ê", "ї": "ï", "ґ": "g̀"},
    # GOST 7.79-2000 system B: ASCII only.
    "gost": {"й": "j", "х": "x", "ц": "cz", "щ": "shh", "ъ": "``", "ы": "y'", "ь": "`", "э": "e'", "ё": "yo",
             "є": "ye", "ї": "yi"},
    # BGN/PCGN 1947 (Russian); "е" as "ye" word-initially and after vowels is handled in transliterate().
    "bgn": {"ё": "ë", "ъ": "ʺ", "ь": "ʹ"},
    # ICAO Doc 9303 (2013), used in Russian passports since 2014.
    "icao": {"ё": "e", "й": "i", "ъ": "ie", "ю": "iu", "я": "ia"},
    # Ukrainian national standard (Cabinet resolution 55, 2010): г -> h; initial forms handled below.
    "ua": {"г": "h", "и": "y", "й": "i", "ю": "iu", "я": "ia", "є": "ie", "ї": "i", "ь": "", "щ": "shch"},
}
SCHEMES: tuple[str, ...] = tuple(_SCHEMES)

_TABLES = MappingProxyType({name: MappingProxyType({**_COMMON, **diff}) for name, diff in _SCHEMES.items()})
# Ukrainian letters that take their "y" form at the start of a word.
_UA_INITIAL = MappingProxyType({"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"})
_VOWELS_CYR = frozenset("аеёиоуыэюяіїє")

# The folding table used for matching: ё folded to е, soft and hard signs dropped.
_FOLD = MappingProxyType({**_COMMON, "ё": "e", "ъ": "", "ь": "", "'": "", "’": "", "ʼ": ""})


def is_cyrillic(text: str) -> bool:
    """True when the text contains at least one Cyrillic letter."""
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def fold_yo(text: str) -> str:
    """Fold ё to е (and Ё to Е), the usual matching convention for Russian."""
    return text.replace("ё", "е").replace("Ё", "Е")


def transliterate(text: str, scheme: str = "icao") -> str:
    """Transliterate Cyrillic text to Latin under a named scheme (iso9, gost, bgn, icao, ua)."""
    table = _TABLES[scheme]
    out: list[str] = []
    prev = ""
    for index, ch in enumerate(text):
        low = ch.lower()
        if low not in table:
            out.append(ch)
            prev = low
            continue
        word_start = not prev.isalpha()
        latin = table[low]
        if scheme == "ua" and word_start and low in _UA_INITIAL:
            latin = _UA_INITIAL[low]
        elif scheme == "ua" and low == "г" and prev == "з":
            latin = "gh"  # "зг" is spelled "zgh" so it is not read as "zh"
        elif scheme == "bgn" and low == "е" and (word_start or prev in _VOWELS_CYR or prev in "йъь"):
            latin = "ye"
        if ch != low and latin:
            nxt = text[index + 1] if index + 1 < len(text) else ""
            # A whole word in capitals keeps capitals ("ЩУКИН" -> "SHCHUKIN"); otherwise title case.
            latin = latin.upper() if nxt.isupper() else latin[0].upper() + latin[1:]
        out.append(latin)
        prev = low
    return "".join(out)


def variants(text: str) -> set[str]:
    """All transliterations of a text under every supported scheme (the text itself if not Cyrillic)."""
    if not is_cyrillic(text):
        return {text}
    return {transliterate(text, scheme) for scheme in SCHEMES}


# Latin letters with diacritics that stand for a digraph in ASCII schemes.
_DIACRITIC_DIGRAPHS = MappingProxyType({
    "ž": "zh", "č": "ch", "š": "sh", "ŝ": "shch", "û": "yu", "â": "ya", "ë": "e", "ê": "ye", "ï": "yi",
    "ß": "ss", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ʹ": "", "ʺ": "", "`": "", "'": "", "’": "",
})
# Order matters: longer sequences first. Upper-case letters are internal symbols for one sound each.
_DIGRAPHS = (
    ("shch", "S"), ("tsch", "C"), ("shh", "S"), ("sch", "S"), ("sh", "S"), ("tch", "C"), ("ch", "C"),
    ("cz", "C"), ("zh", "Z"), ("kh", "h"), ("ts", "Q"), ("tz", "Q"), ("ph", "f"), ("th", "t"), ("x", "ks"),
    ("ck", "k"), ("q", "k"), ("w", "v"), ("gh", "g"),
)
_SOFT_C = re.compile(r"c(?=[eiy])")
_INITIAL_GLIDE_E = re.compile(r"^[iyj]+(?=e)")
_GLIDE_E_AFTER_VOWEL = re.compile(r"(?<=[aeiou])[iyj]+(?=e)")
_GLIDE = re.compile(r"[iyj]+(?=[aeou])")
_FINAL_I = re.compile(r"[iyj]+$")
_DOUBLE = re.compile(r"(.)\1+")
_FINAL_OFF = re.compile(r"(?<=[oe])f$")
_NON_LETTER = re.compile(r"[^a-zA-Z]+")


def _latin_word(word: str) -> str:
    """Skeleton of one word that is already in Latin letters (lower-case)."""
    word = "".join(_DIACRITIC_DIGRAPHS.get(ch, ch) for ch in word)
    word = unicodedata.normalize("NFKD", word)
    word = _NON_LETTER.sub("", "".join(ch for ch in word if not unicodedata.combining(ch))).lower()
    for src, dst in _DIGRAPHS:
        word = word.replace(src, dst)
    word = _SOFT_C.sub("s", word).replace("c", "k")
    word = _INITIAL_GLIDE_E.sub("", word)  # Yelena / Elena, Yevgeniy / Evgenii
    word = _GLIDE_E_AFTER_VOWEL.sub("", word)  # Sergeyev / Sergeev
    word = word.replace("yo", "e").replace("jo", "e")  # Fyodor / Fedor (ё folded to е)
    word = _GLIDE.sub("i", word)  # Mariya / Mariia / Maria / Marija; Yulia / Julia / Iuliia
    word = _FINAL_I.sub("i", word)  # Dmitriy / Dmitrii / Dmitry / Dmitrij
    word = word.replace("y", "i").replace("j", "i")
    word = _DOUBLE.sub(r"\1", word)
    return _FINAL_OFF.sub("v", word)  # Petroff -> Petrov


# A bounded memo of a pure function: names repeat heavily (Zipf), and a million-record run calls this
# about fifteen times per record. It holds no state that could change a result.
@lru_cache(maxsize=1 << 18)
def skeleton(text: str) -> str:
    """Lower-case Latin matching form on which Cyrillic and Latin spellings of a name converge."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).lower()
    if is_cyrillic(text):
        text = "".join(_FOLD.get(ch, ch) for ch in text)
    words = (_latin_word(w) for w in re.split(r"[\s\-‐–—_.,/]+", text))
    return " ".join(w for w in words if w)


_VOWEL_CLASS = MappingProxyType({"a": "a", "o": "a", "e": "e", "i": "e", "u": "u"})
_PHONETIC_MAP = MappingProxyType({"h": "g", "Q": "c", "C": "c", "S": "s", "Z": "z"})
_DEVOICE = MappingProxyType({"b": "p", "d": "t", "g": "k", "z": "s", "v": "f"})


def phonetic_key(text: str) -> str:
    """Coarse sound key: first letter's vowel class, then consonants with the end devoiced."""
    return phonetic_of_skeleton(skeleton(text))


@lru_cache(maxsize=1 << 18)  # pure; called twice per record on heavily repeating names
def phonetic_of_skeleton(skel: str) -> str:
    """phonetic_key() of a value that is already a skeleton (skeletons are not valid skeleton() input)."""
    words = []
    for word in skel.split():
        if len(word) > 1 and word[0] == "i" and word[1] in "aeou":
            word = word[1:]  # a leading glide ("Yulia", "Yana") is not a sound class of its own
        head, tail = word[0], word[1:]
        head = _VOWEL_CLASS.get(head, _PHONETIC_MAP.get(head, head))
        tail = "".join(_PHONETIC_MAP.get(ch, ch) for ch in tail if ch not in "aeiou")
        key = _DOUBLE.sub(r"\1", head + tail)
        if len(key) > 1 and key[-1] in _DEVOICE:
            key = key[:-1] + _DEVOICE[key[-1]]
        words.append(key)
    return " ".join(words)
