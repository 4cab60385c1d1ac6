"""Making demo people: names, contacts and addresses per locale, B2B contacts, relatives and namesakes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from compliance.demo import variants as v
from compliance.demo.locales import (
    DEFAULT_NOW,
    LOCALES,
    MAIL,
    POSITIONS,
    TLD,
    Locale,
    Person,
    Place,
    name_pools,
    patronymic,
)


class People:
    """Makes people: names, phones, emails and addresses per locale, B2B contacts, and look-alikes of others."""

    def __init__(self, seed: int, now: datetime | None):
        self.rnd = random.Random(seed)
        self.pools = name_pools(seed)
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
