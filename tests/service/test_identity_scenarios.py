"""Identity (issue 12): a write updates a subject only through a unique identifier with nothing contradicting;
relatives, colleagues, role mailboxes and namesakes land as their own subjects with a reason-coded candidate,
and a stored value gives way only to a better one, the loser kept in the subject's history."""

from __future__ import annotations

import pytest

from compliance.subjects import history
from compliance.subjects.history import SubjectHistory
from compliance.subjects.importer import Importer, import_file
from compliance.subjects.profiles import save, upsert
from tests.support import identity as ids
from tests.support.identity import live_subjects, open_candidates, profiles, reasons_by_pair, the_one

SHARED_PHONE = "identity.shared_phone"
SHARED_EMAIL = "identity.shared_email"
NAME_CONFLICT = "identity.name_conflict"
PATRONYMIC_CONFLICT = "identity.patronymic_conflict"
BIRTH_DATE_CONFLICT = "identity.birth_date_conflict"
GENDER_CONFLICT = "identity.gender_conflict"
SEVERAL = "identity.several_subjects"


def run(svc, admin, rows, *, source="crm", batch_size=100):
    """Import rows through the one create-or-update path; returns the report."""
    return Importer(svc, admin, source=source, batch_size=batch_size).run([dict(r) for r in rows])


def assert_counts(report, **expected):
    """The report's counters named in `expected` have those values, and no row was rejected."""
    got = {name: getattr(report, name) for name in expected}
    assert got == expected
    assert report.rejected == 0, report.errors


def only_reasons(pair_of_ids) -> list[str]:
    """The reason codes of the one open candidate between two subjects."""
    return reasons_by_pair()[frozenset(pair_of_ids)]


# ---------------------------------------------------------------------------------------------------------
# Relatives

FATHER = {"external_id": "crm-1", "first_name": "Иван", "middle_name": "Сергеевич", "last_name": "Петров",
          "birth_date": "1960-03-15", "email": "ivan.s.petrov@mail.ru", "phone": "+7 (495) 123-45-67",
          "street": "ул. Ленина, 5", "city": "Москва"}
SON = {"external_id": "crm-2", "first_name": "Иван", "middle_name": "Иванович", "last_name": "Петров",
       "birth_date": "1988-09-02", "email": "vanya.petrov@gmail.com", "phone": "8 495 123 45 67",
       "street": "ул. Ленина, 5", "city": "Москва"}


@pytest.mark.parametrize("batch_size", [1, 50])
def test_father_and_son_sharing_a_landline_stay_two_people(svc, admin, batch_size):
    """Same name, landline and address, different patronymic and birth date: two subjects, a shared_phone candidate."""
    report = run(svc, admin, [FATHER, SON], batch_size=batch_size)
    assert_counts(report, imported=2, updated=0, review=1)
    father_id, father = the_one(middle_name="Сергеевич")
    son_id, son = the_one(middle_name="Иванович")
    assert (father["birth_date"], son["birth_date"]) == ("1960-03-15", "1988-09-02")
    assert father["phones"] == son["phones"] == ["+74951234567"]
    assert (father["emails"], son["emails"]) == (["ivan.s.petrov@mail.ru"], ["vanya.petrov@gmail.com"])
    [cand] = open_candidates()
    assert {cand.a_id, cand.b_id} == {father_id, son_id}
    assert (cand.status, cand.decision) == ("open", "review")
    assert only_reasons((father_id, son_id)) == [SHARED_PHONE]


@pytest.mark.parametrize("batch_size", [1, 50])
def test_father_and_son_sharing_an_email_too_stay_two_people(svc, admin, batch_size):
    """A shared personal email is unique, but the patronymic and birth date contradict: two subjects, one candidate."""
    shared = "petrovy@mail.ru"
    report = run(svc, admin, [{**FATHER, "email": shared}, {**SON, "email": shared}], batch_size=batch_size)
    assert_counts(report, imported=2, updated=0, review=1)
    father_id, father = the_one(middle_name="Сергеевич")
    son_id, son = the_one(middle_name="Иванович")
    assert (father["birth_date"], son["birth_date"]) == ("1960-03-15", "1988-09-02")
    assert len(open_candidates()) == 1  # one pair, one candidate, though they share two identifiers
    reasons = only_reasons((father_id, son_id))
    assert set(reasons) & {PATRONYMIC_CONFLICT, BIRTH_DATE_CONFLICT}, reasons


def test_spouses_sharing_a_family_mailbox_keep_their_own_values(svc, admin):
    """Пётр writing from Ольга's family mailbox lands as himself; none of his values reach Ольга's subject."""
    olga = {"first_name": "Ольга", "last_name": "Смирнова", "email": "smirnovy@yandex.ru", "phone": "+79161112233",
            "birth_date": "1986-04-12"}
    petr = {"first_name": "Пётр", "last_name": "Смирнов", "email": "smirnovy@yandex.ru", "phone": "+79164445566",
            "birth_date": "1984-01-30"}
    run(svc, admin, [olga])
    [olga_id] = [s.id for s in live_subjects()]
    report = run(svc, admin, [petr])
    assert_counts(report, imported=1, updated=0, review=1)
    assert len(live_subjects()) == 2
    stored = profiles()[olga_id]
    assert (stored["first_name"], stored["last_name"], stored["birth_date"]) == ("Ольга", "Смирнова", "1986-04-12")
    assert stored["emails"] == ["smirnovy@yandex.ru"]
    assert stored["phones"] == ["+79161112233"]
    # Not even as a declined alternative: Ольга's history goes into her access bundle.
    assert history.entries(olga_id) == []
    petr_id, petr_profile = the_one(first_name="Пётр")
    assert petr_profile["phones"] == ["+79164445566"] and petr_profile["birth_date"] == "1984-01-30"
    assert only_reasons((olga_id, petr_id)) == [NAME_CONFLICT]


def test_the_issues_example_a_family_landline_does_not_overwrite_olga(svc, admin, tmp_path):
    """The two files of issue 12: the second import reports a new subject under review, not "updated 1"."""
    (tmp_path / "a.csv").write_text("first_name,last_name,email,phone\nОльга,Смирнова,olga@example.com,+74951234567\n",
                                    encoding="utf-8")
    (tmp_path / "b.csv").write_text("first_name,last_name,email,phone\nПётр,Петров,petr@example.com,+74951234567\n",
                                    encoding="utf-8")
    import_file(svc, admin, tmp_path / "a.csv")
    report = import_file(svc, admin, tmp_path / "b.csv")
    assert_counts(report, imported=1, updated=0, review=1)
    olga_id, olga = the_one(email="olga@example.com")
    assert (olga["first_name"], olga["emails"]) == ("Ольга", ["olga@example.com"])
    petr_id, _ = the_one(email="petr@example.com")
    assert only_reasons((olga_id, petr_id)) == [SHARED_PHONE]


# ---------------------------------------------------------------------------------------------------------
# Colleagues, role mailboxes, namesakes

@pytest.mark.parametrize("batch_size", [1, 50])
def test_colleagues_behind_one_switchboard_stay_three_people(svc, admin, batch_size):
    """Three colleagues with personal mailboxes at one domain and one office phone: three subjects, three pairs."""
    company = "ООО «Ромашка»"
    rows = [
        {"first_name": "Анна", "last_name": "Кузнецова", "email": "a.kuznetsova@romashka.ru",
         "phone": "+7 (495) 987-65-43", "company": company, "position": "Главный бухгалтер"},
        {"first_name": "Дмитрий", "last_name": "Соколов", "email": "d.sokolov@romashka.ru",
         "phone": "8-495-987-65-43", "company": company, "position": "Менеджер"},
        {"first_name": "Елена", "last_name": "Волкова", "email": "e.volkova@romashka.ru", "phone": "+74959876543",
         "company": company},
    ]
    report = run(svc, admin, rows, batch_size=batch_size)
    assert_counts(report, imported=3, updated=0, review=2)
    people = {p["first_name"]: (sid, p) for sid, p in profiles().items()}
    assert sorted(people) == ["Анна", "Дмитрий", "Елена"]
    assert {p["position"] for _, p in people.values()} == {"Главный бухгалтер", "Менеджер", None}
    assert all(len(p["emails"]) == 1 for _, p in people.values())
    pairs = reasons_by_pair()
    everyone = [sid for sid, _ in people.values()]
    assert set(pairs) == {frozenset((a, b)) for i, a in enumerate(everyone) for b in everyone[i + 1:]}
    assert all(reasons == [SHARED_PHONE] for reasons in pairs.values())


def office(size: int) -> list[dict[str, str]]:
    """`size` colleagues with personal mailboxes behind one switchboard number, typed in three ways."""
    typed = ["+7 (495) 123-45-67", "8 495 123 45 67", "+74951234567"]
    names = ["Анна", "Борис", "Вера", "Глеб", "Дарья", "Егор", "Жанна", "Захар", "Ирина", "Кирилл", "Лидия"]
    return [{"first_name": names[i % len(names)], "last_name": f"Сотрудник-{i}", "email": f"emp{i}@romashka.ru",
             "phone": typed[i % 3]} for i in range(size)]


@pytest.mark.parametrize("batch_size", [1, 7, 100])
def test_a_switchboard_shared_by_forty_colleagues_queues_a_bounded_number_of_pairs(svc, admin, batch_size):
    """Past review_limit holders (10) a shared number proposes nothing more: 45 pairs among the first ten, not
    780; every colleague still lands as their own subject, and the rest are told why no pair was queued."""
    report = run(svc, admin, office(40), batch_size=batch_size)
    assert_counts(report, imported=40, updated=0, review=9)
    assert len(live_subjects()) == 40
    pairs = reasons_by_pair()
    assert len(pairs) == 45 and all(reasons == [SHARED_PHONE] for reasons in pairs.values())
    widely = [w for w in report.warnings if w["code"] == "identity.widely_shared"]
    assert len(widely) == 30 and {w["field"] for w in widely} == {"phone"}
    assert len({w["row"] for w in widely}) == 30


def test_a_widely_shared_number_does_not_stop_a_unique_email_from_updating(svc, admin):
    """The limit only silences the shared number: a colleague's own mailbox still names them."""
    run(svc, admin, office(15))
    report = run(svc, admin, [{"email": "emp3@romashka.ru", "phone": "+74951234567", "position": "Кассир"}])
    assert_counts(report, imported=0, updated=1)
    _, gleb = the_one(email="emp3@romashka.ru")
    assert gleb["position"] == "Кассир" and gleb["first_name"] == "Глеб"
    assert len(live_subjects()) == 15


def test_the_limit_is_the_policys(svc, admin):
    """review_limit in policies/identity.yaml: with 3, four colleagues give three pairs, the fourth none."""
    path = svc.settings.policies_dir / "identity.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("review_limit: 10", "review_limit: 3"),
                    encoding="utf-8")
    from compliance.services import read_policies

    svc.policies = read_policies(svc.settings.policies_dir)
    report = run(svc, admin, office(4))
    assert_counts(report, imported=4, review=2)
    assert len(reasons_by_pair()) == 3
    assert [w["code"] for w in report.warnings] == ["identity.widely_shared"]


def test_two_people_writing_from_a_role_mailbox_stay_two_people(svc, admin):
    """info@ is read by several people: even with one first name and nothing contradicting, two subjects."""
    rows = [
        {"first_name": "Анна", "last_name": "Морозова", "email": "info@vektor.ru", "city": "Казань"},
        {"first_name": "Анна", "last_name": "Лебедева", "email": "INFO@vektor.ru", "position": "Секретарь"},
    ]
    report = run(svc, admin, rows)
    assert_counts(report, imported=2, updated=0, review=1)
    morozova_id, morozova = the_one(last_name="Морозова")
    lebedeva_id, lebedeva = the_one(last_name="Лебедева")
    assert (morozova["city"], morozova["position"]) == ("Казань", None)
    assert (lebedeva["city"], lebedeva["position"]) == (None, "Секретарь")
    assert only_reasons((morozova_id, lebedeva_id)) == [SHARED_EMAIL]


def test_namesakes_stay_two_people_without_a_candidate(svc, admin):
    """One full name, nothing shared: two subjects, and nothing for a steward from the import."""
    rows = [
        {"first_name": "Иван", "middle_name": "Иванович", "last_name": "Петров", "email": "ivanov.msk@mail.ru",
         "phone": "+79161230001", "city": "Москва"},
        {"first_name": "Иван", "middle_name": "Иванович", "last_name": "Петров", "email": "petrov.spb@gmail.com",
         "phone": "+79215550011", "city": "Санкт-Петербург"},
    ]
    report = run(svc, admin, rows)
    assert_counts(report, imported=2, updated=0, review=0)
    assert sorted(p["city"] for p in profiles().values()) == ["Москва", "Санкт-Петербург"]
    assert open_candidates() == []


# ---------------------------------------------------------------------------------------------------------
# The same person: unique identifier and nothing contradicting

@pytest.mark.parametrize(("stored", "incoming", "kept"), [
    (("Ivan", "Petrov"), ("Иван", "Петров"), ("Ivan", "Petrov")),  # equivalent spellings: the stored one stays
    (("Иван", "Петров"), ("Ivan", "Petrov"), ("Иван", "Петров")),
    (("Иван", "Петров"), ("Ваня", "Петров"), ("Иван", "Петров")),  # a diminutive does not replace the full name
    (("Ваня", "Петров"), ("Иван", "Петров"), ("Иван", "Петров")),  # the full name replaces the diminutive
], ids=["latin-then-cyrillic", "cyrillic-then-latin", "full-then-diminutive", "diminutive-then-full"])
def test_the_same_person_in_another_script_or_a_diminutive_updates_one_subject(svc, admin, stored, incoming, kept):
    """One personal email, names that agree across scripts and diminutives: one subject, updated."""
    run(svc, admin, [{"first_name": stored[0], "last_name": stored[1], "email": "ivan.petrov@gmail.com"}])
    report = run(svc, admin, [{"first_name": incoming[0], "last_name": incoming[1],
                               "email": "ivan.petrov@gmail.com", "phone": "+79123456789"}])
    assert_counts(report, imported=0, updated=1, review=0)
    [(_, profile)] = profiles().items()
    assert (profile["first_name"], profile["last_name"]) == kept
    assert profile["emails"] == ["ivan.petrov@gmail.com"]
    assert profile["phones"] == ["+79123456789"]
    assert open_candidates() == []


STORED_MARIA = {"first_name": "Мария", "middle_name": "Ивановна", "last_name": "Соколова", "birth_date": "1990-07-01",
                "gender": "ж", "email": "maria.sokolova@mail.ru"}


@pytest.mark.parametrize(("field", "value"), [
    ("first_name", "Maria"), ("first_name", "Маша"), ("first_name", "М."), ("middle_name", "И."),
    ("birth_date", "01.07.1990"), ("gender", "f"), ("gender", "female"),
])
def test_values_that_agree_in_another_form_let_the_email_update(svc, admin, field, value):
    """Scripts, diminutives, initials, date and gender spellings are no contradiction: the row updates."""
    run(svc, admin, [STORED_MARIA])
    report = run(svc, admin, [{**STORED_MARIA, field: value, "city": "Казань"}])
    assert_counts(report, imported=0, updated=1, review=0)
    [(_, profile)] = profiles().items()
    assert profile["city"] == "Казань"
    assert open_candidates() == []


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("first_name", "Анна", NAME_CONFLICT),
    ("middle_name", "Петровна", PATRONYMIC_CONFLICT),
    ("birth_date", "1985-02-11", BIRTH_DATE_CONFLICT),
    ("gender", "м", GENDER_CONFLICT),
])
def test_a_contradiction_keeps_a_unique_identifier_from_updating(svc, admin, field, value, reason):
    """The email names the stored subject but a compared field contradicts: a new subject, a reason-coded candidate."""
    run(svc, admin, [STORED_MARIA])
    [(stored_id, before)] = profiles().items()
    report = run(svc, admin, [{**STORED_MARIA, field: value, "city": "Казань"}])
    assert_counts(report, imported=1, updated=0, review=1)
    after = profiles()
    assert after.pop(stored_id) == before  # the stored subject is untouched
    [(new_id, new)] = after.items()
    assert (new["last_name"], new["city"]) == ("Соколова", "Казань")
    assert only_reasons((stored_id, new_id)) == [reason]


# ---------------------------------------------------------------------------------------------------------
# Identifiers pointing at several subjects: the row lands, never rejected

MARIA = {"first_name": "Мария", "last_name": "Соколова", "email": "maria.sokolova@mail.ru", "phone": "+79031112233"}
ELENA = {"first_name": "Елена", "last_name": "Волкова", "email": "elena.volkova@mail.ru", "phone": "+79035556677"}


def test_email_of_one_subject_and_phone_of_another_updates_the_email_one(svc, admin):
    """Мария's email with Елена's phone updates Мария, queues (Мария, Елена) as shared_phone, rejects nothing."""
    run(svc, admin, [MARIA, ELENA])
    maria_id, _ = the_one(first_name="Мария")
    elena_id, elena_before = the_one(first_name="Елена")
    report = run(svc, admin, [{"first_name": "Мария", "email": MARIA["email"], "phone": ELENA["phone"]}])
    assert_counts(report, imported=0, updated=1, review=0, suppressed=0)
    assert report.errors == []
    assert len(live_subjects()) == 2
    assert "+79035556677" in profiles()[maria_id]["phones"]
    assert profiles()[elena_id] == elena_before
    assert only_reasons((maria_id, elena_id)) == [SHARED_PHONE]


def test_unique_identifiers_of_two_subjects_update_the_external_id_one(svc, admin):
    """An external id names A, an email names B, nothing contradicts: A updated, (A, B) queued as several_subjects."""
    run(svc, admin, [{"external_id": "crm-7", "first_name": "Мария", "last_name": "Соколова", "phone": "+79031112233"},
                     {"first_name": "Мария", "last_name": "Соколова", "email": "m.sokolova@yandex.ru"}])
    a_id, _ = the_one(phone="+79031112233")
    b_id, b_before = the_one(email="m.sokolova@yandex.ru")
    report = run(svc, admin, [{"external_id": "crm-7", "first_name": "Мария", "email": "m.sokolova@yandex.ru",
                               "city": "Тверь"}])
    assert_counts(report, imported=0, updated=1, review=0)
    assert report.errors == []
    assert profiles()[a_id]["city"] == "Тверь"
    assert profiles()[b_id]["city"] is None and profiles()[b_id]["first_name"] == b_before["first_name"]
    assert only_reasons((a_id, b_id)) == [SEVERAL]


def test_a_row_that_can_update_none_of_the_subjects_it_meets_lands_as_its_own(svc, admin):
    """Мария's email under another first name plus Елена's phone: a new subject with two candidates."""
    run(svc, admin, [MARIA, ELENA])
    maria_id, _ = the_one(first_name="Мария")
    elena_id, _ = the_one(first_name="Елена")
    report = run(svc, admin, [{"first_name": "Пётр", "email": MARIA["email"], "phone": ELENA["phone"]}])
    assert_counts(report, imported=1, updated=0, review=1)
    assert report.errors == []
    petr_id, _ = the_one(first_name="Пётр")
    assert only_reasons((maria_id, petr_id)) == [NAME_CONFLICT]
    assert only_reasons((elena_id, petr_id)) == [SHARED_PHONE]


# ---------------------------------------------------------------------------------------------------------
# Survivorship: replaced only by a value at least as good, the loser kept in history

IVAN = {"first_name": "Иван", "last_name": "Петров", "email": "ivan.petrov@mail.ru"}


def field_history(subject_id: str, field: str) -> list[tuple[str, str, str]]:
    """(change, old, new) of one field's history entries."""
    return [(e["change"], e["old"], e["new"]) for e in history.entries(subject_id) if e["field"] == field]


@pytest.mark.parametrize("initials", [
    {"first_name": "И.", "middle_name": "И."},
    {"full_name": "Петров И.И."},  # as a CRM export writes it, in one ФИО column
], ids=["split", "full-name"])
def test_initials_do_not_replace_a_full_first_name(svc, admin, initials):
    """Stored Иван, incoming И.И.: Иван stays, and the initial is kept as one declined history entry."""
    run(svc, admin, [IVAN])
    [subject_id] = [s.id for s in live_subjects()]
    row = {"email": IVAN["email"], **initials}
    if "full_name" not in initials:
        row["last_name"] = "Петров"
    report = run(svc, admin, [row])
    assert_counts(report, imported=0, review=0)
    assert len(live_subjects()) == 1
    assert profiles()[subject_id]["first_name"] == "Иван"
    [(change, old, new)] = field_history(subject_id, "first_name")
    assert (change, old) == ("declined", "Иван") and new.startswith("И.")
    assert [e["field"] for e in history.entries(subject_id) if e["change"] == "declined"] == ["first_name"]


def test_a_full_first_name_replaces_an_initial(svc, admin):
    """Stored И., incoming Иван: Иван replaces it, and И. is kept as a replaced history entry."""
    run(svc, admin, [{**IVAN, "first_name": "И."}])
    [subject_id] = [s.id for s in live_subjects()]
    report = run(svc, admin, [IVAN])
    assert_counts(report, imported=0, updated=1, review=0)
    assert profiles()[subject_id]["first_name"] == "Иван"
    assert field_history(subject_id, "first_name") == [("replaced", "И.", "Иван")]


@pytest.mark.parametrize(("field", "stored", "incoming", "kept", "change"), [
    ("position", "Главный бухгалтер", "Гл. бухгалтер", "Главный бухгалтер", "declined"),
    ("position", "Гл. бухгалтер", "Главный бухгалтер", "Главный бухгалтер", "replaced"),
    ("birth_date", "1990-07-01", "07.1990", "1990-07-01", "declined"),
    ("birth_date", "07.1990", "1990-07-01", "1990-07-01", "replaced"),
], ids=["written-out-stays", "written-out-replaces", "full-date-stays", "full-date-replaces"])
def test_the_better_form_survives_in_either_order(svc, admin, field, stored, incoming, kept, change):
    """Written out over abbreviated, full date over partial; the other form goes to history."""
    run(svc, admin, [{**IVAN, field: stored}])
    [subject_id] = [s.id for s in live_subjects()]
    report = run(svc, admin, [{**IVAN, field: incoming}])
    assert_counts(report, imported=0, review=0)
    assert profiles()[subject_id][field] == kept
    assert field_history(subject_id, field) == [(change, stored, incoming)]


def test_an_equivalent_birth_date_does_not_churn(svc, admin):
    """1990-07-01 then 01.07.1990: the same date, so nothing changes and nothing goes to history."""
    run(svc, admin, [{**IVAN, "birth_date": "1990-07-01"}])
    [subject_id] = [s.id for s in live_subjects()]
    report = run(svc, admin, [{**IVAN, "birth_date": "01.07.1990"}])
    assert_counts(report, imported=0, updated=0, unchanged=1, review=0)
    assert profiles()[subject_id]["birth_date"] == "1990-07-01"
    assert history.entries(subject_id) == []


def test_an_invalid_email_never_replaces_a_valid_one(svc, admin):
    """Emails are a list: an invalid address is added and flagged, the valid one stays first, nothing is lost."""
    run(svc, admin, [{"external_id": "crm-77", "first_name": "Анна", "email": "anna@example.com"}])
    [subject_id] = [s.id for s in live_subjects()]
    report = run(svc, admin, [{"external_id": "crm-77", "first_name": "Анна", "email": "anna@example"}])
    assert_counts(report, imported=0, review=0)
    emails = profiles()[subject_id]["emails"]
    assert emails[0] == "anna@example.com"
    assert sorted(emails) == ["anna@example", "anna@example.com"]
    assert any(w["row"] == 1 and w["field"] == "email" for w in report.warnings)


def test_a_valid_email_is_kept_beside_an_invalid_one(svc, admin):
    """Stored invalid address, incoming valid one: both stay on the subject."""
    run(svc, admin, [{"external_id": "crm-78", "first_name": "Анна", "email": "anna@example"}])
    [subject_id] = [s.id for s in live_subjects()]
    run(svc, admin, [{"external_id": "crm-78", "first_name": "Анна", "email": "anna@example.com"}])
    assert sorted(profiles()[subject_id]["emails"]) == ["anna@example", "anna@example.com"]


@pytest.mark.parametrize(("stored_source", "incoming_source", "kept", "change"), [
    ("import", "crm", "Директор", "replaced"),  # crm is listed before import
    ("crm", "import", "Менеджер", "declined"),
    ("shop", "shop", "Директор", "replaced"),  # same source: the newer value
])
def test_source_priority_then_recency_decide_between_values_of_equal_quality(
        svc, admin, stored_source, incoming_source, kept, change):
    """Two written-out positions: the policy's source priority (crm > shop > api > import > demo > cli), then newer."""
    run(svc, admin, [{**IVAN, "position": "Менеджер"}], source=stored_source)
    [subject_id] = [s.id for s in live_subjects()]
    run(svc, admin, [{**IVAN, "position": "Директор"}], source=incoming_source)
    assert profiles()[subject_id]["position"] == kept
    [entry] = [e for e in history.entries(subject_id) if e["field"] == "position"]
    assert (entry["change"], entry["old"], entry["new"], entry["source"]) == (
        change, "Менеджер", "Директор", incoming_source)


# ---------------------------------------------------------------------------------------------------------
# Re-import of the same file

HEADER = ["Код клиента", "Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Эл. почта", "Телефон", "Город",
          "Улица", "Компания", "Должность"]
LINES = [
    ["101", "Петров", "Иван", "Сергеевич", "15.03.1960", "м", "Ivan.S.Petrov@mail.ru", "8 (495) 123-45-67",
     "Москва", "ул. Ленина, 5", "", ""],
    ["102", "Петров", "Иван", "Иванович", "02.09.1988", "м", "vanya.petrov@gmail.com", "+7 495 123 45 67",
     "Москва", "ул. Ленина, 5", "", ""],
    ["201", "Смирнова", "Ольга", "", "12.04.1986", "ж", "smirnovy@yandex.ru", "+7 916 111-22-33", "", "", "", ""],
    ["202", "Смирнов", "Пётр", "", "", "м", "smirnovy@yandex.ru", "+7 916 444-55-66", "", "", "", ""],
    ["301", "Кузнецова", "Анна", "", "", "ж", "a.kuznetsova@romashka.ru", "+7 (495) 987-65-43", "Москва", "",
     "ООО «Ромашка»", "Гл. бухгалтер"],
    ["302", "Соколов", "Дмитрий", "", "", "м", "d.sokolov@romashka.ru", "8-495-987-65-43", "Москва", "",
     "ООО «Ромашка»", "Менеджер"],
    ["401", "Морозова", "Анна", "", "", "ж", "info@vektor.ru", "", "Казань", "", "ООО «Вектор»", ""],
    ["402", "Лебедева", "Анна", "", "", "ж", "info@vektor.ru", "", "Казань", "", "ООО «Вектор»", "Секретарь"],
    ["501", "Петров", "Иван", "", "", "м", "ivan.petrov.spb@gmail.com", "+7 921 555-00-11", "Санкт-Петербург",
     "", "", ""],
]


def write_export(path, encoding: str) -> None:
    """A CRM export the way users save it from Excel: Russian headers, semicolons, CRLF line ends."""
    text = "\r\n".join(";".join(cells) for cells in [HEADER, *LINES]) + "\r\n"
    path.write_bytes(text.encode(encoding))


# Windows-1251 files (`consentry import FILE --encoding E`, CONTRACT.md) come with the connectors (issue 16),
# which add the case here.
@pytest.mark.parametrize(("encoding", "options"), [
    ("utf-8-sig", {}),
], ids=["utf-8-bom"])
def test_reimporting_the_same_file_changes_nothing(svc, admin, tmp_path, encoding, options):
    """Second run of one file: everything unchanged, no new subject, candidate or history entry, no churn."""
    path = tmp_path / "clients.csv"
    write_export(path, encoding)
    first = import_file(svc, admin, path, **options)
    assert_counts(first, imported=len(LINES), updated=0, review=4)
    assert the_one(first_name="Ольга")[1]["last_name"] == "Смирнова"  # the file was decoded, not mangled
    before = (ids.snapshot(), sorted(c.id for c in open_candidates()), SubjectHistory.select().count())
    assert len(before[1]) == 4  # father/son, spouses, colleagues, role mailbox
    second = import_file(svc, admin, path, **options)
    assert_counts(second, imported=0, updated=0, unchanged=len(LINES), review=0, suppressed=0)
    after = (ids.snapshot(), sorted(c.id for c in open_candidates()), SubjectHistory.select().count())
    assert after == before


# ---------------------------------------------------------------------------------------------------------
# API and import: one path, one result

def test_api_and_import_give_the_same_subjects_and_candidates(svc, admin):
    """The household rows one by one through the API and as one import: equal subjects and candidates, up to ids."""
    results = [save(svc, admin, dict(row), kind="person", source="crm") for row in ids.HOUSEHOLD]
    through_api = ids.snapshot()
    ids.clear_store()
    report = run(svc, admin, ids.HOUSEHOLD)
    assert ids.snapshot() == through_api
    assert report.imported == sum(r.created for r in results)
    assert report.review == sum(1 for r in results if r.created and r.review)
    assert report.updated == sum(1 for r in results if not r.created)


def test_save_names_the_candidate_it_queued(svc, admin):
    """A create that meets a subject it may not update tells the caller which subject and why."""
    first = save(svc, admin, {"first_name": "Ольга", "email": "smirnovy@yandex.ru"}, source="api")
    second = save(svc, admin, {"first_name": "Пётр", "email": "smirnovy@yandex.ru"}, source="api")
    assert first.created and first.review == []
    assert second.created and second.subject_id != first.subject_id
    assert second.review == [{"subject": first.subject_id, "reason": NAME_CONFLICT}]
    subject_id, created = upsert(svc, admin, {"first_name": "Оля", "email": "smirnovy@yandex.ru"}, source="api")
    assert (subject_id, created) == (first.subject_id, False)
    assert profiles()[first.subject_id]["first_name"] == "Ольга"
